"""One US session label: canonical_session, Texas and Open States labels, against real LegiScan labels.

Real labels used here: LegiScan CSV archive folders of the benchmark corpus (/work/shared/corpus,
legiscan_bills_12_states.csv.gz session_name column and legiscan-csv-datasets/), LegiScan session
objects of the real getDatasetList and getMasterListRaw captures (tests/fixtures/legiscan/), and
the session metadata Open States serves (tests/fixtures/openstates/legislative_sessions_openstates-scrapers.json).
"""

from __future__ import annotations

import doctest
import json
import re
from pathlib import Path

import pytest

from monitor.errors import ParseError
from sources.legiscan_dataset import session_from_api, session_from_folder
from sources.us_sessions import (
    SessionLabels,
    canonical_session,
    congress_number,
    english_ordinal,
    openstates_session,
    openstates_session_labels,
    texas_session,
)

FIXTURES = Path(__file__).parent / "fixtures"
SCRAPERS_SESSIONS = json.loads(
    (FIXTURES / "openstates" / "legislative_sessions_openstates-scrapers.json").read_text(encoding="utf-8"))
DOCS = Path(__file__).parent.parent / "docs" / "sessions.md"


# --- canonical_session ---------------------------------------------------------------------------

@pytest.mark.parametrize("number, written", [
    (1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (9, "9th"), (10, "10th"), (11, "11th"), (12, "12th"),
    (13, "13th"), (21, "21st"), (22, "22nd"), (23, "23rd"), (101, "101st"), (111, "111th"), (112, "112th"),
])
def test_english_ordinals_as_legiscan_writes_them(number, written):
    assert english_ordinal(number) == written


@pytest.mark.parametrize("parts, label", [
    pytest.param((2025, 2025, "regular"), "2025 Regular Session", id="one-year"),
    pytest.param((2025, None, "regular"), "2025 Regular Session", id="no-end-year"),
    pytest.param((2025, 2026, "regular"), "2025-2026 Regular Session", id="biennium"),
    pytest.param((2025, 2025, "special", 1), "2025 1st Special Session", id="1st-special"),
    pytest.param((2020, 2020, "special", 7), "2020 7th Special Session", id="7th-special"),
    pytest.param((2024, 2024, "special"), "2024 Special Session", id="special-without-ordinal"),
])
def test_canonical_session(parts, label):
    assert canonical_session(*parts) == label


@pytest.mark.parametrize("parts, problem", [
    pytest.param((2025, 2024, "regular"), "does not follow", id="end-before-start"),
    pytest.param((25, None, "regular"), "is not a year", id="short-year"),
    pytest.param((2025, None, "interim"), "unknown session kind 'interim'", id="unknown-kind"),
    pytest.param((2025, None, "special", 0), "starts at 1", id="ordinal-zero"),
])
def test_canonical_session_rejects_parts_that_make_no_label(parts, problem):
    with pytest.raises(ValueError, match=problem):
        canonical_session(*parts)


# Real LegiScan archive folders (corpus, 12 states) whose label is the canonical form.
# (state, folder, canonical parts)
LEGISCAN_FOLDERS = [
    ("CO", "2025-2025_Regular_Session", (2025, 2025, "regular")),
    ("CO", "2025-2025_1st_Special_Session", (2025, 2025, "special", 1)),
    ("OR", "2025-2025_1st_Special_Session", (2025, 2025, "special", 1)),
    ("OR", "2020-2020_3rd_Special_Session", (2020, 2020, "special", 3)),
    ("GA", "2025-2026_Regular_Session", (2025, 2026, "regular")),
    ("KS", "2025-2026_Regular_Session", (2025, 2026, "regular")),
    ("CA", "2023-2024_Regular_Session", (2023, 2024, "regular")),
    ("PA", "2023-2024_Regular_Session", (2023, 2024, "regular")),
    ("VA", "2024-2024_1st_Special_Session", (2024, 2024, "special", 1)),
    ("MD", "2025-2025_Regular_Session", (2025, 2025, "regular")),
    ("RI", "2020-2020_Regular_Session(session_id=1733)", (2020, 2020, "regular")),
    ("KS", "2024-2024_Special_Session", (2024, 2024, "special")),
]


@pytest.mark.parametrize("folder, parts", [pytest.param(f, p, id=f"{s}-{f}") for s, f, p in LEGISCAN_FOLDERS])
def test_real_legiscan_archive_folders_give_the_canonical_label(folder, parts):
    assert session_from_folder(folder) == canonical_session(*parts)


# Real LegiScan labels that Open States' labels do not meet (other forms; Kansas's only 2024
# special has no ordinal). docs/sessions.md must name each of them.
LEGISCAN_OTHER_FORMS = [
    ("MD", "2021-2021_First_Special_Session", "2021 First Special Session"),
    ("MN", "2025-2026_94th_Legislature", "2025-2026 94th Legislature"),
    ("MN", "2025-2025_94th_Legislature_1st_Special_Session", "2025 94th Legislature 1st Special Session"),
    ("MI", "2025-2026_103rd_Legislature", "2025-2026 103rd Legislature"),
    ("AZ", "2025-2025_Fifty-seventh_Legislature_1st_Regular", "2025 Fifty-seventh Legislature 1st Regular"),
    ("KS", "2024-2024_Special_Session", "2024 Special Session"),
]


@pytest.mark.parametrize("folder, label", [pytest.param(f, lb, id=f"{s}-{f}") for s, f, lb in LEGISCAN_OTHER_FORMS])
def test_real_legiscan_labels_in_another_form_are_documented(folder, label):
    assert session_from_folder(folder) == label
    assert f"`{label}`" in DOCS.read_text(encoding="utf-8")


def test_real_legiscan_session_objects_give_the_canonical_label(fixtures):
    sessions = json.loads((fixtures / "legiscan" / "getDatasetList_MT_LegitInfo.json").read_bytes())["datasetlist"]
    sessions.append(json.loads((fixtures / "legiscan" / "getMasterListRaw_CO_2025_PoliScore.json").read_bytes())
                    ["masterlist"]["session"])
    ordinals = {1515: 1}  # session_id of Montana's 2017 1st special session
    for session in sessions:
        kind = "special" if session["special"] else "regular"
        expected = canonical_session(session["year_start"], session["year_end"], kind,
                                     ordinals.get(session["session_id"]))
        assert session_from_api(session) == expected == session["session_title"]


# --- Texas ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("label, year, expected", [
    pytest.param("89R", None, "2025 Regular Session", id="89R"),
    pytest.param("89(R)", None, "2025 Regular Session", id="89(R)"),
    pytest.param("89r", None, "2025 Regular Session", id="lower-case"),
    pytest.param("891", None, "2025 1st Special Session", id="891"),
    pytest.param("89(1)", None, "2025 1st Special Session", id="89(1)"),
    pytest.param("892", None, "2025 2nd Special Session", id="892"),
    pytest.param("883", None, "2023 3rd Special Session", id="883"),
    pytest.param("81R", None, "2009 Regular Session", id="81R"),
    pytest.param("784", 2004, "2004 4th Special Session", id="called-in-the-second-year"),
    pytest.param("100R", None, "2047 Regular Session", id="three-digit-legislature"),
])
def test_texas_labels(label, year, expected):
    assert texas_session(label, year) == expected


@pytest.mark.parametrize("label, year, problem", [
    pytest.param("89", None, "not a legislature and session", id="no-session"),
    pytest.param("89S", None, "not a legislature and session", id="letter"),
    pytest.param("2025 Regular Session", None, "not a legislature and session", id="already-canonical"),
    pytest.param("890", None, "not a legislature and session", id="session-zero"),
    pytest.param("891", 2027, "sat in 2025-2026, not 2027", id="wrong-year"),
])
def test_texas_labels_that_are_not_texas_labels_fail_with_a_hint(label, year, problem):
    with pytest.raises(ParseError, match=problem) as caught:
        texas_session(label, year)
    assert caught.value.hint


def test_texas_label_equals_legiscan_session_of_the_same_session(fixtures):
    answer = json.loads((fixtures / "legiscan" / "getSessionList_TX_documented.json").read_bytes())
    by_name = {s["session_name"]: session_from_api(s) for s in answer["sessions"]}
    assert texas_session("89R") == by_name["89th Legislature Regular Session"]
    assert texas_session("883") == by_name["88th Legislature 3rd Special Session"]


@pytest.mark.parametrize("year, congress", [(1789, "1"), (2021, "117"), (2022, "117"), (2025, "119")])
def test_congress_number(year, congress):
    assert congress_number(year) == congress


# --- Open States ---------------------------------------------------------------------------------

