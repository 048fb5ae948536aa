"""match_many gives exactly what match gives, with either joint search.

The engines: ``ahocorasick`` (rules/prefilter.py: one search for anchors, then word by word),
``hyperscan`` (rules/batch.py: compiled search of every sequence, rules decided by set
operations) and ``hyperscan-python`` (the same, the first search's text built in Python instead of
by the C extension rules._stepone). Every row of the query-language tables is matched inside a batch of other bills,
first, in the middle and last (bill boundaries are where a joint search could go wrong), and
compared with the expected answer; then cases aimed at the joint searches themselves (compounds,
punctuation between the words of a phrase, fields and list items, other scripts), hits and
snippets included; then 2,646 real bills against the pack and rules of every shape.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rules import batch, prefilter
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

ENGINES = ["ahocorasick", "hyperscan", "hyperscan-python"]


@pytest.fixture(autouse=True)
def _step_one_in_python(request, monkeypatch):
    """The engine ``hyperscan-python``: rules/batch.py without its C extension."""
    callspec = getattr(request.node, "callspec", None)
    if callspec is not None and callspec.params.get("engine") == "hyperscan-python":
        monkeypatch.setattr(batch, "_stepone", None)


def make_matcher(rules: list[Rule], engine: str) -> Matcher:
    """A matcher whose match_many uses ``engine`` for batches of 8 bills or more."""
    if engine.startswith("hyperscan") and not batch.available():
        pytest.skip("hyperscan is not installed")
    if engine == "ahocorasick" and not prefilter.available():
        pytest.skip("ahocorasick-rs is not installed")
    matcher = Matcher(rules)
    if engine.startswith("hyperscan"):
        assert matcher.compile_batch()
    return matcher

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
    for bills, index in _batches(bill):
        results = matcher.match_many(bills)
        assert len(results) == len(bills)
        for i, other in enumerate(bills):
            assert [(m.rule_id, m.snippet) for m in results[i]] == [(m.rule_id, m.snippet) for m in matcher.match(other)]
        found.append([(m.rule_id, [(h.field, h.start, h.end) for h in m.hits], m.snippet) for m in results[index]])
    return found


def _single(matcher: Matcher, bill: BillText) -> list[tuple[str, list[tuple[str, int, int]], str]]:
    return [(m.rule_id, [(h.field, h.start, h.end) for h in m.hits], m.snippet) for m in matcher.match(bill)]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("name", "query", "text", "expected"), WORDS + BOOLEAN + NEAR, ids=_ids(WORDS + BOOLEAN + NEAR))
def test_language_tables_in_a_batch(name, query, text, expected, engine):
    matcher = make_matcher([make_rule(query)], engine)
    bill = BillText.of(summary=text)
    for found in _found(matcher, bill):
        assert bool(found) is expected
        assert found == _single(matcher, bill)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("name", "query", "fields", "expected"), FIELDS_AND_CASE, ids=_ids(FIELDS_AND_CASE))
def test_fields_and_case_tables_in_a_batch(name, query, fields, expected, engine):
    matcher = make_matcher([make_rule(query)], engine)
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


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("name", "query", "title"), JOINT_SEARCH, ids=_ids(JOINT_SEARCH))
def test_joint_search_keeps_every_match(name, query, title, engine):
    matcher = make_matcher([make_rule(query)], engine)
    bill = BillText.of(title=title)
    single = _single(matcher, bill)
    assert single, "the case must match bill by bill"
    for found in _found(matcher, bill):
        assert found == single


@pytest.mark.parametrize("engine", ENGINES)
def test_pack_and_many_rules_on_many_bills_agree_with_match(engine):
    """The pack plus phrase, wildcard, NEAR and exact-case rules over varied bills, in one batch."""
    extra = ['"prescription monitoring"', "inter-operab*", "=HIT NEAR/3 workforce", '"e-prescribing mandate"', "telesante"]
    rules = load_rules([HEALTH_IT_PACK]).enabled + [
        Rule(id=f"x{n}", name=f"x{n}", query_text=q, query=parse_query(q), path=Path("x.toml")) for n, q in enumerate(extra)
    ]
    matcher = make_matcher(rules, engine)
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


# (id, query, bill fields, expected): texts aimed at rules/batch.py, where each field is searched
# on its own with punctuation turned into spaces and breaks.
HARD_TEXTS = [
    ("compounds-joined-and-part", '"health eprescribing"', {"title": "e-health e-prescribing rules"}, True),
    ("compound-joined-next-to-compound", '"telehealth services"', {"title": "tele-health services-related costs"}, True),
    ("compound-joined-word", "healthcare", {"summary": "health-care workers"}, True),
    ("many-spaces", '"health information"', {"summary": "health      information"}, True),
    ("punctuation-run", '"health information"', {"summary": "health / * / information"}, True),
    ("apostrophe-and-space", '"patients records"', {"summary": "the patients' records"}, True),
    ("comma-break", '"health information"', {"summary": "health, information"}, False),
    ("new-line-inside-field", '"health information"', {"summary": "public health\ninformation"}, True),
    ("period-new-line-break", '"health information"', {"summary": "public health.\ninformation"}, False),
    ("space-hyphen-break", '"health information"', {"summary": "health -information"}, False),
    ("hyphen-space-break", '"telehealth services"', {"summary": "telehealth- services"}, False),
    ("hyphen-new-line", '"telehealth services"', {"summary": "telehealth-\nservices"}, True),
    ("double-hyphen", '"health information"', {"summary": "health--information"}, True),
    ("dot-inside", '"health information"', {"summary": "health.information"}, True),
    ("hyphen-first", "telehealth", {"summary": "-telehealth services"}, True),
    ("break-character", '"health information"', {"summary": "health\x02information"}, False),
    ("separator-character", '"health information"', {"summary": "health\x01information"}, True),
    ("text-end-character", "telehealth", {"summary": "tele-\x03health"}, False),
    ("text-end-character-then-compound", "telehealth", {"summary": "a\x03 tele-health"}, True),
    ("phrase-across-fields", '"health information"', {"title": "Public health", "summary": "Information sharing"}, False),
    ("phrase-across-subjects", '"health information"', {"subjects": ["Public Health", "Information Technology"]}, False),
    ("phrase-in-one-subject", '"health information"', {"subjects": ["Other", "Health Information"]}, True),
    ("phrase-across-actions", '"health information"', {"actions": ["Referred to Health", "Information requested"]}, False),
    ("scope-word-elsewhere", "title:telehealth", {"title": "An act", "summary": "telehealth"}, False),
    ("scope-word-there", "title:telehealth", {"title": "Telehealth act", "summary": "other"}, True),
    ("not-word-in-other-field", "telehealth NOT hunting", {"title": "Telehealth", "summary": "hunting licenses"}, False),
    ("near-across-fields", "telehealth NEAR/3 licensure", {"title": "Telehealth", "summary": "licensure"}, False),
    ("near-in-field", "telehealth NEAR/3 licensure", {"summary": "telehealth provider licensure"}, True),
    ("near-too-far", "telehealth NEAR/1 licensure", {"summary": "telehealth and provider licensure"}, False),
    ("or-decided-without-near", "broadband OR (telehealth NEAR/2 licensure)", {"summary": "broadband access"}, True),
    ("not-near", "telehealth NOT (telehealth NEAR/2 fishing)", {"summary": "telehealth for fishing"}, False),
    ("not-near-far", "telehealth NOT (telehealth NEAR/2 fishing)", {"summary": "telehealth, and then much later fishing"}, True),
    ("exact-case-folded-only", "=HIT", {"summary": "a hit song"}, False),
    ("exact-case", "=HIT AND workforce", {"summary": "HIT workforce"}, True),
    ("wildcard-in-phrase", '"prior authoriz* request"', {"summary": "prior authorization request"}, True),
    ("wildcard-in-phrase-compound", '"prior authoriz* request"', {"summary": "prior authorization-request forms"}, True),
    ("wildcard-compound-joined", "interoperab*", {"summary": "inter-operability"}, True),
    ("compound-double-hyphen-joined", "telehealth", {"summary": "tele--health services"}, True),
    ("compound-joined-scoped-elsewhere", "title:healthcare", {"title": "Workers", "summary": "health-care workers"}, False),
    ("compound-joined-scoped-there", "title:healthcare", {"title": "Health-care workers", "summary": "other"}, True),
    ("compound-joined-not", "workers NOT healthcare", {"summary": "health-care workers"}, False),
    ("compound-joined-and-parts", "healthcare AND care", {"summary": "health-care workers"}, True),
    ("compound-joined-wildcard", "microbrew*", {"summary": "micro-brewery permits"}, True),
    ("compound-joined-in-a-subject", "healthcare", {"title": "Act", "subjects": ["Taxes", "Health-care"]}, True),
    ("compound-joined-near", "healthcare NEAR/1 workers", {"summary": "health-care and workers"}, True),
    ("compound-joined-near-too-far", "healthcare NEAR/1 workers", {"summary": "health-care and other workers"}, False),
    ("compound-joined-phrase-word", '"healthcare workers"', {"summary": "health-care workers"}, True),
    ("compound-three-parts-joined", "ehealthrecord", {"summary": "e-health-record systems"}, True),
    ("compound-capitals-joined", "telehealth", {"title": "TELE-HEALTH Act"}, True),
    ("compound-digits-joined", "covid19", {"summary": "COVID-19 relief"}, True),
    ("dash-not-a-compound", "telehealth", {"summary": "tele - health"}, False),
    ("hyphen-at-field-end-not-a-compound", "telehealth", {"title": "tele-", "summary": "health"}, False),
    ("french-title", "télésanté", {"title": "Act", "extras": {"title_fr": "Loi sur la télésanté"}}, True),
    ("accented-summary", "telesante", {"summary": "Loi sur la TÉLÉSANTÉ"}, True),
    ("other-script", "телемедицина", {"summary": "закон о телемедицина"}, True),
]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("name", "query", "fields", "expected"), HARD_TEXTS, ids=_ids(HARD_TEXTS))
def test_hard_texts_agree_with_match(name, query, fields, expected, engine):
    matcher = make_matcher([make_rule(query)], engine)
    bill = BillText.of(**fields)
    assert bool(matcher.match(bill)) is expected
    for found in _found(matcher, bill):
        assert bool(found) is expected
        assert found == _single(matcher, bill)


@pytest.mark.parametrize("engine", ENGINES)
def test_rules_of_words_alone_in_a_batch(engine):
    """rules/batch.py decides a rule of words alone (a word, a wildcard, an OR of them) from its
    first search, unless the bill has a field the rule does not search or a word found is another
    rule's anchor too: the same matches, hits and snippets as match gives."""

    def rule(rule_id: str, query: str, **options) -> Rule:
        return Rule(id=rule_id, name=rule_id, query_text=query, query=parse_query(query), path=Path("x.toml"), **options)

    rules = [
        rule("words", "telehealth OR telemedicine"),
        rule("wildcard", "interoperab*"),
        rule("title-only", "broadband", fields=frozenset({"title"})),
        rule("shares-anchor", "telemedicine NEAR/2 (licensure OR license OR act)"),
        rule("tx", "telehealth", jurisdictions=("US-TX",)),
    ]
    matcher = make_matcher(rules, engine)
    bills = FILLER + [
        BillText.of(jurisdiction="US-TX", title="Telehealth", summary="Interoperability of records."),
        BillText.of(jurisdiction="US-CA", title="Act", summary="Telehealth services; telehealth again."),
        BillText.of(jurisdiction="US-TX", title="Telemedicine licensure"),
        BillText.of(jurisdiction="US-CA", title="Broadband act", summary="broadband for telehealth"),
        BillText.of(jurisdiction="US-CA", title="An act", summary="broadband"),
        BillText.of(jurisdiction="US-CA", title="An act", subjects=["Telehealth"], actions=["Interoperability"]),
    ]
    results = matcher.match_many(bills)
    assert [[m.rule_id for m in found] for found in results[len(FILLER):]] == [
        ["words", "wildcard", "tx"],
        ["words"],
        ["words", "shares-anchor"],
        ["words", "title-only"],
        [],
        ["words", "wildcard"],
    ]
    for bill, found in zip(bills, results, strict=True):
        single = matcher.match(bill)
        assert [(m.rule_id, m.snippet, [h.to_dict() for h in m.hits]) for m in found] == [
            (m.rule_id, m.snippet, [h.to_dict() for h in m.hits]) for m in single
        ]
    assert [h.text for h in results[len(FILLER) + 1][0].hits] == ["Telehealth", "telehealth"]


