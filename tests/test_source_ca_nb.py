"""New Brunswick (ca-nb) on the real capture of the 60-2 bill list."""

from __future__ import annotations

import datetime as dt

import pytest

from monitor.errors import LayoutChangedError
from tests.ca_helpers import by_id, fixture, make_source, steps

SITE = "https://www.legnb.ca"
LIST_EN = f"{SITE}/en/legislation/bills/60/2"
LIST_FR = f"{SITE}/fr/legislation/bills/60/2"
CAPTURE = fixture("nb", "legnb_bills_60-2_upstream-trimmed.html")
FRENCH = fixture("nb", "legnb_bills_60-2_fr_documented.html")

EXPECTED = {
    # identifier: (title, stage, status, status date, actions)
    "58": ("Opioid Damages and Health Care Costs Recovery Act", "enacted", "Royal Assent: Received",
           "2023-06-16", [("2023-05-19", "1st Reading: Introduced"), ("2023-06-06", "2nd Reading: Passed"),
                          ("2023-06-16", "Committee: Passed"), ("2023-06-16", "3rd Reading: Passed"),
                          ("2023-06-16", "Royal Assent: Received")]),
    "56": ("An Act to End Oil and Natural Gas Exploration and Drilling", "failed", "2nd Reading: Defeated",
           "2023-06-08", [("2023-05-12", "1st Reading: Introduced"), ("2023-06-08", "2nd Reading: Defeated")]),
    "52": ("Human Organ and Tissue Donation Act", "enacted", "Royal Assent: Received", "2023-06-16",
           [("2023-05-10", "1st Reading: Introduced"), ("2023-05-11", "2nd Reading: Passed"),
            ("2023-06-15", "3rd Reading: Passed"), ("2023-06-16", "Royal Assent: Received")]),
    "46": ("Education Act", "in_committee", "2nd Reading: Passed", "2023-06-15",
           [("2023-05-09", "1st Reading: Introduced"), ("2023-06-15", "2nd Reading: Passed")]),
    "30": ("An Act to Amend the Coroners Act", "enacted", "Royal Assent: Received", "2023-06-16",
           [("2023-03-22", "1st Reading: Introduced"), ("2023-03-28", "2nd Reading: Passed"),
            ("2023-05-12", "Committee: Passed"), ("2023-06-15", "3rd Reading: Passed"),
            ("2023-06-16", "Royal Assent: Received")]),
}


@pytest.fixture
def bills(no_network):
    no_network.get(LIST_EN, body=CAPTURE, content_type="text/html; charset=utf-8")
    no_network.get(LIST_FR, body=FRENCH, content_type="text/html; charset=utf-8")
    return by_id(list(make_source("ca-nb", legislature=60, session=2).fetch()))


@pytest.mark.parametrize("number", EXPECTED)
def test_every_bill_of_the_capture(bills, number):
    title, stage, status, status_date, actions = EXPECTED[number]
    bill = bills[number]
    assert (bill.jurisdiction, bill.session, bill.title) == ("CA-NB", "60-2", title)
    assert (bill.stage, bill.status, bill.status_date) == (stage, status, dt.date.fromisoformat(status_date))
    assert steps(bill) == actions
    assert bill.url.startswith(f"{SITE}/en/legislation/bills/60/2/{number}/")


def test_only_the_capture_bills(bills):
    assert set(bills) == set(EXPECTED)
    assert bills["52"].extras["amended"] is True and "amended" not in bills["58"].extras


def test_french_titles_in_extras(bills):
    assert bills["46"].extras["title_fr"] == "Loi sur l'éducation"
    assert bills["58"].extras["title_fr"].endswith("imputables aux opioïdes")


def test_asks_ten_seconds_between_requests():
    assert make_source("ca-nb", legislature=60, session=2).request_interval(None) == 10.0


def test_french_titles_can_be_skipped(no_network):
    no_network.get(LIST_EN, body=CAPTURE)
    bills = list(make_source("ca-nb", legislature=60, session=2, french_titles=False).fetch())
    assert len(bills) == 5 and all("title_fr" not in b.extras for b in bills)
    assert [c.request.url for c in no_network.calls] == [LIST_EN]


def test_changed_markup_names_selector_and_url(no_network):
    no_network.get(LIST_EN, body=CAPTURE.replace(b"bill-item", b"legislation-card"))
    with pytest.raises(LayoutChangedError) as err:
        list(make_source("ca-nb", legislature=60, session=2, french_titles=False).fetch())
    assert "'li.bill-item'" in str(err.value) and LIST_EN in str(err.value)
