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
from dataclasses import dataclass

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from monitor.models import Event, OutboxMessage, SubscriberState

PENDING, SENT, REJECTED, EMPTY = "pending", "sent", "rejected", "empty"
#: UPDATEs that need not look for the rows among the session's objects (none are loaded)
PLAIN = {"synchronize_session": False}


def latest_event_id(session: Session) -> int:
    """The highest event id now: the end of the window a run covers."""
    return int(session.scalar(select(func.max(Event.id))) or 0)


def last_event_before(session: Session, moment: dt.datetime) -> int:
    """The highest event id recorded before ``moment``: where a recipient without history starts."""
    return int(session.scalar(select(func.max(Event.id)).where(Event.recorded_at < moment)) or 0)


def history(session: Session, channel: str, recipient: str) -> tuple[int | None, dt.datetime | None]:
    """(last event id covered, time of the last period) of a recipient; (None, None): no history."""
    row = session.execute(
        select(func.max(OutboxMessage.last_event_id), func.max(OutboxMessage.created_at)).where(
            OutboxMessage.channel == channel, OutboxMessage.recipient == recipient
        )
    ).one()
    return (None if row[0] is None else int(row[0])), row[1]


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
    session.expunge(row)  # the payload is read again when its turn comes; keep memory flat
    return row


def pending(session: Session, channels: tuple[str, ...], recipients: set[str] | None = None) -> list[int]:
    """Ids of the rows waiting to be sent, oldest first (each is loaded with :func:`load` when
    its turn comes: a thousand digests in memory at once would be ~100 MB)."""
    query = select(OutboxMessage.id).where(OutboxMessage.status == PENDING, OutboxMessage.channel.in_(channels))
    if recipients is not None:
        query = query.where(OutboxMessage.recipient.in_(sorted(recipients)))
    return list(session.scalars(query.order_by(OutboxMessage.id)))


@dataclass(frozen=True)
class Pending:
    """One pending outbox row, as the sender needs it."""

    id: int
    channel: str
    recipient: str
    last_event_id: int
    message_id: str | None
    payload: str | None


def load(session: Session, row_id: int) -> Pending | None:
    """The pending row ``row_id`` (None once it is settled)."""
    columns = [OutboxMessage.id, OutboxMessage.channel, OutboxMessage.recipient, OutboxMessage.last_event_id,
               OutboxMessage.message_id, OutboxMessage.payload]
    found = session.execute(select(*columns).where(OutboxMessage.id == row_id, OutboxMessage.status == PENDING))
    row = found.first()
    if row is None:
        return None
    return Pending(id=row.id, channel=row.channel, recipient=row.recipient, last_event_id=row.last_event_id,
                   message_id=row.message_id, payload=row.payload)


def mark_sent(session: Session, row: Pending, now: dt.datetime, *, move_watermark: bool) -> None:
    """The server accepted the message: mark it and move the watermark, in one commit.

    Plain UPDATEs: this runs once per message of a batch and the ORM's unit of work cost as
    much as the SMTP exchange.
    """
    session.execute(
        update(OutboxMessage).where(OutboxMessage.id == row.id).values(
            status=SENT, sent_at=now, attempts=OutboxMessage.attempts + 1, last_error=None,
            payload=None,  # delivered: the bytes are no longer needed (1,000 digests are ~100 MB)
        ),
        execution_options=PLAIN,
    )
    if move_watermark:
        watermark = SubscriberState.watermark
        moved = session.execute(
            update(SubscriberState).where(SubscriberState.email == row.recipient).values(
                watermark=case((watermark < row.last_event_id, row.last_event_id), else_=watermark),
                last_sent_at=now,
            ),
            execution_options=PLAIN,
        )
        if getattr(moved, "rowcount", 0) == 0:
            session.add(SubscriberState(email=row.recipient, watermark=row.last_event_id, status="active",
                                        last_sent_at=now))
    session.commit()


def mark_failed(session: Session, row: Pending, reason: str) -> None:
    """A temporary failure: the row stays pending for the next run."""
    session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id).values(
        attempts=OutboxMessage.attempts + 1, last_error=reason[:1000]))
    session.commit()


def mark_rejected(session: Session, row: Pending, reason: str, *, address: bool, now: dt.datetime) -> None:
    """A permanent refusal: never retried; an address refusal also stops the subscriber."""
    session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id).values(
        status=REJECTED, attempts=OutboxMessage.attempts + 1, last_error=reason[:1000]))
    if address:
        state = subscriber_state(session, row.recipient)
        state.status = REJECTED
        state.status_detail = f"{now:%Y-%m-%d %H:%M} UTC: {reason}"[:1000]
    session.commit()


def subscriber_state(session: Session, email: str) -> SubscriberState:
    """The delivery state of a subscriber, created on first use."""
    state = session.get(SubscriberState, email)
    if state is None:
        state = SubscriberState(email=email, watermark=0, status="active")
        session.add(state)
        session.flush()
    return state


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
