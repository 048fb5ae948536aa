"""Open States: options, parsing of real and documented payloads, stage mapping."""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from pathlib import Path

import pytest
from pydantic import ValidationError

from monitor.errors import ParseError
from sources.base import registry
from sources.openstates import (
    DEFAULT_INCLUDE,
    OpenStatesOptions,
    OpenStatesSource,
    _api_timestamp,
    jurisdiction_code,
    parse_bill,
    stage_from_actions,
)

FIXTURES = Path(__file__).parent / "fixtures" / "openstates"
NY_CAPTURE = FIXTURES / "bills_search_results_items_NY_2025-2026_include_abstracts.json"
API_URL = "https://v3.openstates.org/bills?jurisdiction=tx&page=1"


def load(name: str) -> object:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def options(**keys: object) -> OpenStatesOptions:
    return OpenStatesOptions(name="openstates", type="openstates", **{"jurisdictions": ["tx"], **keys})


# --- options ---------------------------------------------------------------------------------

def test_registered_with_its_listing_attributes():
    cls = registry()["openstates"]
    assert cls is OpenStatesSource
    assert cls.needs_key and cls.Options is OpenStatesOptions
    assert cls.__doc__ and cls.jurisdictions and cls.tested_on and cls.fields and cls.limits


def test_defaults_are_the_free_tier_and_the_documented_includes():
    opts = options(api_key="k")
    assert (opts.requests_per_minute, opts.daily_budget, opts.sessions) == (10, 250, None)
    assert opts.include == ["sponsorships", "actions", "abstracts", "versions", "sources"]
    assert OpenStatesSource.request_interval(opts) == 6.0
    assert OpenStatesSource.request_interval(options(requests_per_minute=40)) == 1.5


def test_jurisdictions_are_lower_cased_and_deduplicated():
    assert options(jurisdictions=["TX", "dc", " pr ", "tx", "us"]).jurisdictions == ["tx", "dc", "pr", "us"]


@pytest.mark.parametrize(
    "keys, problem",
    [
        pytest.param({"jurisdictions": ["tx", "zz"]}, "unknown jurisdiction 'zz'", id="unknown-state"),
        pytest.param({"jurisdictions": []}, "at least 1", id="no-jurisdictions"),
        pytest.param({"include": ["actions", "sponsors"]}, "unknown include 'sponsors' (allowed: sponsorships",
                     id="bad-include"),
        pytest.param({"requests_per_minute": 0}, "greater than or equal to 1", id="zero-rate"),
        pytest.param({"sessions": [""]}, "session identifiers", id="blank-session"),
        pytest.param({"apikey": "x"}, "Extra inputs are not permitted", id="unknown-key"),
    ],
)
def test_invalid_options_are_rejected(keys, problem):
    with pytest.raises(ValidationError) as caught:
        options(**keys)
    assert problem in str(caught.value)


def test_the_key_is_a_secret_to_redact():
    assert OpenStatesSource.secrets(options(api_key="s3cret")) == ["s3cret"]


# --- the real New York capture ------------------------------------------------------------------

def test_real_ny_capture_parses_as_it_is():
    items = json.loads(NY_CAPTURE.read_bytes())
    records = [parse_bill(item, "openstates", API_URL, ["abstracts"]) for item in items]
    assert [r.key for r in records] == [
        ("US-NY", "2025-2026", "A 10774"),
        ("US-NY", "2025-2026", "A 10000"),
        ("US-NY", "2025-2026", "E 1625"),
    ]
    first = records[0]
    assert first.summary.startswith("Prohibits certain immigration and customs enforcement agents")
    assert first.status == first.last_action == "REFERRED TO GOVERNMENTAL EMPLOYEES"
    assert first.last_action_date == dt.date(2026, 4, 1)
    assert first.url == "https://openstates.org/ny/bills/2025-2026/A10774/"  # no sources included
    assert first.source_url == API_URL
    assert first.extras == {
        "openstates_id": "ocd-bill/c8a7ca6f-8145-4899-86c7-495df9111834",
        "updated_at": "2026-06-18T17:07:03.990770+00:00",
        "classification": ["bill"],
        "latest_passage_date": None,  # "" in the payload means no passage
        "openstates_session": "2025-2026",  # fetch() gives the bill the canonical label (test_openstates_sessions)
    }
    assert records[2].summary is None  # "abstracts": []


def test_real_ny_capture_without_actions_falls_back_on_the_summary_dates():
    items = json.loads(NY_CAPTURE.read_bytes())
    stages = {r.identifier: (r.stage, r.status_date) for r in (parse_bill(i, "os", API_URL) for i in items)}
    assert stages == {
        "A 10774": ("introduced", dt.date(2026, 4, 1)),  # no passage date: introduced on its first action
        "A 10000": ("passed_chamber", dt.date(2026, 5, 27)),
        "E 1625": ("passed_legislature", dt.date(2026, 6, 5)),  # a simple resolution: its chamber is enough
    }


