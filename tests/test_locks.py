"""Named database locks (monitor/locks.py) on SQLite and PostgreSQL.

PostgreSQL runs where BILLWATCH_TEST_PG_URL is set (CI sets it). Lock names carry a random part,
so tests sharing the PostgreSQL database never see each other's locks.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from monitor import locks
from monitor.db import open_database
from monitor.errors import LockHeldError
from monitor.locks import DatabaseLock, Holder, pid_alive, scan_lock
from monitor.models import Lock, ScanRun, utcnow

PG_URL = os.environ.get("BILLWATCH_TEST_PG_URL")
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(params=["sqlite", "postgresql"])
def lock_db(request, tmp_path):
    """An open database of each kind, and its URL (for subprocesses)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'locks.db'}"
    elif PG_URL:
        url = PG_URL
    else:
        pytest.skip("BILLWATCH_TEST_PG_URL is not set")
    database = open_database(url)
    yield database, url
    database.dispose()


@pytest.fixture
def name() -> str:
    return f"test:{uuid.uuid4().hex[:12]}"


def _insert(database, name: str, holder: str, age_seconds: float = 0.0) -> None:
    when = utcnow() - dt.timedelta(seconds=age_seconds)
    with database.engine.begin() as connection:
        connection.execute(sa.insert(Lock).values(name=name, holder=holder, acquired_at=when, heartbeat_at=when))


def _rows(database, name: str) -> list:
    with database.engine.connect() as connection:
        return connection.execute(sa.select(Lock.holder, Lock.heartbeat_at).where(Lock.name == name)).all()


def test_acquire_and_release(lock_db, name):
    database, _ = lock_db
    with DatabaseLock(database, name, "unit test", wait=0) as lock:
        rows = _rows(database, name)
        assert [r.holder for r in rows] == [f"{socket.gethostname()}:{os.getpid()}:unit test"]
        assert lock.held
    assert _rows(database, name) == []


def test_second_acquirer_waits_then_names_the_holder(lock_db, name):
    database, _ = lock_db
    with DatabaseLock(database, name, "first", wait=0):
        second = DatabaseLock(database, name, "second", wait=0.6, poll_every=0.1)
        started = time.monotonic()
        with pytest.raises(LockHeldError) as caught:
            second.acquire()
        waited = time.monotonic() - started
    assert 0.5 <= waited < 5
    message = str(caught.value)
    assert f"{socket.gethostname()}:{os.getpid()}:first" in message
    assert "since" in message and "hint:" in message


def test_second_acquirer_gets_the_lock_once_released(lock_db, name):
    database, _ = lock_db
    first = DatabaseLock(database, name, "first", wait=0)
    first.acquire()
    threading.Timer(0.3, first.release).start()
    with DatabaseLock(database, name, "second", wait=10, poll_every=0.05) as second:
        assert second.held and second.taken_over is None
        assert _rows(database, name)[0].holder.endswith(":second")


@pytest.mark.parametrize(
    "holder, age, taken",
    [
        pytest.param("otherhost:4242:scan tx", 10, False, id="other-host-fresh-heartbeat-is-respected"),
        pytest.param("otherhost:4242:scan tx", 3600, True, id="other-host-stale-heartbeat-is-taken-over"),
        pytest.param(f"{socket.gethostname()}:{os.getpid()}:scan tx", 10, True,
                     id="own-pid-from-an-earlier-process-is-taken-over"),
    ],
)
def test_takeover_rules(lock_db, name, holder, age, taken):
    database, _ = lock_db
    _insert(database, name, holder, age_seconds=age)
    lock = DatabaseLock(database, name, "me", wait=0.2, poll_every=0.05, stale_after=600)
    if taken:
        with lock:
            assert lock.taken_over is not None and lock.taken_over.holder == holder
            assert _rows(database, name)[0].holder.endswith(":me")
    else:
        with pytest.raises(LockHeldError, match="otherhost:4242:scan tx"):
            lock.acquire()
        assert _rows(database, name)[0].holder == holder
        with database.engine.begin() as connection:
            connection.execute(sa.delete(Lock).where(Lock.name == name))


HOLD_SCRIPT = """
import sys, time
from monitor.db import open_database
from monitor.locks import DatabaseLock
database = open_database(sys.argv[1])
lock = DatabaseLock(database, sys.argv[2], "killed holder", wait=0)
lock.acquire()
print("acquired", flush=True)
time.sleep(120)
"""


def test_lock_of_a_sigkilled_holder_is_recovered(lock_db, name):
    database, url = lock_db
    holder = subprocess.Popen([sys.executable, "-c", HOLD_SCRIPT, url, name], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "acquired"
        with pytest.raises(LockHeldError, match=f":{holder.pid}:killed holder"):
            DatabaseLock(database, name, "me", wait=0.2, poll_every=0.05).acquire()
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
    assert _rows(database, name)[0].holder.endswith(":killed holder")  # the row outlived its holder
    started = time.monotonic()
    with DatabaseLock(database, name, "me", wait=5) as lock:
        assert time.monotonic() - started < 2  # no waiting for the heartbeat timeout on the same host
        assert lock.taken_over.holder == f"{socket.gethostname()}:{holder.pid}:killed holder"


def test_heartbeat_refreshes_while_held(lock_db, name):
    database, _ = lock_db
    with DatabaseLock(database, name, "beating", wait=0, heartbeat_every=0.1):
        first = _rows(database, name)[0].heartbeat_at
        time.sleep(0.5)
        assert _rows(database, name)[0].heartbeat_at > first


def test_a_lock_taken_over_is_known_as_lost_and_not_released(lock_db, name):
    database, _ = lock_db
    lock = DatabaseLock(database, name, "slow", wait=0, heartbeat_every=3600)
    lock.acquire()
    with database.engine.begin() as connection:  # another process decided our heartbeat was stale
        connection.execute(sa.update(Lock).where(Lock.name == name).values(holder="otherhost:1:newer"))
    assert lock.heartbeat() is False and lock.lost
    lock.release()
    assert _rows(database, name)[0].holder == "otherhost:1:newer"  # the new holder keeps its lock
    with database.engine.begin() as connection:
        connection.execute(sa.delete(Lock).where(Lock.name == name))


def test_scan_lock_marks_runs_of_a_dead_scan_interrupted(lock_db, name):
    database, _ = lock_db
    source = name.replace(":", "-")
    with database.session() as session:
        session.add(ScanRun(source=source, status="running"))
        session.add(ScanRun(source=source, status="ok"))
        session.commit()
    with scan_lock(database, source, wait=0) as lock:
        assert lock.name == f"scan:{source}"
        with database.session() as session:
            statuses = sorted(session.scalars(select_status(source)))
    assert statuses == ["interrupted", "ok"]


def select_status(source: str):
    return sa.select(ScanRun.status).where(ScanRun.source == source)


def test_wait_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv(locks.LOCK_WAIT_ENV, "2.5")
    assert locks.scan_lock_wait() == 2.5
    monkeypatch.setenv(locks.LOCK_WAIT_ENV, "soon")
    assert locks.scan_lock_wait() == locks.SCAN_LOCK_WAIT


def test_pid_alive_and_holder_parsing():
    assert pid_alive(os.getpid())
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert not pid_alive(child.pid)
    assert Holder.parse("db1:77:scan tx:extra") == Holder("db1", 77, "scan tx:extra")
    assert Holder.parse("garbage").pid is None
