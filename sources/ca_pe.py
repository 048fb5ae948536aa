"""Prince Edward Island: not supported (the legislature's bill data sits behind a CAPTCHA).

A polite client must not evade a bot challenge: this source refuses without making a request.
"""

from __future__ import annotations

from sources._provinces import UnsupportedProvince


class PrinceEdwardIsland(UnsupportedProvince):
    """Prince Edward Island's Legislative Assembly: not supported (its bill data sits behind a CAPTCHA)."""

    type = "ca-pe"
    jurisdictions = "CA-PE"
    jurisdiction = "CA-PE"
    default_base_url = "https://www.assembly.pe.ca/"
    limits = "not supported: the legislature's site refuses automated clients (CAPTCHA); no request is made"
    reason = ("not supported: the legislature's site refuses automated clients (its bill workflow "
              "API sits behind a CAPTCHA, and billwatch does not evade it)")
