"""The parsed form of a query, and how each part is evaluated on one bill.

Evaluation happens in two steps. ``maybe(present)`` looks only at which word sequences (:class:`Seq`)
have all their words somewhere in the bill: it is cheap and never says no to a bill the query
matches. ``hits(doc, fields)`` then looks at positions and returns the evidence, or None when the
query does not match.

Words and word sequences (the leaves) are in rules/sequences.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from rules.sequences import FIELDS, Doc, Hit, Present, Seq, Span, Spec
from rules.term_frequency import frequency

__all__ = ["FIELDS", "And", "Doc", "Hit", "Near", "Node", "Not", "Or", "Present", "Seq", "Span", "Spec", "Term"]

class Node:
    """A part of a parsed query."""

    def maybe(self, present: Present) -> bool:
        raise NotImplementedError

    def hits(self, doc: Doc, groups: frozenset[str]) -> list[Hit] | None:
        raise NotImplementedError

    def test(self, doc: Doc, groups: frozenset[str]) -> bool:
        """Whether the node matches, stopping at the first evidence (hits() collects all of it)."""
        raise NotImplementedError

    def presence_only(self) -> bool:
        """True when which words occur decides the match: no phrase, NEAR, scope or exact case."""
        return all(term.simple() for term in self.terms()) and not self._has_near()

    def _has_near(self) -> bool:
        return False

    def decide(self, present: Present) -> bool:
        """The match decided from the present sequences alone (valid when presence_only())."""
        raise NotImplementedError

    def anchored(self) -> bool:
        """True when every match needs at least one of the query's own words."""
        raise NotImplementedError

    def anchor_terms(self) -> list[Term]:
        """Terms of which at least one occurs in every bill the query matches, chosen rare."""
        raise NotImplementedError

    def terms(self) -> Iterable[Term]:
        """Every word, phrase and wildcard of the query, NOT included."""
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

    def maybe(self, present: Present) -> bool:
        return any(seq in present for seq in self.alternatives)

    def spans(self, doc: Doc, groups: frozenset[str]) -> list[Span]:
        if self.scope is not None:
            groups = groups & {self.scope}
        found: list[Span] = []
        alternatives = self._possible(doc)
        if not alternatives:
            return found
        for name in doc.fields_in(groups):
            seen: set[tuple[int, int, int, int]] = set()
            for seq in alternatives:
                for occurrence in seq.spans(doc, name):
                    if occurrence not in seen:
                        seen.add(occurrence)
                        first, last, start, end = occurrence
                        found.append(Span(name, first, last, ((name, start, end),)))
        return found

    def hits(self, doc: Doc, groups: frozenset[str]) -> list[Hit] | None:
        spans = self.spans(doc, groups)
        return [hit for span in spans for hit in span.hits] if spans else None

    def test(self, doc: Doc, groups: frozenset[str]) -> bool:
        alternatives = self._possible(doc)
        if not alternatives:
            return False
        if self.scope is not None:
            groups = groups & {self.scope}
        return any(seq.spans(doc, name) for name in doc.fields_in(groups) for seq in alternatives)

    def simple(self) -> bool:
        return self.scope is None and all(
            len(seq.specs) == 1 and seq.specs[0].exact is None for seq in self.alternatives
        )

    def decide(self, present: Present) -> bool:
        return self.maybe(present)

    def _possible(self, doc: Doc) -> tuple[Seq, ...]:
        if doc.present is None:
            return self.alternatives
        return tuple(seq for seq in self.alternatives if seq in doc.present)

    def anchored(self) -> bool:
        return True

    def anchor_terms(self) -> list[Term]:
        return [self]

    def terms(self) -> Iterable[Term]:
        return (self,)

    def spans_positions(self) -> bool:
        return True

    def scopes(self) -> set[str]:
        return {self.scope} if self.scope else set()


@dataclass(frozen=True, eq=False)
class And(Node):
    children: tuple[Node, ...]

    def maybe(self, present: Present) -> bool:
        return all(child.maybe(present) for child in self.children)

    def hits(self, doc: Doc, groups: frozenset[str]) -> list[Hit] | None:
        found: list[Hit] = []
        for child in self.children:
            child_hits = child.hits(doc, groups)
            if child_hits is None:
                return None
            found.extend(child_hits)
        return found

    def test(self, doc: Doc, groups: frozenset[str]) -> bool:
        return all(child.test(doc, groups) for child in self.children)

    def decide(self, present: Present) -> bool:
        return all(child.decide(present) for child in self.children)

    def _has_near(self) -> bool:
        return any(child._has_near() for child in self.children)

    def anchored(self) -> bool:
        return any(child.anchored() for child in self.children)

    def anchor_terms(self) -> list[Term]:
        # Any anchored child is a necessary condition; the rarest sends fewest bills to evaluation.
        candidates = [child.anchor_terms() for child in self.children if child.anchored()]
        return min(candidates, key=_anchor_cost)

    def terms(self) -> Iterable[Term]:
        return (term for child in self.children for term in child.terms())

    def scopes(self) -> set[str]:
        return set().union(*(child.scopes() for child in self.children))


