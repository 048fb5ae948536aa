"""British Columbia (ca-bc) on the real LIMS captures: sessions by GraphQL, progress of bills."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from monitor.errors import ParseError
from tests.ca_helpers import by_id, fixture, make_source, steps

LIMS = "https://lims.leg.bc.ca"
SESSIONS = fixture("bc", "lims_graphql_allSessions.json")
BILLS = fixture("bc", "lims_pdms_progress-of-bills_206.json")


def serve(rsps, base=LIMS, bills=BILLS, session_id=206, **headers):
    rsps.post(f"{base}/graphql", body=SESSIONS, content_type="application/json")
    rsps.get(f"{base}/pdms/bills/progress-of-bills/{session_id}", body=bills,
             content_type="application/json", headers=headers)


def test_every_bill_of_the_capture(no_network):
    serve(no_network)
    bills = by_id(list(make_source("ca-bc").fetch()))
    assert set(bills) == {"1", "3", "M 226"}

    one = bills["1"]
    assert (one.jurisdiction, one.session, one.title) == (
        "CA-BC", "43-2", "An Act to Ensure the Supremacy of Parliament")
    assert (one.stage, one.status, one.status_date) == ("introduced", "First Reading", dt.date(2026, 2, 12))
    assert steps(one) == [("2026-02-12", "First Reading")]
    assert [s.name for s in one.sponsors] == ["Niki Sharma"]
    assert one.versions[0].url == f"{LIMS}/pdms/ldp/43rd2nd/1st_read/gov01-1.htm"
    assert one.extras == {"lims_bill_id": 2404, "bill_type": "government"}

    three = bills["3"]
    assert three.title == "Budget Measures Implementation Act (No. 2), 2026"
    assert (three.stage, three.status, three.status_date) == ("enacted", "Royal Assent", dt.date(2026, 3, 12))
    assert steps(three) == [
        ("2026-02-17", "First Reading"), ("2026-02-26", "Second Reading"),
        ("2026-03-05", "Committee of the Whole"), ("2026-03-05", "Report"),
        ("2026-03-05", "Third Reading"), ("2026-03-12", "Royal Assent"),
    ]
    assert [a.classification for a in three.actions][-2:] == [["passed_chamber"], ["enacted"]]
    assert three.actions[-1].chamber == "executive"
    assert three.extras["chapter"] == 2
    assert [(v.date, v.note) for v in three.versions] == [
        (dt.date(2026, 2, 17), "1st Reading"), (dt.date(2026, 3, 5), "3rd Reading")]
    assert [s.name for s in three.sponsors] == ["Brenda Bailey"]

    member = bills["M 226"]
    assert member.title == "Motor Vehicle Amendment Act (No. 2), 2025"
    assert (member.stage, member.status, member.status_date) == (
        "in_committee", "Second Reading", dt.date(2026, 2, 23))
    assert steps(member) == [("2025-11-26", "First Reading"), ("2026-02-23", "Second Reading")]
    assert member.extras["bill_type"] == "member" and member.extras["reinstated"] is True
    assert [s.name for s in member.sponsors] == ["Dana Lajeunesse"]
    assert all(b.source_url == f"{LIMS}/pdms/bills/progress-of-bills/206" for b in bills.values())


def test_named_session_and_base_url(no_network):
    serve(no_network, base="http://127.0.0.1:9/lims", session_id=173,
          bills=BILLS.replace(b"43rd2nd", b"43rd1st"))
    bills = list(make_source("ca-bc", parliament=43, session=1, base_url="http://127.0.0.1:9/lims/").fetch())
    assert {b.session for b in bills} == {"43-1"}
    assert bills[0].versions[0].url.startswith("http://127.0.0.1:9/lims/pdms/ldp/43rd1st/")


def test_unknown_session_is_a_config_error(no_network):
    serve(no_network)
    with pytest.raises(Exception, match="no session 41-9"):
        list(make_source("ca-bc", parliament=41, session=9).fetch())


def test_bills_of_another_session_are_refused(no_network):
    # LIMS answers another session's bills for an id it does not know: the file paths tell
    serve(no_network, bills=BILLS.replace(b"43rd2nd", b"42nd5th"))
    with pytest.raises(ParseError, match="another session"):
        list(make_source("ca-bc").fetch())


def test_not_modified_yields_nothing_with_a_reason(no_network):
    serve(no_network, ETag='"v1"')
    source = make_source("ca-bc")
    assert len(list(source.fetch())) == 3
    no_network.replace("GET", f"{LIMS}/pdms/bills/progress-of-bills/206", status=304)
    again = make_source("ca-bc")
    again.http = source.http  # same client: the validators are kept
    assert list(again.fetch()) == []
    assert again.nothing_new_reason == "progress of bills 43-2 not modified since the last scan"
    assert no_network.calls[-1].request.headers["If-None-Match"] == '"v1"'


def test_changed_shape_fails_loudly_and_is_refetched_next_time(no_network):
    serve(no_network, bills=json.dumps([{"id": 1, "name": "x"}]).encode(), ETag='"v2"')
    source = make_source("ca-bc")
    with pytest.raises(ParseError, match="lacks the expected fields"):
        list(source.fetch())
    assert source.http.client.validators.get_validators(
        f"{LIMS}/pdms/bills/progress-of-bills/206") == (None, None)


def test_empty_session_says_so(no_network):
    serve(no_network, bills=b"[]")
    source = make_source("ca-bc")
    assert list(source.fetch()) == []
    assert source.nothing_new_reason == "session 43-2 has no bills yet"


def test_session_id_skips_graphql(no_network):
    no_network.get(f"{LIMS}/pdms/bills/progress-of-bills/206", body=BILLS, content_type="application/json")
    bills = list(make_source("ca-bc", session_id=206).fetch())
    assert {b.session for b in bills} == {"43-2"} and len(bills) == 3
    assert [c.request.method for c in no_network.calls] == ["GET"]
