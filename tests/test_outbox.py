"""The scheduler's due digests (cadence) and the outbox bookkeeping behind exactly-once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from monitor.models import OutboxMessage
from notifiers.compose import RunContext
from notifiers.delivery import is_due, run_due_digests
from tests.test_digest_support import (
    CATALOG,
    NOW,
    config,
    match,
    record,
    running_smtp_server,
    smtp_settings,
    source_ok,
    store,
    subscriber,
)

MONDAY_8AM_CHICAGO = dt.datetime(2026, 3, 9, 13, 0)  # naive UTC

@pytest.fixture
def smtp_server():
    yield from running_smtp_server()



def ctx_at(now: dt.datetime) -> RunContext:
    return RunContext(config=config([], timezone="America/Chicago"), now=now, catalog={}, until_id=0)


DUE = [
    pytest.param("daily", None, 0, True, id="daily-never-sent"),
    pytest.param("daily", 22, 0, False, id="daily-22h-ago"),
    pytest.param("daily", 23, 0, True, id="daily-23h-ago"),
    pytest.param("weekly:mon", None, 0, True, id="weekly-first-on-its-day"),
    pytest.param("weekly:mon", None, 1, False, id="weekly-first-not-its-day"),
    pytest.param("weekly:mon", 6 * 24, 0, True, id="weekly-6-days-on-its-day"),
    pytest.param("weekly:mon", 5 * 24, 0, False, id="weekly-5-days"),
    pytest.param("weekly:mon", 6 * 24, 1, False, id="weekly-6-days-wrong-day"),
    pytest.param("weekly:fri", 7 * 24 + 1, 0, True, id="weekly-overdue-any-day"),
    pytest.param("weekly:sun", None, 6, True, id="weekly-sunday-local-time"),
]


@pytest.mark.parametrize("cadence, hours_since, days_later, expected", DUE)
def test_is_due(cadence, hours_since, days_later, expected):
    now = MONDAY_8AM_CHICAGO + dt.timedelta(days=days_later)
    last = None if hours_since is None else now - dt.timedelta(hours=hours_since)
    assert is_due(subscriber(cadence=cadence), last, ctx_at(now)) is expected


def test_weekday_is_the_local_one():
    # 03:00 UTC on Tuesday is still Monday evening in Chicago
    tuesday_utc = dt.datetime(2026, 3, 10, 3, 0)
    assert is_due(subscriber(cadence="weekly:mon"), None, ctx_at(tuesday_utc))


def rows(database: Any) -> list[OutboxMessage]:
    with database.session() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_run_due_digests_follows_each_cadence(database, smtp_server):
    monday = (NOW + dt.timedelta(days=7 - NOW.weekday())).replace(hour=13, minute=0)  # 8:00 in Chicago
    ids = store(database, [record(1), record(2)], recorded_at=monday - dt.timedelta(hours=2))
    for bill in ids:
        match(database, bill, "interop")
    source_ok(database, at=monday + dt.timedelta(days=7))  # healthy throughout the test
    cfg = config([subscriber("daily@example.org", cadence="daily"),
                  subscriber("weekly@example.org", cadence="weekly:mon"),
                  subscriber("alerts@example.org", cadence="immediate"),
                  subscriber("paused@example.org", cadence="daily", enabled=False)],
                 smtp_settings(smtp_server.port), timezone="America/Chicago")

    first = run_due_digests(cfg, database, monday, catalog=CATALOG)
    assert sorted((r.recipient, r.status) for r in first.results) == [
        ("daily@example.org", "sent"), ("weekly@example.org", "sent")]

    later_that_day = run_due_digests(cfg, database, monday + dt.timedelta(hours=5), catalog=CATALOG)
    assert later_that_day.results == []

    next_day = run_due_digests(cfg, database, monday + dt.timedelta(days=1), catalog=CATALOG)
    assert [(r.recipient, r.status) for r in next_day.results] == [("daily@example.org", "nothing")]
    assert [r.status for r in rows(database) if r.recipient == "daily@example.org"] == ["sent", "empty"]

    next_monday = run_due_digests(cfg, database, monday + dt.timedelta(days=7), catalog=CATALOG)
    assert sorted(r.recipient for r in next_monday.results) == ["daily@example.org", "weekly@example.org"]
    assert len(smtp_server.handler.received) == 2


def test_empty_period_records_its_window_so_events_are_not_told_twice(database, smtp_server):
    [bill] = store(database, [record(1)])
    match(database, bill, "interop")
    source_ok(database, at=NOW + dt.timedelta(days=30))
    cfg = config([subscriber(cadence="daily", rules=["privacy"])], smtp_settings(smtp_server.port))

    run_due_digests(cfg, database, NOW, catalog=CATALOG)  # HB 1 matches interop, not followed: nothing

    [empty] = rows(database)
    assert (empty.status, empty.payload, empty.first_event_id, empty.last_event_id) == ("empty", None, 1, 1)
    store(database, [record(1, stage="in_committee")])  # event 2
    match(database, bill, "privacy")
    report = run_due_digests(cfg, database, NOW + dt.timedelta(days=1), catalog=CATALOG)
    assert [r.status for r in report.results] == ["sent"]
    text = smtp_server.handler.received[0].message.get_body(("plain",)).get_content()
    assert "MOVING BILLS (1)" in text and "New bill" not in text  # event 1 was covered by the empty period


def test_pending_rows_are_retried_by_the_scheduler_even_when_not_due(database):
    from tests.test_digest_support import SmtpServer, free_port

    [bill] = store(database, [record(1)])
    match(database, bill, "interop")
    port = free_port()
    cfg = config([subscriber(cadence="daily")], smtp_settings(port))
    failed = run_due_digests(cfg, database, NOW, catalog=CATALOG)
    assert [r.status for r in failed.results] == ["failed"]

    server = SmtpServer()
    try:
        cfg = config([subscriber(cadence="daily")], smtp_settings(server.port))
        retried = run_due_digests(cfg, database, NOW + dt.timedelta(hours=1), catalog=CATALOG)
        assert [r.status for r in retried.results] == ["sent"]
        assert len(server.handler.received) == 1
    finally:
        server.stop()
