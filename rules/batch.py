"""Many bills matched at once by compiled regular expressions (Hyperscan), rules decided per rule.

:meth:`Matcher.match <rules.matcher.Matcher.match>` reads one bill at a time in Python, which over
many bills costs microseconds per bill even where nothing matches. :class:`BatchMatch` leaves the
reading to Hyperscan (the ``hyperscan`` package: Intel's multi-pattern regular expression engine,
compiled C) and decides each rule for all bills at once with a few set operations. Bills go through
in chunks of :data:`CHUNK`, so that its buffers stay small.

1. **Which bills may match at all.** The chunk's folded texts are joined, lower case, with every
   character other than a letter or digit a space (:class:`_Chunk`: in one pass by the C
   extension rules._stepone where it is built, else in Python, the same text); one search finds
   the bills holding an anchor sequence of some rule (rules.matcher: one of a rule's anchors
   occurs in every bill it matches), written as its words with one to :data:`_MOST_SPACES`
   spaces between them; a longer run of spaces makes a bill a candidate too. A second search,
   over the bills not found yet that hold a compound (a hyphen between letters or digits, found
   by the C pass or by a third search), their hyphens removed, finds the sequences written with
   compounds ("tele-health" for "telehealth"): a one-word sequence as a whole word, a longer one
   as its words with up to :data:`_MOST_SPACES` spaces or nothing between them, not bounded at
   either end (an end may be a part of a compound: "tele-health services-related"). Both are
   supersets of where the sequences occur. A bill whose folded text is not ASCII goes to
   :meth:`Matcher.match`.
   The first search also decides the rules made of words alone (a word, a wildcard, or an OR of
   them; no scope, exact case or exclude): for a one-word sequence it finds exactly the bills
   where the word occurs, so a bill in which every anchor found belongs to such rules only, and
   whose fields those rules all search, matches them without step 2 (about 3,900 of the 13,200
   candidates in benchmarks/rules.py).
2. **Where every sequence occurs, exactly.** Each field of the bills found (each item of a
   subjects or actions list on its own) is searched for every sequence of every rule, each
   reported once per field. The sentence breaks are marked as rules.text.index_positions marks
   them (". ", ".\\n", " -", "- " and ``,;:!?()[]{}"|``) and every other character other than a
   letter or digit is a space, hyphens included, so that the parts of a compound are words next to
   one another, as in the positional index. A sequence occurs exactly where its words stand with
   only spaces between them, between boundaries (the field's ends, a space, a break); a wildcard
   word is its prefix and any letters or digits. (The segments are cut by the C extension's
   ``pieces`` where it is built, else by :func:`_pieces`, the same bytes.) This leaves out the
   joined form of a compound ("eprescribing" for "e-prescribing"): a bill with a compound whose
   joined form is a rule word (or starts with a wildcard's prefix) goes to
   :meth:`Matcher.match`, as does a bill holding the control character that separates the fields
   here (U+0001).
3. **Which rules match.** Each (sequence, field) gives the set of bills where it occurs, and a
   rule is decided for all bills at once: a word or phrase is the union of its sequences' sets in
   the rule's fields (or its scope), AND an intersection, OR a union, NOT a difference. NEAR and
   exact-case words need positions or case: they narrow the bills the same way (NEAR as AND, an
   exact-case word as its folded form), and the bills left that no other part of the rule decides
   are checked on their positional index (rules.positions), as :meth:`Matcher.match` checks them.

The evidence (hits, snippet) is gathered when asked for, as for :meth:`Matcher.match`, and the
results are the same: tests/test_rules_batch.py compares the two on the language tables, real bills
and texts made to be hard, and benchmarks/rules.py on 100,000 bills.

Compiling the rules takes under a second for the pack and about a second and a half with 500 more
rules (rules.matcher uses this path for large batches, or once it is compiled). One batch runs at a
time per compiled matcher (a database has one scratch space).
"""

from __future__ import annotations

import gc
import threading
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from itertools import accumulate, compress, count, product, repeat
from operator import add, not_, sub
from typing import TYPE_CHECKING, Any

