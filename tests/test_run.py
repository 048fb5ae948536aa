"""`billwatch run` as a real process: scans and digests on schedule, a failing source, SIGTERM,
a concurrent `billwatch scan` and the scan lock, SIGKILL mid-scan then restart.

Every test runs ``python -m monitor`` in a subprocess against a local HTTP server (the real `feed`
source reads an RSS feed written for the tests) and, for digests, a real SMTP server (aiosmtpd) on
127.0.0.1. PostgreSQL variants run in a schema of their own where BILLWATCH_TEST_PG_URL is set.
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from monitor.db import open_database
from monitor.models import Bill, Event, Lock, ScanRun
from tests.test_scheduler import (
    BILLS,
    LocalServer,
    Route,
    feed_source,
    rss,
    write_config,
)

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("BILLWATCH_TEST_PG_URL")


class Billwatch:
    """A running `billwatch` process whose log lines (stderr) are collected as they come."""

    def __init__(self, config: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.log: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-X", "faulthandler", "-m", "monitor", "--config", str(config), *args], cwd=ROOT,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})},
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stderr:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, pattern: str, timeout: float = 30.0) -> str:
        """The first log line (from now on, or already seen) matching ``pattern``."""
        regex = re.compile(pattern)
        for line in self.log:
            if regex.search(line):
                return line
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                if self.process.poll() is not None and self.lines.empty():
                    break
                continue
            self.log.append(line)
            if regex.search(line):
                return line
        raise AssertionError(f"no log line matching {pattern!r}; log so far:\n" + "\n".join(self.log))

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        self.process.send_signal(signum)
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.send_signal(signal.SIGABRT)  # -X faulthandler: every thread's stack on stderr
            time.sleep(1)
            self.kill()
            code = None
        time.sleep(0.1)
        while not self.lines.empty():
            self.log.append(self.lines.get())
        if code is None:
            raise AssertionError(f"billwatch did not stop within {timeout} s; log:\n" + "\n".join(self.log))
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)


@pytest.fixture
def processes() -> Iterator[list[Billwatch]]:
    started: list[Billwatch] = []
    yield started
    for process in started:
        process.kill()


@pytest.fixture
def server() -> Iterator[LocalServer]:
    local = LocalServer().start()
    local.routes["/good.xml"] = Route(rss(*BILLS))
    local.routes["/broken.xml"] = Route(b"Internal error", status=500, content_type="text/plain")
    yield local
    local.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> Iterator[str]:
    """A fresh database: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'billwatch.db'}"
        return
    if not PG_URL:
        pytest.skip("BILLWATCH_TEST_PG_URL is not set")
    schema = f"run_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    joiner = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{joiner}options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
    admin.dispose()


def count(url: str, query: sa.Select) -> int:
    with open_database(url) as database, database.session() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))


def test_run_scans_survives_a_failing_source_and_stops_on_sigterm(tmp_path, server, processes):
    config = write_config(tmp_path, server.url)
    run = Billwatch(config, "run", "--now")
    processes.append(run)
    run.wait_for(r"scan good: read 2, new 2")
    run.wait_for(r"scan broken failed: .*500")
    run.wait_for(r"digest:daily")  # no [smtp]: the job fails, is logged, and the run goes on
    time.sleep(0.5)
    assert run.process.poll() is None  # still scheduling after the failure
    assert run.stop() == 0
    assert any("stopped" in line for line in run.log)
    assert count(f"sqlite:///{tmp_path / 'billwatch.db'}", sa.select(Bill)) == 2


def test_sigterm_lets_the_running_source_finish_and_skips_the_queued_ones(tmp_path, server, processes):
    server.routes["/slow.xml"] = Route(rss(*BILLS), delay=30)
    config = write_config(tmp_path, server.url, extra=feed_source("slow", f"{server.url}/slow.xml"))
    config.write_text(config.read_text().replace('name = "good"', 'name = "good"\nenabled = false'))
    config.write_text(config.read_text().replace('name = "broken"', 'name = "broken"\nenabled = false')
                      + feed_source("after", f"{server.url}/good.xml"))
    run = Billwatch(config, "run", "--now")
    processes.append(run)
    _wait_for_hit(server, "/slow.xml", run)
    run.process.send_signal(signal.SIGTERM)
    run.wait_for(r"SIGTERM: stopping after the running jobs")
    time.sleep(0.5)
    assert run.process.poll() is None  # the slow source is still being read
    server.release.set()
    assert run.process.wait(timeout=30) == 0
    run.wait_for(r"scan slow: read 2, new 2")
    run.wait_for(r"stopped")
    assert not any("scan after:" in line for line in run.log)
    assert server.hits.get("/good.xml") is None  # the queued source was not scanned


