"""Words and sequences of words, the leaves of a parsed query, and the document they are looked up in.

An index key is the folded word ("telehealth") or, for a wildcard, the prefix with its star
("interoperab*").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from rules.term_frequency import frequency
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
    """A bill's text indexed by position (see rules.matcher.PositionalDoc).

    ``present`` holds the sequences whose words all occur in the bill (None: not known); a
    sequence outside it cannot occur, so it is not looked for.
    """

    present: Present | None

    def fields_in(self, groups: frozenset[str]) -> Sequence[str]: ...

    def index(self, field: str, spans: bool = False) -> Mapping[str, list[Occurrence]]: ...

    def words_with_prefix(self, field: str, prefix: str) -> Sequence[str]: ...

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
        index = doc.index(field, spans=self.exact is not None)
        if self.prefix:
            return [o for word in doc.words_with_prefix(field, self.term) for o in index[word]]
        found = index.get(self.term, [])
        if self.exact is not None:
            text = doc.text(field)
            found = [o for o in found if fold_keep_case(text[o[2] : o[3]]) == self.exact]
        return found


@dataclass(frozen=True, slots=True, eq=False)
class Seq:
    """Words that must follow one another (a phrase, or the parts of "patient's")."""

    specs: tuple[Spec, ...]

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(spec.key for spec in self.specs)

    def spans(self, doc: Doc, field: str) -> list[tuple[int, int, int, int]]:
        """(first, last, start, end) of every place the sequence occurs in ``field``."""
        firsts = self.specs[0].occurrences(doc, field)
        if len(self.specs) == 1:
            return firsts
        # By first position, every occurrence: a wildcard may find both a compound's part and the
        # compound joined there ("authoriz*" in "authorization-request": "authorization" and
        # "authorizationrequest"), and either may be the one the phrase continues from.
        following: list[dict[int, list[tuple[int, int, int, int]]]] = []
        for spec in self.specs[1:]:
            by_first: dict[int, list[tuple[int, int, int, int]]] = {}
            for occurrence in spec.occurrences(doc, field):
                by_first.setdefault(occurrence[0], []).append(occurrence)
            following.append(by_first)
        found = []
        for occurrence in firsts:
            chains = [occurrence]
            for by_first in following:
                chains = [
                    (first, after[1], start, after[3])
                    for first, last, start, _ in chains
                    for after in by_first.get(last + 1, ())
                ]
                if not chains:
                    break
            found.extend(chains)
        return found

    def anchor(self) -> str:
        """The key to index this sequence by: its rarest word in bill text."""
        return min((spec.key for spec in self.specs), key=lambda key: (frequency(key), -len(key)))


#: The word sequences all of whose words occur in a bill.
Present = set[Seq] | frozenset[Seq]
