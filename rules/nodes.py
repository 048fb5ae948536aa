"""The parsed form of a query, and how each part is evaluated on one bill.

Evaluation happens in two steps. ``maybe(present)`` looks only at which index keys occur anywhere in
the bill (a word, or a wildcard prefix that some word has): it is cheap and never says no to a bill
the query matches. ``hits(doc, fields)`` then looks at positions and returns the evidence, or None
when the query does not match.

An index key is the folded word ("telehealth") or, for a wildcard, the prefix with its star
("interoperab*").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from rules.text import Occurrence, fold_keep_case

#: Fields a query or a rule may name; a bill's French title is searched as ``title``.
FIELDS: tuple[str, ...] = ("title", "summary", "subjects", "actions")

#: (field, start, end): a span of characters in one field of a bill.
Hit = tuple[str, int, int]


@dataclass(frozen=True, slots=True)
class Span:
    """Where a term or NEAR group matched: field, first and last word position, the hits."""

    field: str
    first: int
    last: int
    hits: tuple[Hit, ...]


class Doc(Protocol):
    """A bill's text indexed by position (see rules.matcher.PositionalDoc)."""

    def fields_in(self, groups: frozenset[str]) -> Sequence[str]: ...

    def index(self, field: str) -> Mapping[str, list[Occurrence]]: ...

    def text(self, field: str) -> str: ...


@dataclass(frozen=True, slots=True)
class Spec:
    """One word of a term: an exact folded word, a prefix (wildcard), or an exact-case word."""

    term: str
    prefix: bool = False
    exact: str | None = None  # the word as written after "=", case kept

    @property
    def key(self) -> str:
        return self.term + "*" if self.prefix else self.term

    def occurrences(self, doc: Doc, field: str) -> list[Occurrence]:
        index = doc.index(field)
        if self.prefix:
            found = [o for word, occs in index.items() if word.startswith(self.term) for o in occs]
            return found
        found = index.get(self.term, [])
        if self.exact is not None:
            text = doc.text(field)
            found = [o for o in found if fold_keep_case(text[o.start : o.end]) == self.exact]
        return found


@dataclass(frozen=True, slots=True)
class Seq:
    """Words that must follow one another (a phrase, or the parts of "patient's")."""

    specs: tuple[Spec, ...]

    def maybe(self, present: set[str] | frozenset[str]) -> bool:
        return all(spec.key in present for spec in self.specs)

    def spans(self, doc: Doc, field: str) -> list[tuple[int, int, int, int]]:
        """(first, last, start, end) of every place the sequence occurs in ``field``."""
        firsts = self.specs[0].occurrences(doc, field)
        if len(self.specs) == 1:
            return [(o.first, o.last, o.start, o.end) for o in firsts]
        following = [{o.first: o for o in spec.occurrences(doc, field)} for spec in self.specs[1:]]
        found = []
        for occurrence in firsts:
            last, end = occurrence.last, occurrence.end
            for by_first in following:
                after = by_first.get(last + 1)
                if after is None:
                    break
                last, end = after.last, after.end
            else:
                found.append((occurrence.first, last, occurrence.start, end))
        return found

    def anchor(self) -> str:
        """The key to index this sequence by: its longest exact word, else its longest prefix."""
        return max(self.specs, key=lambda s: (not s.prefix, len(s.term))).key


class Node:
    """A part of a parsed query."""

    def maybe(self, present: set[str] | frozenset[str]) -> bool:
        raise NotImplementedError

    def hits(self, doc: Doc, groups: frozenset[str]) -> list[Hit] | None:
        raise NotImplementedError

    def anchored(self) -> bool:
        """True when every match needs at least one of the query's own words."""
        raise NotImplementedError

    def anchors(self) -> set[str]:
        """Index keys of which at least one occurs in every bill the query matches."""
        raise NotImplementedError

    def keys(self) -> Iterable[str]:
        """Every index key the query mentions (to know which ones a bill has)."""
        raise NotImplementedError

    def spans_positions(self) -> bool:
        """True when the node yields positioned spans (a side of NEAR)."""
        return False

    def spans(self, doc: Doc, groups: frozenset[str]) -> list[Span]:
        raise NotImplementedError

    def scopes(self) -> set[str]:
        """Fields named by field scopes (title:...) inside the query."""
        raise NotImplementedError


@dataclass(frozen=True, eq=False)
class Term(Node):
    """A word, wildcard, exact-case word or phrase: any of its sequences, in the scoped field."""

    alternatives: tuple[Seq, ...]
    text: str
    column: int
    scope: str | None = None
    phrase: bool = False

    def maybe(self, present: set[str] | frozenset[str]) -> bool:
        return any(seq.maybe(present) for seq in self.alternatives)

    def spans(self, doc: Doc, groups: frozenset[str]) -> list[Span]:
        if self.scope is not None:
            groups = groups & {self.scope}
        found: list[Span] = []
        for name in doc.fields_in(groups):
            seen: set[tuple[int, int]] = set()
            for seq in self.alternatives:
                for first, last, start, end in seq.spans(doc, name):
                    if (start, end) not in seen:
                        seen.add((start, end))
                        found.append(Span(name, first, last, ((name, start, end),)))
        return found

    def hits(self, doc: Doc, groups: frozenset[str]) -> list[Hit] | None:
        spans = self.spans(doc, groups)
        return [hit for span in spans for hit in span.hits] if spans else None

    def anchored(self) -> bool:
        return True

    def anchors(self) -> set[str]:
        return {seq.anchor() for seq in self.alternatives}

    def keys(self) -> Iterable[str]:
        return (spec.key for seq in self.alternatives for spec in seq.specs)

    def spans_positions(self) -> bool:
        return True

    def scopes(self) -> set[str]:
        return {self.scope} if self.scope else set()