# (state, Open States identifier, the real LegiScan archive folder of the same session)
SAME_SESSION = [
    ("co", "2017A", "2017-2017_Regular_Session"),
    ("co", "2017B", "2017-2017_1st_Special_Session"),  # "First Extraordinary Session"
    ("co", "2020B", "2020-2020_1st_Special_Session"),  # a special classified "primary"
    ("co", "2021A", "2021-2021_Regular_Session"),  # end_date in 2022: the name's year wins
    ("co", "2023B", "2023-2023_1st_Special_Session"),
    ("co", "2024B", "2024-2024_1st_Special_Session"),
    ("co", "2025A", "2025-2025_Regular_Session"),
    ("or", "2010 Special Session", "2010-2010_1st_Special_Session"),  # the year's only special
    ("or", "2018 Regular Session", "2018-2018_Regular_Session"),
    ("or", "2018 Special Session", "2018-2018_1st_Special_Session"),
    ("or", "2020S1", "2020-2020_1st_Special_Session"),  # no ordinal in the name: first by date
    ("or", "2020S2", "2020-2020_2nd_Special_Session"),  # "Special Session 2"
    ("or", "2020S3", "2020-2020_3rd_Special_Session"),
    ("or", "2021S1", "2021-2021_1st_Special_Session"),
    ("or", "2021S2", "2021-2021_2nd_Special_Session"),
    ("or", "2022R1", "2022-2022_Regular_Session"),
    ("ga", "2017_18", "2017-2018_Regular_Session"),
    ("ga", "2018_ss", "2018-2018_1st_Special_Session"),
    ("ga", "2019_20", "2019-2020_Regular_Session"),
    ("ga", "2020_ss", "2020-2020_1st_Special_Session"),
    ("ga", "2021_ss", "2021-2021_1st_Special_Session"),
    ("ga", "2023_24", "2023-2024_Regular_Session"),
    ("ga", "2023_ss", "2023-2023_1st_Special_Session"),
    ("ga", "2025_26", "2025-2026_Regular_Session"),
]


@pytest.mark.parametrize("state, identifier, folder",
                         [pytest.param(s, i, f, id=f"{s}-{i}") for s, i, f in SAME_SESSION])
def test_real_open_states_sessions_meet_real_legiscan_labels(state, identifier, folder):
    assert openstates_session(identifier, SCRAPERS_SESSIONS[state], state) == session_from_folder(folder)


# (state, identifier, label) for sessions with no LegiScan archive in the corpus: Texas labels
# meet texas_session(); the others follow the rule.
OPEN_STATES_LABELS = [
    ("tx", "83", "2013 Regular Session"),
    ("tx", "832", "2013 2nd Special Session"),  # "2st Called Session" (sic)
    ("tx", "87", "2021 Regular Session"),  # start_date 2019-01-08: the name's year wins
    ("tx", "871", "2021 1st Special Session"),
    ("tx", "88", "2023 Regular Session"),  # classification "regular"
    ("tx", "882", "2023 2nd Special Session"),  # its 1st called session is not in the list
    ("ny", "2019-2020", "2019-2020 Regular Session"),
    ("ny", "2023-2024", "2023-2024 Regular Session"),  # end_date 2023-12-31: the identifier's years win
    ("us", "117", "117"),  # Congress: the congress number, as GovInfo
]


@pytest.mark.parametrize("state, identifier, label",
                         [pytest.param(s, i, lb, id=f"{s}-{i}") for s, i, lb in OPEN_STATES_LABELS])
def test_real_open_states_sessions(state, identifier, label):
    assert openstates_session(identifier, SCRAPERS_SESSIONS[state], state) == label


def test_texas_open_states_and_tlo_labels_agree(fixtures):
    documented = json.loads((fixtures / "openstates" / "jurisdiction_tx_legislative_sessions_documented.json")
                            .read_bytes())["legislative_sessions"]
    labels, problems = openstates_session_labels(documented, "tx")
    assert problems == {}
    assert labels == {s: texas_session(s if len(s) == 3 else f"{s}R") for s in labels}


def session(identifier: str, name: str = "", classification: str = "primary", start: str = "", end: str = ""
            ) -> dict[str, str]:
    return {"identifier": identifier, "name": name, "classification": classification,
            "start_date": start, "end_date": end}


