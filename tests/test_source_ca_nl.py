"""Newfoundland and Labrador (ca-nl) on the real capture of the GA 48 session 1 table."""

from __future__ import annotations

import datetime as dt

import pytest

from monitor.errors import LayoutChangedError
from tests.ca_helpers import by_id, fixture, make_source, steps

SITE = "https://www.assembly.nl.ca"
LIST = f"{SITE}/HouseBusiness/Bills/ga48session1/"
CAPTURE = fixture("nl", "assembly_nl_progress_of_bills_ga48s1_upstream-trimmed.html")


def readings(first, second, committee, third, assent):
    names = ("First Reading", "Second Reading", "Committee", "Third Reading", "Royal Assent")
    return list(zip((first, second, committee, third, assent), names, strict=True))


EXPECTED = {
    # identifier: (title, summary, kind, amended, chapter, actions)
    "1": ("INDEPENDENT APPOINTMENTS COMMISSION ACT", None, "New", True, "c.I-2.1",
          readings("2016-03-08", "2016-03-21", "2016-05-16", "2016-05-16", "2016-05-24")),
    "2": ("INTERIM SUPPLY ACT, 2016", None, None, False, "c.1",
          readings("2016-03-17", "2016-03-17", "2016-03-17", "2016-03-17", "2016-03-17")),
    "14": ("INCOME TAX ACT, 2000 NO. 2", "Deficit Reduction Levy on Taxable Income", "Amdt.", False, "c.15",
           readings("2016-06-07", "2016-06-07", "2016-06-07", "2016-06-07", "2016-06-07")),
    "43": ("ACCESS TO ABORTION SERVICES ACT", None, "New", False, "c.A-1.02",
           readings("2016-11-15", "2016-11-17", "2016-11-17", "2016-11-21", "2016-12-14")),
    "46": ("PUBLIC ROCUREMENT ACT", None, "New", False, "c.P-41.001",
           readings("2016-11-21", "2016-11-24", "2016-11-28", "2016-11-29", "2016-12-14")),
}


@pytest.fixture
def bills(no_network):
    no_network.get(LIST, body=CAPTURE)
    return by_id(list(make_source("ca-nl", general_assembly=48, session=1).fetch()))


@pytest.mark.parametrize("number", EXPECTED)
def test_every_bill_of_the_capture(bills, number):
    title, summary, kind, amended, chapter, actions = EXPECTED[number]
    bill = bills[number]
    assert (bill.jurisdiction, bill.session, bill.title, bill.summary) == ("CA-NL", "48-1", title, summary)
    assert steps(bill) == actions
    assert (bill.stage, bill.status, bill.status_date) == ("enacted", "Royal Assent",
                                                           dt.date.fromisoformat(actions[-1][0]))
    assert bill.extras.get("bill_kind") == kind
    assert (bill.extras["amended"], bill.extras["chapter"]) == (amended, chapter)
    assert bill.url == f"{LIST}bill16{int(number):02d}.htm"


def test_only_the_capture_bills(bills):
    assert list(bills) == ["1", "2", "14", "43", "46"]


@pytest.mark.parametrize("content_type", ["text/html; charset=iso-8859-1", "text/html"])
def test_windows_1252_page(no_network, content_type):
    # the capture is ASCII; the bill pages are Windows-1252: re-encode a title as they write it
    title = "PUBLIC PROCUREMENT (MINISTER\u2019S POWERS) ACT \u2013 CAF\u00c9"
    body = CAPTURE.replace(b"PUBLIC ROCUREMENT ACT", title.encode("cp1252"))
    no_network.get(LIST, body=body, content_type=content_type)
    bills = by_id(list(make_source("ca-nl", general_assembly=48, session=1).fetch()))
    assert bills["46"].title == "PUBLIC PROCUREMENT (MINISTER'S POWERS) ACT \u2013 CAF\u00c9"


def test_a_session_in_progress(no_network):
    # later stages not reached: blank cells (the table's shape, dates cut from the capture's row 43)
    body = CAPTURE.replace(b"<td>Nov. 21/2016</td>\n\t\t<td>Dec. 14/2016</td>", b"<td></td>\n\t\t<td> </td>")
    no_network.get(LIST, body=body)
    bill = by_id(list(make_source("ca-nl", general_assembly=48, session=1).fetch()))["43"]
    assert (bill.stage, bill.status, bill.status_date) == ("passed_committee", "Committee", dt.date(2016, 11, 17))


def test_changed_markup_names_selector_and_url(no_network):
    no_network.get(LIST, body=CAPTURE.replace(b'class="bills"', b'class="bill-progress"'))
    with pytest.raises(LayoutChangedError) as err:
        list(make_source("ca-nl", general_assembly=48, session=1).fetch())
    assert "'table.bills tr'" in str(err.value) and LIST in str(err.value)


def test_rows_without_bills_are_a_layout_change(no_network):
    no_network.get(LIST, body=b'<table class="bills"><tr><th>No.</th><th>Bill</th></tr></table>')
    with pytest.raises(LayoutChangedError, match="a row numbered"):
        list(make_source("ca-nl", general_assembly=48, session=1).fetch())
