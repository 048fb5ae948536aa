"""Nunavut (ca-nu) on a fixture written from the documented table shape."""

from __future__ import annotations

import datetime as dt

import pytest

from monitor.errors import LayoutChangedError
from tests.ca_helpers import by_id, fixture, make_source, steps

SITE = "https://www.assembly.nu.ca"
PAGE = f"{SITE}/bills-and-legislation"
TABLE = fixture("nu", "assembly_nu_bills-and-legislation_documented.html")


def test_every_bill_of_the_documented_table(no_network):
    no_network.get(PAGE, body=TABLE)
    bills = by_id(list(make_source("ca-nu", session="6-2").fetch()))
    assert set(bills) == {"12", "9"}
    twelve = bills["12"]
    assert (twelve.jurisdiction, twelve.session, twelve.title) == (
        "CA-NU", "6-2", "Health Information Privacy Amendment Act")
    assert (twelve.stage, twelve.status, twelve.status_date) == (
        "in_committee", "Second Reading", dt.date(2026, 2, 26))
    assert steps(twelve) == [("2026-02-24", "First Reading"), ("2026-02-26", "Second Reading")]
    assert twelve.url == f"{SITE}/sites/default/files/Bill-12-Health-Information-Act-EN.pdf"
    nine = bills["9"]
    assert nine.title == "Appropriation (Operations & Maintenance) Act, 2026-2027"
    assert (nine.stage, nine.status, nine.status_date) == ("enacted", "Date of Assent", dt.date(2026, 3, 12))
    assert [a.classification for a in nine.actions] == [
        ["introduced"], ["in_committee"], ["passed_committee"], ["passed_committee"], ["passed_chamber"],
        ["enacted"]]


def test_not_modified_says_so(no_network):
    no_network.get(PAGE, status=304)
    source = make_source("ca-nu", session="6-2")
    assert list(source.fetch()) == []
    assert source.nothing_new_reason == "bills and legislation table not modified since the last scan"


def test_changed_markup_names_selector_and_url(no_network):
    no_network.get(PAGE, body=TABLE.replace(b"<td><a", b"<td><span>No.</span><a"))
    with pytest.raises(LayoutChangedError) as err:
        list(make_source("ca-nu", session="6-2").fetch())
    assert "Bill <N>" in str(err.value) and PAGE in str(err.value)
