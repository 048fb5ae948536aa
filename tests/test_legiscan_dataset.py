"""LegiScan data -> BillRecord: bills.csv rows, bill JSON (real dataset files and documented getBill),
stages from status and progress codes, session labels, and whole dataset archives (CSV and JSON)."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import pytest

from monitor.errors import ParseError
from sources.legiscan_dataset import (
    bill_from_csv_row,
    bill_from_json,
    read_archive,
    session_from_api,
    session_from_folder,
    stage_for,
)

FIXTURES = Path(__file__).parent / "fixtures" / "legiscan"
AK_DATASET = FIXTURES / "dataset_ak_2011"
OR_ARCHIVE = FIXTURES / "OR_2025-2025_1st_Special_Session_CSV_20251009_708eb2835118140a97eb468afd76a4b0.zip"


def corpus_row(**changes: str) -> dict[str, str]:
    """A row shaped like the benchmark corpus (source_repo, state, session_name prepended)."""
    row = {
        "source_repo": "DGA-Research/betterIllumis", "state": "CO", "session_name": "2025-2025_Regular_Session",
        "bill_id": "1907595", "session_id": "2173", "bill_number": "HB1002", "status": "4",
        "status_desc": "Passed", "status_date": "2025-03-20", "title": "Medical Necessity Determination Insurance Coverage",
        "description": "Concerning the determination of health benefits coverage for mental health services.",
        "committee_id": "0", "committee": "", "last_action_date": "2025-03-20", "last_action": "Governor Signed",
        "url": "https://legiscan.com/CO/bill/HB1002/2025", "state_link": "https://leg.colorado.gov/bills/hb25-1002",
    }
    row.update(changes)
    return row


def test_csv_row_maps_every_field():
    record = bill_from_csv_row(corpus_row())
    assert record.key == ("US-CO", "2025 Regular Session", "HB 1002")
    assert (record.stage, record.status, record.status_date) == ("enacted", "Passed", dt.date(2025, 3, 20))
    assert record.summary == "Concerning the determination of health benefits coverage for mental health services."
    assert (record.last_action, record.last_action_date) == ("Governor Signed", dt.date(2025, 3, 20))
    assert record.url == "https://leg.colorado.gov/bills/hb25-1002"
    assert record.source_url == "https://legiscan.com/CO/bill/HB1002/2025"
    assert record.extras == {"legiscan_bill_id": 1907595, "legiscan_session_id": 2173}


def test_csv_row_quirks_entities_blank_dates_prefiled_and_state_from_url():
    row = corpus_row(state="", status="0", status_desc="", status_date="0000-00-00", last_action_date="",
                     title="Health &quot;data&quot; privacy", description="Health &quot;data&quot; privacy",
                     state_link="")
    record = bill_from_csv_row(row)
    assert record.jurisdiction == "US-CO"  # read from the LegiScan URL
    assert record.title == 'Health "data" privacy' and record.summary is None  # same as title
    assert (record.stage, record.status, record.status_date, record.last_action_date) == ("prefiled", None, None, None)
    assert record.url == "https://legiscan.com/CO/bill/HB1002/2025"


def test_csv_row_arguments_override_columns_and_pending_committee_means_in_committee():
    row = corpus_row(status="1", status_desc="Introduced", committee_id="12", committee="Health")
    record = bill_from_csv_row(row, state="US", session_name="2025-2026_119th_Congress")
    assert record.key == ("US", "119", "HB 1002")  # Congress: the congress number, as govinfo labels it
    assert record.stage == "in_committee"


def test_csv_row_without_session_is_a_clear_error():
    row = corpus_row()
    del row["session_name"]
    with pytest.raises(ParseError, match="no session name"):
        bill_from_csv_row(row)


@pytest.mark.parametrize(
    ("status", "progress", "committee", "stage"),
    [
        (0, [], False, "prefiled"),
        (1, [], False, "introduced"),
        (1, [1, 9], False, "in_committee"),
        (1, [1, 9, 10], False, "passed_committee"),
        (1, [1, 9, 11], False, "in_committee"),
        (1, [12], False, "prefiled"),
        (1, [], True, "in_committee"),
        (2, [1, 9, 10, 2, 9], False, "passed_chamber"),  # referred in the second chamber: still past the first
        (3, [1, 2, 3], False, "passed_legislature"),
        (4, [1, 2, 3, 4], False, "enacted"),
        (3, [1, 2, 3, 8], False, "enacted"),
        (5, [1, 2, 3, 5, 7], False, "enacted"),
        (5, [1, 2, 3, 5], False, "vetoed"),
        (6, [1, 9, 6], False, "failed"),
        (None, [], False, None),
    ],
    ids=["draft-0", "introduced", "referred", "reported", "reported-dnp", "draft-12", "pending-committee",
         "engrossed-referred", "enrolled", "passed", "chaptered", "veto-override", "vetoed", "failed", "nothing"],
)
def test_stage_from_status_and_latest_progress(status, progress, committee, stage):
    assert stage_for(status, progress, pending_committee=committee) == stage


@pytest.mark.parametrize(
    ("folder", "label"),
    [
        ("2025-2025_Regular_Session", "2025 Regular Session"),
        ("2023-2024_Regular_Session", "2023-2024 Regular Session"),
        ("2011-2012_27th_Legislature", "2011-2012 27th Legislature"),
        ("2020-2020_Regular_Session(session_id=1733)", "2020 Regular Session"),
        ("2025 Regular Session", "2025 Regular Session"),
    ],
    ids=["one-year", "two-years", "numbered", "annotated", "already-a-label"],
)
def test_session_label_from_archive_folder(folder, label):
    assert session_from_folder(folder) == label


@pytest.mark.parametrize(
    ("session", "label"),
    [
        ({"year_start": 2025, "year_end": 2025, "session_tag": "Regular Session",
          "session_name": "2025 Regular Session"}, "2025 Regular Session"),
        ({"year_start": "2023", "year_end": "2023", "session_tag": "3rd Special Session",
          "session_name": "88th Legislature 3rd Special Session"}, "2023 3rd Special Session"),
        ({"year_start": 2011, "year_end": 2012, "session_name": "27th Legislature"}, "2011-2012 27th Legislature"),
    ],
    ids=["tag", "tag-over-name", "name-without-years"],
)
def test_session_label_from_api_object_matches_the_folder_form(session, label):
    assert session_from_api(session) == label


def test_real_dataset_bill_json_hb1_alaska_2011():
    bill = json.loads((AK_DATASET / "bill" / "HB1.json").read_bytes())["bill"]
    record = bill_from_json(bill)
    assert record.key == ("US-AK", "2011-2012 27th Legislature", "HB 1")
    assert record.title == "Policy For Securing Health Care Services"
    # status 2 (engrossed), latest progress 9 (referred in the Senate): it passed the House
    assert (record.stage, record.status, record.status_date) == ("passed_chamber", "Engrossed", dt.date(2011, 4, 11))
    assert len(record.actions) == 27 and record.actions[0].description == "PREFILE RELEASED 1/7/11"
    assert record.actions[0].chamber is None  # "chamber": "" in the capture
    assert (record.last_action, record.last_action_date) == ("REFERRED TO HEALTH & SOCIAL SERVICES", dt.date(2011, 4, 12))
    assert [s.name for s in record.sponsors][:2] == ["Carl Gatto", "Robert Lynn"]
    assert {s.role for s in record.sponsors} == {"generic"} and record.sponsors[0].party == "R"
    assert record.subjects == ["Attorney General", "Insurance", "Intergovernmental Relations", "Medical Care"]
    assert [(v.date, v.note) for v in record.versions][0] == (dt.date(2011, 1, 18), "Introduced")
    assert record.versions[0].url == "http://www.legis.state.ak.us/PDF/27/Bills/HB0001A.PDF"
    assert record.url == "http://www.legis.state.ak.us/basis/get_bill.asp?session=27&bill=HB1"
    assert record.extras == {"legiscan_bill_id": 230084, "legiscan_session_id": 122,
                             "change_hash": "38558907f12c02a238b1cd43d2a37393"}


def test_real_dataset_bill_json_hb3():
    record = bill_from_json(json.loads((AK_DATASET / "bill" / "HB3.json").read_bytes())["bill"])
    assert record.key == ("US-AK", "2011-2012 27th Legislature", "HB 3")
    assert len(record.sponsors) == 19 and len(record.versions) == 2 and record.hearings == []


def test_documented_getbill_quirks():
    bill = json.loads((FIXTURES / "getBill_TX_HB2_documented.json").read_bytes())["bill"]
    record = bill_from_json(bill, source_url="https://api.legiscan.com/?op=getBill&id=1890002")
    assert record.key == ("US-TX", "2025 Regular Session", "HB 2")
    assert record.summary == 'Relating to the "electronic health record" system of state hospitals & clinics.'
    assert [a.chamber for a in record.actions] == ["lower", "lower", "lower", "lower", "upper", None]
    assert [(s.name, s.role, s.party) for s in record.sponsors] == [
        ("Jane Doe", "primary", "R"), ("John Roe", "cosponsor", "D"),
        ("Joint Committee on Health Information", "joint", None)]
    assert record.subjects == ["Health Information Technology", "State Hospitals"]
    # 0000-00-00 means no date; an empty state_link falls back to LegiScan's text page
    assert [(v.date, v.note, v.url) for v in record.versions] == [
        (dt.date(2025, 2, 1), "Introduced", "https://capitol.texas.gov/tlodocs/89R/billtext/html/HB00002I.htm"),
        (None, "Engrossed", "https://legiscan.com/TX/text/HB2/id/3000002")]
    # the undated calendar entry is not a hearing
    assert [(h.date, h.time, h.location, h.description) for h in record.hearings] == [
        (dt.date(2025, 4, 22), "08:00", "E1.036", "Senate Health & Human Services Hearing")]
    assert record.stage == "passed_chamber" and record.status == "Engrossed"
    assert record.source_url == "https://api.legiscan.com/?op=getBill&id=1890002"
    assert record.url == "https://capitol.texas.gov/BillLookup/History.aspx?LegSess=89R&Bill=HB2"


def test_bill_json_of_the_wrong_shape_is_a_parse_error():
    with pytest.raises(ParseError, match="expected shape"):
        bill_from_json({"bill_id": 5, "title": "x"})
    with pytest.raises(ParseError, match="not YYYY-MM-DD"):
        bill_from_json({"bill_id": 5, "state": "TX", "bill_number": "HB1", "status_date": "03/01/2025",
                        "session": {"session_name": "2025 Regular Session", "year_start": 2025}})


def test_real_csv_archive_oregon_2025_special():
    records = {r.identifier: r for r in read_archive(OR_ARCHIVE)}
    assert sorted(records) == ["HB 3991", "HB 3992", "HCR 51", "SB 1221"]
    hb = records["HB 3991"]
    assert hb.key == ("US-OR", "2025 1st Special Session", "HB 3991")
    assert (hb.stage, hb.status) == ("passed_legislature", "Enrolled")
    assert hb.actions[0].description == "First reading. Referred to Speaker's desk."
    assert hb.actions[0].chamber == "lower" and hb.actions[0].date == dt.date(2025, 8, 29)
    assert [(s.name, s.role) for s in hb.sponsors] == [("Transportation Funding", "primary")]
    assert hb.versions[0].note == "Introduced" and hb.versions[0].url.endswith("/HB3991/Introduced")
    assert records["SB 1221"].stage == "prefiled" and records["SB 1221"].status_date is None
    with zipfile.ZipFile(OR_ARCHIVE) as archive:
        history_rows = archive.read("OR/2025-2025_1st_Special_Session/csv/history.csv").decode().count("\n") - 1
    assert sum(len(r.actions) for r in records.values()) == history_rows


def json_archive(folder: str = "AK/2011-2012_27th_Legislature") -> bytes:
    """A JSON dataset zip laid out as LegiScan's, holding the real Alaska dataset files."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for file in sorted(AK_DATASET.rglob("*.json")):
            archive.writestr(f"{folder}/{file.relative_to(AK_DATASET).as_posix()}", file.read_bytes())
    return buffer.getvalue()


