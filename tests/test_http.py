"""The shared HTTP client: user agent, retries, Retry-After, rate limit, conditional GET, redaction."""

from __future__ import annotations

import logging

import pytest
import requests
import responses

from monitor.errors import AuthError, FetchError, QuotaError
from monitor.http import HttpClient, HttpSettings, redact, retry_after_seconds

URL = "https://api.example.org/bills"


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def client(fake: FakeTime, **settings) -> HttpClient:
    return HttpClient(HttpSettings(**settings), sleep=fake.sleep, clock=fake.clock)


def test_user_agent_names_project_and_contact(no_network):
    no_network.get(URL, body="ok")
    http = HttpClient(HttpSettings(contact="advocacy@example.org")).for_source("t")
    http.get(URL)
    ua = no_network.calls[0].request.headers["User-Agent"]
    assert ua.startswith("billwatch/") and "advocacy@example.org" in ua


def test_retries_5xx_then_succeeds_with_backoff(no_network):
    no_network.get(URL, status=503)
    no_network.get(URL, status=502)
    no_network.get(URL, body="ok")
    fake = FakeTime()
    http = client(fake, backoff=2, min_interval=0).for_source("t")
    assert http.get(URL).text == "ok"
    assert fake.sleeps == [2, 4]
    assert http.requests == 3


def test_429_honours_retry_after(no_network):
    no_network.get(URL, status=429, headers={"Retry-After": "7"})
    no_network.get(URL, body="ok")
    fake = FakeTime()
    http = client(fake, min_interval=0).for_source("t")
    assert http.get(URL).text == "ok"
    assert fake.sleeps == [7]


def test_retry_after_longer_than_allowed_is_a_quota_error(no_network):
    no_network.get(URL, status=429, headers={"Retry-After": "86400"})
    http = client(FakeTime(), min_interval=0, max_retry_after=60).for_source("t")
    with pytest.raises(QuotaError, match="asks to wait 86400s"):
        http.get(URL)


def test_gives_up_after_retries(no_network):
    no_network.get(URL, status=500)
    fake = FakeTime()
    http = client(fake, retries=2, min_interval=0).for_source("t")
    with pytest.raises(FetchError, match="HTTP 500"):
        http.get(URL)
    assert http.requests == 3


def test_connection_error_retried_then_reported(no_network):
    no_network.get(URL, body=requests.ConnectionError("refused"))
    http = client(FakeTime(), retries=1, min_interval=0).for_source("t")
    with pytest.raises(FetchError, match="failed after 2 attempts"):
        http.get(URL)


@pytest.mark.parametrize("status,error", [(401, AuthError), (403, AuthError), (404, FetchError)])
def test_client_errors_not_retried(no_network, status, error):
    no_network.get(URL, status=status)
    http = client(FakeTime(), min_interval=0).for_source("t")
    with pytest.raises(error):
        http.get(URL)
    assert http.requests == 1


def test_per_host_minimum_interval(no_network):
    no_network.get(URL, body="ok")
    fake = FakeTime()
    http = client(fake, min_interval=5).for_source("t")
    http.get(URL)
    fake.now += 1
    http.get(URL)
    assert fake.sleeps == [pytest.approx(4)]


def test_per_host_setting_overrides_source_interval(no_network):
    no_network.get(URL, body="ok")
    fake = FakeTime()
    http = client(fake, per_host={"api.example.org": 0.5}).for_source("t", min_interval=10)
    http.get(URL)
    http.get(URL)
    assert fake.sleeps == [pytest.approx(0.5)]


def test_conditional_get_sends_validators_and_returns_none_on_304(no_network):
    no_network.get(URL, body="v1", headers={"ETag": '"abc"', "Last-Modified": "Wed, 01 Jan 2025 00:00:00 GMT"})
    http = client(FakeTime(), min_interval=0).for_source("t")
    assert http.get(URL, conditional=True).text == "v1"
    no_network.replace(responses.GET, URL, status=304)
    assert http.get(URL, conditional=True) is None
    sent = no_network.calls[1].request.headers
    assert sent["If-None-Match"] == '"abc"'
    assert sent["If-Modified-Since"] == "Wed, 01 Jan 2025 00:00:00 GMT"


def test_secrets_redacted_from_errors_logs_and_validator_keys(no_network, caplog):
    secret = "s3cr3tKEY123"
    no_network.get("https://api.legiscan.example/", status=500, body=f"bad key {secret}")
    fake = FakeTime()
    http = client(fake, retries=1, min_interval=0).for_source("legiscan", secrets=[secret])
    caplog.set_level(logging.DEBUG, logger="billwatch.http")
    with pytest.raises(FetchError) as info:
        http.get("https://api.legiscan.example/", params={"key": secret, "op": "getMasterList"})
    assert secret not in str(info.value)
    assert "key=***" in str(info.value)
    assert secret not in caplog.text


@pytest.mark.parametrize(
    "text,expected",
    [
        ("https://x/?key=abc&op=1", "https://x/?key=***&op=1"),
        ("https://x/?op=1&apikey=abc", "https://x/?op=1&apikey=***"),
        ("https://x/?access_key=abc", "https://x/?access_key=***"),
        ("nothing secret", "nothing secret"),
    ],
    ids=["key", "apikey", "access_key", "plain"],
)
def test_redact_secret_parameters(text, expected):
    assert redact(text) == expected


def test_retry_after_http_date():
    assert retry_after_seconds("Wed, 01 Jan 2025 00:00:10 GMT", now=1735689600.0) == pytest.approx(10)
    assert retry_after_seconds("12") == 12
    assert retry_after_seconds("soon") is None


@pytest.mark.parametrize(
    "error,expected",
    [
        (requests.ConnectionError("HTTPSConnectionPool(host='www.parl.ca', port=443): Max retries exceeded "
                                  "(Caused by NameResolutionError(\"Failed to resolve 'www.parl.ca'\"))"),
         "cannot resolve host api.example.org (DNS)"),
        (requests.ConnectionError("HTTPConnectionPool(host='127.0.0.1', port=9): [Errno 111] Connection refused"),
         "api.example.org refused the connection"),
        (requests.ConnectTimeout("HTTPSConnectionPool(host='slow.example', port=443): timed out"),
         "connecting to api.example.org timed out"),
    ],
    ids=["dns", "refused", "timeout"],
)
def test_network_failures_are_described_briefly(no_network, error, expected):
    no_network.get(URL, body=error)
    http = client(FakeTime(), retries=0, min_interval=0).for_source("t")
    with pytest.raises(FetchError) as info:
        http.get(URL)
    assert expected in str(info.value) and "Pool(" not in str(info.value)
