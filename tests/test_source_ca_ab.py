"""Alberta (ca-ab) on the real captures: the 31-1 bills-by-legislature list and Bill 26's page."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from monitor.errors import LayoutChangedError, ParseError
from sources._parsing import soup
from tests.ca_helpers import by_id, fixture, make_source, steps

SITE = "https://www.assembly.ab.ca"
LIST = f"{SITE}/assembly-business/bills/bills-by-legislature?legl=31&session=1"
LIST_PAGE = fixture("ab", "assembly_ab_bills-by-legislature_31-1_upstream-trimmed.html")
BILL_26 = fixture("ab", "assembly_ab_bill_billinfoid-12049_upstream-trimmed.html")
ERROR_PAGE = fixture("ab", "assembly_ab_bill_error-page_documented.html")
BILL_PAGE = re.compile(re.escape(f"{SITE}/assembly-business/bills/bill?billinfoid=") + r"\d+&from=bills")

GOV, PRIVATE = "Government Bills", "Private Members' Public Bills"
LISTED = {  # identifier: (title without marks, money bill, amended on the list)
    "1": ("Alberta Taxpayer Protection Amendment Act, 2023", False, False),
    "2": ("Alberta Pension Protection Act", False, False),
    "3": ("Opioid Damages and Health Care Costs Recovery Amendment Act, 2023", False, False),
    "4": ("Tax Statutes Amendment Act, 2023", True, False),
    "5": ("Public Sector Employers Amendment Act, 2023", False, True),
    "6": ("Public Health Amendment Act, 2023", False, False),
    "7": ("Engineering and Geoscience Professions Amendment Act, 2023", False, False),
    "8": ("Justice Statutes Amendment Act, 2023", False, False),
    "9": ("Miscellaneous Statutes Amendment Act, 2023", False, False),
    "10": ("Financial Statutes Amendment Act, 2024", True, False),
    "11": ("Public Safety Statutes Amendment Act, 2024", False, False),
    "12": ("Consumer Protection (Life Leases) Amendment Act, 2024", False, True),
    "13": ("Real Property Governance Act", False, False),
    "14": ("Appropriation Act, 2024", True, False),
    "15": ("Appropriation (Supplementary Supply) Act, 2024", True, False),
    "16": ("Red Tape Reduction Statutes Amendment Act, 2024", False, False),
    "17": ("Canadian Centre of Recovery Excellence Act", False, False),
    "18": ("Provincial Priorities Act", False, True),
    "19": ("Utilities Affordability Statutes Amendment Act, 2024", False, False),
    "20": ("Municipal Affairs Statutes Amendment Act, 2024", False, True),
    "21": ("Emergency Statutes Amendment Act, 2024", False, False),
    "22": ("Health Statutes Amendment Act, 2024", False, False),
    "24": ("Alberta Bill of Rights Amendment Act, 2024", False, True),
    "25": ("Early Learning and Child Care Amendment Act, 2024", False, False),
    "26": ("Health Statutes Amendment Act, 2024 (No. 2)", False, False),
    "27": ("Education Amendment Act, 2024", False, True),
    "28": ("Meat Inspection Amendment Act, 2024", False, False),
    "29": ("Fairness and Safety in Sport Act", False, False),
    "30": ("Service Alberta Statutes Amendment Act, 2024", False, True),
    "201": ("Alberta Health Care Insurance (Access Fees) Amendment Act, 2023", False, False),
}


def test_every_bill_of_the_list_capture():
    source = make_source("ca-ab", legislature=31, session=1)
    listed = source.bills_listed(soup(LIST_PAGE, LIST), LIST)
    assert {n: (e["title"], e["money_bill"], e["amended"]) for n, e in listed.items()} == LISTED
    assert {n for n, e in listed.items() if e["bill_type"] == PRIVATE} == {"201"}
    assert listed["26"]["url"] == f"{SITE}/assembly-business/bills/bill?billinfoid=12049&from=bills"
    # the capture ends inside a last item whose link has no text: skipped, and said
    assert source.warnings == [f"a bill listed without a number or title on {LIST}: skipped"]


@pytest.fixture
def bills(no_network):
    no_network.get(LIST, body=LIST_PAGE)
    no_network.get(f"{SITE}/assembly-business/bills/bill?billinfoid=12049&from=bills", body=BILL_26)
    no_network.get(BILL_PAGE, body=ERROR_PAGE)  # every other bill: an error page with status 200
    source = make_source("ca-ab", legislature=31, session=1)
    return source, by_id(list(source.fetch()))


def test_bill_26_from_its_page(bills):
    _, found = bills
    bill = found["26"]
    assert (bill.jurisdiction, bill.session, bill.title) == ("CA-AB", "31-1", LISTED["26"][0])
    assert [s.name for s in bill.sponsors] == ["LaGrange"]
    assert (bill.stage, bill.status, bill.status_date) == (
        "enacted", "Royal Assent: outside of House sitting", dt.date(2024, 12, 5))
    assert steps(bill) == [
        ("2024-10-31", "First Reading: passed on division"),
        ("2024-11-05", "Second Reading"),
        ("2024-11-07", "Second Reading"),
        ("2024-11-26", "Second Reading: passed on division"),
        ("2024-11-26", "Committee of the Whole"),
        ("2024-11-27", "Committee of the Whole: passed"),
        ("2024-12-03", "Third Reading: passed on division"),
        ("2024-12-05", "Royal Assent: outside of House sitting"),
        (None, "Comes into Force: on proclamation with exceptions; SA 2024 c16"),
    ]
    assert [a.classification for a in bill.actions] == [
        ["introduced"], [], [], ["in_committee"], [], ["passed_committee"], ["passed_chamber"],
        ["enacted"], []]
    assert bill.extras == {"bill_type": "Government Bills", "money_bill": False, "amended": False}
    assert [v.url for v in bill.versions] == [
        "https://docs.assembly.ab.ca/LADDAR_files/docs/bills/bill/legislature_31/session_1/20230530_bill-026.pdf"]


def test_error_pages_with_status_200_are_detected_and_skipped(bills):
    source, found = bills
    assert list(found) == ["26"]
    errors = [w for w in source.warnings if "answered 200 with an error page" in w]
    assert len(errors) == 29
    assert f"{SITE}/assembly-business/bills/bill?billinfoid=12007&from=bills" in errors[0]


def test_only_error_pages_is_a_failure(no_network):
    no_network.get(LIST, body=LIST_PAGE)
    no_network.get(BILL_PAGE, body=ERROR_PAGE)
    with pytest.raises(ParseError, match="no bills could be read"):
        list(make_source("ca-ab", legislature=31, session=1).fetch())


def test_changed_bill_page_markup_names_selector_and_url(no_network):
    no_network.get(LIST, body=LIST_PAGE)
    changed = BILL_26.replace(b"b_header", b"reading-head").replace(b"b_entry", b"reading-row")
    no_network.get(BILL_PAGE, body=changed)
    with pytest.raises(LayoutChangedError) as err:
        list(make_source("ca-ab", legislature=31, session=1, max_bill_pages=1).fetch())
    assert "'.bill-entries .b_header, .bill-entries .b_entry'" in str(err.value)
    assert f"{SITE}/assembly-business/bills/bill?billinfoid=12007&from=bills" in str(err.value)


def test_changed_list_markup_names_selector_and_url(no_network):
    no_network.get(LIST, body=LIST_PAGE.replace(b'id="adrbills"', b'id="bills-list"'))
    with pytest.raises(LayoutChangedError) as err:
        list(make_source("ca-ab", legislature=31, session=1).fetch())
    assert "'#adrbills .header, #adrbills .item'" in str(err.value) and LIST in str(err.value)
