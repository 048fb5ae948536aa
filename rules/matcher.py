"""All rules compiled together: a bill is read once, and only rules whose words occur are tried.

How a bill is matched:

1. Every word sequence of every rule (a word, a phrase, the parts of a compound) is indexed under
   its rarest word (word frequencies of real bills, rules/term_frequency.py). A rule is anchored
   on some of its terms: every bill it matches has one of them (for A AND B, the rarer side); a
   phrase of plain words is anchored on its rarest pair of adjacent words.
2. The bill's searched fields are folded and split into words with byte operations (a regular
   expression for other scripts). Words seen for the first time are classified once (exact word;
   wildcard prefixes by a hash look-up per prefix length) and remembered. When no anchor word or
   pair is among them, which set operations tell, the bill is done: nothing can match it.
3. Otherwise the sequences whose words are all present are "satisfied"; a rule is a candidate when
   one of its anchor sequences is satisfied, its boolean structure agrees with the satisfied
   sequences, and its jurisdictions admit the bill.
4. A candidate whose query needs no positions (single words; no phrase, NEAR, scope or exact
   case) is decided from the satisfied sequences; the others are checked on a positional index of
   the bill, built once, on demand. The evidence (hits, snippet) is gathered when first asked for.

So the cost per bill grows with the bill's text, and with the number of rules only through the
rules whose words the bill actually contains.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import compress, count, pairwise

from rules import batch, prefilter
from rules.explain import BillText, RuleMatch
from rules.nodes import Seq
from rules.positions import PositionalDoc
from rules.ruleset import Rule
from rules.term_frequency import frequency
from rules.text import WORD_BYTES, WORD_RE, fold

#: Forget classified terms past this many (a long-running process meets endless new words).
_CACHE_LIMIT = 2_000_000
#: Fewer bills than this are matched one by one: the joint search would not pay for itself.
_BATCH_LEAST = 8
#: From this many bills, match_many compiles the rules for Hyperscan (rules/batch.py): about a
#: second for the pack with 500 more rules, won back within a few ten thousand bills. Once
#: compiled, every batch of _BATCH_LEAST or more uses it.
COMPILE_LEAST = 20_000
_FIELD_SETS: dict[frozenset[str], frozenset[str]] = {}  # at most one per subset of the fields



class Matcher:
    """The compiled form of a list of rules (disabled rules are left out)."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = [rule for rule in rules if rule.enabled]
        groups = frozenset().union(*(rule.fields for rule in self.rules)) if self.rules else frozenset()
        # One object per set of fields: bills keep their joined text by it (BillText.joined), and a
        # lookup by the same object skips comparing sets (a back-test runs two matchers on the same bills).
        self.groups = _FIELD_SETS.setdefault(groups, groups)
        self._anchored: dict[str, list[tuple[Seq, frozenset[str]]]] = {}  # rarest key -> sequences
        self._triggers: dict[Seq, list[int]] = {}  # anchor sequence -> rules it may make match
        self._words: set[str] = set()
        self._prefixes: set[str] = set()
        seqs: set[Seq] = set()
        self._by_presence: list[bool] = []
        for number, rule in enumerate(self.rules):
            for term in rule.query.anchor_terms():
                for seq in term.alternatives:
                    self._triggers.setdefault(seq, []).append(number)
            nodes = [rule.query] + ([rule.exclude] if rule.exclude is not None else [])
            seqs.update(seq for node in nodes for term in node.terms() for seq in term.alternatives)
            self._by_presence.append(rule.fields >= self.groups and all(n.presence_only() for n in nodes))
        for seq in seqs:
            self._anchored.setdefault(seq.anchor(), []).append((seq, seq.keys))
            for key in seq.keys:
                (self._prefixes.add(key[:-1]) if key.endswith("*") else self._words.add(key))
        self._anchor_keys = set(self._anchored)
        self._pairs: dict[bytes, set[tuple[int, bytes]]] = {}  # word -> (offset, neighbour)
        self._trigger_keys: set[str] = set()
        self._index_triggers()
        self._pair_words = set(self._pairs)
        self._prefix_lengths = sorted({len(p) for p in self._prefixes})
        self._keys_of: dict[bytes, tuple[str, ...]] = {}  # term -> index keys it supplies
        self._seen: set[bytes] = set()
        self._interesting: set[bytes] = set()  # terms supplying an index key
        self._triggering: set[bytes] = set()  # terms supplying a single-word anchor key
        self._by_jurisdiction: dict[str | None, frozenset[int]] = {}
        self._search: prefilter.AnchorSearch | None = None  # built on the first match_many
        self._batch: batch.BatchMatch | None = None  # (the one in use: see match_many)

    def _index_triggers(self) -> None:
        """A phrase of plain words triggers on its rarest pair of adjacent words (looked up at the
        rarer word of the pair, the neighbour checked); other sequences on their rarest key."""
        for seq in self._triggers:
            pair = _rarest_pair(seq)
            if pair is None:
                self._trigger_keys.add(seq.anchor())
                continue
            first, second = pair
            if frequency(first) <= frequency(second):
                self._pairs.setdefault(first.encode(), set()).add((1, second.encode()))
            else:
                self._pairs.setdefault(second.encode(), set()).add((-1, first.encode()))

    def match(self, bill: BillText) -> list[RuleMatch]:
        """The rules that match ``bill``, in rule order, each with its evidence (hits, snippet)."""
        if not self.rules:
            return []
        words = self._words_of(bill)
        terms = set(words)
        new = terms.difference(self._seen)
        if new:
            self._classify(new)
        if terms.isdisjoint(self._triggering) and not self._pair_in(words, terms):
            return []  # no anchor word of any rule: nothing can match (the common case)
        keys = set().union(*map(self._keys_of.__getitem__, terms.intersection(self._interesting)))
        return self._evaluate(bill, keys)

    def match_many(self, bills: Sequence[BillText]) -> list[list[RuleMatch]]:
        """:meth:`match` for each bill, faster for many bills. Once compiled (:meth:`compile_batch`,
        done here from COMPILE_LEAST bills), with ``hyperscan``: the bills are searched jointly and
        the rules decided by set operations (rules/batch.py). Else with ``ahocorasick-rs``: one
        search finds the few bills holding an anchor of some rule (rules/prefilter.py), and only
        those are matched word by word. Else bill by bill. The results are the same."""
        if not self.rules or len(bills) < _BATCH_LEAST:
            return [self.match(bill) for bill in bills]
        if self._batch is None and len(bills) >= COMPILE_LEAST and batch.available():
            self.compile_batch()
        if self._batch is not None:
            return self._batch.match(bills)
        if not prefilter.available():
            return [self.match(bill) for bill in bills]
        if self._search is None:
            self._search = self._anchor_search()
        candidates = self._search.candidates([self._folded(bill) for bill in bills])
        return [self.match(bill) if index in candidates else [] for index, bill in enumerate(bills)]

    def compile_batch(self) -> bool:
        """Compile the rules for matching many bills at once (rules/batch.py), whatever the batch
        size from now on; False when ``hyperscan`` is not installed."""
        if self._batch is None and self.rules and batch.available():
            self._batch = batch.BatchMatch(self.rules, self.groups, self._triggers, self._keys_for, self.match)
        return self._batch is not None

    def _anchor_search(self) -> prefilter.AnchorSearch:
        pairs = [
            (rare, other, rare) if offset == 1 else (other, rare, rare)
            for rare, neighbours in ((word.decode(), found) for word, found in self._pairs.items())
            for offset, other in ((offset, other.decode()) for offset, other in neighbours)
        ]
        strict = [_strict_anchor(seq) for seq in self._triggers if _rarest_pair(seq) is None]
        return prefilter.AnchorSearch(self._trigger_keys, pairs, strict)

    def _folded(self, bill: BillText) -> str:
        """The searched fields' text without accents (lower case unless already ASCII)."""
        text = bill.joined(self.groups)
        return text if text.isascii() else fold(text)[0]

    def candidates(self, bill: BillText) -> list[int]:
        """Numbers of the rules worth evaluating on ``bill``: the words they need are all present."""
        return self._candidates(self.present_keys(bill), bill.jurisdiction)[0]

    def present_keys(self, bill: BillText) -> set[str]:
        """The index keys (words, wildcard prefixes) found anywhere in the bill's searched fields."""
        terms = set(self._words_of(bill))
        new = terms.difference(self._seen)
        if new:
            self._classify(new)
        return set().union(*map(self._keys_of.__getitem__, terms.intersection(self._interesting)))

    def _words_of(self, bill: BillText) -> list[bytes]:
        """The words of the searched fields, in order, lower case without accents; a hyphenated
        compound is one word ("e-prescribing")."""
        text = bill.joined(self.groups)
        if not text.isascii():
            text = fold(text)[0]  # accents and typographic punctuation: usually ASCII after this
            if not text.isascii():  # another script: words in order, a compound as one word
                return [word.encode("utf-8") for word in WORD_RE.findall(text)]
        return text.encode("ascii").translate(WORD_BYTES).split()  # other text is folded first

    def _pair_in(self, words: list[bytes], terms: set[bytes]) -> bool:
        """True when an anchor pair of adjacent words is in ``words``; the neighbour may be the
        near end of a hyphenated compound, or the compound joined ("e-prescribing mandate")."""
        if terms.isdisjoint(self._pair_words):
            return False
        for position in compress(count(), map(self._pairs.__contains__, words)):
            for offset, other in self._pairs[words[position]]:
                if 0 <= position + offset < len(words) and _neighbour(words[position + offset], other, offset):
                    return True
        return False

    def _evaluate(self, bill: BillText, keys: set[str]) -> list[RuleMatch]:
        candidates, present = self._candidates(keys, bill.jurisdiction)
        found: list[RuleMatch] = []
        doc: PositionalDoc | None = None
        for number in candidates:
            rule = self.rules[number]
            if self._by_presence[number]:
                matched = rule.query.decide(present) and not (rule.exclude and rule.exclude.decide(present))
            else:
                doc = doc or PositionalDoc(bill, present)
                matched = rule.query.test(doc, rule.fields) and not (
                    rule.exclude is not None and rule.exclude.test(doc, rule.fields)
                )
            if matched:
                found.append(RuleMatch(rule, bill, _evidence(rule, bill, present)))
        return found

    def _candidates(self, present: set[str], jurisdiction: str | None) -> tuple[list[int], set[Seq]]:
        """Candidate rule numbers, and the sequences whose words are all in ``present``."""
        satisfied: set[Seq] = set()
        for key in present.intersection(self._anchor_keys):
            for seq, keys in self._anchored[key]:
                if keys <= present:
                    satisfied.add(seq)
        numbers: set[int] = set()
        for seq in satisfied:
            numbers.update(self._triggers.get(seq, ()))
        if not numbers:
            return [], satisfied
        allowed = self._allowed(jurisdiction)
        return sorted(n for n in numbers if n in allowed and self.rules[n].query.maybe(satisfied)), satisfied

    def _classify(self, terms: set[bytes]) -> None:
        if len(self._seen) > _CACHE_LIMIT:
            self._seen.clear()
            self._interesting.clear()
            self._triggering.clear()
            self._keys_of.clear()
        for raw in terms:
            keys = self._keys_for(raw.decode("utf-8"))
            if keys:
                self._keys_of[raw] = keys
                self._interesting.add(raw)
                if not self._trigger_keys.isdisjoint(keys):
                    self._triggering.add(raw)
            if b"-" in raw and any(part in self._pairs for part in (*raw.split(b"-"), raw.replace(b"-", b""))):
                self._triggering.add(raw)  # a compound may hold a phrase's pair of words, or be one of them
        self._seen.update(terms)

    def _keys_for(self, term: str) -> tuple[str, ...]:
        """The index keys a word supplies; a hyphenated word supplies its parts' and its joined form's."""
        if "-" in term:
            parts = [part for part in term.split("-") if part]
            words = parts + (["".join(parts)] if len(parts) > 1 else [])
            return tuple(dict.fromkeys(key for word in words for key in self._keys_for(word)))
        keys = [term] if term in self._words else []
        for length in self._prefix_lengths:
            if length > len(term):
                break
            if term[:length] in self._prefixes:
                keys.append(term[:length] + "*")
        return tuple(keys)

    def _allowed(self, jurisdiction: str | None) -> frozenset[int]:
        allowed = self._by_jurisdiction.get(jurisdiction)
        if allowed is None:
            allowed = frozenset(n for n, rule in enumerate(self.rules) if rule.applies_to(jurisdiction))
            self._by_jurisdiction[jurisdiction] = allowed
        return allowed


