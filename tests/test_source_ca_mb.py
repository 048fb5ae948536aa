"""Manitoba (ca-mb) on the real capture of the 42-3 bill index."""

from __future__ import annotations

import pytest

from monitor.errors import LayoutChangedError
from tests.ca_helpers import by_id, fixture, make_source

SITE = "https://web2.gov.mb.ca"
INDEX = f"{SITE}/bills/42-3/index.php"
CAPTURE = fixture("mb", "gov_mb_bills_42-3_index_upstream-trimmed.html")
GOV, PRIVATE = "Government Bills", "Bills sponsored by Private Members"

EXPECTED = {
    # identifier: (title, sponsor, bill type, stage, status, statute)
    "1": ("An Act respecting the Administration of Oaths of Office", "Pallister", GOV, None, None, None),
    "2": ("The Budget Implementation and Tax Statutes Amendment Act, 2020", "Fielding", GOV, "enacted",
          "Royal Assent: SM 2020, c. 21", "SM 2020, c. 21"),
    "207": ("The Abortion Protest Buffer Zone Act", "Fontaine", PRIVATE, None, None, None),
    "232": ("The Emancipation Day Act", "Moses", PRIVATE, "enacted", "Royal Assent: SM 2021, c. 62",
            "SM 2021, c. 62"),
}


@pytest.fixture
def bills(no_network):
    no_network.get(INDEX, body=CAPTURE)
    return by_id(list(make_source("ca-mb", legislature=42, session=3).fetch()))


@pytest.mark.parametrize("number", EXPECTED)
def test_every_bill_of_the_capture(bills, number):
    title, sponsor, kind, stage, status, statute = EXPECTED[number]
    bill = bills[number]
    assert (bill.jurisdiction, bill.session, bill.title) == ("CA-MB", "42-3", title)
    assert [s.name for s in bill.sponsors] == [sponsor]
    assert (bill.extras["bill_type"], bill.stage, bill.status, bill.extras.get("statute")) == (
        kind, stage, status, statute)
    assert bill.status_date is None and all(a.date is None for a in bill.actions)  # dates: PDF only


def test_links_and_notes(bills):
    assert set(bills) == set(EXPECTED)
    assert bills["1"].url is None and bills["1"].extras["note"] == "FORMAL BILL (not printed)"
    assert bills["2"].url == f"{SITE}/bills/42-3/b002e.php"
    assert [(v.note, v.url) for v in bills["2"].versions] == [("Bill text (PDF)", f"{SITE}/bills/42-3/pdf/b002.pdf")]
    assert bills["2"].extras["committee_amendments"] == f"{SITE}/bills/42-3/b002cs.pdf"


def test_changed_markup_names_selector_and_url(no_network):
    no_network.get(INDEX, body=b"<div class='bills'><p>1 Hon. Mr. Pallister An Act</p></div>")
    with pytest.raises(LayoutChangedError) as err:
        list(make_source("ca-mb", legislature=42, session=3).fetch())
    assert "'table tr'" in str(err.value) and INDEX in str(err.value)


def test_table_without_bill_rows_is_a_layout_change(no_network):
    no_network.get(INDEX, body=b"<table><tr><td>Number</td><td>Member</td><td>Title</td></tr></table>")
    with pytest.raises(LayoutChangedError, match="first cell is a bill number"):
        list(make_source("ca-mb", legislature=42, session=3).fetch())
