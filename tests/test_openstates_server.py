"""Open States against a real local HTTP server that pages and filters like the API, into the store.

The store runs on SQLite, and on PostgreSQL where BILLWATCH_TEST_PG_URL is set (CI sets it). Each
test stores its bills under its own session label and source name, and deletes them afterwards, so
tests sharing the PostgreSQL database never see each other's bills: the server lists each test's
session as a called session with its own year and ordinal, which the source turns into its own
label ("1987 42nd Special Session").
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import random
import threading
import urllib.parse
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sqlalchemy as sa

from monitor import models
from monitor.config import parse_config
from monitor.db import Database, open_database
from monitor.http import HttpClient, HttpSettings
from monitor.scan import scan_source
from monitor.store import Store
from sources.openstates import OpenStatesOptions, OpenStatesSource
from sources.us_sessions import english_ordinal

FIXTURES = Path(__file__).parent / "fixtures" / "openstates"
KEY = "local-test-key-42"
PG_URL = os.environ.get("BILLWATCH_TEST_PG_URL")
BILL_COUNT = 45  # three pages of 20


class FakeOpenStates(BaseHTTPRequestHandler):
    """GET /bills as v3.openstates.org answers it: key header, updated_since compared as text with
    PostgreSQL's form of the timestamp, sort=updated_asc, pages of per_page, 404 past max_page,
    only the included data. GET /jurisdictions/<Texas>?include=legislative_sessions: ``sessions``."""

    bills: list[dict] = []
    sessions: list[dict] = []
    asked: list[dict[str, list[str]]] = []  # the /bills queries
    sessions_asked: int = 0

    def do_GET(self) -> None:  # noqa: N802 (the http.server API)
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        if self.headers.get("X-API-KEY") != KEY:
            return self._send(401, {"detail": "Invalid API key."})
        if url.path == "/jurisdictions/ocd-jurisdiction/country:us/state:tx/government":
            type(self).sessions_asked += 1
            return self._send(200, {"id": url.path.removeprefix("/jurisdictions/"), "name": "Texas",
                                    "classification": "state", "url": "https://capitol.texas.gov/",
                                    "legislative_sessions": self.sessions})
        if url.path != "/bills":
            return self._send(404, {"detail": "Not Found"})
        type(self).asked.append(query)
        since = query.get("updated_since", [""])[0]
        state = query["jurisdiction"][0]
        bills = [b for b in self.bills if b["jurisdiction"]["id"].endswith(f":{state}/government")
                 and _pg_text(b["updated_at"]) >= since]
        bills.sort(key=lambda b: b["updated_at"])
        per_page, page = int(query["per_page"][0]), int(query.get("page", ["1"])[0])
        max_page = max(1, -(-len(bills) // per_page))
        if page > max_page:
            return self._send(404, {"detail": f"invalid page, must be in [1, {max_page}]"})
        include = set(query.get("include", []))
        optional = ("sponsorships", "abstracts", "actions", "sources", "versions")
        chunk = [{k: v for k, v in b.items() if k not in optional or k in include}
                 for b in bills[(page - 1) * per_page: page * per_page]]
        self._send(200, {"results": chunk, "pagination": {
            "per_page": per_page, "page": page, "max_page": max_page, "total_items": len(bills)}})

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:  # keep the test output clean
        pass


def _pg_text(updated_at: str) -> str:
    """``2025-06-01T00:01:00.5+00:00`` as PostgreSQL casts a timestamptz to text: ``2025-06-01 00:01:00.5+00``."""
    moment = dt.datetime.fromisoformat(updated_at).astimezone(dt.timezone.utc)
    text = moment.strftime("%Y-%m-%d %H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond:06d}".rstrip("0")
    return text + "+00"


def documented_bills(count: int, session: str) -> list[dict]:
    template = json.loads((FIXTURES / "bills_tx_page_documented.json").read_text(encoding="utf-8"))["results"][0]
    bills = []
    for n in range(1, count + 1):
        bill = copy.deepcopy(template)
        bill["id"] = f"ocd-bill/00000000-0000-0000-0000-{n:012d}"
        bill["identifier"] = f"HB {n}"
        bill["session"] = session
        bill["title"] = f"Relating to health information exchange, part {n}."
        bill["actions"] = bill["actions"][:5]  # passed the House
        bill["latest_action_description"] = "Passed"
        # several bills per second, some on the same day as others but later: the cases the
        # updated_since text comparison gets wrong when written with a "T"
        moment = dt.datetime(2025, 6, 1, 8, tzinfo=dt.timezone.utc) + dt.timedelta(milliseconds=250 * n)
        bill["updated_at"] = moment.isoformat()
        bills.append(bill)
    return bills


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'billwatch.db'}"
    elif PG_URL:
        url = PG_URL
    else:
        pytest.skip("BILLWATCH_TEST_PG_URL is not set")
    db = open_database(url)
    yield db
    db.dispose()


@pytest.fixture
def run(database: Database) -> Iterator[tuple[str, str, str]]:
    """(session label, source name, Open States session) of this test; its rows are deleted afterwards."""
    tag = uuid.uuid4().hex[:8].translate(str.maketrans("0123456789", "ghijklmnop"))  # no digits: no year
    year, called = random.randint(1900, 2099), english_ordinal(random.randint(1, 99))
    session_label, source_name, openstates_session = f"{year} {called} Special Session", f"openstates-{tag}", f"89{tag}"
    FakeOpenStates.sessions = [{"identifier": openstates_session, "classification": "special",
                                "name": f"89th Legislature, {called} Called Session ({year})",
                                "start_date": f"{year}-07-21", "end_date": f"{year}-08-15"}]
    yield session_label, source_name, openstates_session
    with database.engine.begin() as connection:
        connection.execute(sa.delete(models.Bill).where(models.Bill.session == session_label))
        connection.execute(sa.delete(models.ScanRun).where(models.ScanRun.source == source_name))
        connection.execute(sa.delete(models.SourceState).where(models.SourceState.name == source_name))


@pytest.fixture
def api(run: tuple[str, str, str]) -> Iterator[str]:
    FakeOpenStates.bills = documented_bills(BILL_COUNT, run[2])
    FakeOpenStates.asked = []
    FakeOpenStates.sessions_asked = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOpenStates)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(5)


def make_source(base_url: str, cursor: dict, name: str) -> OpenStatesSource:
    opts = OpenStatesOptions(name=name, type="openstates", api_key=KEY, jurisdictions=["tx"],
                             base_url=base_url)
    client = HttpClient(HttpSettings(), sleep=lambda seconds: None)  # the 6 s tier interval, skipped
    http = client.for_source(opts.name, OpenStatesSource.secrets(opts), OpenStatesSource.request_interval(opts))
    return OpenStatesSource(opts, http, cursor)


def store_scan(database: Database, source: OpenStatesSource, baseline: bool = False) -> list:
    with database.session() as session:
        outcomes = Store(session).upsert_many(list(source.fetch()), baseline=baseline)
        session.commit()
    return outcomes


def count_events(database: Database, session_label: str) -> int:
    with database.session() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(models.Event).join(models.Bill)
                              .where(models.Bill.session == session_label))


def test_second_scan_with_updated_since_changes_nothing(api, database, run):
    session_label, name, _ = run
    cursor: dict = {}
    first = store_scan(database, make_source(api, cursor, name), baseline=True)
    assert [o.result for o in first] == ["insert"] * BILL_COUNT
    assert {o.key[1] for o in first} == {session_label}
    assert [q["page"] for q in FakeOpenStates.asked] == [["1"], ["2"], ["3"]]
    assert FakeOpenStates.sessions_asked == 1
    events_after_first = count_events(database, session_label)
    assert events_after_first == BILL_COUNT  # one new_bill each

    FakeOpenStates.asked.clear()
    second = store_scan(database, make_source(api, cursor, name))
    (asked,) = FakeOpenStates.asked  # one request: only the bills of the cursor's second come back
    assert asked["updated_since"] == ["2025-06-01 08:00:11"]
    assert [(o.key[2], o.result) for o in second] == [("HB 44", "noop"), ("HB 45", "noop")]
    assert count_events(database, session_label) == events_after_first

    # one bill moves on: only it comes back, with its events
    moved = FakeOpenStates.bills[9]
    moved["actions"] = json.loads((FIXTURES / "bills_tx_page_documented.json").read_text())["results"][0]["actions"]
    moved["updated_at"] = "2025-06-02T09:00:00.000001+00:00"
    FakeOpenStates.asked.clear()
    third = store_scan(database, make_source(api, cursor, name))
    # the bills of the cursor's last second come back too (to the second, >=), unchanged
    assert [(o.key[2], o.result) for o in third] == [("HB 44", "noop"), ("HB 45", "noop"), ("HB 10", "update")]
    assert {"stage_changed", "action_added"} <= set(third[2].events)
    assert third[0].events == third[1].events == []
    assert cursor["updated_since"]["tx"] == "2025-06-02T09:00:00.000001+00:00"
    assert FakeOpenStates.sessions_asked == 1  # the label is remembered in the cursor


def test_scan_pipeline_with_base_url_at_the_local_server(api, database, run, monkeypatch):
    session_label, name, openstates_session = run
    monkeypatch.setenv("OPENSTATES_API_KEY", KEY)
    config = parse_config({"source": [{"name": name, "type": "openstates", "base_url": api,
                                       "api_key": "${OPENSTATES_API_KEY}", "jurisdictions": ["tx"]}]})
    http = HttpClient(config.http, sleep=lambda seconds: None)
    (options,) = config.sources

    first = scan_source(config, database, options, http)
    # the session labels, then three pages of bills; a rescan: one page
    assert (first.error, first.read, first.inserted, first.requests) == (None, BILL_COUNT, BILL_COUNT, 4)
    second = scan_source(config, database, options, http)
    assert (second.error, second.inserted, second.updated, second.events, second.requests) == (None, 0, 0, 0, 1)
    assert FakeOpenStates.asked[-1]["updated_since"] == ["2025-06-01 08:00:11"]

    with database.session() as session:
        bill = session.scalars(sa.select(models.Bill).where(
            models.Bill.session == session_label, models.Bill.identifier == "HB 7")).one()
        assert (bill.jurisdiction, bill.stage, bill.source) == ("US-TX", "passed_chamber", name)
        assert bill.extras["openstates_session"] == openstates_session
        assert KEY not in (bill.source_url or "")


def test_wrong_key_fails_the_scan_with_one_line_and_no_bills(api, database, run):
    session_label, name, _ = run
    config = parse_config({"source": [{"name": name, "type": "openstates", "base_url": api,
                                       "api_key": "not-the-key", "jurisdictions": ["tx"]}]})
    report = scan_source(config, database, config.sources[0], HttpClient(config.http, sleep=lambda s: None))
    assert report.error and "401" in report.error and "not-the-key" not in report.error
    with database.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(models.Bill)
                              .where(models.Bill.session == session_label)) == 0
