"""Composing one recipient's next message: its window of events, its digest, send or not.

Used alike by previews (which write files and record nothing), by ``digest --send``, by the
scheduler's due digests and by the alerts after a scan.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from monitor.models import SubscriberState
from notifiers import outbox
from notifiers.config import NotifierConfig, SmtpConfig, SubscriberConfig
from notifiers.digest import Digest, DigestRequest, Period, Window, build_digest
from notifiers.message import Message, build_message, unsubscribe_target
from notifiers.render import RenderContext, Rendered, personalize, render_shared
from notifiers.selection import Audience, RuleCatalog

EMAIL, ALERT, WEBHOOK = "email", "alert", "webhook"
#: how far back a recipient without any history starts (a new subscriber's first digest)
LOOKBACK = {"daily": dt.timedelta(days=1), "weekly": dt.timedelta(days=7)}
DEFAULT_LOOKBACK = dt.timedelta(days=1)
CACHE_SIZE = 16
#: a digest without news (sent for source health or send_empty) at most this often
QUIET_INTERVAL = dt.timedelta(hours=23)
#: the From of previews when no [smtp] table is configured
PREVIEW_SMTP = SmtpConfig.model_validate({"host": "localhost", "from": "Bill Watch <billwatch@example.invalid>"})


class LruCache:
    """A small least-recently-used cache (a 50-bill digest and its rendering are ~200 KB)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Any, Any] = OrderedDict()

    def get(self, key: Any) -> Any:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: Any, value: Any) -> Any:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)
        return value


@dataclass(frozen=True)
class Recipient:
    """One addressee on one channel, with its filter and what it wants when nothing is new."""

    channel: str  # email (digests, immediate alerts), alert (alert=true rules), webhook
    address: str  # email address, or the notifier's name
    audience: Audience
    kind: str = "digest"  # digest or alert
    cadence: str = "weekly:mon"
    name: str | None = None
    html: bool = True
    only_rules: frozenset[str] | None = None
    send_empty: bool = False
    send_when_unhealthy: bool = False

    @classmethod
    def digest(cls, sub: SubscriberConfig) -> Recipient:
        """The subscriber's digest (whatever its cadence: ``digest --send`` sends it now)."""
        return cls(EMAIL, sub.email, Audience.of(sub), "digest", sub.cadence, sub.name,
                   sub.format == "html", None, sub.send_empty, sub.send_when_unhealthy)

    @classmethod
    def immediate(cls, sub: SubscriberConfig) -> Recipient:
        """An ``immediate`` subscriber's alert after a scan (same channel as its digests)."""
        return cls(EMAIL, sub.email, Audience.of(sub), "alert", "immediate", sub.name, sub.format == "html")

    @classmethod
    def urgent(cls, sub: SubscriberConfig, alert_rules: set[str]) -> Recipient:
        """A digest subscriber's alert for its rules marked ``alert = true``."""
        return cls(ALERT, sub.email, Audience.of(sub), "alert", "alert", sub.name,
                   sub.format == "html", frozenset(alert_rules))

    @classmethod
    def webhook(cls, notifier: NotifierConfig) -> Recipient:
        return cls(WEBHOOK, notifier.name, Audience.of(notifier), "alert", "webhook")

    @property
    def lookback(self) -> dt.timedelta:
        return LOOKBACK.get(self.cadence.split(":", 1)[0], DEFAULT_LOOKBACK) if self.kind == "digest" else DEFAULT_LOOKBACK


@dataclass
class RunContext:
    """What every recipient of one run shares."""

    config: Any  # monitor.config.Config
    now: dt.datetime  # naive UTC
    catalog: RuleCatalog
    until_id: int  # the last event this run covers
    health: Sequence[Any] = ()
    include_baseline: bool = False
    source_types: dict[str, str] = field(default_factory=dict)
    #: recent digests and renderings by content key: subscribers with the same filters and
    #: window (a chapter's members in one state) share one query and one rendering
    digests: LruCache = field(default_factory=lambda: LruCache(CACHE_SIZE), repr=False)
    renderings: LruCache = field(default_factory=lambda: LruCache(CACHE_SIZE), repr=False)
    #: where a recipient without history starts, by lookback start (the same for most of them)
    starts: dict[dt.datetime, int] = field(default_factory=dict, repr=False)

    @property
    def smtp(self) -> SmtpConfig:
        return self.config.smtp or PREVIEW_SMTP

    @property
    def timezone(self) -> str:
        return str(self.config.schedule.timezone)


@dataclass
class Composed:
    """A recipient's next message, decided: ``send`` False means nothing to send."""

    recipient: Recipient
    digest: Digest
    period_key: str
    send: bool
    reason: str
    content_key: tuple[Any, ...] = ()

    @property
    def entries(self) -> int:
        return len(self.digest.entries)


