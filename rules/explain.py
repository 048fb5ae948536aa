"""What a match shows a reader: the bill text searched, the hits, and a snippet with the hit marked."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any

from rules.text import normalize

if TYPE_CHECKING:
    from rules.ruleset import Rule

#: Searched list fields are joined with these; hit offsets count in the joined text.
SEPARATORS = {"subjects": "; ", "actions": "\n"}
#: Field order for sorting hits and choosing the snippet: title first.
FIELD_ORDER = ("title", "title_fr", "summary", "summary_fr", "subjects", "actions")
SNIPPET_WIDTH = 160
MARK = ("**", "**")
_SPACES = re.compile(r"\s+")


def field_group(name: str) -> str:
    """The field a query names for a bill field: ``title_fr`` is searched as ``title``."""
    return name.split("_", 1)[0]


@cache
def known_fields(groups: frozenset[str]) -> frozenset[str]:
    """The field names of FIELD_ORDER in ``groups`` (title_fr with title...)."""
    return frozenset(name for name in FIELD_ORDER if field_group(name) in groups)


@dataclass
class BillText:
    """The text fields of one bill as the matcher reads them (NFC-normalized).

    ``texts`` maps a field name (title, title_fr, summary, summary_fr, subjects, actions) to its
    text; list fields keep their items in ``items`` too, so phrases do not run across items.
    """

    jurisdiction: str | None
    texts: dict[str, str]
    items: dict[str, list[str]] = field(default_factory=dict)
    _joined: dict[frozenset[str], str] = field(default_factory=dict, repr=False, compare=False)

    def joined(self, groups: frozenset[str]) -> str:
        """The texts of the fields in ``groups`` (title, summary...), one per line; kept once made."""
        found = self._joined.get(groups)
        if found is None:
            found = self._joined[groups] = "\n".join(
                text for name, text in self.texts.items() if field_group(name) in groups
            )
        return found

    @staticmethod
    def joined_many(bills: Sequence[BillText], groups: frozenset[str]) -> list[str]:
        """``bill.joined(groups)`` of each bill, without a call each: a bill whose fields are all
        known fields in ``groups`` (the common case) has them joined here."""
        names = known_fields(groups)
        texts = []
        for bill in bills:
            found = bill._joined.get(groups)
            if found is None:
                fields = bill.texts
                found = bill._joined[groups] = "\n".join(fields.values()) if fields.keys() <= names else bill.joined(groups)
            texts.append(found)
        return texts

    @classmethod
    def of(
        cls,
        *,
        jurisdiction: str | None = None,
        title: str | None = "",
        summary: str | None = None,
        subjects: Iterable[str] = (),
        actions: Iterable[str] = (),
        extras: Mapping[str, Any] | None = None,
    ) -> BillText:
        """Build from plain values; ``extras["title_fr"]`` / ``["summary_fr"]`` are searched too."""
        texts: dict[str, str] = {}
        items: dict[str, list[str]] = {}
        for name, value in (("title", title), ("summary", summary)):
            if value:
                texts[name] = normalize(value)
        for key, value in (extras or {}).items():
            if field_group(key) in ("title", "summary") and "_" in key and isinstance(value, str) and value:
                texts[key] = normalize(value)
        for name, values in (("subjects", subjects), ("actions", actions)):
            kept = [normalize(v) for v in values if isinstance(v, str) and v]
            if kept:
                items[name] = kept
                texts[name] = SEPARATORS[name].join(kept)
        return cls(jurisdiction, texts, items)

    @classmethod
    def from_bill(cls, bill: Any) -> BillText:
        """From a stored ``monitor.models.Bill`` or a ``sources.base.BillRecord``."""
        actions = [a["description"] if isinstance(a, dict) else a.description for a in bill.actions]
        return cls.of(
            jurisdiction=bill.jurisdiction,
            title=bill.title,
            summary=bill.summary,
            subjects=bill.subjects or (),
            actions=actions,
            extras=bill.extras or {},
        )


@dataclass(frozen=True)
class HitInfo:
    """One piece of evidence: the field, the character span in that field's text, the text."""

    field: str
    start: int
    end: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "start": self.start, "end": self.end, "text": self.text}


