"""The batch upsert behind :meth:`monitor.store.Store.upsert_many` (see monitor/store.py for the rules).

One chunk of records with distinct keys is handled with one SELECT per (jurisdiction, session) for
the chunk's keys and content hashes, then Core executemany INSERT/UPDATE/DELETE for bills,
children and events: no ORM object is built on this path, which is what makes an unchanged
re-scan cheap (hash the record, compare, write nothing).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from monitor import models
from monitor.errors import StorageError
from monitor.models import utcnow

if TYPE_CHECKING:  # only for hints: importing sources loads every source module
    from monitor.store import Store
    from sources.base import BillRecord

TABLES = models.Base.metadata.tables
BILLS, ACTIONS, SPONSORS = TABLES["bills"], TABLES["actions"], TABLES["sponsors"]
VERSIONS, HEARINGS, EVENTS = TABLES["versions"], TABLES["hearings"], TABLES["events"]
CHILD_TABLES = (ACTIONS, SPONSORS, VERSIONS, HEARINGS)
EVENT_IDENTITY = ["bill_id", "kind", "content_key"]
#: natural-key columns: a value longer than its column is a source bug, never truncated
KEY_LIMITS = (("jurisdiction", 8), ("session", 64), ("identifier", 64))

Key = tuple[str, str, str]
if TYPE_CHECKING:
    #: a stored bill as change detection reads it: (id, identifier, content_hash, title, stage)
    StoredBill = sa.Row[int, str, str, str, str | None]


@dataclass
class UpsertOutcome:
    """What one upsert did to one bill."""

    bill_id: int
    key: Key  # (jurisdiction, session, identifier)
    result: str  # "insert" | "update" | "noop"
    events: list[str] = field(default_factory=list)  # kinds of the events this upsert recorded


@dataclass
class PendingEvent:
    bill_id: int
    kind: str
    data: dict[str, Any]  # JSON-ready: dates already ISO strings
    event_date: dt.date | None
    source: str


class ChunkWriter:
    """Upserts one chunk of records with distinct keys: read what is stored, write what differs."""

    def __init__(self, store: Store, records: list[BillRecord], baseline: bool,
                 scan_run_id: int | None) -> None:
        self.store = store
        self.connection = store.connection()
        self.records = records
        self.baseline = baseline
        self.scan_run_id = scan_run_id
        self.now = utcnow()
        self.today = dt.date.today()

    def write(self) -> list[UpsertOutcome]:
        keys = [checked_key(record) for record in self.records]
        stored = read_stored(self.connection, self.records)
        new: list[tuple[BillRecord, str]] = []
        changed: list[tuple[BillRecord, str, StoredBill]] = []
        results = []
        for record, key in zip(self.records, keys):
            hash_, old = content_hash(record), stored.get(key)
            if old is None:
                new.append((record, hash_))
                results.append("insert")
            elif old.content_hash != hash_:
                changed.append((record, hash_, old))
                results.append("update")
            else:
                results.append("noop")
        ids = {key: row.id for key, row in stored.items()}
        recorded = self._write_changes(new, changed, ids) if new or changed else {}
        return [UpsertOutcome(ids[key], key, result, recorded.get(ids[key], []))
                for key, result in zip(keys, results)]

    def _write_changes(self, new: list[tuple[BillRecord, str]],
                       changed: list[tuple[BillRecord, str, StoredBill]],
                       ids: dict[Key, int]) -> dict[int, list[str]]:
        ids.update(self._insert_bills(new))
        change_events = self._change_events(changed)  # before the old children are replaced
        self._update_bills(changed)
        self._replace_children([(ids[r.key], r) for r, _ in new] + [(s.id, r) for r, _, s in changed],
                               replace=[s.id for _, _, s in changed])
        recorded = self._insert_events(self._new_bill_events(new, ids), check=False)
        recorded.update(self._insert_events(change_events, check=True))
        self.store.expire_bills(s.id for _, _, s in changed)
        return recorded

    def _insert_bills(self, new: list[tuple[BillRecord, str]]) -> dict[Key, int]:
        """Insert new bills; their ids, by key. A plain executemany and a SELECT of the ids beat
        INSERT ... RETURNING: psycopg re-parses every multi-row VALUES statement RETURNING needs."""
        if not new:
            return {}
        rows = [bill_row(r, h, self.now) | {"first_seen": self.now} for r, h in new]
        self.connection.execute(sa.insert(BILLS), rows)
        return {key: row.id for key, row in read_stored(self.connection, [r for r, _ in new]).items()}

    def _update_bills(self, changed: list[tuple[BillRecord, str, StoredBill]]) -> None:
        if changed:
            rows = [bill_row(r, h, self.now) | {"b_id": s.id} for r, h, s in changed]
            self.connection.execute(sa.update(BILLS).where(BILLS.c.id == sa.bindparam("b_id")), rows)

    def _replace_children(self, bills: list[tuple[int, BillRecord]], replace: list[int]) -> None:
        if replace:
            for table in CHILD_TABLES:
                self.connection.execute(sa.delete(table).where(table.c.bill_id.in_(replace)))
        rows: dict[sa.Table, list[dict[str, Any]]] = defaultdict(list)
        for bill_id, record in bills:
            rows[ACTIONS].extend(action_row(bill_id, i, a) for i, a in enumerate(record.actions))
            rows[SPONSORS].extend(sponsor_row(bill_id, i, s) for i, s in enumerate(record.sponsors))
            rows[VERSIONS].extend(version_row(bill_id, i, v) for i, v in enumerate(record.versions))
            rows[HEARINGS].extend(hearing_row(bill_id, h) for h in record.hearings if h.date)
        for table, table_rows in rows.items():
            if table_rows:
                self.connection.execute(sa.insert(table), table_rows)

    # -- events -----------------------------------------------------------------------------------

    def _new_bill_events(self, new: list[tuple[BillRecord, str]], ids: dict[Key, int]) -> list[PendingEvent]:
        events = []
        for record, _ in new:
            bill_id = ids[record.key]
            data = {"title": record.title, "stage": record.stage}
            events.append(PendingEvent(bill_id, "new_bill", data, introduced_on(record), record.source))
            events.extend(self._hearing_events(bill_id, record, already=set()))
        return events

    def _change_events(self, changed: list[tuple[BillRecord, str, StoredBill]]) -> list[PendingEvent]:
        if not changed:
            return []
        before = read_children(self.connection, [s.id for _, _, s in changed])
        events: list[PendingEvent] = []
        for record, _, stored in changed:
            old, source = before[stored.id], record.source
            if record.stage is not None and record.stage != stored.stage:
                data = {"from": stored.stage, "to": record.stage}
                when = record.status_date or record.last_action_date
                events.append(PendingEvent(stored.id, "stage_changed", data, when, source))
            if record.title != stored.title:
                data = {"from": stored.title, "to": record.title}
                events.append(PendingEvent(stored.id, "title_changed", data, None, source))
            for action in record.actions:
                row = action_row(stored.id, 0, action)
                if action_identity(row) not in old.actions:
                    data = {"date": _iso(row["date"]), "description": row["description"], "chamber": row["chamber"]}
                    events.append(PendingEvent(stored.id, "action_added", data, row["date"], source))
            for version in record.versions:
                row = version_row(stored.id, 0, version)
                if version_identity(row) not in old.versions:
                    data = {"date": _iso(row["date"]), "note": row["note"], "url": row["url"]}
                    events.append(PendingEvent(stored.id, "version_added", data, row["date"], source))
            events.extend(self._hearing_events(stored.id, record, already=old.hearings))
        return events

    def _hearing_events(self, bill_id: int, record: BillRecord,
                        already: set[tuple[Any, ...]]) -> Iterator[PendingEvent]:
        """Hearings from today on that were not stored before: past ones are history, not news."""
        for hearing in record.hearings:
            if not hearing.date or hearing.date < self.today:
                continue
            row = hearing_row(bill_id, hearing)
            if hearing_identity(row) not in already:
                data = {k: row[k] for k in ("time", "location", "committee", "description")}
                data["date"] = _iso(hearing.date)
                yield PendingEvent(bill_id, "hearing_scheduled", data, hearing.date, record.source)

    def _insert_events(self, events: list[PendingEvent], check: bool) -> dict[int, list[str]]:
        """Insert the events not recorded yet; returns bill id -> kinds recorded, in order.

        ``check`` reads the bills' recorded events first (``False`` for bills inserted in this
        chunk, which have none). ON CONFLICT DO NOTHING still guards against another process
        recording the same event meanwhile.
        """
        recorded_before = read_event_identities(self.connection, {e.bill_id for e in events}) if check else set()
        rows, seen = [], set()
        for event in events:
            row = event_row(event.bill_id, event.kind, event.data, event.event_date, event.source,
                            self.baseline, self.scan_run_id, self.now)
            identity = (row["bill_id"], row["kind"], row["content_key"])
            if identity not in seen and identity not in recorded_before:
                seen.add(identity)
                rows.append(row)
        if not rows:
            return {}
        self.connection.execute(self.store.insert_ignoring_duplicates(EVENTS, EVENT_IDENTITY), rows)
        recorded: dict[int, list[str]] = defaultdict(list)
        for row in rows:
            recorded[row["bill_id"]].append(row["kind"])
        return recorded


# -- reading what is stored -----------------------------------------------------------------------


@dataclass
class StoredChildren:
    """A bill's stored actions, versions and hearings as identity tuples, for the diff."""

    actions: set[tuple[Any, ...]] = field(default_factory=set)
    versions: set[tuple[Any, ...]] = field(default_factory=set)
    hearings: set[tuple[Any, ...]] = field(default_factory=set)


