"""Ontario (ca-on): the real 43-1 list capture, the real Bill 28 header, a documented status table."""

from __future__ import annotations

import datetime as dt

import pytest

from monitor.errors import LayoutChangedError
from tests.ca_helpers import by_id, fixture, make_source, steps

SITE = "https://www.ola.org"
LIST = f"{SITE}/en/legislative-business/bills/parliament-43/session-1"
LIST_PAGE = fixture("on", "ola_bills_parliament-43_session-1_upstream-trimmed.html")
HEADER = fixture("on", "ola_bill-28_parliament-43_session-1_head-only_trimmed.html")
STATUS = fixture("on", "ola_bill-28_status_documented.html")

LISTED = {  # the capture's five bills: identifier -> (slug, title)
    "1": ("bill-1", "An Act to perpetuate an ancient parliamentary right"),
    "PR 1": ("bill-pr1", "Sapore Di Calabria Inc. Act, 2023"),
    "26": ("bill-26", "Strengthening Post-secondary Institutions and Students Act, 2022"),
    "28": ("bill-28", "Keeping Students in Class Act, 2022"),
    "30": ("bill-30", "Menstrual Health Day Act, 2022"),
}


def serve(rsps, status_pages=None, **headers):
    rsps.get(LIST, body=LIST_PAGE)
    for _, (slug, _) in LISTED.items():
        body = (status_pages or {}).get(slug, STATUS if slug == "bill-28" else HEADER_ONLY_TABLE)
        rsps.get(f"{LIST}/{slug}/status", body=body, headers=headers)


# the other bills' status tabs: the real header with a one-row table of the documented shape
HEADER_ONLY_TABLE = HEADER.replace(
    b"</body></html>",
    b"<table><tr><th>Date</th><th>Bill stage</th><th>Event</th><th>Outcome</th><th>Committee</th>"
    b"<tr><td>March 4, 2023</td><td>First Reading</td><td></td><td>Carried</td><td></td></table></body></html>",
)


def test_every_listed_bill_with_its_title(no_network):
    serve(no_network)
    bills = by_id(list(make_source("ca-on", parliament=43, session=1).fetch()))
    assert {k: (b.url.rsplit("/", 1)[1], b.title) for k, b in bills.items()} == LISTED
    assert {(b.jurisdiction, b.session) for b in bills.values()} == {("CA-ON", "43-1")}


def test_bill_28_from_its_status_tab(no_network):
    serve(no_network)
    bill = by_id(list(make_source("ca-on", parliament=43, session=1).fetch()))["28"]
    assert bill.title == "Keeping Students in Class Act, 2022"
    assert [s.name for s in bill.sponsors] == ["Stephen Lecce"]
    # the raw status is the page's current-status line (real capture)
    assert bill.status == "Royal Assent received. Statutes of Ontario 2022, chapter 19"
    assert (bill.stage, bill.last_action_date) == ("enacted", dt.date(2022, 11, 3))
    assert steps(bill) == [
        ("2022-10-31", "First Reading: Carried"),
        ("2022-11-01", "Second Reading: Debate"),
        ("2022-11-02", "Second Reading: Debate Carried"),
        ("2022-11-02", "Committee of the Whole House: Reported Carried"),
        ("2022-11-03", "Third Reading: Carried on division"),
        ("2022-11-03", "Royal Assent: Received Royal Assent"),
    ]
    assert [a.classification for a in bill.actions] == [
        ["introduced"], [], ["in_committee"], ["passed_committee"], ["passed_chamber"], ["enacted"]]
    assert bill.extras["committees"] == ["Committee of the Whole House"]
    assert bill.source_url == f"{LIST}/bill-28/status"


def test_stage_from_the_table_when_no_status_line(no_network):
    no_header = STATUS.replace(b"bill-status-header", b"something-else").replace(
        b"views-field-field-current-status-1", b"x")
    serve(no_network, status_pages={"bill-28": no_header})
    bill = by_id(list(make_source("ca-on", parliament=43, session=1).fetch()))["28"]
    assert (bill.stage, bill.status, bill.status_date) == (
        "enacted", "Royal Assent: Received Royal Assent", dt.date(2022, 11, 3))


def test_unchanged_status_pages_cost_a_304_and_say_so(no_network):
    serve(no_network, ETag='"a"')
    source = make_source("ca-on", parliament=43, session=1)
    assert len(list(source.fetch())) == 5
    for slug, _ in LISTED.values():
        no_network.replace("GET", f"{LIST}/{slug}/status", status=304)
    again = make_source("ca-on", parliament=43, session=1, cursor=source.cursor)
    again.http = source.http
    assert list(again.fetch()) == []
    assert again.nothing_new_reason == "no bill's status page changed since the last scan (43-1)"


def test_page_budget_rotates_through_the_bills(no_network):
    serve(no_network)
    first = make_source("ca-on", parliament=43, session=1, max_bill_pages=2)
    assert [b.identifier for b in first.fetch()] == ["1", "PR 1"]
    assert first.warnings == ["3 bill pages wait for the next scan (max_bill_pages = 2)"]
    second = make_source("ca-on", parliament=43, session=1, max_bill_pages=2, cursor=first.cursor)
    assert [b.identifier for b in second.fetch()] == ["26", "28"]


def test_changed_list_markup_names_selector_and_url(no_network):
    no_network.get(LIST, body=LIST_PAGE.replace(b"/session-1/bill-", b"/session-1/measure-"))
    with pytest.raises(LayoutChangedError) as err:
        list(make_source("ca-on", parliament=43, session=1).fetch())
    assert "bill-" in str(err.value) and LIST in str(err.value)


def test_status_tab_without_its_table_is_a_layout_change(no_network):
    serve(no_network, status_pages={"bill-1": HEADER})
    with pytest.raises(LayoutChangedError) as err:
        list(make_source("ca-on", parliament=43, session=1).fetch())
    assert "'Bill stage'" in str(err.value) and f"{LIST}/bill-1/status" in str(err.value)


def test_current_session_by_default(no_network):
    no_network.get(f"{SITE}/en/legislative-business/bills/current", body=LIST_PAGE)
    for slug, _ in LISTED.values():
        no_network.get(f"{LIST}/{slug}/status", body=STATUS if slug == "bill-28" else HEADER_ONLY_TABLE)
    bills = list(make_source("ca-on").fetch())
    assert {b.session for b in bills} == {"43-1"} and len(bills) == 5


def test_a_session_the_list_does_not_have(no_network):
    no_network.get(f"{SITE}/en/legislative-business/bills/parliament-44/session-1", body=LIST_PAGE)
    with pytest.raises(LayoutChangedError, match="session 44-1"):
        list(make_source("ca-on", parliament=44, session=1).fetch())


def test_a_missing_status_page_is_a_warning_not_a_failure(no_network):
    serve(no_network)
    no_network.replace("GET", f"{LIST}/bill-pr1/status", status=404, body="Not found")
    source = make_source("ca-on", parliament=43, session=1)
    assert [b.identifier for b in source.fetch()] == ["1", "26", "28", "30"]
    assert source.warnings == [f"[ca_on] GET {LIST}/bill-pr1/status answered HTTP 404: Not found"]


def test_every_status_page_missing_fails_the_source(no_network):
    no_network.get(LIST, body=LIST_PAGE)
    for slug, _ in LISTED.values():
        no_network.get(f"{LIST}/{slug}/status", status=404)
    with pytest.raises(Exception, match="no bills could be read"):
        list(make_source("ca-on", parliament=43, session=1).fetch())
