"""Sending digests: ``digest --send``, the scheduler's due digests, and the delivery report.

Each run takes the delivery lock, composes every recipient's next message and records it in
the outbox (committed before it can be sent), and sends every pending email over one SMTP
connection, settling each row as the server answers (see :mod:`notifiers.outbox`). The sending
runs on a thread of its own while the next digests are composed (:class:`Sending`): the server's
replies are waited for while the next digest renders, instead of one after the other.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import queue
import threading
import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from types import TracebackType
from typing import Any, Self

from sqlalchemy.orm import Session

from monitor.errors import BillwatchError, ConfigError
from monitor.locks import DatabaseLock
from monitor.models import OutboxMessage, SubscriberState
from notifiers import outbox
from notifiers.compose import (
    ALERT,
    EMAIL,
    Composed,
    Recipient,
    RunContext,
    compose,
    email_message,
)
from notifiers.config import SubscriberConfig
from notifiers.email import (
    REJECTED,
    SENT,
    SendResult,
    SmtpConnectionError,
    SmtpTransport,
)
from notifiers.message import Envelope, envelope
from notifiers.selection import RuleCatalog, rule_catalog

log = logging.getLogger("billwatch.notifiers")
EMAIL_LOCK = "deliver:email"
#: seconds to wait for another process's delivery run before giving up (it sends ours too)
LOCK_WAIT = 30.0


@dataclass
class DeliveryResult:
    """What happened to one recipient's message: sent, nothing, failed, rejected or skipped."""

    channel: str
    recipient: str
    status: str
    detail: str = ""
    message_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class DeliveryReport:
    """Everything a delivery run did; ``ok`` is False when any delivery failed."""

    results: list[DeliveryResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def failures(self) -> list[DeliveryResult]:
        return [r for r in self.results if r.status in ("failed", "rejected")]

    @property
    def sent(self) -> list[DeliveryResult]:
        return [r for r in self.results if r.status == "sent"]

    @property
    def ok(self) -> bool:
        return not self.failures and not self.errors

    def extend(self, other: DeliveryReport) -> None:
        self.results += other.results
        self.errors += other.errors

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "results": [r.to_dict() for r in self.results], "errors": self.errors}


def load_catalog(config: Any) -> dict[str, Any]:
    """The rules in force (id -> RuleInfo) from the config's rule files."""
    if not config.rules:
        return {}
    from rules.integration import load_ruleset

    return rule_catalog(load_ruleset(config.rules))


def run_context(session: Session, config: Any, *, now: dt.datetime | None = None,
                catalog: RuleCatalog | None = None, include_baseline: bool = False) -> RunContext:
    """The shared facts of one run: time, rules, source health and the last event covered."""
    from monitor.health import source_health

    now = utc_naive(now)
    return RunContext(
        config=config,
        now=now,
        catalog=catalog if catalog is not None else load_catalog(config),
        until_id=outbox.latest_event_id(session),
        health=source_health(session, config, now),
        include_baseline=include_baseline,
        source_types={s.name: s.type for s in config.sources},
    )


def send_digests(config: Any, database: Any, *, subscribers: Iterable[str] | None = None,
                 now: dt.datetime | None = None, include_baseline: bool = False,
                 catalog: RuleCatalog | None = None) -> DeliveryReport:
    """``digest --send``: every (or each named) subscriber's digest now, whatever its cadence.

    Delivery problems (server down, lock held, no ``[smtp]``) are in the report, not raised;
    an unknown subscriber name raises ConfigError before anything is done.
    """
    chosen = select_subscribers(config, subscribers)
    named = subscribers is not None
    return _digest_run(config, database, lambda _s, _c: chosen, now=now, include_baseline=include_baseline,
                       catalog=catalog, reactivate=named)


def run_due_digests(config: Any, database: Any, now: dt.datetime | None = None,
                    catalog: RuleCatalog | None = None) -> DeliveryReport:
    """For the scheduler: digests of subscribers whose cadence is due (daily after 23 h, weekly
    on its day after 6 days, or any day once 7 days overdue), then every pending email.
    Problems are in the report, not raised. Call it at least daily (hourly is fine)."""

    def due(session: Session, ctx: RunContext) -> list[SubscriberConfig]:
        return [s for s in config.subscribers if s.enabled and s.cadence != "immediate"
                and is_due(s, outbox.last_period_at(session, EMAIL, s.email), ctx)]

    return _digest_run(config, database, due, now=now, catalog=catalog)


def is_due(sub: SubscriberConfig, last: dt.datetime | None, ctx: RunContext) -> bool:
    """Whether a digest cadence is due at ``ctx.now`` given its last period's time."""
    since = None if last is None else ctx.now - last
    if sub.cadence == "daily":
        return since is None or since >= dt.timedelta(hours=23)
    if since is not None and since >= dt.timedelta(days=7):
        return True
    local = ctx.now.replace(tzinfo=dt.UTC).astimezone(zoneinfo.ZoneInfo(ctx.timezone))
    return local.weekday() == sub.weekday and (since is None or since >= dt.timedelta(days=6))


