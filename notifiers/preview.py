"""Previews: each subscriber's next digest as files (.html, .txt, .eml); nothing recorded or sent.

A preview runs under the rules in the config as they are now: when the rule files were edited
since the last scan, the stored bills are re-matched inside the preview's transaction, which is
rolled back at the end, so a task force can see the next digest under edited rules before any
of it is kept.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

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
    render,
)
from notifiers.delivery import run_context, select_subscribers, utc_naive
from notifiers.selection import RuleCatalog, rule_catalog


@dataclass
class Preview:
    """One subscriber's next digest: would it be sent, what it holds, the files written."""

    recipient: str
    send: bool
    reason: str
    counts: dict[str, int]
    files: list[Path] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"recipient": self.recipient, "send": self.send, "reason": self.reason, "counts": self.counts,
                "files": [str(f) for f in self.files]}


def preview_digests(config: Any, database: Any, out: Path | None, *, subscribers: Iterable[str] | None = None,
                    now: dt.datetime | None = None, include_baseline: bool = False,
                    catalog: RuleCatalog | None = None, ruleset: Any = None,
                    since: dt.datetime | None = None, until: dt.datetime | None = None) -> list[Preview]:
    """Compose every (or each named) subscriber's next digest; write files when ``out`` is given.

    ``since``/``until`` (UTC) preview the events recorded in that span instead of each
    subscriber's pending window. ``ruleset`` re-matches stored bills first if its rules changed.
    """
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    chosen = select_subscribers(config, subscribers)
    previews = []
    with database.session() as session:
        try:
            if ruleset is not None:
                from rules.integration import rematch_if_changed

                rematch_if_changed(session, ruleset)
                catalog = rule_catalog(ruleset) if catalog is None else catalog
            ctx = run_context(session, config, now=until or now, catalog=catalog, include_baseline=include_baseline)
            if until is not None:
                ctx = dataclasses.replace(ctx, until_id=outbox.last_event_before(session, utc_naive(until)))
            for sub in chosen:
                composed = _compose(session, ctx, Recipient.digest(sub), since)
                previews.append(_preview(out, composed, ctx))
                if since is None and until is None:  # what `digest --send` would do besides
                    _delivery_state(session, previews[-1])
        finally:
            session.rollback()  # a preview keeps nothing, not even re-matched rules
    return previews


def _compose(session: Session, ctx: RunContext, recipient: Recipient, since: dt.datetime | None) -> Composed:
    if since is None:
        return compose(session, ctx, recipient)
    since = utc_naive(since)
    return compose(session, ctx, recipient, after_id=outbox.last_event_before(session, since), period_start=since)


def _delivery_state(session: Session, preview: Preview) -> None:
    """Say so when the address was rejected (``--send`` skips it) or an earlier run's message is
    still pending (``--send`` retries it first)."""
    state = session.get(SubscriberState, preview.recipient)
    if state is not None and state.status == outbox.REJECTED:
        preview.send = False
        preview.reason = (f"address rejected earlier: {state.status_detail}; "
                          "name it with --subscriber to try again")
        return
    errors = list(session.scalars(
        select(OutboxMessage.last_error).where(OutboxMessage.recipient == preview.recipient,
                                               OutboxMessage.channel.in_((EMAIL, ALERT)),
                                               OutboxMessage.status == outbox.PENDING)
        .order_by(OutboxMessage.id)))
    if errors:
        count = "1 message" if len(errors) == 1 else f"{len(errors)} messages"
        last = f", last error: {errors[-1]}" if errors[-1] else ""
        preview.reason += f"; {count} left pending by an earlier run, retried first by --send{last}"


def _preview(out: Path | None, composed: Composed, ctx: RunContext) -> Preview:
    preview = Preview(composed.recipient.address, composed.send, composed.reason, composed.digest.counts())
    if out is None:
        return preview
    rendered = render(composed, ctx)
    message = email_message(composed, ctx, rendered)
    stem = "".join(c if c.isalnum() or c in "@.-_+" else "_" for c in composed.recipient.address)
    preview.files = [out / f"{stem}.html", out / f"{stem}.txt", out / f"{stem}.eml"]
    preview.files[0].write_text(rendered.html, encoding="utf-8")
    preview.files[1].write_text(rendered.text, encoding="utf-8")
    preview.files[2].write_bytes(bytes(message))
    return preview
