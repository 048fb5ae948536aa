"""Yukon: not supported (the legislature's site answers 403 to non-browsers behind Cloudflare).

A polite client must not evade a bot challenge: this source refuses without making a request.
"""

from __future__ import annotations

from sources._provinces import UnsupportedProvince


class Yukon(UnsupportedProvince):
    """Yukon's Legislative Assembly: not supported (its site answers 403 to non-browsers)."""

    type = "ca-yt"
    jurisdictions = "CA-YT"
    jurisdiction = "CA-YT"
    default_base_url = "https://yukonassembly.ca/"
    limits = "not supported: the legislature's site refuses automated clients (Cloudflare); no request is made"
    reason = ("not supported: the legislature's site refuses automated clients (a Cloudflare "
              "challenge answers 403 to non-browsers, and billwatch does not evade it)")
