"""The LegiScan source against a real HTTP server on loopback that answers like the LegiScan API
(escaped slashes, numbers as strings, ``"status":"ERROR"`` with HTTP 200), scanned through the
real pipeline into the real store: the second scan of unchanged data makes one request and records
no event; one changed bill costs one getBill and records the right events."""

from __future__ import annotations

import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from monitor.config import parse_config
from monitor.db import Database
from monitor.http import HttpClient, HttpSettings
from monitor.models import Bill, Event, SourceState
from monitor.scan import scan
from monitor.store import Store
from sources.legiscan_dataset import read_archive
from tests.test_legiscan import KEY, FakeLegiScan

OR_ARCHIVE = (Path(__file__).parent / "fixtures" / "legiscan"
              / "OR_2025-2025_1st_Special_Session_CSV_20251009_708eb2835118140a97eb468afd76a4b0.zip")


@pytest.fixture
def api() -> Iterator[tuple[FakeLegiScan, str]]:
    """A fake LegiScan API served over HTTP on 127.0.0.1 (random port); yields it and its base URL."""
    fake = FakeLegiScan()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
            body = fake.answer(query).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake, f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def scan_legiscan(database: Database, base_url: str, monkeypatch: pytest.MonkeyPatch, key: str = KEY) -> Any:
    monkeypatch.setenv("LEGISCAN_TEST_KEY", key)
    config = parse_config({"source": [{"name": "legiscan", "type": "legiscan", "api_key": "${LEGISCAN_TEST_KEY}",
                                       "states": ["TX"], "base_url": base_url}]})
    client = HttpClient(HttpSettings(min_interval=0, retries=0))
    try:
        return scan(config, database, http=client).sources[0]
    finally:
        client.close()


def events(database: Database, baseline: bool) -> list[tuple[str, str]]:
    with database.session() as session:
        rows = session.execute(select(Bill.identifier, Event.kind).join(Bill, Bill.id == Event.bill_id)
                               .where(Event.baseline.is_(baseline)).order_by(Event.id)).all()
    return [tuple(row) for row in rows]


def test_rescan_of_unchanged_data_makes_one_request_and_no_event(api, database, monkeypatch):
    fake, base_url = api
    first = scan_legiscan(database, base_url, monkeypatch)
    assert (first.error, first.read, first.inserted, first.requests, first.baseline) == (None, 3, 3, 4, True)
    assert ("HB 2", "new_bill") in events(database, baseline=True)
    with database.session() as session:
        bill = session.scalars(select(Bill).where(Bill.identifier == "HB 2")).one()
        assert (bill.jurisdiction, bill.session, bill.stage) == ("US-TX", "2025 Regular Session", "passed_chamber")
        assert bill.url == "https://capitol.texas.gov/BillLookup/History.aspx?LegSess=89R&Bill=HB2"
    fake.calls.clear()
    second = scan_legiscan(database, base_url, monkeypatch)
    assert (second.error, second.read, second.requests, second.events) == (None, 0, 1, 0)
    assert fake.ops() == ["getMasterList"]
    assert events(database, baseline=False) == []


def test_one_changed_bill_costs_one_getbill_and_records_its_events(api, database, monkeypatch):
    fake, base_url = api
    scan_legiscan(database, base_url, monkeypatch)
    fake.change(1890002, action="Reported enrolled")
    fake.calls.clear()
    report = scan_legiscan(database, base_url, monkeypatch)
    assert (report.error, report.read, report.updated, report.requests) == (None, 1, 1, 2)
    assert fake.ops() == ["getMasterList", "getBill"] and fake.calls[1]["id"] == "1890002"
    assert sorted(events(database, baseline=False)) == [("HB 2", "action_added"), ("HB 2", "stage_changed")]
    with database.session() as session:
        state = session.get(SourceState, "legiscan")
        assert state.cursor["bills"]["1890002"] == "b" * 32
        assert state.quota_used == 4 + 2  # queries this month, across scans
    fake.calls.clear()
    again = scan_legiscan(database, base_url, monkeypatch)
    assert (again.requests, again.events) == (1, 0)


def test_refused_key_fails_the_source_with_one_line_and_no_key(api, database, monkeypatch):
    fake, base_url = api
    report = scan_legiscan(database, base_url, monkeypatch, key="wrong-key-0987654321")
    assert report.error and "Invalid API key" in report.error and "api_key" in report.error
    assert "wrong-key-0987654321" not in report.error and "\n" not in report.error
    with database.session() as session:
        state = session.get(SourceState, "legiscan")
        assert state.consecutive_failures == 1 and "wrong-key" not in (state.last_error or "")
        assert session.scalars(select(Bill)).all() == []


def test_reimporting_an_archive_through_the_store_records_nothing_new(database):
    records = list(read_archive(OR_ARCHIVE))
    with database.session() as session:
        store = Store(session)
        first = store.upsert_many(records, baseline=True)
        session.commit()
        second = store.upsert_many(list(read_archive(OR_ARCHIVE)))
        session.commit()
    assert [o.result for o in first] == ["insert"] * 4
    assert [o.result for o in second] == ["noop"] * 4 and all(o.events == [] for o in second)