from rules.explain import FIELD_ORDER, BillText, RuleMatch, field_group, known_fields
from rules.nodes import And, Near, Node, Not, Or, Term
from rules.positions import PositionalDoc
from rules.sequences import Seq, Spec
from rules.text import WORD_BYTES, fold

if TYPE_CHECKING:
    from rules.ruleset import Rule

try:  # optional: without it, match_many uses rules.prefilter (same results, slower)
    import hyperscan
except ImportError:  # pragma: no cover - depends on the environment
    hyperscan = None  # type: ignore[assignment]
try:  # optional C extension (setup.py): without it, _Chunk builds step 1's text in Python (same results, slower)
    from rules import _stepone
except ImportError:  # pragma: no cover - depends on the build
    _stepone = None  # type: ignore[assignment]

#: Bills per joint search.
CHUNK = 16_000

_SEPARATOR = 1  # between two fields or items (step 2); a bill holding it is matched one by one
_TEXT_END = "\x03"  # after each bill's text (step 1)
_COMPOUND = r"[a-z0-9]-+[a-z0-9][^\x03]*\x03"  # a compound, and the rest of its text (caseless)
_BREAK = 2
_BREAK_CHARS = ',;:!?()[]{}"|'
# Step 1: letters and digits in lower case, everything else a space.
_LOOSE = bytes(c if chr(c).isalnum() else 32 for c in range(128)).lower() + b" " * 128
# Step 2: letters and digits in lower case, breaks and separators kept, everything else a space.
_EXACT = bytes(
    c if chr(c).isalnum() or c in (_SEPARATOR, _BREAK) else _BREAK if chr(c) in _BREAK_CHARS else 32
    for c in range(128)
).lower() + b" " * 128
# The two-character breaks of rules.text.index_positions, each replaced by a break and the space
# or new line, so that the text keeps its length.
_BREAK_MARKS = ((b". ", b"\x02 "), (b".\n", b"\x02\n"), (b" -", b" \x02"), (b"- ", b"\x02 "))
_BREAK_MARKS_IN_LINES = tuple((mark, replacement) for mark, replacement in _BREAK_MARKS if b"\n" not in mark)
#: Step 1 writes a phrase with one to this many spaces between its words; a longer run of spaces
#: anywhere in a bill makes it a candidate.
_MOST_SPACES = 3


def available() -> bool:
    """True when Hyperscan (the ``hyperscan`` package) can be used."""
    return hyperscan is not None


def text_in_c() -> bool:
    """True when the C extension rules._stepone builds the first search's text (setup.py)."""
    return _stepone is not None