@pytest.mark.parametrize("engine", ENGINES)
def test_jurisdictions_and_excludes_in_a_batch(engine):
    rules = [
        Rule(id="tx", name="tx", query_text="telehealth", query=parse_query("telehealth"), path=Path("x.toml"),
             jurisdictions=("US-TX",)),
        Rule(id="ex", name="ex", query_text="telehealth", query=parse_query("telehealth"), path=Path("x.toml"),
             exclude_text="hunting", exclude=parse_query("hunting")),
        Rule(id="title-only", name="t", query_text="telehealth", query=parse_query("telehealth"), path=Path("x.toml"),
             fields=frozenset({"title"})),
    ]
    matcher = make_matcher(rules, engine)
    bills = FILLER * 2 + [
        BillText.of(jurisdiction="US-TX", title="Telehealth"),
        BillText.of(jurisdiction="US-CA", title="Telehealth", summary="hunting"),
        BillText.of(jurisdiction="CA-QC", title="Act", summary="telehealth"),
    ]
    found = [[m.rule_id for m in result] for result in matcher.match_many(bills)]
    assert found[-3:] == [["tx", "ex", "title-only"], ["title-only"], ["ex"]]
    assert found == [[m.rule_id for m in matcher.match(bill)] for bill in bills]


LABELS = Path(__file__).resolve().parents[1] / "benchmarks" / "data" / "relevance_labels.csv"


