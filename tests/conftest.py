"""Shared test set-up: no test reaches the network.

`responses` is active for every test: a request to a URL no test registered fails the test.
Requests to loopback pass through, for the tests that run a real local server.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import responses

FIXTURES = Path(__file__).parent / "fixtures"
LOOPBACK = re.compile(r"^https?://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(/|$)")


@pytest.fixture(autouse=True)
def no_network():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add_passthru(LOOPBACK)
        yield rsps


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


# -- databases (storage) --------------------------------------------------------------------------

PG_URL_VARIABLE = "BILLWATCH_TEST_PG_URL"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path):
    """The URL of an empty database (no tables yet), once per database kind.

    ``sqlite``: a file in the test's tmp_path. ``postgresql``: a schema created for this test in
    the database named by $BILLWATCH_TEST_PG_URL (search_path set in the URL) and dropped after
    it; the test is skipped when the variable is unset.
    """
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'billwatch.db'}"
        return
    base = os.environ.get(PG_URL_VARIABLE)
    if not base:
        pytest.skip(f"{PG_URL_VARIABLE} is not set")
    import uuid

    import sqlalchemy as sa

    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(sa.make_url(base).set(drivername="postgresql+psycopg"))
    with admin.begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        yield admin.url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


@pytest.fixture
def database(database_url: str):
    """An upgraded, empty ``monitor.db.Database`` (all migrations applied), on SQLite and on
    PostgreSQL (skipped unless $BILLWATCH_TEST_PG_URL is set); disposed after the test.

    Use it as ``with database.session() as session: ...; session.commit()``; the store
    (``monitor.store.Store(session)``) never commits by itself.
    """
    from monitor.db import open_database

    db = open_database(database_url)
    try:
        yield db
    finally:
        db.dispose()