class BatchMatch:
    """The rules of a :class:`~rules.matcher.Matcher` compiled for matching many bills at once."""

    def __init__(
        self,
        rules: Sequence[Rule],
        groups: frozenset[str],
        triggers: Iterable[Seq],
        rule_keys: Callable[[str], tuple[str, ...]],
        match_one: Callable[[BillText], list[RuleMatch]],
    ) -> None:
        if hyperscan is None:
            raise RuntimeError("hyperscan is not installed")
        self.rules = list(rules)
        self.groups = groups
        self._rule_keys = rule_keys  # a word's index keys: none when it is no rule's word
        self._match_one = match_one
        self._lock = threading.Lock()
        # Every sequence of every rule, numbered once per distinct word list.
        self._number: dict[tuple[Spec, ...], int] = {}
        self._of_seq: dict[Seq, int] = {}  # the same, by Seq object (hashed by identity, faster)
        exact_case: set[Term] = set()
        for rule in self.rules:
            for node in (rule.query, rule.exclude):
                for term in node.terms() if node is not None else ():
                    for seq in term.alternatives:
                        self._of_seq[seq] = self._number.setdefault(seq.specs, len(self._number))
                    if any(spec.exact is not None for seq in term.alternatives for spec in seq.specs):
                        exact_case.add(term)
        self._exact_case = frozenset(exact_case)
        # A rule matches no bill in which none of its anchor sequences occurs (rules.matcher).
        self._anchor_numbers = [
            frozenset(self._of_seq[seq] for term in rule.query.anchor_terms() for seq in term.alternatives)
            for rule in self.rules
        ]
        plain = [specs for specs in {seq.specs for seq in triggers} if _ascii(specs)]
        self._anchors, owners = _step_one([_loose(specs) for specs in plain])
        self._joined, _ = _step_one([_joined(specs) for specs in plain])
        # Step 1 decides the rules that are words and wildcards (or an OR of them) where all of a
        # bill's fields are searched: per anchor sequence, the rules it decides, and whether it is
        # also an anchor of another rule (a bill where it occurs goes to step 2), as the long run
        # of spaces (the last pattern) is; then the same per pattern of the first search.
        index_of = {specs: index for index, specs in enumerate(plain)}
        decides: list[list[int]] = [[] for _ in range(len(plain) + 1)]
        undecided = [False] * len(plain) + [True]
        for number, rule in enumerate(self.rules):
            by_words = _words_only(rule)
            for term in rule.query.anchor_terms():
                for seq in term.alternatives:
                    if (index := index_of.get(seq.specs)) is not None:
                        if by_words:
                            decides[index].append(number)
                        else:
                            undecided[index] = True
        self._decides = [decides[index] for index in owners]
        self._undecided = [undecided[index] for index in owners]
        self._rule_fields = [known_fields(rule.fields) for rule in self.rules]
        self._stepone = _stepone  # the C extension (None: not built), as it was when compiled
        self._groups_of = _groups_of(groups)
        # A hyphen between letters or digits: a compound (rules.text), which may be joined. The
        # match runs on to the end of the text (_TEXT_END), so that it is reported once per text.
        # (The C extension finds compounds itself.)
        self._compound = _database([_COMPOUND], flags=hyperscan.HS_FLAG_CASELESS) if _stepone is None else None
        exact = [(number, specs) for specs, number in self._number.items() if _ascii(specs)]
        self._exact = _database([_exact(specs) for _, specs in exact], [number for number, _ in exact], hyperscan.HS_FLAG_SINGLEMATCH)

    def match(self, bills: Sequence[BillText]) -> list[list[RuleMatch]]:
        """The matches of each bill, as :meth:`Matcher.match` gives them."""
        # The batch makes hundreds of thousands of small lists, sets and tuples that live until it
        # returns, none of them in a reference cycle; with the cyclic collector on, their making
        # would walk the caller's whole heap over and over (a quarter of the time on 100,000 bills).
        # One batch at a time: a compiled database has one scratch space for its searches.
        with self._lock:
            collecting = gc.isenabled()
            gc.disable()
            try:
                return self._match(bills)
            finally:
                if collecting:
                    gc.enable()

    def _match(self, bills: Sequence[BillText]) -> list[list[RuleMatch]]:
        occurrences = _Occurrences(self.groups)
        slow: list[int] = []  # bills for Matcher.match
        by_words: defaultdict[int, set[int]] = defaultdict(set)  # rule number -> bills matched, decided in step 1
        folded: set[int] = set()  # bills whose searched fields are not all ASCII
        for start in range(0, len(bills), CHUNK):
            chunk = _Chunk(bills[start : start + CHUNK], self.groups, self._stepone, self._compound)
            folded.update(start + i for i in chunk.folded)
            local = []
            candidates, decided = self._candidates(chunk)
            fields = self._rule_fields
            for i in sorted(candidates):
                if (
                    i in chunk.other
                    or i in chunk.controls
                    or (i in chunk.compounds and any(map(self._rule_keys, _joined_forms(chunk.text(i)))))
                ):
                    slow.append(start + i)
                elif (numbers := decided.get(i)) is not None and all(
                    bills[start + i].texts.keys() <= fields[number] for number in numbers
                ):
                    for number in numbers:
                        by_words[number].add(start + i)
                else:
                    local.append(start + i)
            self._occurrences(bills, local, folded, occurrences, slow)
        results: list[list[RuleMatch]] = [[] for _ in bills]
        evaluation = _Evaluation(self._of_seq, self._exact_case, occurrences)
        occurring = set(occurrences.segments)
        for number, rule in enumerate(self.rules):
            words = by_words.get(number, set())
            if occurring.isdisjoint(self._anchor_numbers[number]):
                if not words:
                    continue
                sure, maybe = words, words
            else:
                sure, maybe = evaluation.bills(rule.query, rule.fields)
                if rule.exclude is not None and maybe:
                    sure_not, maybe_not = evaluation.bills(rule.exclude, rule.fields, maybe)
                    sure, maybe = sure - maybe_not, maybe - sure_not
                if words:
                    sure, maybe = sure | words, maybe | words
            for index in sorted(maybe):
                bill = bills[index]
                if rule.jurisdictions and not rule.applies_to(bill.jurisdiction):
                    continue
                # A bill decided in step 1 has no occurrences recorded: its evidence looks at every sequence.
                present = _unknown if index in words else partial(_Present, self._of_seq, occurrences, index)
                if index in sure or _positional_test(rule, bill, present()):
                    results[index].append(RuleMatch(rule, bill, partial(_hits, rule, bill, present)))
        for index in slow:
            results[index] = self._match_one(bills[index])
        return results

    def _candidates(self, chunk: _Chunk) -> tuple[set[int], dict[int, list[int]]]:
        """Step 1: indexes of the bills of the chunk holding an anchor sequence (a superset), and
        of its bills not ASCII once folded; and the bills whose every anchor found decides rules
        (words only: :func:`_words_only`), with the numbers of those rules."""
        hits, patterns = _hits_of(self._anchors, chunk.loose, chunk.ends)
        found = set(hits)
        undecided = set(compress(hits, map(self._undecided.__getitem__, patterns)))
        decided: dict[int, list[int]] = {}
        if len(undecided) < len(found):
            decides = self._decides
            for text, pattern in zip(hits, patterns, strict=True):
                if text not in undecided:
                    decided.setdefault(text, []).extend(decides[pattern])
        # Compounds joined, in the bills with a compound not found yet.
        missing = sorted(chunk.compounds - found)
        if missing:
            found.update(missing[i] for i in _search(self._joined, *chunk.joined(missing)))
        return found | chunk.other, {text: sorted(set(numbers)) for text, numbers in decided.items()}

    def _occurrences(
        self, bills: Sequence[BillText], indexes: list[int], folded: set[int], occurrences: _Occurrences, slow: list[int]
    ) -> None:
        """Step 2: records where the sequences occur in the bills at ``indexes`` (``folded``: those
        with a field that is not ASCII); a bill with a field that is not ASCII once folded is added
        to ``slow`` instead."""
        first = len(occurrences.bill)  # the number of this call's first segment
        if self._stepone is not None:  # the common case in C: ASCII fields, no list
            pieces, owners, groups, others = self._stepone.pieces(bills, indexes, self._groups_of)
        else:
            pieces, owners, groups, others = [], [], [], indexes
        more = _pieces(bills, others, folded, self.groups, slow)
        occurrences.bill += owners + more[1]
        occurrences.group += groups + more[2]
        pieces += more[0]
        if not pieces or self._exact is None:  # (no sequence of ASCII words: none to find)
            return
        segments_of = occurrences.segments

        def found(number: int, _: int, __: int, ___: int, segment: int) -> None:
            segments_of[number].append(segment)

        scan = self._exact.scan  # each sequence reported once per segment (HS_FLAG_SINGLEMATCH)
        for segment, piece in enumerate(pieces, first):
            scan(piece, match_event_handler=found, context=segment)