class RuleMatch:
    """A rule that matched a bill, with the hits and a snippet around the first one.

    The evidence is gathered when first asked for: deciding that a rule matches is cheaper than
    collecting every hit, and many callers only need the decision.
    """

    def __init__(self, rule: Rule, bill: BillText, find_hits: Callable[[], Iterable[tuple[str, int, int]]]) -> None:
        self.rule = rule
        self.bill = bill
        self._find_hits = find_hits

    @property
    def rule_id(self) -> str:
        return self.rule.id

    @cached_property
    def hits(self) -> list[HitInfo]:
        return hit_infos(self.bill, self._find_hits())

    @cached_property
    def snippet(self) -> str:
        if not self.hits:
            return ""
        first_field = self.hits[0].field
        same_field = [(h.start, h.end) for h in self.hits if h.field == first_field]
        return snippet(self.bill.texts[first_field], _outermost(same_field))

    def __repr__(self) -> str:
        return f"RuleMatch({self.rule.id!r})"

    def words(self) -> list[str]:
        """The distinct matched texts, lower case, in order of appearance."""
        return list(dict.fromkeys(hit.text.lower() for hit in self.hits))

    def to_dict(self) -> dict[str, Any]:
        """The ``rules test --text --json`` shape: rule, name, weight, hits, snippet."""
        return {
            "rule": self.rule.id,
            "name": self.rule.name,
            "weight": self.rule.weight,
            "hits": [hit.to_dict() for hit in self.hits],
            "snippet": self.snippet,
        }


def hit_infos(bill: BillText, spans: Iterable[tuple[str, int, int]]) -> list[HitInfo]:
    """Sorted, de-duplicated hits (title first, then by position) with their text."""
    order = {name: i for i, name in enumerate(FIELD_ORDER)}
    unique = sorted(set(spans), key=lambda s: (order.get(s[0], len(order)), s[0], s[1], -s[2]))
    kept: list[tuple[str, int, int]] = []
    for name, start, end in unique:
        if kept and kept[-1][0] == name and start >= kept[-1][1] and end <= kept[-1][2]:
            continue  # inside the previous hit ("dossier de santé" in "dossier de santé électronique")
        kept.append((name, start, end))
    return [HitInfo(name, start, end, bill.texts[name][start:end]) for name, start, end in kept]


def snippet(text: str, spans: Sequence[tuple[int, int]], width: int = SNIPPET_WIDTH, mark: tuple[str, str] = MARK) -> str:
    """About ``width`` characters of ``text`` around the first span, every whole span inside marked.

    Cut ends are shown with "…"; runs of white space become one space.
    """
    spans = sorted(spans)
    first_start, first_end = spans[0]
    room = max(width - (first_end - first_start), 0)
    start = max(0, first_start - room // 2)
    end = min(len(text), max(first_end, start + width))
    start = max(0, min(start, end - width))
    start, end = _word_bounds(text, start, end, first_start, first_end)
    pieces: list[str] = ["…" if start > 0 else ""]
    at = start
    for span_start, span_end in spans:
        if span_start < at or span_end > end:
            continue
        pieces += [text[at:span_start], mark[0], text[span_start:span_end], mark[1]]
        at = span_end
    pieces += [text[at:end], "…" if end < len(text) else ""]
    return _SPACES.sub(" ", "".join(pieces)).strip()


def _word_bounds(text: str, start: int, end: int, first_start: int, first_end: int) -> tuple[int, int]:
    """Move a cut off the middle of a word, without cutting the first hit."""
    if start > 0 and not text[start - 1].isspace():
        space = text.find(" ", start, first_start)
        start = space + 1 if space >= 0 else start
    if end < len(text) and not text[end].isspace():
        space = text.rfind(" ", first_end, end)
        end = space if space >= 0 else end
    return start, end


def _outermost(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Drop spans inside others (the "e-prescribing" compound and its "e" part)."""
    kept: list[tuple[int, int]] = []
    for start, end in sorted(spans, key=lambda s: (s[0], -s[1])):
        if kept and start < kept[-1][1]:
            continue
        kept.append((start, end))
    return kept
