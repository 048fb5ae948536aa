"""Alerts right after a scan: ``immediate`` subscribers, rules marked ``alert = true``, webhooks.

Call :func:`deliver_immediate` after every scan (``billwatch run`` does). Each recipient gets
the events since the last alert it was sent, on the bills it follows; nothing new means no
message. The email alerts share the digests' exactly-once outbox and delivery lock; webhooks
have their own lock.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.errors import BillwatchError
from monitor.locks import DatabaseLock
from monitor.models import SubscriberState
from notifiers import outbox
from notifiers.compose import ALERT, EMAIL, WEBHOOK, Recipient, RunContext
from notifiers.delivery import (
    EMAIL_LOCK,
    LOCK_WAIT,
    DeliveryReport,
    DeliveryResult,
    deliver_pending,
    prepare,
    run_context,
)
from notifiers.selection import Audience, RuleCatalog
from notifiers.webhook import WebhookPoster, prepare_webhook

log = logging.getLogger("billwatch.notifiers.alerts")
WEBHOOK_LOCK = "deliver:webhook"


def deliver_immediate(config: Any, database: Any, now: dt.datetime | None = None, *,
                      catalog: RuleCatalog | None = None,
                      sleep: Callable[[float], None] = time.sleep) -> DeliveryReport:
    """Send the alerts the latest scan calls for; never raises for a delivery failure."""
    report = DeliveryReport()
    try:
        with DatabaseLock(database, EMAIL_LOCK, "deliver", wait=LOCK_WAIT), database.session() as session:
            ctx = run_context(session, config, now=now, catalog=catalog)
            catalog = ctx.catalog
            for recipient in alert_recipients(session, config, ctx.catalog):
                prepare(session, ctx, recipient, report)
            report.extend(deliver_pending(session, ctx, (EMAIL, ALERT), None))
    except BillwatchError as exc:
        report.errors.append(str(exc))
    if any(n.enabled for n in config.notifiers):
        report.extend(deliver_webhooks(config, database, now=now, catalog=catalog, sleep=sleep))
    report.results = [r for r in report.results if r.status != "nothing"]
    return report


def alerts_wanted(config: Any, catalog: RuleCatalog) -> bool:
    """Whether anyone gets alerts: an immediate subscriber, a webhook, or a subscriber following a
    rule marked ``alert = true`` (so a scheduler can skip :func:`deliver_immediate` otherwise)."""
    subscribers = [s for s in config.subscribers if s.enabled]
    return (any(s.cadence == "immediate" for s in subscribers)
            or any(n.enabled for n in config.notifiers)
            or any(Audience.of(s).alert_rule_ids(catalog) for s in subscribers))


def alert_recipients(session: Session, config: Any, catalog: RuleCatalog) -> list[Recipient]:
    """Immediate subscribers, and the others' rules marked alert = true (not rejected addresses)."""
    rejected = set(session.scalars(select(SubscriberState.email).where(SubscriberState.status == outbox.REJECTED)))
    recipients = []
    for sub in config.subscribers:
        if not sub.enabled or sub.email in rejected:
            continue
        if sub.cadence == "immediate":
            recipients.append(Recipient.immediate(sub))
            continue
        urgent = Audience.of(sub).alert_rule_ids(catalog)
        if urgent:
            recipients.append(Recipient.urgent(sub, urgent))
    return recipients


def deliver_webhooks(config: Any, database: Any, *, now: dt.datetime | None = None,
                     catalog: RuleCatalog | None = None,
                     sleep: Callable[[float], None] = time.sleep) -> DeliveryReport:
    """Record and post every enabled webhook notifier's alert, then every pending post."""
    report = DeliveryReport()
    notifiers = {n.name: n for n in config.notifiers if n.enabled}
    try:
        with DatabaseLock(database, WEBHOOK_LOCK, "deliver", wait=LOCK_WAIT), database.session() as session:
            ctx = run_context(session, config, now=now, catalog=catalog)
            for notifier in notifiers.values():
                status, detail = prepare_webhook(session, ctx, notifier)
                if status == "nothing":
                    report.results.append(DeliveryResult(WEBHOOK, notifier.name, "nothing", detail))
            _post_pending(session, ctx, notifiers, report, WebhookPoster(sleep))
    except BillwatchError as exc:
        report.errors.append(str(exc))
    return report


def _post_pending(session: Session, ctx: RunContext, notifiers: dict[str, Any], report: DeliveryReport,
                  poster: WebhookPoster) -> None:
    for row_id in outbox.pending(session, (WEBHOOK,), set(notifiers)):
        row = outbox.load(session, row_id)
        if row is None:
            continue
        notifier = notifiers[row.recipient]
        outcome, detail = poster.post(notifier, row.payload or "{}", row.message_id or "")
        report.results.append(_settle(session, ctx, row, outcome, detail))


def _settle(session: Session, ctx: RunContext, row: outbox.Pending, outcome: str, detail: str) -> DeliveryResult:
    result = DeliveryResult(WEBHOOK, row.recipient, "sent", detail, message_id=row.message_id)
    if outcome == "sent":
        outbox.mark_sent(session, row, ctx.now, move_watermark=False)
        log.info("webhook %s: alert posted (%s)", row.recipient, detail)
    elif outcome == "rejected":
        outbox.mark_rejected(session, row, detail, address=False, now=ctx.now)
        log.warning("webhook %s refused the alert permanently: %s", row.recipient, detail)
        result.status, result.detail = "rejected", f"refused permanently: {detail}; not retried"
    else:
        outbox.mark_failed(session, row, detail)
        log.warning("webhook %s failed: %s; left pending", row.recipient, detail)
        result.status, result.detail = "failed", f"{detail}; left pending for the next run"
    return result
