"""The generic RSS/Atom source (type "feed") on fixtures written from the RSS and Atom specs."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
import responses
from pydantic import ValidationError

from monitor.errors import LayoutChangedError, ParseError
from monitor.http import HttpClient, HttpSettings
from sources.base import source_class
from sources.feed import FeedOptions, FeedSource

FEEDS = Path(__file__).parent / "fixtures" / "feed"
URL = "https://legis.example.org/feed.xml"
RSS = "application/rss+xml"
TX_STAGES = {"passed_chamber": r"Passed the (House|Senate)", "in_committee": "Referred to",
             "introduced": "read first time"}


def make_source(client: HttpClient | None = None, **options: object) -> FeedSource:
    values: dict[str, object] = {"name": "tx-feed", "type": "feed", "url": URL,
                                 "jurisdiction": "US-TX", "session": "89R"}
    values.update(options)
    client = client or HttpClient(HttpSettings(min_interval=0, retries=0))
    return FeedSource(FeedOptions(**values), client.for_source("tx-feed"))


def serve(rsps: responses.RequestsMock, name: str, content_type: str = RSS, url: str = URL, **headers: str) -> None:
    rsps.get(url, body=(FEEDS / name).read_bytes(), content_type=content_type, headers=headers)


def item_id(key: str) -> str:
    return "ITEM-" + hashlib.sha1(key.encode()).hexdigest()[:12].upper()


def test_registered_as_feed() -> None:
    assert source_class("feed") is FeedSource


def test_rss_entries_become_bills_and_items(no_network: responses.RequestsMock) -> None:
    serve(no_network, "bills_rss_documented.xml")
    source = make_source(stage_patterns=TX_STAGES, title_pattern=r"^[^:]+:\s*(?P<title>.+?)(?:\s+-\s+[A-Z][a-z]+ .*)?$")
    bills = {b.identifier: b for b in source.fetch()}

    assert list(bills) == ["HB 1234", "SB 56", item_id("https://legis.example.org/notices/77"),
                           item_id("https://legis.example.org/reports/12")]
    hb = bills["HB 1234"]
    assert (hb.jurisdiction, hb.session, hb.title) == ("US-TX", "89R", "Relating to telehealth services")
    assert (hb.stage, hb.status, hb.status_date) == ("passed_chamber", "Passed the Senate", dt.date(2025, 4, 8))
    # the two entries about HB 1234 are its actions, oldest first, dated in the feed's own time zone
    assert [(a.date, a.classification) for a in hb.actions] == [
        (dt.date(2025, 3, 3), ["in_committee"]), (dt.date(2025, 4, 8), ["passed_chamber"])]
    assert hb.last_action == "HB 1234: Relating to telehealth services - Passed the Senate"
    assert hb.summary == "Passed the Senate as amended (31-0)."
    assert hb.subjects == ["Health", "Telemedicine"]
    assert (hb.url, hb.source_url) == ("https://legis.example.org/bills/HB1234", URL)

    sb = bills["SB 56"]
    # title_pattern does not match this title (no colon): the leading bill number is dropped instead
    assert (sb.title, sb.stage, sb.status) == ("Relating to electronic health records", "introduced",
                                               "read first time")
    assert sb.summary == "Filed & read first time."


def test_entries_without_a_bill_number_are_keyed_by_guid_then_link(no_network: responses.RequestsMock) -> None:
    serve(no_network, "bills_rss_documented.xml")
    bills = {b.identifier: b for b in make_source().fetch()}

    notice = bills[item_id("https://legis.example.org/notices/77")]
    assert notice.title == "Notice of public hearing on health data privacy"
    assert notice.extras["item_key"] == "guid"
    assert (notice.stage, notice.last_action_date) == (None, dt.date(2025, 3, 12))
    report = bills[item_id("https://legis.example.org/reports/12")]
    assert report.extras["item_key"] == "link"
    assert report.last_action_date is None


def test_default_title_drops_the_leading_bill_number(no_network: responses.RequestsMock) -> None:
    serve(no_network, "bills_rss_documented.xml")
    hb = next(b for b in make_source().fetch() if b.identifier == "HB 1234")
    assert hb.title == "Relating to telehealth services - Passed the Senate"
    assert hb.stage is None and hb.status is None  # no stage_patterns configured


def test_nova_scotia_style_dates_and_patterns(no_network: responses.RequestsMock) -> None:
    serve(no_network, "ns_style_rss_documented.xml")
    source = make_source(jurisdiction="CA-NS", session="65-1", identifier_pattern=r"^Bill\s+(?P<id>\d+)",
                         title_pattern=r"^Bill\s+\d+\s+-\s+(?P<title>.+)$",
                         stage_patterns={"enacted": "Royal Assent", "in_committee": "Second Reading"})
    bills = [(b.identifier, b.title, b.stage, b.status, b.status_date) for b in source.fetch()]
    assert bills == [
        ("6", "Personal Health Information Act (amended)", "in_committee", "Second Reading", dt.date(2026, 9, 17)),
        ("12", "Patient Access to Care Act", "enacted", "Royal Assent", dt.date(2026, 10, 2)),
    ]


def test_french_atom_feed_keeps_accents(no_network: responses.RequestsMock) -> None:
    serve(no_network, "quebec_style_atom_documented.xml", content_type="application/atom+xml")
    source = make_source(jurisdiction="ca-qc", session="43-2", identifier_pattern=r"n°\s*(?P<id>\d+)",
                         title_pattern=r"– (?P<title>.+)$",
                         stage_patterns={"enacted": "^Sanction", "introduced": "^Présentation"})
    bills = list(source.fetch())
    assert [(b.jurisdiction, b.identifier, b.title, b.stage, b.status_date) for b in bills] == [
        ("CA-QC", "3", "Loi sur les renseignements de santé et de services sociaux", "introduced",
         dt.date(2026, 4, 2)),
        ("CA-QC", "15", "Loi visant à rendre le système de santé plus efficace", "enacted", dt.date(2023, 12, 9)),
    ]
    assert bills[0].summary == "Le projet de loi a été présenté le 2 avril 2026."
    assert bills[0].subjects == ["Santé"]


def test_identifier_taken_from_the_link_when_the_title_has_none(no_network: responses.RequestsMock) -> None:
    serve(no_network, "bills_rss_documented.xml")
    source = make_source(identifier_pattern=r"/bills/(?P<id>[A-Z]+\d+)$")
    identifiers = [b.identifier for b in source.fetch()]
    assert identifiers[:2] == ["HB 1234", "SB 56"]


def test_since_skips_older_entries(no_network: responses.RequestsMock) -> None:
    serve(no_network, "bills_rss_documented.xml")
    bills = {b.identifier: b for b in make_source().fetch(since=dt.date(2025, 3, 11))}
    # undated entries are kept: nothing says they are old
    assert sorted(bills) == sorted(["HB 1234", item_id("https://legis.example.org/notices/77"),
                                    item_id("https://legis.example.org/reports/12")])
    assert [a.date for a in bills["HB 1234"].actions] == [dt.date(2025, 4, 8)]


def test_not_modified_yields_nothing_and_says_why(no_network: responses.RequestsMock) -> None:
    client = HttpClient(HttpSettings(min_interval=0, retries=0))
    serve(no_network, "bills_rss_documented.xml", ETag='"v1"')
    assert len(list(make_source(client).fetch())) == 4

    no_network.replace(responses.GET, URL, status=304)
    again = make_source(client)
    assert list(again.fetch()) == []
    assert again.nothing_new_reason and "304" in again.nothing_new_reason
    assert no_network.calls[-1].request.headers["If-None-Match"] == '"v1"'


def test_empty_feed_is_not_an_error_but_says_so(no_network: responses.RequestsMock) -> None:
    serve(no_network, "empty_rss_documented.xml", content_type="text/plain")
    source = make_source()
    assert list(source.fetch()) == []
    assert source.nothing_new_reason == "the feed has no entries"


@pytest.mark.parametrize("name, content_type, problem", [
    ("broken_rss_documented.xml", RSS, "no element found"),
    ("error_page_documented.html", "text/html", "no RSS or Atom structure found"),
], ids=["cut-off-feed", "html-error-page"])
def test_malformed_feed_is_a_parse_error_naming_the_url(
        no_network: responses.RequestsMock, name: str, content_type: str, problem: str) -> None:
    serve(no_network, name, content_type=content_type)
    with pytest.raises(ParseError) as caught:
        list(make_source().fetch())
    assert URL in str(caught.value) and problem in str(caught.value)


def test_a_failed_parse_is_fetched_in_full_next_time(no_network: responses.RequestsMock) -> None:
    client = HttpClient(HttpSettings(min_interval=0, retries=0))
    serve(no_network, "broken_rss_documented.xml", ETag='"broken"')
    with pytest.raises(ParseError):
        list(make_source(client).fetch())
    # The feed did not change, but the next scan must not get a 304 that would pass for "nothing new".
    with pytest.raises(ParseError):
        list(make_source(client).fetch())
    assert "If-None-Match" not in no_network.calls[-1].request.headers


def test_base_url_moves_the_feed_onto_a_mirror(no_network: responses.RequestsMock) -> None:
    serve(no_network, "ns_style_rss_documented.xml", url="http://mirror.example/feed.xml")
    bills = list(make_source(base_url="http://mirror.example", identifier_pattern=r"^Bill\s+(?P<id>\d+)").fetch())
    assert [b.identifier for b in bills] == ["6", "12"]
    assert bills[0].source_url == "http://mirror.example/feed.xml"


@pytest.mark.parametrize("changes, message", [
    ({"identifier_pattern": r"(HB \d+"}, "invalid regular expression"),
    ({"identifier_pattern": r"HB \d+"}, "(?P<id>...)"),
    ({"title_pattern": r"(.+)"}, "(?P<title>...)"),
    ({"stage_patterns": {"signed": "Signed"}}, "unknown stage 'signed'"),
    ({"jurisdiction": "Texas"}, "ISO 3166-2"),
    ({"feed_url": URL}, "Extra inputs are not permitted"),
], ids=["bad-regex", "no-id-group", "no-title-group", "unknown-stage", "bad-jurisdiction", "unknown-key"])
def test_options_are_checked_when_the_config_loads(changes: dict[str, object], message: str) -> None:
    values: dict[str, object] = {"name": "f", "type": "feed", "url": URL, "jurisdiction": "US-TX", "session": "89R"}
    values.update(changes)
    with pytest.raises(ValidationError) as caught:
        FeedOptions(**values)
    assert message in str(caught.value)


def test_documentation_examples_are_valid_source_tables() -> None:
    """Every [[source]] example of docs/sources-direct-us-federal.md loads with its type's options."""
    import re
    import tomllib

    doc = (Path(__file__).parent.parent / "docs" / "sources-direct-us-federal.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```toml\n(.*?)```", doc, flags=re.S)
    tables = [table for block in blocks for table in tomllib.loads(block).get("source", [])]
    assert sorted({t["type"] for t in tables}) == ["feed", "govinfo", "legisinfo", "us-tx"]
    for table in tables:
        options = source_class(table["type"]).Options(**table)
        assert options.name == table["name"]


def test_robots_txt_is_obeyed(no_network: responses.RequestsMock) -> None:
    from monitor.robots import RobotsDisallowedError

    assert FeedSource.respects_robots
    no_network.get("https://legis.example.org/robots.txt", body="User-agent: billwatch\nDisallow: /\n")
    client = HttpClient(HttpSettings(min_interval=0, retries=0))
    source = FeedSource(FeedOptions(name="f", type="feed", url=URL, jurisdiction="US-TX", session="89R"),
                        client.for_source("f", respects_robots=True))
    with pytest.raises(RobotsDisallowedError):
        list(source.fetch())


def test_a_configured_identifier_pattern_that_matches_nothing_is_a_layout_error(
        no_network: responses.RequestsMock) -> None:
    serve(no_network, "ns_style_rss_documented.xml")
    source = make_source(jurisdiction="CA-NS", session="65-1", identifier_pattern=r"^Projet de loi (?P<id>\d+)")
    with pytest.raises(LayoutChangedError) as caught:
        list(source.fetch())
    assert "identifier_pattern ^Projet de loi" in str(caught.value) and URL in str(caught.value)