def test_real_jurisdiction_ids_of_states_dc_and_puerto_rico():
    ids = [j["id"] for j in load("jurisdictions_list_2021_trimmed.json")["results"]]
    assert [jurisdiction_code(i) for i in ids] == ["US-AL", "US-AK", "US-DC", "US-PR", "US-TX"]
    assert jurisdiction_code("ocd-jurisdiction/country:us/government") == "US"
    with pytest.raises(ValueError):
        jurisdiction_code("ocd-jurisdiction/country:ca/province:on/government")


# --- documented payloads with sponsorships, actions and versions --------------------------------

def tx_records():
    page = load("bills_tx_page_documented.json")
    return [parse_bill(item, "openstates", API_URL, DEFAULT_INCLUDE) for item in page["results"]]


def test_documented_bill_maps_every_field():
    hb4 = tx_records()[0]
    assert hb4.key == ("US-TX", "89", "HB 4")
    assert hb4.title.startswith("Relating to the electronic exchange of health information")
    assert hb4.summary == "Relating to the electronic exchange of health information."
    assert hb4.subjects == ["Health", "Health--Information Technology"]
    assert [(s.name, s.role, s.party) for s in hb4.sponsors] == [
        ("Klick", "primary", "Republican"),
        ("Zwiener", "cosponsor", "Democratic"),
        ("Health Information Caucus", "cosponsor", None),  # an organization: no person, no party
    ]
    assert len(hb4.actions) == 12
    assert (hb4.actions[1].date, hb4.actions[1].chamber, hb4.actions[1].classification) == (
        dt.date(2025, 2, 18), "lower", ["introduction", "reading-1"])
    assert hb4.actions[8].date == dt.date(2025, 5, 28)  # an ISO datetime
    assert hb4.actions[10].chamber == "executive"
    assert [(v.date, v.note, v.url) for v in hb4.versions] == [
        (dt.date(2025, 1, 9), "Introduced", "https://capitol.texas.gov/tlodocs/89R/billtext/html/HB00004I.htm"),
        (dt.date(2025, 5, 28), "Enrolled", "https://capitol.texas.gov/tlodocs/89R/billtext/html/HB00004F.htm"),
    ]
    assert hb4.url == "https://capitol.texas.gov/BillLookup/History.aspx?LegSess=89R&Bill=HB4"
    assert (hb4.stage, hb4.status_date) == ("enacted", dt.date(2025, 6, 20))
    assert hb4.status == "Effective on 9/1/25"


def test_actions_are_read_in_date_order_not_entry_order():
    sb = tx_records()[1]
    # "Sent to the Governor" was entered after the veto but dated before it: the bill stays vetoed
    assert (sb.stage, sb.status_date) == ("vetoed", dt.date(2025, 6, 21))
    assert sb.url == "https://openstates.org/tx/bills/89/SB1188/"  # "sources": [] -> Open States page


def test_official_link_only_when_sources_were_asked_for():
    item = load("bills_tx_page_documented.json")["results"][0]
    assert parse_bill(item, "os", API_URL, ["actions"]).url == "https://openstates.org/tx/bills/89/HB4/"


def test_nebraska_one_passage_passes_the_legislature():
    record = parse_bill(load("bills_ne_page_documented.json")["results"][0], "os", API_URL)
    assert record.key == ("US-NE", "109", "LB 52")
    assert (record.stage, record.status_date) == ("passed_legislature", dt.date(2025, 3, 18))
    assert record.sponsors[0].party == "Nonpartisan"


def test_a_bill_without_the_documented_shape_names_the_url_and_bill():
    item = load("bills_tx_page_documented.json")["results"][0]
    item["jurisdiction"] = {"id": "ocd-jurisdiction/country:mx/government"}
    with pytest.raises(ParseError, match=re.escape(API_URL) + ".*ocd-bill/0b5c5e8e"):
        parse_bill(item, "openstates", API_URL)
    del item["identifier"]
    with pytest.raises(ParseError, match="does not have the documented shape"):
        parse_bill({**item, "jurisdiction": {"id": "ocd-jurisdiction/country:us/state:tx/government"}}, "os", API_URL)


# --- stage mapping -------------------------------------------------------------------------------

