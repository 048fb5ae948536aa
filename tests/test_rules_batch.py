"""match_many (one search over many bills, then word by word) gives exactly what match gives.

Every row of the query-language tables is matched inside a batch of other bills, first, in the
middle and last (bill boundaries are where a joint search could go wrong), and compared with the
expected answer; then cases aimed at the joint search itself (compounds, punctuation between the
words of a phrase, other scripts), hits and snippets included.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rules import prefilter
from rules.explain import BillText
from rules.matcher import Matcher
from rules.query import parse_query
from rules.ruleset import HEALTH_IT_PACK, Rule, load_rules
from tests.test_rules_query import (
    BOOLEAN,
    FIELDS_AND_CASE,
    NEAR,
    WORDS,
    _ids,
    make_rule,
)

pytestmark = pytest.mark.skipif(not prefilter.available(), reason="ahocorasick-rs is not installed")

FILLER = [
    BillText.of(title="An Act concerning motor vehicles", summary="Amends the vehicle code."),
    BillText.of(title="Fishing licenses", summary="Hunting and fishing license fees; non-resident fees."),
    BillText.of(title="Budget", summary=None),
    BillText.of(title="", summary=""),
]


def _batches(bill: BillText) -> list[tuple[list[BillText], int]]:
    """``bill`` among filler bills, first, in the middle and last (enough bills to search jointly)."""
    filler = FILLER * 3
    return [([bill, *filler], 0), ([*filler[:5], bill, *filler[5:]], 5), ([*filler, bill], len(filler))]


def _found(matcher: Matcher, bill: BillText) -> list[list[tuple[str, list[tuple[str, int, int]], str]]]:
    """Per batch: (rule id, hits, snippet) of each match of ``bill``; every bill as match says."""
    found = []
    for batch, index in _batches(bill):
        results = matcher.match_many(batch)
        assert len(results) == len(batch)
        for i, other in enumerate(batch):
            assert [(m.rule_id, m.snippet) for m in results[i]] == [(m.rule_id, m.snippet) for m in matcher.match(other)]
        found.append([(m.rule_id, [(h.field, h.start, h.end) for h in m.hits], m.snippet) for m in results[index]])
    return found


def _single(matcher: Matcher, bill: BillText) -> list[tuple[str, list[tuple[str, int, int]], str]]:
    return [(m.rule_id, [(h.field, h.start, h.end) for h in m.hits], m.snippet) for m in matcher.match(bill)]


@pytest.mark.parametrize(("name", "query", "text", "expected"), WORDS + BOOLEAN + NEAR, ids=_ids(WORDS + BOOLEAN + NEAR))
def test_language_tables_in_a_batch(name, query, text, expected):
    matcher = Matcher([make_rule(query)])
    bill = BillText.of(summary=text)
    for found in _found(matcher, bill):
        assert bool(found) is expected
        assert found == _single(matcher, bill)


@pytest.mark.parametrize(("name", "query", "fields", "expected"), FIELDS_AND_CASE, ids=_ids(FIELDS_AND_CASE))
def test_fields_and_case_tables_in_a_batch(name, query, fields, expected):
    matcher = Matcher([make_rule(query)])
    bill = BillText.of(**fields)
    for found in _found(matcher, bill):
        assert bool(found) is expected


# (id, query, title): cases aimed at the joint search; each must match.
JOINT_SEARCH = [
    ("compound-part-first", "telehealth", "Telehealth-only services"),
    ("compound-part-last", "telehealth", "Audio-telehealth services"),
    ("compound-part-middle", "telehealth", "audio-telehealth-only services"),
    ("compound-joined", "telehealth", "Tele-health services"),
    ("compound-joined-twice", "eprescribing", "e-pre-scribing rules"),
    ("wildcard-joined", "interoperab*", "inter-operability"),
    ("wildcard-part", "interoperab*", "non-interoperable"),
    ("phrase-pair-punctuation", '"prescription monitoring"', "prescription / monitoring"),
    ("phrase-pair-much-punctuation", '"prescription monitoring"', "prescription * / * monitoring"),
    ("phrase-pair-many-spaces", '"prescription monitoring"', "prescription    monitoring"),
    ("phrase-pair-compound", '"monitoring program"', "drug-monitoring program"),
    ("phrase-joined-first", '"e-prescribing mandate"', "an eprescribing mandate"),
    ("word-at-text-start", "telehealth", "telehealth"),
    ("other-script", "телемедицина", "закон о телемедицина"),
    ("accented-text", "telesante", "Loi sur la TÉLÉSANTÉ"),
    ("ligature-text", "oeuvre", "mise en Œuvre"),
    ("exact-case", "=HIT", "HIT workforce"),
    ("apostrophe", "patient's", "the patient’s record"),
]


@pytest.mark.parametrize(("name", "query", "title"), JOINT_SEARCH, ids=_ids(JOINT_SEARCH))
def test_joint_search_keeps_every_match(name, query, title):
    matcher = Matcher([make_rule(query)])
    bill = BillText.of(title=title)
    single = _single(matcher, bill)
    assert single, "the case must match bill by bill"
    for found in _found(matcher, bill):
        assert found == single


def test_pack_and_many_rules_on_many_bills_agree_with_match():
    """The pack plus phrase, wildcard, NEAR and exact-case rules over varied bills, in one batch."""
    extra = ['"prescription monitoring"', "inter-operab*", "=HIT NEAR/3 workforce", '"e-prescribing mandate"', "telesante"]
    rules = load_rules([HEALTH_IT_PACK]).enabled + [
        Rule(id=f"x{n}", name=f"x{n}", query_text=q, query=parse_query(q), path=Path("x.toml")) for n, q in enumerate(extra)
    ]
    matcher = Matcher(rules)
    bills = [BillText.of(title=title) for _, _, title in JOINT_SEARCH] + FILLER + [
        BillText.of(title="Health information exchange; HIE governance", summary="Electronic health records."),
        BillText.of(title="Loi sur la télésanté", summary="Dossier de santé électronique."),
        BillText.of(title="HIT workforce grants", summary="Inter-operability of systems; e-prescribing mandate."),
    ]
    many = matcher.match_many(bills)
    assert [[(m.rule_id, m.snippet) for m in found] for found in many] == [
        [(m.rule_id, m.snippet) for m in matcher.match(bill)] for bill in bills
    ]
    assert sum(map(bool, many)) >= 8


# Texts whose word positions are easy to get wrong: runs of breaks, breaks first or last, dots.
POSITION_TEXTS = [
    ("plain", "Health information exchange"),
    ("breaks-run", "; ; a ; ; b ."),
    ("break-first", ". a, b"),
    ("dots", "A.I. tools. Next sentence.\nNew line"),
    ("brackets-quotes", 'x (y) [z] {w} "q" | r: s! t?'),
    ("apostrophes", "the patient's record, l'interoperabilite"),
    ("only-breaks", "  ;  "),
    ("case", "HIT Workforce and Health IT"),
]


@pytest.mark.parametrize(("name", "text"), POSITION_TEXTS, ids=_ids(POSITION_TEXTS))
def test_position_words_agree_with_the_positional_index(name, text):
    from rules.text import index_positions, position_words

    words = position_words(text)
    assert words is not None
    expected: dict[str, list[tuple[int, int, int, int]]] = {}
    for position, word in enumerate(words):
        if word != "\x02":
            expected.setdefault(word, []).append((position, position, -1, -1))
    assert index_positions(text)[0] == expected


def test_position_words_leave_hyphens_and_other_scripts_to_the_index():
    from rules.text import position_words

    assert position_words("e-prescribing") is None
    assert position_words("закон") is None
    assert position_words("télésanté") == ["telesante"]
