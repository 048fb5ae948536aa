"""Open States: requests and answers through the shared HTTP client, with `responses` mocks."""

from __future__ import annotations

import copy
import datetime as dt
import json
import urllib.parse
from pathlib import Path

import pytest
import responses

from monitor.errors import AuthError, ParseError, QuotaError, SourceError
from monitor.http import HttpClient, HttpSettings
from sources.openstates import OpenStatesOptions, OpenStatesSource

FIXTURES = Path(__file__).parent / "fixtures" / "openstates"
BILLS = "https://v3.openstates.org/bills"
KEY = "os-test-key-0123456789"


def make_source(cursor: dict | None = None, sleeps: list[float] | None = None, **keys: object) -> OpenStatesSource:
    """A source whose cursor already knows today's session labels (reading them: test_openstates_sessions)."""
    opts = OpenStatesOptions(
        name="openstates", type="openstates", **{"api_key": KEY, "jurisdictions": ["tx"], **keys}
    )
    recorded = sleeps if sleeps is not None else []
    client = HttpClient(HttpSettings(retries=2), sleep=recorded.append)
    http = client.for_source(opts.name, OpenStatesSource.secrets(opts), OpenStatesSource.request_interval(opts))
    cursor = cursor if cursor is not None else {}
    cursor.setdefault("sessions", known_sessions())
    return OpenStatesSource(opts, http, cursor)


def known_sessions() -> dict:
    today = dt.datetime.now(dt.timezone.utc).date().isoformat()
    return {"tx": {"fetched": today, "labels": {"89": "2025 Regular Session"}, "unmapped": {}},
            "ny": {"fetched": today, "labels": {"2025-2026": "2025-2026 Regular Session"}, "unmapped": {}}}


def tx_page() -> dict:
    return json.loads((FIXTURES / "bills_tx_page_documented.json").read_text(encoding="utf-8"))


def query(call) -> dict[str, list[str]]:
    return urllib.parse.parse_qs(urllib.parse.urlsplit(call.request.url).query)


def paged_bills(count: int) -> list[dict]:
    """``count`` bills made from the documented HB 4, updated one minute apart."""
    template = tx_page()["results"][0]
    bills = []
    for n in range(1, count + 1):
        bill = copy.deepcopy(template)
        bill["id"] = f"ocd-bill/00000000-0000-0000-0000-{n:012d}"
        bill["identifier"] = f"HB {n}"
        bill["updated_at"] = (dt.datetime(2025, 6, 1, tzinfo=dt.timezone.utc) + dt.timedelta(minutes=n)).isoformat()
        bills.append(bill)
    return bills