def _labelled_bills() -> list[BillText]:
    import csv

    with LABELS.open(newline="", encoding="utf-8") as handle:
        return [
            BillText.of(jurisdiction=f"US-{row['state']}", title=row["title"],
                        summary=row["description"] if row["description"] != row["title"] else None)
            for row in csv.DictReader(handle)
        ]


def _rules_of_every_shape(bills: list[BillText], count: int = 300) -> list[Rule]:
    """Rules written from the bills' own words: words, wildcards, phrases (with a wildcard inside
    too), AND, NEAR, OR, NOT, scopes, excludes, jurisdictions and exact case; a fixed seed."""
    import collections
    import itertools
    import random
    import re

    words: collections.Counter[str] = collections.Counter()
    pairs: collections.Counter[tuple[str, str]] = collections.Counter()
    for bill in bills:
        found = re.findall(r"[a-z][a-z0-9]+", " ".join(bill.texts.values()).lower())
        words.update(set(found))
        pairs.update(set(itertools.pairwise(found)))
    common = sorted(w for w, n in words.items() if 3 <= n <= 200 and len(w) >= 4)
    bigrams = sorted(p for p, n in pairs.items() if 2 <= n <= 100 and min(map(len, p)) >= 3)
    rng = random.Random(11)
    shapes = [
        lambda: rng.choice(common),
        lambda: rng.choice(common)[:5] + "*",
        lambda: '"{} {}"'.format(*rng.choice(bigrams)),
        lambda: f'"{rng.choice(bigrams)[0]} {rng.choice(bigrams)[1][:4]}*"',
        lambda: f'"{rng.choice(bigrams)[0][:4]}* {rng.choice(bigrams)[1]}"',
        lambda: f"{rng.choice(common)} AND {rng.choice(common)}",
        lambda: f"{rng.choice(common)} NEAR/4 {rng.choice(common)}",
        lambda: f"({rng.choice(common)} OR {rng.choice(common)}) NOT {rng.choice(common)}",
        lambda: f"title:{rng.choice(common)} OR summary:\"{' '.join(rng.choice(bigrams))}\"",
        lambda: f"={rng.choice(common).upper()} OR ={rng.choice(common).capitalize()}",
    ]
    rules = []
    for number in range(count):
        query = shapes[number % len(shapes)]()
        options = {}
        if number % 7 == 3:
            options.update(exclude_text=(exclude := rng.choice(common)), exclude=parse_query(exclude))
        if number % 11 == 5:
            options.update(jurisdictions=("US-T*", "US-C*"))
        if number % 13 == 4:
            options.update(fields=frozenset({"title"}))
        rules.append(Rule(id=f"g{number}", name=f"g{number}", query_text=query, query=parse_query(query),
                          path=Path("g.toml"), **options))
    return rules


