"""A first look at many bills at once: which of them contain an anchor of some rule at all.

Nearly every bill contains no anchor word of any rule, and splitting each of them into words from
Python costs more than everything else the matcher does. So :meth:`Matcher.match_many
<rules.matcher.Matcher.match_many>` first joins the bills' folded texts and runs one Aho-Corasick
search (the ``ahocorasick-rs`` package: Rust, a DFA over bytes, about 200 MB/s here) for the anchors written as literal strings with their
word boundaries; only the bills it finds are matched word by word.

The search must find every bill that can match (a superset: the bills it finds are then checked
exactly, so matches, hits and snippets are those of :meth:`Matcher.match`). The text is lower case with every character other than a
letter, a digit or a hyphen made a space, as the matcher's own splitting does. Then:

- an anchor word ``w`` is a whole word (`` w ``) or a part of a hyphenated compound (`` w-``,
  ``-w ``, ``-w-``); a wildcard anchor ``p*`` starts a word or a part (`` p``, ``-p``);
- a compound written joined by the rule ("telehealth" for "tele-health") is found in a second
  text, the bills that contain a hyphen with their hyphens removed;
- a phrase anchored on a pair of adjacent words is found as the pair with one to three spaces
  between them (punctuation between two words becomes spaces); a run of four spaces anywhere makes
  the bill a candidate too; the rarer word of the pair as a part of a compound as well; either
  word of the pair as the near end of a compound ("e-prescribing mandate") or, in the second
  text, as a compound joined ("eprescribing mandate");
- in a bill without any hyphen, a phrase's words are whole words with only spaces between them,
  so a phrase with a wildcard is looked for as two adjacent words of it rather than one word;
- a bill whose folded text is not ASCII (another script) is always a candidate.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from itertools import accumulate
from typing import Any

from rules.text import WORD_BYTES

try:  # optional: without it, match_many matches bill by bill (same results, slower)
    import ahocorasick_rs
except ImportError:  # pragma: no cover - depends on the environment
    ahocorasick_rs = None  # type: ignore[assignment]

#: Pair words separated by more spaces than this make the bill a candidate whatever the words.
_MOST_SPACES = 3


def available() -> bool:
    """True when the compiled search (``ahocorasick-rs``) is installed."""
    return ahocorasick_rs is not None


class AnchorSearch:
    """The anchors of a set of rules compiled into Aho-Corasick automatons.

    ``keys``: every anchor key (a word, or a wildcard's prefix with its star); ``pairs``:
    (first, second, rare) adjacent words of phrases anchored on a pair, ``rare`` the word the
    matcher looks up; ``strict``: for every other anchored sequence, its key or, for a phrase, two
    adjacent words of it (the first a whole word, the second maybe a prefix with its star).
    Bills without a hyphen are searched for ``strict`` and ``pairs``: in such a bill a phrase's
    words are whole words with only spaces (punctuation) between them. Bills with a hyphen are
    searched for every key and pair with the compound forms of the module's docstring.
    Only ASCII anchors are kept: a bill holding any other is not ASCII, hence a candidate anyway.
    """

    def __init__(
        self, keys: Iterable[str], pairs: Iterable[tuple[str, str, str]], strict: Iterable[str | tuple[str, str]]
    ) -> None:
        if ahocorasick_rs is None:
            raise RuntimeError("ahocorasick-rs is not installed")
        spaces = [" " * count for count in range(1, _MOST_SPACES + 1)]
        loose, joined, exact = {" " * (_MOST_SPACES + 1)}, set(), {" " * (_MOST_SPACES + 1)}
        for key in filter(str.isascii, keys):
            word = key.removesuffix("*")
            if key.endswith("*"):
                loose.update((f" {word}", f"-{word}"))
                joined.add(f" {word}")
            else:
                loose.update((f" {word} ", f" {word}-", f"-{word} ", f"-{word}-"))
                joined.add(f" {word} ")
        for first, second, rare in pairs:
            if first.isascii() and second.isascii():
                literals = {f" {first}{between}{second} " for between in spaces}
                exact.update(literals)
                # Either word may be the near end of a compound ("e-prescribing mandate") or a
                # compound joined ("eprescribing mandate", in the text without hyphens).
                loose.update(f"{before}{first}{between}{second}{after}"
                             for before in " -" for between in spaces for after in " -")
                loose.update((f" {rare}-", f"-{rare} ", f"-{rare}-"))
                joined.update(literal for between in spaces
                              for literal in (f" {first}{between}{second}", f"{first}{between}{second} "))
        for anchor in strict:
            if isinstance(anchor, str):
                if anchor.isascii():
                    exact.add(f" {anchor[:-1]}" if anchor.endswith("*") else f" {anchor} ")
            elif anchor[0].isascii() and anchor[1].isascii():
                first, second = anchor
                after = "" if second.endswith("*") else " "
                exact.update(f" {first}{between}{second.removesuffix('*')}{after}" for between in spaces)
        self._loose, self._joined, self._exact = _automaton(loose), _automaton(joined), _automaton(exact)

    def candidates(self, texts: Sequence[str]) -> set[int]:
        """Indexes of the ``texts`` (folded: accents removed) that may hold an anchor."""
        found = {index for index, text in enumerate(texts) if not text.isascii()}
        plain = [index for index, text in enumerate(texts) if "-" not in text and index not in found]
        found.update(_search(self._exact, texts, plain, keep_hyphens=True))
        hyphenated = [index for index, text in enumerate(texts) if "-" in text and index not in found]
        found.update(_search(self._loose, texts, hyphenated, keep_hyphens=True))
        found.update(_search(self._joined, texts, hyphenated, keep_hyphens=False))
        return found


def _automaton(literals: set[str]) -> Any:
    """A DFA finding every (overlapping) occurrence of the literals in bytes; None when none."""
    if not literals:
        return None
    patterns = [literal.encode("ascii") for literal in sorted(literals)]
    return ahocorasick_rs.BytesAhoCorasick(patterns, implementation=ahocorasick_rs.Implementation.DFA)




def _search(automaton: Any, texts: Sequence[str], indexes: list[int], keep_hyphens: bool) -> set[int]:
    """Those of ``indexes`` whose text (ASCII) holds a literal of the automaton."""
    if not indexes or automaton is None:
        return set()
    chosen = [texts[index] for index in indexes]
    # Text i ends before ends[i] (its "\n" included), counted after hyphens were removed if they were.
    ends = list(accumulate(len(text) + 1 - (0 if keep_hyphens else text.count("-")) for text in chosen))
    # WORD_BYTES: the matcher's own splitting, so that word boundaries are the same.
    data = b" " + ("\n".join(chosen) + "\n").encode("ascii").translate(WORD_BYTES, b"" if keep_hyphens else b"-")
    # A literal starts with its boundary (a space or a hyphen) and the word one character later,
    # at ``start`` in the texts joined (``data`` starts with one more space). Overlapping: two
    # literals may share the space between two words.
    matches = automaton.find_matches_as_indexes(data, overlapping=True)
    return {indexes[bisect_right(ends, start)] for _, start, _ in matches}
