"""Digest benchmark: N subscribers x M entries, built, rendered and sent over one SMTP connection.

Data: real bill titles and actions from LegiScan (https://legiscan.com), CC BY 4.0, LegiScan LLC:
/work/shared/corpus/legiscan_bills_12_states.csv.gz, mapped by sources.legiscan_dataset. Each
state's first M bills get sponsors and an upcoming hearing and match one or two rules; every
subscriber follows one state, so each digest holds M entries (and credits LegiScan).

The SMTP server is aiosmtpd's Sink handler in its own process on 127.0.0.1 (it reads and drops
every message), so the sender is measured alone. The headline run is ``billwatch digest --send``'s
own code (``send_digests``): compose each subscriber's digest (queries, Jinja2, CSS inlining,
MIME) and commit it to the outbox while a sending thread sends the committed ones over ONE
connection, committing each as it is accepted. A second run on the same data (outbox emptied)
does the two phases one after the other, to show what each costs.

    .venv/bin/python benchmarks/digest.py [--subscribers 1000] [--entries 50] [--distinct] [--pg URL]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import itertools
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor.config import Config, ScheduleConfig
from monitor.db import open_database
from monitor.locks import DatabaseLock
from monitor.models import Match, OutboxMessage, SourceState, SubscriberState
from monitor.store import Store
from notifiers.compose import ALERT, EMAIL, Recipient
from notifiers.config import SmtpConfig, SubscriberConfig
from notifiers.delivery import (
    EMAIL_LOCK,
    DeliveryReport,
    deliver_pending,
    prepare,
    run_context,
    send_digests,
)
from notifiers.selection import RuleInfo
from sources.base import Hearing, SourceOptions, Sponsor
from sources.legiscan_dataset import bill_from_csv_row

BILLS_CSV = Path("/work/shared/corpus/legiscan_bills_12_states.csv.gz")
CATALOG = {
    "interop": RuleInfo("interop", "Interoperability and health information exchange", ("interoperability",), 3.0),
    "privacy": RuleInfo("privacy", "Health data privacy", ("privacy",), 2.0),
}


def bills_by_state(entries: int) -> dict[str, list]:
    """The first ``entries`` bills of each state in the corpus, with sponsors and a hearing."""
    found: dict[str, list] = defaultdict(list)
    today = dt.date.today()
    with gzip.open(BILLS_CSV, "rt", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            state = row["state"]
            if len(found[state]) >= entries:
                continue
            record = bill_from_csv_row(row)
            record.sponsors = [Sponsor("A. Member", "primary", "D"), Sponsor("B. Member", "cosponsor", "R")]
            record.hearings = [Hearing(today + dt.timedelta(days=3), "10:00 AM", "Room 2", "Health")]
            found[state].append(record)
    return {s: bills for s, bills in found.items() if len(bills) == entries}


def load(database, states: dict[str, list]) -> int:
    with database.session() as session:
        store = Store(session)
        ids = [o.bill_id for bills in states.values() for o in store.upsert_many(bills)]
        session.flush()
        session.execute(sa.insert(Match), [
            {"bill_id": b, "rule_id": rule, "weight": CATALOG[rule].weight, "hits": [],
             "snippet": "\u2026a statewide health information exchange and patient privacy\u2026"}
            for b in ids for rule in (("interop", "privacy") if b % 3 == 0 else ("interop",))])
        session.merge(SourceState(name="legiscan", type="legiscan", cursor={}, consecutive_failures=0,
                                  last_success=dt.datetime.now(dt.UTC).replace(tzinfo=None)))
        session.commit()
        return len(ids)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_sink(port: int) -> subprocess.Popen:
    server = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
                               "-c", "aiosmtpd.handlers.Sink"], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the aiosmtpd sink did not start")


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(database, subscribers: int, entries: int, distinct: bool = False) -> None:
    started = time.perf_counter()
    states = bills_by_state(entries)
    if not states:
        raise SystemExit(f"no state in the corpus has {entries} bills")
    bills = load(database, states)
    print(f"data: {bills} LegiScan bills in {len(states)} states, loaded in {time.perf_counter() - started:.1f} s")
    codes = itertools.cycle(f"US-{s}" for s in states)
    port = free_port()
    config = Config(
        path=None, schedule=ScheduleConfig(timezone="America/Chicago"),
        sources=[SourceOptions(name="legiscan", type="legiscan")],
        # --distinct: a tiny min_weight per subscriber makes every filter (and so every digest
        # query and rendering) its own; by default members in one state share them, as in a chapter
        subscribers=[SubscriberConfig(email=f"member{n}@chapter.example.org", name=f"Member {n}",
                                      jurisdictions=[next(codes)], cadence="weekly:mon",
                                      min_weight=n * 1e-9 if distinct else 0.0)
                     for n in range(subscribers)],
        smtp=SmtpConfig.model_validate({"host": "127.0.0.1", "port": port, "starttls": False, "timeout": 30,
                                        "from": "Bill Watch <billwatch@chapter.example.org>"}),
    )
    sink = start_sink(port)
    rss_before = rss_mb()
    try:
        started = time.perf_counter()
        report = send_digests(config, database, catalog=CATALOG)
        total = time.perf_counter() - started
        sent = len(report.sent)
        errors = f"; errors: {'; '.join(report.errors)}" if report.errors else ""
        print(f"digests: {subscribers} subscribers x {entries} entries on {database.dialect}"
              f"{', every digest distinct' if distinct else ''}; sent {sent}, failed {len(report.failures)}{errors}")
        print(f"  end to end (digest --send: composing while sending): {total:6.2f} s  {sent / total:7.1f} messages/s"
              f" (target >= 100/s)")
        print(f"  peak memory (max RSS of the process): {rss_mb():.0f} MiB; before delivery {rss_before:.0f} MiB")
        forget_deliveries(database)
        report, prepare_s, send_s, size = deliver(config, database)
        show(report, (prepare_s, send_s, size))
        ceiling = server_ceiling(port, SAMPLE[0].encode("ascii"))
        print(f"  the SMTP server's own ceiling for this message (bare smtplib, no database, no rendering): "
              f"{ceiling:.1f} messages/s")
    finally:
        sink.terminate()
        sink.wait(10)


SAMPLE: list[str] = []  # one digest's bytes, for the server's own ceiling


def server_ceiling(port: int, data: bytes, count: int = 300) -> float:
    """Messages/s the same server takes from bare smtplib (same bytes, one connection, no work)."""
    import smtplib

    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        start = time.perf_counter()
        for _ in range(count):
            client.sendmail("billwatch@chapter.example.org", ["member@chapter.example.org"], data)
        return count / (time.perf_counter() - start)


def forget_deliveries(database) -> None:
    """Empty the outbox and the watermarks: the same digests can be composed and sent again."""
    with database.session() as session:
        session.execute(sa.delete(OutboxMessage))
        session.execute(sa.delete(SubscriberState))
        session.commit()


def deliver(config, database) -> tuple[DeliveryReport, float, float, float]:
    """What send_digests does, timed in its two phases; also the average message size."""
    report = DeliveryReport()
    with DatabaseLock(database, EMAIL_LOCK, "benchmark"), database.session() as session:
        start = time.perf_counter()
        ctx = run_context(session, config, catalog=CATALOG)
        for sub in config.subscribers:
            prepare(session, ctx, Recipient.digest(sub), report)
        middle = time.perf_counter()
        # one message's size (an avg() over every payload would pull them all through SQLite's cache)
        SAMPLE[:] = [session.scalar(sa.select(OutboxMessage.payload).where(OutboxMessage.status == "pending")
                                    .order_by(OutboxMessage.id).limit(1)) or ""]
        size = len(SAMPLE[0])
        report.extend(deliver_pending(session, ctx, (EMAIL, ALERT), None))
        end = time.perf_counter()
    return report, middle - start, end - middle, float(size)


def show(report: DeliveryReport, timings: tuple[float, float, float]) -> None:
    prepare_s, send_s, size = timings
    sent, total = len(report.sent), prepare_s + send_s
    print(f"  the same, one phase after the other (sent {sent}, failed {len(report.failures)}):")
    print(f"    compose + render + outbox commit: {prepare_s:7.2f} s  {sent / prepare_s:8.1f} digests/s")
    print(f"    send over one SMTP connection:    {send_s:7.2f} s  {sent / send_s:8.1f} messages/s")
    print(f"    both:                             {total:7.2f} s  {sent / total:8.1f} messages/s")
    print(f"  message size: {size / 1024:.0f} KiB (multipart text + HTML; each body 7bit or quoted-printable)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--entries", type=int, default=50)
    parser.add_argument("--pg", metavar="URL", default=None, help="also run on this PostgreSQL database")
    parser.add_argument("--distinct", action="store_true",
                        help="no two subscribers share a filter: every digest is queried and rendered")
    args = parser.parse_args()
    print("Bill data: LegiScan (legiscan.com), CC BY 4.0, LegiScan LLC.")
    with tempfile.TemporaryDirectory() as folder:
        database = open_database(f"sqlite:///{os.path.join(folder, 'bench.db')}")
        run(database, args.subscribers, args.entries, args.distinct)
        database.dispose()
    if args.pg:
        schema = f"bench_{uuid.uuid4().hex[:12]}"
        admin = sa.create_engine(sa.make_url(args.pg).set(drivername="postgresql+psycopg"))
        with admin.begin() as connection:
            connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
        try:
            url = admin.url.update_query_dict({"options": f"-csearch_path={schema}"})
            database = open_database(url.render_as_string(hide_password=False))
            run(database, args.subscribers, args.entries, args.distinct)
            database.dispose()
        finally:
            with admin.begin() as connection:
                connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")


if __name__ == "__main__":
    main()