_STORED_QUERY = sa.select(
    BILLS.c.id, BILLS.c.identifier, BILLS.c.content_hash, BILLS.c.title, BILLS.c.stage
).where(
    BILLS.c.jurisdiction == sa.bindparam("jurisdiction"),
    BILLS.c.session == sa.bindparam("session"),
    BILLS.c.identifier.in_(sa.bindparam("identifiers", expanding=True)),
)


def read_stored(connection: sa.Connection, records: list[BillRecord]) -> dict[Key, StoredBill]:
    """(id, identifier, content_hash, title, stage) of the records' stored bills, by key; one
    query per (jurisdiction, session), which the uq_bill_key index answers."""
    by_session: dict[tuple[str, str], list[str]] = defaultdict(list)
    for record in records:
        by_session[(record.jurisdiction, record.session)].append(record.identifier)
    stored: dict[Key, StoredBill] = {}
    for (jurisdiction, session), identifiers in by_session.items():
        params = {"jurisdiction": jurisdiction, "session": session, "identifiers": identifiers}
        for row in connection.execute(_STORED_QUERY, params):
            stored[(jurisdiction, session, row.identifier)] = row
    return stored


def read_event_identities(connection: sa.Connection, bill_ids: set[int]) -> set[tuple[int, str, str]]:
    """(bill_id, kind, content_key) of every event recorded for ``bill_ids``."""
    if not bill_ids:
        return set()
    query = sa.select(EVENTS.c.bill_id, EVENTS.c.kind, EVENTS.c.content_key).where(
        EVENTS.c.bill_id.in_(sorted(bill_ids)))
    return {(row.bill_id, row.kind, row.content_key) for row in connection.execute(query)}


