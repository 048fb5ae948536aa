"""The LegiScan source against a fake API (``responses``): the change_hash workflow, dataset
backfill, ERROR answers, the monthly budget, and the API key kept out of every error and log line."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import io
import json
import logging
import re
import urllib.parse
import zipfile
from pathlib import Path
from typing import Any

import pytest
import responses
from pydantic import ValidationError

from monitor.errors import AuthError, FetchError, ParseError, QuotaError, SourceError
from monitor.http import HttpClient, HttpSettings
from sources.base import source_class
from sources.legiscan import DEFAULT_BASE_URL, LegiScanOptions, LegiScanSource

FIXTURES = Path(__file__).parent / "fixtures" / "legiscan"
KEY = "Zq9SecretKey0123456789abcdef"


def load(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_bytes())


class FakeLegiScan:
    """Answers like the LegiScan API, from the documented fixtures: escaped slashes, some numbers
    as strings, ``"status":"ERROR"`` with HTTP 200. Records every query it answers."""

    def __init__(self, key: str = KEY) -> None:
        self.key = key
        masterlist = load("getMasterList_TX_documented.json")["masterlist"]
        self.session: dict[str, Any] = masterlist.pop("session")
        self.entries: dict[int, dict[str, Any]] = {int(e["bill_id"]): e for e in masterlist.values()}
        self.template = load("getBill_TX_HB2_documented.json")["bill"]
        self.bills = {bill_id: self._bill(entry) for bill_id, entry in self.entries.items()}
        self.calls: list[dict[str, str]] = []
        self.raw_masterlist: dict[str, Any] | None = None  # answer this instead, when set
        self.datasets: list[dict[str, Any]] = []
        self.dataset_zip = b""

    def _bill(self, entry: dict[str, Any]) -> dict[str, Any]:
        bill = copy.deepcopy(self.template)
        bill.update(bill_id=int(entry["bill_id"]), bill_number=entry["number"], change_hash=entry["change_hash"],
                    title=entry.get("title", bill["title"]), status=int(entry.get("status", 1)),
                    url=entry.get("url", bill["url"]), state=self.state)
        return bill

    @property
    def state(self) -> str:
        return {43: "TX", 6: "CO", 26: "MT"}[int(self.session["state_id"])]

    def add_bill(self, bill_id: int, number: str, change_hash: str, status: int = 1) -> None:
        self.entries[bill_id] = {"bill_id": str(bill_id), "number": number, "change_hash": change_hash,
                                 "status": str(status), "title": f"Relating to {number}.", "status_date": "2025-03-01",
                                 "last_action_date": "2025-03-01", "last_action": "Filed"}
        self.bills[bill_id] = self._bill(self.entries[bill_id])

    def change(self, bill_id: int, action: str = "Referred to Health & Human Services") -> None:
        """A bill moves: new hash, one more history step, a new stage."""
        self.entries[bill_id]["change_hash"] = "b" * 32
        bill = self.bills[bill_id]
        bill["change_hash"] = "b" * 32
        bill["history"].append({"date": "2025-04-20", "action": action, "chamber": "S", "chamber_id": 74,
                                "importance": 1})
        bill["progress"].append({"date": "2025-04-20", "event": 3})
        bill["status"] = 3

    def answer(self, query: dict[str, str]) -> str:
        """The JSON text LegiScan would send for ``query``."""
        self.calls.append(query)
        if query.get("key") != self.key:
            return self.text({"status": "ERROR", "alert": {"message": "Invalid API key"}})
        op = query.get("op")
        if op == "getMasterList":
            body = self.raw_masterlist or {"session": self.session,
                                           **{str(i): e for i, e in enumerate(self.entries.values())}}
            return self.text({"status": "OK", "masterlist": body})
        if op == "getBill" and int(query["id"]) in self.bills:
            return self.text({"status": "OK", "bill": self.bills[int(query["id"])]})
        if op == "getDatasetList":
            return self.text({"status": "OK", "datasetlist": self.datasets})
        if op == "getDataset":
            return self.text({"status": "OK", "dataset": {"session_id": int(query["id"]),
                                                          "zip": base64.b64encode(self.dataset_zip).decode()}})
        return self.text({"status": "ERROR", "alert": {"message": f"Unknown operation or id ({op})"}})

    @staticmethod
    def text(payload: dict[str, Any]) -> str:
        return json.dumps(payload).replace("/", "\\/")  # LegiScan escapes its slashes

    def ops(self) -> list[str]:
        return [call["op"] for call in self.calls]

    def callback(self, request: Any) -> tuple[int, dict[str, str], str]:
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(request.url).query))
        return 200, {"Content-Type": "application/json"}, self.answer(query)


@pytest.fixture
def fake(no_network: responses.RequestsMock) -> FakeLegiScan:
    api = FakeLegiScan()
    no_network.add_callback(responses.GET, re.compile(re.escape(DEFAULT_BASE_URL) + ".*"), callback=api.callback)
    return api


def make_source(cursor: dict[str, Any] | None = None, **options: Any) -> LegiScanSource:
    values: dict[str, Any] = {"name": "legiscan", "type": "legiscan", "api_key": KEY, "states": ["TX"]}
    values.update(options)
    opts = LegiScanOptions(**values)
    client = HttpClient(HttpSettings(min_interval=0, retries=0))
    return LegiScanSource(opts, client.for_source("legiscan", LegiScanSource.secrets(opts)), cursor or {})


def test_registered_with_the_sources_listing_attributes():
    cls = source_class("legiscan")
    assert cls is LegiScanSource and cls.needs_key
    assert all([cls.__doc__, cls.jurisdictions, cls.tested_on, cls.fields, cls.limits])


def test_first_scan_lists_the_state_then_fetches_each_bill(fake):
    source = make_source()
    records = list(source.fetch())
    assert fake.ops() == ["getMasterList", "getBill", "getBill", "getBill"]
    assert fake.calls[0]["state"] == "TX"
    assert [r.key for r in records] == [("US-TX", "2025 Regular Session", i) for i in ("HB 1", "HB 2", "SB 25")]
    assert records[0].source_url == "https://api.legiscan.com/?op=getBill&id=1890001"
    assert KEY not in json.dumps([r.to_dict() for r in records])
    assert source.cursor["bills"] == {str(i): e["change_hash"] for i, e in fake.entries.items()}
    assert source.http.requests == 4


def test_second_scan_of_an_unchanged_state_costs_one_query(fake):
    first = make_source()
    list(first.fetch())
    fake.calls.clear()
    second = make_source(cursor=copy.deepcopy(first.cursor))
    assert list(second.fetch()) == []
    assert fake.ops() == ["getMasterList"] and second.http.requests == 1


def test_one_changed_hash_costs_exactly_one_getbill(fake):
    first = make_source()
    list(first.fetch())
    fake.change(1890002)
    fake.calls.clear()
    second = make_source(cursor=copy.deepcopy(first.cursor))
    records = list(second.fetch())
    assert fake.ops() == ["getMasterList", "getBill"] and fake.calls[1]["id"] == "1890002"
    assert [r.identifier for r in records] == ["HB 2"]
    assert records[0].stage == "passed_legislature" and records[0].last_action == "Referred to Health & Human Services"
    assert second.cursor["bills"]["1890002"] == "b" * 32


def test_a_new_bill_in_the_master_list_is_fetched(fake):
    first = make_source()
    list(first.fetch())
    fake.add_bill(1890099, "HB99", "c" * 32)
    fake.calls.clear()
    records = list(make_source(cursor=copy.deepcopy(first.cursor)).fetch())
    assert [r.identifier for r in records] == ["HB 99"] and fake.ops() == ["getMasterList", "getBill"]


def test_cursor_holds_exactly_the_bills_already_yielded(fake):
    source = make_source()
    bills = source.fetch()
    first = next(bills)
    assert source.cursor["bills"] == {"1890001": fake.entries[1890001]["change_hash"]}
    assert first.identifier == "HB 1"
    next(bills)
    assert set(source.cursor["bills"]) == {"1890001", "1890002"}


def test_real_master_list_raw_capture_colorado(fake):
    fake.raw_masterlist = load("getMasterListRaw_CO_2025_PoliScore.json")["masterlist"]
    fake.session = fake.raw_masterlist["session"]
    fake.entries = {}
    for key, entry in fake.raw_masterlist.items():
        if key != "session":
            fake.entries[entry["bill_id"]] = entry
            fake.bills[entry["bill_id"]] = fake._bill(entry)
    records = list(make_source(states=["co"]).fetch())
    assert fake.ops() == ["getMasterList"] + ["getBill"] * 10
    assert [r.identifier for r in records] == [f"HB {n}" for n in range(1001, 1011)]
    assert {(r.jurisdiction, r.session) for r in records} == {("US-CO", "2025 Regular Session")}


def test_configured_sessions_are_listed_by_id(fake):
    list(make_source(states=[], sessions=[2223]).fetch())
    assert fake.calls[0]["op"] == "getMasterList" and fake.calls[0]["id"] == "2223" and "state" not in fake.calls[0]


def test_since_refetches_bills_acted_on_since_that_day(fake):
    first = make_source()
    list(first.fetch())
    fake.calls.clear()
    records = list(make_source(cursor=copy.deepcopy(first.cursor)).fetch(since=dt.date(2025, 4, 1)))
    assert [r.identifier for r in records] == ["HB 2"]  # last action 2025-04-10; HB 1 in March, SB 25 undated


@pytest.mark.parametrize(
    ("fixture", "error", "hint_word"),
    [
        ("error_invalid_key_documented.json", AuthError, "api_key"),
        ("error_query_limit_documented.json", QuotaError, "billwatch import"),
        ("error_unknown_bill_documented.json", SourceError, "states and sessions"),
    ],
    ids=["bad-key", "query-limit", "other"],
)
def test_error_answers_with_http_200_become_source_errors(no_network, fixture, error, hint_word):
    no_network.add(responses.GET, re.compile(re.escape(DEFAULT_BASE_URL) + ".*"),
                   body=(FIXTURES / fixture).read_bytes(), status=200)
    with pytest.raises(error) as caught:
        list(make_source().fetch())
    message = load(fixture)["alert"]["message"]
    assert type(caught.value) is error
    assert f"LegiScan getMasterList answered ERROR: {message}" in str(caught.value)
    assert hint_word in caught.value.hint and KEY not in str(caught.value)


def test_a_refused_key_is_an_auth_error_without_the_key_anywhere(fake, caplog):
    caplog.set_level(logging.DEBUG, logger="billwatch")  # the CLI may have set its level before
    fake.key = "another-key"
    with pytest.raises(AuthError) as caught:
        list(make_source().fetch())
    assert KEY not in str(caught.value) and KEY not in caplog.text
    assert "api.legiscan.com" in caplog.text  # the request was logged, redacted


def test_missing_key_fails_before_any_query(fake):
    with pytest.raises(AuthError, match="no LegiScan API key") as caught:
        list(make_source(api_key="  ").fetch())
    assert "LEGISCAN_API_KEY" in caught.value.hint and fake.calls == []


def test_http_500_is_a_fetch_error_without_the_key(no_network):
    no_network.add(responses.GET, re.compile(re.escape(DEFAULT_BASE_URL) + ".*"), body="oops", status=500)
    with pytest.raises(FetchError) as caught:
        list(make_source().fetch())
    assert "500" in str(caught.value) and KEY not in str(caught.value) and "key=***" in str(caught.value)


@pytest.mark.parametrize(("body", "match"), [("<html>busy</html>", "not JSON"), ('{"masterlist": {}}', "status None"),
                                             ('{"status": "OK"}', "no \"masterlist\"")],
                         ids=["html", "no-status", "no-masterlist"])
def test_malformed_answers_are_parse_errors(no_network, body, match):
    no_network.add(responses.GET, re.compile(re.escape(DEFAULT_BASE_URL) + ".*"), body=body, status=200)
    with pytest.raises(ParseError, match=match):
        list(make_source().fetch())


def test_warns_once_when_the_month_passes_90_percent(fake):
    source = make_source(monthly_budget=100)
    source.quota_used_this_month = 88
    list(source.fetch())  # queries 89..92 of 100
    assert len(source.warnings) == 1 and "90% of monthly_budget (91 of 100)" in source.warnings[0]


def test_no_warning_below_90_percent(fake):
    source = make_source(monthly_budget=100)
    source.quota_used_this_month = 86
    list(source.fetch())  # queries 87..90
    assert source.warnings == []


def test_refuses_the_query_that_would_exceed_the_budget(fake):
    source = make_source(monthly_budget=100)
    source.quota_used_this_month = 98
    bills = source.fetch()
    assert next(bills).identifier == "HB 1"  # queries 99 and 100
    with pytest.raises(QuotaError, match="monthly_budget of 100 LegiScan queries reached") as caught:
        next(bills)
    assert fake.ops() == ["getMasterList", "getBill"] and source.http.requests == 2
    assert "billwatch import" in caught.value.hint
    assert list(source.cursor["bills"]) == ["1890001"]  # the scan keeps what it stored


def dataset_zip(fake: FakeLegiScan, folder: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for bill in fake.bills.values():
            archive.writestr(f"{folder}/bill/{bill['bill_number']}.json", json.dumps({"bill": bill}))
    return buffer.getvalue()


def montana_session(fake: FakeLegiScan) -> None:
    """A Montana 2021 session of 12 bills, with LegiScan's real Montana dataset list."""
    fake.session = {"session_id": 1748, "state_id": 26, "year_start": 2021, "year_end": 2021, "special": 0,
                    "session_tag": "Regular Session", "session_name": "2021 Regular Session"}
    fake.entries, fake.bills = {}, {}
    for n in range(1, 13):
        fake.add_bill(5000 + n, f"HB{n}", f"{n:032x}")
    fake.datasets = load("getDatasetList_MT_LegitInfo.json")["datasetlist"]
    fake.dataset_zip = dataset_zip(fake, "MT/2021-2021_Regular_Session")