@pytest.mark.parametrize("sessions, identifier, label", [
    pytest.param([session("2026", "2026 Regular Session")], "2026", "2026 Regular Session", id="name-year"),
    pytest.param([session("56", "56th Legislature", start="2025-01-06", end="2026-05-01")], "56",
                 "2025-2026 Regular Session", id="dates-only"),
    pytest.param([session("56", "56th Legislature", end="2026-05-01")], "56", "2026 Regular Session",
                 id="end-date-only"),
    pytest.param([session("20252026", "2025-2026 Regular Session")], "20252026", "2025-2026 Regular Session",
                 id="eight-digits"),
    pytest.param([session("2025S1", "First Special Session", "special"),
                  session("2025S2", "Second Special Session", "special")], "2025S2", "2025 2nd Special Session",
                 id="ordinal-word"),
    pytest.param([session("x2", "2025 Special Session", "special", "2025-09-01"),
                  session("x1", "2025 Special Session B", "special", "2025-06-01")], "x2",
                 "2025 2nd Special Session", id="order-by-start-date"),
    pytest.param([session("ss", "2025 Special Session", "special")], "ss", "2025 1st Special Session",
                 id="only-special"),
    pytest.param([session("ss", "2025 Extraordinary Session", "")], "ss", "2025 1st Special Session",
                 id="unclassified-extraordinary"),
    pytest.param([session("2025", "2025 Regular Session", "")], "2025", "2025 Regular Session", id="unclassified"),
])
def test_open_states_rule(sessions, identifier, label):
    assert openstates_session(identifier, sessions) == label


@pytest.mark.parametrize("sessions, identifier, problem", [
    pytest.param([session("56", "56th Legislature")], "56", "no year in its name or identifier, and no start or end",
                 id="no-year-no-dates"),
    pytest.param([session("1999-2025", "odd")], "1999-2025", "too far apart", id="years-far-apart"),
    pytest.param([session("2025A", "2025 Regular Session"), session("2025R", "2025 Regular Session")], "2025A",
                 "'2025A', '2025R' would all be '2025 Regular Session'", id="shared-label"),
    pytest.param([session("2025I", "2025 Interim", "interim")], "2025I", "neither a regular nor a special",
                 id="unknown-classification"),
    pytest.param([session("2025")], "2026", "Open States session '2026': not in the list", id="not-listed"),
])
def test_open_states_sessions_without_a_label_say_why(sessions, identifier, problem):
    with pytest.raises(ValueError, match=problem):
        openstates_session(identifier, sessions)


def test_one_bad_session_does_not_stop_the_others():
    labels, problems = openstates_session_labels([session("56", "56th Legislature"),
                                                  session("2025", "2025 Regular Session")], "ak")
    assert labels == {"2025": "2025 Regular Session"} and list(problems) == ["56"]


# --- remembered labels ---------------------------------------------------------------------------

def test_remembered_labels_are_kept_and_new_ones_added():
    store: dict = {}
    labels = SessionLabels(store)
    assert labels.needs_refresh("tx", "89", "2025-06-01")
    assert labels.update("tx", {"89": "2025 Regular Session"}, {"89X": "no year"}, "2025-06-01") == []
    assert labels.label("tx", "89") == "2025 Regular Session" and labels.label("tx", "891") is None
    assert not labels.needs_refresh("tx", "89", "2025-09-01")  # known: never asked again
    assert labels.needs_refresh("tx", "891", "2025-06-01")  # not listed yet: asked again
    assert not labels.needs_refresh("tx", "89X", "2025-06-01")  # unmapped: once a day
    assert labels.needs_refresh("tx", "89X", "2025-06-02")

    warnings = labels.update("tx", {"89": "2025-2026 Regular Session", "891": "2025 1st Special Session"}, {},
                             "2025-07-21")
    assert labels.label("tx", "89") == "2025 Regular Session"  # a label once given is kept
    assert labels.label("tx", "891") == "2025 1st Special Session"
    assert warnings == [("tx: session '89' now reads as '2025-2026 Regular Session'; "
                         "its bills keep the label '2025 Regular Session'")]
    assert store["tx"]["fetched"] == "2025-07-21" and store["tx"]["unmapped"] == {}


# --- documentation -------------------------------------------------------------------------------

def test_the_examples_of_docs_sessions_work():
    code = "\n".join(re.findall(r"```python\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S))
    test = doctest.DocTestParser().get_doctest(code, {}, "docs/sessions.md", str(DOCS), 0)
    assert len(test.examples) >= 5
    runner = doctest.DocTestRunner()
    runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
