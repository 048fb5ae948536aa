"""The `billwatch run` scheduler (monitor/scheduler.py), driven in-process: jobs triggered directly.

The signal handling and the process life cycle are tested by running the real command in
tests/test_run.py. Bills come from a real local HTTP server serving an RSS feed through the real
`feed` source.
"""

from __future__ import annotations

import logging
import textwrap
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import func, select

from monitor.config import load_config
from monitor.db import open_database
from monitor.jobs import planned_jobs
from monitor.models import Bill, SourceState
from monitor.scheduler import DIGEST_EXECUTOR, SCAN_EXECUTOR, Runner
from notifiers.alerts import alerts_wanted
from notifiers.selection import rule_catalog

# -- a local web server serving recorded or written payloads (also used by test_run and test_demo) --

@dataclass
class Route:
    body: bytes
    status: int = 200
    content_type: str = "application/rss+xml; charset=utf-8"
    delay: float = 0.0


@dataclass
class LocalServer:
    """A ThreadingHTTPServer on 127.0.0.1 (port 0) answering from ``routes``; counts requests."""

    routes: dict[str, Route] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)
    release: threading.Event = field(default_factory=threading.Event)

    def start(self) -> LocalServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                server.hits[path] = server.hits.get(path, 0) + 1
                route = server.routes.get(path)
                if route is None:
                    self.send_error(404)
                    return
                if route.delay:
                    server.release.wait(route.delay)
                self.send_response(route.status)
                self.send_header("Content-Type", route.content_type)
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                self.wfile.write(route.body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def stop(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def rss(*items: tuple[str, str]) -> bytes:
    """An RSS 2.0 feed written for the tests: (title, guid) items, e.g. ("HB 101 Relating to ...", "hb101")."""
    entries = "".join(
        f"<item><title>{title}</title><link>https://capitol.example/{guid}</link><guid>{guid}</guid>"
        f"<pubDate>Mon, 03 Mar 2025 10:00:00 GMT</pubDate><description>Filed.</description></item>"
        for title, guid in items
    )
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Bills</title>'
            f"<link>https://capitol.example/</link><description>test feed</description>{entries}"
            f"</channel></rss>").encode()


BILLS = (("HB 101 Relating to health information exchange", "hb101"),
         ("HB 102 Relating to fishing licenses", "hb102"))


@pytest.fixture
def server() -> Iterator[LocalServer]:
    local = LocalServer().start()
    local.routes["/good.xml"] = Route(rss(*BILLS))
    local.routes["/broken.xml"] = Route(b"Internal error", status=500, content_type="text/plain")
    yield local
    local.stop()


def feed_source(name: str, url: str, extra: str = "") -> str:
    return textwrap.dedent(f"""
        [[source]]
        name = "{name}"
        type = "feed"
        url = "{url}"
        jurisdiction = "US-TX"
        session = "89R"
        """) + extra


def write_config(folder: Path, server_url: str, *, extra: str = "", database: str | None = None) -> Path:
    """A config with a working feed source, a failing one and a daily subscriber."""
    url = database or f"sqlite:///{folder / 'billwatch.db'}"
    text = textwrap.dedent(f"""
        [database]
        url = "{url}"

        [http]
        min_interval = 0
        retries = 0

        [schedule]
        timezone = "America/Chicago"
        scan = "0 6 * * *"
        misfire_grace_seconds = 120

        [[subscriber]]
        email = "advocate@example.org"
        cadence = "daily"
        """)
    text += feed_source("good", f"{server_url}/good.xml")
    text += feed_source("broken", f"{server_url}/broken.xml", 'schedule = "30 5 * * 1-5"\n')
    path = folder / "billwatch.toml"
    path.write_text(text + extra, encoding="utf-8")
    return path


@pytest.fixture
def runner(tmp_path, server) -> Iterator[Runner]:
    config = load_config(write_config(tmp_path, server.url))
    database = open_database(config.database.url)
    yield Runner(config, database)
    database.dispose()


def test_one_job_per_planned_job_with_the_run_options(runner):
    runner.schedule(planned_jobs(runner.config))
    jobs = {job.id: job for job in runner.scheduler.get_jobs()}
    assert set(jobs) == {"scan:good", "scan:broken", "digest:daily"}
    for job in jobs.values():
        assert job.coalesce is True and job.max_instances == 1 and job.misfire_grace_time == 120
        assert str(job.trigger.timezone) == "America/Chicago"
    assert jobs["scan:good"].executor == SCAN_EXECUTOR and jobs["digest:daily"].executor == DIGEST_EXECUTOR
    assert "hour='5', minute='30'" in str(jobs["scan:broken"].trigger)  # the source's own schedule


def test_scan_job_stores_bills_and_a_failing_source_is_only_logged(runner, server, caplog):
    caplog.set_level(logging.INFO, logger="billwatch")
    runner._guarded("scan:good", runner.scan_job, "good")
    runner._guarded("scan:broken", runner.scan_job, "broken")
    with runner.database.session() as session:
        assert session.scalar(select(func.count()).select_from(Bill)) == 2
        states = {s.name: s for s in session.scalars(select(SourceState))}
    assert states["good"].consecutive_failures == 0 and states["good"].last_success is not None
    assert states["broken"].consecutive_failures == 1
    assert "scan good: read 2, new 2" in caplog.text
    assert "scan broken failed:" in caplog.text and "500" in caplog.text
    assert (server.hits["/good.xml"], server.hits["/broken.xml"]) == (1, 1)


@pytest.mark.parametrize("error", [RuntimeError("parser bug"), KeyError("missing")], ids=["runtime", "keyerror"])
def test_a_job_that_raises_is_logged_and_does_not_escape(runner, caplog, error):
    def job() -> None:
        raise error

    runner._guarded("scan:good", job)  # must not raise
    assert "scan:good crashed" in caplog.text
    assert runner._running == 0


def test_jobs_are_skipped_once_stopping(runner, server):
    runner.stopping.set()
    runner._guarded("scan:good", runner.scan_job, "good")
    assert "/good.xml" not in server.hits


def test_reload_applies_a_good_config_and_refuses_a_broken_one(tmp_path, runner, server, caplog):
    path = runner.config_path
    runner.schedule(planned_jobs(runner.config))
    original = runner.config

    path.write_text(path.read_text() + "\n[[source]\nname = 'oops'\n", encoding="utf-8")  # broken TOML
    assert runner.reload() is False
    assert runner.config is original
    assert "reload refused" in caplog.text and "not valid TOML" in caplog.text

    path.write_text(path.read_text().replace("\n[[source]\nname = 'oops'\n", "\n[[source]]\nname = 'typo'\ntype = 'nope'\n"))
    assert runner.reload() is False
    assert "unknown source type 'nope'" in caplog.text
    assert {j.id for j in runner.scheduler.get_jobs()} == {"scan:good", "scan:broken", "digest:daily"}

    good = write_config(tmp_path, server.url, extra=feed_source("third", f"{server.url}/good.xml"),
                        database=original.database.url)
    good_text = good.read_text().replace('cadence = "daily"', 'cadence = "weekly:mon"')
    path.write_text(good_text.replace('[[source]]\nname = "broken"', '[[source]]\nname = "broken"\nenabled = false'))
    assert runner.reload() is True
    assert {j.id for j in runner.scheduler.get_jobs()} == {"scan:good", "scan:third", "digest:weekly"}


def test_reload_refuses_a_broken_rule_file(tmp_path, server, caplog):
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rule]]\nid = "hie"\nname = "HIE"\nquery = \'"health information exchange"\'\n')
    path = write_config(tmp_path, server.url, extra='\nrules = ["rules.toml"]\n')
    text = path.read_text()
    path.write_text('rules = ["rules.toml"]\n' + text.replace('\nrules = ["rules.toml"]\n', ""))
    config = load_config(path)
    with open_database(config.database.url) as database:
        runner = Runner(config, database)
        runner.load_rules()
        before = runner.ruleset
        rules.write_text('[[rule]]\nid = "hie"\nname = "HIE"\nquery = \'(unclosed\'\n')
        assert runner.reload() is False
        assert runner.ruleset is before and runner.config is config
        assert "reload refused" in caplog.text and "rules.toml" in caplog.text


