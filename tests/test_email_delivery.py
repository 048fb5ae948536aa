"""Exactly-once delivery over real SMTP: failures leave messages pending, re-runs never repeat one.

Every scenario ends the same way: after the failure and a later run, each subscriber has
received its digest exactly once (checked on what the SMTP server accepted).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from monitor.models import OutboxMessage, SubscriberState
from notifiers.delivery import send_digests
from tests.test_digest_support import (
    CATALOG,
    NOW,
    Handler,
    SmtpServer,
    config,
    free_port,
    match,
    record,
    running_smtp_server,
    smtp_settings,
    source_ok,
    store,
    subscriber,
)

ADDRESSES = [f"member{n}@example.org" for n in range(1, 6)]

@pytest.fixture
def smtp_server():
    yield from running_smtp_server()



def five_subscribers(database: Any, port: int) -> Any:
    ids = store(database, [record(1), record(2)])
    for bill in ids:
        match(database, bill, "interop")
    source_ok(database)
    return config([subscriber(a, jurisdictions=[]) for a in ADDRESSES], smtp_settings(port))


def delivered(handler: Handler) -> Counter[str]:
    return Counter(r for received in handler.received for r in received.recipients)


def outbox_statuses(database: Any) -> Counter[str]:
    with database.session() as session:
        return Counter(row.status for row in session.scalars(select(OutboxMessage)))


def watermark(database: Any, address: str) -> int:
    with database.session() as session:
        state = session.get(SubscriberState, address)
        return state.watermark if state else 0


def test_rerun_after_success_sends_nothing(database, smtp_server):
    cfg = five_subscribers(database, smtp_server.port)
    first = send_digests(cfg, database, now=NOW, catalog=CATALOG)
    second = send_digests(cfg, database, now=NOW + dt.timedelta(minutes=5), catalog=CATALOG)

    assert [r.status for r in first.results] == ["sent"] * 5
    assert [r.status for r in second.results] == ["nothing"] * 5
    assert delivered(smtp_server.handler) == Counter(ADDRESSES)


def test_server_down_leaves_everything_pending_then_delivers_once(database):
    port = free_port()  # nothing listens here yet
    cfg = five_subscribers(database, port)

    down = send_digests(cfg, database, now=NOW, catalog=CATALOG)

    assert not down.ok and [r.status for r in down.results] == ["failed"] * 5
    assert "cannot connect to SMTP server 127.0.0.1" in down.errors[0]
    assert outbox_statuses(database) == {"pending": 5}
    assert watermark(database, ADDRESSES[0]) == 0

    server = _server_on(port)
    try:
        up = send_digests(cfg, database, now=NOW + dt.timedelta(hours=1), catalog=CATALOG)
        again = send_digests(cfg, database, now=NOW + dt.timedelta(hours=2), catalog=CATALOG)
        assert up.ok and len(up.sent) == 5
        assert [r.status for r in again.results] == ["nothing"] * 5
        assert delivered(server.handler) == Counter(ADDRESSES)
        assert watermark(database, ADDRESSES[0]) > 0
    finally:
        server.stop()


def _server_on(port: int, handler: Handler | None = None) -> SmtpServer:
    from aiosmtpd.controller import Controller

    server = SmtpServer.__new__(SmtpServer)
    server.handler = handler or Handler()
    server.port = port
    server.controller = Controller(server.handler, hostname="127.0.0.1", port=port)
    server.controller.start()
    return server


def test_421_stops_the_batch_and_the_next_run_sends_the_rest_once(database, smtp_server):
    cfg = five_subscribers(database, smtp_server.port)
    smtp_server.handler.rcpt_replies[ADDRESSES[2]] = "421 4.3.2 Service shutting down"

    first = send_digests(cfg, database, now=NOW, catalog=CATALOG)

    assert [r.status for r in first.results] == ["sent", "sent", "failed", "failed", "failed"]
    assert "421" in first.results[2].detail and "pending" in first.results[3].detail
    smtp_server.handler.rcpt_replies.clear()
    second = send_digests(cfg, database, now=NOW + dt.timedelta(minutes=10), catalog=CATALOG)
    assert [r.recipient for r in second.sent] == ADDRESSES[2:]
    assert delivered(smtp_server.handler) == Counter(ADDRESSES)


def test_a_rerun_reports_one_line_per_subscriber_for_messages_left_pending(database, smtp_server):
    """A subscriber whose message was left pending is reported as that message's fate only,
    not also as "nothing to send" (its pending message covers everything new)."""
    cfg = five_subscribers(database, smtp_server.port)
    smtp_server.handler.rcpt_replies[ADDRESSES[2]] = "421 4.3.2 Service shutting down"
    send_digests(cfg, database, now=NOW, catalog=CATALOG)

    still_down = send_digests(cfg, database, now=NOW + dt.timedelta(minutes=5), catalog=CATALOG)
    smtp_server.handler.rcpt_replies.clear()
    up = send_digests(cfg, database, now=NOW + dt.timedelta(minutes=10), catalog=CATALOG)

    assert [(r.recipient, r.status) for r in still_down.results] == [
        (ADDRESSES[0], "nothing"), (ADDRESSES[1], "nothing"),
        (ADDRESSES[2], "failed"), (ADDRESSES[3], "failed"), (ADDRESSES[4], "failed")]
    assert [(r.recipient, r.status) for r in up.results] == [
        (ADDRESSES[0], "nothing"), (ADDRESSES[1], "nothing"),
        (ADDRESSES[2], "sent"), (ADDRESSES[3], "sent"), (ADDRESSES[4], "sent")]
    assert delivered(smtp_server.handler) == Counter(ADDRESSES)


def test_the_report_lists_subscribers_in_config_order(database, smtp_server):
    cfg = five_subscribers(database, smtp_server.port)
    smtp_server.handler.rcpt_replies[ADDRESSES[0]] = "451 4.3.0 Try again later"
    send_digests(cfg, database, now=NOW, catalog=CATALOG)
    smtp_server.handler.rcpt_replies.clear()

    rerun = send_digests(cfg, database, now=NOW + dt.timedelta(minutes=5), catalog=CATALOG)

    assert [(r.recipient, r.status) for r in rerun.results] == [
        (ADDRESSES[0], "sent"), *((a, "nothing") for a in ADDRESSES[1:])]


def test_451_is_temporary_the_message_is_retried_with_the_same_bytes(database, smtp_server):
    cfg = five_subscribers(database, smtp_server.port)
    smtp_server.handler.data_reply = "451 4.7.1 Greylisted, try again later"

    first = send_digests(cfg, database, now=NOW, catalog=CATALOG)

    assert [r.status for r in first.results] == ["failed"] * 5  # 4xx: the connection stays usable
    assert "451 4.7.1 Greylisted" in first.results[0].detail
    assert watermark(database, ADDRESSES[0]) == 0
    with database.session() as session:
        before = {r.recipient: (r.payload, r.attempts) for r in session.scalars(select(OutboxMessage))}
    smtp_server.handler.data_reply = None
    send_digests(cfg, database, now=NOW + dt.timedelta(hours=1), catalog=CATALOG)
    assert delivered(smtp_server.handler) == Counter(ADDRESSES)
    for received in smtp_server.handler.received:
        payload, attempts = before[received.recipients[0]]
        assert received.data.rstrip(b"\r\n") == payload.encode().rstrip(b"\r\n")
        assert attempts == 1


def test_550_marks_the_address_rejected_reports_it_and_stops_retrying(database, smtp_server):
    cfg = five_subscribers(database, smtp_server.port)
    smtp_server.handler.rcpt_replies[ADDRESSES[1]] = "550 5.1.1 No such user"

    first = send_digests(cfg, database, now=NOW, catalog=CATALOG)

    statuses = {r.recipient: r.status for r in first.results}
    assert statuses[ADDRESSES[1]] == "rejected" and list(statuses.values()).count("sent") == 4
    assert "address rejected permanently: 550 5.1.1 No such user (at RCPT)" in first.results[1].detail
    with database.session() as session:
        state = session.get(SubscriberState, ADDRESSES[1])
        assert state.status == "rejected" and "550 5.1.1 No such user" in state.status_detail

    later = send_digests(cfg, database, now=NOW + dt.timedelta(days=1), catalog=CATALOG)
    skipped = [r for r in later.results if r.recipient == ADDRESSES[1]]
    assert [r.status for r in skipped] == ["skipped"] and "rejected earlier" in skipped[0].detail
    assert delivered(smtp_server.handler)[ADDRESSES[1]] == 0

    # fixed on the server side; asked for by name, the address gets the digest it missed
    smtp_server.handler.rcpt_replies.clear()
    named = send_digests(cfg, database, subscribers=[ADDRESSES[1]], now=NOW + dt.timedelta(days=1), catalog=CATALOG)
    assert [r.status for r in named.results] == ["sent"]
    assert "US-TX HB 1" in smtp_server.handler.to(ADDRESSES[1])[0].message.get_body(("plain",)).get_content()
    assert delivered(smtp_server.handler) == Counter(ADDRESSES)


def test_permanent_refusal_of_the_message_is_not_retried_forever(database, smtp_server):
    cfg = five_subscribers(database, smtp_server.port)
    smtp_server.handler.data_reply = "554 5.6.0 Message rejected as spam"

    first = send_digests(cfg, database, now=NOW, catalog=CATALOG)
    smtp_server.handler.data_reply = None
    second = send_digests(cfg, database, now=NOW + dt.timedelta(minutes=1), catalog=CATALOG)

    assert [r.status for r in first.results] == ["rejected"] * 5
    assert "message rejected permanently: 554" in first.results[0].detail
    assert [r.status for r in second.results] == ["nothing"] * 5  # not resent, the subscriber stays active
    with database.session() as session:
        state = session.get(SubscriberState, ADDRESSES[0])
        assert state is None or (state.status == "active" and state.watermark == 0)


def test_connection_dropped_mid_batch_every_message_arrives_exactly_once(database):
    server = SmtpServer(Handler(drop_after=2))
    try:
        cfg = five_subscribers(database, server.port)
        first = send_digests(cfg, database, now=NOW, catalog=CATALOG)
        assert [r.status for r in first.results] == ["sent", "sent", "failed", "failed", "failed"]
        assert "lost the connection" in first.results[2].detail
        assert outbox_statuses(database) == {"sent": 2, "pending": 3}

        second = send_digests(cfg, database, now=NOW + dt.timedelta(minutes=10), catalog=CATALOG)
        assert len(second.sent) == 3
        assert delivered(server.handler) == Counter(ADDRESSES)
    finally:
        server.stop()


def test_drop_after_the_server_stored_the_message_resends_the_same_message_id(database):
    """The one window SMTP cannot close: the server kept the message but its "250" never arrived.

    The retry sends the very same bytes, so the recipient's mail system sees the same Message-ID.
    """
    server = SmtpServer(Handler(drop_after=0, store_then_drop=True))
    try:
        cfg = five_subscribers(database, server.port)
        send_digests(cfg, database, now=NOW, catalog=CATALOG)
        send_digests(cfg, database, now=NOW + dt.timedelta(minutes=10), catalog=CATALOG)
        first_two = server.handler.to(ADDRESSES[0])
        assert len(first_two) == 2
        assert first_two[0].message["Message-ID"] == first_two[1].message["Message-ID"]
        assert all(count == 1 for address, count in delivered(server.handler).items() if address != ADDRESSES[0])
    finally:
        server.stop()


def test_only_new_activity_arrives_in_the_next_digest(database, smtp_server):
    [first_bill] = store(database, [record(1)])
    match(database, first_bill, "interop")
    source_ok(database)
    cfg = config([subscriber()], smtp_settings(smtp_server.port))
    send_digests(cfg, database, now=NOW, catalog=CATALOG)

    store(database, [record(1, stage="in_committee", last_action="Referred to Public Health"), record(2)])
    match(database, 2, "interop")
    send_digests(cfg, database, now=NOW + dt.timedelta(days=7), catalog=CATALOG)

    first, second = [r.message.get_body(("plain",)).get_content() for r in smtp_server.handler.received]
    assert "NEW BILLS (1)" in first and "US-TX HB 1" in first and "HB 2" not in first
    assert "NEW BILLS (1)" in second and "* US-TX HB 2" in second
    assert "MOVING BILLS (1)" in second and "Stage: Introduced \u2192 In committee" in second
    assert "New bill" not in second.split("MOVING BILLS")[1]


def test_watermark_moves_only_when_the_server_accepted(database, smtp_server):
    cfg = five_subscribers(database, smtp_server.port)
    smtp_server.handler.data_reply = "452 4.3.1 Insufficient system storage"
    send_digests(cfg, database, now=NOW, catalog=CATALOG)
    assert [watermark(database, a) for a in ADDRESSES] == [0] * 5

    smtp_server.handler.data_reply = None
    send_digests(cfg, database, now=NOW + dt.timedelta(minutes=1), catalog=CATALOG)
    with database.session() as session:
        rows = {r.recipient: r for r in session.scalars(select(OutboxMessage))}
    assert [watermark(database, a) for a in ADDRESSES] == [rows[a].last_event_id for a in ADDRESSES]


CHILD = """
import sys
sys.path.insert(0, {root!r})
from monitor.db import open_database
from notifiers.delivery import send_digests
from tests.test_digest_support import CATALOG, NOW, config, smtp_settings, subscriber
addresses = {addresses!r}
cfg = config([subscriber(a, jurisdictions=[]) for a in addresses], smtp_settings({port}))
send_digests(cfg, open_database({url!r}), now=NOW, catalog=CATALOG)
print("finished")
"""


class StallingHandler(Handler):
    """Accepts two messages, then hangs on the third until the test kills the sender."""

    def __init__(self) -> None:
        super().__init__()
        self.stalled = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if len(self.received) == 2 and not self.stalled.is_set():
            self.stalled.set()
            await asyncio.sleep(30)
            return "451 too late"
        return await super().handle_DATA(server, session, envelope)


def test_process_killed_during_a_send_loses_nothing_and_repeats_nothing(database, tmp_path: Path):
    handler = StallingHandler()
    server = SmtpServer(handler)
    try:
        cfg = five_subscribers(database, server.port)
        script = tmp_path / "child.py"
        url = database.engine.url.render_as_string(hide_password=False)
        script.write_text(textwrap.dedent(CHILD.format(root=str(Path(__file__).parents[1]),
                                                       addresses=ADDRESSES, port=server.port, url=url)))
        child = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert handler.stalled.wait(60), child.communicate(timeout=5)
        os.kill(child.pid, signal.SIGKILL)  # a crash: no cleanup, the delivery lock stays behind
        child.wait(10)
        assert len(handler.received) == 2

        handler.stalled.set()  # from now on the server answers normally
        rerun = send_digests(cfg, database, now=NOW + dt.timedelta(minutes=5), catalog=CATALOG)

        assert rerun.ok, rerun.to_dict()
        assert [r.recipient for r in rerun.sent] == ADDRESSES[2:]
        assert delivered(handler) == Counter(ADDRESSES)
    finally:
        server.stop()


@pytest.mark.parametrize("flags, healthy, expected", [
    pytest.param({}, False, "sent", id="unhealthy-source-is-worth-an-email"),
    pytest.param({"send_when_unhealthy": False}, False, "nothing", id="unless-turned-off"),
    pytest.param({}, True, "nothing", id="all-healthy-nothing-new"),
    pytest.param({"send_empty": True}, True, "sent", id="send-empty"),
])
def test_nothing_new(database, smtp_server, flags, healthy, expected):
    if healthy:
        source_ok(database)
    cfg = config([subscriber(**flags)], smtp_settings(smtp_server.port))

    report = send_digests(cfg, database, now=NOW, catalog=CATALOG)

    assert [r.status for r in report.results] == [expected]
    if expected == "sent":
        text = smtp_server.handler.received[0].message.get_body(("plain",)).get_content()
        assert "No new activity on the bills you follow in this period." in text
        assert ("SOURCES THAT NEED ATTENTION" in text) is (not healthy)
        if not healthy:
            assert "legiscan (legiscan) is stale: has never succeeded" in text
            assert "no new activity; 1 source needs attention" in smtp_server.handler.received[0].message["Subject"]


def test_a_digest_without_news_is_not_repeated_within_a_day(database, smtp_server):
    cfg = config([subscriber(cadence="daily")], smtp_settings(smtp_server.port))  # the source is stale

    # The three runs on two dates: a run with nothing to say records its period once per date, and
    # from 22:00 UTC the second run would fall on the next date and record one two hours later.
    start = min(NOW, NOW.replace(hour=20))
    first = send_digests(cfg, database, now=start, catalog=CATALOG)
    again = send_digests(cfg, database, now=start + dt.timedelta(hours=2), catalog=CATALOG)
    next_day = send_digests(cfg, database, now=start + dt.timedelta(hours=24), catalog=CATALOG)

    assert [r.status for r in first.results] == ["sent"]
    assert [(r.status, r.detail) for r in again.results] == [("nothing", "nothing new since the last digest")]
    assert [r.status for r in next_day.results] == ["sent"]  # still stale a day later: said again


def test_sending_starts_while_later_digests_are_still_being_composed(database, smtp_server, monkeypatch):
    """The first digest reaches the server before the last one is composed (sending has a thread
    of its own); each still arrives once and the watermarks move."""
    from notifiers import delivery

    cfg = five_subscribers(database, smtp_server.port)
    composed: list[str] = []
    seen_before_last: list[int] = []
    real_compose = delivery.compose

    def compose_waiting_for_the_server(session, ctx, recipient, **kw):
        if len(composed) == len(ADDRESSES) - 1:  # the last one: wait (bounded) for a delivery
            for _ in range(200):
                if smtp_server.handler.received:
                    break
                threading.Event().wait(0.05)
            seen_before_last.append(len(smtp_server.handler.received))
        composed.append(recipient.address)
        return real_compose(session, ctx, recipient, **kw)

    monkeypatch.setattr(delivery, "compose", compose_waiting_for_the_server)
    report = send_digests(cfg, database, now=NOW, catalog=CATALOG)

    assert report.ok and [r.status for r in report.results] == ["sent"] * 5
    assert seen_before_last and seen_before_last[0] >= 1
    assert delivered(smtp_server.handler) == Counter(ADDRESSES)
    assert all(watermark(database, a) > 0 for a in ADDRESSES)


def test_an_unexpected_error_while_sending_reaches_the_caller_and_loses_nothing(database, smtp_server,
                                                                               monkeypatch):
    import notifiers.outbox as outbox_module

    cfg = five_subscribers(database, smtp_server.port)
    monkeypatch.setattr(outbox_module, "mark_sent", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom")))
    with pytest.raises(RuntimeError, match="boom"):
        send_digests(cfg, database, now=NOW, catalog=CATALOG)
    monkeypatch.undo()
    # the one message the server took before the error is the one ambiguous case (see outbox):
    # it stays pending and goes again with the same Message-ID; the others go once
    assert outbox_statuses(database) == Counter({"pending": 5})
    again = send_digests(cfg, database, now=NOW + dt.timedelta(minutes=5), catalog=CATALOG)
    assert [r.status for r in again.results] == ["sent"] * 5
    assert outbox_statuses(database)["sent"] == 5 and outbox_statuses(database)["pending"] == 0
    ids = Counter(r.data.split(b"Message-ID: ")[1].split(b"\r\n")[0] for r in smtp_server.handler.received)
    assert len(ids) == 5 and sum(ids.values()) == 6


def test_an_in_memory_database_sends_from_the_calling_thread(smtp_server):
    from monitor.db import open_database

    database = open_database("sqlite://")  # one connection: a second thread would see another database
    cfg = five_subscribers(database, smtp_server.port)
    report = send_digests(cfg, database, now=NOW, catalog=CATALOG)
    assert [r.status for r in report.results] == ["sent"] * 5
    assert delivered(smtp_server.handler) == Counter(ADDRESSES)
    assert outbox_statuses(database) == Counter({"sent": 5})
