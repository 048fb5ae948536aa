"""Opening the database: engine set-up, SQLite pragmas, migrations on start, readable errors.

``open_database(url)`` is the one way in. It accepts ``sqlite:///path/to/billwatch.db`` (the
default; WAL journal, foreign keys on, a 30 s busy timeout) and ``postgresql+psycopg://...``
(``postgresql://`` and ``postgres://`` are read as psycopg too). It applies the Alembic
migrations under ``monitor/migrations`` unless told not to, and turns every failure (bad URL,
server down, database locked, migration failed) into a :class:`~monitor.errors.StorageError` whose
message names the database with its password masked.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import weakref
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any, Self

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from monitor.errors import StorageError

log = logging.getLogger("billwatch.db")

MIGRATIONS = Path(__file__).parent / "migrations"
#: how long a SQLite writer waits for another process's write lock before giving up
SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_MMAP_BYTES = 128 * 1024 * 1024
#: PostgreSQL advisory lock key serialising concurrent migrations ("billwatch" in ASCII, truncated)
_PG_MIGRATION_LOCK = 0x62696C6C7761


class Database:
    """An open database: the engine, a session factory and the migration runner."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._password = engine.url.password
        self._sessions = sessionmaker(bind=engine, expire_on_commit=False)

    @property
    def url(self) -> str:
        """The database URL for display: the password is replaced by ***."""
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @property
    def in_memory(self) -> bool:
        """An in-memory SQLite database: one connection, so a session opened on another thread
        would see another, empty database."""
        url = self.engine.url
        return url.get_backend_name() == "sqlite" and (
            url.database in (None, "", ":memory:") or url.query.get("mode") == "memory")

    def session(self) -> Session:
        """A new ORM session; objects stay readable after commit (expire_on_commit=False)."""
        return self._sessions()

    def upgrade(self) -> None:
        """Apply every pending Alembic migration (``alembic upgrade head``); a no-op when current."""
        from alembic import command
        from alembic.util import CommandError

        try:
            if self.current_revision() == self.head_revision():
                return
            with self._migration_connection() as connection:
                config = alembic_config()
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        except StorageError:
            raise
        except CommandError as exc:
            raise self.error("cannot migrate", exc, hint=_hint_for_revision(exc)) from exc
        except SQLAlchemyError as exc:
            raise self.error("cannot migrate", exc, fallback_hint=_MIGRATION_HINT) from exc

    def current_revision(self) -> str | None:
        """The migration the database is at (None for an empty database)."""
        from alembic.runtime.migration import MigrationContext

        try:
            with self.engine.connect() as connection:
                return MigrationContext.configure(connection).get_current_revision()
        except SQLAlchemyError as exc:
            raise self.error("cannot read", exc) from exc

    @staticmethod
    def head_revision() -> str | None:
        """The newest migration this version of billwatch ships."""
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(alembic_config()).get_current_head()

    def dispose(self) -> None:
        """Close every pooled connection (call before the process exits or forks)."""
        self.engine.dispose()

    def error(self, what: str, exc: BaseException, hint: str | None = None,
              fallback_hint: str | None = None) -> StorageError:
        """A StorageError for ``exc``: what failed, on which database, why; never the password."""
        reason = _reason(exc)
        if self._password:
            reason = reason.replace(str(self._password), "***")
        return StorageError(f"{what} database {self.url}: {reason}",
                            hint=hint or _hint_for(reason) or fallback_hint)

    @contextmanager
    def _migration_connection(self) -> Iterator[Connection]:
        """A connection in a transaction that holds the schema lock, so two processes starting at
        once do not both try to create the tables."""
        with self.engine.connect() as connection:
            if self.dialect == "sqlite":
                # the sqlite3 driver would start a deferred transaction only at the first DML and
                # commit DDL as it goes; IMMEDIATE takes the write lock now, for the whole upgrade
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                connection.begin()
                if self.dialect == "postgresql":
                    connection.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_MIGRATION_LOCK)))
            try:
                yield connection
            except BaseException:
                connection.rollback()
                raise
            connection.commit()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.dispose()

    def __repr__(self) -> str:
        return f"Database({self.url!r})"


def open_database(url: str, *, upgrade: bool = True) -> Database:
    """Connect to the database at ``url`` and (by default) migrate it to the current schema.

    Raises StorageError for a malformed URL, an unknown driver, a missing SQLite folder, a server
    that refuses the connection, a locked database or a failed migration.
    """
    parsed = _parse_url(url)
    engine = _create_engine(parsed)
    database = Database(engine)
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except SQLAlchemyError as exc:
        engine.dispose()
        raise database.error("cannot open", exc) from exc
    if upgrade:
        try:
            database.upgrade()
        except StorageError:
            engine.dispose()
            raise
    return database


def alembic_config() -> Any:
    """An Alembic Config for monitor/migrations, built in code (works from any folder and from an
    installed package; ``monitor/alembic.ini`` is only for the alembic command line)."""
    from alembic.config import Config

    config = Config()
    # configparser interpolates %: a folder name with % in it must be escaped
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    return config