@pytest.mark.parametrize("engine", ENGINES)
def test_real_bills_with_the_pack_and_rules_of_every_shape_agree_with_match(engine):
    """2,646 real bills (LegiScan, CC BY 4.0): the same matches in the same order as match gives."""
    bills = _labelled_bills()
    rules = load_rules([HEALTH_IT_PACK]).enabled + _rules_of_every_shape(bills)
    matcher = make_matcher(rules, engine)
    many = [[m.rule_id for m in found] for found in matcher.match_many(bills)]
    single = [[m.rule_id for m in matcher.match(bill)] for bill in bills]
    assert many == single
    assert sum(map(len, single)) > 1_000  # the comparison is not of empty lists
    assert len({rule_id for found in single for rule_id in found}) > 150


def test_match_many_compiles_for_large_batches(monkeypatch):
    if not batch.available():
        pytest.skip("hyperscan is not installed")
    import rules.matcher

    monkeypatch.setattr(rules.matcher, "COMPILE_LEAST", 10)
    matcher = Matcher([make_rule("telehealth")])
    small, large = (FILLER * copies + [BillText.of(title="Telehealth")] for copies in (2, 3))
    assert [bool(found) for found in matcher.match_many(small)] == [False] * 8 + [True]
    assert matcher._batch is None  # 9 bills: the anchor search
    assert [bool(found) for found in matcher.match_many(large)] == [False] * 12 + [True]
    assert matcher._batch is not None  # 13 bills: compiled, and used from now on
    assert [bool(found) for found in matcher.match_many(small)] == [False] * 8 + [True]


