"""Shared helpers of the rule tests (no tests here): a fresh database per test, bill records.

PostgreSQL runs where BILLWATCH_TEST_PG_URL is set (CI sets it); each test gets its own schema
(dropped afterwards), so tests sharing the server never see each other's bills or matches.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from monitor.db import Database, open_database
from monitor.store import Store
from sources.base import Action, BillRecord

PG_URL = os.environ.get("BILLWATCH_TEST_PG_URL")


@pytest.fixture(params=["sqlite", "postgresql"])
def rules_db(request, tmp_path) -> Iterator[Database]:
    """An empty, migrated database of each kind."""
    if request.param == "sqlite":
        database = open_database(f"sqlite:///{tmp_path / 'rules.db'}")
        yield database
        database.dispose()
        return
    if not PG_URL:
        pytest.skip("BILLWATCH_TEST_PG_URL is not set")
    schema = f"test_rules_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in PG_URL else "?"
    database = open_database(f"{PG_URL}{separator}options={quote(f'-csearch_path={schema}')}")
    try:
        yield database
    finally:
        database.dispose()
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def record(identifier: str, title: str, summary: str | None = None, *, jurisdiction: str = "US-TX",
           session: str = "89R", actions: tuple[str, ...] = (), extras: dict | None = None,
           subjects: tuple[str, ...] = (), last_action_date=None) -> BillRecord:
    """A bill record as a source would produce it."""
    return BillRecord(
        source="test", jurisdiction=jurisdiction, session=session, identifier=identifier, title=title,
        summary=summary, subjects=list(subjects), actions=[Action(None, a) for a in actions],
        extras=extras or {}, last_action_date=last_action_date,
    )


def store_bills(database: Database, *records: BillRecord, baseline: bool = False) -> list[int]:
    """Upsert records through the real store; returns their bill ids."""
    with database.session() as session:
        outcomes = Store(session).upsert_many(list(records), baseline=baseline)
        session.commit()
    return [outcome.bill_id for outcome in outcomes]
