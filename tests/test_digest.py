"""The digest builder on a real database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from bs4 import BeautifulSoup

from notifiers.compose import Recipient, compose
from notifiers.delivery import run_context
from notifiers.digest import Digest
from notifiers.render import RenderContext, render_digest
from tests.test_digest_support import (
    CATALOG,
    NOW,
    TODAY,
    config,
    hearing,
    match,
    record,
    source_ok,
    store,
    subscriber,
    version,
)


def build(database: Any, sub: Any = None, *, include_baseline: bool = False, cfg: Any = None) -> Digest:
    """The digest ``sub`` would get now."""
    sub = sub or subscriber()
    cfg = cfg or config([sub])
    with database.session() as session:
        ctx = run_context(session, cfg, now=NOW, catalog=CATALOG, include_baseline=include_baseline)
        return compose(session, ctx, Recipient.digest(sub)).digest


def entry_names(entries: list[Any]) -> list[str]:
    return [f"{e.jurisdiction} {e.identifier}" for e in entries]


def test_one_entry_per_bill_labelled_with_every_matching_rule(database):
    [bill] = store(database, [record(1, hearings=[hearing(3)], versions=[version("Introduced", TODAY)])])
    match(database, bill, "privacy", snippet="\u2026protected health information\u2026")
    match(database, bill, "interop")
    source_ok(database)

    digest = build(database)

    assert entry_names(digest.entries) == ["US-TX HB 1"]
    entry = digest.new[0]
    assert entry.labels == ["Interoperability & health information exchange", "Health data privacy"]
    assert [r.snippet for r in entry.reasons][1] == "\u2026protected health information\u2026"
    assert entry.weight == 3.0
    assert entry.sponsors == ["Jane Doe (D)"]  # primary sponsors only
    assert entry.next_hearing is not None and entry.next_hearing.date == TODAY + dt.timedelta(days=3)
    assert entry.url == "https://capitol.example.gov/US-TX/HB1"
    assert digest.unhealthy_sources == []


def test_sections_new_moving_and_upcoming_hearings(database):
    # a first (baseline) scan, then a second one with changes
    old = [record(2), record(3), record(4), record(5)]
    ids = store(database, old, baseline=True)
    for bill in ids:
        match(database, bill, "interop")
    store(database, [
        record(2, stage="passed_committee", status_date=TODAY, versions=[version("Committee report", TODAY)]),
        record(3, hearings=[hearing(5)]),
        record(4, hearings=[hearing(30)]),
    ])
    [new] = store(database, [record(1)])
    match(database, new, "interop")

    digest = build(database)

    assert entry_names(digest.new) == ["US-TX HB 1"]
    assert entry_names(digest.moving) == ["US-TX HB 2", "US-TX HB 4"]
    assert entry_names(digest.hearings) == ["US-TX HB 3"]
    moved = digest.moving[0]
    assert moved.changes[0] == f"Stage: Introduced \u2192 Passed committee ({TODAY.day} {TODAY:%b %Y})"
    assert any(c.startswith("New version: Committee report") for c in moved.changes)
    assert digest.moving[1].changes[0].startswith("Hearing scheduled")  # 30 days out: not "upcoming"
    assert "US-TX HB 5" not in entry_names(digest.entries)  # nothing happened to it
    assert digest.counts() == {"new": 1, "moving": 2, "hearings": 1}


def test_entries_are_ordered_by_weight_then_recency(database):
    ids = store(database, [
        record(1, last_action_date=TODAY - dt.timedelta(days=9)),
        record(2, last_action_date=TODAY - dt.timedelta(days=1)),
        record(3, last_action_date=TODAY - dt.timedelta(days=5)),
    ])
    match(database, ids[0], "telehealth")
    match(database, ids[1], "privacy")
    match(database, ids[2], "privacy")
    match(database, ids[0], "interop")  # HB 1 is the heaviest through its best rule

    assert entry_names(build(database).new) == ["US-TX HB 1", "US-TX HB 2", "US-TX HB 3"]


FILTERS = [
    pytest.param({}, ["CA-ON 7", "US-NM HB 1", "US-TX HB 1", "US-TX HB 2"], id="no-filter-means-everything"),
    pytest.param({"jurisdictions": ["US-TX"]}, ["US-TX HB 1", "US-TX HB 2"], id="one-state"),
    pytest.param({"jurisdictions": ["US-*"]}, ["US-NM HB 1", "US-TX HB 1", "US-TX HB 2"], id="wildcard"),
    pytest.param({"jurisdictions": ["CA-*", "US-NM"]}, ["CA-ON 7", "US-NM HB 1"], id="two-patterns"),
    pytest.param({"rules": ["telehealth"]}, ["US-TX HB 2"], id="by-rule-id"),
    pytest.param({"tags": ["privacy"]}, ["CA-ON 7", "US-NM HB 1"], id="by-tag-covers-two-rules"),
    pytest.param({"rules": ["telehealth"], "tags": ["interoperability"]}, ["US-TX HB 1", "US-TX HB 2"],
                 id="rules-or-tags"),
    pytest.param({"min_weight": 2.5}, ["CA-ON 7", "US-TX HB 1"], id="min-weight"),
    pytest.param({"rules": ["no-such-rule"]}, [], id="unknown-rule-matches-nothing"),
]


@pytest.mark.parametrize("settings, expected", FILTERS)
def test_subscriber_filters(database, settings, expected):
    ids = store(database, [record(1), record(2), record(1, "US-NM"), record(7, "CA-ON", identifier="7")])
    match(database, ids[0], "interop")
    match(database, ids[1], "telehealth")
    match(database, ids[2], "privacy")
    match(database, ids[3], "breach")
    sub = subscriber(**{"jurisdictions": [], **settings})

    assert sorted(entry_names(build(database, sub).entries)) == expected


def test_baseline_events_are_left_out_unless_asked(database):
    [bill] = store(database, [record(1)], baseline=True)
    match(database, bill, "interop")

    assert build(database).entries == []
    assert entry_names(build(database, include_baseline=True).new) == ["US-TX HB 1"]


def test_failing_and_stale_sources_are_named_with_their_last_success(database):
    source_ok(database, "legiscan", at=NOW - dt.timedelta(days=5))  # stale after 48 h
    cfg = config([subscriber()], sources=[("legiscan", "legiscan"), ("tlo", "us-tx"), ("bc", "ca-bc")])
    source_ok(database, "bc", "ca-bc", at=NOW - dt.timedelta(hours=1))

    digest = build(database, cfg=cfg)

    assert [h.name for h in digest.unhealthy_sources] == ["legiscan", "tlo"]
    text = render_digest(digest, RenderContext("ann@example.org")).text
    last = NOW - dt.timedelta(days=5)
    assert f"legiscan (legiscan) is stale: last succeeded {last.day} {last:%b %Y}" in text
    assert "tlo (us-tx) is stale: has never succeeded" in text
    assert "bc (ca-bc)" not in text


def test_hearing_reminders_alone_are_not_news(database):
    [bill] = store(database, [record(1, hearings=[hearing(6)])], baseline=True)
    match(database, bill, "interop")

    digest = build(database)

    assert entry_names(digest.hearings) == ["US-TX HB 1"]
    assert not digest.has_news


def test_legiscan_is_credited_only_when_its_data_is_shown(database):
    ids = store(database, [record(1), record(2, source="tlo")])
    match(database, ids[1], "interop")
    cfg = config([subscriber()], sources=[("legiscan", "legiscan"), ("tlo", "us-tx")])
    digest = build(database, cfg=cfg)
    assert not digest.legiscan
    assert "LegiScan" not in render_digest(digest, RenderContext("ann@example.org")).text

    match(database, ids[0], "interop")
    digest = build(database, cfg=cfg)
    assert digest.legiscan
    rendered = render_digest(digest, RenderContext("ann@example.org"))
    assert "LegiScan" in rendered.text and "CC BY 4.0" in rendered.text
    assert "CC BY 4.0" in rendered.html


def test_rule_matched_event_of_a_rule_not_followed_is_not_news(database):
    [bill] = store(database, [record(1)], baseline=True)
    match(database, bill, "interop")
    with database.session() as session:
        from monitor.store import Store

        Store(session).record_event(bill, "rule_matched", {"rule_id": "telehealth"}, source="rules")
        session.commit()
    assert build(database).entries == []

    with database.session() as session:
        from monitor.store import Store

        Store(session).record_event(bill, "rule_matched", {"rule_id": "interop"}, source="rules")
        session.commit()
    digest = build(database)
    assert entry_names(digest.new) == ["US-TX HB 1"]
    assert digest.new[0].changes == ["Now matches: Interoperability & health information exchange"]


def test_a_new_bill_does_not_repeat_its_rules_as_now_matches(database):
    [bill] = store(database, [record(1)])  # not baseline: new_bill is news
    match(database, bill, "interop")
    with database.session() as session:
        from monitor.store import Store

        Store(session).record_event(bill, "rule_matched", {"rule_id": "interop"}, source="rules")
        session.commit()
    source_ok(database)
    (entry,) = build(database).new
    assert entry.labels == ["Interoperability & health information exchange"]
    assert not any(change.startswith("Now matches") for change in entry.changes)
    assert entry.changes[0].startswith("New bill")


def test_rendering_is_safe_for_hostile_accented_and_very_long_titles(database):
    titles = {
        1: 'Relating to <script>alert("x")</script> & <b>bold</b> health data',
        2: "Loi modifiant la Loi sur la santé et les services sociaux \u2014 télémédecine, données",
        3: "Interoperability " + "x" * 3000,
    }
    ids = store(database, [record(n, title=t) for n, t in titles.items()])
    for bill in ids:
        match(database, bill, "interop", snippet="<img src=x onerror=alert(1)> & exchange")

    rendered = render_digest(build(database), RenderContext("ann@example.org"))

    assert "<script>" not in rendered.html and "<img" not in rendered.html
    assert '&lt;script&gt;alert("x")&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;' in rendered.html
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; exchange" in rendered.html
    page = BeautifulSoup(rendered.html, "lxml")
    assert page.find("script") is None and page.find("img") is None and page.find("b", string="bold") is None
    assert titles[1] in [p.get_text() for p in page.select("p.title")]
    assert titles[1] in rendered.text  # plain text is not escaped
    assert "santé et les services sociaux \u2014 télémédecine" in rendered.html
    assert "x" * 3000 not in rendered.html and "\u2026" in rendered.html  # clipped
    assert max(len(line) for line in rendered.text.splitlines()) <= 76


def test_digest_dataclass_is_plain_data(database):
    [bill] = store(database, [record(1)])
    match(database, bill, "interop")
    digest = build(database)
    # plain dataclasses: the webhook payloads and tests can inspect them without a session
    assert dataclasses.asdict(digest.new[0])["identifier"] == "HB 1"
