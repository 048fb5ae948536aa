"""The scan pipeline: source -> BillRecords -> store.upsert -> events -> rule matches.

Each source is scanned on its own: one failing never stops the others, and its failure is recorded
in its state. Bills are written in batches, each batch committed together with the source's cursor
and its rule matches, so an interrupted scan leaves a consistent database and resumes where the
cursor says. Every path that stores bills (scan, `billwatch import`, the demo) goes through
:func:`ingest`.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from itertools import islice
from typing import Any

from monitor.config import Config
from monitor.db import Database
from monitor.errors import BillwatchError, ParseError
from monitor.http import HttpClient, MemoryValidators, redact
from monitor.models import ScanRun, SourceState, utcnow
from monitor.store import Store
from sources.base import BillRecord, Source, SourceOptions, source_class

log = logging.getLogger("billwatch.scan")

BATCH_SIZE = 500
Progress = Callable[[str, int], None]


@dataclass
class SourceReport:
    """What one source's scan read and changed (the `scan --json` shape)."""

    name: str
    type: str
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    events: int = 0
    requests: int = 0
    matched: int = 0
    baseline: bool = False
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ScanReport:
    sources: list[SourceReport] = field(default_factory=list)
    dry_run: bool = False

    @property
    def failed(self) -> list[SourceReport]:
        return [s for s in self.sources if s.error]

    def to_dict(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, "sources": [s.to_dict() for s in self.sources]}


class Ingest:
    """Writes records of one source in batches: upsert, events, rule matches, cursor, commit."""

    def __init__(self, database: Database, report: SourceReport, *, ruleset: Any = None,
                 dry_run: bool = False, progress: Progress | None = None) -> None:
        self.database = database
        self.report = report
        self.ruleset = ruleset
        self.dry_run = dry_run
        self.progress = progress
        self.session = database.session()
        self.store = Store(self.session)
        self.state: SourceState = self.store.source_state(report.name, report.type)
        self.report.baseline = not self.state.baseline_done
        self.run: ScanRun | None = None
        self._accounted = 0  # requests already added to the month's quota count
        if not dry_run:
            self.run = ScanRun(source=report.name)
            self.session.add(self.run)
            self.session.commit()

    def write(self, records: Iterable[BillRecord], cursor: Callable[[], dict[str, Any]] | None = None,
              requests: Callable[[], int] | None = None) -> None:
        """Upsert ``records`` batch by batch; ``cursor()`` is saved with each batch."""
        iterator = self._ticking(records) if self.progress else iter(records)
        while batch := list(islice(iterator, BATCH_SIZE)):
            self._write_batch(batch, cursor, requests)
        self._account(requests)  # a scan that read nothing still spent requests (LegiScan's master list)

    def _ticking(self, records: Iterable[BillRecord]) -> Iterator[BillRecord]:
        """Report each record as it arrives (a batch can take minutes on a rate-limited API)."""
        for read, record in enumerate(records, start=1):
            self.progress(self.report.name, read)  # type: ignore[misc]
            yield record

    def _write_batch(self, batch: list[BillRecord], cursor: Callable[[], dict[str, Any]] | None,
                     requests: Callable[[], int] | None) -> None:
        run_id = self.run.id if self.run else None
        outcomes = self.store.upsert_many(batch, baseline=self.report.baseline, scan_run_id=run_id)
        changed = [o.bill_id for o in outcomes if o.result != "noop"]
        for outcome in outcomes:
            setattr(self.report, _COUNTER[outcome.result], getattr(self.report, _COUNTER[outcome.result]) + 1)
            self.report.events += len(outcome.events)
        self.report.read += len(batch)
        if self.ruleset is not None and changed:
            from rules.integration import match_bills

            summary = match_bills(self.session, self.ruleset, changed, scan_run_id=run_id, source=self.report.name)
            self.report.matched += getattr(summary, "matched", 0)
        if cursor is not None:
            self.state.cursor = copy.deepcopy(cursor())
        self._account(requests)
        if not self.dry_run:
            self.session.commit()
        if self.progress:
            self.progress(self.report.name, self.report.read)

    def _account(self, requests: Callable[[], int] | None) -> None:
        used = requests() if requests else 0
        self.report.requests = used
        month = utcnow().strftime("%Y-%m")
        if self.state.quota_month != month:
            self.state.quota_month, self.state.quota_used = month, 0
        self.state.quota_used += used - self._accounted
        self._accounted = used

    def succeed(self) -> None:
        now = utcnow()
        self.state.last_attempt = now
        self.state.last_success = now
        self.state.consecutive_failures = 0
        self.state.baseline_done = True
        self._finish("ok")

    def fail(self, message: str, requests: Callable[[], int] | None = None) -> None:
        self.session.rollback()
        self.report.error = message
        self.state = self.store.source_state(self.report.name, self.report.type)
        self._account(requests)
        now = utcnow()
        self.state.last_attempt = now
        self.state.last_error = message
        self.state.last_error_at = now
        self.state.consecutive_failures += 1
        self._finish("failed")

    def _finish(self, status: str) -> None:
        if self.dry_run:
            self.session.rollback()
        else:
            if self.run is not None:
                run = self.session.merge(self.run)
                run.status, run.finished_at, run.error = status, utcnow(), self.report.error
                for key in ("read", "inserted", "updated", "unchanged", "events", "requests"):
                    setattr(run, key, getattr(self.report, key))
            self.session.commit()
        self.session.close()


_COUNTER = {"insert": "inserted", "update": "updated", "noop": "unchanged"}


def build_source(options: SourceOptions, http: HttpClient, cursor: dict[str, Any]) -> Source:
    cls = source_class(options.type)
    source_http = http.for_source(options.name, cls.secrets(options), cls.request_interval(options),
                                  respects_robots=cls.respects_robots)
    return cls(options, source_http, cursor)


