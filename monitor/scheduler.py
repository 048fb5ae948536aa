"""`billwatch run`: the scheduler, in the foreground, until SIGTERM or SIGINT.

An APScheduler 3 ``BlockingScheduler`` in the config's time zone runs one job per planned job
(:func:`monitor.jobs.planned_jobs`): a scan per enabled source on its cron schedule, followed by
immediate alerts, and a digest job per cadence in use. Every job has ``coalesce=True`` (runs missed
while the process was busy collapse into one), ``max_instances=1`` and the config's misfire grace
period. Scans run one after another (one worker), so sources sharing a host stay polite and SQLite
has one writer; digests have their own worker and never wait behind a long scan.

Signals: SIGTERM/SIGINT stop the scheduler; a scan in progress finishes its current source (every
batch is committed with the source's cursor, so the next scan resumes there) and queued scans are
skipped; a second signal exits at once. SIGHUP reloads the config and the rules: a broken config is
refused with an error in the log and the running one is kept. A job that raises is logged and the
scheduler keeps running. The main thread wakes every second (:class:`ResponsiveScheduler`), so a
signal that the kernel hands to a worker thread is still acted on at once.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import threading
import time
import zoneinfo
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

from apscheduler.events import EVENT_SCHEDULER_STARTED  # type: ignore[import-untyped]
from apscheduler.executors.pool import ThreadPoolExecutor  # type: ignore[import-untyped]
from apscheduler.schedulers.base import STATE_STOPPED  # type: ignore[import-untyped]
from apscheduler.schedulers.blocking import BlockingScheduler  # type: ignore[import-untyped]

from monitor.config import Config, load_config
from monitor.errors import BillwatchError, ConfigError
from monitor.jobs import PlannedJob, planned_jobs
from monitor.logs import setup_logging

log = logging.getLogger("billwatch.run")

#: the main thread wakes at least this often (seconds), so it runs the Python signal handlers
SIGNAL_POLL = 1.0

SCAN_EXECUTOR = "scans"
DIGEST_EXECUTOR = "default"


class Runner:
    """The long-lived `billwatch run` process: config, database, rule set, scheduler and signals."""

    def __init__(self, config: Config, database: Any, *, config_path: Path | None = None,
                 verbose: bool = False) -> None:
        self.config = config
        self.database = database
        self.config_path = config_path or config.path
        self.verbose = verbose
        self.ruleset: Any = None
        self.stopping = threading.Event()
        self.scheduler = ResponsiveScheduler(
            timezone=zoneinfo.ZoneInfo(config.schedule.timezone),
            executors={SCAN_EXECUTOR: ThreadPoolExecutor(1), DIGEST_EXECUTOR: ThreadPoolExecutor(1)},
        )
        self._running = 0
        self._idle = threading.Condition()
        self._stop_signals = 0
        #: with --now, digests wait for the first round of scans, so they include what it found
        self._first_scans: set[str] = set()
        self._first_scans_done = threading.Event()
        self._first_scans_done.set()

    # -- jobs -----------------------------------------------------------------------------------

    def load_rules(self) -> None:
        """Load (and re-match stored bills for) the rules in force; RuleError when broken."""
        from monitor.scan import load_rules

        self.ruleset = load_rules(self.config, self.database)

    def schedule(self, jobs: list[PlannedJob], *, run_now: bool = False) -> None:
        """Make the scheduler's jobs exactly ``jobs`` (added, replaced, removed by id)."""
        wanted = {job.id for job in jobs}
        for existing in self.scheduler.get_jobs():
            if existing.id not in wanted:
                existing.remove()
                log.info("job %s removed", existing.id)
        grace = self.config.schedule.misfire_grace_seconds
        for job in jobs:
            func, args, executor = self._job_target(job)
            options: dict[str, Any] = {}
            if run_now:
                options["next_run_time"] = dt.datetime.now(self.scheduler.timezone)
                if job.kind == "scan":
                    self._first_scans.add(job.id)
                    self._first_scans_done.clear()
            self.scheduler.add_job(
                self._guarded, trigger=job.trigger, args=[job.id, func, *args], id=job.id,
                name=f"{job.id} ({job.cron})", executor=executor, replace_existing=True,
                coalesce=True, max_instances=1, misfire_grace_time=grace, **options,
            )

    def _job_target(self, job: PlannedJob) -> tuple[Callable[..., None], list[Any], str]:
        if job.kind == "scan":
            return self.scan_job, [job.source], SCAN_EXECUTOR
        return self.digest_job, [job.id.partition(":")[2]], DIGEST_EXECUTOR

    def _guarded(self, job_id: str, func: Callable[..., None], *args: Any) -> None:
        """Run one job: never let it raise into the scheduler; count it for a clean shutdown."""
        if self.stopping.is_set():
            log.info("%s skipped: stopping", job_id)
            self._first_scan_over(job_id)
            return
        with self._idle:
            self._running += 1
        try:
            func(*args)
        except BillwatchError as exc:
            log.error("%s failed: %s", job_id, exc)
        except Exception:  # a bug in one job must not stop the scheduler
            log.exception("%s crashed (the scheduler keeps running; please report this)", job_id)
        finally:
            self._first_scan_over(job_id)
            with self._idle:
                self._running -= 1
                self._idle.notify_all()

    def _first_scan_over(self, job_id: str) -> None:
        with self._idle:
            self._first_scans.discard(job_id)
            if not self._first_scans:
                self._first_scans_done.set()

    def scan_job(self, source: str) -> None:
        """Scan one source, then send immediate alerts for what it changed."""
        from monitor.progress import ScanProgress
        from monitor.scan import scan

        config, database = self.config, self.database
        report = scan(config, database, names=[source], should_stop=self.stopping.is_set,
                      ruleset=self.ruleset, progress=ScanProgress(tty=False))  # log lines, even on a terminal
        for item in report.sources:
            if item.error:
                log.error("scan %s failed: %s", item.name, item.error)
            else:
                log.info("scan %s: read %d, new %d, updated %d, events %d, matched %d, requests %d%s",
                         item.name, item.read, item.inserted, item.updated, item.events, item.matched,
                         item.requests, " (baseline)" if item.baseline else "")
        if report.sources and not self.stopping.is_set():
            from notifiers.alerts import alerts_wanted
            from notifiers.selection import rule_catalog

            catalog = rule_catalog(self.ruleset)
            if alerts_wanted(config, catalog):
                deliver_alerts(config, database, catalog)

    def digest_job(self, cadence: str) -> None:
        """Send the digests that are due (daily after 23 h, weekly after 6 days since the last one),
        then every message still pending from an earlier failed attempt."""
        from notifiers.delivery import run_due_digests

        while not self._first_scans_done.wait(1.0):  # --now: the first scans are still running
            if self.stopping.is_set():
                return
        from notifiers.selection import rule_catalog

        report = run_due_digests(self.config, self.database, dt.datetime.now(dt.UTC),
                                 catalog=rule_catalog(self.ruleset))
        log.info("digest:%s: %d sent, %d failed", cadence, len(report.sent), len(report.failures))
        for failure in report.failures:
            log.error("digest:%s: %s to %s: %s", cadence, failure.status, failure.recipient, failure.detail)
        for error in report.errors:
            log.error("digest:%s: %s", cadence, error)

    # -- signals and life cycle ---------------------------------------------------------------

    def reload(self) -> bool:
        """Re-read the config and rules; keep the running ones if the new ones are broken."""
        try:
            config = load_config(self.config_path)
            jobs = planned_jobs(config)
        except BillwatchError as exc:
            log.error("reload refused, still running the previous config: %s", exc)
            return False
        if config.database.url != self.config.database.url:
            log.warning("[database] url changed: restart `billwatch run` to use the new database")
            config.database = self.config.database
        previous = self.config
        self.config = config
        try:
            self.load_rules()
        except BillwatchError as exc:
            self.config = previous
            log.error("reload refused, still running the previous config and rules: %s", exc)
            return False
        setup_logging(self.verbose, secrets=config.secrets())
        self.schedule(jobs)
        log.info("reloaded %s: %d job(s)", self.config_path, len(jobs))
        self.log_jobs()
        return True

    def stop(self) -> None:
        """Stop scheduling; running jobs finish (a scan finishes its current source)."""
        if self.stopping.is_set():
            return
        self.stopping.set()
        try:
            self.scheduler.shutdown(wait=False)
        except Exception:  # not started yet, or already stopped
            log.debug("scheduler shutdown", exc_info=True)

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if signum == signal.SIGHUP:
            log.info("SIGHUP: reloading the config")
            # outside the handler: the main thread may be inside the scheduler's own locks
            threading.Thread(target=self.reload, name="reload", daemon=True).start()
        elif self._stop_signals:
            log.warning("%s again: exiting now; the next scan resumes from the last saved batch", name)
            os._exit(128 + signum)
        else:
            self._stop_signals += 1
            log.info("%s: stopping after the running jobs (send it again to exit at once)", name)
            threading.Thread(target=self.stop, name="stop", daemon=True).start()

    def install_signals(self) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, self._on_signal)

    def wait_for_jobs(self, timeout: float | None = None) -> bool:
        """Block until no job is running (True), or until ``timeout`` seconds passed (False)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._idle:
            if self._running:
                log.info("waiting for %d running job(s) to finish", self._running)
            while not self._idle.wait_for(lambda: self._running == 0, SIGNAL_POLL):  # wakes for signals
                if deadline is not None and time.monotonic() >= deadline:
                    return False
            return True

    def log_jobs(self) -> None:
        for job in sorted(self.scheduler.get_jobs(), key=lambda j: j.id):
            when = getattr(job, "next_run_time", None)
            log.info("job %s next run %s", job.id, when.isoformat(timespec="seconds") if when else "pending")

    def run(self, *, run_now: bool = False) -> int:
        """Load the rules, schedule the jobs, block until stopped, wait for running jobs."""
        jobs = planned_jobs(self.config)
        if not jobs:
            raise ConfigError(
                "nothing to schedule: no enabled source and no subscriber with a daily or weekly cadence",
                hint="add [[source]] and [[subscriber]] tables to the config",
            )
        self.load_rules()
        self.schedule(jobs, run_now=run_now)
        self.install_signals()
        route_scheduler_logs(self.verbose)
        self.scheduler.add_listener(lambda _event: self.log_jobs(), EVENT_SCHEDULER_STARTED)
        log.info("billwatch run: pid %d, %d job(s), time zone %s, database %s", os.getpid(), len(jobs),
                 self.config.schedule.timezone, self.database.url)
        self.scheduler.start()  # blocks until stop()
        self.wait_for_jobs()
        log.info("stopped")
        return 0


class ResponsiveScheduler(BlockingScheduler):
    """A BlockingScheduler whose main thread never sleeps longer than SIGNAL_POLL.

    The kernel may deliver SIGTERM to any thread; Python runs the handler in the main thread only,
    and only once that thread runs Python code again. The stock main loop sleeps until the next
    job (hours), so a signal landing on a worker thread would wait that long.
    """

    def _main_loop(self) -> None:
        wait_seconds: float | None = 0.0
        while self.state != STATE_STOPPED:
            self._event.wait(SIGNAL_POLL if wait_seconds is None else min(wait_seconds, SIGNAL_POLL))
            self._event.clear()
            wait_seconds = self._process_jobs()


def route_scheduler_logs(verbose: bool) -> None:
    """APScheduler's own warnings (missed runs, skipped overlapping runs) go to billwatch's log."""
    ours = logging.getLogger("billwatch")
    theirs = logging.getLogger("apscheduler")
    theirs.handlers = list(ours.handlers)
    theirs.setLevel(logging.INFO if verbose else logging.WARNING)
    theirs.propagate = False


def deliver_alerts(config: Config, database: Any, catalog: Any = None) -> None:
    """Immediate alerts (e-mail to `immediate` subscribers, webhooks) for what the scans changed."""
    from notifiers.alerts import deliver_immediate

    report = deliver_immediate(config, database, catalog=catalog)
    if report.results or report.errors:
        log.info("alerts: %d sent, %d failed", len(report.sent), len(report.failures))
    for failure in report.failures:
        log.error("alerts: %s to %s: %s", failure.status, failure.recipient, failure.detail)
    for error in report.errors:
        log.error("alerts: %s", error)