class _Chunk:
    """The first search's text of some bills (step 1), and what it tells of each bill.

    ``loose``: the bills' searched fields, each bill's joined by new lines (BillText.joined) and
    folded where not ASCII, the bills joined, with every character other than a letter or digit
    a space and letters in lower case; ``ends[i]``: where the space after bill ``i`` is. The
    indexes of the bills whose fields are not all ASCII (``folded``), of those still not ASCII
    once folded (``other``: searched as empty, matched one by one), of those holding a compound
    (a hyphen between letters or digits) and of those holding U+0001 (``controls``).

    Built by the C extension rules._stepone where it is installed (one pass, no string per
    bill), else in Python (:meth:`_in_python`); both give the same.
    """

    def __init__(self, bills: Sequence[BillText], groups: frozenset[str], stepone: Any, compound: Any) -> None:
        """``stepone``: the C extension, or None to build in Python, where ``compound`` (a
        Hyperscan database) finds the compounds."""
        self._bills = bills
        self._groups = groups
        self._stepone = stepone
        self.folded: set[int] = set()
        self.other: set[int] = set()
        self._texts: dict[int, str] | list[str] = {}  # the bills' texts where not their fields as they are
        if stepone is None:
            self._in_python(compound)
            return
        self.loose, self.ends, compounds, controls = stepone.build(bills, known_fields(groups), self._prepare)
        self.compounds = set(compress(count(), compounds))
        self.controls = set(compress(count(), controls))

    def _in_python(self, compound: Any) -> None:
        """The same as rules._stepone, in Python: ``compound`` is the Hyperscan database that finds compounds."""
        texts = self._texts = BillText.joined_many(self._bills, self._groups)
        for i in compress(count(), map(not_, map(str.isascii, texts))):
            texts[i] = self._searchable(i, texts[i])
        self.ends, data = _joined_texts(texts)
        self.loose = data.translate(_LOOSE)
        self.compounds = _search(compound, data, self.ends)
        self.controls = set(map(bisect_left, repeat(self.ends), _positions(data, b"\x01")))

    def _prepare(self, i: int) -> str:
        """The text searched for bill ``i`` where its fields are not all ASCII, or not all known (rules._stepone)."""
        text = self._texts[i] = self._searchable(i, self._bills[i].joined(self._groups))  # type: ignore[index]
        return text

    def _searchable(self, i: int, text: str) -> str:
        """The text searched for bill ``i`` whose text is ``text``: folded, or empty if it is still not ASCII."""
        if not text.isascii():
            self.folded.add(i)
            text = fold(text)[0]
            if not text.isascii():
                self.other.add(i)
                return ""
        return text

    def joined(self, indexes: list[int]) -> tuple[bytes, list[int]]:
        """As ``loose`` and ``ends``, for the bills at ``indexes`` and their hyphens left out (compounds joined)."""
        if self._stepone is None:
            ends, data = _joined_texts(list(map(self.text, indexes)), delete="-")
            return data.translate(_LOOSE, b"-"), ends
        bills = list(map(self._bills.__getitem__, indexes))
        data, ends, _, _ = self._stepone.build(bills, known_fields(self._groups), lambda j: self.text(indexes[j]), False)
        return data, ends

    def text(self, i: int) -> str:
        """The text searched for bill ``i`` (ASCII)."""
        if isinstance(self._texts, list):
            return self._texts[i]
        text = self._texts.get(i)
        return text if text is not None else self._bills[i].joined(self._groups)


