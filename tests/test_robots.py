"""robots.txt: read once per host, disallowed URLs refused, Crawl-delay honoured, API sources exempt."""

from __future__ import annotations

import pytest
import responses

from monitor.errors import FetchError
from monitor.http import HttpClient, HttpSettings
from monitor.robots import RobotRules, RobotsDisallowedError

SITE = "https://www.ola.org"
ROBOTS = """\
User-agent: *
Crawl-delay: 10
Disallow: /*?
Disallow: /admin/
Allow: /admin/public$

User-agent: badbot
Disallow: /
"""


class FakeClock:
    """A monotonic clock that sleeping advances, so intervals are measured without waiting."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds


def make_client(clock: FakeClock | None = None) -> HttpClient:
    clock = clock or FakeClock()
    return HttpClient(HttpSettings(min_interval=1.0, retries=0), sleep=clock.sleep, clock=clock)


def test_robots_fetched_once_per_host_and_disallowed_url_refused(no_network):
    no_network.get(f"{SITE}/robots.txt", body=ROBOTS)
    no_network.get(f"{SITE}/en/legislative-business/bills/parliament-43/session-1", body="ok")
    http = make_client().for_source("on", respects_robots=True)
    assert http.get(f"{SITE}/en/legislative-business/bills/parliament-43/session-1").text == "ok"
    with pytest.raises(RobotsDisallowedError) as err:
        http.get(f"{SITE}/en/legislative-business/bills/parliament-43/session-1?_format=json")
    assert "_format=json" in str(err.value) and "robots.txt disallows it" in str(err.value)
    assert err.value.source == "on"
    with pytest.raises(RobotsDisallowedError):
        http.get(f"{SITE}/en/x", params={"_format": "json"})
    robots_calls = [c for c in no_network.calls if c.request.url.endswith("/robots.txt")]
    assert len(robots_calls) == 1
    assert http.requests == 1  # the refused URLs were never requested


def test_crawl_delay_raises_the_host_interval():
    clock = FakeClock()
    with responses.RequestsMock() as rsps:
        rsps.get(f"{SITE}/robots.txt", body=ROBOTS)
        rsps.get(f"{SITE}/a", body="a")
        rsps.get(f"{SITE}/b", body="b")
        http = make_client(clock).for_source("on", respects_robots=True)
        http.get(f"{SITE}/a")
        http.get(f"{SITE}/b")
    # robots.txt then /a within the default 1 s, then /b 10 s after /a (Crawl-delay: 10)
    assert clock.sleeps[-1] == 10.0


def test_api_sources_do_not_read_robots(no_network):
    no_network.get("https://api.example.org/robots.txt", body="User-agent: *\nDisallow: /\n")
    no_network.get("https://api.example.org/bills", body="[]")
    http = make_client().for_source("legiscan")
    assert http.get("https://api.example.org/bills").text == "[]"
    assert [c.request.url for c in no_network.calls] == ["https://api.example.org/bills"]


@pytest.mark.parametrize(
    ("status", "allowed"),
    [(404, True), (410, True), (403, True), (503, False)],
    ids=["missing-allows", "gone-allows", "forbidden-allows", "unreachable-disallows"],
)
def test_robots_fetch_failures_follow_rfc_9309(no_network, status, allowed):
    no_network.get(f"{SITE}/robots.txt", status=status)
    no_network.get(f"{SITE}/page", body="ok")
    http = make_client().for_source("on", respects_robots=True)
    if allowed:
        assert http.get(f"{SITE}/page").text == "ok"
    else:  # still not read (RFC 9309), but reported as the site being unreachable, not a refusal
        with pytest.raises(FetchError, match="RFC 9309") as info:
            http.get(f"{SITE}/page")
        assert not isinstance(info.value, RobotsDisallowedError)
        assert "retry later" in str(info.value)


def test_unreachable_site_is_a_network_error_with_a_short_reason(no_network):
    import requests

    no_network.get(f"{SITE}/robots.txt", body=requests.ConnectionError(
        "HTTPSConnectionPool(host='www.ola.org', port=443): Max retries exceeded (Caused by "
        "NameResolutionError(\"Failed to resolve 'www.ola.org' ([Errno -2] Name or service not known)\"))"))
    http = make_client().for_source("on", respects_robots=True)
    with pytest.raises(FetchError, match="cannot resolve host") as info:
        http.get(f"{SITE}/page")
    assert "HTTPSConnectionPool" not in str(info.value)


def test_robots_shared_across_sources_of_one_client(no_network):
    no_network.get(f"{SITE}/robots.txt", body=ROBOTS)
    no_network.get(f"{SITE}/p", body="ok")
    client = make_client()
    client.for_source("one", respects_robots=True).get(f"{SITE}/p")
    client.for_source("two", respects_robots=True).get(f"{SITE}/p")
    assert sum(c.request.url.endswith("/robots.txt") for c in no_network.calls) == 1


@pytest.mark.parametrize(
    ("agent", "path", "allowed"),
    [
        ("billwatch", "/en/bills", True),
        ("billwatch", "/en/bills?page=2", False),
        ("billwatch", "/admin/secret", False),
        ("billwatch", "/admin/public", True),  # the longer Allow wins over Disallow: /admin/
        ("billwatch", "/admin/public/more", False),  # "$" anchors the Allow
        ("badbot", "/en/bills", False),
    ],
)
def test_rule_matching_wildcards_and_longest_match(agent, path, allowed):
    rules = RobotRules()
    rules.parse(ROBOTS.splitlines())
    assert rules.can_fetch(agent, SITE + path) is allowed


def test_a_province_source_obeys_robots(no_network):
    from tests.ca_helpers import make_source

    no_network.get("https://www.legnb.ca/robots.txt", body="User-agent: *\nDisallow: /en/legislation/\n")
    source = make_source("ca-nb", legislature=60, session=2, respects_robots=True)
    with pytest.raises(RobotsDisallowedError) as err:
        list(source.fetch())
    assert "https://www.legnb.ca/en/legislation/bills/60/2" in str(err.value)
    assert [c.request.url for c in no_network.calls] == ["https://www.legnb.ca/robots.txt"]
