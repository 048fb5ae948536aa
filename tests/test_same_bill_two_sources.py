"""The same Texas bill read from LegiScan and from Open States is ONE bill in the store.

Through the real scan pipeline (config, sources, HTTP client, store), the APIs mocked with
`responses`: LegiScan answers with its documented master list (HB 2 only) and the documented
getBill of HB 2 (tests/fixtures/legiscan/); Open States with the documented Texas /bills page and
the documented Texas legislative_sessions (tests/fixtures/openstates/). The two documented
payloads were written for different bills, so the Open States bill (HB 4) is renumbered HB 2 here.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from pathlib import Path

import pytest
import responses
import sqlalchemy as sa

from monitor.config import parse_config
from monitor.http import HttpClient, HttpSettings
from monitor.models import Bill
from monitor.scan import scan

FIXTURES = Path(__file__).parent / "fixtures"
OPEN_STATES = "https://v3.openstates.org"
TX_SESSIONS = f"{OPEN_STATES}/jurisdictions/ocd-jurisdiction/country:us/state:tx/government"


def legiscan_answer(request) -> tuple[int, dict[str, str], bytes]:
    op = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(request.url).query))["op"]
    if op == "getBill":
        return 200, {}, (FIXTURES / "legiscan" / "getBill_TX_HB2_documented.json").read_bytes()
    masterlist = json.loads((FIXTURES / "legiscan" / "getMasterList_TX_documented.json").read_bytes())["masterlist"]
    only_hb2 = {"session": masterlist["session"], "0": masterlist["1"]}
    assert op == "getMasterList" and only_hb2["0"]["number"] == "HB2"
    return 200, {}, json.dumps({"status": "OK", "masterlist": only_hb2}).encode()


def open_states_page() -> dict:
    page = json.loads((FIXTURES / "openstates" / "bills_tx_page_documented.json").read_bytes())
    hb = page["results"][0]
    hb["identifier"] = "HB 2"
    return {**page, "results": [hb], "pagination": {**page["pagination"], "total_items": 1}}


@pytest.fixture
def apis(no_network: responses.RequestsMock) -> responses.RequestsMock:
    no_network.add_callback(responses.GET, re.compile(r"https://api\.legiscan\.com/.*"), callback=legiscan_answer)
    no_network.get(f"{OPEN_STATES}/bills", json=open_states_page())
    no_network.get(TX_SESSIONS, json=json.loads(
        (FIXTURES / "openstates" / "jurisdiction_tx_legislative_sessions_documented.json").read_bytes()))
    return no_network


def config():
    return parse_config({"source": [
        {"name": "legiscan", "type": "legiscan", "api_key": "legiscan-test-key", "states": ["TX"]},
        {"name": "openstates", "type": "openstates", "api_key": "openstates-test-key", "jurisdictions": ["tx"],
         "requests_per_minute": 1000},
    ]})


def stored_bills(database) -> list[Bill]:
    with database.session() as session:
        bills = session.scalars(sa.select(Bill)).all()
        session.expunge_all()
        return list(bills)


@pytest.mark.parametrize("order", [["legiscan", "openstates"], ["openstates", "legiscan"]],
                         ids=["legiscan-first", "openstates-first"])
def test_the_same_texas_bill_from_legiscan_and_open_states_is_one_bill(apis, database, order):
    report = scan(config(), database, names=order, http=HttpClient(HttpSettings(min_interval=0)))
    first, second = report.sources
    assert (first.error, second.error) == (None, None)
    assert (first.read, first.inserted, second.read, second.inserted) == (1, 1, 1, 0)

    (bill,) = stored_bills(database)
    assert (bill.jurisdiction, bill.session, bill.identifier) == ("US-TX", "2025 Regular Session", "HB 2")
    assert bill.source == order[-1]  # the last source to change the bill writes it

    again = scan(config(), database, names=order, http=HttpClient(HttpSettings(min_interval=0)))
    assert [s.error for s in again.sources] == [None, None]
    assert len(stored_bills(database)) == 1
