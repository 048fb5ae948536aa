"""rules._stepone (the C extension) builds the first search's text as rules/batch.py does in Python.

Each case builds a chunk of bills both ways (rules.batch._Chunk with and without the extension)
and compares everything the batch reads: the translated text, where each bill ends, the bills
with a compound, with U+0001, not ASCII, not ASCII once folded, each bill's text, and the texts
with compounds joined. tests/test_rules_batch.py runs the whole batch both ways too (the engines
``hyperscan`` and ``hyperscan-python``).
"""

from __future__ import annotations

import functools

import pytest

from rules import batch
from rules.explain import BillText, known_fields
from tests.test_rules_batch import _labelled_bills

if not batch.available():
    pytest.skip("hyperscan is not installed (the Python side needs it)", allow_module_level=True)

_stepone = pytest.importorskip("rules._stepone", reason="the C extension is not built (no C compiler?)")

ALL = frozenset({"title", "summary", "subjects", "actions"})
TITLE_AND_SUMMARY = frozenset({"title", "summary"})
#: The groups a matcher may search: all fields, some, one.
EVERY_GROUPS = pytest.mark.parametrize(
    "groups", [ALL, TITLE_AND_SUMMARY, frozenset({"title"})], ids=["all", "title-summary", "title"]
)

HARD = [
    BillText.of(title="Telehealth", summary="Audio-only visits."),
    BillText.of(title="", summary=""),
    BillText(None, {}),
    BillText.of(title="e-prescribing", summary="-leading and trailing- hyphens, a - b, a -- b, x--y, 3-D"),
    BillText.of(title="ends with a-", summary="-starts the next field"),  # no compound across fields
    BillText.of(title="UPPER-Case AND Digits 2-1-1 COVID-19"),
    BillText.of(title="Loi sur la télésanté", summary="Dossier de santé électronique"),  # folds to ASCII
    BillText.of(title="закон о телемедицина", summary="mixed script: telehealth"),  # not ASCII once folded
    BillText.of(title="a control \x01 character", summary="and \x02 \x03 \x7f others"),
    BillText.of(title="tabs\tand\nnew lines\r\n", summary="punctuation: (a), [b]; {c}! \"d\" | e? f."),
    BillText.of(title="Budget", actions=["Referred to committee", "Passed-over"], subjects=["Health-IT"]),
    BillText(None, {"title": "Budget", "title_es": "Ley de tele-salud", "subjects": "Health"}),  # an unknown field
    BillText.of(title="Act", extras={"title_fr": "Loi sur la cyber-sécurité"}),
    BillText.of(title="\u00e9-\u00e9 accented compound"),
    BillText.of(title="pre- and post- natal care", summary="a - b, c -- d, -e, f-, g-.h"),  # no compound
    # breaks: full stops before a space or a new line (not "x.y", "3.5"), hyphens beside a space
    BillText.of(title="End. Start.\nNext. x.y 3.5 last.", summary="-a -b c- d e - f g--h -- i j-. k.- (l) m;n \x02 o."),
    BillText.of(title=".", summary="-"),
]


def _built(bills: list[BillText], groups: frozenset[str], in_c: bool, compound: object) -> tuple[batch._Chunk, list[str], tuple[bytes, list[int]]]:
    """The chunk of ``bills`` built in C or in Python, each bill's text, and half of them joined."""
    fresh = [BillText(bill.jurisdiction, bill.texts, bill.items) for bill in bills]
    chunk = batch._Chunk(fresh, groups, _stepone if in_c else None, compound)
    indexes = list(range(0, len(bills), 2))
    return chunk, [chunk.text(i) for i in range(len(bills))], chunk.joined(indexes)


@functools.cache
def _compound_database() -> object:
    """The Hyperscan database with which the Python side finds compounds (rules.batch._COMPOUND)."""
    import hyperscan

    return batch._database([batch._COMPOUND], flags=hyperscan.HS_FLAG_CASELESS)


def _compare(bills: list[BillText], groups: frozenset[str]) -> batch._Chunk:
    """The chunk of ``bills`` built in C, once checked to be the one built in Python."""
    compound = _compound_database()
    (c, c_texts, c_joined), (p, p_texts, p_joined) = (_built(bills, groups, in_c, compound) for in_c in (True, False))
    assert c.loose == p.loose
    assert c.ends == p.ends
    assert (c.compounds, c.controls, c.folded, c.other) == (p.compounds, p.controls, p.folded, p.other)
    assert c_texts == p_texts
    assert c_joined == p_joined
    return c


