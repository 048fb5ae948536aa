"""Shared test set-up: no test reaches the network.

`responses` is active for every test: a request to a URL no test registered fails the test.
Requests to loopback pass through, for the tests that run a real local server.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import responses

FIXTURES = Path(__file__).parent / "fixtures"
LOOPBACK = re.compile(r"^https?://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(/|$)")


@pytest.fixture(autouse=True)
def no_network():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add_passthru(LOOPBACK)
        yield rsps


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES
