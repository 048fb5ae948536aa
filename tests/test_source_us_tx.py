"""Texas Legislature Online (type "us-tx") on fixtures written from the documented shapes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import responses
from pydantic import ValidationError

from monitor.errors import FetchError, LayoutChangedError, ParseError
from monitor.http import HttpClient, HttpSettings
from sources.base import Action, Hearing, source_class
from sources.us_tx import TexasOptions, TexasSource, bills_named, history_stage, parse_history

FIXTURES = Path(__file__).parent / "fixtures" / "us_tx"
RSS = "https://capitol.texas.gov/MyTLO/RSS/RSS.aspx?Type={}"
HISTORY = "https://ftp.legis.state.tx.us/bills/89R/billhistory/{}"
HB1234 = HISTORY.format("house_bills/HB01200_HB01299/HB%201234.xml")
HB1300 = HISTORY.format("house_bills/HB01300_HB01399/HB%201300.xml")
SB5 = HISTORY.format("senate_bills/SB00001_SB00099/SB%205.xml")
NOTICE_HHS = "https://capitol.texas.gov/tlodocs/89R/schedules/html/C6102025032508001.HTM"
NOTICE_FINANCE = "https://capitol.texas.gov/tlodocs/89R/schedules/html/C5402025032609001.HTM"


def make_source(client: HttpClient | None = None, **options: object) -> TexasSource:
    values: dict[str, object] = {"name": "texas", "type": "us-tx", "session": "89R", "feeds": []}
    values.update(options)
    client = client or HttpClient(HttpSettings(min_interval=0, retries=0))
    return TexasSource(TexasOptions(**values), client.for_source("texas"))


def serve(rsps: responses.RequestsMock, url: str, name: str, **headers: str) -> None:
    rsps.get(url, body=(FIXTURES / name).read_bytes(), headers=headers)


def history(name: str, session: str = "89R") -> object:
    return parse_history((FIXTURES / name).read_bytes(), "https://tx.example/" + name,
                         make_source(session=session, bills=["HB 1"]))


def test_registered_as_us_tx() -> None:
    assert source_class("us-tx") is TexasSource


def test_history_of_an_enacted_bill() -> None:
    bill = history("billhistory_HB1234_documented.xml")
    # the US session label, as LegiScan and Open States store Texas bills: one bill from all three
    assert (bill.jurisdiction, bill.session, bill.identifier) == ("US-TX", "2025 Regular Session", "HB 1234")
    assert bill.extras["tlo_session"] == "89R"
    assert bill.title == ("Relating to the electronic exchange of health information and patient access to "
                          "health records.")
    assert (bill.stage, bill.status, bill.status_date) == ("enacted", "Effective on 9/1/25", dt.date(2025, 6, 20))
    assert bill.subjects == ["Health--General", "Health Care Providers", "Electronic Information Systems"]
    assert [(s.name, s.role) for s in bill.sponsors] == [
        ("Smith", "primary"), ("Garcia", "primary"), ("Johnson", "cosponsor"), ("Lee", "cosponsor"),
        ("Nguyen", "cosponsor"), ("Kolkhorst", "primary"), ("Perry", "cosponsor")]
    chambers = [(a.date, a.chamber, a.description) for a in bill.actions]
    assert chambers[0] == (dt.date(2025, 1, 15), "lower", "Filed")
    assert (dt.date(2025, 5, 20), "upper", "Passed (Record vote 31-0)") in chambers
    assert chambers[-2:] == [(dt.date(2025, 6, 20), "executive", "Signed by the Governor"),
                             (dt.date(2025, 6, 20), "executive", "Effective on 9/1/25")]
    assert [(v.note, v.url) for v in bill.versions] == [
        ("Introduced", "https://capitol.texas.gov/tlodocs/89R/billtext/html/HB01234I.htm"),
        ("Enrolled", "https://capitol.texas.gov/tlodocs/89R/billtext/html/HB01234F.htm")]
    assert bill.extras["companions"] == ["SB 456"]
    assert bill.extras["committees"][1] == {"chamber": "senate", "name": "Health & Human Services",
                                            "status": "Out of committee"}
    assert bill.extras["analyses"][0]["note"] == "Committee Report (Unamended)"
    assert bill.url == "https://capitol.texas.gov/BillLookup/History.aspx?LegSess=89R&Bill=HB1234"


def test_history_of_a_bill_in_committee() -> None:
    bill = history("billhistory_SB5_documented.xml")
    assert (bill.identifier, bill.stage, bill.status, bill.status_date) == (
        "SB 5", "in_committee", "Referred to Health & Human Services", dt.date(2025, 3, 20))
    assert [(s.name, s.role) for s in bill.sponsors] == [("Kolkhorst", "primary")]
    assert "companions" not in bill.extras
    assert [a.date for a in bill.actions] == [dt.date(2024, 11, 12), dt.date(2025, 3, 20), dt.date(2025, 3, 20)]


def test_unused_number_is_skipped() -> None:
    assert history("billhistory_HB9999_does_not_exist_documented.xml") is None


def test_changed_layout_names_the_missing_element() -> None:
    with pytest.raises(LayoutChangedError) as caught:
        history("billhistory_changed_layout_documented.xml")
    assert "billhistory/caption" in str(caught.value)
    assert "billhistory_changed_layout_documented.xml" in str(caught.value)


@pytest.mark.parametrize("steps, prefix, stage", [
    ([("H", "Filed")], "HB", "introduced"),
    ([("H", "Read first time"), ("H", "Referred to State Affairs")], "HB", "in_committee"),
    ([("H", "Referred to State Affairs"), ("H", "Reported favorably as substituted")], "HB", "passed_committee"),
    ([("H", "Passed"), ("S", "Received from the House"), ("S", "Referred to Finance")], "HB", "passed_chamber"),
    ([("H", "Passed"), ("S", "Passed as amended")], "HB", "passed_legislature"),
    ([("H", "Adopted")], "HR", "passed_chamber"),
    ([("H", "Passed"), ("S", "Passed"), ("E", "Sent to the Governor")], "HB", "sent_to_executive"),
    ([("E", "Sent to the Governor"), ("E", "Vetoed by the Governor")], "SB", "vetoed"),
    ([("E", "Sent to the Governor"), ("E", "Filed without the Governor's signature")], "SB", "enacted"),
], ids=["filed", "referred", "reported", "one-chamber", "both-chambers", "simple-resolution", "to-governor",
        "vetoed", "law-without-signature"])
def test_stage_from_actions(steps: list[tuple[str, str]], prefix: str, stage: str) -> None:
    from sources.us_tx import _CHAMBERS, action_stage

    actions = []
    for i, (chamber, text) in enumerate(steps):
        step = action_stage(text)
        actions.append(Action(date=dt.date(2025, 3, i + 1), description=text, chamber=_CHAMBERS[chamber],
                              classification=[step] if step else []))
    assert history_stage(actions, prefix) == stage


@pytest.mark.parametrize("bill, path", [
    ("HB 1", "house_bills/HB00001_HB00099/HB%201.xml"),
    ("HB 99", "house_bills/HB00001_HB00099/HB%2099.xml"),
    ("HB 100", "house_bills/HB00100_HB00199/HB%20100.xml"),
    ("SCR 5", "senate_concurrent_resolutions/SCR00001_SCR00099/SCR%205.xml"),
    ("HJR 210", "house_joint_resolutions/HJR00200_HJR00299/HJR%20210.xml"),
])
def test_history_file_urls(bill: str, path: str) -> None:
    assert make_source(bills=["HB 1"]).history_file_url(bill) == HISTORY.format(path)


def test_bills_named_in_titles_links_and_notices() -> None:
    assert bills_named("HB 1234", "https://capitol.texas.gov/BillLookup/History.aspx?LegSess=89R&Bill=SB5") == [
        "HB 1234", "SB 5"]
    assert bills_named("HJR 0012 and H.B. 7", "SCR 3; HB 1234") == ["HJR 12", "SCR 3", "HB 1234"]
    assert bills_named("Relating to health") == []


def serve_session(rsps: responses.RequestsMock) -> None:
    serve(rsps, RSS.format("todaysfiledhouse"), "rss_todaysfiledhouse_documented.xml", ETag='"filed"')
    serve(rsps, RSS.format("upcomingmeetingssenate"), "rss_upcomingmeetingssenate_documented.xml")
    serve(rsps, NOTICE_HHS, "meeting_notice_C6102025032508001_documented.html")
    rsps.get(NOTICE_FINANCE, body=b"<html><body><p>Meeting canceled.</p></body></html>")
    serve(rsps, HB1234, "billhistory_HB1234_documented.xml", ETag='"hb1234"')
    serve(rsps, HB1300, "billhistory_HB9999_does_not_exist_documented.xml")
    serve(rsps, SB5, "billhistory_SB5_documented.xml", ETag='"sb5"')


def test_feeds_name_bills_and_meetings_give_hearings(no_network: responses.RequestsMock) -> None:
    serve_session(no_network)
    source = make_source(feeds=["todaysfiledhouse", "upcomingmeetingssenate"], bills=["SB 5"])
    bills = {b.identifier: b for b in source.fetch()}
    # HB 1300 was named only by its link and turned out unused: skipped without a warning
    assert list(bills) == ["HB 1234", "SB 5"]
    hearing = Hearing(date=dt.date(2025, 3, 25), time="8:00 AM", location="Senate Chamber",
                      committee="Health & Human Services", description="Time: 8:00 AM, Location: Senate Chamber")
    assert bills["SB 5"].hearings == [hearing]
    assert bills["HB 1234"].hearings == [hearing]  # named on the Windows-1252 meeting notice
    assert source.warnings == []


def test_unchanged_feeds_and_histories_mean_nothing_new(no_network: responses.RequestsMock) -> None:
    client = HttpClient(HttpSettings(min_interval=0, retries=0))
    serve(no_network, RSS.format("todaysfiledhouse"), "rss_todaysfiledhouse_documented.xml", ETag='"filed"')
    serve(no_network, HB1234, "billhistory_HB1234_documented.xml", ETag='"hb1234"')
    serve(no_network, HB1300, "billhistory_HB9999_does_not_exist_documented.xml")
    assert [b.identifier for b in make_source(client, feeds=["todaysfiledhouse"]).fetch()] == ["HB 1234"]

    no_network.replace(responses.GET, RSS.format("todaysfiledhouse"), status=304)
    no_network.replace(responses.GET, HB1234, status=304)
    again = make_source(client, feeds=["todaysfiledhouse"], bills=["HB 1234"])
    assert list(again.fetch()) == []
    assert again.nothing_new_reason == "no bill history changed since the last scan"
    sent = {c.request.url: c.request.headers.get("If-None-Match") for c in no_network.calls[-2:]}
    assert sent == {RSS.format("todaysfiledhouse"): '"filed"', HB1234: '"hb1234"'}


def test_listed_bill_that_does_not_exist_is_a_warning(no_network: responses.RequestsMock) -> None:
    serve(no_network, HB1300, "billhistory_HB9999_does_not_exist_documented.xml")
    source = make_source(bills=["hb1300"])
    assert list(source.fetch()) == []
    assert source.warnings == ["HB 1300: TLO says this bill does not exist in session 89R"]


def test_meeting_title_in_another_shape_is_a_layout_error(no_network: responses.RequestsMock) -> None:
    body = (FIXTURES / "rss_upcomingmeetingssenate_documented.xml").read_bytes().replace(
        b"Health &amp; Human Services - 3/25/2025", b"Health &amp; Human Services, March 25")
    no_network.get(RSS.format("upcomingmeetingssenate"), body=body)
    with pytest.raises(LayoutChangedError) as caught:
        list(make_source(feeds=["upcomingmeetingssenate"]).fetch())
    assert "<committee> - M/D/YYYY" in str(caught.value) and RSS.format("upcomingmeetingssenate") in str(caught.value)


def test_html_instead_of_rss_is_a_parse_error(no_network: responses.RequestsMock) -> None:
    no_network.get(RSS.format("todaysfiledsenate"), body=b"<html><head><title>Error</title></head><body></body></html>",
                   content_type="text/html")
    with pytest.raises(ParseError, match="is not an RSS feed"):
        list(make_source(feeds=["todaysfiledsenate"]).fetch())


def test_a_failed_history_read_refetches_the_feed_next_time(no_network: responses.RequestsMock) -> None:
    client = HttpClient(HttpSettings(min_interval=0, retries=0))
    serve(no_network, RSS.format("todaysfiledhouse"), "rss_todaysfiledhouse_documented.xml", ETag='"filed"')
    serve(no_network, HB1234, "billhistory_changed_layout_documented.xml", ETag='"broken"')
    with pytest.raises(LayoutChangedError):
        list(make_source(client, feeds=["todaysfiledhouse"]).fetch())
    with pytest.raises(LayoutChangedError):
        list(make_source(client, feeds=["todaysfiledhouse"]).fetch())
    # neither the feed nor the broken history was asked conditionally the second time
    assert [c.request.headers.get("If-None-Match") for c in no_network.calls[-2:]] == [None, None]


def test_base_url_moves_feeds_notices_and_histories(no_network: responses.RequestsMock) -> None:
    mirror = "http://127.0.0.1:9"
    serve(no_network, f"{mirror}/MyTLO/RSS/RSS.aspx?Type=upcomingmeetingssenate",
          "rss_upcomingmeetingssenate_documented.xml")
    serve(no_network, f"{mirror}/tlodocs/89R/schedules/html/C6102025032508001.HTM",
          "meeting_notice_C6102025032508001_documented.html")
    no_network.get(f"{mirror}/tlodocs/89R/schedules/html/C5402025032609001.HTM", body=b"<p>canceled</p>")
    serve(no_network, f"{mirror}/bills/89R/billhistory/house_bills/HB01200_HB01299/HB%201234.xml",
          "billhistory_HB1234_documented.xml")
    serve(no_network, f"{mirror}/bills/89R/billhistory/senate_bills/SB00001_SB00099/SB%205.xml",
          "billhistory_SB5_documented.xml")
    bills = list(make_source(feeds=["upcomingmeetingssenate"], base_url=mirror).fetch())
    assert [b.identifier for b in bills] == ["HB 1234", "SB 5"]
    assert bills[1].source_url == f"{mirror}/bills/89R/billhistory/senate_bills/SB00001_SB00099/SB%205.xml"


@pytest.mark.parametrize("changes, message", [
    ({"session": "89"}, "String should match pattern"),
    ({"bills": ["HB1234", "Bill 5"]}, "'Bill 5' is not a Texas bill number"),
    ({"feeds": ["todayspassed"]}, "unknown TLO feed(s) todayspassed"),
    ({"feeds": [], "bills": []}, "give bills, feeds, or both"),
    ({"chamber": "house"}, "Extra inputs are not permitted"),
], ids=["bad-session", "bad-bill", "bad-feed", "nothing-to-read", "unknown-key"])
def test_options_are_checked(changes: dict[str, object], message: str) -> None:
    values: dict[str, object] = {"name": "t", "type": "us-tx", "session": "89R"}
    values.update(changes)
    with pytest.raises(ValidationError) as caught:
        TexasOptions(**values)
    assert message in str(caught.value)


def test_special_session_label() -> None:
    bill = history("billhistory_SB5_documented.xml", session="892")
    assert (bill.session, bill.extras["tlo_session"]) == ("2025 2nd Special Session", "892")
    assert bill.url == "https://capitol.texas.gov/BillLookup/History.aspx?LegSess=892&Bill=SB5"


def test_default_feeds_and_bill_normalization() -> None:
    options = TexasOptions(name="t", type="us-tx", session="892", bills=["hb0012", "S.J.R. 3"])
    assert options.bills == ["HB 12", "SJR 3"]
    assert "upcomingmeetingsjoint" in options.feeds and "todaysfiledhouse" in options.feeds


def test_a_missing_history_file_is_a_warning_when_others_are_read(no_network: responses.RequestsMock) -> None:
    serve(no_network, SB5, "billhistory_SB5_documented.xml")
    no_network.get(HB1234, status=404)
    source = make_source(bills=["HB 1234", "SB 5"])
    assert [b.identifier for b in source.fetch()] == ["SB 5"]
    assert len(source.warnings) == 1 and source.warnings[0].startswith("HB 1234: history not read: GET ")
    assert "HTTP 404" in source.warnings[0]


def test_no_history_file_readable_fails_the_source(no_network: responses.RequestsMock) -> None:
    no_network.get(HB1234, status=404)
    no_network.get(SB5, status=404)
    with pytest.raises(FetchError, match="none of the 2 bill history files could be read .*check history_url"):
        list(make_source(bills=["HB 1234", "SB 5"]).fetch())


def test_unreadable_meeting_notice_is_a_warning(no_network: responses.RequestsMock) -> None:
    serve(no_network, RSS.format("upcomingmeetingssenate"), "rss_upcomingmeetingssenate_documented.xml")
    no_network.get(NOTICE_HHS, status=404)
    no_network.get(NOTICE_FINANCE, body=b"<p>canceled</p>")
    source = make_source(feeds=["upcomingmeetingssenate"])
    assert list(source.fetch()) == []
    assert source.nothing_new_reason == "TLO's feeds name no bills or meetings today"
    assert source.warnings[0].startswith("meeting notice not read, its hearing is not attached: GET " + NOTICE_HHS)


def test_robots_txt_is_obeyed(no_network: responses.RequestsMock) -> None:
    from monitor.robots import RobotsDisallowedError

    assert TexasSource.respects_robots
    no_network.get("https://capitol.texas.gov/robots.txt", body="User-agent: *\nDisallow: /MyTLO/\n")
    client = HttpClient(HttpSettings(min_interval=0, retries=0))
    source = TexasSource(TexasOptions(name="texas", type="us-tx", session="89R", feeds=["todaysfiledhouse"]),
                         client.for_source("texas", respects_robots=True))
    with pytest.raises(RobotsDisallowedError, match="MyTLO/RSS/RSS.aspx"):
        list(source.fetch())
