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

import datetime as dt
import functools
import html
import re
from collections.abc import Iterable, Mapping
from typing import Any

from monitor.errors import ParseError
from sources.base import Action, BillRecord, Hearing, Sponsor, Version, normalize_identifier

SOURCE = "legiscan"

#: LegiScan status and progress-event codes, with LegiScan's own names (kept as raw status text)
STATUS_NAMES: dict[int, str] = {
    0: "N/A", 1: "Introduced", 2: "Engrossed", 3: "Enrolled", 4: "Passed", 5: "Vetoed",
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


def session_label(year_start: Any, year_end: Any, tag: str) -> str:
    """``(2025, 2025, "Regular Session")`` -> ``"2025 Regular Session"``; two years joined by -."""
    start, end = to_int(year_start), to_int(year_end)
    tag = _YEAR_PREFIX.sub("", tag.strip())
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