class _Occurrences:
    """Where the sequences occur: the segments (fields, list items) of the bills searched."""

    def __init__(self, groups: frozenset[str]) -> None:
        self.groups = groups
        self.bill: list[int] = []  # the bill index of each segment
        self.group: list[str] = []  # the field group of each segment
        self.segments: defaultdict[int, list[int]] = defaultdict(list)  # sequence number -> segments holding it
        self._bills: dict[tuple[int, frozenset[str]], set[int]] = {}

    def bills(self, number: int, groups: frozenset[str]) -> set[int]:
        """The bills where sequence ``number`` occurs in a field of ``groups``."""
        found = self._bills.get((number, groups))
        if found is None:
            segments = self.segments.get(number, ())
            if groups >= self.groups:
                found = {self.bill[segment] for segment in segments}
            else:
                found = {self.bill[segment] for segment in segments if self.group[segment] in groups}
            self._bills[number, groups] = found
        return found

    def everyone(self) -> set[int]:
        return set(self.bill)


class _Evaluation:
    """Which bills a query node matches, from where its sequences occur: (sure, maybe) sets.

    Words, phrases and wildcards in fields or scopes, AND, OR and NOT are exact (sure = maybe).
    NEAR and exact-case words are only "maybe" (NEAR when both sides may match; an exact-case word
    where the folded word occurs): the caller checks the bills that are maybe but not sure on their
    positional index.
    """

    def __init__(self, of_seq: dict[Seq, int], exact_case: frozenset[Term], occurrences: _Occurrences) -> None:
        self._of_seq = of_seq
        self._exact_case = exact_case
        self._occurrences = occurrences
        self._everyone = occurrences.everyone()

    def bills(self, node: Node, groups: frozenset[str], within: set[int] | None = None) -> tuple[set[int], set[int]]:
        within = self._everyone if within is None else within
        if not within:
            return set(), set()
        if isinstance(node, Term):
            if node.scope is not None:
                groups = groups & {node.scope}
            found: set[int] = set()
            for seq in node.alternatives:
                found |= self._occurrences.bills(self._of_seq[seq], groups)
            found &= within
            return (set(), found) if node in self._exact_case else (found, found)
        if isinstance(node, And | Near):
            children = node.children if isinstance(node, And) else (node.left, node.right)
            sure, maybe = within, within
            # Positive parts first: a NOT only looks at the bills they leave.
            for child in sorted(children, key=lambda child: isinstance(child, Not)):
                child_sure, maybe = self.bills(child, groups, maybe)
                sure = sure & child_sure
                if not maybe:
                    break
            return (set(), maybe) if isinstance(node, Near) else (sure & maybe, maybe)
        if isinstance(node, Or):
            sure, maybe = set(), set()
            for child in node.children:
                child_sure, child_maybe = self.bills(child, groups, within)
                sure |= child_sure
                maybe |= child_maybe
            return sure, maybe | sure
        if isinstance(node, Not):
            child_sure, child_maybe = self.bills(node.child, groups, within)
            return within - child_maybe, within - child_sure
        raise TypeError(f"unknown query node {type(node).__name__}")