def scan_source(config: Config, database: Database, options: SourceOptions, http: HttpClient, *,
                since: dt.date | None = None, dry_run: bool = False, ruleset: Any = None,
                progress: Progress | None = None, lock_wait: float | None = None) -> SourceReport:
    """Scan one source holding its lock ``scan:<name>`` (another process scanning it: an error
    "locked by ..." after ``lock_wait`` seconds, default $BILLWATCH_LOCK_WAIT or 30)."""
    from monitor.errors import LockHeldError
    from monitor.locks import scan_lock

    try:
        with scan_lock(database, options.name, wait=lock_wait):
            return _scan_source(config, database, options, http, since=since, dry_run=dry_run,
                                ruleset=ruleset, progress=progress)
    except LockHeldError as exc:  # not the source's failure: its health is left as it was
        return SourceReport(name=options.name, type=options.type, error=f"[{options.name}] {exc}")


def _scan_source(config: Config, database: Database, options: SourceOptions, http: HttpClient, *,
                 since: dt.date | None = None, dry_run: bool = False, ruleset: Any = None,
                 progress: Progress | None = None) -> SourceReport:
    """Scan one source; never raises for the source's own failures (they are in the report)."""
    report = SourceReport(name=options.name, type=options.type)
    ingest_ = Ingest(database, report, ruleset=ruleset, dry_run=dry_run, progress=progress)
    source = build_source(options, http, copy.deepcopy(ingest_.state.cursor or {}))
    if ingest_.state.quota_month == utcnow().strftime("%Y-%m"):
        source.quota_used_this_month = ingest_.state.quota_used
    secrets = config.secrets()
    try:
        ingest_.write(source.fetch(since=since), cursor=lambda: source.cursor,
                      requests=lambda: source.http.requests)
        _check_not_silent(source, report, had_cursor=bool(ingest_.state.cursor))
    except BillwatchError as exc:
        ingest_.fail(redact(str(exc), secrets), requests=lambda: source.http.requests)
    except Exception as exc:  # a parser bug must not stop the other sources
        log.debug("source %s crashed", options.name, exc_info=True)
        message = f"[{options.name}] unexpected {type(exc).__name__}: {exc} (hint: run with -v and report it)"
        ingest_.fail(redact(message, secrets), requests=lambda: source.http.requests)
    else:
        report.warnings = list(source.warnings)
        report.note = source.nothing_new_reason
        # every record is stored: the cursor may also carry bookkeeping made after the last batch
        ingest_.state.cursor = copy.deepcopy(source.cursor)
        ingest_.succeed()
    return report


def _check_not_silent(source: Source, report: SourceReport, had_cursor: bool) -> None:
    """A source that read nothing must say why; otherwise its site has probably changed."""
    if report.read or source.nothing_new_reason:
        return
    if had_cursor:  # incremental sources: nothing changed since the cursor
        source.nothing_new_reason = "no changes since the last scan"
        return
    raise ParseError(
        "the source returned no bills on its first scan",
        hint="check the source's session/jurisdiction settings; if the site changed, the parser needs an update",
        source=source.name,
    )


def scan(config: Config, database: Database, *, names: Iterable[str] | None = None,
         since: dt.date | None = None, dry_run: bool = False, http: HttpClient | None = None,
         progress: Progress | None = None, should_stop: Callable[[], bool] | None = None,
         ruleset: Any = None) -> ScanReport:
    """Scan the enabled sources (or the named ones) one after another (``ruleset``: the rules
    already loaded by `billwatch run`; default: load the config's rule files)."""
    selected = [config.source(n) for n in names] if names else [s for s in config.sources if s.enabled]
    if ruleset is None:
        ruleset = load_rules(config, database, dry_run=dry_run)
    own_client = http is None
    if http is None:
        validators = MemoryValidators() if dry_run else DbValidatorsFactory(database)
        http = HttpClient(config.http, validators)
    report = ScanReport(dry_run=dry_run)
    try:
        for options in selected:
            if should_stop and should_stop():
                log.info("stop requested: not scanning %s", options.name)
                break
            report.sources.append(
                scan_source(config, database, options, http, since=since, dry_run=dry_run,
                            ruleset=ruleset, progress=progress)
            )
    finally:
        if own_client:
            http.close()
    return report


def load_rules(config: Config, database: Database, *, dry_run: bool = False) -> Any:
    """The rule set in force (None without rule files); re-matches stored bills if rules changed."""
    if not config.rules:
        return None
    from notifiers.selection import check_follows
    from rules.integration import load_ruleset, rematch_if_changed

    ruleset = load_ruleset(config.rules)
    check_follows(config, ruleset)
    if not dry_run:
        with database.session() as session:
            rematch_if_changed(session, ruleset)
            session.commit()
    return ruleset


class DbValidatorsFactory:
    """Conditional-GET validators in the database, each call in its own short transaction."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def get_validators(self, url: str) -> tuple[str | None, str | None] | None:
        with self.database.session() as session:
            return Store(session).validators().get_validators(url)

    def put_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        with self.database.session() as session:
            Store(session).validators().put_validators(url, etag, last_modified)
            session.commit()


def ingest(database: Database, records: Iterator[BillRecord] | Iterable[BillRecord], *, name: str,
           type: str, ruleset: Any = None, progress: Progress | None = None) -> SourceReport:
    """Store records that did not come from a scan (`billwatch import`, the demo)."""
    report = SourceReport(name=name, type=type)
    writer = Ingest(database, report, ruleset=ruleset, progress=progress)
    try:
        writer.write(records)
    except BillwatchError as exc:
        writer.fail(str(exc))
    else:
        writer.succeed()
    return report
