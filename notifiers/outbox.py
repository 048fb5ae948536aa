"""Exactly-once bookkeeping: the outbox and the subscribers' watermarks.

Every message is first written to the ``outbox`` (one row per channel, recipient and period,
with the exact bytes to send) and committed; only then is it sent; only after the server
accepted it is the row marked ``sent`` and the subscriber's watermark moved, in one commit.
A crash or a failed send leaves the row ``pending``: the next run sends the same bytes. The
next message of a recipient starts after the last event any of its rows covers, so no event
is told twice. Row statuses: pending, sent, rejected (permanent refusal), empty (a digest
period with nothing to send, kept so the cadence knows when the last digest was due).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from monitor.models import Event, OutboxMessage, SubscriberState

PENDING, SENT, REJECTED, EMPTY = "pending", "sent", "rejected", "empty"


def latest_event_id(session: Session) -> int:
    """The highest event id now: the end of the window a run covers."""
    return int(session.scalar(select(func.max(Event.id))) or 0)


def last_event_before(session: Session, moment: dt.datetime) -> int:
    """The highest event id recorded before ``moment``: where a recipient without history starts."""
    return int(session.scalar(select(func.max(Event.id)).where(Event.recorded_at < moment)) or 0)


def covered_until(session: Session, channel: str, recipient: str) -> int | None:
    """The last event id any outbox row of this recipient covers (None: no history)."""
    value = session.scalar(
        select(func.max(OutboxMessage.last_event_id)).where(
            OutboxMessage.channel == channel, OutboxMessage.recipient == recipient
        )
    )
    return None if value is None else int(value)


def last_period_at(session: Session, channel: str, recipient: str) -> dt.datetime | None:
    """When the recipient's last message (or empty period) was recorded: the cadence's anchor."""
    return session.scalar(
        select(func.max(OutboxMessage.created_at)).where(
            OutboxMessage.channel == channel, OutboxMessage.recipient == recipient
        )
    )


def record(
    session: Session,
    *,
    channel: str,
    recipient: str,
    period_key: str,
    first_event_id: int,
    last_event_id: int,
    now: dt.datetime,
    payload: str | None = None,
    message_id: str | None = None,
    status: str = PENDING,
) -> OutboxMessage | None:
    """Add and commit an outbox row; None when this period is already recorded (another run)."""
    row = OutboxMessage(
        channel=channel,
        recipient=recipient,
        period_key=period_key,
        message_id=message_id,
        first_event_id=first_event_id,
        last_event_id=last_event_id,
        status=status,
        payload=payload,
        created_at=now,
    )
    session.add(row)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return None
    return row


def pending(session: Session, channels: tuple[str, ...], recipients: set[str] | None = None) -> list[OutboxMessage]:
    """Rows waiting to be sent, oldest first."""
    query = select(OutboxMessage).where(OutboxMessage.status == PENDING, OutboxMessage.channel.in_(channels))
    if recipients is not None:
        query = query.where(OutboxMessage.recipient.in_(sorted(recipients)))
    return list(session.scalars(query.order_by(OutboxMessage.id)))


def subscriber_state(session: Session, email: str) -> SubscriberState:
    """The delivery state of a subscriber, created on first use."""
    state = session.get(SubscriberState, email)
    if state is None:
        state = SubscriberState(email=email, watermark=0, status="active")
        session.add(state)
        session.flush()
    return state


def mark_sent(session: Session, row: OutboxMessage, now: dt.datetime, *, move_watermark: bool) -> None:
    """The server accepted the message: mark it and move the watermark, in one commit."""
    row.status = SENT
    row.sent_at = now
    row.attempts += 1
    row.last_error = None
    if move_watermark:
        state = subscriber_state(session, row.recipient)
        state.watermark = max(state.watermark, row.last_event_id)
        state.last_sent_at = now
    session.commit()


def mark_failed(session: Session, row: OutboxMessage, reason: str) -> None:
    """A temporary failure: the row stays pending for the next run."""
    row.attempts += 1
    row.last_error = reason[:1000]
    session.commit()


def mark_rejected(session: Session, row: OutboxMessage, reason: str, *, address: bool, now: dt.datetime) -> None:
    """A permanent refusal: never retried; an address refusal also stops the subscriber."""
    row.status = REJECTED
    row.attempts += 1
    row.last_error = reason[:1000]
    if address:
        state = subscriber_state(session, row.recipient)
        state.status = REJECTED
        state.status_detail = f"{now:%Y-%m-%d %H:%M} UTC: {reason}"[:1000]
    session.commit()


def reactivate(session: Session, email: str) -> bool:
    """Clear a rejected address (asked for by name): its refused messages are rebuilt next time."""
    state = session.get(SubscriberState, email)
    if state is None or state.status != REJECTED:
        return False
    state.status, state.status_detail = "active", None
    # the refused rows' events were never delivered: forget the rows so the next digest has them
    session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.recipient == email, OutboxMessage.status == REJECTED,
            OutboxMessage.last_event_id > state.watermark,
        )
    )
    session.commit()
    return True
