"""monitor.db: opening databases, SQLite settings, migrations on start, errors without passwords."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from monitor import db as db_module
from monitor.db import alembic_config, open_database
from monitor.errors import StorageError
from monitor.models import Base

ROOT = Path(__file__).resolve().parent.parent


def schema_diff(database: db_module.Database) -> list:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        return compare_metadata(context, Base.metadata)


def test_migrated_schema_equals_the_models(database):
    assert database.current_revision() == database.head_revision()
    assert schema_diff(database) == []


def test_every_model_table_is_created(database):
    with database.engine.connect() as connection:
        tables = set(sa.inspect(connection).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_downgrade_to_nothing_and_upgrade_again(database):
    with database.engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    with database.engine.connect() as connection:
        assert set(sa.inspect(connection).get_table_names()) <= {"alembic_version"}
    database.upgrade()
    assert schema_diff(database) == []


def test_open_twice_is_a_noop_the_second_time(database_url):
    first = open_database(database_url)
    first.dispose()
    second = open_database(database_url)
    try:
        assert second.current_revision() == second.head_revision() is not None
    finally:
        second.dispose()


def test_open_without_upgrade_leaves_the_database_empty(database_url):
    database = open_database(database_url, upgrade=False)
    try:
        assert database.current_revision() is None
    finally:
        database.dispose()


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path):
    database = open_database(f"sqlite:///{tmp_path / 'b.db'}")
    try:
        with database.engine.connect() as connection:
            def pragma(name: str) -> object:
                return connection.exec_driver_sql(f"PRAGMA {name}").scalar()

            assert pragma("journal_mode") == "wal"
            assert pragma("foreign_keys") == 1
            assert pragma("busy_timeout") == db_module.SQLITE_BUSY_TIMEOUT_MS
            assert pragma("mmap_size") == db_module.SQLITE_MMAP_BYTES
    finally:
        database.dispose()


def test_relative_sqlite_path_is_relative_to_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    database = open_database("sqlite:///relative.db")
    database.dispose()
    assert (tmp_path / "relative.db").is_file()


def test_missing_sqlite_folder_is_a_clear_error_and_is_not_created(tmp_path):
    folder = tmp_path / "no" / "such"
    with pytest.raises(StorageError) as caught:
        open_database(f"sqlite:///{folder / 'billwatch.db'}")
    assert "does not exist" in caught.value.message
    assert "create the folder" in caught.value.hint
    assert not folder.exists()


@pytest.mark.parametrize(
    "url, expected",
    [
        pytest.param("", "no database URL", id="empty"),
        pytest.param("billwatch.db", "malformed database URL", id="bare-path"),
        pytest.param("mysql://u:pw@host/db", "unsupported database", id="mysql"),
    ],
)
def test_bad_urls_are_refused(url, expected):
    with pytest.raises(StorageError) as caught:
        open_database(url)
    assert expected in caught.value.message
    assert caught.value.hint


@pytest.mark.parametrize("scheme", ["postgresql+psycopg", "postgresql", "postgres"])
def test_unreachable_postgresql_error_hides_the_password(scheme):
    # port 1 on loopback: nothing listens there, the connection is refused at once
    with pytest.raises(StorageError) as caught:
        open_database(f"{scheme}://billwatch:s3cr3t-pw@127.0.0.1:1/billwatch")
    text = f"{caught.value}"
    assert "s3cr3t-pw" not in text
    assert "postgresql+psycopg://billwatch:***@127.0.0.1:1/billwatch" in text
    assert "PostgreSQL server running" in caught.value.hint


def test_database_url_property_masks_the_password(tmp_path):
    database = db_module.Database(sa.create_engine("postgresql+psycopg://u:pa55word@h/db"))
    assert database.url == "postgresql+psycopg://u:***@h/db"
    assert "pa55word" not in repr(database)


def test_a_file_that_is_not_a_database(tmp_path):
    path = tmp_path / "notes.db"
    path.write_bytes(b"this is not sqlite, just some notes\n" * 200)
    with pytest.raises(StorageError) as caught:
        open_database(f"sqlite:///{path}")
    assert "not a SQLite database" in caught.value.hint


def test_locked_database_gives_up_after_the_busy_timeout(tmp_path, monkeypatch):
    monkeypatch.setattr(db_module, "SQLITE_BUSY_TIMEOUT_MS", 200)
    path = tmp_path / "locked.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA journal_mode = WAL")
    holder.execute("BEGIN IMMEDIATE")  # another process in the middle of a write
    try:
        with pytest.raises(StorageError) as caught:
            open_database(f"sqlite:///{path}")  # needs the write lock to create the tables
        assert "locked" in caught.value.message
        assert "another billwatch process" in caught.value.hint
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    open_database(f"sqlite:///{path}").dispose()  # the lock is gone: it works


def test_database_migrated_by_a_newer_billwatch(tmp_path):
    url = f"sqlite:///{tmp_path / 'newer.db'}"
    open_database(url).dispose()
    with sqlite3.connect(tmp_path / "newer.db") as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    with pytest.raises(StorageError) as caught:
        open_database(url)
    assert "9999_from_the_future" in caught.value.message
    assert "newer billwatch" in caught.value.hint


def test_alembic_command_line_sees_no_difference_from_the_models(tmp_path):
    """monitor/alembic.ini works for developers: upgrade, then `alembic check` finds nothing."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    alembic = [sys.executable, "-m", "alembic", "-c", str(ROOT / "monitor" / "alembic.ini"), "-x", f"url={url}"]
    for args in (["upgrade", "head"], ["check"]):
        done = subprocess.run(alembic + args, capture_output=True, text=True, cwd=tmp_path,
                              timeout=120, check=False)
        assert done.returncode == 0, done.stderr
    assert "No new upgrade operations detected" in done.stdout + done.stderr