def _neighbour(word: bytes, other: bytes, offset: int) -> bool:
    """True when ``word``, ``offset`` words from a pair's rarer word (-1 before it, 1 after it),
    supplies the pair's other word ``other``: as itself, as the compound's part next to the rarer
    word ("e-prescribing" before "mandate" supplies "prescribing"), or as the compound joined
    ("eprescribing")."""
    if word == other:
        return True
    if b"-" not in word:
        return False
    parts = [part for part in word.split(b"-") if part]
    return bool(parts) and ((parts[0] if offset == 1 else parts[-1]) == other or b"".join(parts) == other)


def _rarest_pair(seq: Seq) -> tuple[str, str] | None:
    """The rarest two adjacent words of a phrase of plain words; None for other sequences.

    Words of a hyphenated compound in the text are one word here ("health-care"): a compound
    holding the rarer word triggers (Matcher._classify), and the neighbour is compared with the
    compound's near part and its joined form (_neighbour).
    """
    specs = seq.specs
    if len(specs) < 2 or any(spec.prefix or spec.exact is not None for spec in specs):
        return None
    pairs = [(a.term, b.term) for a, b in pairwise(specs)]
    return min(pairs, key=lambda pair: frequency(pair[0]) * frequency(pair[1]))


def _strict_anchor(seq: Seq) -> str | tuple[str, str]:
    """What a bill without hyphens must contain for ``seq`` to occur (rules/prefilter.py): the rarest
    two adjacent words of a phrase (the first a whole word), else the sequence's anchor key."""
    pairs = [(a.term, b.key) for a, b in pairwise(seq.specs) if not a.prefix]
    if not pairs:
        return seq.anchor()
    return min(pairs, key=lambda pair: frequency(pair[0]) * frequency(pair[1]))


def _evidence(rule: Rule, bill: BillText, present: set[Seq]) -> Callable[[], list[tuple[str, int, int]]]:
    """A function gathering the hits of a rule that matched (run when the evidence is asked for)."""

    def find() -> list[tuple[str, int, int]]:
        return rule.query.hits(PositionalDoc(bill, present, spans=True), rule.fields) or []

    return find