class _Present:
    """The sequences that occur in one bill (rules.sequences.Doc.present), for its positional
    index to skip the others."""

    def __init__(self, of_seq: dict[Seq, int], occurrences: _Occurrences, index: int) -> None:
        self._of_seq = of_seq
        self._occurrences = occurrences
        self._index = index

    def __contains__(self, seq: object) -> bool:
        number = self._of_seq.get(seq)  # type: ignore[call-overload]
        return number is not None and self._index in self._occurrences.bills(number, self._occurrences.groups)


def _positional_test(rule: Rule, bill: BillText, present: _Present) -> bool:
    """The rule decided on the bill's positional index, as Matcher.match decides it."""
    doc = PositionalDoc(bill, present)  # type: ignore[arg-type]
    return rule.query.test(doc, rule.fields) and not (rule.exclude is not None and rule.exclude.test(doc, rule.fields))


def _hits(rule: Rule, bill: BillText, present: Callable[[], _Present]) -> list[tuple[str, int, int]]:
    """The evidence of a rule that matched (gathered when asked for)."""
    return rule.query.hits(PositionalDoc(bill, present(), spans=True), rule.fields) or []  # type: ignore[arg-type]


def _pieces(
    bills: Sequence[BillText], indexes: list[int], folded: set[int], groups: frozenset[str], slow: list[int]
) -> tuple[list[bytes], list[int], list[str]]:
    """Step 2's segments of the bills at ``indexes`` (``folded``: those with a field that is not
    ASCII): each searched field (each item of a list apart) between spaces, with its breaks
    marked; the index of the bill of each, and its field group. A bill with a field that is not
    ASCII once folded is added to ``slow`` instead. (rules._stepone.pieces does the same for
    bills of ASCII fields and no list.)"""
    segments: list[str] = []
    owners: list[int] = []
    found_groups: list[str] = []
    for index in indexes:
        bill = bills[index]
        if bill.items or index in folded:
            pieces = _segments(bill, groups)
            if pieces is None:
                slow.append(index)
                continue
        else:  # the common case, inline: ASCII fields, no list
            pieces = [(group, text) for name, text in bill.texts.items() if (group := _GROUPS.get(name) or field_group(name)) in groups]
        for group, piece in pieces:
            segments.append(piece)
            owners.append(index)
            found_groups.append(group)
    if not segments:
        return [], [], []
    # Each segment between spaces, so that a pattern's ends need no anchor (faster).
    data = (" " + " \x01 ".join(segments) + " ").encode("ascii")
    for mark, replacement in _BREAK_MARKS if b"\n" in data else _BREAK_MARKS_IN_LINES:
        data = data.replace(mark, replacement)
    return data.translate(_EXACT).split(b"\x01"), owners, found_groups