def test_a_concurrent_scan_reports_the_lock_or_waits_for_it(tmp_path, server, processes):
    server.routes["/slow.xml"] = Route(rss(("HB 201 Relating to telehealth", "hb201"),
                                           ("HB 202 Relating to hunting", "hb202")), delay=30)
    config = write_config(tmp_path, server.url, extra=feed_source("slow", f"{server.url}/slow.xml"))
    run = Billwatch(config, "run", "--now")
    processes.append(run)
    _wait_for_hit(server, "/slow.xml", run)

    impatient = subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(config), "scan", "--source", "slow"],
        check=False, cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "BILLWATCH_LOCK_WAIT": "0.5"})
    assert impatient.returncode == 1
    holder = f"{socket.gethostname()}:{run.process.pid}:scan slow"
    assert f"scan:slow is locked by {holder} since" in impatient.stdout + impatient.stderr
    status = subprocess.run([sys.executable, "-m", "monitor", "--config", str(config), "status", "--json"],
                            check=False, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert [(lock["name"], lock["holder"]) for lock in json.loads(status.stdout)["locks"]] == [("scan:slow", holder)]

    patient = Billwatch(config, "scan", "--source", "slow", env={"BILLWATCH_LOCK_WAIT": "60"})
    processes.append(patient)
    time.sleep(1.5)
    assert patient.process.poll() is None  # waiting for the lock
    server.release.set()
    assert patient.process.wait(timeout=60) == 0
    run.wait_for(r"scan slow: read 2, new 2")
    assert "slow: read 2, new 0, updated 0, unchanged 2" in patient.process.stdout.read()
    assert run.stop() == 0


def test_sigkill_mid_scan_then_restart_loses_nothing_and_duplicates_nothing(tmp_path, server, processes,
                                                                              database_url):
    config = write_config(tmp_path, server.url, database=database_url)
    first = Billwatch(config, "run", "--now")
    processes.append(first)
    first.wait_for(r"scan good: read 2, new 2")
    assert first.stop() == 0

    third = ("HB 103 Relating to electronic health records", "hb103")
    server.routes["/good.xml"] = Route(rss(*BILLS, third), delay=60)
    killed = Billwatch(config, "run", "--now")
    processes.append(killed)
    _wait_for_hit(server, "/good.xml", killed, hits=2)
    assert killed.stop(signal.SIGKILL) == -signal.SIGKILL
    with open_database(database_url) as database, database.session() as session:
        holders = session.scalars(sa.select(Lock.holder).where(Lock.name == "scan:good")).all()
        running = session.scalars(sa.select(ScanRun.status).where(ScanRun.source == "good")).all()
    assert holders == [f"{socket.gethostname()}:{killed.process.pid}:scan good"]
    assert sorted(running) == ["ok", "running"]

    server.routes["/good.xml"] = Route(rss(*BILLS, third))
    restarted = Billwatch(config, "run", "--now")
    processes.append(restarted)
    restarted.wait_for(rf"took over lock scan:good from .*:{killed.process.pid}:scan good \(process")
    restarted.wait_for(r"good: 1 earlier scan\(s\) had been interrupted")
    restarted.wait_for(r"scan good: read 3, new 1, updated 0")
    assert restarted.stop() == 0

    assert count(database_url, sa.select(Bill)) == 3
    new_bills = sa.select(Event.bill_id).where(Event.kind == "new_bill")
    assert count(database_url, new_bills) == 3
    duplicates = (sa.select(Event.bill_id, Event.kind, Event.content_key)
                  .group_by(Event.bill_id, Event.kind, Event.content_key).having(sa.func.count() > 1))
    assert count(database_url, duplicates) == 0
    assert count(database_url, sa.select(Lock)) == 0
    statuses = sa.select(ScanRun.status).where(ScanRun.source == "good", ScanRun.status == "interrupted")
    assert count(database_url, statuses) == 1


def test_run_refuses_a_broken_config_on_sighup_and_keeps_running(tmp_path, server, processes):
    config = write_config(tmp_path, server.url)
    run = Billwatch(config, "run")
    processes.append(run)
    run.wait_for(r"job scan:good next run")
    good = config.read_text()
    config.write_text(good + "\n[schedule]\nwhat = 1\n")
    run.process.send_signal(signal.SIGHUP)
    run.wait_for(r"reload refused, still running the previous config")
    config.write_text(good + feed_source("third", f"{server.url}/good.xml"))
    run.process.send_signal(signal.SIGHUP)
    run.wait_for(r"reloaded .*: 4 job\(s\)")
    run.wait_for(r"job scan:third next run")
    assert run.stop() == 0


def test_run_sends_due_digests_once(tmp_path, server, processes):
    smtp = pytest.importorskip("aiosmtpd.controller")
    received: list[tuple[str, list[str]]] = []

    class Handler:
        async def handle_DATA(self, _server, _session, envelope):
            received.append((envelope.mail_from, list(envelope.rcpt_tos)))
            return "250 OK"

    port = _free_port()
    controller = smtp.Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        config = write_config(tmp_path, server.url, extra=textwrap.dedent(f"""
            [smtp]
            host = "127.0.0.1"
            port = {port}
            starttls = false
            from = "Bill Watch <billwatch@example.org>"
            """))
        config.write_text(config.read_text().replace('cadence = "daily"', 'cadence = "daily"\nsend_empty = true'))
        for expected in (1, 0):  # the second run, minutes later, finds the daily digest not due yet
            run = Billwatch(config, "run", "--now")
            processes.append(run)
            run.wait_for(rf"digest:daily: {expected} sent, 0 failed")
            assert run.stop() == 0
    finally:
        controller.stop()
    assert received == [("billwatch@example.org", ["advocate@example.org"])]


def _wait_for_hit(server: LocalServer, path: str, process: Billwatch, hits: int = 1, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while server.hits.get(path, 0) < hits:
        if time.monotonic() > deadline or process.process.poll() is not None:
            raise AssertionError(f"{path} was not requested; log:\n" + "\n".join(process.log))
        time.sleep(0.05)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_progress_on_a_terminal_redraws_one_line(monkeypatch):
    import io

    from monitor import progress

    stream = io.StringIO()
    reporter = progress.ScanProgress(stream, tty=True)
    clock = iter([0.0, 0.05, 0.5, 1.0, 1.5])
    monkeypatch.setattr(progress.time, "monotonic", lambda: next(clock))
    for name, read in [("tx", 1), ("tx", 2), ("tx", 40), ("ok", 1)]:
        reporter(name, read)
    reporter.finish()
    shown = stream.getvalue()
    assert "\rtx: 1 bills read (0 s)" in shown and "\rtx: 40 bills read (0 s)" in shown
    assert "tx: 2 bills read" not in shown  # redrawn at most every 0.2 s
    assert "\rok: 1 bills read (0 s)" in shown and shown.endswith("\r")


def test_scan_off_a_terminal_logs_plain_progress_lines(tmp_path, server):
    server.routes["/big.xml"] = Route(rss(*((f"HB {n} Relating to item {n}", f"hb{n}") for n in range(1, 1201))))
    config = write_config(tmp_path, server.url, extra=feed_source("big", f"{server.url}/big.xml"))
    result = subprocess.run([sys.executable, "-m", "monitor", "--config", str(config), "scan", "--source", "big"],
                            check=False, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    progress = [line for line in result.stderr.splitlines() if "bills read so far" in line]
    assert [line.split("billwatch.scan: ")[1] for line in progress] == [
        "big: 500 bills read so far", "big: 1000 bills read so far"]
    assert "\r" not in result.stderr
    assert "big: read 1200, new 1200" in result.stdout


def test_run_never_logs_the_api_key(tmp_path, server, processes):
    server.routes["/os/bills"] = Route(b'{"detail": "Invalid API Key."}', status=401, content_type="application/json")
    config = write_config(tmp_path, server.url, extra=textwrap.dedent(f"""
        [[source]]
        name = "states"
        type = "openstates"
        api_key = "${{OPENSTATES_TEST_KEY}}"
        jurisdictions = ["tx"]
        base_url = "{server.url}/os"
        """))
    run = Billwatch(config, "-v", "run", "--now", env={"OPENSTATES_TEST_KEY": "sekrit-0123456789"})
    processes.append(run)
    run.wait_for(r"scan states failed: .*401|scan states failed: .*refused")
    assert run.stop() == 0
    assert run.log and not any("sekrit-0123456789" in line for line in run.log)