def test_one_migration_head():
    from alembic.script import ScriptDirectory

    assert len(ScriptDirectory.from_config(alembic_config()).get_heads()) == 1


BAD_MIGRATION = '''
import sqlalchemy as sa
from alembic import op

revision = "0002_bad"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("half_done", sa.Column("id", sa.Integer, primary_key=True))
    op.execute("THIS IS NOT SQL")


def downgrade():
    pass
'''


def test_failed_migration_is_rolled_back_whole(database_url, tmp_path, monkeypatch):
    import shutil

    open_database(database_url).dispose()
    migrations = tmp_path / "migrations"
    shutil.copytree(db_module.MIGRATIONS, migrations, ignore=shutil.ignore_patterns("__pycache__"))
    (migrations / "versions" / "0002_bad.py").write_text(BAD_MIGRATION)
    monkeypatch.setattr(db_module, "MIGRATIONS", migrations)
    with pytest.raises(StorageError) as caught:
        open_database(database_url)
    assert "cannot migrate" in caught.value.message
    assert "rolled back" in caught.value.hint
    database = open_database(database_url, upgrade=False)
    try:
        with database.engine.connect() as connection:
            assert "half_done" not in sa.inspect(connection).get_table_names()
        assert database.current_revision() == "0001"
    finally:
        database.dispose()


def test_two_processes_starting_together_migrate_once(database_url):
    """Both opens succeed: the second waits for the first's migration lock, then finds it done."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=3) as pool:
        opened = list(pool.map(lambda _: open_database(database_url), range(3)))
    try:
        assert {d.current_revision() for d in opened} == {opened[0].head_revision()}
        assert schema_diff(opened[0]) == []
    finally:
        for database in opened:
            database.dispose()


def test_threads_of_one_process_take_turns_writing_to_one_sqlite_database(tmp_path, database):
    import datetime as dt
    import threading
    import time

    from monitor.db import open_database, writing
    from monitor.models import Lock

    if database.dialect != "sqlite":  # PostgreSQL writers need no turns: a no-op there
        with database.session() as session, writing(session) as held:
            assert held is None
        return
    with database.session() as one, database.session() as two:
        assert writing(one) is writing(two)  # one lock per database (engine)
    other = open_database(f"sqlite:///{tmp_path / 'other.db'}")
    with database.session() as one, other.session() as elsewhere:
        assert writing(one) is not writing(elsewhere)
    other.dispose()

    # two threads, each holding the turn over a write transaction: never both inside at once
    inside, overlaps = [0], []

    def writer(n: int) -> None:
        with database.session() as session:
            for i in range(20):
                with writing(session):
                    inside[0] += 1
                    overlaps.append(inside[0])
                    session.add(Lock(name=f"t{n}-{i}", holder="test", acquired_at=dt.datetime(2026, 1, 1),
                                     heartbeat_at=dt.datetime(2026, 1, 1)))
                    session.commit()
                    time.sleep(0.001)
                    inside[0] -= 1

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert max(overlaps) == 1 and len(overlaps) == 40
    with database.session() as session:
        assert session.query(Lock).count() == 40


@pytest.mark.parametrize("url, in_memory", [
    ("sqlite://", True), ("sqlite:///:memory:", True),
    ("sqlite:///{tmp}/file.db", False),
])
def test_in_memory_names_the_databases_other_threads_cannot_share(tmp_path, url, in_memory):
    database = open_database(url.format(tmp=tmp_path), upgrade=False)
    assert database.in_memory is in_memory
    database.dispose()
