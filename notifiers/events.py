"""Events and stages in a reader's words: "Stage: In committee -> Passed committee"."""

from __future__ import annotations

import datetime as dt
from typing import Any

from notifiers.selection import RuleCatalog

#: event kinds that put a bill in the "new bills" section
NEW_KINDS = frozenset({"new_bill", "rule_matched"})

STAGE_LABELS: dict[str, str] = {
    "prefiled": "Prefiled",
    "introduced": "Introduced",
    "in_committee": "In committee",
    "passed_committee": "Passed committee",
    "passed_chamber": "Passed one chamber",
    "passed_legislature": "Passed the legislature",
    "sent_to_executive": "Sent to the executive",
    "enacted": "Enacted",
    "vetoed": "Vetoed",
    "failed": "Failed",
    "withdrawn": "Withdrawn",
}


def stage_label(stage: str | None) -> str:
    """The reader's label of a normalized stage ("in_committee" -> "In committee")."""
    if not stage:
        return "Stage unknown"
    return STAGE_LABELS.get(stage, stage.replace("_", " ").capitalize())


#: the order changes are listed in within one bill (then newest first)
KIND_ORDER = {"new_bill": 0, "rule_matched": 1, "stage_changed": 2, "version_added": 3,
              "hearing_scheduled": 4, "action_added": 5, "title_changed": 6}


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day(value: dt.date | str | None) -> str:
    """``5 Mar 2026``: unambiguous for US and Canadian readers alike (English month names in
    every locale; strftime would follow the process's locale and is slower)."""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return str(value)
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}" if value else ""


def describe_event(event: Any, catalog: RuleCatalog) -> str:
    """One short line saying what happened (``event``: an Event or a row with kind, data,
    event_date); empty for events a reader need not see."""
    data: dict[str, Any] = event.data or {}
    kind = event.kind
    when = day(event.event_date) or day(data.get("date"))
    if kind == "new_bill":
        return f"New bill, introduced {when}" if when else "New bill"
    if kind == "stage_changed":
        old, new = _pick(data, "from", "old", "before"), _pick(data, "to", "new", "after", "stage")
        moved = f"{stage_label(old)} \u2192 {stage_label(new)}" if old else stage_label(new)
        return f"Stage: {moved}{_on(when)}"
    if kind == "action_added":
        text = _pick(data, "description", "action", "text") or "new action"
        return f"Action{_on(when)}: {_short(text)}"
    if kind == "version_added":
        note = _pick(data, "note", "description", "title") or "new text"
        return f"New version: {_short(note)}{_on(when)}"
    if kind == "hearing_scheduled":
        return "Hearing scheduled" + _hearing(data)
    if kind == "title_changed":
        return "Title changed"
    if kind == "rule_matched":
        rule = _pick(data, "rule_id", "rule")
        name = catalog[rule].name if rule is not None and rule in catalog else rule
        return f"Now matches: {name}" if name else "Now matches your rules"
    return ""


def _pick(data: dict[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = data.get(key)
        if value not in (None, ""):
            return str(value)
    return None


def _on(when: str | None) -> str:
    return f" ({when})" if when else ""


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _hearing(data: dict[str, Any]) -> str:
    parts = [p for p in (day(data.get("date")), data.get("time")) if p]
    where = [p for p in (data.get("committee"), data.get("location")) if p]
    text = f": {' '.join(str(p) for p in parts)}" if parts else ""
    return text + (f", {', '.join(_short(str(w), 80) for w in where)}" if where else "")