def window_for(session: Session, ctx: RunContext, recipient: Recipient) -> tuple[Window, Period]:
    """The events after everything this recipient was already told, up to the run's end."""
    covered, last_at = outbox.history(session, recipient.channel, recipient.address)
    if covered is None and recipient.channel == EMAIL:
        # no outbox rows (pruned, or refused ones forgotten on reactivation): the watermark stands
        state = session.get(SubscriberState, recipient.address)
        if state is not None and state.watermark > 0:
            covered, last_at = state.watermark, state.last_sent_at
    if covered is None:
        start = ctx.now - recipient.lookback
        # a state-of-play digest for someone new starts at the very first event
        if ctx.include_baseline:
            covered = 0
        else:
            if start not in ctx.starts:
                ctx.starts[start] = outbox.last_event_before(session, start)
            covered = ctx.starts[start]
        last_at = start
    window = Window(after_id=covered, until_id=max(covered, ctx.until_id), include_baseline=ctx.include_baseline)
    return window, Period(start=last_at, end=ctx.now)


def compose(session: Session, ctx: RunContext, recipient: Recipient, *, after_id: int | None = None,
            period_start: dt.datetime | None = None) -> Composed:
    """Build the recipient's digest for its window and decide whether it is worth sending.

    ``after_id``/``period_start`` replace the recipient's own window (previews of a chosen period).
    """
    window, period = window_for(session, ctx, recipient)
    if after_id is not None:
        window = Window(after_id, max(after_id, ctx.until_id), ctx.include_baseline)
        period = Period(start=period_start, end=ctx.now)
    content_key = (recipient.audience, recipient.kind, recipient.only_rules, window, period)
    digest = ctx.digests.get(content_key)
    if digest is None:
        request = DigestRequest(
            audience=recipient.audience,
            catalog=ctx.catalog,
            window=window,
            period=period,
            today=_local_today(ctx),
            kind=recipient.kind,
            timezone=ctx.timezone,
            only_rules=set(recipient.only_rules) if recipient.only_rules is not None else None,
            health=ctx.health,
            source_types=ctx.source_types,
        )
        digest = ctx.digests.put(content_key, build_digest(session, request))
    send, reason = _decide(digest, recipient)
    key = f"{ctx.now:%Y%m%d}:{window.after_id}-{window.until_id}"
    return Composed(recipient, digest, key, send, reason, content_key)


def _decide(digest: Digest, recipient: Recipient) -> tuple[bool, str]:
    if digest.has_news:
        counts = digest.counts()
        hearings = f"{counts['hearings']} hearing{'s' * (counts['hearings'] != 1)}"
        return True, f"{counts['new']} new, {counts['moving']} moving, {hearings}"
    if recipient.kind != "digest":
        return False, "nothing new"
    start = digest.period.start
    if start is not None and digest.period.end - start < QUIET_INTERVAL:
        # a digest with no news went (or was due) less than a day ago: do not repeat it
        return False, "nothing new since the last digest"
    if digest.unhealthy_sources and recipient.send_when_unhealthy:
        return True, f"no new activity; {len(digest.unhealthy_sources)} source(s) need attention"
    if recipient.send_empty:
        return True, "no new activity (send_empty)"
    return False, "nothing new"


def _local_today(ctx: RunContext) -> dt.date:
    import zoneinfo

    moment = ctx.now.replace(tzinfo=dt.UTC)
    return moment.astimezone(zoneinfo.ZoneInfo(ctx.timezone)).date()


def render(composed: Composed, ctx: RunContext) -> Rendered:
    """Subject, HTML and text of a composed digest or alert."""
    recipient = composed.recipient
    context = RenderContext(
        recipient=recipient.address,
        cadence=recipient.cadence,
        unsubscribe=unsubscribe_target(ctx.smtp, recipient.address),
        manage=_bare(ctx.smtp.reply_to),
    )
    key = (composed.content_key, context.cadence, context.manage)
    shared = ctx.renderings.get(key) if composed.content_key else None
    if shared is None:
        shared = render_shared(composed.digest, context.cadence, context.manage, unsubscribe=True)
        if composed.content_key:
            ctx.renderings.put(key, shared)
    return personalize(shared, context)


def email_message(composed: Composed, ctx: RunContext, rendered: Rendered | None = None) -> Message:
    """The complete email of a composed message (Message-ID stable per recipient and period)."""
    recipient = composed.recipient
    return build_message(
        rendered or render(composed, ctx),
        ctx.smtp,
        recipient=recipient.address,
        recipient_name=recipient.name,
        period_key=f"{recipient.channel}:{composed.period_key}",
        html=recipient.html,
        now=ctx.now,
    )


def _bare(address: str | None) -> str | None:
    from email.utils import parseaddr

    return parseaddr(address)[1] if address else None