@dataclass(frozen=True, eq=False)
class And(Node):
    children: tuple[Node, ...]

    def maybe(self, present: set[str] | frozenset[str]) -> bool:
        return all(child.maybe(present) for child in self.children)

    def hits(self, doc: Doc, groups: frozenset[str]) -> list[Hit] | None:
        found: list[Hit] = []
        for child in self.children:
            child_hits = child.hits(doc, groups)
            if child_hits is None:
                return None
            found.extend(child_hits)
        return found

    def anchored(self) -> bool:
        return any(child.anchored() for child in self.children)

    def anchors(self) -> set[str]:
        # Any anchored child is a necessary condition; the one with the fewest, longest keys
        # sends the fewest bills to evaluation.
        candidates = [child.anchors() for child in self.children if child.anchored()]
        return min(candidates, key=_anchor_cost)

    def keys(self) -> Iterable[str]:
        return (key for child in self.children for key in child.keys())

    def scopes(self) -> set[str]:
        return set().union(*(child.scopes() for child in self.children))


@dataclass(frozen=True, eq=False)
class Or(Node):
    children: tuple[Node, ...]

    def maybe(self, present: set[str] | frozenset[str]) -> bool:
        return any(child.maybe(present) for child in self.children)

    def hits(self, doc: Doc, groups: frozenset[str]) -> list[Hit] | None:
        found: list[Hit] | None = None
        for child in self.children:
            child_hits = child.hits(doc, groups)
            if child_hits is not None:
                found = (found or []) + child_hits
        return found

    def anchored(self) -> bool:
        return all(child.anchored() for child in self.children)

    def anchors(self) -> set[str]:
        return set().union(*(child.anchors() for child in self.children))

    def keys(self) -> Iterable[str]:
        return (key for child in self.children for key in child.keys())

    def spans_positions(self) -> bool:
        return all(child.spans_positions() for child in self.children)

    def spans(self, doc: Doc, groups: frozenset[str]) -> list[Span]:
        return [span for child in self.children for span in child.spans(doc, groups)]

    def scopes(self) -> set[str]:
        return set().union(*(child.scopes() for child in self.children))


@dataclass(frozen=True, eq=False)
class Not(Node):
    child: Node
    column: int

    def maybe(self, present: set[str] | frozenset[str]) -> bool:
        return True  # a phrase can be absent although its words are present

    def hits(self, doc: Doc, groups: frozenset[str]) -> list[Hit] | None:
        return [] if self.child.hits(doc, groups) is None else None

    def anchored(self) -> bool:
        return False

    def anchors(self) -> set[str]:
        return set()

    def keys(self) -> Iterable[str]:
        return self.child.keys()

    def scopes(self) -> set[str]:
        return self.child.scopes()


@dataclass(frozen=True, eq=False)
class Near(Node):
    """Both sides in the same field with at most ``distance`` words between them, either order."""

    left: Node
    right: Node
    distance: int
    column: int

    def maybe(self, present: set[str] | frozenset[str]) -> bool:
        return self.left.maybe(present) and self.right.maybe(present)

    def spans(self, doc: Doc, groups: frozenset[str]) -> list[Span]:
        lefts = self.left.spans(doc, groups)
        if not lefts:
            return []
        rights = self.right.spans(doc, groups)
        found = []
        for a in lefts:
            for b in rights:
                if a.field != b.field:
                    continue
                gap = b.first - a.last - 1 if a.last < b.first else a.first - b.last - 1
                if a.last < b.first or b.last < a.first:
                    if gap <= self.distance:
                        found.append(Span(a.field, min(a.first, b.first), max(a.last, b.last), a.hits + b.hits))
        return found

    def hits(self, doc: Doc, groups: frozenset[str]) -> list[Hit] | None:
        spans = self.spans(doc, groups)
        if not spans:
            return None
        return list(dict.fromkeys(hit for span in spans for hit in span.hits))

    def anchored(self) -> bool:
        return True

    def anchors(self) -> set[str]:
        return min((self.left.anchors(), self.right.anchors()), key=_anchor_cost)

    def keys(self) -> Iterable[str]:
        return (key for side in (self.left, self.right) for key in side.keys())

    def spans_positions(self) -> bool:
        return True

    def scopes(self) -> set[str]:
        return self.left.scopes() | self.right.scopes()


def _anchor_cost(keys: set[str]) -> tuple[int, int]:
    """Fewer keys, and longer ones, are rarer in bill text."""
    prefixes = sum(1 for k in keys if k.endswith("*"))
    return (len(keys) + prefixes, -min((len(k) for k in keys), default=0))