L, U, LEG, EX = "lower", "upper", "legislature", "executive"
STAGE_TABLE = [
    ("nothing", [], {}, None),
    ("no-classification", [([], L)], {}, None),
    ("filed", [(["filing"], L)], {}, "prefiled"),
    ("introduced", [(["filing"], L), (["introduction", "reading-1"], L)], {}, "introduced"),
    ("first-reading-only", [(["reading-1"], U)], {}, "introduced"),
    ("referred", [(["introduction"], L), (["referral-committee"], L)], {}, "in_committee"),
    ("reported", [(["referral-committee"], L), (["committee-passage-favorable"], L)], {}, "passed_committee"),
    ("reported-unfavorably", [(["committee-passage-unfavorable"], L)], {}, "passed_committee"),
    ("passed-one-chamber", [(["committee-passage"], L), (["passage", "reading-3"], L)], {}, "passed_chamber"),
    ("second-chamber-referral-keeps-passage",
     [(["passage"], L), (["introduction"], U), (["referral-committee"], U)], {}, "passed_chamber"),
    ("concurrence-is-not-a-second-chamber", [(["passage"], L), (["passage"], L)], {}, "passed_chamber"),
    ("passed-both", [(["passage"], L), (["passage"], U)], {}, "passed_legislature"),
    ("nebraska-unicameral", [(["passage"], LEG)], {}, "passed_legislature"),
    ("dc-council", [(["passage"], None)], {"unicameral": True}, "passed_legislature"),
    ("simple-resolution", [(["passage"], U)], {"one_chamber": True}, "passed_legislature"),
    ("sent-to-governor", [(["passage"], L), (["passage"], U), (["executive-receipt"], EX)], {}, "sent_to_executive"),
    ("signed", [(["executive-receipt"], EX), (["executive-signature"], EX)], {}, "enacted"),
    ("became-law-unsigned", [(["executive-receipt"], EX), (["became-law"], EX)], {}, "enacted"),
    ("line-item-veto-and-signature", [(["executive-veto", "executive-signature"], EX)], {}, "enacted"),
    ("vetoed", [(["executive-receipt"], EX), (["executive-veto"], EX)], {}, "vetoed"),
    ("override-one-chamber", [(["executive-veto"], EX), (["veto-override-passage"], L)], {}, "vetoed"),
    ("override-both", [(["executive-veto"], EX), (["veto-override-passage"], L), (["veto-override-passage"], U)],
     {}, "enacted"),
    ("override-failed", [(["executive-veto"], EX), (["veto-override-failure"], L)], {}, "vetoed"),
    ("veto-then-law", [(["executive-veto"], EX), (["became-law"], EX)], {}, "enacted"),
    ("floor-failure", [(["committee-passage"], L), (["failure"], L)], {}, "failed"),
    ("failed-in-committee", [(["referral-committee"], L), (["committee-failure"], L)], {}, "failed"),
    ("failure-reconsidered", [(["failure"], L), (["passage"], L)], {}, "passed_chamber"),
    ("withdrawn", [(["introduction"], L), (["withdrawal"], L)], {}, "withdrawn"),
    ("amendments-do-not-move-a-bill", [(["introduction"], L), (["amendment-failure", "amendment-passage"], L)],
     {}, "introduced"),
]


@pytest.mark.parametrize(
    "actions, flags, expected", [pytest.param(a, f, e, id=i) for i, a, f, e in STAGE_TABLE]
)
def test_stage_from_action_classifications(actions, flags, expected):
    assert stage_from_actions(actions, **flags)[0] == expected


def test_stage_date_is_the_deciding_action_even_after_a_cleared_failure():
    actions = [(["passage"], L), (["failure"], U), (["referral-committee"], U)]
    assert stage_from_actions(actions) == ("passed_chamber", 0)


# --- updated_since ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "updated_at, sent",
    [
        pytest.param("2026-06-18T17:07:03.990770+00:00", "2026-06-18 17:07:03", id="api-form"),
        pytest.param("2026-06-18T12:07:03-05:00", "2026-06-18 17:07:03", id="to-utc"),
        pytest.param("2026-06-18", "2026-06-18 00:00:00", id="date-only"),
        pytest.param(None, None, id="no-cursor"),
    ],
)
def test_updated_since_is_written_the_way_the_api_compares_it(updated_at, sent):
    assert _api_timestamp(updated_at) == sent


# --- documentation -------------------------------------------------------------------------------

def test_the_documented_config_example_loads_through_the_config_loader(monkeypatch, tmp_path):
    from monitor.config import parse_config

    doc = (Path(__file__).parent.parent / "docs" / "openstates.md").read_text(encoding="utf-8")
    example = re.search(r"```toml\n(.*?)```", doc, re.S).group(1)
    monkeypatch.setenv("OPENSTATES_API_KEY", "free-key")
    monkeypatch.setenv("OPENSTATES_BRONZE_KEY", "bronze-key")
    config = parse_config(tomllib.loads(example), tmp_path / "billwatch.toml")
    free, bronze = config.sources
    assert (free.api_key, free.jurisdictions, free.requests_per_minute) == ("free-key", ["tx", "ok", "dc"], 10)
    assert (bronze.api_key, bronze.sessions) == ("bronze-key", ["20252026"])
    assert OpenStatesSource.request_interval(bronze) == 1.5


def test_api_key_file_is_read_by_the_config_loader(tmp_path):
    from monitor.config import parse_config

    (tmp_path / "openstates.key").write_text("key-from-file\n", encoding="utf-8")
    config = parse_config({"source": [{"name": "os", "type": "openstates", "jurisdictions": ["tx"],
                                       "api_key_file": "openstates.key"}]}, tmp_path / "billwatch.toml")
    assert config.sources[0].api_key == "key-from-file"