@EVERY_GROUPS
def test_hard_bills_built_in_c_as_in_python(groups):
    chunk = _compare(HARD, groups)
    if groups == ALL:
        assert chunk.loose.startswith(b" telehealth audio only visits  ")
        # audio-only; e-prescribing; COVID-19; Passed-over, Health-IT; tele-salud; cyber-securite; e-e; g--h
        # (not "a-" at the end of a field and "-starts" at the start of the next)
        assert chunk.compounds == {0, 3, 5, 10, 11, 12, 13, 15}
        assert chunk.controls == {8}
        assert chunk.folded == {6, 7, 12, 13} and chunk.other == {7}


def test_each_bill_alone_and_in_every_order():
    """Bill boundaries: each hard bill first, last and alone. (A chunk is never empty: the batch
    makes none of no bills.)"""
    for bill in HARD:
        _compare([bill], ALL)
        _compare([bill, *HARD], ALL)
        _compare([*HARD, bill], ALL)


def test_real_bills_built_in_c_as_in_python():
    """2,646 real bills (LegiScan, CC BY 4.0)."""
    chunk = _compare(_labelled_bills(), ALL)
    assert len(chunk.compounds) > 100


def _pieces_compared(bills: list[BillText], groups: frozenset[str]) -> list[bytes]:
    """Step 2's segments of the bills made in C (rules._stepone.pieces, the bills it leaves to
    Python made there), checked to be those made in Python (rules.batch._pieces) for the same
    bills, fields and groups; bills holding U+0001 are left out (they never reach step 2)."""
    indexes = [i for i, bill in enumerate(bills) if "\x01" not in "".join(bill.texts.values())]
    folded = {i for i, bill in enumerate(bills) if not all(map(str.isascii, bill.texts.values()))}
    pieces, owners, found_groups, others = _stepone.pieces(bills, indexes, batch._groups_of(groups))
    slow_c: list[int] = []
    more = batch._pieces(bills, others, folded, groups, slow_c)
    slow_python: list[int] = []
    python = batch._pieces(bills, indexes, folded, groups, slow_python)
    in_c = sorted(zip(owners + more[1], found_groups + more[2], pieces + more[0], strict=True))
    assert in_c == sorted(zip(python[1], python[2], python[0], strict=True))
    assert slow_c == slow_python
    return pieces


@EVERY_GROUPS
def test_step_two_pieces_made_in_c_as_in_python(groups):
    pieces = _pieces_compared(HARD, groups)
    if groups == ALL:
        assert b" \x02a \x02b c\x02 d e \x02 f g  h \x02\x02 i j \x02 k \x02 \x02l\x02 m\x02n \x02 o\x02 " in pieces
        assert b" end\x02 start\x02\nnext\x02 x y 3 5 last\x02 " not in pieces  # a new line is a space in step 2
        assert b" end\x02 start\x02 next\x02 x y 3 5 last\x02 " in pieces


def test_step_two_pieces_of_real_bills_made_in_c_as_in_python():
    """2,646 real bills (LegiScan, CC BY 4.0), their titles and summaries apart."""
    assert len(_pieces_compared(_labelled_bills(), ALL)) > 2_646


def test_errors_are_raised_not_crashed():
    names = known_fields(ALL)
    with pytest.raises(ValueError, match="ASCII"):
        _stepone.build([BillText.of(title="télé")], names, lambda i: "télé")
    with pytest.raises(ZeroDivisionError):
        _stepone.build([BillText.of(title="télé")], names, lambda i: 1 / 0)
    with pytest.raises(AttributeError):
        _stepone.build([object()], names, str)
    with pytest.raises(TypeError):
        _stepone.build([BillText.of(title="a")], set(names), str)
    with pytest.raises(TypeError, match="iterable"):
        _stepone.build(None, names, str)
    text, ends, compounds, controls = _stepone.build([BillText.of(title="A-b")], names, str, False)
    assert (text, ends, compounds, controls) == (b" ab ", [3], b"\x00", b"\x00")
