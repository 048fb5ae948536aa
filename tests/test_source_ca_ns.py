"""Nova Scotia (ca-ns) on the real captures: the 65-1 list and Bill 6's page; RSS documented."""

from __future__ import annotations

import datetime as dt

import pytest

from monitor.errors import LayoutChangedError
from tests.ca_helpers import by_id, fixture, make_source, steps

SITE = "https://nslegislature.ca"
LIST = f"{SITE}/legislative-business/bills-statutes/bills/assembly-65-session-1"
RSS = f"{SITE}/legislative-business/bills-statutes/rss"
LIST_PAGE = fixture("ns", "nslegislature_bills_assembly-65-session-1_upstream-trimmed.html")
BILL_6 = fixture("ns", "nslegislature_bill-6_assembly-65-session-1_upstream-trimmed.html")
FEED = fixture("ns", "nslegislature_bills_rss_documented.xml")
PMB, GOV = "Private Member's Bill", "Government Bill"

LISTED = {  # identifier: (title, bill type, party, status key, stage, status, last activity)
    "240": ("2SLGBTQIA+ Advisory Committee Act", PMB, "NDP", "1", "introduced", "First Reading", "2026-03-09"),
    "6": ("Agriculture, Energy and Natural Resources, An Act Respecting", GOV, "PC", "RA", "enacted",
          "Royal Assent", "2025-03-26"),
    "201": ("Justice and Social Services Act", GOV, "PC", "RA", "enacted", "Royal Assent", "2026-04-09"),
    "268": ("Making Women's Reproductive Healthcare Free Act", PMB, "NDP", "1", "introduced", "First Reading",
            "2026-09-10"),
    "48": ("Third Cornwallis or Billtown Baptist Church, Kings County, An Act to incorporate the Trustees "
           "of the (amended)", "Private and Local Bill", "PC", "RA", "enacted", "Royal Assent", "2025-03-26"),
}
#: what a cursor holds after every bill's page was read: the list's status key and date for each
READ_ALL = {"bill_pages": {f"65-1/{n}": {"fp": f"{v[3]}|{dt.date.fromisoformat(v[6]):%B %-d, %Y}", "read": "x"}
                           for n, v in LISTED.items()}}


def test_every_bill_of_the_list_capture(no_network):
    no_network.get(LIST, body=LIST_PAGE)
    bills = by_id(list(make_source("ca-ns", assembly=65, session=1, rss=False, max_bill_pages=0).fetch()))
    assert set(bills) == set(LISTED)
    for number, (title, kind, party, key, stage, status, when) in LISTED.items():
        bill = bills[number]
        assert (bill.jurisdiction, bill.session, bill.title) == ("CA-NS", "65-1", title)
        assert (bill.stage, bill.status, bill.status_date) == (stage, status, dt.date.fromisoformat(when))
        assert bill.extras == {"bill_type": kind, "party": party, "status_key": key}
        assert bill.url == f"{LIST}/bill-{number}"
        assert bill.versions[0].url == f"{SITE}/legc/bills/65th_1st/1st_read/b{int(number):03d}.htm"


