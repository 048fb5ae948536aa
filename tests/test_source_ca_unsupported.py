"""Prince Edward Island, Yukon (bot challenges) and Saskatchewan (PDF only): clear errors, no request."""

from __future__ import annotations

import pytest

from monitor.errors import UnsupportedSourceError
from tests.ca_helpers import make_source


@pytest.mark.parametrize(
    ("type_name", "message", "why"),
    [
        ("ca-pe", "not supported: the legislature's site refuses automated clients", "CAPTCHA"),
        ("ca-yt", "not supported: the legislature's site refuses automated clients", "Cloudflare"),
        ("ca-sk", "not implemented: parsing the progress-of-bills PDF", "PDF"),
    ],
)
def test_fails_clearly_without_any_request(no_network, type_name, message, why):
    source = make_source(type_name)
    with pytest.raises(UnsupportedSourceError) as err:
        list(source.fetch())
    assert str(err.value).startswith(f"[{source.name}] {message}") and why in str(err.value)
    assert err.value.hint  # says what to do
    assert len(no_network.calls) == 0 and source.http.requests == 0
    assert message in source.limits
