"""Alembic environment for billwatch.

Two ways in: ``monitor.db.Database.upgrade()`` hands over an open connection (in
``config.attributes["connection"]``) already holding the schema lock; the ``alembic`` command line
(monitor/alembic.ini) names the database with ``-x url=...``, ``$BILLWATCH_DATABASE_URL`` or the
ini's ``sqlalchemy.url``. SQLite cannot ALTER most things in place, so migrations render in batch
mode there (copy-and-move tables).
"""

from __future__ import annotations

import logging.config
import os

from alembic import context
from sqlalchemy.engine import Connection

from monitor.models import Base

config = context.config
target_metadata = Base.metadata


def _cli_url() -> str:
    return (
        context.get_x_argument(as_dictionary=True).get("url")
        or os.environ.get("BILLWATCH_DATABASE_URL")
        or config.get_main_option("sqlalchemy.url")
        or "sqlite:///billwatch.db"
    )


def _configure(**kwargs: object) -> None:
    context.configure(
        target_metadata=target_metadata,
        compare_type=True,
        compare_server_default=True,
        **kwargs,
    )


def run_offline() -> None:
    """``alembic upgrade head --sql``: print the SQL instead of running it."""
    url = _cli_url()
    _configure(url=url, literal_binds=True, render_as_batch=url.startswith("sqlite"))
    with context.begin_transaction():
        context.run_migrations()


def run_on(connection: Connection) -> None:
    # SQLite can roll DDL back too: with the caller's transaction (Database.upgrade holds one),
    # a failed migration leaves the schema as it was
    _configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite",
               transactional_ddl=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_on(connection)
        return
    # the command line: same engine set-up (pragmas, URL checks) as the application
    from monitor.db import open_database

    database = open_database(_cli_url(), upgrade=False)
    try:
        with database.engine.begin() as connection:
            run_on(connection)
    finally:
        database.dispose()


if config.config_file_name is not None and config.attributes.get("connection") is None:
    # only the command line configures logging; inside billwatch the application owns it
    logging.config.fileConfig(config.config_file_name, disable_existing_loggers=False)

if context.is_offline_mode():
    run_offline()
else:
    run_online()
