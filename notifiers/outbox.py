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

from sqlalchemy import bindparam, case, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from monitor.db import writing
from monitor.models import Event, OutboxMessage, SubscriberState

PENDING, SENT, REJECTED, EMPTY = "pending", "sent", "rejected", "empty"


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
    with writing(session):
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


_OUTBOX, _STATES = OutboxMessage.__table__, SubscriberState.__table__
# built once: the sender runs these for every message of a batch, and building them each time
# (through the ORM) cost about as much as the SMTP exchange; Core statements on the session's
# connection, so they are part of its transaction
_LOAD = select(_OUTBOX.c.id, _OUTBOX.c.channel, _OUTBOX.c.recipient, _OUTBOX.c.last_event_id,
               _OUTBOX.c.message_id, _OUTBOX.c.payload).where(
    _OUTBOX.c.id == bindparam("row_id"), _OUTBOX.c.status == PENDING)
_SENT = update(_OUTBOX).where(_OUTBOX.c.id == bindparam("row_id")).values(
    status=SENT, sent_at=bindparam("now"), attempts=_OUTBOX.c.attempts + 1, last_error=None,
    payload=None,  # delivered: the bytes are no longer needed (1,000 digests are ~100 MB)
)
_WATERMARK = update(_STATES).where(_STATES.c.email == bindparam("recipient")).values(
    watermark=case((_STATES.c.watermark < bindparam("last_event_id"), bindparam("last_event_id")),
                   else_=_STATES.c.watermark),
    last_sent_at=bindparam("now"),
)


def load(session: Session, row_id: int) -> Pending | None:
    """The pending row ``row_id`` (None once it is settled)."""
    row = session.connection().execute(_LOAD, {"row_id": row_id}).first()
    if row is None:
        return None
    return Pending(id=row.id, channel=row.channel, recipient=row.recipient, last_event_id=row.last_event_id,
                   message_id=row.message_id, payload=row.payload)


def mark_sent(session: Session, row: Pending, now: dt.datetime, *, move_watermark: bool) -> None:
    """The server accepted the message: mark it and move the watermark, in one commit."""
    with writing(session):
        connection = session.connection()
        connection.execute(_SENT, {"row_id": row.id, "now": now})
        if move_watermark:
            moved = connection.execute(_WATERMARK, {"recipient": row.recipient,
                                                    "last_event_id": row.last_event_id, "now": now})
            if moved.rowcount == 0:
                session.add(SubscriberState(email=row.recipient, watermark=row.last_event_id, status="active",
                                            last_sent_at=now))
        session.commit()


def mark_failed(session: Session, row: Pending, reason: str) -> None:
    """A temporary failure: the row stays pending for the next run."""
    with writing(session):
        session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id).values(
            attempts=OutboxMessage.attempts + 1, last_error=reason[:1000]))
        session.commit()


def mark_rejected(session: Session, row: Pending, reason: str, *, address: bool, now: dt.datetime) -> None:
    """A permanent refusal: never retried; an address refusal also stops the subscriber."""
    with writing(session):
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
