"""Named locks in the database, so two processes never scan the same source at once.

A lock is a row of the ``locks`` table (name, holder, acquired_at, heartbeat_at). It works the
same on SQLite and PostgreSQL because it only relies on a unique primary key and on conditional
``UPDATE ... WHERE`` statements (compare-and-swap):

- acquire: insert the row; if the name is taken, take the row over when its holder is dead (same
  host, process gone) or when its heartbeat is older than ``stale_after`` (a holder on another
  host that stopped heartbeating); otherwise poll until ``wait`` seconds have passed, then raise
  :class:`~monitor.errors.LockHeldError` naming the holder (``host:pid:purpose``) and since when;
- while held, a daemon thread refreshes ``heartbeat_at`` every ``heartbeat_every`` seconds;
- release deletes the row, but only if this holder still owns it.

A process killed with SIGKILL leaves its row behind; the next acquirer on the same host sees that
the pid is gone and takes the lock at once, one on another host after ``stale_after``.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Self

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from monitor.errors import LockHeldError
from monitor.models import Lock, ScanRun, utcnow

log = logging.getLogger("billwatch.locks")

#: seconds a scan waits for another process's scan of the same source before giving up
#: (``$BILLWATCH_LOCK_WAIT`` overrides it)
SCAN_LOCK_WAIT = 30.0
LOCK_WAIT_ENV = "BILLWATCH_LOCK_WAIT"
#: a heartbeat older than this frees the lock even when liveness cannot be checked (other host)
STALE_AFTER = 600.0
HEARTBEAT_EVERY = 30.0
POLL_EVERY = 0.5

#: (name, acquired_at) of the locks this process holds: a row naming our own pid that is not in
#: here was left by an earlier process that had the same pid (a restarted container's pid 1)
_HELD: set[tuple[str, dt.datetime]] = set()
_HELD_GUARD = threading.Lock()


@dataclass(frozen=True)
class Holder:
    """Who holds a lock: ``host:pid:purpose`` as stored in ``locks.holder``."""

    host: str
    pid: int | None
    purpose: str

    @classmethod
    def parse(cls, text: str) -> Holder:
        host, _, rest = text.partition(":")
        pid, _, purpose = rest.partition(":")
        return cls(host, int(pid) if pid.isdigit() else None, purpose)

    @classmethod
    def this_process(cls, purpose: str) -> Holder:
        return cls(socket.gethostname(), os.getpid(), purpose)

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}:{self.purpose}"[:255]


@dataclass(frozen=True)
class LockRow:
    name: str
    holder: str
    acquired_at: dt.datetime
    heartbeat_at: dt.datetime


class DatabaseLock:
    """One named lock: ``with DatabaseLock(database, "scan:tx", "scan", wait=30): ...``."""

    def __init__(self, database: Any, name: str, purpose: str = "", *, wait: float = SCAN_LOCK_WAIT,
                 stale_after: float = STALE_AFTER, heartbeat_every: float = HEARTBEAT_EVERY,
                 poll_every: float = POLL_EVERY) -> None:
        self.database = database
        self.name = name
        self.holder = str(Holder.this_process(purpose or name))
        self.wait = wait
        self.stale_after = stale_after
        self.heartbeat_every = heartbeat_every
        self.poll_every = poll_every
        self.acquired_at: dt.datetime | None = None
        #: set when another process took the lock over (our heartbeat had stopped for too long)
        self.lost = False
        #: the holder this lock was taken over from, if it was
        self.taken_over: LockRow | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def held(self) -> bool:
        return self.acquired_at is not None and not self.lost

    def acquire(self) -> None:
        """Take the lock, waiting up to ``self.wait`` seconds; LockHeldError if still held."""
        deadline = time.monotonic() + self.wait
        while True:
            row = self._try_acquire()
            if row is None:
                break
            if time.monotonic() >= deadline:
                raise LockHeldError(
                    f"{self.name} is locked by {row.holder} since "
                    f"{row.acquired_at.isoformat(timespec='seconds')}Z "
                    f"(last heartbeat {row.heartbeat_at.isoformat(timespec='seconds')}Z); "
                    f"waited {self.wait:g} s"
                )
            log.debug("%s is held by %s; waiting", self.name, row.holder)
            time.sleep(min(self.poll_every, max(deadline - time.monotonic(), 0.01)))
        with _HELD_GUARD:
            _HELD.add((self.name, self.acquired_at))  # type: ignore[arg-type]
        self._start_heartbeat()

    def _try_acquire(self) -> LockRow | None:
        """None when the lock is now ours, else the row of the live holder."""
        now = utcnow()
        try:
            with self.database.engine.begin() as connection:
                connection.execute(sa.insert(Lock).values(
                    name=self.name, holder=self.holder, acquired_at=now, heartbeat_at=now))
            self.acquired_at = now
            return None
        except IntegrityError:
            pass
        row = self.current()
        if row is None:  # released between our insert and our read: try again at once
            return self._try_acquire()
        why = self._abandoned(row)
        if why is None:
            return row
        if self._take_over(row, now):
            log.warning("took over lock %s from %s (%s)", self.name, row.holder, why)
            self.taken_over = row
            self.acquired_at = now
            return None
        return self.current() or row

    def _take_over(self, row: LockRow, now: dt.datetime) -> bool:
        """Compare-and-swap: replace the abandoned holder only if nobody else did first."""
        with self.database.engine.begin() as connection:
            result = connection.execute(
                sa.update(Lock)
                .where(Lock.name == row.name, Lock.holder == row.holder,
                       Lock.acquired_at == row.acquired_at, Lock.heartbeat_at == row.heartbeat_at)
                .values(holder=self.holder, acquired_at=now, heartbeat_at=now)
            )
            return result.rowcount == 1

    def _abandoned(self, row: LockRow) -> str | None:
        """Why ``row``'s holder can be replaced, or None when it must be waited for."""
        age = (utcnow() - row.heartbeat_at).total_seconds()
        if age > self.stale_after:
            return f"no heartbeat for {age:.0f} s"
        holder = Holder.parse(row.holder)
        if holder.host != socket.gethostname() or holder.pid is None:
            return None
        if holder.pid == os.getpid():
            with _HELD_GUARD:
                mine = (row.name, row.acquired_at) in _HELD
            return None if mine else "left by an earlier process with this pid"
        return None if pid_alive(holder.pid) else f"process {holder.pid} is gone"

    def current(self) -> LockRow | None:
        """The lock's row as stored now (None when nobody holds it)."""
        with self.database.engine.connect() as connection:
            found = connection.execute(
                sa.select(Lock.name, Lock.holder, Lock.acquired_at, Lock.heartbeat_at)
                .where(Lock.name == self.name)
            ).first()
        return LockRow(*found) if found else None

    def heartbeat(self) -> bool:
        """Refresh heartbeat_at; False (and ``lost``) when the row is no longer ours."""
        with self.database.engine.begin() as connection:
            result = connection.execute(
                sa.update(Lock)
                .where(Lock.name == self.name, Lock.holder == self.holder,
                       Lock.acquired_at == self.acquired_at)
                .values(heartbeat_at=utcnow())
            )
        if result.rowcount != 1:
            self.lost = True
            log.error("lock %s was taken over by another process (heartbeat stopped too long)", self.name)
            return False
        return True

    def _start_heartbeat(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat {self.name}", daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        while not self._stop.wait(self.heartbeat_every):
            try:
                if not self.heartbeat():
                    return
            except SQLAlchemyError as exc:  # a busy database must not kill the scan; retry next beat
                log.warning("lock %s: heartbeat failed: %s", self.name, " ".join(str(exc).split())[:200])

    def release(self) -> None:
        """Stop heartbeating and delete the row if it is still ours."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=self.heartbeat_every + 5)
        self._thread = None
        if self.acquired_at is None:
            return
        # the row goes first: while it exists, another thread of this process must see it as
        # held (in _HELD), not as left behind by an earlier process with our pid
        try:
            with self.database.engine.begin() as connection:
                connection.execute(
                    sa.delete(Lock).where(Lock.name == self.name, Lock.holder == self.holder,
                                          Lock.acquired_at == self.acquired_at))
        except SQLAlchemyError as exc:  # the row stays; the next acquirer sees our pid is gone
            log.warning("lock %s: release failed: %s", self.name, " ".join(str(exc).split())[:200])
        with _HELD_GUARD:
            _HELD.discard((self.name, self.acquired_at))
        self.acquired_at = None

    def __enter__(self) -> Self:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def pid_alive(pid: int) -> bool:
    """True when process ``pid`` exists on this host and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    except OSError:
        return False
    try:  # a killed child not yet reaped by its parent still answers kill(0): look at its state
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"
    except (OSError, IndexError):
        return True


@contextmanager
def scan_lock(database: Any, source: str, *, wait: float | None = None) -> Iterator[DatabaseLock]:
    """Hold ``scan:<source>`` for a scan; scan runs left "running" by a dead holder become "interrupted"."""
    lock = DatabaseLock(database, f"scan:{source}", f"scan {source}",
                        wait=scan_lock_wait() if wait is None else wait)
    with lock:
        _close_orphaned_runs(database, source)
        yield lock


def scan_lock_wait() -> float:
    """How long a scan waits for the source's lock: ``$BILLWATCH_LOCK_WAIT`` or SCAN_LOCK_WAIT."""
    try:
        return max(float(os.environ.get(LOCK_WAIT_ENV, SCAN_LOCK_WAIT)), 0.0)
    except ValueError:
        log.warning("%s is not a number of seconds; using %g", LOCK_WAIT_ENV, SCAN_LOCK_WAIT)
        return SCAN_LOCK_WAIT


def _close_orphaned_runs(database: Any, source: str) -> None:
    """Holding the source's lock, any run of it still marked running was cut short (SIGKILL, power cut)."""
    with database.engine.begin() as connection:
        result = connection.execute(
            sa.update(ScanRun)
            .where(ScanRun.source == source, ScanRun.status == "running")
            .values(status="interrupted", finished_at=utcnow(),
                    error="the process scanning this source stopped before the scan finished")
        )
    if result.rowcount:
        log.warning("%s: %d earlier scan(s) had been interrupted; resuming from the saved cursor",
                    source, result.rowcount)


def held_locks(database: Any) -> list[LockRow]:
    """Every lock currently recorded (for `billwatch status`)."""
    with database.engine.connect() as connection:
        rows = connection.execute(
            sa.select(Lock.name, Lock.holder, Lock.acquired_at, Lock.heartbeat_at).order_by(Lock.name)
        ).all()
    return [LockRow(*row) for row in rows]