def test_json_archive_reads_bill_files_only(tmp_path):
    path = tmp_path / "AK_2011-2012_27th_Legislature_JSON_20120101_abc.zip"
    path.write_bytes(json_archive())
    records = list(read_archive(path))
    assert [r.identifier for r in records] == ["HB 1", "HB 3"]
    assert {r.session for r in records} == {"2011-2012 27th Legislature"}
    assert records[0].extras["change_hash"] == "38558907f12c02a238b1cd43d2a37393"


def test_json_archive_from_bytes_in_memory():
    assert len(list(read_archive(io.BytesIO(json_archive())))) == 2


def test_archive_that_is_not_a_zip(tmp_path):
    path = tmp_path / "bills.zip"
    path.write_text("not a zip")
    with pytest.raises(ParseError, match="not a readable zip") as caught:
        list(read_archive(path))
    assert "legiscan.com/datasets" in caught.value.hint


def test_zip_without_bills(tmp_path):
    path = tmp_path / "other.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("README.md", "hello")
    with pytest.raises(ParseError, match="neither bills.csv nor bill/"):
        list(read_archive(path))


def test_csv_archive_missing_a_column(tmp_path):
    path = tmp_path / "CO_2025-2025_Regular_Session_CSV_20250604_x.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("CO/2025-2025_Regular_Session/csv/bills.csv", "bill_id,title\n1,x\n")
    with pytest.raises(ParseError, match="lacks column"):
        list(read_archive(path))


