"""LEGISinfo (type "legisinfo"): JSON list and detail (documented shape), the retired XML export (real)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest
import responses
from pydantic import ValidationError

from monitor.errors import LayoutChangedError, ParseError
from monitor.http import HttpClient, HttpSettings
from sources.base import source_class
from sources.legisinfo import LegisInfoOptions, LegisInfoSource

FIXTURES = Path(__file__).parent / "fixtures" / "legisinfo"
LIST = "https://www.parl.ca/legisinfo/en/bills/json?parlsession=44-1"
DETAIL_C27 = "https://www.parl.ca/legisinfo/en/bill/44-1/c-27/json"
ARCHIVE = "http://archive.example/legisinfo/41-2.xml"
C27_TITLE = ("An Act to enact the Consumer Privacy Protection Act, the Personal Information and Data Protection "
             "Tribunal Act and the Artificial Intelligence and Data Act and to make consequential and related "
             "amendments to other Acts")


def make_source(client: HttpClient | None = None, cursor: dict | None = None, **options: object) -> LegisInfoSource:
    values: dict[str, object] = {"name": "parliament", "type": "legisinfo", "session": "44-1", "details": False}
    values.update(options)
    client = client or HttpClient(HttpSettings(min_interval=0, retries=0))
    return LegisInfoSource(LegisInfoOptions(**values), client.for_source("parliament"), cursor)


def serve(rsps: responses.RequestsMock, url: str, name: str, **headers: str) -> None:
    rsps.get(url, body=(FIXTURES / name).read_bytes(), headers=headers)


def list_entries() -> list[dict]:
    return json.loads((FIXTURES / "bills_44-1_list_documented.json").read_bytes())


def test_registered_as_legisinfo() -> None:
    assert source_class("legisinfo") is LegisInfoSource


def test_list_bills_both_namings_stages_and_dates(no_network: responses.RequestsMock) -> None:
    serve(no_network, LIST, "bills_44-1_list_documented.json")
    bills = {b.identifier: b for b in make_source().fetch()}
    # C-1 is pro forma: left out
    assert list(bills) == ["C-27", "C-64", "S-250", "S-252", "C-390", "C-391"]
    table = {k: (b.stage, b.status_date, b.status) for k, b in bills.items()}
    assert table == {
        "C-27": ("in_committee", dt.date(2024, 4, 24), "At consideration in committee in the House of Commons"),
        "C-64": ("enacted", dt.date(2024, 10, 10), "Royal assent received"),
        "S-250": ("passed_chamber", dt.date(2024, 11, 28),
                  "Senate bill awaiting first reading in the House of Commons"),
        "S-252": ("passed_committee", dt.date(2024, 6, 13), "At report stage in the Senate"),
        # LatestBillEventDateTime is 0001-01-01: no date, so the first reading's date stands
        "C-390": ("introduced", dt.date(2023, 12, 12), "Outside the Order of Precedence (a private member's bill "
                  "that hasn't yet won the draw that determines the order of business)"),
        "C-391": ("failed", dt.date(2024, 5, 1), "Defeated at second reading in the House of Commons"),
    }
    assert all(b.jurisdiction == "CA" and b.session == "44-1" for b in bills.values())


def test_english_and_french_titles_are_both_kept(no_network: responses.RequestsMock) -> None:
    serve(no_network, LIST, "bills_44-1_list_documented.json")
    c27 = next(b for b in make_source().fetch() if b.identifier == "C-27")
    assert c27.title == C27_TITLE
    assert c27.extras["title_fr"] == (
        "Loi édictant la Loi sur la protection de la vie privée des consommateurs, la Loi sur le Tribunal de la "
        "protection des renseignements personnels et des données et la Loi sur l'intelligence artificielle et les "
        "données et apportant des modifications corrélatives et connexes à d'autres lois")
    assert c27.extras["title_short"] == "Digital Charter Implementation Act, 2022"
    assert c27.extras["title_short_fr"] == "Loi de 2022 sur la mise en œuvre de la Charte du numérique"
    assert c27.extras["status_fr"] == "À l'étude en comité à la Chambre des communes"
    assert c27.url == "https://www.parl.ca/legisinfo/en/bill/44-1/c-27"


def test_reading_dates_become_actions_in_both_chambers(no_network: responses.RequestsMock) -> None:
    serve(no_network, LIST, "bills_44-1_list_documented.json")
    c64 = next(b for b in make_source().fetch() if b.identifier == "C-64")
    assert [(a.date, a.chamber, a.description) for a in c64.actions] == [
        (dt.date(2024, 2, 29), "lower", "First reading in the House of Commons"),
        (dt.date(2024, 4, 22), "lower", "Second reading in the House of Commons"),
        (dt.date(2024, 6, 3), "lower", "Third reading in the House of Commons"),
        (dt.date(2024, 6, 4), "upper", "First reading in the Senate"),
        (dt.date(2024, 6, 18), "upper", "Second reading in the Senate"),
        (dt.date(2024, 10, 9), "upper", "Third reading in the Senate"),
        (dt.date(2024, 10, 10), "executive", "Royal assent"),
    ]
    assert [(s.name, s.role) for s in c64.sponsors] == [("Hon. Mark Holland", "primary")]
    assert c64.extras["statute"] == "S.C. 2024, c. 24"
    assert c64.extras["title_fr"] == "Loi concernant l'assurance médicaments"


def test_blank_sponsor_is_no_sponsor(no_network: responses.RequestsMock) -> None:
    serve(no_network, LIST, "bills_44-1_list_documented.json")
    bills = {b.identifier: b for b in make_source().fetch()}
    assert bills["C-390"].sponsors == []
    assert [s.name for s in bills["C-27"].sponsors] == ["Hon. François-Philippe Champagne"]


def test_pro_forma_bills_on_request(no_network: responses.RequestsMock) -> None:
    serve(no_network, LIST, "bills_44-1_list_documented.json")
    c1 = next(b for b in make_source(include_pro_forma=True).fetch() if b.identifier == "C-1")
    assert (c1.title, c1.stage) == ("An Act respecting the administration of oaths of office", "introduced")


def fingerprints_except(*numbers: str) -> dict[str, dict[str, str]]:
    prints = {}
    for entry in list_entries():
        number = entry.get("NumberCode") or entry.get("BillNumberFormatted")
        if number not in numbers:
            prints[f"44-1/{number}"] = hashlib.sha1(json.dumps(entry, sort_keys=True).encode()).hexdigest()
    return {"bills": prints}


def test_only_changed_bills_are_read_in_detail(no_network: responses.RequestsMock) -> None:
    serve(no_network, LIST, "bills_44-1_list_documented.json")
    serve(no_network, DETAIL_C27, "bill_44-1_c-27_detail_documented.json")
    source = make_source(cursor=fingerprints_except("C-27"), details=True)
    bills = list(source.fetch())
    assert [b.identifier for b in bills] == ["C-27"]
    assert [c.request.url for c in no_network.calls] == [LIST, DETAIL_C27]
    c27 = bills[0]
    assert c27.summary == (
        "Part 1 enacts the Consumer Privacy Protection Act to govern the protection of personal information of "
        "individuals while taking into account the need of organizations to collect, use or disclose personal "
        "information in the course of commercial activities. Part 3 enacts the Artificial Intelligence and Data Act.")
    assert c27.extras["summary_fr"] == (
        "La partie 1 édicte la Loi sur la protection de la vie privée des consommateurs afin de régir la protection "
        "des renseignements personnels. La partie 3 édicte la Loi sur l'intelligence artificielle et les données.")
    assert [(a.date, a.description, a.classification) for a in c27.actions] == [
        (dt.date(2022, 6, 16), "Introduction and first reading", ["introduced"]),
        (dt.date(2023, 4, 24), "Second reading and referral to committee", ["in_committee"]),
        (dt.date(2024, 4, 24), "Committee meeting", ["in_committee"]),
    ]
    assert (c27.sponsors[0].name, c27.sponsors[0].party) == ("Hon. François-Philippe Champagne", "Liberal")
    assert c27.source_url == DETAIL_C27
    assert source.cursor["bills"]["44-1/C-27"] == hashlib.sha1(
        json.dumps(list_entries()[1], sort_keys=True).encode()).hexdigest()


def test_unchanged_entries_mean_nothing_new(no_network: responses.RequestsMock) -> None:
    serve(no_network, LIST, "bills_44-1_list_documented.json")
    source = make_source(cursor=fingerprints_except())
    assert list(source.fetch()) == []
    assert source.nothing_new_reason == "no bill in the list changed since the last scan"


def test_since_reads_bills_active_since_then(no_network: responses.RequestsMock) -> None:
    serve(no_network, LIST, "bills_44-1_list_documented.json")
    source = make_source(cursor=fingerprints_except())
    assert [b.identifier for b in source.fetch(since=dt.date(2024, 10, 1))] == ["C-64", "S-250"]


def test_not_modified_list(no_network: responses.RequestsMock) -> None:
    client = HttpClient(HttpSettings(min_interval=0, retries=0))
    serve(no_network, LIST, "bills_44-1_list_documented.json", ETag='"list-1"')
    assert len(list(make_source(client).fetch())) == 6
    no_network.replace(responses.GET, LIST, status=304)
    again = make_source(client)
    assert list(again.fetch()) == []
    assert "304" in (again.nothing_new_reason or "")
    assert no_network.calls[-1].request.headers["If-None-Match"] == '"list-1"'


def test_retired_xml_export_real_capture(no_network: responses.RequestsMock) -> None:
    serve(no_network, ARCHIVE, "legisinfo_legacy_bills_list_41-2_trimmed.xml")
    bills = list(make_source(session="41-2", list_url=ARCHIVE, include_pro_forma=True).fetch())
    assert len(bills) == 1
    c1 = bills[0]
    assert (c1.jurisdiction, c1.session, c1.identifier) == ("CA", "41-2", "C-1")
    assert c1.title == "An Act respecting the Administration of Oaths of Office"
    assert c1.extras["title_fr"] == "Loi concernant la prestation de serments d'office"
    assert (c1.stage, c1.status, c1.status_date) == (
        "introduced", "Introduction and First Reading", dt.date(2013, 10, 16))
    assert c1.extras["status_fr"] == "Dépôt et première lecture"
    assert [(a.date, a.chamber, a.description) for a in c1.actions] == [
        (dt.date(2013, 10, 16), "lower", "Introduction and First Reading")]
    assert [(s.name, s.party) for s in c1.sponsors] == [("Stephen Harper", "CPC")]
    assert [(v.note, v.url) for v in c1.versions] == [(
        "First Reading", "https://www.parl.gc.ca/HousePublications/Publication.aspx?Mode=1&DocId=6256607&Language=E")]


def test_retired_xml_export_without_pro_forma_says_why_it_is_empty(no_network: responses.RequestsMock) -> None:
    serve(no_network, ARCHIVE, "legisinfo_legacy_bills_list_41-2_trimmed.xml")
    source = make_source(session="41-2", list_url=ARCHIVE)
    assert list(source.fetch()) == []
    assert source.nothing_new_reason == "the list holds only the pro-forma bills C-1 and S-1"


def test_flat_xml_export_reads_like_the_json(no_network: responses.RequestsMock) -> None:
    body = ("<?xml version='1.0' encoding='utf-8'?><Bills><Bill><NumberCode>C-27</NumberCode>"
            "<ParlSessionCode>44-1</ParlSessionCode><LongTitleEn>An Act to enact the Consumer Privacy Protection Act"
            "</LongTitleEn><LongTitleFr>Loi édictant la Loi sur la protection de la vie privée des consommateurs"
            "</LongTitleFr><OriginatingChamberOrganizationId>1</OriginatingChamberOrganizationId>"
            "<StatusNameEn>At report stage in the House of Commons</StatusNameEn>"
            "<PassedHouseFirstReadingDateTime>2022-06-16T10:15:27</PassedHouseFirstReadingDateTime>"
            "<PassedHouseSecondReadingDateTime>2023-04-24T17:58:07</PassedHouseSecondReadingDateTime>"
            "</Bill></Bills>").encode()
    no_network.get("https://www.parl.ca/legisinfo/en/bills/xml?parlsession=44-1", body=body)
    source = make_source(list_url="https://www.parl.ca/legisinfo/en/bills/xml?parlsession=44-1")
    [bill] = list(source.fetch())
    assert (bill.identifier, bill.stage, bill.status_date) == ("C-27", "passed_committee", dt.date(2023, 4, 24))
    assert bill.extras["title_fr"] == "Loi édictant la Loi sur la protection de la vie privée des consommateurs"


def test_changed_layout_names_the_missing_field(no_network: responses.RequestsMock) -> None:
    serve(no_network, LIST, "changed_layout_documented.json")
    with pytest.raises(LayoutChangedError) as caught:
        list(make_source().fetch())
    assert "NumberCode or BillNumberFormatted" in str(caught.value) and LIST in str(caught.value)


def test_html_instead_of_json_is_a_clear_error(no_network: responses.RequestsMock) -> None:
    serve(no_network, LIST, "error_page_documented.html")
    with pytest.raises(ParseError, match="answered an HTML page \\('LEGISinfo - Service interruption'\\)"):
        list(make_source().fetch())


def test_json_object_instead_of_a_list_is_a_layout_error(no_network: responses.RequestsMock) -> None:
    no_network.get(LIST, json={"Bills": []})
    with pytest.raises(LayoutChangedError, match="a JSON array of bills"):
        list(make_source().fetch())


def test_base_url_serves_list_and_details(no_network: responses.RequestsMock) -> None:
    mirror = "http://127.0.0.1:9"
    serve(no_network, f"{mirror}/legisinfo/en/bills/json?parlsession=44-1", "bills_44-1_list_documented.json")
    serve(no_network, f"{mirror}/legisinfo/en/bill/44-1/c-27/json", "bill_44-1_c-27_detail_documented.json")
    bills = list(make_source(cursor=fingerprints_except("C-27"), details=True, base_url=mirror).fetch())
    assert [b.source_url for b in bills] == [f"{mirror}/legisinfo/en/bill/44-1/c-27/json"]


def test_without_a_session_the_current_one_is_read(no_network: responses.RequestsMock) -> None:
    serve(no_network, "https://www.parl.ca/legisinfo/en/bills/json", "bills_44-1_list_documented.json")
    source = LegisInfoSource(LegisInfoOptions(name="parliament", type="legisinfo", details=False),
                             HttpClient(HttpSettings(min_interval=0, retries=0)).for_source("parliament"))
    bills = list(source.fetch())
    assert len(bills) == 6 and {b.session for b in bills} == {"44-1"}  # each bill's own ParlSessionCode


def test_several_sessions_are_several_lists(no_network: responses.RequestsMock) -> None:
    serve(no_network, LIST, "bills_44-1_list_documented.json", ETag='"44"')
    no_network.get("https://www.parl.ca/legisinfo/en/bills/json?parlsession=45-1", json=[])
    source = make_source(session=None, sessions=["44-1", "45-1"])
    assert len(list(source.fetch())) == 6
    assert [c.request.url for c in no_network.calls] == [LIST, "https://www.parl.ca/legisinfo/en/bills/json?parlsession=45-1"]


@pytest.mark.parametrize("changes, message", [
    ({"session": "44"}, "String should match pattern"),
    ({"sessions": ["45-1", "45"]}, "'45' is not a parliament-session"),
    ({"parlsession": "44-1"}, "Extra inputs are not permitted"),
], ids=["bad-session", "bad-sessions", "unknown-key"])
def test_options_are_checked(changes: dict[str, object], message: str) -> None:
    values: dict[str, object] = {"name": "p", "type": "legisinfo", "session": "44-1"}
    values.update(changes)
    with pytest.raises(ValidationError) as caught:
        LegisInfoOptions(**values)
    assert message in str(caught.value)


def test_rules_find_bills_through_french_and_short_titles(no_network: responses.RequestsMock, tmp_path: Path) -> None:
    from rules.explain import BillText
    from rules.ruleset import load_rules

    rule_file = tmp_path / "rules.toml"
    rule_file.write_text(
        '[[rule]]\nid = "dossiers"\nname = "Dossiers"\nquery = \'"dossiers de sante"\'\n\n'
        '[[rule]]\nid = "charter"\nname = "Charter"\nquery = \'"Digital Charter"\'\n', encoding="utf-8")
    matcher = load_rules([rule_file]).matcher
    serve(no_network, LIST, "bills_44-1_list_documented.json")
    matched = {b.identifier: [m.rule.id for m in matcher.match(BillText.from_bill(b))] for b in make_source().fetch()}
    # S-250's English title says "electronic health records": only its French title has the phrase
    assert matched["S-250"] == ["dossiers"]
    assert matched["C-27"] == ["charter"]  # in the short title only


def test_missing_detail_falls_back_on_the_list_with_a_warning(no_network: responses.RequestsMock) -> None:
    serve(no_network, LIST, "bills_44-1_list_documented.json")
    no_network.get(DETAIL_C27, status=404)
    source = make_source(cursor=fingerprints_except("C-27"), details=True)
    [c27] = list(source.fetch())
    assert (c27.identifier, c27.stage, c27.summary, c27.source_url) == ("C-27", "in_committee", None, LIST)
    assert source.warnings == [f"C-27: detail not read, list data used: GET {DETAIL_C27} answered HTTP 404"]
