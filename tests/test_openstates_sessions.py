"""Open States: bills get the LegiScan-form session label from the jurisdiction's legislative_sessions.

The jurisdiction answer is tests/fixtures/openstates/jurisdiction_tx_legislative_sessions_documented.json
(written from the API's schema, not captured); the bills are the documented Texas page.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.parse
from pathlib import Path

import pytest

from monitor.errors import ParseError
from monitor.http import HttpClient, HttpSettings
from sources.openstates import OpenStatesOptions, OpenStatesSource, jurisdiction_id

FIXTURES = Path(__file__).parent / "fixtures" / "openstates"
BILLS = "https://v3.openstates.org/bills"
TX_SESSIONS = "https://v3.openstates.org/jurisdictions/ocd-jurisdiction/country:us/state:tx/government"
KEY = "os-test-key-0123456789"
EMPTY_PAGE = {"results": [], "pagination": {"per_page": 20, "page": 1, "max_page": 1, "total_items": 0}}


def make_source(cursor: dict | None = None, **keys: object) -> OpenStatesSource:
    opts = OpenStatesOptions(name="openstates", type="openstates", **{"api_key": KEY, "jurisdictions": ["tx"], **keys})
    client = HttpClient(HttpSettings(retries=0), sleep=lambda seconds: None)
    http = client.for_source(opts.name, OpenStatesSource.secrets(opts), OpenStatesSource.request_interval(opts))
    return OpenStatesSource(opts, http, cursor if cursor is not None else {})


def tx_page(session: str = "89") -> dict:
    page = json.loads((FIXTURES / "bills_tx_page_documented.json").read_text(encoding="utf-8"))
    for bill in page["results"]:
        bill["session"] = session
    return page


def tx_sessions() -> dict:
    return json.loads((FIXTURES / "jurisdiction_tx_legislative_sessions_documented.json").read_text(encoding="utf-8"))


def path_of(call) -> str:
    return urllib.parse.urlsplit(call.request.url).path


def today() -> str:
    return dt.datetime.now(dt.timezone.utc).date().isoformat()


def test_first_scan_reads_the_sessions_once_and_labels_every_bill(no_network):
    no_network.get(TX_SESSIONS, json=tx_sessions())
    no_network.get(BILLS, json=tx_page())
    source = make_source()
    records = list(source.fetch())
    assert [r.key for r in records] == [("US-TX", "2025 Regular Session", "HB 4"),
                                        ("US-TX", "2025 Regular Session", "SB 1188")]
    assert {r.extras["openstates_session"] for r in records} == {"89"}
    assert [path_of(c) for c in no_network.calls] == [
        "/bills", "/jurisdictions/ocd-jurisdiction/country:us/state:tx/government"]
    sessions_call = no_network.calls[1]
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(sessions_call.request.url).query) == {
        "include": ["legislative_sessions"]}
    assert sessions_call.request.headers["X-API-KEY"] == KEY and KEY not in sessions_call.request.url
    remembered = source.cursor["sessions"]["tx"]
    assert remembered["fetched"] == today() and remembered["labels"]["891"] == "2025 1st Special Session"
    assert source.cursor["requests_today"]["count"] == 2  # the sessions request is counted in the budget
    assert source.warnings == []


def test_an_unchanged_incremental_scan_costs_one_request(no_network):
    no_network.get(TX_SESSIONS, json=tx_sessions())
    no_network.get(BILLS, json=tx_page())
    cursor: dict = {}
    list(make_source(cursor).fetch())
    no_network.replace("GET", BILLS, json=EMPTY_PAGE)
    before = len(no_network.calls)
    assert list(make_source(cursor).fetch()) == []
    assert [path_of(c) for c in no_network.calls[before:]] == ["/bills"]


def test_remembered_labels_serve_later_days_without_asking_again(no_network):
    no_network.get(BILLS, json=tx_page())
    cursor = {"sessions": {"tx": {"fetched": "2025-06-01", "labels": {"89": "2025 Regular Session"}, "unmapped": {}}}}
    records = list(make_source(cursor).fetch())
    assert {r.session for r in records} == {"2025 Regular Session"}
    assert [path_of(c) for c in no_network.calls] == ["/bills"]


def test_a_session_not_yet_remembered_is_read_once_per_scan(no_network):
    no_network.get(TX_SESSIONS, json=tx_sessions())
    no_network.get(BILLS, json=tx_page("891"))  # a called session began since the labels were read
    cursor = {"sessions": {"tx": {"fetched": today(), "labels": {"89": "2025 Regular Session"}, "unmapped": {}}}}
    records = list(make_source(cursor).fetch())
    assert {r.session for r in records} == {"2025 1st Special Session"}
    assert [path_of(c) for c in no_network.calls].count("/bills") == 1
    assert len(no_network.calls) == 2  # two bills of the new session, one sessions request


def test_a_session_that_cannot_be_labelled_keeps_its_identifier_with_one_warning(no_network):
    sessions = tx_sessions()
    sessions["legislative_sessions"].append({"identifier": "90", "name": "90th Legislature",
                                             "classification": "primary", "start_date": "", "end_date": ""})
    no_network.get(TX_SESSIONS, json=sessions)
    no_network.get(BILLS, json=tx_page("90"))
    cursor: dict = {}
    source = make_source(cursor)
    records = list(source.fetch())
    assert [r.key for r in records] == [("US-TX", "90", "HB 4"), ("US-TX", "90", "SB 1188")]
    assert source.warnings == [("tx: bills of Open States session '90' keep that label ('90th Legislature': "
                                "no year in its name or identifier, and no start or end date)")]

    before = len(no_network.calls)
    list(make_source(cursor).fetch())  # the same day: not asked again
    assert [path_of(c) for c in no_network.calls[before:]] == ["/bills"]
    cursor["sessions"]["tx"]["fetched"] = "2000-01-01"  # a day later: asked once more
    list(make_source(cursor).fetch())
    assert len(no_network.calls) - before == 3


def test_a_session_the_jurisdiction_does_not_list_keeps_its_identifier(no_network):
    no_network.get(TX_SESSIONS, json=tx_sessions())
    no_network.get(BILLS, json=tx_page("89X"))
    source = make_source()
    assert {r.session for r in source.fetch()} == {"89X"}
    assert source.warnings == [("tx: bills of Open States session '89X' keep that label "
                                "(the jurisdiction's sessions do not list '89X')")]


def test_a_session_relabelled_by_open_states_keeps_the_label_its_bills_have(no_network):
    sessions = tx_sessions()
    sessions["legislative_sessions"][4]["name"] = "89th Legislature (2025-2026)"
    no_network.get(TX_SESSIONS, json=sessions)
    no_network.get(BILLS, json={**tx_page(), "results": tx_page()["results"] + tx_page("891")["results"]})
    cursor = {"sessions": {"tx": {"fetched": today(), "labels": {"89": "2025 Regular Session"}, "unmapped": {}}}}
    source = make_source(cursor)
    assert [r.session for r in source.fetch()] == ["2025 Regular Session"] * 2 + ["2025 1st Special Session"] * 2
    assert source.warnings == [("tx: session '89' now reads as '2025-2026 Regular Session'; "
                                "its bills keep the label '2025 Regular Session'")]


def test_budget_spent_before_the_sessions_request_stores_nothing_and_resumes(no_network):
    no_network.get(BILLS, json=tx_page())
    cursor = {"requests_today": {"date": today(), "count": 249}}
    source = make_source(cursor)
    assert list(source.fetch()) == []
    assert source.budget_spent and "daily budget of 250" in source.warnings[-1]
    assert cursor["updated_since"] == {}  # not moved: the next scan reads these bills again
    assert [path_of(c) for c in no_network.calls] == ["/bills"]


def test_a_jurisdiction_answer_without_sessions_fails_the_source_naming_the_url(no_network):
    no_network.get(TX_SESSIONS, json={"id": "ocd-jurisdiction/country:us/state:tx/government", "name": "Texas"})
    no_network.get(BILLS, json=tx_page())
    with pytest.raises(ParseError, match="jurisdictions/ocd-jurisdiction/country:us/state:tx/government.*"
                                         "'legislative_sessions' list") as caught:
        list(make_source().fetch())
    assert KEY not in str(caught.value)


def test_congress_keeps_the_congress_number_without_a_sessions_request(no_network):
    bill = tx_page("117")["results"][0]
    bill["jurisdiction"] = {"id": "ocd-jurisdiction/country:us/government", "name": "United States",
                            "classification": "country"}
    bill["identifier"] = "HR 1"
    no_network.get(BILLS, json={**EMPTY_PAGE, "results": [bill]})
    (record,) = make_source(jurisdictions=["us"]).fetch()
    assert record.key == ("US", "117", "HR 1")
    assert [path_of(c) for c in no_network.calls] == ["/bills"]


@pytest.mark.parametrize("code, ocd_id", [
    ("tx", "ocd-jurisdiction/country:us/state:tx/government"),
    ("dc", "ocd-jurisdiction/country:us/district:dc/government"),
    ("pr", "ocd-jurisdiction/country:us/territory:pr/government"),
    ("us", "ocd-jurisdiction/country:us/government"),
])
def test_jurisdiction_ids(code, ocd_id):
    assert jurisdiction_id(code) == ocd_id
