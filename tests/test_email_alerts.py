"""Email alerts after a scan: immediate subscribers and rules marked alert = true."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from notifiers.alerts import deliver_immediate
from notifiers.delivery import send_digests
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


@pytest.fixture
def smtp_server():
    yield from running_smtp_server()



def bodies(server: Any, address: str) -> list[str]:
    return [r.message.get_body(("plain",)).get_content() for r in server.handler.to(address)]


def test_immediate_subscriber_gets_each_new_activity_once(database, smtp_server):
    cfg = config([subscriber(cadence="immediate")], smtp_settings(smtp_server.port))
    [bill] = store(database, [record(1)])
    match(database, bill, "interop")
    source_ok(database)

    first = deliver_immediate(cfg, database, now=NOW, catalog=CATALOG)
    quiet = deliver_immediate(cfg, database, now=NOW + dt.timedelta(hours=1), catalog=CATALOG)
    store(database, [record(1, stage="in_committee")])
    moved = deliver_immediate(cfg, database, now=NOW + dt.timedelta(hours=2), catalog=CATALOG)

    assert [r.status for r in first.results] == ["sent"] and quiet.results == []
    assert [r.status for r in moved.results] == ["sent"]
    alert, update = bodies(smtp_server, "ann@example.org")
    assert alert.startswith("Bill Watch alert") and "NEW BILLS (1)" in alert
    assert "MOVING BILLS (1)" in update and "NEW BILLS" not in update
    subjects = [r.message["Subject"] for r in smtp_server.handler.received]
    assert subjects[0].startswith("Bill Watch alert: US-TX HB 1 \u2013 Relating to health information")


def test_alert_rules_reach_weekly_subscribers_at_once_and_stay_in_their_digest(database, smtp_server):
    cfg = config([subscriber(tags=["privacy"]), subscriber("bob@example.org", rules=["interop"])],
                 smtp_settings(smtp_server.port))
    ids = store(database, [record(1), record(2)])
    match(database, ids[0], "breach")  # alert = true, tag privacy
    match(database, ids[1], "privacy")
    source_ok(database)

    report = deliver_immediate(cfg, database, now=NOW, catalog=CATALOG)

    assert [(r.recipient, r.channel, r.status) for r in report.results] == [("ann@example.org", "alert", "sent")]
    [alert] = bodies(smtp_server, "ann@example.org")
    assert "US-TX HB 1" in alert and "HB 2" not in alert  # only the alert rule's bills
    assert bodies(smtp_server, "bob@example.org") == []

    send_digests(cfg, database, now=NOW + dt.timedelta(days=1), catalog=CATALOG)
    digest = bodies(smtp_server, "ann@example.org")[1]
    assert "NEW BILLS (2)" in digest  # the weekly digest still tells the whole story


def test_alerts_never_go_out_for_source_health_alone(database, smtp_server):
    cfg = config([subscriber(cadence="immediate")], smtp_settings(smtp_server.port))
    # the source has never succeeded: a digest would say so, an alert does not fire for it
    report = deliver_immediate(cfg, database, now=NOW, catalog=CATALOG)
    assert report.ok and report.results == [] and smtp_server.handler.received == []


def test_alert_without_smtp_config_is_reported_not_raised(database):
    [bill] = store(database, [record(1)])
    match(database, bill, "interop")
    report = deliver_immediate(config([subscriber(cadence="immediate")]), database, now=NOW, catalog=CATALOG)
    assert not report.ok and "no [smtp] table" in report.errors[0]


def test_alerts_wanted():
    from notifiers.alerts import alerts_wanted
    from notifiers.config import NotifierConfig

    assert not alerts_wanted(config([subscriber(tags=["interoperability"])]), CATALOG)
    assert alerts_wanted(config([subscriber(tags=["privacy"])]), CATALOG)  # the breach rule alerts
    assert alerts_wanted(config([subscriber(cadence="immediate", rules=["telehealth"])]), CATALOG)
    assert not alerts_wanted(config([subscriber(cadence="immediate", enabled=False)]), CATALOG)
    hook = NotifierConfig.model_validate({"name": "n", "url": "https://hooks.example.org/x"})
    assert alerts_wanted(config([], notifiers=[hook]), CATALOG)