def select_subscribers(config: Any, emails: Iterable[str] | None) -> list[SubscriberConfig]:
    """The enabled subscribers, or the named ones (named but disabled ones too)."""
    if emails is None:
        return [s for s in config.subscribers if s.enabled]
    by_email = {s.email.lower(): s for s in config.subscribers}
    chosen, unknown = [], []
    for email in emails:
        if email.lower() in by_email:
            chosen.append(by_email[email.lower()])
        else:
            unknown.append(email)
    if unknown:
        known = ", ".join(by_email) or "none configured"
        raise ConfigError(f"no subscriber {', '.join(unknown)} (subscribers: {known})",
                          hint="add a [[subscriber]] table with this email, or fix --subscriber")
    return chosen


def _digest_run(config: Any, database: Any, choose: Callable[[Session, RunContext], list[SubscriberConfig]], *,
                now: dt.datetime | None, include_baseline: bool = False, catalog: RuleCatalog | None = None,
                reactivate: bool = False) -> DeliveryReport:
    report = DeliveryReport()
    try:
        with DatabaseLock(database, EMAIL_LOCK, "deliver", wait=LOCK_WAIT), database.session() as session:
            ctx = run_context(session, config, now=now, catalog=catalog, include_baseline=include_baseline)
            subscribers = choose(session, ctx)
            recipients = [Recipient.digest(sub) for sub in subscribers
                          if not _skipped(session, sub, report, reactivate)]
            addresses = {r.address for r in recipients} if reactivate else None
            # messages left pending by earlier runs go first, then each new one once committed
            with Sending(database, ctx, outbox.pending(session, (EMAIL, ALERT), addresses)) as sending:
                for recipient in recipients:
                    row_id = prepare(session, ctx, recipient, report)
                    if row_id is not None:
                        sending.put(row_id)
            _merge_pending(report, sending.report, [sub.email for sub in subscribers])
    except BillwatchError as exc:  # lock held, no [smtp], rules or database trouble: reported
        report.errors.append(str(exc))
    return report


def _merge_pending(report: DeliveryReport, delivered: DeliveryReport, order: list[str]) -> None:
    """Add the sending's results, in the subscribers' ``order``; a recipient with nothing new
    whose earlier message was still pending is reported by that message's fate alone (one line
    per subscriber)."""
    settled = {(r.channel, r.recipient) for r in delivered.results}
    report.results = [r for r in report.results
                      if r.status != "nothing" or (r.channel, r.recipient) not in settled]
    report.extend(delivered)
    rank = {email: i for i, email in enumerate(order)}
    report.results.sort(key=lambda r: rank.get(r.recipient, len(rank)))


def _skipped(session: Session, sub: SubscriberConfig, report: DeliveryReport, reactivate: bool) -> bool:
    state = session.get(SubscriberState, sub.email)
    if state is not None and state.status == outbox.REJECTED:
        if reactivate and outbox.reactivate(session, sub.email):
            log.info("subscriber %s was rejected before; trying again as asked", sub.email)
            return False
        report.results.append(DeliveryResult(EMAIL, sub.email, "skipped",
                                             f"address rejected earlier: {state.status_detail}; "
                                             "send to it by name (--subscriber) to try again"))
        return True
    if not sub.enabled:
        report.results.append(DeliveryResult(EMAIL, sub.email, "skipped", "subscriber disabled"))
        return True
    return False


def prepare(session: Session, ctx: RunContext, recipient: Recipient, report: DeliveryReport) -> int | None:
    """Compose the recipient's next email and record it in the outbox (or record the empty
    period); the id of the committed pending row, None when there is nothing to send."""
    composed = compose(session, ctx, recipient)
    if not composed.send:
        if recipient.kind == "digest":  # the cadence needs to know this period was handled
            _record(session, ctx, composed, status=outbox.EMPTY)
        report.results.append(DeliveryResult(recipient.channel, recipient.address, "nothing", composed.reason))
        return None
    message = email_message(composed, ctx)
    data = envelope(message, ctx.smtp, recipient.address)
    row = _record(session, ctx, composed, payload=data.data.decode("utf-8"), message_id=data.message_id)
    if row is None:
        report.results.append(DeliveryResult(recipient.channel, recipient.address, "nothing",
                                             "this period was already recorded by another run"))
        return None
    return row.id


def _record(session: Session, ctx: RunContext, composed: Composed, *, status: str = outbox.PENDING,
            payload: str | None = None, message_id: str | None = None) -> OutboxMessage | None:
    window = composed.digest.window
    return outbox.record(
        session, channel=composed.recipient.channel, recipient=composed.recipient.address,
        period_key=composed.period_key, first_event_id=window.after_id + 1, last_event_id=window.until_id,
        now=ctx.now, payload=payload, message_id=message_id, status=status,
    )


def deliver_pending(session: Session, ctx: RunContext, channels: tuple[str, ...],
                    recipients: set[str] | None) -> DeliveryReport:
    """Send every pending email of these channels over one connection, settling each row."""
    return _deliver(session, ctx, outbox.pending(session, channels, recipients))