def test_backfill_loads_a_big_session_from_its_dataset(fake):
    montana_session(fake)
    fake.change(5003)  # changed after the weekly dataset was built
    source = make_source(states=[], sessions=[1748], backfill_datasets=True)
    records = list(source.fetch())
    assert fake.ops() == ["getMasterList", "getDatasetList", "getDataset", "getBill"]
    assert fake.calls[1]["state"] == "MT"  # state_id 26 in LegiScan's numbering
    assert fake.calls[2] == {"key": KEY, "op": "getDataset", "id": "1748", "access_key": "4EWZIj13Aq5ZblsrKe2WnL"}
    assert fake.calls[3]["id"] == "5003"
    assert len(records) == 13 and {r.key[:2] for r in records} == {("US-MT", "2021 Regular Session")}
    assert source.cursor["datasets"] == {"1748": "1ed379b4dd09328b21e5842ed3887f08"}
    fake.calls.clear()
    again = make_source(cursor=copy.deepcopy(source.cursor), states=[], sessions=[1748], backfill_datasets=True)
    assert list(again.fetch()) == [] and fake.ops() == ["getMasterList"]


def test_backfill_skips_a_dataset_already_loaded(fake):
    montana_session(fake)
    cursor = {"bills": {}, "datasets": {"1748": "1ed379b4dd09328b21e5842ed3887f08"}}
    records = list(make_source(cursor=cursor, states=["MT"], backfill_datasets=True).fetch())
    assert fake.ops() == ["getMasterList", "getDatasetList"] + ["getBill"] * 12 and len(records) == 12


