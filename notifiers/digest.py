"""The digest builder: for one subscriber and one window of events, what to tell them.

A digest holds one entry per bill (however many rules or events), in one of three sections:
new bills, moving bills (stage changes, new versions, actions) and upcoming hearings (next 14
days), plus the sources that are failing or stale, so that silence is never mistaken for a
quiet week. Entries are ordered by weight, then recency; hearings by date.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from notifiers import facts
from notifiers.events import KIND_ORDER, NEW_KINDS, describe_event, stage_label
from notifiers.facts import BillFacts
from notifiers.selection import Audience, RuleCatalog

#: how far ahead the upcoming-hearings section looks
HEARING_HORIZON = dt.timedelta(days=14)
TITLE_LIMIT = 300
SNIPPET_LIMIT = 220
CHANGES_SHOWN = 4
SECTIONS = ("new", "moving", "hearings")


@dataclass(frozen=True)
class Window:
    """The events a digest covers: ids in (after_id, until_id], baseline events only on request."""

    after_id: int
    until_id: int
    include_baseline: bool = False

    @property
    def empty(self) -> bool:
        return self.until_id <= self.after_id


@dataclass(frozen=True)
class Period:
    """The time span a digest reports on, for its header (naive UTC datetimes)."""

    start: dt.datetime | None
    end: dt.datetime


@dataclass
class Reason:
    """Why a bill is in the digest: one matching rule with its evidence."""

    rule_id: str
    rule_name: str
    weight: float
    snippet: str | None


@dataclass
class NextHearing:
    date: dt.date
    time: str | None
    committee: str | None
    location: str | None


@dataclass
class DigestEntry:
    """One bill in a digest."""

    bill_id: int
    section: str  # new, moving, hearings
    jurisdiction: str
    session: str
    identifier: str
    title: str
    url: str | None
    stage: str | None
    last_action: str | None
    last_action_date: dt.date | None
    sponsors: list[str]
    next_hearing: NextHearing | None
    reasons: list[Reason]
    changes: list[str]
    more_changes: int
    weight: float
    recency: dt.date
    source: str

    @property
    def stage_label(self) -> str:
        return stage_label(self.stage)

    @property
    def labels(self) -> list[str]:
        return [reason.rule_name for reason in self.reasons]


@dataclass
class Digest:
    """Everything a digest email says; rendered by :mod:`notifiers.render`."""

    kind: str  # "digest" or "alert"
    jurisdictions: list[str]
    period: Period
    window: Window
    timezone: str = "UTC"
    new: list[DigestEntry] = field(default_factory=list)
    moving: list[DigestEntry] = field(default_factory=list)
    hearings: list[DigestEntry] = field(default_factory=list)
    unhealthy_sources: list[Any] = field(default_factory=list)  # monitor.health.SourceHealth
    legiscan: bool = False  # LegiScan data shown: credit it (CC BY 4.0)
    events: int = 0  # events in the window on the entries' bills

    @property
    def entries(self) -> list[DigestEntry]:
        return self.new + self.moving + self.hearings

    @property
    def has_news(self) -> bool:
        """Something happened in the window (hearing reminders alone are not news)."""
        return bool(self.new or self.moving or any(e.changes for e in self.hearings))

    def counts(self) -> dict[str, int]:
        return {"new": len(self.new), "moving": len(self.moving), "hearings": len(self.hearings)}


@dataclass
class DigestRequest:
    """What to build: whose filter, which events, for which period."""

    audience: Audience
    catalog: RuleCatalog
    window: Window
    period: Period
    today: dt.date
    kind: str = "digest"
    timezone: str = "UTC"
    only_rules: set[str] | None = None  # alerts: restrict to these (alert = true) rules
    health: Sequence[Any] = ()
    source_types: dict[str, str] = field(default_factory=dict)


def build_digest(session: Session, request: DigestRequest) -> Digest:
    """Read the window's events and matches and assemble the digest (reads only)."""
    rule_ids = request.audience.rule_ids(request.catalog)
    if request.only_rules is not None:
        rule_ids &= request.only_rules
    digest = Digest(
        kind=request.kind,
        jurisdictions=list(request.audience.jurisdictions),
        period=request.period,
        window=request.window,
        timezone=request.timezone,
        unhealthy_sources=[h for h in request.health if _unhealthy(h)],
    )
    if not rule_ids:
        return digest
    window = request.window
    events = facts.window_events(session, window.after_id, window.until_id, window.include_baseline,
                                 rule_ids, request.audience)
    by_bill: dict[int, list[Any]] = defaultdict(list)
    for event in events:
        by_bill[event.bill_id].append(event)
    entries = _entries(session, request, rule_ids, by_bill)
    if request.kind == "digest":
        entries += _hearing_reminders(session, request, rule_ids, exclude=set(by_bill))
    _file_entries(digest, entries)
    digest.events = sum(len(by_bill[e.bill_id]) for e in digest.entries)
    digest.legiscan = any(_is_legiscan(e.source, request.source_types) for e in digest.entries)
    return digest


def _unhealthy(health: Any) -> bool:
    return bool(getattr(health, "enabled", True)) and (
        bool(health.stale) or int(health.consecutive_failures or 0) > 0
    )


def _is_legiscan(source: str, source_types: dict[str, str]) -> bool:
    return "legiscan" in source.lower() or "legiscan" in source_types.get(source, "").lower()


def _entries(
    session: Session, request: DigestRequest, rule_ids: set[str], by_bill: dict[int, list[Any]]
) -> list[DigestEntry]:
    bills = facts.load_bills(session, by_bill)
    matches = facts.load_matches(session, by_bill, rule_ids)
    entries = []
    for bill_id, events in by_bill.items():
        bill = bills.get(bill_id)
        if bill is None or not request.audience.wants_jurisdiction(bill.jurisdiction):
            continue
        entry = _entry(bill, matches.get(bill_id, []), events, request)
        if entry is not None:
            entries.append(entry)
    return entries


def _entry(bill: BillFacts, matches: list[Any], events: list[Any], request: DigestRequest) -> DigestEntry | None:
    reasons = _reasons(matches, request.catalog)
    if not reasons or reasons[0].weight < request.audience.min_weight:
        return None
    events = [e for e in events if _event_concerns(e, reasons)]
    if not events:
        return None
    section = _section(events, request.today)
    if section == "new":  # a new bill's hearings show as its next hearing
        events = [e for e in events if e.kind != "hearing_scheduled"] or events
    ordered = sorted(events, key=lambda e: (KIND_ORDER.get(e.kind, 9), -e.id))
    if any(e.kind == "new_bill" for e in ordered):  # its rules are already on the entry's label line
        ordered = [e for e in ordered if e.kind != "rule_matched"]
    changes = [c for c in (describe_event(e, request.catalog) for e in ordered) if c]
    # a hearing's event_date is the hearing day: recency counts nothing later than today
    dates = [min(e.event_date or e.recorded_at.date(), request.today) for e in events]
    return _make_entry(bill, section, reasons, changes, max(dates), request.today)


def _event_concerns(event: Any, reasons: list[Reason]) -> bool:
    """A rule_matched/rule_unmatched event about a rule this audience does not follow is not theirs."""
    if event.kind == "rule_unmatched":
        return False
    if event.kind == "rule_matched":
        rule = (event.data or {}).get("rule_id") or (event.data or {}).get("rule")
        return rule is None or any(r.rule_id == rule for r in reasons)
    return True


def _section(events: list[Any], today: dt.date) -> str:
    kinds = {e.kind for e in events}
    if kinds & NEW_KINDS:
        return "new"
    if kinds == {"hearing_scheduled"}:
        dates = [_data_date(e.data, "date") for e in events]
        if any(d is not None and today <= d <= today + HEARING_HORIZON for d in dates):
            return "hearings"
    return "moving"