def test_alerts_wanted_only_when_someone_asked_for_them(tmp_path, server):
    config = load_config(write_config(tmp_path, server.url))
    assert not alerts_wanted(config, rule_catalog(None))
    config = load_config(write_config(tmp_path, server.url, extra=textwrap.dedent("""
        [[subscriber]]
        email = "fast@example.org"
        cadence = "immediate"
        """)))
    assert alerts_wanted(config, rule_catalog(None))


def test_wait_for_jobs_returns_once_running_jobs_end(runner):
    started, finish = threading.Event(), threading.Event()

    def slow() -> None:
        started.set()
        finish.wait(5)

    worker = threading.Thread(target=runner._guarded, args=("scan:good", slow))
    worker.start()
    started.wait(5)
    assert runner.wait_for_jobs(timeout=0.2) is False
    finish.set()
    assert runner.wait_for_jobs(timeout=5) is True
    worker.join()


def test_with_now_the_first_digests_wait_for_the_first_scans(runner, monkeypatch):
    import notifiers.delivery
    from notifiers.delivery import DeliveryReport

    calls: list[int] = []

    def fake_due(config, database, now, catalog=None):
        with runner.database.session() as session:
            calls.append(session.scalar(select(func.count()).select_from(Bill)))
        return DeliveryReport()

    monkeypatch.setattr(notifiers.delivery, "run_due_digests", fake_due)
    runner.schedule(planned_jobs(runner.config), run_now=True)
    digest = threading.Thread(target=runner._guarded, args=("digest:daily", runner.digest_job, "daily"))
    digest.start()
    digest.join(1.5)
    assert digest.is_alive() and calls == []  # waiting for scan:good and scan:broken
    runner._guarded("scan:good", runner.scan_job, "good")
    runner._guarded("scan:broken", runner.scan_job, "broken")
    digest.join(5)
    assert calls == [2]  # the digest ran after the scans, and saw their bills


SIGNALLED_FROM_A_WORKER = """
import signal, sys, threading
from monitor.config import load_config
from monitor.db import open_database
from monitor.logs import setup_logging
from monitor.scheduler import Runner

setup_logging()
config = load_config(sys.argv[1])
runner = Runner(config, open_database(config.database.url))

once = threading.Lock()

def scan_job(source):  # the kernel may hand SIGTERM to any thread: here, another thread, once all is quiet
    if not once.acquire(blocking=False):  # one SIGTERM only: two sources scan, and a second one exits at once
        return
    threading.Timer(2.0, lambda: signal.pthread_kill(threading.get_ident(), signal.SIGTERM)).start()

runner.scan_job = scan_job
sys.exit(runner.run(run_now=True))
"""


def test_a_signal_received_by_a_worker_thread_still_stops_the_scheduler(tmp_path, server):
    import subprocess
    import sys

    config = write_config(tmp_path, server.url)
    result = subprocess.run([sys.executable, "-c", SIGNALLED_FROM_A_WORKER, str(config)], check=False,
                            cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "SIGTERM: stopping after the running jobs" in result.stderr and "stopped" in result.stderr
