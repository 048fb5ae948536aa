"""Storing bills: upsert by natural key, change detection, events, source state, HTTP validators.

Every path that stores bills (scan, ``billwatch import``, the demo) goes through
:meth:`Store.upsert_many`. The store never commits: the caller commits, so a batch of bills, their
events and the source's cursor land in one transaction.

How a record is stored (DESIGN.md "Records and identity", "Events"):

- Identity is (jurisdiction, session, identifier). The same bill from two sources is one bill: the
  last source to change it writes every scalar field and is named in ``bills.source``.
- ``content_hash`` is the sha1 of the normalized record without ``source`` and ``source_url``. An
  equal hash is a noop: nothing is written, so an unchanged re-scan (or a second source repeating
  the same facts) costs one SELECT per batch.
- On update the bill's actions, sponsors, versions and hearings are replaced by the record's.
- Events are unique per (bill, kind, content) (constraint ``uq_event_content``, inserted with ON
  CONFLICT DO NOTHING): re-scanning the same data, or a record flip-flopping between two sources,
  never records an event twice.
- A new bill records ``new_bill`` plus ``hearing_scheduled`` for its hearings from today on, not
  one ``action_added`` per historical action: its history is the bill itself, not news. Later
  upserts record ``stage_changed``, ``title_changed``, ``action_added``, ``version_added`` and
  ``hearing_scheduled`` (hearings from today on) by comparing with what was stored.

Performance: records are handled in chunks of :data:`CHUNK` with one SELECT per (jurisdiction,
session) for the chunk's keys and hashes, and Core executemany INSERT/UPDATE/DELETE for bills,
children and events; no ORM object is built on this path (monitor/upsert.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from monitor import models
from monitor.errors import StorageError
from monitor.models import SourceState, utcnow
from monitor.upsert import (
    EVENT_IDENTITY,
    EVENTS,
    ChunkWriter,
    UpsertOutcome,
    chunks,
    content_hash,
    content_key,
    event_row,
    jsonable,
)

if TYPE_CHECKING:  # only for hints: importing sources loads every source module
    from sources.base import BillRecord

log = logging.getLogger("billwatch.store")

#: records per round trip; bigger chunks amortise the statements, smaller ones bound memory
CHUNK = 1000
EVENT_KINDS = ("new_bill", "stage_changed", "action_added", "version_added", "hearing_scheduled",
               "title_changed")
VALIDATORS = models.Base.metadata.tables["http_validators"]
#: longest URL kept as is in http_validators.url (String(2048)); longer ones are kept by hash
URL_LIMIT = 2048

__all__ = ["CHUNK", "EVENT_KINDS", "DbValidators", "Store", "UpsertOutcome", "content_hash", "content_key"]


class Store:
    """Bills, events and source state on one ORM session. Never commits."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect.name
        if self.dialect not in ("sqlite", "postgresql"):
            raise StorageError(f"unsupported database dialect {self.dialect!r}",
                               hint="use SQLite or PostgreSQL")

    # -- bills ------------------------------------------------------------------------------------

    def upsert(self, record: BillRecord, *, baseline: bool = False,
               scan_run_id: int | None = None) -> UpsertOutcome:
        """Insert or update one bill (see :meth:`upsert_many`)."""
        return self.upsert_many([record], baseline=baseline, scan_run_id=scan_run_id)[0]

    def upsert_many(self, records: Sequence[BillRecord], *, baseline: bool = False,
                    scan_run_id: int | None = None) -> list[UpsertOutcome]:
        """Insert new bills, update changed ones, skip unchanged ones; record their events.

        Returns one outcome per record, in order. ``baseline`` marks every event recorded (a
        source's first scan); ``scan_run_id`` links them to the scan. A key repeated within
        ``records`` is stored in order, as separate upserts would.
        """
        self.session.flush()  # pending ORM rows (the scan run the events point at) go first
        outcomes: list[UpsertOutcome] = []
        for chunk in chunks(records, CHUNK):
            outcomes.extend(ChunkWriter(self, chunk, baseline, scan_run_id).write())
        return outcomes

    def record_event(self, bill_id: int, kind: str, content: dict[str, Any], *, source: str,
                     event_date: dt.date | None = None, baseline: bool = False,
                     scan_run_id: int | None = None) -> bool:
        """Record an event unless the same (bill, kind, content) exists; True if it is new."""
        data = jsonable(content)
        row = event_row(bill_id, kind, data, event_date, source, baseline, scan_run_id, utcnow())
        statement = self.insert_ignoring_duplicates(EVENTS, EVENT_IDENTITY)
        result = self.connection().execute(statement.returning(EVENTS.c.id), [row])
        return result.first() is not None

    # -- source state and validators --------------------------------------------------------------

    def source_state(self, name: str, type: str) -> SourceState:
        """The state row of the configured source ``name``, created on first use.

        If the source's type changed in the config, its cursor (meaningful only to the old type)
        is cleared and its next scan is a baseline again.
        """
        state = self.session.get(SourceState, name)
        if state is None:
            state = SourceState(name=name, type=type, cursor={}, consecutive_failures=0,
                                quota_used=0, baseline_done=False)
            self.session.add(state)
            self.session.flush()
        elif state.type != type:
            log.warning("source %s changed type %s -> %s: cursor cleared, next scan is a baseline",
                        name, state.type, type)
            state.type, state.cursor, state.baseline_done = type, {}, False
        return state

    def validators(self) -> DbValidators:
        """Conditional-GET validators kept in the http_validators table (monitor.http.ValidatorStore)."""
        return DbValidators(self)

    # -- helpers shared with the chunk writer -----------------------------------------------------

    def expire_bills(self, bill_ids: Iterable[int]) -> None:
        """Make Bill objects this session already holds reload: Core wrote past the ORM."""
        for bill_id in bill_ids:
            bill = self.session.identity_map.get(identity_key(models.Bill, bill_id))
            if bill is not None:
                self.session.expire(bill)

    def connection(self) -> sa.Connection:
        return self.session.connection()

    def insert_ignoring_duplicates(self, table: sa.Table, conflict_columns: list[str]) -> Any:
        """INSERT ... ON CONFLICT (columns) DO NOTHING for this dialect."""
        return self._dialect_insert(table).on_conflict_do_nothing(index_elements=conflict_columns)

    def insert_or_replace(self, table: sa.Table, conflict_columns: list[str], columns: list[str]) -> Any:
        """INSERT ... ON CONFLICT (columns) DO UPDATE SET the given columns, for this dialect."""
        statement = self._dialect_insert(table)
        return statement.on_conflict_do_update(
            index_elements=conflict_columns, set_={c: statement.excluded[c] for c in columns}
        )

    def _dialect_insert(self, table: sa.Table) -> Any:
        from sqlalchemy.dialects import postgresql, sqlite

        return (sqlite if self.dialect == "sqlite" else postgresql).insert(table)


class DbValidators:
    """ETag / Last-Modified per URL in the http_validators table; implements ValidatorStore.

    Writes go into the caller's transaction: validators are committed with the data they
    describe, so a rolled-back scan never leaves a validator that would hide unstored data
    behind a 304.
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    def get_validators(self, url: str) -> tuple[str | None, str | None] | None:
        query = sa.select(VALIDATORS.c.etag, VALIDATORS.c.last_modified).where(
            VALIDATORS.c.url == _validator_key(url))
        row = self.store.connection().execute(query).first()
        return (row.etag, row.last_modified) if row else None

    def put_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        statement = self.store.insert_or_replace(
            VALIDATORS, ["url"], ["etag", "last_modified", "updated_at"])
        self.store.connection().execute(statement, [
            {"url": _validator_key(url), "etag": etag, "last_modified": last_modified,
             "updated_at": utcnow()}])


def _validator_key(url: str) -> str:
    """URLs longer than the column are kept under their sha1 (still one row per URL)."""
    return url if len(url) <= URL_LIMIT else "sha1:" + hashlib.sha1(url.encode()).hexdigest()