def test_few_changes_do_not_use_the_dataset(fake):
    records = list(make_source(backfill_datasets=True).fetch())  # 3 bills: getBill is cheaper
    assert "getDatasetList" not in fake.ops() and len(records) == 3


def test_session_list_documented_shape(no_network):
    no_network.add(responses.GET, re.compile(re.escape(DEFAULT_BASE_URL) + ".*"),
                   body=(FIXTURES / "getSessionList_TX_documented.json").read_bytes())
    sessions = make_source().session_list("TX")
    assert sessions == [
        {"session_id": 2223, "label": "2025 Regular Session", "year_start": 2025, "year_end": 2025, "special": False},
        {"session_id": 2100, "label": "2023 3rd Special Session", "year_start": 2023, "year_end": 2023, "special": True},
    ]


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"states": ["TX", "ZZ"]}, "unknown state 'ZZ'"),
        ({"states": []}, "set states"),
        ({"sessions": [0]}, "session ids"),
        ({"monthly_budget": 0}, "greater than or equal to 1"),
        ({"budget": 5}, "Extra inputs are not permitted"),
    ],
    ids=["unknown-state", "nothing-to-scan", "bad-session", "zero-budget", "unknown-key"],
)
def test_options_are_validated(options, problem):
    with pytest.raises(ValidationError, match=problem):
        LegiScanOptions(**{"name": "ls", "type": "legiscan", "api_key": KEY, "states": ["TX"], **options})


def test_options_normalize_states_and_default_budget():
    opts = LegiScanOptions(name="ls", type="legiscan", api_key=KEY, states=["tx", " us", "TX"])
    assert opts.states == ["TX", "US"] and opts.monthly_budget == 30000 and not opts.backfill_datasets


def test_dataset_is_marked_loaded_before_its_last_bill_is_yielded(fake):
    montana_session(fake)
    source = make_source(states=["MT"], backfill_datasets=True)
    bills = source.fetch()
    for _ in range(11):
        next(bills)
    assert "datasets" not in source.cursor or source.cursor["datasets"] == {}
    next(bills)  # the 12th and last bill of the dataset
    assert source.cursor["datasets"] == {"1748": "1ed379b4dd09328b21e5842ed3887f08"}
    assert len(source.cursor["bills"]) == 12
