"""GovInfo BILLSTATUS (type "govinfo"): the real sample, both element namings, sitemap increments."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import responses
from pydantic import ValidationError

from monitor.errors import FetchError, LayoutChangedError
from monitor.http import HttpClient, HttpSettings
from sources.base import Action, source_class
from sources.govinfo import GovInfoOptions, GovInfoSource, action_stage, congress_gov_url, parse_billstatus

FIXTURES = Path(__file__).parent / "fixtures" / "govinfo"
GOVINFO = "https://www.govinfo.gov"
INDEX = f"{GOVINFO}/sitemap/bulkdata/BILLSTATUS/sitemapindex.xml"
SITEMAP = f"{GOVINFO}/sitemap/bulkdata/BILLSTATUS/117{{}}/sitemap.xml"
BILL = f"{GOVINFO}/bulkdata/BILLSTATUS/117/{{0}}/BILLSTATUS-117{{0}}{{1}}.xml"
XML = "application/xml"
SCONRES7_TITLE = ("A concurrent resolution recognizing the heroism of the United States Capitol personnel and "
                  "journalists during the insurrectionist attack on the United States Capitol on January 6, 2021.")


def make_source(client: HttpClient | None = None, cursor: dict | None = None, **options: object) -> GovInfoSource:
    values: dict[str, object] = {"name": "congress", "type": "govinfo", "congress": 117}
    values.update(options)
    client = client or HttpClient(HttpSettings(min_interval=0, retries=0))
    return GovInfoSource(GovInfoOptions(**values), client.for_source("congress"), cursor)


def parse(name: str) -> object:
    return parse_billstatus((FIXTURES / name).read_bytes(), f"{GOVINFO}/{name}", make_source())


def serve(rsps: responses.RequestsMock, url: str, name: str, **headers: str) -> None:
    rsps.get(url, body=(FIXTURES / name).read_bytes(), content_type=XML, headers=headers)


def test_registered_as_govinfo() -> None:
    assert source_class("govinfo") is GovInfoSource


def test_real_sample_billnumber_layout() -> None:
    bill = parse("BILLSTATUS-117sconres7.xml")
    assert (bill.jurisdiction, bill.session, bill.identifier) == ("US", "117", "SCONRES 7")
    assert bill.title == SCONRES7_TITLE
    assert (bill.stage, bill.status, bill.status_date) == (
        "in_committee", "Referred to the Committee on Rules and Administration.", dt.date(2021, 3, 1))
    assert [(a.date, a.chamber, a.description) for a in bill.actions] == [
        (dt.date(2021, 3, 1), "upper", "Introduced in Senate"),
        (dt.date(2021, 3, 1), "upper", "Referred to the Committee on Rules and Administration."),
    ]
    assert bill.sponsors[0].name == "Sen. Klobuchar, Amy [D-MN]"
    assert (bill.sponsors[0].role, bill.sponsors[0].party) == ("primary", "D")
    assert len(bill.sponsors) == 39 and {s.role for s in bill.sponsors[1:]} == {"cosponsor"}
    assert ("Sen. King, Angus S., Jr. [I-ME]", "I") in [(s.name, s.party) for s in bill.sponsors]
    assert bill.subjects[:2] == ["Congress", "Assault and harassment offenses"] and len(bill.subjects) == 15
    assert bill.summary is not None and bill.summary.startswith(
        "This concurrent resolution commends the service and professionalism of the U.S. Capitol personnel")
    assert [(v.date, v.note) for v in bill.versions] == [(dt.date(2021, 3, 1), "Introduced in Senate")]
    assert bill.url == "https://www.congress.gov/bill/117th-congress/senate-concurrent-resolution/7"
    assert bill.source_url == f"{GOVINFO}/BILLSTATUS-117sconres7.xml"


def test_number_and_type_layout_reads_the_same_bill() -> None:
    current, v3 = parse("BILLSTATUS-117sconres7.xml"), parse("BILLSTATUS-117sconres7_v3_documented.xml")
    assert (v3.identifier, v3.session, v3.title, v3.stage, v3.status_date) == (
        current.identifier, current.session, current.title, current.stage, current.status_date)
    assert [a.description for a in v3.actions] == [a.description for a in current.actions]
    assert v3.summary == current.summary
    # the empty <item> that ends 3.0.0 text version lists is not a version
    assert [v.note for v in v3.versions] == ["Introduced in Senate"]


def test_legacy_layout_with_a_veto() -> None:
    bill = parse("BILLSTATUS-114sjres8_trimmed_documented.xml")
    assert (bill.session, bill.identifier, bill.stage) == ("114", "SJRES 8", "vetoed")
    assert bill.status_date == dt.date(2015, 5, 5)
    # actions come newest first in the file; the record has them oldest first, the empty one dropped
    assert [a.date for a in bill.actions] == sorted(a.date for a in bill.actions)
    assert bill.actions[0].description == "Introduced in Senate" and len(bill.actions) == 10
    assert [s.name for s in bill.sponsors] == ["Sen. Alexander, Lamar [R-TN]", "Sen. Enzi, Michael B. [R-WY]"]
    assert bill.sponsors[1].party == "R"  # from "[R-WY]": the legacy cosponsor has no <party>


def test_enacted_bill_with_public_law() -> None:
    bill = parse("BILLSTATUS-117hr9901_documented.xml")
    assert (bill.identifier, bill.stage, bill.status) == ("HR 9901", "enacted", "Became Public Law No: 117-999.")
    assert bill.extras["laws"] == ["Public Law 117-999"]
    assert bill.summary == ("Example Health IT Modernization Act This bill requires certified health IT to "
                            "support patient access through FHIR® APIs.")
    assert [v.note for v in bill.versions] == ["Introduced in House", "Enrolled Bill"]
    assert bill.subjects == ["Health", "Health information and medical records", "Telemedicine"]


def test_changed_layout_names_the_missing_element() -> None:
    with pytest.raises(LayoutChangedError) as caught:
        parse("BILLSTATUS-changed_layout_documented.xml")
    assert "billStatus/bill" in str(caught.value)
    assert "BILLSTATUS-changed_layout_documented.xml" in str(caught.value)


def test_missing_number_names_both_namings() -> None:
    content = (FIXTURES / "BILLSTATUS-117sconres7.xml").read_bytes().replace(b"billNumber", b"billNo")
    with pytest.raises(LayoutChangedError, match="bill/billNumber or bill/number"):
        parse_billstatus(content, "https://x/y.xml", make_source())


def test_external_entities_are_not_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    content = (f'<?xml version="1.0"?><!DOCTYPE billStatus [<!ENTITY x SYSTEM "file://{secret}">]>'
               "<billStatus><bill><billNumber>1</billNumber><billType>HR</billType><congress>117</congress>"
               "<title>Health data act &x;</title></bill></billStatus>").encode()
    bill = parse_billstatus(content, "https://x/evil.xml", make_source())
    assert bill.title == "Health data act"


@pytest.mark.parametrize("texts, stage", [
    (["Introduced in House"], "introduced"),
    (["Introduced in Senate", "Read twice and referred to the Committee on Finance."], "in_committee"),
    (["Introduced in House", "Reported (Amended) by the Committee on Energy and Commerce."], "passed_committee"),
    (["Introduced in House", "Passed/agreed to in House: On passage Passed by voice vote."], "passed_chamber"),
    (["Passed/agreed to in House: Passed.", "Referred to the Committee on Finance.",
      "Passed/agreed to in Senate: Passed Senate."], "passed_legislature"),
    (["Passed/agreed to in Senate: Resolution agreed to."], "passed_chamber"),
    (["Passed/agreed to in House: Passed.", "Passed/agreed to in Senate: Passed.", "Presented to President."],
     "sent_to_executive"),
    (["Presented to President.", "Vetoed by President.", "Failed of passage in Senate over veto by Yea-Nay Vote."],
     "vetoed"),
    (["Presented to President.", "Vetoed by President.", "Became Public Law No: 118-1."], "enacted"),
    (["Introduced in House", "Failed of passage in House."], "failed"),
], ids=["introduced", "referred", "reported", "one-chamber", "both-chambers", "simple-resolution",
        "presented", "veto-sustained", "veto-overridden", "failed"])
def test_stage_from_actions(texts: list[str], stage: str) -> None:
    from sources.govinfo import _stage

    actions = [Action(date=dt.date(2024, 1, i + 1), description=t) for i, t in enumerate(texts)]
    assert _stage(actions, laws=[]) == stage


def test_action_stage_ignores_procedural_steps() -> None:
    assert action_stage("Motion to reconsider laid on the table Agreed to without objection.") is None
    assert action_stage("Held at the desk.") is None


@pytest.mark.parametrize("congress, expected", [("101", "101st"), ("111", "111th"), ("112", "112th"),
                                                ("113", "113th"), ("122", "122nd"), ("123", "123rd")])
def test_congress_gov_ordinals(congress: str, expected: str) -> None:
    assert congress_gov_url(congress, "hr", "1") == f"https://www.congress.gov/bill/{expected}-congress/house-bill/1"


def serve_index_and_sitemaps(rsps: responses.RequestsMock) -> None:
    serve(rsps, INDEX, "sitemapindex_documented.xml", ETag='"index-1"')
    serve(rsps, SITEMAP.format("sconres"), "sitemap_117sconres_documented.xml")
    serve(rsps, SITEMAP.format("hr"), "sitemap_117hr_documented.xml")
    serve(rsps, BILL.format("sconres", 7), "BILLSTATUS-117sconres7.xml")
    serve(rsps, BILL.format("hr", 9901), "BILLSTATUS-117hr9901_documented.xml")


def test_first_scan_reads_every_followed_file_oldest_first(no_network: responses.RequestsMock) -> None:
    serve_index_and_sitemaps(no_network)
    source = make_source(bill_types=["hr", "sconres"])
    bills = list(source.fetch())
    # index order: 117hr then 117sconres; the 116th Congress is not followed
    assert [b.identifier for b in bills] == ["HR 9901", "SCONRES 7"]
    assert all(not c.request.url.count("/116") for c in no_network.calls)
    assert source.cursor == {
        "sitemaps": {"117hr": "2023-01-05T12:00:00.000Z", "117sconres": "2022-02-18T05:20:00.000Z"},
        "lastmod": {"117hr": "2023-01-05T12:00:00.000Z", "117sconres": "2022-02-18T05:18:19.000Z"},
    }


def test_later_scan_skips_types_whose_sitemap_did_not_move(no_network: responses.RequestsMock) -> None:
    serve_index_and_sitemaps(no_network)
    cursor = {"sitemaps": {"117hr": "2023-01-05T12:00:00.000Z", "117sconres": "2021-12-01T00:00:00.000Z"},
              "lastmod": {"117sconres": "2022-02-18T05:18:19.000Z"}}
    source = make_source(cursor=cursor, bill_types=["hr", "sconres"])
    assert [b.identifier for b in source.fetch()] == ["SCONRES 7"]  # at the watermark: fetched again
    fetched = [c.request.url for c in no_network.calls]
    assert SITEMAP.format("hr") not in fetched and BILL.format("hr", 9901) not in fetched


def test_watermark_skips_older_files(no_network: responses.RequestsMock) -> None:
    serve_index_and_sitemaps(no_network)
    cursor = {"lastmod": {"117sconres": "2022-03-01T00:00:00.000Z", "117hr": "2024-01-01T00:00:00Z"}}
    source = make_source(cursor=cursor, bill_types=["hr", "sconres"])
    assert list(source.fetch()) == []
    assert source.nothing_new_reason == "no BILLSTATUS file changed since the last scan"


def test_since_overrides_the_watermark(no_network: responses.RequestsMock) -> None:
    serve_index_and_sitemaps(no_network)
    cursor = {"lastmod": {"117sconres": "2030-01-01T00:00:00Z", "117hr": "2030-01-01T00:00:00Z"}}
    source = make_source(cursor=cursor, bill_types=["hr", "sconres"])
    assert [b.identifier for b in source.fetch(since=dt.date(2022, 6, 1))] == ["HR 9901"]


def test_unchanged_index_is_a_304_and_nothing_new(no_network: responses.RequestsMock) -> None:
    client = HttpClient(HttpSettings(min_interval=0, retries=0))
    serve_index_and_sitemaps(no_network)
    first = make_source(client, bill_types=["sconres"])
    assert len(list(first.fetch())) == 1
    no_network.replace(responses.GET, INDEX, status=304)
    again = make_source(client, cursor=first.cursor, bill_types=["sconres"])
    assert list(again.fetch()) == []
    assert "304" in (again.nothing_new_reason or "")
    assert no_network.calls[-1].request.headers["If-None-Match"] == '"index-1"'


def test_congress_without_sitemaps_yet_says_so(no_network: responses.RequestsMock) -> None:
    serve(no_network, INDEX, "sitemapindex_documented.xml")
    source = make_source(congress=119)
    assert list(source.fetch()) == []
    assert "no BILLSTATUS sitemap for the 119th Congress" in (source.nothing_new_reason or "")


def test_sitemap_without_urls_is_a_layout_error(no_network: responses.RequestsMock) -> None:
    no_network.get(INDEX, body=b"<html><body><h1>Service unavailable</h1></body></html>", content_type="text/html")
    with pytest.raises(LayoutChangedError) as caught:
        list(make_source().fetch())
    assert INDEX in str(caught.value)


def test_listed_bills_and_base_url(no_network: responses.RequestsMock) -> None:
    mirror = "http://127.0.0.1:9/govinfo"
    no_network.get(f"{mirror}/bulkdata/BILLSTATUS/117/sconres/BILLSTATUS-117sconres7.xml",
                   body=(FIXTURES / "BILLSTATUS-117sconres7.xml").read_bytes(), headers={"ETag": '"a"'})
    client = HttpClient(HttpSettings(min_interval=0, retries=0))
    bills = list(make_source(client, bills=["S.Con.Res. 7"], base_url=mirror).fetch())
    assert [b.identifier for b in bills] == ["SCONRES 7"]
    no_network.replace(responses.GET, f"{mirror}/bulkdata/BILLSTATUS/117/sconres/BILLSTATUS-117sconres7.xml",
                       status=304)
    again = make_source(client, bills=["SCONRES 7"], base_url=mirror)
    assert list(again.fetch()) == [] and again.nothing_new_reason


@pytest.mark.parametrize("changes, message", [
    ({"congress": 12}, "greater than or equal to 93"),
    ({"bill_types": ["hb"]}, "unknown bill type(s) hb"),
    ({"bills": ["HB 12"]}, "'HB 12' is not a bill of Congress"),
    ({"sitemap": "x"}, "Extra inputs are not permitted"),
], ids=["old-congress", "bad-type", "state-bill", "unknown-key"])
def test_options_are_checked(changes: dict[str, object], message: str) -> None:
    values: dict[str, object] = {"name": "c", "type": "govinfo", "congress": 117}
    values.update(changes)
    with pytest.raises(ValidationError) as caught:
        GovInfoOptions(**values)
    assert message in str(caught.value)


def test_a_listed_file_that_is_missing_is_a_warning(no_network: responses.RequestsMock) -> None:
    serve(no_network, INDEX, "sitemapindex_documented.xml")
    serve(no_network, SITEMAP.format("sconres"), "sitemap_117sconres_documented.xml")
    serve(no_network, SITEMAP.format("hr"), "sitemap_117hr_documented.xml")
    serve(no_network, BILL.format("sconres", 7), "BILLSTATUS-117sconres7.xml")
    no_network.get(BILL.format("hr", 9901), status=404)
    source = make_source(bill_types=["hr", "sconres"])
    assert [b.identifier for b in source.fetch()] == ["SCONRES 7"]
    assert source.warnings == [f"GET {BILL.format('hr', 9901)} answered HTTP 404"]
    assert "117hr" not in source.cursor["lastmod"]  # H.R. 9901 is read again next time


def test_no_changed_file_readable_fails_the_source(no_network: responses.RequestsMock) -> None:
    serve(no_network, INDEX, "sitemapindex_documented.xml")
    serve(no_network, SITEMAP.format("hr"), "sitemap_117hr_documented.xml")
    no_network.get(BILL.format("hr", 9901), status=404)
    with pytest.raises(FetchError, match="none of the 1 changed BILLSTATUS files could be read"):
        list(make_source(bill_types=["hr"]).fetch())
