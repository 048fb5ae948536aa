"""Writes the demo's LegiScan API answers (getMasterList, getBill) for Maryland 2025.

WRITTEN FOR THE DEMO in the documented shapes of the LegiScan Pull API (SOURCES.md), from REAL bill
data: LegiScan's Maryland 2025 Regular Session CSV dataset (bills, history, sponsors, people,
documents), CC BY 4.0, LegiScan LLC, as kept in /work/shared/corpus/legiscan-csv-datasets/.
What the CSV dataset lacks is filled the documented way and says so: change_hash is the md5 of the
bill's CSV rows, text dates are "0000-00-00" (unknown, a documented LegiScan quirk), subjects and
calendar are empty, progress is the introduction and the current status.

Run once by hand: python build_md_2025.py /path/to/MD_2025-2025_Regular_Session_CSV_....zip
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sys
import zipfile
from pathlib import Path

#: health-IT bills and, for contrast, bills the health-IT rules should leave out
BILLS = (
    "HB333 SB691 HB697 HB812 SB678 HB820 HB869 SB372 HB1045 HB1104 HB1240 HB1357 SB965 HB1474 "
    "HB1510 SB233 SB987 HB5 HB235 HB525 HB1062 HB1426 HB919 HB1"
).split()
STATE, STATE_ID = "MD", 20
BODIES = {"H": ("House", 47), "S": ("Senate", 48)}


def read(archive: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    member = next(n for n in archive.namelist() if n.endswith(f"/csv/{name}"))
    return list(csv.DictReader(io.TextIOWrapper(archive.open(member), encoding="utf-8")))


def main(zip_path: str) -> None:
    out = Path(__file__).parent
    with zipfile.ZipFile(zip_path) as archive:
        bills = {r["bill_number"]: r for r in read(archive, "bills.csv")}
        history, sponsors, documents = read(archive, "history.csv"), read(archive, "sponsors.csv"), read(archive, "documents.csv")
        people = {r["people_id"]: r for r in read(archive, "people.csv")}
    session = {"session_id": int(bills[BILLS[0]]["session_id"]), "state_id": STATE_ID, "year_start": 2025,
               "year_end": 2025, "prefile": 0, "sine_die": 1, "prior": 0, "special": 0,
               "session_tag": "Regular Session", "session_title": "2025 Regular Session",
               "session_name": "2025 Regular Session"}
    masterlist: dict[str, object] = {"session": session}
    for i, number in enumerate(BILLS):
        row = bills[number]
        rows = ([row] + [h for h in history if h["bill_id"] == row["bill_id"]]
                + [s for s in sponsors if s["bill_id"] == row["bill_id"]]
                + [d for d in documents if d["bill_id"] == row["bill_id"]])
        change_hash = hashlib.md5(json.dumps(rows, sort_keys=True).encode()).hexdigest()
        bill = get_bill(row, session, change_hash, rows, people)
        masterlist[str(i)] = {k: row[k] for k in ("bill_id", "status_date", "status", "last_action_date",
                                                   "last_action", "title", "description", "url")}
        masterlist[str(i)].update(number=number, change_hash=change_hash)
        write(out / f"getBill_{row['bill_id']}.json", {"status": "OK", "bill": bill})
    write(out / "getMasterList_MD.json", {"status": "OK", "masterlist": masterlist})


def get_bill(row: dict[str, str], session: dict[str, object], change_hash: str, rows: list[dict[str, str]],
             people: dict[str, dict[str, str]]) -> dict:
    bill_id = row["bill_id"]
    body = row["bill_number"][0]
    history = [r for r in rows if "sequence" in r]
    history.sort(key=lambda r: int(r["sequence"]))
    first = history[0]["date"] if history else row["status_date"]
    status = int(row["status"] or 0)
    progress = [{"date": first, "event": 1}]
    if status > 1:
        progress.append({"date": row["status_date"], "event": status})
    return {
        "bill_id": int(bill_id), "change_hash": change_hash, "session_id": session["session_id"], "session": session,
        "url": row["url"], "state_link": row["state_link"], "completed": int(status == 4), "status": status,
        "status_date": row["status_date"], "progress": progress, "state": STATE, "state_id": STATE_ID,
        "bill_number": row["bill_number"], "bill_type": "B", "bill_type_id": "1", "body": body,
        "body_id": BODIES[body][1], "current_body": body, "current_body_id": BODIES[body][1],
        "title": row["title"], "description": row["description"],
        "pending_committee_id": int(row["committee_id"] or 0),
        "committee": ({"committee_id": int(row["committee_id"]), "chamber": body, "chamber_id": BODIES[body][1],
                       "name": row["committee"]} if row["committee_id"] not in ("", "0") else []),
        "referrals": [], "history": [
            {"date": h["date"], "action": h["action"], "chamber": h["chamber"][:1], "chamber_id":
             BODIES.get(h["chamber"][:1], ("", 0))[1], "importance": 0} for h in history],
        "sponsors": sponsors_of(rows, people), "sasts": [], "subjects": [], "texts": texts_of(rows),
        "votes": [], "amendments": [], "supplements": [], "calendar": [],
    }


def sponsors_of(rows: list[dict[str, str]], people: dict[str, dict[str, str]]) -> list[dict[str, object]]:
    from_csv = [r for r in rows if "position" in r]
    out = []
    for r in sorted(from_csv, key=lambda r: int(r["position"])):
        p = people.get(r["people_id"], {})
        out.append({"people_id": int(r["people_id"]), "party_id": p.get("party_id", ""), "party": p.get("party", ""),
                    "role_id": p.get("role_id", ""), "role": p.get("role", ""), "name": p.get("name", ""),
                    "first_name": p.get("first_name", ""), "middle_name": p.get("middle_name", ""),
                    "last_name": p.get("last_name", ""), "suffix": p.get("suffix", ""), "nickname": p.get("nickname", ""),
                    "district": p.get("district", ""), "sponsor_type_id": 1 if r["position"] == "1" else 2,
                    "sponsor_order": int(r["position"]), "committee_sponsor": 0, "committee_id": 0})
    return out


def texts_of(rows: list[dict[str, str]]) -> list[dict[str, object]]:
    return [{"doc_id": int(d["document_id"]), "date": "0000-00-00", "type": d["document_desc"], "type_id": 0,
             "mime": d["document_mime"], "mime_id": 2, "url": d["url"], "state_link": d["state_link"],
             "text_size": int(d["document_size"] or 0)}
            for d in rows if d.get("document_type") == "text"]


def write(path: Path, payload: object) -> None:
    path.write_text(json.dumps(payload, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1])
