"""All rules compiled together: each bill is read once, and only rules whose words occur are tried.

How a bill is matched:

1. Its searched fields are folded and split into a set of terms (one regular-expression pass).
2. Terms seen for the first time are classified once, against the words and wildcard prefixes of
   all rules (a hash look-up per prefix length), and remembered; a set intersection then gives the
   index keys present in the bill.
3. Each present key names the rules anchored on it (an inverted index from key to rules); those
   rules are checked for presence of all the words they need, and only the survivors are evaluated
   on a positional index of the bill, built once, on demand.

So the cost per bill grows with the bill's text, and with the number of rules only through the
rules whose words the bill actually contains.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rules.explain import SEPARATORS, BillText, RuleMatch, field_group, rule_match
from rules.nodes import Hit
from rules.ruleset import Rule
from rules.text import ITEM_GAP, Occurrence, fold, index_terms, term_set

#: Forget classified terms past this many (a long-running process meets endless new words).
_CACHE_LIMIT = 2_000_000


class PositionalDoc:
    """One bill's fields indexed by term, with word positions; each field indexed when first asked."""

    def __init__(self, bill: BillText) -> None:
        self.bill = bill
        self._indexes: dict[str, dict[str, list[Occurrence]]] = {}

    def fields_in(self, groups: frozenset[str]) -> list[str]:
        return [name for name in self.bill.texts if field_group(name) in groups]

    def text(self, field: str) -> str:
        return self.bill.texts[field]

    def index(self, field: str) -> Mapping[str, list[Occurrence]]:
        found = self._indexes.get(field)
        if found is None:
            found = self._indexes[field] = self._build(field)
        return found

    def _build(self, field: str) -> dict[str, list[Occurrence]]:
        items = self.bill.items.get(field)
        if items is None:
            return index_terms(self.bill.texts[field])[0]
        index: dict[str, list[Occurrence]] = {}
        position, offset = 0, 0
        separator = len(SEPARATORS[field])
        for item in items:
            _, position = index_terms(item, index, position, offset)
            position += ITEM_GAP
            offset += len(item) + separator
        return index


class Matcher:
    """The compiled form of a list of rules (disabled rules are left out)."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = [rule for rule in rules if rule.enabled]
        self.groups = frozenset().union(*(rule.fields for rule in self.rules)) if self.rules else frozenset()
        self._key_rules: dict[str, list[int]] = {}
        self._words: set[str] = set()
        self._prefixes: set[str] = set()
        for number, rule in enumerate(self.rules):
            for key in rule.query.anchors():
                self._key_rules.setdefault(key, []).append(number)
            nodes = [rule.query] + ([rule.exclude] if rule.exclude is not None else [])
            for key in (k for node in nodes for k in node.keys()):
                (self._prefixes.add(key[:-1]) if key.endswith("*") else self._words.add(key))
        self._prefix_lengths = sorted({len(p) for p in self._prefixes})
        self._keys_of: dict[str, tuple[str, ...]] = {}  # term -> index keys it supplies
        self._seen: set[str] = set()
        self._interesting: set[str] = set()
        self._by_jurisdiction: dict[str | None, frozenset[int]] = {}

    def match(self, bill: BillText) -> list[RuleMatch]:
        """The rules that match ``bill``, in rule order, each with hits and a snippet."""
        candidates = self.candidates(bill)
        if not candidates:
            return []
        doc = PositionalDoc(bill)
        found = []
        for number in candidates:
            rule = self.rules[number]
            hits = evaluate(rule, doc)
            if hits is not None:
                found.append(rule_match(rule, bill, hits))
        return found

    def candidates(self, bill: BillText) -> list[int]:
        """Numbers of the rules worth evaluating on ``bill``: their words are all present."""
        present = self.present_keys(bill)
        if not present:
            return []
        numbers: set[int] = set()
        for key in present:
            numbers.update(self._key_rules.get(key, ()))
        allowed = self._allowed(bill.jurisdiction)
        return sorted(n for n in numbers if n in allowed and self.rules[n].query.maybe(present))

    def present_keys(self, bill: BillText) -> set[str]:
        """The index keys (words, wildcard prefixes) found anywhere in the bill's searched fields."""
        texts = [text for name, text in bill.texts.items() if field_group(name) in self.groups]
        terms = term_set(fold("\n".join(texts))[0])
        new = terms.difference(self._seen)
        if new:
            self._classify(new)
        present: set[str] = set()
        for term in terms.intersection(self._interesting):
            present.update(self._keys_of[term])
        return present

    def _classify(self, terms: set[str]) -> None:
        if len(self._seen) > _CACHE_LIMIT:
            self._seen.clear()
            self._interesting.clear()
            self._keys_of.clear()
        for term in terms:
            keys = [term] if term in self._words else []
            for length in self._prefix_lengths:
                if length > len(term):
                    break
                if term[:length] in self._prefixes:
                    keys.append(term[:length] + "*")
            if keys:
                self._keys_of[term] = tuple(keys)
                self._interesting.add(term)
        self._seen.update(terms)

    def _allowed(self, jurisdiction: str | None) -> frozenset[int]:
        allowed = self._by_jurisdiction.get(jurisdiction)
        if allowed is None:
            allowed = frozenset(n for n, rule in enumerate(self.rules) if rule.applies_to(jurisdiction))
            self._by_jurisdiction[jurisdiction] = allowed
        return allowed


def evaluate(rule: Rule, doc: PositionalDoc) -> list[Hit] | None:
    """The hits of ``rule`` on a bill, or None when its query does not match or its exclude does."""
    hits = rule.query.hits(doc, rule.fields)
    if hits is None:
        return None
    if rule.exclude is not None and rule.exclude.hits(doc, rule.fields) is not None:
        return None
    return hits