def test_bill_6_from_its_page(no_network):
    no_network.get(LIST, body=LIST_PAGE)
    no_network.get(f"{LIST}/bill-6", body=BILL_6)
    cursor = {"bill_pages": {k: v for k, v in READ_ALL["bill_pages"].items() if k != "65-1/6"}}
    bills = list(make_source("ca-ns", assembly=65, session=1, rss=False, cursor=cursor).fetch())
    assert [b.identifier for b in bills] == ["6"]
    bill = bills[0]
    assert bill.title == LISTED["6"][0]
    assert bill.summary == "An Act Respecting Agriculture, Energy and Natural Resources"
    assert [(s.name, s.party) for s in bill.sponsors] == [("Tory Rushton", "PC")]
    assert (bill.stage, bill.status, bill.status_date) == ("enacted", "Royal Assent", dt.date(2025, 3, 26))
    assert steps(bill) == [
        ("2025-02-18", "First Reading"),
        ("2025-03-05", "Second Reading Debates"),
        ("2025-03-07", "Second Reading Debates"),
        ("2025-03-07", "Second Reading Passed"),
        ("2025-03-17", "Public Bills Committee: Meeting Date(s)"),
        ("2025-03-18", "Public Bills Committee: Reported to the House"),
        ("2025-03-18", "Public Bills Committee: Meeting Date(s)"),
        ("2025-03-21", "Committee of the Whole House"),
        ("2025-03-25", "Third Reading Debates"),
        ("2025-03-25", "Third Reading Passed"),
        ("2025-03-26", "Royal Assent"),
        ("2025-03-26", "Commencement: March 26, 2025; Except Schedule A: September 22, 2026; "
                       "Schedule B: upon proclamation"),
    ]
    assert [a.classification[0] for a in bill.actions if a.classification] == [
        "introduced", "in_committee", "passed_committee", "passed_committee", "passed_chamber", "enacted"]
    assert bill.extras["statute"] == "2025 Statutes, Chapter 4 (Bill No. 6)"
    assert bill.extras["committee"] == "Public Bills Committee"


def test_page_budget_and_deferred_bills(no_network):
    no_network.get(LIST, body=LIST_PAGE)
    no_network.get(f"{LIST}/bill-240", body=BILL_6)
    no_network.get(f"{LIST}/bill-6", body=BILL_6)
    source = make_source("ca-ns", assembly=65, session=1, rss=False, max_bill_pages=2)
    bills = list(source.fetch())
    # two pages read, the three other new bills as the list says
    assert [(b.identifier, bool(b.actions)) for b in bills] == [
        ("240", True), ("6", True), ("201", False), ("268", False), ("48", False)]
    assert source.warnings == ["3 bill pages wait for the next scan (max_bill_pages = 2)"]
    assert sum("/bill-" in c.request.url for c in no_network.calls) == 2


def test_feed_dates_that_are_not_rfc_822(no_network):
    no_network.get(RSS, body=FEED, content_type="application/rss+xml")
    assert make_source("ca-ns", assembly=65, session=1).feed_items() == {
        "268": dt.date(2026, 9, 17), "6": dt.date(2025, 3, 26)}


def test_unchanged_feed_means_nothing_new(no_network):
    no_network.get(RSS, status=304)
    source = make_source("ca-ns", assembly=65, session=1, cursor=READ_ALL)
    assert list(source.fetch()) == []
    assert source.nothing_new_reason == "the bills RSS feed has not changed since the last scan"
    assert [c.request.url for c in no_network.calls] == [RSS]


def test_bills_in_the_feed_have_their_page_read(no_network):
    no_network.get(RSS, body=FEED)
    no_network.get(LIST, body=LIST_PAGE)
    no_network.get(f"{LIST}/bill-268", body=BILL_6)
    no_network.get(f"{LIST}/bill-6", body=BILL_6)
    bills = list(make_source("ca-ns", assembly=65, session=1, cursor=READ_ALL).fetch())
    assert [b.identifier for b in bills] == ["6", "268"]


def test_changed_list_markup_names_selector_and_url(no_network):
    no_network.get(LIST, body=LIST_PAGE.replace(b"views-field-field-bill-number", b"views-field-number"))
    with pytest.raises(LayoutChangedError) as err:
        list(make_source("ca-ns", assembly=65, session=1, rss=False).fetch())
    assert "'td.views-field-field-bill-number'" in str(err.value) and LIST in str(err.value)


def test_changed_bill_page_markup_names_selector_and_url(no_network):
    no_network.get(LIST, body=LIST_PAGE)
    no_network.get(f"{LIST}/bill-240", body=BILL_6.replace(b"bill-metadata-table", b"bill-stages"))
    with pytest.raises(LayoutChangedError) as err:
        list(make_source("ca-ns", assembly=65, session=1, rss=False, max_bill_pages=1).fetch())
    assert "'table.bill-metadata-table'" in str(err.value) and f"{LIST}/bill-240" in str(err.value)
