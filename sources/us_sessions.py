"""One session label for every US source: LegiScan's ``"<years> <session tag>"`` form.

The natural key of a bill is (jurisdiction, session, identifier), so two sources agree on a bill
only if they write its session the same way. US sources label sessions in their own ways: LegiScan
``"2025 Regular Session"``, Open States ``"89"`` or ``"2025-2026"`` or ``"2020S1"``, Texas
Legislature Online ``"89R"`` or ``"891"``. The LegiScan form is the one every LegiScan path can
build (even a CSV archive that names its session only by a folder such as
``2025-2025_Regular_Session``), so the others are mapped onto it here:

- :func:`canonical_session` writes the label from its parts;
- :func:`texas_session` reads a Texas Legislature Online label;
- :func:`openstates_session_labels` (and :func:`openstates_session` for one session) reads the
  ``legislative_sessions`` of an Open States jurisdiction.

Congress is the exception: its bills are labelled by the congress number (``"117"``), as the
GovInfo source and Open States write it; :func:`congress_number` gives it for a year.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from monitor.errors import ParseError

KINDS = ("regular", "special")
#: a legislature numbered N first meets in year 2 * N + TEXAS_FIRST_YEAR (the 89th in 2025)
TEXAS_FIRST_YEAR = 1847
#: a congress numbered N first meets in year 2 * N + CONGRESS_FIRST_YEAR (the 117th in 2021)
CONGRESS_FIRST_YEAR = 1787
#: Open States classifications of a regular session ("regular" is written by a few states)
REGULAR_CLASSIFICATIONS = frozenset({"primary", "regular", ""})

_ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12,
}
_SPECIAL_WORDS = r"(?:special|extraordinary|called)"
_SPECIAL_RE = re.compile(rf"\b{_SPECIAL_WORDS}\b", re.IGNORECASE)
# "1st Special Session", "2st Called Session" (sic, Texas 83rd), "First Extraordinary Session"
_ORDINAL_BEFORE_RE = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+{_SPECIAL_WORDS}\b|\b({'|'.join(_ORDINAL_WORDS)})\s+{_SPECIAL_WORDS}\b",
    re.IGNORECASE,
)
# "Special Session 2" (Oregon)
_ORDINAL_AFTER_RE = re.compile(rf"\b{_SPECIAL_WORDS}\s+session\s+(\d{{1,2}})\b", re.IGNORECASE)
# "2025-2026", "2025_26", "20252026"; then single years. No digit may touch either end.
_YEAR_RANGE_RE = re.compile(r"(?<!\d)((?:19|20)\d\d)(?:\s*[-_/\u2013]\s*((?:19|20)?\d\d)|((?:19|20)\d\d))(?!\d)")
_YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_TEXAS_RE = re.compile(r"^\s*(\d{2,3})\s*(?:\(\s*([Rr1-9])\s*\)|([Rr1-9]))\s*$")
_CONGRESS_RE = re.compile(r"^\s*(\d{1,3})(?:st|nd|rd|th)?(?:\s+congress)?\s*$", re.IGNORECASE)


def english_ordinal(number: int) -> str:
    """English ordinal as LegiScan writes it: 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 22nd."""
    if number < 1:
        raise ValueError(f"an ordinal starts at 1, not {number}")
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def canonical_session(year_start: int, year_end: int | None, kind: str, ordinal: int | None = None) -> str:
    """The session label every US source stores: ``"2025 Regular Session"``, ``"2025-2026 Regular
    Session"``, ``"2025 1st Special Session"`` (``"2024 Special Session"`` when the ordinal is unknown).

    ``year_end`` equal to ``year_start`` (or None) writes one year, as LegiScan does.
    """
    if not 1700 <= year_start <= 2999:
        raise ValueError(f"year_start {year_start} is not a year")
    if year_end is not None and not year_start <= year_end <= year_start + 3:
        raise ValueError(f"year_end {year_end} does not follow year_start {year_start}")
    years = str(year_start) if year_end in (None, year_start) else f"{year_start}-{year_end}"
    if kind == "regular":
        return f"{years} Regular Session"
    if kind == "special":
        named = f"{english_ordinal(ordinal)} Special Session" if ordinal is not None else "Special Session"
        return f"{years} {named}"
    raise ValueError(f"unknown session kind {kind!r} (allowed: {', '.join(KINDS)})")


def texas_session(label: str, year: int | None = None) -> str:
    """A Texas Legislature Online label as the canonical label.

    ``"89R"`` or ``"89(R)"`` -> ``"2025 Regular Session"``; ``"891"`` or ``"89(1)"`` -> ``"2025 1st
    Special Session"``. Legislature N convenes in year 2N+1847; a called session held in the
    legislature's second year (the 78th's 4th, in 2004) needs that ``year``.
    """
    match = _TEXAS_RE.match(label)
    if not match:
        raise ParseError(f"Texas session label {label!r} is not a legislature and session such as 89R, 891 or 89(1)",
                         hint="write the session as Texas Legislature Online does: 89R, or 892 for a called session")
    legislature, session = int(match.group(1)), (match.group(2) or match.group(3)).upper()
    first_year = 2 * legislature + TEXAS_FIRST_YEAR
    if year is not None and year not in (first_year, first_year + 1):
        raise ParseError(f"the {english_ordinal(legislature)} Texas Legislature sat in {first_year}-{first_year + 1}, "
                         f"not {year} (session {label!r})", hint="check the session label and the year given with it")
    if session == "R":
        return canonical_session(first_year, None, "regular")
    return canonical_session(year or first_year, None, "special", int(session))


def congress_number(year: int) -> str:
    """The congress sitting in ``year``: 2021 and 2022 -> ``"117"`` (the label of Congress's bills)."""
    if year < CONGRESS_FIRST_YEAR + 2:
        raise ValueError(f"no congress sat in {year}")
    return str((year - CONGRESS_FIRST_YEAR) // 2)


# --- Open States ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Parsed:
    """What one Open States legislative session says about itself."""

    identifier: str
    years: tuple[int, int | None]
    special: bool
    ordinal: int | None
    start_date: str
    position: int


def openstates_session(identifier: str, sessions: Sequence[Mapping[str, Any]], jurisdiction: str = "") -> str:
    """The canonical label of Open States session ``identifier`` among a jurisdiction's ``sessions``.

    Raises ``ValueError`` naming the reason when no label can be made for it.
    """
    labels, problems = openstates_session_labels(sessions, jurisdiction)
    if identifier in labels:
        return labels[identifier]
    raise ValueError(f"Open States session {identifier!r}: {problems.get(identifier, 'not in the list')}")


def openstates_session_labels(sessions: Iterable[Mapping[str, Any]], jurisdiction: str = ""
                              ) -> tuple[dict[str, str], dict[str, str]]:
    """(identifier -> label, identifier -> why it has none) for an Open States jurisdiction's sessions.

    ``sessions`` is ``legislative_sessions`` of ``GET /jurisdictions/{id}?include=legislative_sessions``:
    ``{identifier, name, classification, start_date, end_date}``. ``jurisdiction`` ``"us"``
    (Congress) keeps the congress number as the label.

    - Years: the years written in the name or identifier (``"89th Legislature (2025)"``,
      ``"2025-2026"``, ``"2025_26"``, ``"2020S1"``); the dates only when neither has a year. Written
      years go first because real session dates are wrong at times (Texas's 87th starting in 2019,
      Colorado's 2021 session ending in 2022, New York's 2023-2024 ending in 2023).
    - Special: classification ``special`` or a name saying special, extraordinary or called (some
      specials are classified ``primary``).
    - Ordinal of a special: from the name (``1st Special Session``, ``First Extraordinary Session``,
      ``2nd Called Session``, ``Special Session 2``), else its place among the year's specials by
      start date.
    - Two sessions that would share a label get none: a label must never merge two sessions' bills.
    """
    if jurisdiction.lower() == "us":
        return _congress_labels(sessions)
    parsed: list[_Parsed] = []
    problems: dict[str, str] = {}
    for position, session in enumerate(sessions):
        identifier = str(session.get("identifier") or "")
        if not identifier:
            continue
        try:
            parsed.append(_parse_openstates(session, identifier, position))
        except ValueError as exc:
            problems[identifier] = f"{session.get('name') or 'no name'!r}: {exc}"
    labels = _label_all(parsed, problems)
    return _without_shared_labels(labels, problems)


def _congress_labels(sessions: Iterable[Mapping[str, Any]]) -> tuple[dict[str, str], dict[str, str]]:
    labels, problems = {}, {}
    for session in sessions:
        identifier = str(session.get("identifier") or "")
        match = _CONGRESS_RE.match(identifier) or _CONGRESS_RE.match(str(session.get("name") or ""))
        if match:
            labels[identifier] = str(int(match.group(1)))
        elif identifier:
            problems[identifier] = "a session of Congress that names no congress number"
    return labels, problems


def _parse_openstates(session: Mapping[str, Any], identifier: str, position: int) -> _Parsed:
    name = str(session.get("name") or "")
    classification = str(session.get("classification") or "").lower()
    text = f"{identifier} {name}"
    special = classification == "special" or bool(_SPECIAL_RE.search(text))
    if classification not in REGULAR_CLASSIFICATIONS and classification != "special" and not special:
        raise ValueError(f"classification {classification!r} is neither a regular nor a special session")
    years = _written_years(text) or _date_years(session.get("start_date"), session.get("end_date"))
    return _Parsed(identifier, years, special, _written_ordinal(name) if special else None,
                   str(session.get("start_date") or ""), position)


def _written_years(text: str) -> tuple[int, int | None] | None:
    """The years a session's name and identifier write, as (first, last or None)."""
    years: set[int] = set()
    for match in _YEAR_RANGE_RE.finditer(text):
        start = int(match.group(1))
        end_text = match.group(2) or match.group(3)
        end = int(end_text) if len(end_text) == 4 else start // 100 * 100 + int(end_text)
        if start <= end <= start + 3:  # a range, not two numbers side by side
            years.update((start, end))
    years.update(int(y) for y in _YEAR_RE.findall(text))
    if not years:
        return None
    first, last = min(years), max(years)
    if last - first > 3:
        raise ValueError(f"its name and identifier give years {first} and {last}, too far apart for one session")
    return first, (last if last != first else None)


def _date_years(start_date: Any, end_date: Any) -> tuple[int, int | None] | None:
    start, end = _year_of(start_date), _year_of(end_date)
    if start is None:
        if end is None:
            raise ValueError("no year in its name or identifier, and no start or end date")
        return end, None
    return start, (end if end is not None and start < end <= start + 3 else None)


def _year_of(value: Any) -> int | None:
    match = _YEAR_RE.match(str(value or ""))
    return int(match.group(1)) if match else None


def _written_ordinal(name: str) -> int | None:
    match = _ORDINAL_BEFORE_RE.search(name)
    if match:
        return int(match.group(1)) if match.group(1) else _ORDINAL_WORDS[match.group(2).lower()]
    match = _ORDINAL_AFTER_RE.search(name)
    return int(match.group(1)) if match else None


def _label_all(parsed: list[_Parsed], problems: dict[str, str]) -> dict[str, str]:
    """Labels of the parsed sessions; specials without a written ordinal take their place in the year."""
    specials_by_year: dict[int, list[_Parsed]] = {}
    for session in parsed:
        if session.special:
            specials_by_year.setdefault(session.years[0], []).append(session)
    place = {}
    for specials in specials_by_year.values():
        specials.sort(key=lambda s: (s.start_date or "9999", s.position))
        place.update({s.identifier: n for n, s in enumerate(specials, start=1)})
    labels = {}
    for session in parsed:
        try:
            if session.special:
                labels[session.identifier] = canonical_session(
                    *session.years, "special", session.ordinal or place[session.identifier])
            else:
                labels[session.identifier] = canonical_session(*session.years, "regular")
        except ValueError as exc:
            problems[session.identifier] = str(exc)
    return labels


def _without_shared_labels(labels: dict[str, str], problems: dict[str, str]
                           ) -> tuple[dict[str, str], dict[str, str]]:
    holders: dict[str, list[str]] = {}
    for identifier, label in labels.items():
        holders.setdefault(label, []).append(identifier)
    for label, identifiers in holders.items():
        if len(identifiers) > 1:
            for identifier in identifiers:
                del labels[identifier]
                problems[identifier] = (f"sessions {', '.join(map(repr, identifiers))} would all be {label!r}: "
                                        "each keeps its own identifier")
    return labels, problems


# --- remembered labels ---------------------------------------------------------------------------

class SessionLabels:
    """Session labels of a source, remembered in its cursor, per jurisdiction.

    ``store`` (a dict inside the source's cursor) maps a jurisdiction to ``{"fetched": date,
    "labels": {raw: label}, "unmapped": {raw: reason}}``. A label, once given, is kept: were a
    later answer to relabel a session, its bills would land under a second key. So a refresh
    only adds labels; one that would change is reported and ignored.
    """

    def __init__(self, store: dict[str, Any]) -> None:
        self.store = store

    def label(self, jurisdiction: str, raw: str) -> str | None:
        """The remembered label of session ``raw``, or None."""
        return (self.store.get(jurisdiction) or {}).get("labels", {}).get(raw)

    def why_unmapped(self, jurisdiction: str, raw: str) -> str:
        reasons = (self.store.get(jurisdiction) or {}).get("unmapped", {})
        return reasons.get(raw) or f"the jurisdiction's sessions do not list {raw!r}"

    def needs_refresh(self, jurisdiction: str, raw: str, today: str) -> bool:
        """True when session ``raw`` has no label: never read, not yet listed, or (once a day) unmapped."""
        known = self.store.get(jurisdiction)
        if known is None:
            return True
        if raw in known.get("labels", {}):
            return False
        return raw not in known.get("unmapped", {}) or known.get("fetched") != today

    def update(self, jurisdiction: str, labels: Mapping[str, str], unmapped: Mapping[str, str],
               today: str) -> list[str]:
        """Remember a fresh reading; returns warnings for labels that would have changed."""
        kept = dict((self.store.get(jurisdiction) or {}).get("labels", {}))
        warnings = [f"{jurisdiction}: session {raw!r} now reads as {label!r}; "
                    f"its bills keep the label {kept[raw]!r}"
                    for raw, label in labels.items() if kept.get(raw, label) != label]
        for raw, label in labels.items():
            kept.setdefault(raw, label)
        self.store[jurisdiction] = {"fetched": today, "labels": kept,
                                    "unmapped": {raw: why for raw, why in unmapped.items() if raw not in kept}}
        return warnings
