"""Reading what a digest needs from the database, as plain rows (no ORM objects).

A 50-bill digest touches ~400 rows (bills, sponsors, hearings, events, matches); building ORM
objects for them cost more than the queries, so these are Core selects returning light
records. Bill ids are read in chunks to keep IN lists well below the drivers' limits.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.models import Bill, BillSponsor, Event, Hearing, Match
from notifiers.selection import Audience

CHUNK = 500


@dataclass
class BillFacts:
    """A bill with its sponsors and hearings, as the digest shows it."""

    id: int
    jurisdiction: str
    session: str
    identifier: str
    title: str
    url: str | None
    stage: str | None
    last_action: str | None
    last_action_date: dt.date | None
    source: str
    sponsors: list[Any] = field(default_factory=list)  # rows: name, role, party
    hearings: list[Any] = field(default_factory=list)  # rows: date, time, committee, location


def window_events(session: Session, after_id: int, until_id: int, include_baseline: bool,
                  rule_ids: set[str], audience: Audience) -> list[Any]:
    """Events in (after_id, until_id] on bills matching one of ``rule_ids`` in the audience's
    jurisdictions; rows with id, bill_id, kind, data, event_date, recorded_at."""
    if until_id <= after_id or not rule_ids:
        return []
    matched_bills = select(Match.bill_id).where(Match.rule_id.in_(sorted(rule_ids)))
    where = audience.jurisdiction_condition(Bill.jurisdiction)
    if where is not None:
        matched_bills = matched_bills.join(Bill, Bill.id == Match.bill_id).where(where)
    query = (
        select(Event.id, Event.bill_id, Event.kind, Event.data, Event.event_date, Event.recorded_at)
        .where(Event.id > after_id, Event.id <= until_id, Event.bill_id.in_(matched_bills))
        .order_by(Event.id)
    )
    if not include_baseline:
        query = query.where(Event.baseline.is_(False))
    return list(session.execute(query))


def upcoming_hearing_bills(session: Session, start: dt.date, end: dt.date, rule_ids: set[str],
                           audience: Audience) -> list[int]:
    """Ids of the audience's matching bills with a hearing between ``start`` and ``end``."""
    query = (
        select(Hearing.bill_id)
        .join(Match, Match.bill_id == Hearing.bill_id)
        .where(Hearing.date >= start, Hearing.date <= end, Match.rule_id.in_(sorted(rule_ids)))
        .distinct()
    )
    where = audience.jurisdiction_condition(Bill.jurisdiction)
    if where is not None:
        query = query.join(Bill, Bill.id == Hearing.bill_id).where(where)
    return list(session.scalars(query))


def load_bills(session: Session, bill_ids: Iterable[int]) -> dict[int, BillFacts]:
    """The bills with their sponsors (in order) and hearings (by date)."""
    bills: dict[int, BillFacts] = {}
    columns = (Bill.id, Bill.jurisdiction, Bill.session, Bill.identifier, Bill.title, Bill.url, Bill.stage,
               Bill.last_action, Bill.last_action_date, Bill.source)
    for chunk in _chunks(bill_ids):
        for bill in session.execute(select(*columns).where(Bill.id.in_(chunk))):
            bills[bill.id] = BillFacts(*bill)
        sponsors = select(BillSponsor.bill_id, BillSponsor.name, BillSponsor.role, BillSponsor.party)
        for sponsor in session.execute(sponsors.where(BillSponsor.bill_id.in_(chunk)).order_by(BillSponsor.position)):
            bills[sponsor.bill_id].sponsors.append(sponsor)
        hearings = select(Hearing.bill_id, Hearing.date, Hearing.time, Hearing.committee, Hearing.location)
        for hearing in session.execute(hearings.where(Hearing.bill_id.in_(chunk)).order_by(Hearing.date)):
            bills[hearing.bill_id].hearings.append(hearing)
    return bills


def load_matches(session: Session, bill_ids: Iterable[int], rule_ids: set[str]) -> dict[int, list[Any]]:
    """Matches of these bills with these rules; rows with rule_id, weight, snippet."""
    found: dict[int, list[Any]] = defaultdict(list)
    columns = (Match.bill_id, Match.rule_id, Match.weight, Match.snippet)
    for chunk in _chunks(bill_ids):
        query = select(*columns).where(Match.bill_id.in_(chunk), Match.rule_id.in_(sorted(rule_ids)))
        for row in session.execute(query):
            found[row.bill_id].append(row)
    return found


def _chunks(ids: Iterable[int]) -> Iterable[Sequence[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]