def _segments(bill: BillText, groups: frozenset[str]) -> list[tuple[str, str]] | None:
    """(field group, folded ASCII text) of each searched field, each item of a list field apart;
    None when one is not ASCII once folded."""
    pieces: list[tuple[str, str]] = []
    items = bill.items
    for name, text in bill.texts.items():
        group = _GROUPS.get(name) or field_group(name)
        if group not in groups:
            continue
        for piece in items.get(name) or (text,):
            if not piece.isascii():
                piece = fold(piece)[0]
                if not piece.isascii():
                    return None
            pieces.append((group, piece))
    return pieces


_GROUPS = {name: field_group(name) for name in FIELD_ORDER}


def _groups_of(groups: frozenset[str]) -> dict[str, str | None]:
    """Each known field name's group, None where it is not in ``groups`` (rules._stepone.pieces)."""
    return {name: group if group in groups else None for name, group in _GROUPS.items()}


def _joined_forms(text: str) -> set[str]:
    """The joined forms of the hyphenated compounds of ASCII ``text`` ("e-prescribing" -> "eprescribing")."""
    data = text.encode("ascii").translate(WORD_BYTES)  # compounds as the positional index splits them
    forms = set()
    at = data.find(b"-")
    while at >= 0:
        start, end = data.rfind(b" ", 0, at) + 1, data.find(b" ", at)
        parts = [part for part in data[start : end if end >= 0 else len(data)].split(b"-") if part]
        if len(parts) > 1:
            forms.add(b"".join(parts).decode("ascii"))
        at = data.find(b"-", end) if end >= 0 else -1
    return forms


def _joined_texts(texts: list[str], delete: str = "") -> tuple[list[int], bytes]:
    """The ASCII ``texts`` joined by _TEXT_END (a space once translated), with one before and
    after, and where each ends: text i is followed by _TEXT_END at ends[i] (once the characters
    in ``delete`` are deleted)."""
    lengths = map(len, texts) if not delete else map(sub, map(len, texts), map(str.count, texts, repeat(delete)))
    ends = list(map(add, accumulate(lengths), count(1)))
    return ends, (_TEXT_END + _TEXT_END.join(texts) + _TEXT_END).encode("ascii")


def _hits_of(database: Any, data: bytes, ends: list[int]) -> tuple[list[int], list[int]]:
    """Each match of the database in ``data`` (texts ending at ``ends``): the index of its text
    and its pattern id (step 1)."""
    if database is None:
        return [], []
    lasts: list[int] = []  # where each match's last character is: in its text, or the _TEXT_END after it
    patterns: list[int] = []

    def found(pattern: int, _: int, end: int, __: int, ___: Any) -> None:
        patterns.append(pattern)
        lasts.append(end - 1)

    database.scan(data, match_event_handler=found)
    return list(map(bisect_left, repeat(ends), lasts)), patterns


def _positions(data: bytes, character: bytes) -> list[int]:
    """Where ``character`` occurs in ``data``."""
    found = []
    at = data.find(character)
    while at >= 0:
        found.append(at)
        at = data.find(character, at + 1)
    return found


def _search(database: Any, data: bytes, ends: list[int]) -> set[int]:
    """Indexes of the texts (ending at ``ends`` in ``data``) in which the database finds something (step 1)."""
    return set(_hits_of(database, data, ends)[0])