def read_children(connection: sa.Connection, bill_ids: list[int]) -> dict[int, StoredChildren]:
    children: dict[int, StoredChildren] = defaultdict(StoredChildren)
    queries = (("actions", ACTIONS, action_identity), ("versions", VERSIONS, version_identity),
               ("hearings", HEARINGS, hearing_identity))
    for attribute, table, identity in queries:
        for row in connection.execute(sa.select(table).where(table.c.bill_id.in_(bill_ids))):
            getattr(children[row.bill_id], attribute).add(identity(row._mapping))
    return children


# -- rows -----------------------------------------------------------------------------------------


def bill_row(record: BillRecord, hash_: str, now: dt.datetime) -> dict[str, Any]:
    return {
        "jurisdiction": record.jurisdiction, "session": record.session,
        "identifier": record.identifier, "title": record.title or "", "summary": record.summary,
        "subjects": list(record.subjects or ()), "stage": record.stage, "status": record.status,
        "status_date": record.status_date, "last_action": record.last_action,
        "last_action_date": record.last_action_date, "url": record.url, "source": record.source,
        "source_url": record.source_url, "extras": plain_json(record.extras or {}),
        "content_hash": hash_, "updated_at": now,
    }


def action_row(bill_id: int, position: int, action: Any) -> dict[str, Any]:
    return {"bill_id": bill_id, "position": position, "date": action.date,
            "description": action.description or "", "chamber": fit(action.chamber, 32),
            "classification": list(action.classification or ())}


def sponsor_row(bill_id: int, position: int, sponsor: Any) -> dict[str, Any]:
    return {"bill_id": bill_id, "position": position, "name": sponsor.name or "",
            "role": fit(sponsor.role, 32) or "generic", "party": fit(sponsor.party, 64)}


def version_row(bill_id: int, position: int, version: Any) -> dict[str, Any]:
    return {"bill_id": bill_id, "position": position, "date": version.date,
            "note": version.note or "", "url": version.url}


