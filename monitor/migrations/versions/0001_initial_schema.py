"""Initial schema: every table of monitor/models.py.

Revision ID: 0001
Revises:
Create Date: 2026-11-22

Written from `alembic revision --autogenerate` output and checked by hand; runs on SQLite and
PostgreSQL. tests/test_db.py asserts that the migrated schema equals the models (no autogenerate
diff) on both.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _bill_fk(table: str) -> list[sa.SchemaItem]:
    """The bill_id column of a bill's child table, with its named foreign key."""
    return [
        sa.Column("bill_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bill_id"], ["bills.id"], name=f"fk_{table}_bill_id_bills", ondelete="CASCADE"
        ),
    ]


def upgrade() -> None:
    _bills_and_children()
    _state_tables()
    _delivery_tables()


def _bills_and_children() -> None:
    op.create_table(
        "bills",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction", sa.String(8), nullable=False),
        sa.Column("session", sa.String(64), nullable=False),
        sa.Column("identifier", sa.String(64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("subjects", sa.JSON(), nullable=False),
        sa.Column("stage", sa.String(32), nullable=True),
        sa.Column("status", sa.Text(), nullable=True),
        sa.Column("status_date", sa.Date(), nullable=True),
        sa.Column("last_action", sa.Text(), nullable=True),
        sa.Column("last_action_date", sa.Date(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.Column("extras", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(40), nullable=False),
        sa.Column("first_seen", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_bills"),
        sa.UniqueConstraint("jurisdiction", "session", "identifier", name="uq_bill_key"),
    )
    op.create_index("ix_bills_jurisdiction", "bills", ["jurisdiction"])
    op.create_index("ix_bills_updated_at", "bills", ["updated_at"])

    op.create_table(
        "actions",
        sa.Column("id", sa.Integer(), nullable=False),
        *_bill_fk("actions"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("chamber", sa.String(32), nullable=True),
        sa.Column("classification", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_actions"),
    )
    op.create_table(
        "sponsors",
        sa.Column("id", sa.Integer(), nullable=False),
        *_bill_fk("sponsors"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("party", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_sponsors"),
    )
    op.create_table(
        "versions",
        sa.Column("id", sa.Integer(), nullable=False),
        *_bill_fk("versions"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_versions"),
    )
    op.create_table(
        "hearings",
        sa.Column("id", sa.Integer(), nullable=False),
        *_bill_fk("hearings"),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("time", sa.String(32), nullable=True),
        sa.Column("location", sa.Text(), nullable=True),
        sa.Column("committee", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_hearings"),
    )
    for child in ("actions", "sponsors", "versions", "hearings"):
        op.create_index(f"ix_{child}_bill_id", child, ["bill_id"])
    op.create_index("ix_hearings_date", "hearings", ["date"])

    op.create_table(
        "matches",
        *_bill_fk("matches"),
        sa.Column("rule_id", sa.String(128), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("hits", sa.JSON(), nullable=False),
        sa.Column("snippet", sa.Text(), nullable=True),
        sa.Column("matched_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("bill_id", "rule_id", name="pk_matches"),
    )
    op.create_index("ix_matches_rule_id", "matches", ["rule_id"])


def _state_tables() -> None:
    op.create_table(
        "scan_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("read", sa.Integer(), nullable=False),
        sa.Column("inserted", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_scan_runs"),
    )
    op.create_index("ix_scan_runs_source", "scan_runs", ["source"])

    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        *_bill_fk("events"),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("content_key", sa.String(40), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("baseline", sa.Boolean(), nullable=False),
        sa.Column("scan_run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["scan_run_id"], ["scan_runs.id"], name="fk_events_scan_run_id_scan_runs", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
        sa.UniqueConstraint("bill_id", "kind", "content_key", name="uq_event_content"),
    )
    op.create_index("ix_events_bill_id", "events", ["bill_id"])
    op.create_index("ix_events_id_baseline", "events", ["id", "baseline"])
    op.create_index("ix_events_recorded_at", "events", ["recorded_at"])

    op.create_table(
        "source_state",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("last_success", sa.DateTime(), nullable=True),
        sa.Column("last_attempt", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", sa.DateTime(), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("cursor", sa.JSON(), nullable=False),
        sa.Column("quota_month", sa.String(7), nullable=True),
        sa.Column("quota_used", sa.Integer(), nullable=False),
        sa.Column("baseline_done", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_source_state"),
    )
    op.create_table(
        "http_validators",
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("url", name="pk_http_validators"),
    )
    op.create_table(
        "locks",
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("holder", sa.String(255), nullable=False),
        sa.Column("acquired_at", sa.DateTime(), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_locks"),
    )
    op.create_table(
        "meta",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_meta"),
    )


def _delivery_tables() -> None:
    op.create_table(
        "subscriber_state",
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("watermark", sa.Integer(), nullable=False),
        sa.Column("last_sent_at", sa.DateTime(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("email", name="pk_subscriber_state"),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("recipient", sa.String(320), nullable=False),
        sa.Column("period_key", sa.String(64), nullable=False),
        sa.Column("message_id", sa.String(255), nullable=True),
        sa.Column("first_event_id", sa.Integer(), nullable=False),
        sa.Column("last_event_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("payload", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.UniqueConstraint("channel", "recipient", "period_key", name="uq_outbox_period"),
    )


def downgrade() -> None:
    for table in (
        "outbox", "subscriber_state", "meta", "locks", "http_validators", "source_state",
        "events", "scan_runs", "matches", "hearings", "versions", "sponsors", "actions", "bills",
    ):
        op.drop_table(table)