def test_status_zero_has_no_raw_status_text_but_is_prefiled():
    bill = json.loads((FIXTURES / "getBill_TX_HB2_documented.json").read_bytes())["bill"]
    bill.update(status="0", progress=[])
    record = bill_from_json(bill)
    assert (record.stage, record.status) == ("prefiled", None)


def test_normalized_identifiers_of_legiscan_numbers():
    numbers = {"HB1": "HB 1", "SJR0003": "SJR 3", "HCR51": "HCR 51", "AB12": "AB 12"}
    assert {raw: bill_from_csv_row(corpus_row(bill_number=raw)).identifier for raw in numbers} == numbers


def test_csv_archive_tolerates_blank_lines_and_short_rows(tmp_path):
    path = tmp_path / "CO_2025-2025_Regular_Session_CSV_20250604_x.zip"
    bills = ("bill_id,session_id,bill_number,status,status_desc,status_date,title,description,committee_id,"
             "committee,last_action_date,last_action,url,state_link\r\n"
             "7,2173,HB1001,1,Introduced,2025-01-08,Wage laws,Wage laws,0,,2025-01-08,Introduced,"
             "https://legiscan.com/CO/bill/HB1001/2025\r\n\r\n")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("CO/2025-2025_Regular_Session/csv/bills.csv", bills)
        archive.writestr("CO/2025-2025_Regular_Session/csv/history.csv",
                         "bill_id,date,chamber,sequence,action\n7,2025-01-08,House,1,Introduced\n\n")
    [record] = list(read_archive(path))
    assert record.key == ("US-CO", "2025 Regular Session", "HB 1001")
    assert record.url == "https://legiscan.com/CO/bill/HB1001/2025"  # state_link cut off: LegiScan's page
    assert [(a.description, a.chamber) for a in record.actions] == [("Introduced", "lower")]


@pytest.mark.parametrize(
    "session,expected",
    [
        ({"state_id": 52, "year_start": 2025, "year_end": 2026, "session_tag": "Regular Session",
          "session_name": "119th Congress"}, "119"),
        ({"state_id": "52", "year_start": "2021", "year_end": "2022", "session_tag": "Regular Session"}, "117"),
        ({"state_id": 43, "year_start": 2025, "year_end": 2025, "session_tag": "Regular Session"},
         "2025 Regular Session"),
    ],
    ids=["congress-int", "congress-strings", "texas"],
)
def test_congress_sessions_use_the_congress_number(session, expected):
    from sources.legiscan_dataset import session_from_api

    assert session_from_api(session) == expected


def test_congress_archive_folder_uses_the_congress_number():
    from sources.legiscan_dataset import session_from_folder

    assert session_from_folder("2025-2026_119th_Congress") == "119"