def hearing_row(bill_id: int, hearing: Any) -> dict[str, Any]:
    return {"bill_id": bill_id, "date": hearing.date, "time": fit(hearing.time, 32),
            "location": hearing.location, "committee": hearing.committee,
            "description": hearing.description}


def action_identity(row: Any) -> tuple[Any, ...]:
    return (row["date"], row["description"], row["chamber"])


def version_identity(row: Any) -> tuple[Any, ...]:
    return (row["date"], row["note"], row["url"])


def hearing_identity(row: Any) -> tuple[Any, ...]:
    return (row["date"], row["time"], row["location"], row["committee"], row["description"])


def event_row(bill_id: int, kind: str, data: dict[str, Any], event_date: dt.date | None,
              source: str, baseline: bool, scan_run_id: int | None, now: dt.datetime) -> dict[str, Any]:
    return {"bill_id": bill_id, "kind": kind, "content_key": content_key(data), "data": data,
            "event_date": event_date, "recorded_at": now, "source": source,
            "baseline": baseline, "scan_run_id": scan_run_id}


# -- hashing and small helpers --------------------------------------------------------------------


def json_default(value: Any) -> Any:
    """JSON for the values records may carry besides JSON's own: dates as ISO strings."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    raise TypeError(f"cannot store a {type(value).__name__} in a bill record")


# one encoder, built once: json.dumps with options would build one per call
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=json_default,
                              check_circular=False)


def content_hash(record: BillRecord) -> str:
    """sha1 of the normalized record without ``source`` and ``source_url``: equal hash, no change."""
    content = (
        record.jurisdiction, record.session, record.identifier, record.title, record.summary,
        record.subjects, record.stage, record.status, record.status_date, record.last_action,
        record.last_action_date, record.url, record.extras,
        [(a.date, a.description, a.chamber, a.classification) for a in record.actions],
        [(s.name, s.role, s.party) for s in record.sponsors],
        [(v.date, v.note, v.url) for v in record.versions],
        [(h.date, h.time, h.location, h.committee, h.description) for h in record.hearings],
    )
    return hashlib.sha1(_CANONICAL.encode(content).encode()).hexdigest()


def content_key(content: dict[str, Any]) -> str:
    """sha1 of an event's content: the event's identity for its bill and kind."""
    return hashlib.sha1(_CANONICAL.encode(content).encode()).hexdigest()


_PLAIN = (str, int, float, bool, type(None))


def plain_json(value: dict[str, Any]) -> dict[str, Any]:
    """``value`` ready for a JSON column (dates as ISO strings); flat plain dicts pass untouched."""
    if all(type(v) in _PLAIN for v in value.values()):
        return value
    return jsonable(value)


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def fit(value: str | None, length: int) -> str | None:
    """Short descriptive fields (chamber, role, party, time) cut to their column's length."""
    return value[:length] if value and len(value) > length else value


def checked_key(record: BillRecord) -> Key:
    """The record's natural key, after checking it fits the columns (PostgreSQL would refuse
    the whole batch; SQLite would silently store it)."""
    for name, limit in KEY_LIMITS:
        value = getattr(record, name)
        if not value or len(value) > limit:
            problem = "is empty" if not value else f"is longer than {limit} characters"
            raise StorageError(
                f"bill {record.key} from source {record.source!r}: {name} {problem}",
                hint="the source produced a malformed record; report it with the source's name")
    if not record.source or len(record.source) > 64:
        raise StorageError(f"bill {record.key}: source name {record.source!r} is empty or too long",
                           hint="give the source a name of at most 64 characters in the config")
    return (record.jurisdiction, record.session, record.identifier)


def introduced_on(record: BillRecord) -> dt.date | None:
    """When the bill appeared, per the source: its first action, else the date of an early status."""
    dates = [a.date for a in record.actions if a.date]
    if dates:
        return min(dates)
    if record.stage in (None, "prefiled", "introduced"):
        return record.status_date
    return None


def chunks(records: Iterable[BillRecord], size: int) -> Iterator[list[BillRecord]]:
    """Chunks of at most ``size`` records with distinct keys (a repeated key starts a new chunk,
    so it is compared with what the earlier record stored)."""
    chunk: list[BillRecord] = []
    keys: set[Key] = set()
    for record in records:
        key = record.key
        if len(chunk) >= size or key in keys:
            yield chunk
            chunk, keys = [], set()
        chunk.append(record)
        keys.add(key)
    if chunk:
        yield chunk