def serve_pages(rsps: responses.RequestsMock, bills: list[dict], per_page: int = 20) -> None:
    """Answer /bills like the API: pages of ``per_page``, 404 past max_page."""
    max_page = max(1, -(-len(bills) // per_page))

    def answer(request):
        page = int(query_of(request.url).get("page", ["1"])[0])
        if page > max_page:
            return 404, {}, json.dumps({"detail": f"invalid page, must be in [1, {max_page}]"})
        chunk = bills[(page - 1) * per_page: page * per_page]
        pagination = {"per_page": per_page, "page": page, "max_page": max_page, "total_items": len(bills)}
        return 200, {}, json.dumps({"results": chunk, "pagination": pagination})

    rsps.add_callback(responses.GET, BILLS, callback=answer, content_type="application/json")


def query_of(url: str) -> dict[str, list[str]]:
    return urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)


def test_one_request_with_repeated_includes_and_the_key_in_a_header(no_network):
    no_network.get(BILLS, json=tx_page())
    records = list(make_source().fetch())
    assert [r.identifier for r in records] == ["HB 4", "SB 1188"]
    (call,) = no_network.calls
    sent = query(call)
    assert sent["include"] == ["sponsorships", "actions", "abstracts", "versions", "sources"]
    assert "&include=sponsorships&include=actions&" in call.request.url  # repeated, not comma-joined
    assert (sent["jurisdiction"], sent["sort"], sent["per_page"]) == (["tx"], ["updated_asc"], ["20"])
    assert sent["page"] == ["1"]
    assert "updated_since" not in sent  # first scan: everything
    assert call.request.headers["X-API-KEY"] == KEY
    assert KEY not in call.request.url and all(KEY not in (r.source_url or "") for r in records)
    assert records[0].source_url == call.request.url


def test_real_ny_capture_read_through_fetch(no_network):
    items = json.loads((FIXTURES / "bills_search_results_items_NY_2025-2026_include_abstracts.json").read_bytes())
    # the capture kept only the results list: the pagination wrapper is added here, not in the file
    no_network.get(BILLS, json={"results": items, "pagination": {"per_page": 20, "page": 1, "max_page": 1,
                                                                 "total_items": 3}})
    source = make_source(jurisdictions=["ny"], include=["abstracts"])
    records = list(source.fetch())
    assert [(r.jurisdiction, r.identifier) for r in records] == [("US-NY", "A 10774"), ("US-NY", "A 10000"),
                                                                  ("US-NY", "E 1625")]
    assert query(no_network.calls[0])["include"] == ["abstracts"]
    # the cursor keeps the latest updated_at seen, whatever order the answer came in
    assert source.cursor["updated_since"] == {"ny": "2026-06-18T17:07:03.990770+00:00"}


def test_every_page_up_to_max_page_and_no_further(no_network):
    serve_pages(no_network, paged_bills(45))
    source = make_source()
    records = list(source.fetch())
    assert [r.identifier for r in records] == [f"HB {n}" for n in range(1, 46)]
    assert [query(c)["page"] for c in no_network.calls] == [["1"], ["2"], ["3"]]  # page 4 would be a 404
    assert source.http.requests == 3
    assert records[20].source_url.endswith("page=2&include=sponsorships&include=actions&include=abstracts"
                                           "&include=versions&include=sources")


def test_second_scan_asks_only_for_bills_updated_since_the_cursor(no_network):
    bills = paged_bills(3)
    serve_pages(no_network, bills)
    cursor: dict = {}
    list(make_source(cursor).fetch())
    assert cursor["updated_since"] == {"tx": bills[-1]["updated_at"]}

    no_network.replace(responses.GET, BILLS, json={"results": [], "pagination": {
        "per_page": 20, "page": 1, "max_page": 1, "total_items": 0}})
    second = make_source(cursor)
    assert list(second.fetch()) == []
    assert query(no_network.calls[-1])["updated_since"] == ["2025-06-01 00:03:00"]
    assert second.nothing_new_reason and "tx" in second.nothing_new_reason
    assert cursor["updated_since"] == {"tx": bills[-1]["updated_at"]}  # unchanged by an empty answer


def test_since_argument_overrides_the_cursor_but_never_moves_it_back(no_network):
    no_network.get(BILLS, json=tx_page())
    cursor = {"updated_since": {"tx": "2025-07-01T00:00:00+00:00"}}
    list(make_source(cursor).fetch(since=dt.date(2025, 6, 1)))
    assert query(no_network.calls[0])["updated_since"] == ["2025-06-01"]
    assert cursor["updated_since"]["tx"] == "2025-07-01T00:00:00+00:00"


def test_each_session_and_jurisdiction_is_asked_for_and_remembered_apart(no_network):
    no_network.get(BILLS, json=tx_page())
    source = make_source(jurisdictions=["tx", "us"], sessions=["89", "891"])
    list(source.fetch())
    asked = [(query(c)["jurisdiction"][0], query(c)["session"][0]) for c in no_network.calls]
    assert asked == [("tx", "89"), ("tx", "891"), ("ocd-jurisdiction/country:us/government", "89"),
                     ("ocd-jurisdiction/country:us/government", "891")]
    assert set(source.cursor["updated_since"]) == {"tx/89", "tx/891", "us/89", "us/891"}


def test_429_waits_for_retry_after_then_succeeds(no_network):
    no_network.get(BILLS, status=429, headers={"Retry-After": "7"},
                   json={"detail": "exceeded limit of 10/min: 11"})
    no_network.get(BILLS, json=tx_page())
    sleeps: list[float] = []
    source = make_source(sleeps=sleeps)
    records = list(source.fetch())
    assert len(records) == 2
    assert 7.0 in sleeps
    assert source.http.requests == 2
    assert source.cursor["requests_today"]["count"] == 2


def test_requests_are_spaced_by_the_tier(no_network):
    serve_pages(no_network, paged_bills(25))
    sleeps: list[float] = []
    list(make_source(sleeps=sleeps, requests_per_minute=10).fetch())
    assert len(sleeps) == 1 and 5.0 < sleeps[0] <= 6.0  # the second page waited out the 6 s interval


def test_bad_key_is_an_auth_error_without_the_key(no_network):
    no_network.get(BILLS, status=401, json={"detail": "Invalid API key."})
    with pytest.raises(AuthError) as caught:
        list(make_source().fetch())
    assert "401" in str(caught.value) and KEY not in str(caught.value)
    assert "openstates.org/accounts/profile" in caught.value.hint


def test_missing_key_fails_before_any_request(no_network):
    with pytest.raises(AuthError) as caught:
        list(make_source(api_key="").fetch())
    assert "OPENSTATES_API_KEY" in caught.value.hint and "openstates" in caught.value.hint
    assert len(no_network.calls) == 0


def test_malformed_json_is_a_parse_error_naming_the_url(no_network):
    no_network.get(BILLS, body='{"results": [{"id": "ocd-bill/1", ', content_type="application/json")
    with pytest.raises(ParseError) as caught:
        list(make_source().fetch())
    assert "https://v3.openstates.org/bills?jurisdiction=tx" in str(caught.value)
    assert KEY not in str(caught.value)


def test_an_answer_without_pagination_is_a_parse_error(no_network):
    no_network.get(BILLS, json={"results": []})
    with pytest.raises(ParseError, match="pagination.max_page"):
        list(make_source().fetch())


def test_a_first_scan_with_no_bills_at_all_is_an_error(no_network):
    serve_pages(no_network, [])
    with pytest.raises(SourceError, match="no bills at all for 'tx'"):
        list(make_source().fetch())


def test_daily_budget_stops_the_scan_and_the_cursor_resumes_it(no_network):
    serve_pages(no_network, paged_bills(45))
    today = dt.datetime.now(dt.timezone.utc).date().isoformat()
    cursor = {"requests_today": {"date": today, "count": 248}}
    source = make_source(cursor, jurisdictions=["tx", "ok"])
    records = list(source.fetch())
    assert len(records) == 40 and len(no_network.calls) == 2  # "ok" is not asked for at all
    assert len(source.warnings) == 1 and "daily budget of 250" in source.warnings[0]
    assert cursor["requests_today"] == {"date": today, "count": 250}
    assert cursor["updated_since"] == {"tx": records[-1].extras["updated_at"]}
    with pytest.raises(QuotaError, match="daily budget"):
        list(make_source(cursor).fetch())


def test_a_session_without_bills_yet_says_so(no_network):
    serve_pages(no_network, [])
    source = make_source(sessions=["90"])
    assert list(source.fetch()) == []
    assert source.nothing_new_reason == "tx/90: no bills in this session yet"


def test_yesterdays_requests_do_not_count(no_network):
    no_network.get(BILLS, json=tx_page())
    cursor = {"requests_today": {"date": "2000-01-01", "count": 250}}
    assert len(list(make_source(cursor).fetch())) == 2
    assert cursor["requests_today"]["count"] == 1


def test_base_url_points_at_a_mirror(no_network):
    no_network.get("https://mirror.example.org/openstates/bills", json=tx_page())
    records = list(make_source(base_url="https://mirror.example.org/openstates/").fetch())
    assert records[0].source_url.startswith("https://mirror.example.org/openstates/bills?")