def _deliver(session: Session, ctx: RunContext, ids: Iterable[int]) -> DeliveryReport:
    """Send the pending rows ``ids`` (a list, or a stream that ends when the run is composed)
    over one connection, opened for the first of them; a lost connection leaves the rest pending."""
    report = DeliveryReport()
    pending = iter(ids)
    transport: SmtpTransport | None = None
    try:
        for row_id in pending:
            row = outbox.load(session, row_id)
            if row is None:  # settled meanwhile (cannot happen under the lock)
                continue
            if transport is None:
                if ctx.config.smtp is None:
                    raise ConfigError("there are emails to send but the config has no [smtp] table",
                                      hint="add [smtp] with host and from (see docs/digests.md)")
                transport = SmtpTransport(ctx.config.smtp)
            try:
                answer = transport.send(_row_envelope(row, ctx))
            except SmtpConnectionError as exc:
                outbox.mark_failed(session, row, str(exc))
                report.errors.append(str(exc))
                _not_attempted(session, itertools.chain([row_id], pending), exc.message, report)
                break
            report.results.append(_settle(session, ctx, row, answer))
    finally:
        if transport is not None:
            transport.close()
    return report


class Sending:
    """Sends pending rows on a thread of its own, with its own database session, while the run
    composes the next ones: ``put`` a row's id once it is committed. On leaving the block the
    rows already given are all settled (or left pending by a failure) before it returns;
    ``report`` then holds their results. Problems are reported like :func:`deliver_pending`'s;
    an unexpected error is raised again in the calling thread."""

    _END = -1

    def __init__(self, database: Any, ctx: RunContext, first: Iterable[int] = ()) -> None:
        self.report = DeliveryReport()
        self._database, self._ctx = database, ctx
        self._ids: queue.SimpleQueue[int] = queue.SimpleQueue()
        for row_id in first:
            self._ids.put(row_id)
        self._error: BaseException | None = None
        self._thread = None if database.in_memory else threading.Thread(
            target=self._run, name="billwatch-sending", daemon=True)

    def put(self, row_id: int) -> None:
        self._ids.put(row_id)

    def __enter__(self) -> Self:
        if self._thread is not None:
            self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._ids.put(self._END)
        if self._thread is None:
            self._run()
        else:
            self._thread.join()
        if self._error is not None and exc is None:
            raise self._error

    def _stream(self) -> Iterator[int]:
        while (row_id := self._ids.get()) != self._END:
            yield row_id

    def _run(self) -> None:
        try:
            with self._database.session() as session:
                self.report.extend(_deliver(session, self._ctx, self._stream()))
        except BillwatchError as exc:  # no [smtp], database trouble: reported, rows stay pending
            self.report.errors.append(str(exc))
        except BaseException as exc:  # noqa: BLE001 - handed to the calling thread
            self._error = exc


def _not_attempted(session: Session, ids: Iterable[int], reason: str, report: DeliveryReport) -> None:
    for row_id in ids:
        row = outbox.load(session, row_id)
        if row is not None:
            report.results.append(_result(row, "failed", f"{reason}; left pending for the next run"))


def _row_envelope(row: outbox.Pending, ctx: RunContext) -> Envelope:
    return Envelope(sender=envelope_sender(ctx), recipient=row.recipient,
                    data=(row.payload or "").encode("utf-8"), message_id=row.message_id or "")


def envelope_sender(ctx: RunContext) -> str:
    from email.utils import parseaddr

    return parseaddr(ctx.smtp.from_)[1]


def _settle(session: Session, ctx: RunContext, row: outbox.Pending, answer: SendResult) -> DeliveryResult:
    if answer.outcome == SENT:
        outbox.mark_sent(session, row, utc_naive(None), move_watermark=row.channel == EMAIL)
        log.info("sent %s to %s (%s)", row.channel, row.recipient, row.message_id)
        return _result(row, "sent", "accepted by the SMTP server")
    if answer.outcome == REJECTED:
        outbox.mark_rejected(session, row, answer.describe(), address=answer.address_rejected, now=ctx.now)
        what = "address" if answer.address_rejected else "message"
        log.warning("%s for %s rejected permanently: %s", row.channel, row.recipient, answer.describe())
        return _result(row, "rejected", f"{what} rejected permanently: {answer.describe()}; not retried")
    outbox.mark_failed(session, row, answer.describe())
    return _result(row, "failed", f"temporary failure: {answer.describe()}; left pending for the next run")


def _result(row: outbox.Pending, status: str, detail: str) -> DeliveryResult:
    return DeliveryResult(row.channel, row.recipient, status, detail, message_id=row.message_id)


def utc_naive(moment: dt.datetime | None) -> dt.datetime:
    """Naive UTC, the database's convention; aware datetimes are converted."""
    if moment is None:
        return dt.datetime.now(dt.UTC).replace(tzinfo=None)
    if moment.tzinfo is not None:
        return moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment
