"""Back-testing rules on stored bills: what they match, and what would change against the rules in force.

"In force" means the ``matches`` table: what the last scan (or re-match) stored. Testing an edited
rule file therefore shows, per rule id, the bills it would newly match and the bills it would no
longer match; testing the files in force shows no difference.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from monitor.models import Bill, Match
from rules.explain import RuleMatch
from rules.integration import iter_bill_texts
from rules.ruleset import Rule, RuleSet


@dataclass(frozen=True)
class BillRef:
    """A bill as the back-test lists it, with the snippet that explains the (old or new) match."""

    id: int
    jurisdiction: str
    session: str
    identifier: str
    title: str
    snippet: str | None = None

    def label(self) -> str:
        return f"{self.jurisdiction} {self.session} {self.identifier}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "jurisdiction": self.jurisdiction, "session": self.session, "identifier": self.identifier,
            "title": self.title, "snippet": self.snippet,
        }


@dataclass
class RuleReport:
    """One rule's back-test: how many bills it matches, samples, and the difference with the rules in force."""

    rule: Rule
    matched: set[int] = field(default_factory=set)
    in_force: int = 0
    samples: list[BillRef] = field(default_factory=list)
    newly: list[BillRef] = field(default_factory=list)
    no_longer: list[BillRef] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule.id, "name": self.rule.name, "weight": self.rule.weight,
            "enabled": self.rule.enabled, "matches": len(self.matched), "in_force": self.in_force,
            "samples": [b.to_dict() for b in self.samples],
            "would_newly_match": [b.to_dict() for b in self.newly],
            "would_no_longer_match": [b.to_dict() for b in self.no_longer],
        }


@dataclass
class Backtest:
    bills: int
    rules: list[RuleReport]
    since: dt.date | None = None
    jurisdictions: tuple[str, ...] = ()
    #: Rule ids with stored matches that the tested files (replacing the rules in force) no longer
    #: define, and their number of bills in force: all of them would no longer match.
    no_longer_defined: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "bills": self.bills, "since": self.since.isoformat() if self.since else None,
            "jurisdictions": list(self.jurisdictions), "rules": [r.to_dict() for r in self.rules],
            "rules_no_longer_defined": [{"rule": k, "in_force": v} for k, v in self.no_longer_defined.items()],
        }


def backtest(
    session: Session,
    ruleset: RuleSet,
    *,
    since: dt.date | None = None,
    jurisdictions: Sequence[str] = (),
    samples: int = 3,
    replaces_in_force: bool = False,
) -> Backtest:
    """Match ``ruleset`` on the stored bills that pass the filters and compare with stored matches.

    ``since``: bills with a last action or status on or after that date (when first seen, for
    bills without dates). ``jurisdictions``: codes or patterns (``US-*``). Samples are the most
    recently active matching bills. ``replaces_in_force``: the files tested are those in force,
    edited, so a stored rule id they no longer define is reported (``no_longer_defined``).
    """
    query = _filtered(select(Bill.id), since, jurisdictions)
    recency = func.coalesce(Bill.last_action_date, Bill.status_date)
    ids = list(session.scalars(query.order_by(recency.desc().nulls_last(), Bill.id.desc())))
    reports = {rule.id: RuleReport(rule) for rule in ruleset.rules}
    found: dict[tuple[int, str], RuleMatch] = {}
    with_actions = "actions" in ruleset.matcher.groups
    for bill_id, text in iter_bill_texts(session, ids, with_actions=with_actions):
        for result in ruleset.matcher.match(text):
            reports[result.rule_id].matched.add(bill_id)
            found[(bill_id, result.rule_id)] = result
    _compare(session, reports, found, since, jurisdictions)
    _pick_samples(session, reports, found, ids, samples)
    gone = _no_longer_defined(session, ruleset, since, jurisdictions) if replaces_in_force else {}
    return Backtest(len(ids), list(reports.values()), since, tuple(jurisdictions), gone)


def _no_longer_defined(session: Session, ruleset: RuleSet, since: dt.date | None,
                       jurisdictions: Sequence[str]) -> dict[str, int]:
    """Bills in force per stored rule id that ``ruleset`` does not define."""
    query = select(Match.rule_id, func.count()).join(Bill, Bill.id == Match.bill_id)
    query = _filtered(query.where(Match.rule_id.not_in([rule.id for rule in ruleset.rules])), since, jurisdictions)
    return {rule_id: count for rule_id, count in sorted(session.execute(query.group_by(Match.rule_id)))}


def _filtered(query: Select, since: dt.date | None, jurisdictions: Sequence[str]) -> Select:
    if since is not None:
        undated = and_(Bill.last_action_date.is_(None), Bill.status_date.is_(None))
        query = query.where(or_(
            Bill.last_action_date >= since, Bill.status_date >= since,
            and_(undated, Bill.first_seen >= dt.datetime.combine(since, dt.time())),
        ))
    if jurisdictions:
        patterns = [j.upper().replace("*", "%").replace("?", "_") for j in jurisdictions]
        query = query.where(or_(*(Bill.jurisdiction.like(p) for p in patterns)))
    return query


def _compare(session: Session, reports: dict[str, RuleReport], found: dict[tuple[int, str], RuleMatch],
             since: dt.date | None, jurisdictions: Sequence[str]) -> None:
    """Fill in_force, newly and no_longer from the stored matches of the same rule ids and bills."""
    query = select(Match.bill_id, Match.rule_id, Match.snippet).join(Bill, Bill.id == Match.bill_id)
    query = _filtered(query.where(Match.rule_id.in_(list(reports))), since, jurisdictions)
    stored: dict[str, dict[int, str | None]] = {}
    for bill_id, rule_id, snippet in session.execute(query):
        stored.setdefault(rule_id, {})[bill_id] = snippet
    wanted: set[int] = set()
    for rule_id, report in reports.items():
        before = stored.get(rule_id, {})
        report.in_force = len(before)
        wanted.update(report.matched.symmetric_difference(before))
    refs = _bill_refs(session, wanted)
    for rule_id, report in reports.items():
        before = stored.get(rule_id, {})
        report.newly = [_with_snippet(refs[b], found[(b, rule_id)].snippet) for b in sorted(report.matched - before.keys())]
        report.no_longer = [_with_snippet(refs[b], before[b]) for b in sorted(before.keys() - report.matched)]


def _pick_samples(session: Session, reports: dict[str, RuleReport], found: dict[tuple[int, str], RuleMatch],
                  ids: list[int], count: int) -> None:
    order = {bill_id: rank for rank, bill_id in enumerate(ids)}
    chosen = {rule_id: sorted(r.matched, key=order.__getitem__)[:count] for rule_id, r in reports.items()}
    refs = _bill_refs(session, {b for bills in chosen.values() for b in bills})
    for rule_id, bills in chosen.items():
        reports[rule_id].samples = [_with_snippet(refs[b], found[(b, rule_id)].snippet) for b in bills]


def _bill_refs(session: Session, bill_ids: set[int]) -> dict[int, BillRef]:
    refs: dict[int, BillRef] = {}
    ordered = sorted(bill_ids)
    columns = (Bill.id, Bill.jurisdiction, Bill.session, Bill.identifier, Bill.title)
    for start in range(0, len(ordered), 500):
        for row in session.execute(select(*columns).where(Bill.id.in_(ordered[start : start + 500]))):
            refs[row.id] = BillRef(row.id, row.jurisdiction, row.session, row.identifier, row.title)
    return refs


def _with_snippet(ref: BillRef, snippet: str | None) -> BillRef:
    return BillRef(ref.id, ref.jurisdiction, ref.session, ref.identifier, ref.title, snippet)