def _words_only(rule: Rule) -> bool:
    """True when the rule matches wherever one of its words or wildcards occurs, whatever the
    field: a word, a wildcard or an OR of them, not scoped, not exact-case, no exclude."""
    if rule.exclude is not None:
        return False
    terms = rule.query.children if isinstance(rule.query, Or) else (rule.query,)
    return all(
        isinstance(term, Term) and term.scope is None and all(len(seq.specs) == 1 and seq.specs[0].exact is None for seq in term.alternatives)
        for term in terms
    )


def _unknown() -> None:
    """No sequence known to be absent (rules.positions.PositionalDoc looks at them all)."""


def _ascii(specs: tuple[Spec, ...]) -> bool:
    """Sequences with other scripts only occur in bills that are not ASCII (matched one by one)."""
    return all(spec.term.isascii() and spec.term.isalnum() for spec in specs)


def _word(spec: Spec) -> str:
    return spec.term + ("[a-z0-9]*" if spec.prefix else "")


def _loose(specs: tuple[Spec, ...]) -> list[str]:
    """Step 1: the words with one to _MOST_SPACES spaces between them, whole (a wildcard open at
    its end); with a wildcard inside, a regular expression with any number of spaces."""
    end = "" if specs[-1].prefix else " "
    if any(spec.prefix for spec in specs[:-1]):
        return [" " + " +".join(_word(spec) for spec in specs) + end]
    return [" " + _spaced(specs, gaps) + end for gaps in product(range(1, _MOST_SPACES + 1), repeat=len(specs) - 1)]


def _joined(specs: tuple[Spec, ...]) -> list[str]:
    """Step 1, hyphens removed: a word as a whole word (a compound joined); longer sequences with
    none to _MOST_SPACES spaces between their words, not bounded at either end."""
    if len(specs) == 1:
        return [" " + specs[0].term + ("" if specs[0].prefix else " ")]
    if any(spec.prefix for spec in specs[:-1]):
        return [" *".join(_word(spec) for spec in specs[:-1]) + " *" + specs[-1].term]
    return [_spaced(specs, gaps) for gaps in product(range(_MOST_SPACES + 1), repeat=len(specs) - 1)]


def _spaced(specs: tuple[Spec, ...], gaps: tuple[int, ...]) -> str:
    return specs[0].term + "".join(" " * gap + spec.term for gap, spec in zip(gaps, specs[1:], strict=True))


def _step_one(patterns: list[list[str]]) -> tuple[Any, list[int]]:
    """The step 1 database: the variants of each sequence, and a run of more than _MOST_SPACES
    spaces (two words of a phrase may have that much punctuation between them); and for each
    pattern id, the index of its sequence in ``patterns`` (the run of spaces: len(patterns)).
    (Each pattern has an id of its own: Hyperscan compiles many patterns sharing an id 20 times
    slower.)"""
    found = [pattern for variants in patterns for pattern in variants]
    owners = [index for index, variants in enumerate(patterns) for _ in variants] + [len(patterns)]
    return _database(found + [" " * (_MOST_SPACES + 1)]) if found else None, owners


def _exact(specs: tuple[Spec, ...]) -> str:
    """Step 2 (one field at a time, padded with a space at each end): the words with spaces
    between them, between boundaries (a space or a break), a wildcard open at its end."""
    last = specs[-1]
    body = " +".join(_word(spec) for spec in specs[:-1]) + (" +" if len(specs) > 1 else "")
    return r"[ \x02]" + body + (last.term if last.prefix else last.term + r"[ \x02]")


def _database(patterns: list[str], ids: list[int] | None = None, flags: int = 0) -> Any:
    """A compiled Hyperscan block-mode database; None when there is no pattern."""
    if not patterns:
        return None
    database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    database.compile(
        expressions=[pattern.encode("ascii") for pattern in patterns],
        ids=ids if ids is not None else list(range(len(patterns))),
        elements=len(patterns),
        flags=[flags] * len(patterns),
    )
    return database
