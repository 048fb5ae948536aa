"""LegiScan data as BillRecords: bill JSON objects, ``bills.csv`` rows and whole dataset archives.

The same mapping serves the Pull API (``getBill`` answers, see :mod:`sources.legiscan`), the
weekly dataset archives (JSON: ``bill/*.json`` without the status wrapper; CSV: ``bills.csv`` with
``history.csv``, ``sponsors.csv``, ``people.csv`` and ``documents.csv``) and the benchmark corpus.
LegiScan data is CC BY 4.0, LegiScan LLC.

Session labels: LegiScan names a session ``"2025 Regular Session"`` (years, then the session
tag), but CSV archives carry only a folder name (``2025-2025_Regular_Session``) and old JSON bills
a bare ``"27th Legislature"``. So that every path gives the same natural key, the session is
always ``"<year_start>[-<year_end>] <session tag>"``: equal to LegiScan's own session name
whenever that name starts with its years (``"2025 Regular Session"``, ``"2023-2024 Regular
Session"``), years added where it does not (``"2011-2012 27th Legislature"``).
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import html
import io
import json
import os
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any

from monitor.errors import ParseError
from sources.base import Action, BillRecord, Hearing, Sponsor, Version, normalize_identifier

SOURCE = "legiscan"

#: LegiScan status and progress-event codes, with LegiScan's own names (kept as raw status text;
#: status 0, LegiScan's "N/A", has none)
STATUS_NAMES: dict[int, str] = {
    1: "Introduced", 2: "Engrossed", 3: "Enrolled", 4: "Passed", 5: "Vetoed",
    6: "Failed", 7: "Override", 8: "Chaptered", 9: "Refer", 10: "Report Pass",
    11: "Report DNP", 12: "Draft",
}
#: stage of a bill by its status code (status 0 is LegiScan's "pre-filed or pre-introduction")
STATUS_STAGES: dict[int, str] = {
    0: "prefiled", 1: "introduced", 2: "passed_chamber", 3: "passed_legislature",
    4: "enacted", 5: "vetoed", 6: "failed",
}
#: latest progress event -> stage, for a bill not yet past its first chamber (status 0 or 1).
#: Report DNP stays in committee: real bills pass after one (Alaska HB 1, 2011).
EARLY_PROGRESS_STAGES: dict[int, str] = {9: "in_committee", 10: "passed_committee",
                                         11: "in_committee", 12: "prefiled"}
#: progress events that make a bill law whatever its status (veto override, chaptered)
LAW_EVENTS = frozenset({7, 8})
#: sponsor_type_id -> Sponsor.role
SPONSOR_ROLES: dict[int, str] = {0: "generic", 1: "primary", 2: "cosponsor", 3: "joint"}
#: body / chamber letters -> normalized chamber
CHAMBERS: dict[str, str] = {"H": "lower", "A": "lower", "S": "upper", "J": "joint",
                            "HOUSE": "lower", "ASSEMBLY": "lower", "SENATE": "upper", "JOINT": "joint"}

#: bill numbers repeat across sessions and archives: normalize each spelling once
identifier = functools.lru_cache(maxsize=65536)(normalize_identifier)

_DIR_SESSION = re.compile(r"^(\d{4})-(\d{4})_(.+?)(?:\(.*\))?$")
_YEAR_PREFIX = re.compile(r"^\d{4}(?:-\d{4})?\s+")


def parse_date(value: Any) -> dt.date | None:
    """A LegiScan date; None for blank and ``0000-00-00`` (LegiScan's "no date")."""
    if not value or not isinstance(value, str) or value.startswith("0000"):
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        raise ParseError(f"LegiScan date {value!r} is not YYYY-MM-DD", source=SOURCE) from None


def to_int(value: Any) -> int | None:
    """LegiScan numbers come as ints or strings (``"bill_type_id":"1"``); blank is None."""
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ParseError(f"LegiScan number {value!r} is not an integer", source=SOURCE) from None


def clean_text(value: Any) -> str:
    """Text with HTML entities decoded (``&quot;`` in descriptions) and outer blanks removed."""
    if not value:
        return ""
    text = str(value)
    if "&" in text:
        text = html.unescape(text)
    return text.strip()


@functools.lru_cache(maxsize=256)
def jurisdiction(state: str) -> str:
    """``TX`` -> ``US-TX``; LegiScan's ``US`` (Congress) -> ``US``."""
    code = state.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", code):
        raise ParseError(f"LegiScan state {state!r} is not a two-letter code", source=SOURCE)
    return "US" if code == "US" else f"US-{code}"


def chamber(value: Any) -> str | None:
    """LegiScan body/chamber letter or CSV chamber word -> lower/upper/joint; blank -> None."""
    if not value:
        return None
    return CHAMBERS.get(str(value).strip().upper())


_CONGRESS = re.compile(r"\b(\d{2,3})(?:st|nd|rd|th)[ _]Congress\b", re.IGNORECASE)
#: LegiScan's state_id of the US Congress
CONGRESS_STATE_ID = 52


def session_label(year_start: Any, year_end: Any, tag: str) -> str:
    """``(2025, 2025, "Regular Session")`` -> ``"2025 Regular Session"``; two years joined by -.

    A Congress is labelled by its number (``"119th Congress"`` -> ``"119"``), as the govinfo and
    Open States sources label it, so one bill of Congress is one bill whatever the source.
    """
    start, end = to_int(year_start), to_int(year_end)
    tag = _YEAR_PREFIX.sub("", tag.strip())
    if congress := _CONGRESS.search(tag):
        return congress.group(1)
    if not start:
        return tag
    years = str(start) if not end or end == start else f"{start}-{end}"
    return f"{years} {tag}"


@functools.lru_cache(maxsize=4096)
def session_from_folder(name: str) -> str:
    """An archive folder name (``2025-2025_Regular_Session``) as a session label.

    A name that is not a folder name (already a label such as ``"2025 Regular Session"``) is
    returned with underscores as spaces.
    """
    match = _DIR_SESSION.match(name.strip())
    if not match:
        return name.replace("_", " ").strip()
    start, end, tag = match.groups()
    return session_label(start, end, tag.replace("_", " "))


def session_from_api(session: Mapping[str, Any]) -> str:
    """The session label from a LegiScan session object (getBill, master list, dataset list)."""
    tag = session.get("session_tag") or session.get("session_name") or session.get("session_title")
    if not tag:
        raise ParseError("LegiScan session object has no session_tag or session_name", source=SOURCE)
    if to_int(session.get("state_id")) == CONGRESS_STATE_ID and to_int(session.get("year_start")):
        from sources.us_sessions import congress_number

        return congress_number(to_int(session.get("year_start")) or 0)
    return session_label(session.get("year_start"), session.get("year_end"), str(tag))


def stage_for(status: int | None, progress: Iterable[int] = (), pending_committee: bool = False) -> str | None:
    """The normalized stage from a status code, refined by the latest progress event.

    ``progress`` is the bill's progress event codes in date order. Status 1 with a latest
    "Refer" is in committee; a pending committee (CSV rows have no progress) says the same.
    """
    events = list(progress)
    latest = events[-1] if events else None
    if latest in LAW_EVENTS:
        return "enacted"
    stage = STATUS_STAGES.get(status) if status is not None else None
    if status in (0, 1, None) and latest in EARLY_PROGRESS_STAGES:
        return EARLY_PROGRESS_STAGES[latest]
    if status == 1 and pending_committee:
        return "in_committee"
    return stage


def bill_from_csv_row(row: Mapping[str, str], state: str | None = None,
                      session_name: str | None = None) -> BillRecord:
    """A ``bills.csv`` row as a BillRecord (no actions, sponsors or versions: see read_archive).

    ``state`` and ``session_name`` default to the row's own ``state`` and ``session_name``
    columns (the benchmark corpus prepends them); ``session_name`` may be an archive folder name
    (``2025-2025_Regular_Session``) or a label. Without a state, the state is read from the
    LegiScan URL (``https://legiscan.com/CO/bill/...``).
    """
    state = state or row.get("state") or _state_from_url(row.get("url", ""))
    session = session_name or row.get("session_name")
    if not session:
        raise ParseError(f"bills.csv row for bill_id {row.get('bill_id')} has no session name "
                         "(pass session_name=)", source=SOURCE)
    status = to_int(row.get("status"))
    title = clean_text(row.get("title"))
    description = clean_text(row.get("description"))
    extras: dict[str, Any] = {"legiscan_bill_id": to_int(row.get("bill_id")),
                              "legiscan_session_id": to_int(row.get("session_id"))}
    return BillRecord(
        source=SOURCE,
        jurisdiction=jurisdiction(state),
        session=session_from_folder(session),
        identifier=identifier(row["bill_number"]),
        title=title or description,
        summary=description if description and description != title else None,
        stage=stage_for(status, pending_committee=bool(row.get("committee"))),
        status=row.get("status_desc") or None,
        status_date=parse_date(row.get("status_date")),
        last_action=clean_text(row.get("last_action")) or None,
        last_action_date=parse_date(row.get("last_action_date")),
        url=row.get("state_link") or row.get("url") or None,
        source_url=row.get("url") or None,
        extras=extras,
    )


def _state_from_url(url: str) -> str:
    match = re.match(r"https?://legiscan\.com/([A-Za-z]{2})/", url or "")
    if not match:
        raise ParseError(f"cannot tell the state of LegiScan bill at {url!r} (pass state=)", source=SOURCE)
    return match.group(1)


def bill_from_json(bill: Mapping[str, Any], session: str | None = None,
                   source_url: str | None = None) -> BillRecord:
    """A LegiScan bill object (``getBill``'s ``bill``, or a dataset ``bill/*.json``) as a BillRecord.

    ``session`` overrides the label computed from the bill's own session object (the API scan
    passes the master list's, which has the session tag). History becomes actions, texts
    versions, calendar hearings; progress refines the stage.
    """
    try:
        status = to_int(bill.get("status"))
        progress = [to_int(p.get("event")) for p in _by_date(bill.get("progress") or [])]
        actions = [_action(item) for item in _by_date(bill.get("history") or [])]
        committee = bill.get("committee") or {}
        title = clean_text(bill.get("title"))
        description = clean_text(bill.get("description"))
        return BillRecord(
            source=SOURCE,
            jurisdiction=jurisdiction(str(bill["state"])),
            session=session or session_from_api(bill.get("session") or {}),
            identifier=identifier(str(bill["bill_number"])),
            title=title or description,
            summary=description if description and description != title else None,
            subjects=[clean_text(s.get("subject_name")) for s in bill.get("subjects") or []],
            stage=stage_for(status, [p for p in progress if p is not None],
                            pending_committee=bool(to_int(committee.get("committee_id")))),
            status=STATUS_NAMES.get(status) if status is not None else None,
            status_date=parse_date(bill.get("status_date")),
            last_action=actions[-1].description if actions else None,
            last_action_date=actions[-1].date if actions else None,
            actions=actions,
            sponsors=[_sponsor(s) for s in _by_order(bill.get("sponsors") or [])],
            versions=[_version(t) for t in bill.get("texts") or []],
            hearings=[h for h in (_hearing(c) for c in bill.get("calendar") or []) if h],
            url=bill.get("state_link") or bill.get("url") or None,
            source_url=source_url or bill.get("url") or None,
            extras=_extras(bill),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise ParseError(f"LegiScan bill {bill.get('bill_id', '?')} does not have the expected shape "
                         f"({type(exc).__name__}: {exc})", source=SOURCE) from None


def _extras(bill: Mapping[str, Any]) -> dict[str, Any]:
    """LegiScan's own ids and the bill's change_hash, kept for cross-reference."""
    session_id = bill.get("session_id") or (bill.get("session") or {}).get("session_id")
    return {"legiscan_bill_id": to_int(bill.get("bill_id")), "legiscan_session_id": to_int(session_id),
            "change_hash": bill.get("change_hash") or None}


def _by_date(items: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Items in date order, undated first, keeping LegiScan's order within a day."""
    return sorted(items, key=lambda item: str(item.get("date") or ""))


def _by_order(sponsors: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return sorted(sponsors, key=lambda s: to_int(s.get("sponsor_order")) or 0)


def _action(item: Mapping[str, Any]) -> Action:
    return Action(date=parse_date(item.get("date")), description=clean_text(item.get("action")),
                  chamber=chamber(item.get("chamber")))


def _sponsor(item: Mapping[str, Any]) -> Sponsor:
    role = SPONSOR_ROLES.get(to_int(item.get("sponsor_type_id")) or 0, "generic")
    return Sponsor(name=clean_text(item.get("name")), role=role, party=item.get("party") or None)


def _version(item: Mapping[str, Any]) -> Version:
    return Version(date=parse_date(item.get("date")), note=clean_text(item.get("type")),
                   url=item.get("state_link") or item.get("url") or None)


def _hearing(item: Mapping[str, Any]) -> Hearing | None:
    """A calendar entry as a hearing; None when it has no date (nothing to schedule)."""
    day = parse_date(item.get("date"))
    if day is None:
        return None
    kind, text = clean_text(item.get("type")), clean_text(item.get("description"))
    return Hearing(date=day, time=clean_text(item.get("time")) or None,
                   location=clean_text(item.get("location")) or None,
                   description=text or kind or None)


def read_archive(path: str | os.PathLike[str] | IO[bytes]) -> Iterator[BillRecord]:
    """Every bill of a LegiScan dataset archive (zip), in CSV or JSON form, as BillRecords.

    CSV form: ``<ST>/<session folder>/csv/bills.csv`` with history, sponsors, people and
    documents CSVs beside it. JSON form: ``<ST>/<session folder>/bill/*.json``. The state and
    session come from the folder names (else the archive's file name, else the bill itself).
    """
    name = str(getattr(path, "name", path))
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ParseError(f"{name} is not a readable zip archive ({exc})",
                         hint="pass a dataset archive downloaded from legiscan.com/datasets",
                         source=SOURCE) from None
    with archive:
        members = sorted(archive.namelist())
        bills_csvs = [m for m in members if m.rsplit("/", 1)[-1] == "bills.csv"]
        bill_jsons = [m for m in members if re.search(r"(^|/)bill/[^/]+\.json$", m)]
        if not bills_csvs and not bill_jsons:
            raise ParseError(f"{name} holds neither bills.csv nor bill/*.json",
                             hint="pass a LegiScan dataset archive (CSV or JSON form)", source=SOURCE)
        for member in bills_csvs:
            yield from _csv_bills(archive, member, _folder_context(member, name))
        for member in bill_jsons:
            yield _json_bill(archive, member, _folder_context(member, name))


def _folder_context(member: str, archive_name: str) -> tuple[str | None, str | None]:
    """(state, session folder) from ``ST/2025-2025_Regular_Session/csv/bills.csv`` or the zip name."""
    parts = member.split("/")
    for i, part in enumerate(parts[:-1]):
        if re.fullmatch(r"[A-Z]{2}", part) and i + 1 < len(parts) - 1 and _DIR_SESSION.match(parts[i + 1]):
            return part, parts[i + 1]
    zip_name = os.path.basename(archive_name)
    match = re.match(r"^([A-Z]{2})_(\d{4}-\d{4}_.+?)_(?:CSV|JSON)_\d{8}", zip_name)
    if match:
        return match.group(1), match.group(2)
    return None, None


def _read_csv(archive: zipfile.ZipFile, member: str, required: tuple[str, ...]) -> Iterator[dict[str, str]]:
    """Rows of one CSV member; a missing required column is a ParseError naming the file."""
    with archive.open(member) as raw:
        # csv.reader + zip: DictReader's per-row Python overhead doubles the cost of an import
        reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8-sig", newline=""))
        header = next(reader, [])
        missing = [c for c in required if c not in header]
        if missing:
            raise ParseError(f"{member} lacks column(s) {', '.join(missing)}", source=SOURCE)
        try:
            width = len(header)
            for row in reader:
                if len(row) < width:  # a blank line, or a row cut short: blanks for what is missing
                    if not row:
                        continue
                    row += [""] * (width - len(row))
                yield dict(zip(header, row))
        except csv.Error as exc:
            raise ParseError(f"{member} line {reader.line_num}: {exc}", source=SOURCE) from None


def _sibling_rows(archive: zipfile.ZipFile, bills_member: str, filename: str,
                  required: tuple[str, ...]) -> dict[str, list[dict[str, str]]]:
    """Rows of a CSV beside bills.csv grouped by bill_id ({} when the archive lacks the file)."""
    member = bills_member[: -len("bills.csv")] + filename
    grouped: dict[str, list[dict[str, str]]] = {}
    if member not in archive.namelist():
        return grouped
    for row in _read_csv(archive, member, required):
        grouped.setdefault(row["bill_id"], []).append(row)
    return grouped


def _csv_bills(archive: zipfile.ZipFile, member: str,
               context: tuple[str | None, str | None]) -> Iterator[BillRecord]:
    state, folder = context
    if folder is None:
        raise ParseError(f"cannot tell the session of {member}: the archive has no "
                         "<ST>/<years_session> folder and its file name is not LegiScan's",
                         hint="import the archive as downloaded from LegiScan", source=SOURCE)
    history = _sibling_rows(archive, member, "history.csv", ("bill_id", "date", "chamber", "sequence", "action"))
    sponsors = _sibling_rows(archive, member, "sponsors.csv", ("bill_id", "people_id", "position"))
    documents = _sibling_rows(archive, member, "documents.csv", ("bill_id", "document_type", "document_desc"))
    people = _people(archive, member[: -len("bills.csv")] + "people.csv")
    for row in _read_csv(archive, member, ("bill_id", "bill_number", "status", "title", "url")):
        record = bill_from_csv_row(row, state=state, session_name=folder)
        bill_id = row["bill_id"]
        steps = sorted(history.get(bill_id, []), key=lambda h: to_int(h["sequence"]) or 0)
        record.actions = [Action(date=parse_date(h["date"]), description=clean_text(h["action"]),
                                 chamber=chamber(h["chamber"])) for h in steps]
        record.sponsors = [_csv_sponsor(s, people) for s in
                           sorted(sponsors.get(bill_id, []), key=lambda s: to_int(s["position"]) or 0)]
        record.versions = [Version(date=None, note=clean_text(d["document_desc"]),
                                   url=d.get("state_link") or d.get("url") or None)
                           for d in documents.get(bill_id, []) if d["document_type"] == "text"]
        yield record


def _people(archive: zipfile.ZipFile, member: str) -> dict[str, tuple[str, str | None]]:
    """people_id -> (name, party) from people.csv ({} when absent)."""
    if member not in archive.namelist():
        return {}
    return {row["people_id"]: (clean_text(row["name"]), row.get("party") or None)
            for row in _read_csv(archive, member, ("people_id", "name"))}


def _csv_sponsor(row: Mapping[str, str], people: Mapping[str, tuple[str, str | None]]) -> Sponsor:
    """CSV sponsors carry only a position: the first is taken as primary, the others as cosponsors."""
    name, party = people.get(row["people_id"], (f"LegiScan person {row['people_id']}", None))
    return Sponsor(name=name, role="primary" if to_int(row["position"]) == 1 else "cosponsor", party=party)


def _json_bill(archive: zipfile.ZipFile, member: str, context: tuple[str | None, str | None]) -> BillRecord:
    try:
        payload = json.loads(archive.read(member))
    except ValueError as exc:
        raise ParseError(f"{member} is not valid JSON ({exc})", source=SOURCE) from None
    bill = payload.get("bill") if isinstance(payload, dict) else None
    if not isinstance(bill, dict):
        raise ParseError(f"{member} has no \"bill\" object", source=SOURCE)
    session_object = bill.get("session") or {}
    _, folder = context
    # The folder name carries the session tag; a bill's own session object may carry only a name.
    if not session_object.get("session_tag") and folder:
        return bill_from_json(bill, session=session_from_folder(folder))
    return bill_from_json(bill)
