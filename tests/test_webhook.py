"""Webhook alerts (Slack, Teams, JSON) with `responses`: payloads, exactly-once, retries, refusals."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import requests
import responses

from notifiers.alerts import deliver_immediate
from notifiers.config import NotifierConfig
from tests.test_digest_support import (
    CATALOG,
    NOW,
    config,
    match,
    record,
    source_ok,
    store,
)

HOOK = "https://hooks.slack.example/services/T000/B000/SECRETTOKEN"


def notifier(**changes: Any) -> NotifierConfig:
    values: dict[str, Any] = {"name": "chapter-slack", "url": HOOK, "format": "slack", "backoff": 2.0}
    values.update(changes)
    return NotifierConfig.model_validate(values)


def scanned(database: Any, *records: Any) -> None:
    ids = store(database, list(records) or [record(1, title="Relating to <script>x</script> & FHIR APIs")])
    for bill in ids:
        match(database, bill, "interop")
    source_ok(database)


def run(database: Any, *notifiers: NotifierConfig, now: dt.datetime = NOW, sleeps: list[float] | None = None) -> Any:
    cfg = config([], notifiers=list(notifiers))
    return deliver_immediate(cfg, database, now=now, catalog=CATALOG, sleep=(sleeps if sleeps is not None else []).append)


def posted(rsps: responses.RequestsMock) -> list[Any]:
    return [c.request for c in rsps.calls]


def test_slack_alert_is_posted_once_with_escaped_text(database, no_network):
    no_network.add(responses.POST, HOOK, body="ok")
    scanned(database)

    first = run(database, notifier())
    again = run(database, notifier(), now=NOW + dt.timedelta(minutes=30))

    assert [r.status for r in first.results] == ["sent"] and again.results == []
    [request] = posted(no_network)
    body = json.loads(request.body)
    assert body["text"].startswith("Bill Watch: 1 bill with new activity")
    section = body["blocks"][1]["text"]["text"]
    assert "*<https://capitol.example.gov/US-TX/HB1|US-TX HB 1>*" in section
    assert "Relating to &lt;script&gt;x&lt;/script&gt; &amp; FHIR APIs" in section
    assert len(request.headers["X-Billwatch-Delivery"]) == 32
    assert any("LegiScan" in e["text"] for e in body["blocks"][-1]["elements"])


def test_teams_message_card(database, no_network):
    no_network.add(responses.POST, HOOK, body="1")
    scanned(database)
    run(database, notifier(format="teams"))

    card = json.loads(posted(no_network)[0].body)
    assert card["@type"] == "MessageCard" and card["title"] == "Bill Watch alert"
    section = card["sections"][0]
    assert section["activityTitle"].startswith("US-TX HB 1: Relating to &lt;script&gt;")
    assert {"name": "Rules", "value": "Interoperability & health information exchange"} in section["facts"]
    assert section["potentialAction"][0]["targets"][0]["uri"] == "https://capitol.example.gov/US-TX/HB1"


def test_plain_json_carries_the_entries(database, no_network):
    no_network.add(responses.POST, HOOK)
    scanned(database)
    run(database, notifier(format="json"))

    request = posted(no_network)[0]
    body = json.loads(request.body)
    assert body["type"] == "billwatch.alert" and body["id"] == request.headers["X-Billwatch-Delivery"]
    [entry] = body["entries"]
    assert (entry["jurisdiction"], entry["identifier"], entry["section"]) == ("US-TX", "HB 1", "new")
    assert entry["rules"][0]["id"] == "interop"
    assert body["attribution"].startswith("Includes bill data from LegiScan")


def test_server_errors_are_retried_with_backoff(database, no_network):
    no_network.add(responses.POST, HOOK, status=500)
    no_network.add(responses.POST, HOOK, status=502)
    no_network.add(responses.POST, HOOK, body="ok")
    scanned(database)
    sleeps: list[float] = []

    report = run(database, notifier(retries=3), sleeps=sleeps)

    assert [r.status for r in report.results] == ["sent"]
    assert sleeps == [2.0, 4.0]
    assert len({r.headers["X-Billwatch-Delivery"] for r in posted(no_network)}) == 1


def test_429_honours_retry_after(database, no_network):
    no_network.add(responses.POST, HOOK, status=429, headers={"Retry-After": "7"})
    no_network.add(responses.POST, HOOK, body="ok")
    scanned(database)
    sleeps: list[float] = []

    assert run(database, notifier(retries=1), sleeps=sleeps).ok
    assert sleeps == [7.0, 2.0]


def test_still_failing_stays_pending_and_the_next_run_posts_the_same_body(database, no_network):
    no_network.add(responses.POST, HOOK, status=503)
    scanned(database)

    down = run(database, notifier(retries=2))

    assert [r.status for r in down.results] == ["failed"]
    assert "HTTP 503" in down.results[0].detail and "after 3 attempts" in down.results[0].detail
    first_body = posted(no_network)[0].body
    no_network.replace(responses.POST, HOOK, body="ok")
    up = run(database, notifier(retries=2), now=NOW + dt.timedelta(hours=1))
    assert [r.status for r in up.results] == ["sent"]
    assert posted(no_network)[-1].body == first_body
    assert run(database, notifier(), now=NOW + dt.timedelta(hours=2)).results == []


def test_a_deleted_webhook_is_a_permanent_refusal_not_retried(database, no_network):
    no_network.add(responses.POST, HOOK, status=404, body="no_service")
    scanned(database)

    report = run(database, notifier(retries=3))

    assert [r.status for r in report.results] == ["rejected"]
    assert "HTTP 404 no_service" in report.results[0].detail
    assert len(posted(no_network)) == 1
    assert run(database, notifier(), now=NOW + dt.timedelta(hours=1)).results == []


def test_the_url_is_never_in_a_report(database, no_network):
    no_network.add(responses.POST, HOOK, body=requests.ConnectionError(f"cannot reach {HOOK}"))
    scanned(database)

    report = run(database, notifier(retries=0))

    assert "connection failed (ConnectionError)" in report.results[0].detail
    assert "SECRETTOKEN" not in json.dumps(report.to_dict())
    assert "SECRETTOKEN" not in repr(notifier())


@pytest.mark.parametrize("filters, expected", [
    pytest.param({"jurisdictions": ["CA-*"]}, 0, id="other-jurisdictions"),
    pytest.param({"rules": ["privacy"]}, 0, id="other-rule"),
    pytest.param({"tags": ["interoperability"]}, 1, id="matching-tag"),
    pytest.param({"min_weight": 4}, 0, id="too-light"),
    pytest.param({"enabled": False}, 0, id="disabled"),
])
def test_notifier_filters(database, no_network, filters, expected):
    no_network.add(responses.POST, HOOK, body="ok")
    scanned(database)
    run(database, notifier(**filters))
    assert len(posted(no_network)) == expected


def test_nothing_new_posts_nothing(database, no_network):
    no_network.add(responses.POST, HOOK, body="ok")
    scanned(database)
    run(database, notifier(), now=NOW)
    source_ok(database, at=NOW + dt.timedelta(hours=1))  # a later scan that found nothing new

    later = run(database, notifier(), now=NOW + dt.timedelta(hours=1))

    assert later.ok and later.results == []
    assert len(posted(no_network)) == 1


def test_slack_payload_shows_the_snippet_with_hits_in_bold():
    from notifiers.webhook import payload
    from tests.test_digest_golden import fixed_digest

    body = payload(fixed_digest(), "slack", "id")

    first, moving = body["blocks"][1]["text"]["text"], body["blocks"][3]["text"]["text"]
    assert "\u201c\u2026establishes a statewide *health information exchange*\u2026\u201d" in moving
    assert "&lt;b&gt;health information exchange&lt;/b&gt; &amp; FHIR" in first
    assert body["blocks"][-1]["type"] == "context"  # source health and the LegiScan credit
    assert any("tlo" in e["text"] for e in body["blocks"][-1]["elements"])
