"""Rules meet the database: match stored bills, keep the ``matches`` table, record match events.

The scan calls :func:`match_bills` with the bills it inserted or changed, and
:func:`rematch_if_changed` once before scanning, which re-matches every stored bill when the rule
files changed (their content hash differs from the one stored in ``meta``). A bill that starts
matching a rule gets a ``rule_matched`` event, one that stops gets ``rule_unmatched``.
Nothing here commits: the caller commits, with the bills the matches belong to.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.models import Bill, BillAction, Event, Match, Meta
from rules import matcher
from rules.explain import BillText, RuleMatch
from rules.ruleset import Rule, RuleSet, load_rules

__all__ = ["MatchSummary", "RuleSet", "bill_texts", "load_ruleset", "match_bills", "rematch_if_changed"]

#: Bills per round trip when reading texts and matches.
CHUNK = 500
#: Hits kept per stored match: enough to explain it, bounded for very long texts.
MAX_STORED_HITS = 20
RULES_HASH_KEY = "rules_hash"


@dataclass
class MatchSummary:
    """What one matching pass did."""

    bills: int = 0  # bills evaluated
    matched: int = 0  # of those, bills matching at least one rule
    added: int = 0  # (bill, rule) matches that are new
    removed: int = 0  # (bill, rule) matches that ended
    updated: int = 0  # matches kept whose evidence changed
    events: int = 0  # rule_matched / rule_unmatched events recorded

    def to_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def load_ruleset(paths: Sequence[Path]) -> RuleSet:
    """Read and check the rule files; RuleError lists every problem in every file."""
    return load_rules(paths)


def match_bills(
    session: Session,
    ruleset: RuleSet,
    bill_ids: Iterable[int],
    *,
    scan_run_id: int | None = None,
    source: str = "rules",
    baseline: bool | None = None,
) -> MatchSummary:
    """Evaluate the rules on the given stored bills and bring their ``matches`` rows up to date.

    ``baseline`` marks the events recorded; None means: baseline for the bills whose events in
    scan ``scan_run_id`` are baseline (a source's first scan), so their matches stay out of
    ordinary digests as their ``new_bill`` does.
    """
    from monitor.store import Store

    store = Store(session)
    summary = MatchSummary()
    ids = sorted(set(bill_ids))
    if len(ids) >= matcher.COMPILE_LEAST:
        ruleset.matcher.compile_batch()  # many bills: worth compiling the rules (rules/batch.py)
    with_actions = "actions" in ruleset.matcher.groups
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        texts = bill_texts(session, chunk, with_actions=with_actions)
        stored = _stored_matches(session, chunk)
        quiet = _baseline_bills(session, chunk, scan_run_id) if baseline is None else set(chunk) if baseline else set()
        for bill_id, found in zip(texts, ruleset.matcher.match_many(list(texts.values())), strict=True):
            summary.bills += 1
            summary.matched += bool(found)
            writer = _MatchWriter(session, store, ruleset, bill_id, source, bill_id in quiet, scan_run_id)
            writer.apply(found, stored.get(bill_id, {}), summary)
    session.flush()
    return summary


def rematch_if_changed(session: Session, ruleset: RuleSet) -> MatchSummary | None:
    """Re-match every stored bill when the rule files changed since the last time; else None.

    The first rules ever in force make baseline events (a state of play, not news).
    """
    meta = session.get(Meta, RULES_HASH_KEY)
    if meta is not None and meta.value == ruleset.hash:
        return None
    ids = session.scalars(select(Bill.id).order_by(Bill.id)).all()
    summary = match_bills(session, ruleset, ids, baseline=meta is None)
    if meta is None:
        session.add(Meta(key=RULES_HASH_KEY, value=ruleset.hash))
    else:
        meta.value = ruleset.hash
    session.flush()
    return summary


def bill_texts(session: Session, bill_ids: Sequence[int], *, with_actions: bool = True) -> dict[int, BillText]:
    """The searchable text of stored bills, read column by column (no ORM objects built)."""
    columns = (Bill.id, Bill.jurisdiction, Bill.title, Bill.summary, Bill.subjects, Bill.extras)
    rows = session.execute(select(*columns).where(Bill.id.in_(bill_ids)).order_by(Bill.id)).all()
    actions: dict[int, list[str]] = {}
    if with_actions:
        query = (
            select(BillAction.bill_id, BillAction.description)
            .where(BillAction.bill_id.in_(bill_ids))
            .order_by(BillAction.bill_id, BillAction.position)
        )
        for bill_id, description in session.execute(query):
            actions.setdefault(bill_id, []).append(description)
    return {
        row.id: BillText.of(
            jurisdiction=row.jurisdiction, title=row.title, summary=row.summary,
            subjects=row.subjects or (), actions=actions.get(row.id, ()), extras=row.extras or {},
        )
        for row in rows
    }


def iter_bill_texts(session: Session, bill_ids: Sequence[int], *, with_actions: bool = True) -> Iterator[tuple[int, BillText]]:
    """:func:`bill_texts` chunk by chunk, for many bills."""
    for start in range(0, len(bill_ids), CHUNK):
        yield from bill_texts(session, bill_ids[start : start + CHUNK], with_actions=with_actions).items()


def _stored_matches(session: Session, bill_ids: Sequence[int]) -> dict[int, dict[str, Match]]:
    stored: dict[int, dict[str, Match]] = {}
    for match in session.scalars(select(Match).where(Match.bill_id.in_(bill_ids))):
        stored.setdefault(match.bill_id, {})[match.rule_id] = match
    return stored


def _baseline_bills(session: Session, bill_ids: Sequence[int], scan_run_id: int | None) -> set[int]:
    if scan_run_id is None:
        return set()
    query = select(Event.bill_id).where(
        Event.scan_run_id == scan_run_id, Event.baseline.is_(True), Event.bill_id.in_(bill_ids)
    )
    return set(session.scalars(query.distinct()))


@dataclass
class _MatchWriter:
    """Brings one bill's ``matches`` rows from what is stored to what the rules found."""

    session: Session
    store: Any
    ruleset: RuleSet
    bill_id: int
    source: str
    baseline: bool
    scan_run_id: int | None

    def apply(self, found: list[RuleMatch], stored: dict[str, Match], summary: MatchSummary) -> None:
        for result in found:
            hits = [hit.to_dict() for hit in result.hits[:MAX_STORED_HITS]]
            row = stored.pop(result.rule_id, None)
            if row is None:
                self.session.add(Match(bill_id=self.bill_id, rule_id=result.rule_id, weight=result.rule.weight,
                                       hits=hits, snippet=result.snippet))
                summary.added += 1
                summary.events += self.event("rule_matched", result.rule, result.words())
            elif (row.hits, row.snippet, row.weight) != (hits, result.snippet, result.rule.weight):
                row.hits, row.snippet, row.weight = hits, result.snippet, result.rule.weight
                summary.updated += 1
        for rule_id, row in stored.items():
            self.session.delete(row)
            summary.removed += 1
            rule = self.ruleset.get(rule_id)
            if rule is not None and rule.enabled:  # a deleted or disabled rule concerns nobody
                summary.events += self.event("rule_unmatched", rule, [])

    def event(self, kind: str, rule: Rule, words: list[str]) -> int:
        content: dict[str, Any] = {"rule": rule.id, "name": rule.name, "date": dt.date.today().isoformat()}
        if words:
            content["words"] = words[:10]
        recorded = self.store.record_event(
            self.bill_id, kind, content, source=self.source, baseline=self.baseline, scan_run_id=self.scan_run_id
        )
        return int(bool(recorded))