def _parse_url(url: str) -> URL:
    if not url or not url.strip():
        raise StorageError("no database URL given", hint='set [database] url, e.g. "sqlite:///billwatch.db"')
    try:
        parsed = make_url(url.strip())
    except ArgumentError:
        # the URL may hold a password: name only its scheme
        scheme = url.split(":", 1)[0] if ":" in url else "(none)"
        raise StorageError(
            f"malformed database URL (scheme {scheme!r})",
            hint='use "sqlite:///path/to/billwatch.db" or "postgresql+psycopg://user:password@host/dbname"',
        ) from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        _check_sqlite_folder(parsed)
    elif parsed.drivername != "postgresql+psycopg":
        raise StorageError(
            f"unsupported database {parsed.drivername!r} in {parsed.render_as_string(hide_password=True)}",
            hint='billwatch supports "sqlite:///file.db" and "postgresql+psycopg://user:password@host/dbname"',
        )
    return parsed


def _check_sqlite_folder(url: URL) -> None:
    path = url.database
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    folder = Path(path).expanduser().absolute().parent
    if not folder.is_dir():
        raise StorageError(
            f"the folder of SQLite database {path!r} does not exist ({folder})",
            hint="create the folder, or fix [database] url in the config",
        )


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.date):  # dates in a cursor or extras are stored as ISO strings
        return value.isoformat()
    raise TypeError(f"cannot store a {type(value).__name__} in a JSON column")


#: JSON columns: compact, readable UTF-8, dates allowed; one encoder built once (json.dumps with
#: options would build one per value, which shows in the ingest benchmark)
_json_serializer = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_json_default).encode


def _switch_to_wal(cursor: Any) -> None:
    """Turn WAL on. SQLite answers "locked" at once, without its busy handler, when another
    process is switching the same new file: retry for up to the busy timeout."""
    import sqlite3
    import time

    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _create_engine(url: URL) -> Engine:
    try:
        if url.get_backend_name() == "sqlite":
            engine = sa.create_engine(url, json_serializer=_json_serializer)
            event.listen(engine, "connect", _sqlite_pragmas)
            return engine
        return sa.create_engine(url, pool_pre_ping=True, json_serializer=_json_serializer)
    except (NoSuchModuleError, ImportError, ArgumentError) as exc:
        raise StorageError(
            f"cannot use database {url.render_as_string(hide_password=True)}: {exc}",
            hint='install the driver (pip install "psycopg[binary]") or fix [database] url',
        ) from exc


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Per-connection SQLite settings: WAL lets readers work while a scan writes; foreign keys
    are off by default in SQLite; the busy timeout makes a second writer wait instead of failing."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if cursor.execute("PRAGMA journal_mode").fetchone()[0] not in ("wal", "memory"):
            _switch_to_wal(cursor)
        # with WAL, NORMAL is durable against application crashes; only a power cut can lose
        # the last transactions, never corrupt the file
        cursor.execute("PRAGMA synchronous = NORMAL")
        # reading pages through a memory map instead of one read() each: a re-scan looks up
        # every bill, which this makes ~30% cheaper; the mapped pages are the OS page cache
        cursor.execute(f"PRAGMA mmap_size = {SQLITE_MMAP_BYTES}")
    finally:
        cursor.close()


def _reason(exc: BaseException) -> str:
    """The driver's own message (without SQLAlchemy's SQL and parameters), on one line."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc)
    return " ".join(text.split()) or type(exc).__name__


def _hint_for(reason: str) -> str | None:
    lowered = reason.lower()
    if "locked" in lowered or "busy" in lowered:
        return "another billwatch process is writing; retry when it finishes (see `billwatch status`)"
    if "password authentication" in lowered or "authentication failed" in lowered:
        return "check the user and password in [database] url"
    if "does not exist" in lowered and "database" in lowered:
        return "create the database first (createdb NAME), or fix [database] url"
    if "connection refused" in lowered or "could not connect" in lowered or "connection failed" in lowered:
        return "is the PostgreSQL server running and reachable at the host and port of [database] url?"
    if "unable to open database file" in lowered or "readonly" in lowered or "read-only" in lowered:
        return "check that the SQLite file and its folder exist and are writable by this user"
    if "not a database" in lowered:
        return "[database] url points at a file that is not a SQLite database"
    return None


_MIGRATION_HINT = ("the migration was rolled back and the database left as it was; report the error "
                   "(run with -v for details) and keep using the previous billwatch version meanwhile")


def _hint_for_revision(exc: BaseException) -> str:
    if "Can't locate revision" in str(exc):
        return "the database was migrated by a newer billwatch; upgrade billwatch, or use another database"
    return _MIGRATION_HINT


_WRITE_LOCKS: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()
_WRITE_LOCKS_GUARD = threading.Lock()


def writing(session: Session) -> AbstractContextManager[Any]:
    """Hold around one short write transaction (its statements and its commit) made by one of
    several threads of this process on the same SQLite database: they then take turns on a thread
    lock, which hands over in microseconds, instead of SQLite's busy handler, which sleeps 1 to
    100 ms each time it finds the database locked (a digest run's composing and sending threads
    commit ~1,000 times each). Other processes still meet the busy timeout. A no-op elsewhere."""
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    if engine.dialect.name != "sqlite":
        return nullcontext()
    with _WRITE_LOCKS_GUARD:
        lock = _WRITE_LOCKS.get(engine)
        if lock is None:
            lock = _WRITE_LOCKS[engine] = threading.Lock()
    return lock
