"""Rules and the database: matches stored, match events, re-matching when the rule files change."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from monitor.models import Event, Match, Meta, ScanRun
from rules.integration import load_ruleset, match_bills, rematch_if_changed
from tests.test_rules_support import record, rules_db, store_bills  # noqa: F401 (fixture)

RULES = Path(__file__).parent / "fixtures" / "rules"


def write_rules(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(body)
    return path


TELEHEALTH = '[[rule]]\nid = "telehealth"\nname = "Telehealth"\nquery = "telehealth OR télésanté"\nweight = 2\n'
RANSOMWARE = '[[rule]]\nid = "ransomware"\nname = "Ransomware"\nquery = "ransomware"\n'


def matches(database) -> dict[tuple[int, str], Match]:
    with database.session() as session:
        return {(m.bill_id, m.rule_id): m for m in session.scalars(select(Match))}


def events(database, kind: str | None = None) -> list[Event]:
    with database.session() as session:
        query = select(Event).where(Event.kind.in_(["rule_matched", "rule_unmatched"])).order_by(Event.id)
        found = list(session.scalars(query))
    return [e for e in found if kind is None or e.kind == kind]


def test_match_bills_stores_matches_with_evidence_and_events(rules_db, tmp_path):
    ruleset = load_ruleset([write_rules(tmp_path, TELEHEALTH + RANSOMWARE)])
    tele, other, french = store_bills(
        rules_db,
        record("HB 1", "Telehealth parity", "Requires coverage of telehealth services."),
        record("HB 2", "Hunting licenses"),
        record("PL 5", "An Act respecting health", jurisdiction="CA-QC", session="43-1",
               extras={"title_fr": "Loi sur la télésanté"}),
    )
    with rules_db.session() as session:
        summary = match_bills(session, ruleset, [tele, other, french], source="tx")
        session.commit()
    assert (summary.bills, summary.matched, summary.added, summary.events) == (3, 2, 2, 2)
    stored = matches(rules_db)
    assert set(stored) == {(tele, "telehealth"), (french, "telehealth")}
    row = stored[(tele, "telehealth")]
    assert row.weight == 2.0 and row.snippet == "**Telehealth** parity"
    assert row.hits[0] == {"field": "title", "start": 0, "end": 10, "text": "Telehealth"}
    assert {"field": "summary", "start": 21, "end": 31, "text": "telehealth"} in row.hits
    assert stored[(french, "telehealth")].hits == [{"field": "title_fr", "start": 11, "end": 20, "text": "télésanté"}]
    first = events(rules_db)[0]
    assert (first.kind, first.source, first.baseline) == ("rule_matched", "tx", False)
    assert first.data["rule"] == "telehealth" and first.data["words"] == ["telehealth"]


def test_rematching_the_same_bills_changes_nothing(rules_db, tmp_path):
    ruleset = load_ruleset([write_rules(tmp_path, TELEHEALTH)])
    (bill,) = store_bills(rules_db, record("HB 1", "Telehealth parity"))
    for _ in range(2):
        with rules_db.session() as session:
            summary = match_bills(session, ruleset, [bill])
            session.commit()
    assert (summary.added, summary.removed, summary.updated, summary.events) == (0, 0, 0, 0)
    assert len(events(rules_db)) == 1


def test_a_bill_that_stops_matching_loses_its_match_and_records_it(rules_db, tmp_path):
    ruleset = load_ruleset([write_rules(tmp_path, TELEHEALTH)])
    (bill,) = store_bills(rules_db, record("HB 1", "Telehealth parity"))
    with rules_db.session() as session:
        match_bills(session, ruleset, [bill])
        session.commit()
    store_bills(rules_db, record("HB 1", "Insurance parity"))
    with rules_db.session() as session:
        summary = match_bills(session, ruleset, [bill])
        session.commit()
    assert (summary.removed, summary.events) == (1, 1)
    assert matches(rules_db) == {}
    assert [e.kind for e in events(rules_db)] == ["rule_matched", "rule_unmatched"]


def test_changed_evidence_updates_the_match(rules_db, tmp_path):
    ruleset = load_ruleset([write_rules(tmp_path, TELEHEALTH)])
    (bill,) = store_bills(rules_db, record("HB 1", "Telehealth parity"))
    with rules_db.session() as session:
        match_bills(session, ruleset, [bill])
        session.commit()
    store_bills(rules_db, record("HB 1", "Parity for telehealth"))
    with rules_db.session() as session:
        summary = match_bills(session, ruleset, [bill])
        session.commit()
    assert (summary.updated, summary.events) == (1, 0)
    assert matches(rules_db)[(bill, "telehealth")].snippet == "Parity for **telehealth**"


def test_events_of_a_baseline_scan_stay_baseline(rules_db, tmp_path):
    ruleset = load_ruleset([write_rules(tmp_path, TELEHEALTH)])
    with rules_db.session() as session:
        run = ScanRun(source="tx")
        session.add(run)
        session.commit()
        run_id = run.id
    from monitor.store import Store

    with rules_db.session() as session:
        outcomes = Store(session).upsert_many([record("HB 1", "Telehealth parity")], baseline=True, scan_run_id=run_id)
        match_bills(session, ruleset, [outcomes[0].bill_id], scan_run_id=run_id, source="tx")
        session.commit()
    (event,) = events(rules_db)
    assert event.baseline is True and event.scan_run_id == run_id


def test_rematch_if_changed(rules_db, tmp_path):
    path = write_rules(tmp_path, TELEHEALTH)
    tele, ransom = store_bills(rules_db, record("HB 1", "Telehealth parity"), record("HB 2", "Ransomware in hospitals"))
    with rules_db.session() as session:
        first = rematch_if_changed(session, load_ruleset([path]))
        session.commit()
    assert first.added == 1 and all(e.baseline for e in events(rules_db))  # first rules: state of play
    with rules_db.session() as session:
        assert rematch_if_changed(session, load_ruleset([path])) is None
        assert session.get(Meta, "rules_hash").value == load_ruleset([path]).hash
    path.write_text(RANSOMWARE)  # telehealth rule removed, ransomware rule added
    with rules_db.session() as session:
        edited = rematch_if_changed(session, load_ruleset([path]))
        session.commit()
    assert (edited.bills, edited.added, edited.removed) == (2, 1, 1)
    assert set(matches(rules_db)) == {(ransom, "ransomware")}
    new = [e for e in events(rules_db) if not e.baseline]
    assert [(e.kind, e.data["rule"]) for e in new] == [("rule_matched", "ransomware")]  # removed rule: no event


def test_actions_are_read_only_when_a_rule_searches_them(rules_db, tmp_path):
    body = '[[rule]]\nid = "vetoed"\nquery = "actions:veto*"\nfields = ["actions"]\n'
    ruleset = load_ruleset([write_rules(tmp_path, body)])
    (bill,) = store_bills(rules_db, record("HB 1", "Telehealth", actions=("Introduced", "Vetoed by Governor")))
    with rules_db.session() as session:
        match_bills(session, ruleset, [bill])
        session.commit()
    row = matches(rules_db)[(bill, "vetoed")]
    assert row.hits == [{"field": "actions", "start": 11, "end": 17, "text": "Vetoed"}]


def test_many_bills_are_matched_with_the_rules_compiled(rules_db, tmp_path, monkeypatch):
    """From COMPILE_LEAST bills, match_bills compiles the rules for rules/batch.py: same matches."""
    import pytest

    import rules.matcher
    from rules import batch

    if not batch.available():
        pytest.skip("hyperscan is not installed")
    monkeypatch.setattr(rules.matcher, "COMPILE_LEAST", 3)
    ruleset = load_ruleset([write_rules(tmp_path, TELEHEALTH + RANSOMWARE)])
    ids = store_bills(
        rules_db,
        *(record(f"HB {n}", title, summary) for n, (title, summary) in enumerate([
            ("Telehealth parity", "Requires coverage of telehealth services."),
            ("Hunting licenses", "Fees."),
            ("Ransomware payments", "Public agencies may not pay a ransomware demand."),
            ("Tele-health", "Audio-only tele-health visits."),
        ] * 3)),
    )
    with rules_db.session() as session:
        match_bills(session, ruleset, ids[:2])  # two bills: not compiled
        assert ruleset.matcher._batch is None
        summary = match_bills(session, ruleset, ids)
        assert ruleset.matcher._batch is not None
        session.commit()
    assert (summary.bills, summary.matched) == (12, 9)
    stored = matches(rules_db)
    assert {rule for _, rule in stored} == {"telehealth", "ransomware"}
    assert stored[(ids[3], "telehealth")].hits[0]["text"] == "Tele-health"