def _data_date(data: dict[str, Any] | None, key: str) -> dt.date | None:
    value = (data or {}).get(key)
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _reasons(matches: list[Any], catalog: RuleCatalog) -> list[Reason]:
    reasons = [
        Reason(
            rule_id=m.rule_id,
            rule_name=catalog[m.rule_id].name if m.rule_id in catalog else m.rule_id,
            weight=float(m.weight if m.weight is not None else 1.0),
            snippet=_clip(m.snippet, SNIPPET_LIMIT) if m.snippet else None,
        )
        for m in matches
    ]
    return sorted(reasons, key=lambda r: (-r.weight, r.rule_name))


def _make_entry(
    bill: BillFacts, section: str, reasons: list[Reason], changes: list[str], recency: dt.date, today: dt.date
) -> DigestEntry:
    return DigestEntry(
        bill_id=bill.id,
        section=section,
        jurisdiction=bill.jurisdiction,
        session=bill.session,
        identifier=bill.identifier,
        title=_clip(bill.title, TITLE_LIMIT),
        url=bill.url,
        stage=bill.stage,
        last_action=_clip(bill.last_action, TITLE_LIMIT) if bill.last_action else None,
        last_action_date=bill.last_action_date,
        sponsors=_sponsors(bill),
        next_hearing=_next_hearing(bill.hearings, today),
        reasons=reasons,
        changes=changes[:CHANGES_SHOWN],
        more_changes=max(0, len(changes) - CHANGES_SHOWN),
        weight=reasons[0].weight,
        recency=max(recency, bill.last_action_date or recency),
        source=bill.source,
    )


def _sponsors(bill: BillFacts, shown: int = 3) -> list[str]:
    primary = [s for s in bill.sponsors if s.role == "primary"] or list(bill.sponsors)
    names = [f"{s.name} ({s.party})" if s.party else s.name for s in primary[:shown]]
    if len(primary) > shown:
        names.append(f"+{len(primary) - shown} more")
    return names


def _next_hearing(hearings: Iterable[Any], today: dt.date) -> NextHearing | None:
    upcoming = sorted((h for h in hearings if h.date >= today), key=lambda h: (h.date, h.time or ""))
    if not upcoming:
        return None
    h = upcoming[0]
    return NextHearing(date=h.date, time=h.time, committee=h.committee, location=h.location)


def _hearing_reminders(
    session: Session, request: DigestRequest, rule_ids: set[str], exclude: set[int]
) -> list[DigestEntry]:
    """Bills with a hearing in the next 14 days and no other activity in the window."""
    horizon = request.today + HEARING_HORIZON
    found = facts.upcoming_hearing_bills(session, request.today, horizon, rule_ids, request.audience)
    bill_ids = [b for b in found if b not in exclude]
    bills = facts.load_bills(session, bill_ids)
    matches = facts.load_matches(session, bill_ids, rule_ids)
    entries = []
    for bill_id, bill in bills.items():
        reasons = _reasons(matches.get(bill_id, []), request.catalog)
        if not reasons or reasons[0].weight < request.audience.min_weight:
            continue
        if request.audience.wants_jurisdiction(bill.jurisdiction):
            recency = bill.last_action_date or request.today
            entries.append(_make_entry(bill, "hearings", reasons, [], recency, request.today))
    return entries


def _file_entries(digest: Digest, entries: list[DigestEntry]) -> None:
    def by_weight(e: DigestEntry) -> tuple[Any, ...]:
        return (-e.weight, -e.recency.toordinal(), e.jurisdiction, e.identifier, e.bill_id)

    def by_hearing(e: DigestEntry) -> tuple[Any, ...]:
        day = e.next_hearing.date.toordinal() if e.next_hearing else 10**7
        return (day, *by_weight(e))

    digest.new = sorted((e for e in entries if e.section == "new"), key=by_weight)
    digest.moving = sorted((e for e in entries if e.section == "moving"), key=by_weight)
    digest.hearings = sorted((e for e in entries if e.section == "hearings"), key=by_hearing)


def _clip(text: str | None, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"