@pytest.mark.parametrize("collecting", [True, False])
def test_the_batch_leaves_garbage_collection_as_it_found_it(collecting):
    import gc

    if not batch.available():
        pytest.skip("hyperscan is not installed")
    matcher = make_matcher([make_rule("telehealth")], "hyperscan")
    was = gc.isenabled()
    try:
        (gc.enable if collecting else gc.disable)()
        matcher.match_many(FILLER * 3)
        assert gc.isenabled() is collecting
    finally:
        (gc.enable if was else gc.disable)()


def test_threads_share_a_compiled_matcher():
    """Scans in several threads may match with the same rules at once."""
    from concurrent.futures import ThreadPoolExecutor

    matcher = make_matcher(load_rules([HEALTH_IT_PACK]).enabled, "hyperscan")
    bills = _labelled_bills()[:400]
    expected = [[m.rule_id for m in matcher.match(bill)] for bill in bills]
    with ThreadPoolExecutor(4) as pool:
        runs = list(pool.map(lambda _: [[m.rule_id for m in found] for found in matcher.match_many(bills)], range(8)))
    assert all(run == expected for run in runs)
    assert sum(map(bool, expected)) > 20


def test_rules_only_in_another_script():
    """No rule word is ASCII: nothing to compile for the searches, bills in that script one by one."""
    matcher = make_matcher([make_rule("телемедицина"), make_rule('"закон о"')], "hyperscan")
    bills = FILLER * 2 + [BillText.of(title="закон о телемедицина"), BillText.of(title="Telemedicine")]
    assert [len(found) for found in matcher.match_many(bills)] == [0] * 8 + [2, 0]


def test_fields_joined_for_many_bills_are_those_joined_one_by_one():
    """The batch joins most bills' fields itself (BillText.joined_many); a field of another group
    is left out, and a field name it does not know is joined as BillText.joined joins it."""
    groups = frozenset({"title", "summary"})

    def bills() -> list[BillText]:
        return [
            BillText.of(title="Telehealth", summary="Audio-only visits."),
            BillText.of(title="Budget", actions=["Referred to committee"]),
            BillText(None, {"title": "Budget", "title_es": "Ley de telesalud", "subjects": "Health"}),
            BillText.of(title="Act", extras={"title_fr": "Loi sur la télésanté"}),
        ]

    one_by_one = [bill.joined(groups) for bill in bills()]
    assert one_by_one == ["Telehealth\nAudio-only visits.", "Budget", "Budget\nLey de telesalud", "Act\nLoi sur la télésanté"]
    many = bills()
    assert BillText.joined_many(many, groups) == one_by_one
    assert BillText.joined_many(many, groups) == one_by_one  # kept, read again
    assert [bill.joined(frozenset({"title"})) for bill in many] == ["Telehealth", "Budget", "Budget\nLey de telesalud", "Act\nLoi sur la télésanté"]
