"""The scan pipeline end to end on the test source: counts, events, cursors, failures, dry runs."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import func, select

from monitor.config import parse_config
from monitor.models import Bill, Event, ScanRun, SourceState
from monitor.scan import scan
from tests.fakes import FakeSource, make_bill


@pytest.fixture(autouse=True)
def reset_fake():
    FakeSource.produce = None
    yield
    FakeSource.produce = None


def config_for(*sources: dict):
    return parse_config({"source": [{"type": "test-fake", **s} for s in sources]})


def count(database, model, *where) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_first_scan_is_baseline_and_rescan_changes_nothing(database):
    config = config_for({"name": "tx", "count": 3})
    first = scan(config, database).sources[0]
    assert (first.read, first.inserted, first.baseline, first.error) == (3, 3, True, None)
    assert count(database, Event, Event.baseline.is_(True)) == first.events > 0
    second = scan(config, database).sources[0]
    assert (second.read, second.inserted, second.updated, second.unchanged, second.events) == (3, 0, 0, 3, 0)
    assert second.baseline is False
    with database.session() as session:
        state = session.get(SourceState, "tx")
        assert state.cursor == {"seen": 6} and state.consecutive_failures == 0
        assert state.last_success is not None and state.baseline_done


def test_changed_bill_records_events_not_baseline(database):
    config = config_for({"name": "tx", "count": 2})
    scan(config, database)
    FakeSource.produce = lambda options, cursor: [
        make_bill("tx", "US-TX", 0, stage="in_committee", status="Referred to committee"),
        make_bill("tx", "US-TX", 1),
    ]
    report = scan(config, database).sources[0]
    assert (report.updated, report.unchanged) == (1, 1)
    with database.session() as session:
        kinds = session.scalars(select(Event.kind).where(Event.baseline.is_(False))).all()
    assert "stage_changed" in kinds


def test_one_failing_source_does_not_stop_the_others(database):
    config = config_for({"name": "bad", "count": 1, "fail": "page layout changed"}, {"name": "good", "count": 2})
    report = scan(config, database)
    bad, good = report.sources
    assert "page layout changed" in bad.error and good.error is None and good.inserted == 2
    assert [s.name for s in report.failed] == ["bad"]
    with database.session() as session:
        state = session.get(SourceState, "bad")
        assert state.consecutive_failures == 1 and "page layout changed" in state.last_error
        runs = {r.source: r.status for r in session.scalars(select(ScanRun))}
    assert runs == {"bad": "failed", "good": "ok"}


def test_failure_keeps_earlier_batches_consistent_with_cursor(database, monkeypatch):
    monkeypatch.setattr("monitor.scan.BATCH_SIZE", 2)
    config = config_for({"name": "tx", "count": 5, "fail": "boom"})
    report = scan(config, database).sources[0]
    assert report.error
    # two full batches (4 bills) were committed with the cursor that produced them; the 5th was not
    assert count(database, Bill) == 4
    with database.session() as session:
        assert session.get(SourceState, "tx").cursor == {"seen": 4}


def test_empty_first_scan_is_an_error(database):
    report = scan(config_for({"name": "tx", "count": 0}), database).sources[0]
    assert "no bills on its first scan" in report.error


def test_dry_run_writes_nothing(database):
    report = scan(config_for({"name": "tx", "count": 3}), database, dry_run=True)
    assert report.sources[0].inserted == 3
    assert count(database, Bill) == 0
    assert count(database, ScanRun) == 0


def test_secret_never_stored_in_error(database):
    config = config_for({"name": "tx", "count": 0, "api_key": "SEKRET-1", "fail": "bad key SEKRET-1"})
    FakeSource.produce = lambda options, cursor: [make_bill("tx", "US-TX", 0)]
    report = scan(config, database).sources[0]
    assert "SEKRET-1" not in report.error
    with database.session() as session:
        assert "SEKRET-1" not in session.get(SourceState, "tx").last_error


def test_since_is_passed_to_the_source(database):
    seen = {}

    def produce(options, cursor):
        return [make_bill("tx", "US-TX", 0)]

    original = FakeSource.fetch

    def fetch(self, since=None):
        seen["since"] = since
        return original(self, since)

    FakeSource.produce = produce
    import datetime as dt

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(FakeSource, "fetch", fetch)
        scan(config_for({"name": "tx"}), database, since=dt.date(2025, 3, 1))
    assert seen["since"] == dt.date(2025, 3, 1)


def test_record_is_a_plain_dataclass():
    bill = make_bill("tx", "US-TX", 0)
    assert dataclasses.is_dataclass(bill) and bill.key == ("US-TX", "2025", "HB 1")


def test_nul_characters_are_dropped_before_storage(database):
    from sources.base import Action

    FakeSource.produce = lambda options, cursor: [
        make_bill("tx", "US-TX", 0, title="Telehealth\x00 act", actions=[Action(None, "Filed\x00")])
    ]
    report = scan(config_for({"name": "tx"}), database).sources[0]
    assert report.error is None
    with database.session() as session:
        bill = session.scalars(select(Bill)).one()
        assert bill.title == "Telehealth act" and bill.actions[0].description == "Filed"
