"""Text folding and tokenizing: the one way both bill text and rule words are turned into terms.

A term is a run of letters and digits, lower case and without accents ("Télésanté" -> "telesante").
Apostrophes and every other punctuation split words ("l'interopérabilité" -> "l",
"interoperabilite"). A hyphenated compound is also indexed joined ("e-prescribing" -> "e",
"prescribing" and "eprescribing"), so a rule word finds the compound written any of the three ways.

Folding keeps string length wherever it can (one character in, one out), so the character offsets of a
term in the folded text are its offsets in the original text. The few characters that fold to two
("œ" -> "oe", "ß" -> "ss") make :func:`fold` return an offset map as well.
"""

from __future__ import annotations

import re
import unicodedata

#: A term: letters and digits (any script), no underscore.
TERM_RE = re.compile(r"[^\W_]+")
#: Terms joined by hyphens with nothing between: "e-prescribing", "covid-19", "tele-health".
COMPOUND_RE = re.compile(r"(?<![^\W_])[^\W_]+(?:-[^\W_]+)+")
#: Words in order, a hyphenated compound as one word ("e-prescribing mandate": two words).
WORD_RE = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
#: Punctuation between two terms that ends a phrase ("Health - Information", "records, data"):
#: it counts as one word position, so a phrase never spans it. A period only counts at the end
#: of a sentence, so "A.I." stays one phrase.
BREAK_RE = re.compile(r"[,;:!?()\[\]{}\"“”«»–—|]|\.\s|\s-|-\s")

# Characters whose decomposition does not strip to a base letter, spelled out by hand.
_SPECIAL_FOLDS = {
    "ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ł": "l", "Ł": "l", "ı": "i", "İ": "i", "ħ": "h",
    "Ħ": "h", "ŧ": "t", "Ŧ": "t", "ð": "d", "Ð": "d", "þ": "th", "Þ": "th", "œ": "oe", "Œ": "oe",
    "æ": "ae", "Æ": "ae", "ß": "ss", "ẞ": "ss", "ĳ": "ij", "Ĳ": "ij", "ﬁ": "fi", "ﬂ": "fl",
    # Hyphen look-alikes inside words become "-" so compounds are recognized; dashes used as
    # separators ("Health – Records") have spaces around them and stay separators.
    "\u2010": "-", "\u2011": "-", "\u00ad": "-",
    "\u2019": "'", "\u2018": "'", "\u02bc": "'",
    # Typographic punctuation becomes its ASCII look-alike (one character for one, so offsets
    # hold), which lets the matcher split most bills with byte operations.
    "\u2013": "-", "\u2014": "-", "\u2026": ".", "\u201c": '"', "\u201d": '"', "\u00ab": '"',
    "\u00bb": '"', "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u00a7": " ", "\u00b6": " ",
    "\u2022": " ", "\u00b0": " ",
}


def _build_fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in [*range(0x80, 0x250), *range(0x1E00, 0x1F00)]:
        char = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        if base and base != char and base.isascii():
            table[code] = base.lower()
    table.update({ord(k): v for k, v in _SPECIAL_FOLDS.items()})
    return table


_FOLD_TABLE = _build_fold_table()


def fold(text: str) -> tuple[str, list[int] | None]:
    """``text`` lower case without accents, and None or a map from folded to original offsets.

    The map is only needed (and only built) when a character folded to two ("œ" -> "oe"); then
    ``offsets[i]`` is the index in ``text`` of the character that produced folded character ``i``,
    with one extra entry for the end.
    """
    if text.isascii():
        return text.lower(), None
    folded = text.translate(_FOLD_TABLE).lower()
    if len(folded) == len(text):
        return folded, None
    pieces: list[str] = []
    offsets: list[int] = []
    for index, char in enumerate(text):
        piece = char.translate(_FOLD_TABLE).lower()
        pieces.append(piece)
        offsets.extend([index] * len(piece))
    offsets.append(len(text))
    return "".join(pieces), offsets


def fold_keep_case(text: str) -> str:
    """``text`` without accents, case kept: what an exact-case rule word (``=HIT``) is compared with."""
    if text.isascii():
        return text
    return "".join(
        c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
    )


def terms_of(text: str) -> list[str]:
    """The terms of a piece of text, in order (no compounds): how a rule word is split."""
    return TERM_RE.findall(fold(text)[0])


def normalize(text: str) -> str:
    """NFC form: a decomposed accent ("e" + U+0301) becomes one character, as the folding expects."""
    if text.isascii() or unicodedata.is_normalized("NFC", text):
        return text
    return unicodedata.normalize("NFC", text)


#: Where a term occurs in one field: (first word position, last word position, start, end), the
#: last two a character span (-1 when only positions were indexed). A plain tuple: millions are made.
Occurrence = tuple[int, int, int, int]