@dataclass(frozen=True, eq=False)
class Or(Node):
    children: tuple[Node, ...]
    # The sequences of the word/phrase children, checked with one set operation in maybe().
    _seqs: frozenset[Seq] = field(init=False, repr=False)
    _others: tuple[Node, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        terms = [c for c in self.children if isinstance(c, Term)]
        object.__setattr__(self, "_seqs", frozenset(seq for t in terms for seq in t.alternatives))
        object.__setattr__(self, "_others", tuple(c for c in self.children if not isinstance(c, Term)))

    def maybe(self, present: Present) -> bool:
        return not self._seqs.isdisjoint(present) or any(child.maybe(present) for child in self._others)

    def test(self, doc: Doc, groups: frozenset[str]) -> bool:
        return any(child.test(doc, groups) for child in self.children)

    def decide(self, present: Present) -> bool:
        return any(child.decide(present) for child in self.children)

    def _has_near(self) -> bool:
        return any(child._has_near() for child in self.children)

    def hits(self, doc: Doc, groups: frozenset[str]) -> list[Hit] | None:
        found: list[Hit] | None = None
        for child in self.children:
            child_hits = child.hits(doc, groups)
            if child_hits is not None:
                found = (found or []) + child_hits
        return found

    def anchored(self) -> bool:
        return all(child.anchored() for child in self.children)

    def anchor_terms(self) -> list[Term]:
        return [term for child in self.children for term in child.anchor_terms()]

    def terms(self) -> Iterable[Term]:
        return (term for child in self.children for term in child.terms())

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

    def maybe(self, present: Present) -> bool:
        return True  # a phrase can be absent although its words are present

    def hits(self, doc: Doc, groups: frozenset[str]) -> list[Hit] | None:
        return None if self.child.test(doc, groups) else []

    def test(self, doc: Doc, groups: frozenset[str]) -> bool:
        return not self.child.test(doc, groups)

    def decide(self, present: Present) -> bool:
        return not self.child.decide(present)

    def _has_near(self) -> bool:
        return self.child._has_near()

    def anchored(self) -> bool:
        return False

    def anchor_terms(self) -> list[Term]:
        return []

    def terms(self) -> Iterable[Term]:
        return self.child.terms()

    def scopes(self) -> set[str]:
        return self.child.scopes()


@dataclass(frozen=True, eq=False)
class Near(Node):
    """Both sides in the same field with at most ``distance`` words between them, either order."""

    left: Node
    right: Node
    distance: int
    column: int

    def maybe(self, present: Present) -> bool:
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
                if (a.last < b.first or b.last < a.first) and gap <= self.distance:
                    found.append(Span(a.field, min(a.first, b.first), max(a.last, b.last), a.hits + b.hits))
        return found

    def hits(self, doc: Doc, groups: frozenset[str]) -> list[Hit] | None:
        spans = self.spans(doc, groups)
        if not spans:
            return None
        return list(dict.fromkeys(hit for span in spans for hit in span.hits))

    def test(self, doc: Doc, groups: frozenset[str]) -> bool:
        return bool(self.spans(doc, groups))

    def _has_near(self) -> bool:
        return True

    def anchored(self) -> bool:
        return True

    def anchor_terms(self) -> list[Term]:
        return min((self.left.anchor_terms(), self.right.anchor_terms()), key=_anchor_cost)

    def terms(self) -> Iterable[Term]:
        return (term for side in (self.left, self.right) for term in side.terms())

    def spans_positions(self) -> bool:
        return True

    def scopes(self) -> set[str]:
        return self.left.scopes() | self.right.scopes()


def _anchor_cost(terms: list[Term]) -> float:
    """About how many bills in 100,000 have one of ``terms``: the lower, the fewer evaluations."""
    return sum(_seq_cost(seq) for term in terms for seq in term.alternatives)


def _seq_cost(seq: Seq) -> float:
    """About how many bills in 100,000 hold ``seq``: its rarest word's count, a tenth of it per
    further word (words side by side are rarer than either alone)."""
    return frequency(seq.anchor()) * 0.1 ** (len(seq.specs) - 1)
