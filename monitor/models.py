"""The database schema: SQLAlchemy 2.0 typed models.

Changing a model means adding an Alembic migration under monitor/migrations/versions/ (there must
always be one head: `alembic heads`). The store applies migrations on start.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


#: constraint names fixed in advance, so later migrations can alter or drop them by name (SQLite
#: batch mode needs named constraints; PostgreSQL would otherwise invent its own names)
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Bill(Base):
    """One bill, identified by its natural key (jurisdiction, session, identifier)."""

    __tablename__ = "bills"
    __table_args__ = (UniqueConstraint("jurisdiction", "session", "identifier", name="uq_bill_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction: Mapped[str] = mapped_column(String(8), index=True)
    session: Mapped[str] = mapped_column(String(64))
    identifier: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)
    subjects: Mapped[list[Any]] = mapped_column(default=list)
    stage: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str | None] = mapped_column(Text)  # raw status text
    status_date: Mapped[dt.date | None] = mapped_column(Date)
    last_action: Mapped[str | None] = mapped_column(Text)
    last_action_date: Mapped[dt.date | None] = mapped_column(Date)
    url: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(64))  # source that last wrote the bill
    source_url: Mapped[str | None] = mapped_column(Text)
    extras: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: hash of the normalized record as last stored: equal hash = nothing to write (noop)
    content_hash: Mapped[str] = mapped_column(String(40))
    first_seen: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)

    actions: Mapped[list[BillAction]] = relationship(
        back_populates="bill", cascade="all, delete-orphan", order_by="BillAction.position"
    )
    sponsors: Mapped[list[BillSponsor]] = relationship(
        back_populates="bill", cascade="all, delete-orphan", order_by="BillSponsor.position"
    )
    versions: Mapped[list[BillVersion]] = relationship(
        back_populates="bill", cascade="all, delete-orphan", order_by="BillVersion.position"
    )
    hearings: Mapped[list[Hearing]] = relationship(
        back_populates="bill", cascade="all, delete-orphan", order_by="Hearing.date"
    )


class BillAction(Base):
    __tablename__ = "actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("bills.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    date: Mapped[dt.date | None] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text)
    chamber: Mapped[str | None] = mapped_column(String(32))
    classification: Mapped[list[Any]] = mapped_column(default=list)
    bill: Mapped[Bill] = relationship(back_populates="actions")


class BillSponsor(Base):
    __tablename__ = "sponsors"

    id: Mapped[int] = mapped_column(primary_key=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("bills.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(32))
    party: Mapped[str | None] = mapped_column(String(64))
    bill: Mapped[Bill] = relationship(back_populates="sponsors")


class BillVersion(Base):
    __tablename__ = "versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("bills.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    date: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    bill: Mapped[Bill] = relationship(back_populates="versions")


class Hearing(Base):
    __tablename__ = "hearings"

    id: Mapped[int] = mapped_column(primary_key=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("bills.id", ondelete="CASCADE"), index=True)
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    time: Mapped[str | None] = mapped_column(String(32))
    location: Mapped[str | None] = mapped_column(Text)
    committee: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    bill: Mapped[Bill] = relationship(back_populates="hearings")


class Event(Base):
    """Something that happened to a bill, recorded once per (bill, kind, content).

    kinds: new_bill, stage_changed, action_added, version_added, hearing_scheduled,
    title_changed; the rule engine adds rule_matched / rule_unmatched. ``baseline`` events come
    from a source's first scan and are left out of ordinary digests. Event ids grow with time:
    a subscriber's digest watermark is the highest event id delivered.
    """

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("bill_id", "kind", "content_key", name="uq_event_content"),
        Index("ix_events_id_baseline", "id", "baseline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("bills.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    content_key: Mapped[str] = mapped_column(String(40))  # sha1 of the event's normalized content
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    event_date: Mapped[dt.date | None] = mapped_column(Date)  # when it happened, per the source
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    source: Mapped[str] = mapped_column(String(64))
    baseline: Mapped[bool] = mapped_column(Boolean, default=False)
    scan_run_id: Mapped[int | None] = mapped_column(ForeignKey("scan_runs.id", ondelete="SET NULL"))


class SourceState(Base):
    """Health and cursors of one configured source (by its config name)."""

    __tablename__ = "source_state"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    type: Mapped[str] = mapped_column(String(32))
    last_success: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_attempt: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    #: the source's own cursor (LegiScan change_hash per bill, Open States updated_since...)
    cursor: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: quota accounting: requests made in quota_month (YYYY-MM)
    quota_month: Mapped[str | None] = mapped_column(String(7))
    quota_used: Mapped[int] = mapped_column(Integer, default=0)
    baseline_done: Mapped[bool] = mapped_column(Boolean, default=False)


class HttpValidator(Base):
    """Conditional-GET validators per URL (secrets redacted from the URL before storing)."""

    __tablename__ = "http_validators"

    url: Mapped[str] = mapped_column(String(2048), primary_key=True)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ScanRun(Base):
    """One scan of one source: what it read and changed, and how it ended."""

    __tablename__ = "scan_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(64), index=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(16), default="running")  # running, ok, failed, interrupted
    read: Mapped[int] = mapped_column(Integer, default=0)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    events: Mapped[int] = mapped_column(Integer, default=0)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)


class Match(Base):
    """A bill that matches a rule, with the evidence (hits) for the explanation."""

    __tablename__ = "matches"

    bill_id: Mapped[int] = mapped_column(ForeignKey("bills.id", ondelete="CASCADE"), primary_key=True)
    rule_id: Mapped[str] = mapped_column(String(128), primary_key=True, index=True)
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    hits: Mapped[list[Any]] = mapped_column(default=list)  # [{field, start, end, text}]
    snippet: Mapped[str | None] = mapped_column(Text)
    matched_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Meta(Base):
    """Small key/value facts about the database (rules hash in force, ...)."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class SubscriberState(Base):
    """Delivery state of one subscriber (by email): the digest watermark."""

    __tablename__ = "subscriber_state"

    email: Mapped[str] = mapped_column(String(320), primary_key=True)
    #: highest event id included in a digest the SMTP server accepted
    watermark: Mapped[int] = mapped_column(Integer, default=0)
    last_sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    #: "active", or "rejected" after a permanent SMTP rejection
    status: Mapped[str] = mapped_column(String(16), default="active")
    status_detail: Mapped[str | None] = mapped_column(Text)


class OutboxMessage(Base):
    """One message per (channel, recipient, period): exactly-once delivery bookkeeping."""

    __tablename__ = "outbox"
    __table_args__ = (UniqueConstraint("channel", "recipient", "period_key", name="uq_outbox_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))  # email, webhook
    recipient: Mapped[str] = mapped_column(String(320))  # email address or notifier name
    period_key: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[str | None] = mapped_column(String(255))
    first_event_id: Mapped[int] = mapped_column(Integer, default=0)
    last_event_id: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending, sent, rejected
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[str | None] = mapped_column(Text)  # rendered message, so a retry sends the same bytes
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class Lock(Base):
    """A named lock held by one process (scan of a source), freed when its holder dies."""

    __tablename__ = "locks"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    holder: Mapped[str] = mapped_column(String(255))  # host:pid:purpose
    acquired_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    heartbeat_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
