"""A bill's text indexed by word position, built only for the bills and rules that need it."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterator, Mapping
from itertools import compress, count

from rules.explain import SEPARATORS, BillText, field_group
from rules.sequences import Present
from rules.text import (
    ITEM_GAP,
    Occurrence,
    fold,
    index_positions,
    index_terms,
    position_words,
)


class PositionalDoc:
    """One bill's fields indexed by term, with word positions; each field indexed when first asked.

    ``spans``: index character spans too (for evidence); without, only word positions, which is
    enough to decide phrases and NEAR and several times faster. Exact-case words always get spans.
    """

    def __init__(self, bill: BillText, present: Present | None = None, spans: bool = False) -> None:
        self.bill = bill
        self.present = present
        self.spans = spans
        self._indexes: dict[tuple[str, bool], _FieldIndex | _WordList] = {}
        self._sorted: dict[str, list[str]] = {}
        self._searchable: dict[str, str] = {}

    def fields_in(self, groups: frozenset[str]) -> list[str]:
        return [name for name in self.bill.texts if field_group(name) in groups]

    def text(self, field: str) -> str:
        return self.bill.texts[field]

    def words_with_prefix(self, field: str, prefix: str) -> list[str]:
        """The field's words that start with ``prefix`` (binary search in its sorted words)."""
        if prefix not in self.searchable(field):
            return []
        words = self._sorted.get(field)
        if words is None:
            words = self._sorted[field] = sorted(self.index(field))
        found = []
        for word in words[bisect_left(words, prefix) :]:
            if not word.startswith(prefix):
                break
            found.append(word)
        return found

    def index(self, field: str, spans: bool = False) -> Mapping[str, list[Occurrence]]:
        """The field's words and their occurrences; built when a word that may be there is asked for."""
        key = (field, spans or self.spans)
        found = self._indexes.get(key)
        if found is None:
            words = None if key[1] or field in self.bill.items else position_words(self.bill.texts[field])
            if words is not None:
                found = self._indexes[key] = _WordList(self.searchable(field), words)
            else:
                found = self._indexes[key] = _FieldIndex(self.searchable(field), lambda: self._build(*key))
        return found

    def searchable(self, field: str) -> str:
        """The field's text folded, hyphens removed: every word of its index (a compound's parts
        and joined form too) is a substring of it, so a word that is not cannot occur."""
        found = self._searchable.get(field)
        if found is None:
            found = self._searchable[field] = fold(self.bill.texts[field])[0].replace("-", "")
        return found

    def _build(self, field: str, spans: bool) -> dict[str, list[Occurrence]]:
        items = self.bill.items.get(field)
        if items is None:
            return index_terms(self.bill.texts[field])[0] if spans else index_positions(self.bill.texts[field])[0]
        index: dict[str, list[Occurrence]] = {}
        position, offset = 0, 0
        separator = len(SEPARATORS[field])
        for item in items:
            if spans:
                _, position = index_terms(item, index, position, offset)
            else:
                _, position = index_positions(item, index, position)
            position += ITEM_GAP
            offset += len(item) + separator
        return index


class _FieldIndex(Mapping[str, list[Occurrence]]):
    """A field's index, built on the first look-up of a word found in the field's text.

    Most look-ups are of words a rule needs that the bill lacks in this field (it has them in
    another): a substring test answers those without splitting the field into words.
    """

    def __init__(self, searchable: str, build: Callable[[], dict[str, list[Occurrence]]]) -> None:
        self._searchable = searchable
        self._build = build
        self._index: dict[str, list[Occurrence]] | None = None

    def _built(self) -> dict[str, list[Occurrence]]:
        if self._index is None:
            self._index = self._build()
        return self._index

    def get(self, term: str, default: list[Occurrence] | None = None) -> list[Occurrence] | None:  # type: ignore[override]
        return self._built().get(term, default) if term in self._searchable else default

    def __getitem__(self, term: str) -> list[Occurrence]:
        if term not in self._searchable:
            raise KeyError(term)
        return self._built()[term]

    def __iter__(self) -> Iterator[str]:
        return iter(self._built())

    def __len__(self) -> int:
        return len(self._built())


class _WordList(Mapping[str, list[Occurrence]]):
    """A field's words by position (text.position_words), looked up by comparing each in C."""

    def __init__(self, searchable: str, words: list[str]) -> None:
        self._searchable = searchable
        self._words = words

    def get(self, term: str, default: list[Occurrence] | None = None) -> list[Occurrence] | None:  # type: ignore[override]
        if term not in self._searchable:
            return default
        found = [(position, position, -1, -1) for position in compress(count(), map(term.__eq__, self._words))]
        return found or default

    def __getitem__(self, term: str) -> list[Occurrence]:
        found = self.get(term)
        if found is None:
            raise KeyError(term)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(word for word in self._words if word != "\x02"))

    def __len__(self) -> int:
        return sum(1 for _ in self)