#: Word positions between the items of a list field (subjects, actions), so that a phrase or
#: NEAR never joins the end of one subject to the start of the next.
ITEM_GAP = 50


def index_terms(
    text: str,
    into: dict[str, list[Occurrence]] | None = None,
    first_position: int = 0,
    char_offset: int = 0,
) -> tuple[dict[str, list[Occurrence]], int]:
    """Every term of ``text`` (and every hyphenated compound, joined) with its occurrences.

    Adds to ``into`` when given (the items of a list field share one index); positions start at
    ``first_position`` and character offsets are shifted by ``char_offset``. Returns the index
    and the next free position.
    """
    folded, offsets = fold(text)
    index: dict[str, list[Occurrence]] = {} if into is None else into
    position_at: dict[int, int] = {}
    position = first_position
    previous_end = 0
    for match in TERM_RE.finditer(folded):
        start, end = match.span()
        if previous_end and BREAK_RE.search(folded, previous_end, start):
            position += 1
        previous_end = end
        position_at[start] = position
        if offsets is not None:
            start, end = offsets[start], offsets[end]
        occurrence = (position, position, start + char_offset, end + char_offset)
        index.setdefault(match.group(), []).append(occurrence)
        position += 1
    if "-" in folded:
        for match in COMPOUND_RE.finditer(folded):
            start, end = match.span()
            first = position_at[start]
            last = first + match.group().count("-")
            if offsets is not None:
                start, end = offsets[start], offsets[end]
            occurrence = (first, last, start + char_offset, end + char_offset)
            index.setdefault(match.group().replace("-", ""), []).append(occurrence)
    return index, position


def term_set(folded: str) -> set[str]:
    """The distinct terms of already folded text, compounds joined too: the cheap first look."""
    terms = set(TERM_RE.findall(folded))
    if "-" in folded:
        terms.update(m.replace("-", "") for m in COMPOUND_RE.findall(folded))
    return terms


#: Byte-level splitting of ASCII text into words (bytes.translate, then split): letters and digits
#: kept (lower case), hyphens kept for compounds, everything else a space.
WORD_BYTES = bytes(c if chr(c).isalnum() or c == ord("-") else ord(" ") for c in range(128)).lower() + b" " * 128

# Byte-level splitting for positions: letters and digits kept (lower case), hyphens kept for
# compounds, clause punctuation marked \x02, everything else a space.
_POSITION_BYTES = bytes(
    c if chr(c).isalnum() or c in (ord("-"), 2) else 2 if chr(c) in ',;:!?()[]{}"|' else ord(" ")
    for c in range(128)
).lower() + b" " * 128
_BREAK = "\x02"


def index_positions(
    text: str, into: dict[str, list[Occurrence]] | None = None, first_position: int = 0
) -> tuple[dict[str, list[Occurrence]], int]:
    """Like :func:`index_terms` but positions only (character spans -1), several times faster.

    Used to decide whether phrases and NEAR match; the evidence is indexed with spans afterwards.
    """
    folded = fold(text)[0]
    if not folded.isascii():
        return index_terms(text, into, first_position)
    data = folded.encode("ascii").replace(b". ", b" \x02 ").replace(b".\n", b" \x02 ")
    data = data.replace(b" -", b" \x02 ").replace(b"- ", b" \x02 ").translate(_POSITION_BYTES)
    index: dict[str, list[Occurrence]] = {} if into is None else into
    position, after_break = first_position, True
    for word in data.replace(b"\x02", b" \x02 ").decode("ascii").split():
        if word == _BREAK:
            position += 0 if after_break else 1
            after_break = True
            continue
        after_break = False
        if "-" not in word:
            found = index.get(word)
            if found is None:
                index[word] = [(position, position, -1, -1)]
            else:
                found.append((position, position, -1, -1))
            position += 1
            continue
        parts = [part for part in word.split("-") if part]
        for part in parts:
            index.setdefault(part, []).append((position, position, -1, -1))
            position += 1
        if len(parts) > 1:
            index.setdefault("".join(parts), []).append((position - len(parts), position - 1, -1, -1))
    return index, position


_BREAKS = re.compile(rb"\x02[\s\x02]*")


def position_words(text: str) -> list[str] | None:
    """The words of ``text`` in order, one per word position, a clause break holding the position
    it takes ("\x02"): what :func:`index_positions` indexes, for ASCII text without hyphens (None
    for other text). Looking a few words up in this list is cheaper than indexing every word."""
    folded = fold(text)[0]
    if not folded.isascii() or "-" in folded:
        return None
    data = folded.encode("ascii").replace(b". ", b" \x02 ").replace(b".\n", b" \x02 ").translate(_POSITION_BYTES)
    words = _BREAKS.sub(b" \x02 ", data).decode("ascii").split()  # a run of breaks takes one position
    if words and words[0] == _BREAK:
        del words[0]  # nor does a break before the first word
    return words
