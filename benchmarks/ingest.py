"""Ingest benchmark: real LegiScan bills through Store.upsert_many, first load and unchanged re-scan.

Data: LegiScan (https://legiscan.com), CC BY 4.0, LegiScan LLC:
- /work/shared/corpus/legiscan_bills_12_states.csv.gz: 274,463 bills (LegiScan bills.csv columns,
  with source_repo, state, session_name prepended), mapped by sources.legiscan_dataset.bill_from_csv_row;
- /work/shared/corpus/legiscan-csv-datasets/*.zip: whole dataset archives (CO, MD, OR 2025), read
  with their history, sponsors and documents by sources.legiscan_dataset.read_archive.

Runs, on a fresh SQLite file (and with --pg URL or $BILLWATCH_TEST_PG_URL on PostgreSQL, each in
a throw-away schema):
1. the 12-state corpus: first load, then the same records again (nothing changed: nothing written);
2. the archives onto that database: their bills are already known from the corpus, so this is
   the update path (every bill gains its history: one action_added event per action);
3. the archives into an empty database: first load with children, then unchanged re-scan.
Records go in batches of --batch, committed per batch, as `billwatch scan` does. "store" rates
count only upsert_many + commit; "cpu" is bills per CPU-second of this process (the machine may
be shared: compare it with wall time); "end to end" includes reading and mapping the CSV. Peak
memory is the process's maximum resident set (ru_maxrss).

    .venv/bin/python benchmarks/ingest.py [--limit N] [--batch 500] [--pg URL] [--keep DB_PATH]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import os
import platform
import resource
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor.db import Database, open_database
from monitor.store import Store
from sources.base import BillRecord
from sources.legiscan_dataset import bill_from_csv_row, read_archive

CORPUS = Path("/work/shared/corpus")
BILLS_CSV = CORPUS / "legiscan_bills_12_states.csv.gz"
ARCHIVES = CORPUS / "legiscan-csv-datasets"
CREDIT = "Bill data: LegiScan (legiscan.com), CC BY 4.0, LegiScan LLC."

Fresh = Callable[[], AbstractContextManager[Database]]


@dataclass
class Pass:
    """One pass of a data set through the store, with its timings and counts."""

    name: str
    bills: int = 0
    store_seconds: float = 0.0
    cpu_seconds: float = 0.0
    total_seconds: float = 0.0
    results: dict[str, int] = field(default_factory=lambda: {"insert": 0, "update": 0, "noop": 0})
    events: int = 0
    actions: int = 0

    def line(self) -> str:
        def rate(seconds: float) -> float:
            return self.bills / seconds if seconds else 0.0

        counts = ", ".join(f"{k} {v:,}" for k, v in self.results.items())
        actions = f", {self.actions:,} actions" if self.actions else ""
        return (f"  {self.name:<44} {self.bills:>8,} bills  store {rate(self.store_seconds):>7,.0f}/s "
                f"({self.store_seconds:5.1f} s)  cpu {rate(self.cpu_seconds):>7,.0f}/s  "
                f"end to end {rate(self.total_seconds):>7,.0f}/s  [{counts}; {self.events:,} events{actions}]")


def corpus_records(limit: int | None) -> Iterator[BillRecord]:
    """Bills of the 12-state corpus, mapped by the LegiScan dataset module."""
    with gzip.open(BILLS_CSV, "rt", encoding="utf-8", newline="") as handle:
        for row in islice(csv.DictReader(handle), limit):
            yield bill_from_csv_row(row)


def archive_records(limit: int | None) -> Iterator[BillRecord]:
    """Bills of every dataset archive, with their history, sponsors and documents."""
    return islice((r for path in sorted(ARCHIVES.glob("*.zip")) for r in read_archive(path)), limit)


def run_pass(database: Database, name: str, records: Iterable[BillRecord], batch: int) -> Pass:
    """Upsert ``records`` in batches, committing each, and time it."""
    result = Pass(name)
    started = time.perf_counter()
    iterator = iter(records)
    with database.session() as session:
        store = Store(session)
        while chunk := list(islice(iterator, batch)):
            wall, cpu = time.perf_counter(), time.process_time()
            outcomes = store.upsert_many(chunk)
            session.commit()
            result.store_seconds += time.perf_counter() - wall
            result.cpu_seconds += time.process_time() - cpu
            result.bills += len(chunk)
            result.actions += sum(len(r.actions) for r in chunk)
            for outcome in outcomes:
                result.results[outcome.result] += 1
                result.events += len(outcome.events)
    result.total_seconds = time.perf_counter() - started
    print(result.line(), flush=True)
    return result


def bench(label: str, fresh: Fresh, args: argparse.Namespace) -> None:
    def corpus() -> Iterable[BillRecord]:
        return corpus_records(args.limit)

    def archives() -> Iterable[BillRecord]:
        return archive_records(args.limit)

    with fresh() as database:
        print(f"{label}: {database.url}  (load average {load()})")
        run_pass(database, "corpus: first load", corpus(), args.batch)
        run_pass(database, "corpus: unchanged re-scan", corpus(), args.batch)
        run_pass(database, "archives onto the corpus (update: history)", archives(), args.batch)
        run_pass(database, "archives onto the corpus: unchanged re-scan", archives(), args.batch)
        print("  " + row_counts(database))
        if database.dialect == "sqlite":
            path = Path(database.engine.url.database or "")
            print(f"  database file: {path.stat().st_size / 1e6:,.0f} MB")
    with fresh() as database:
        run_pass(database, "archives into an empty database: first load", archives(), args.batch)
        run_pass(database, "archives: unchanged re-scan", archives(), args.batch)
        print("  " + row_counts(database))
    print(f"  peak memory so far: {peak_memory_mb():,.0f} MB  (load average {load()})")


def row_counts(database: Database) -> str:
    with database.engine.connect() as connection:
        counts = {t: connection.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()
                  for t in ("bills", "actions", "sponsors", "versions", "events")}
    return "rows: " + ", ".join(f"{t} {n:,}" for t, n in counts.items())


def peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def sqlite_databases(keep: str | None) -> Fresh:
    """Fresh SQLite files in a temporary folder (the first one at ``keep`` if given)."""
    folder = Path(tempfile.gettempdir()) / f"billwatch-bench-{os.getpid()}"
    made: list[Path] = []

    @contextmanager
    def fresh() -> Iterator[Database]:
        folder.mkdir(exist_ok=True)
        path = Path(keep) if keep and not made else folder / f"bench{len(made)}.db"
        if path.exists():
            sys.exit(f"{path} exists: the benchmark needs a fresh database")
        made.append(path)
        database = open_database(f"sqlite:///{path}")
        try:
            yield database
        finally:
            database.dispose()
            if path.parent == folder:
                for leftover in folder.glob(path.name + "*"):
                    leftover.unlink()
                if not any(folder.iterdir()):
                    folder.rmdir()

    return fresh


def postgres_databases(url: str) -> Fresh:
    """Fresh PostgreSQL schemas, created for one pass and dropped after it."""

    @contextmanager
    def fresh() -> Iterator[Database]:
        schema = f"bench_{uuid.uuid4().hex[:12]}"
        base = open_database(url, upgrade=False)
        with base.engine.begin() as connection:
            connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
        scoped = base.engine.url.update_query_dict({"options": f"-csearch_path={schema}"})
        database = open_database(scoped.render_as_string(hide_password=False))
        try:
            yield database
        finally:
            database.dispose()
            with base.engine.begin() as connection:
                connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
            base.dispose()

    return fresh


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="at most N bills per data set")
    parser.add_argument("--batch", type=int, default=500, help="records per upsert_many + commit")
    parser.add_argument("--pg", default=os.environ.get("BILLWATCH_TEST_PG_URL"),
                        help="PostgreSQL URL (default $BILLWATCH_TEST_PG_URL); runs in temporary schemas")
    parser.add_argument("--no-sqlite", action="store_true", help="only PostgreSQL")
    parser.add_argument("--keep", metavar="DB_PATH", help="write the corpus SQLite database here and keep it")
    args = parser.parse_args()
    print(CREDIT)
    print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, SQLite "
          f"{sqlite3.sqlite_version}, SQLAlchemy {sa.__version__}; batch {args.batch}")
    if not args.no_sqlite:
        bench("SQLite", sqlite_databases(args.keep), args)
    if args.pg:
        bench("PostgreSQL", postgres_databases(args.pg), args)
    print(f"peak memory (max RSS): {peak_memory_mb():,.0f} MB")
    print(CREDIT)


if __name__ == "__main__":
    main()
