"""Northwest Territories (ca-nt) on fixtures written from the documented page shape."""

from __future__ import annotations

import datetime as dt

import pytest

from monitor.errors import LayoutChangedError
from tests.ca_helpers import by_id, fixture, make_source, steps

SITE = "https://www.ntassembly.ca"
LIST = f"{SITE}/documents-proceedings/bills"
BILL_12 = f"{LIST}/bill-12-act-amend-health-information-act"
BILL_15 = f"{LIST}/bill-15-supplementary-appropriation-act"


def serve(rsps, bill_12=None):
    rsps.get(LIST, body=fixture("nt", "ntassembly_bills_documented.html"))
    rsps.get(BILL_12, body=bill_12 or fixture("nt", "ntassembly_bill-12_documented.html"))
    rsps.get(BILL_15, body=fixture("nt", "ntassembly_bill-15_documented.html"))


def test_every_bill_of_the_documented_pages(no_network):
    serve(no_network)
    bills = by_id(list(make_source("ca-nt", session="20-1").fetch()))
    assert set(bills) == {"12", "15"}
    twelve = bills["12"]
    assert (twelve.jurisdiction, twelve.session, twelve.title) == (
        "CA-NT", "20-1", "An Act to Amend the Health Information Act")
    assert (twelve.stage, twelve.status, twelve.status_date) == (
        "passed_committee", "Standing Committee", dt.date(2026, 5, 28))
    assert steps(twelve) == [("2026-02-26", "First Reading"), ("2026-03-04", "Second Reading"),
                             ("2026-05-28", "Standing Committee")]
    fifteen = bills["15"]
    assert fifteen.title == "Supplementary Appropriation Act (Operations Expenditures), No. 3, 2025-2026"
    assert (fifteen.stage, fifteen.status, fifteen.status_date) == ("enacted", "Assent", dt.date(2026, 3, 5))
    assert steps(fifteen) == [
        ("2026-03-02", "First Reading"), ("2026-03-03", "Second Reading"),
        ("2026-03-04", "Committee of the Whole"), ("2026-03-05", "Third Reading"), ("2026-03-05", "Assent")]
    assert fifteen.url == BILL_15
    # the pager link (?page=1) is not a bill
    assert not any("page=" in c.request.url for c in no_network.calls)


def test_changed_bill_page_markup_names_selector_and_url(no_network):
    changed = fixture("nt", "ntassembly_bill-12_documented.html").replace(b"field--name-field-", b"stage-")
    serve(no_network, bill_12=changed)
    with pytest.raises(LayoutChangedError) as err:
        list(make_source("ca-nt", session="20-1").fetch())
    assert "field--name-field-<stage>-date" in str(err.value) and BILL_12 in str(err.value)


def test_changed_list_markup_names_selector_and_url(no_network):
    no_network.get(LIST, body=b"<html><body><p>Bills moved to /legislation</p></body></html>")
    with pytest.raises(LayoutChangedError) as err:
        list(make_source("ca-nt", session="20-1").fetch())
    assert '/documents-proceedings/bills/' in str(err.value) and LIST in str(err.value)
