"""The rule query language, table by table: (query, bill text, expected) with readable ids."""

from __future__ import annotations

from pathlib import Path

import pytest

from rules.explain import BillText
from rules.matcher import Matcher
from rules.query import QuerySyntaxError, parse_query
from rules.ruleset import Rule


def make_rule(query: str, **options) -> Rule:
    return Rule(id="r", name="r", query_text=query, query=parse_query(query), path=Path("test.toml"), **options)


def matched(query: str, summary: str = "", **fields) -> list[str] | None:
    """The matched texts of ``query`` on a bill, or None when it does not match."""
    results = Matcher([make_rule(query)]).match(BillText.of(summary=summary, **fields))
    return [hit.text for hit in results[0].hits] if results else None


# (id, query, summary text, expected match)
WORDS = [
    ("word", "telehealth", "Expands telehealth services", True),
    ("word-case-insensitive", "telehealth", "TELEHEALTH Act", True),
    ("word-whole-word-only", "HIE", "the hierarchy of courts", False),
    ("word-not-inside-another", "data", "database of candidates", False),
    ("word-digits", "911", "911 emergency services", True),
    ("accent-rule-finds-plain", "télésanté", "services de telesante", True),
    ("accent-plain-finds-accented", "telesante", "Loi sur la télésanté", True),
    ("accent-uppercase", "interopérabilité", "INTEROPÉRABILITÉ DES SYSTÈMES", True),
    ("accent-decomposed-text", "télésanté", "te\u0301le\u0301sante\u0301", True),
    ("ligature-oe", "oeuvre", "mise en œuvre", True),
    ("hyphen-rule-finds-hyphen", "e-prescribing", "requires e-prescribing", True),
    ("hyphen-rule-finds-space", "e-prescribing", "requires e prescribing", True),
    ("hyphen-rule-finds-joined", "e-prescribing", "requires eprescribing", True),
    ("hyphen-joined-rule-finds-hyphen", "eprescribing", "requires e-prescribing", True),
    ("hyphen-non-breaking", "e-prescribing", "requires e\u2011prescribing", True),
    ("hyphen-not-other-words", "e-prescribing", "the prescribing of e", False),
    ("hyphen-part-alone", "prescribing", "requires e-prescribing", True),
    ("apostrophe-possessive", "patient", "the patient's record", True),
    ("apostrophe-typographic", "patient's", "the patient’s record", True),
    ("apostrophe-french-elision", "interopérabilité", "l'interopérabilité", True),
    ("wildcard", "interoperab*", "interoperability standards", True),
    ("wildcard-exact-prefix", "interoperab*", "interoperab", True),
    ("wildcard-whole-word-start", "interoperab*", "noninteroperable", False),
    ("wildcard-accent", "cybersécur*", "la cybersecurite", True),
    ("wildcard-hyphen-rule", "tele-heal*", "telehealth and tele health", True),
    ("phrase", '"health information exchange"', "a Health Information Exchange", True),
    ("phrase-words-apart", '"health information exchange"', "health information and exchange", False),
    ("phrase-order", '"information health"', "health information", False),
    ("phrase-not-across-comma", '"health information"', "health, information", False),
    ("phrase-not-across-dash", '"health information"', "Student Health - Information on dental care", False),
    ("phrase-not-across-sentence", '"health information"', "public health. Information", False),
    ("phrase-across-acronym-dots", '"A.I."', "uses A.I. tools", True),
    ("phrase-ending-in-period", '"health care."', "Health Care. Next", True),
    ("phrase-with-slash", '"health/medical records"', "health/medical records", True),
    ("phrase-wildcard-then-compound-part", '"prior authoriz* request"', "prior authorization-request forms", True),
    ("phrase-across-slash", '"medical records"', "health/medical records", True),
    ("near-counts-break-as-word", "health NEAR/0 data", "health; data", False),
    ("phrase-wildcard", '"electronic health record*"', "electronic health records", True),
    ("phrase-typographic-quotes", "“health data”", "consumer health data", True),
    ("phrase-typographic-quotes-order", "“health data”", "data about health", False),
    ("phrase-guillemets", "« santé publique »", "la santé publique", True),
    ("phrase-guillemets-order", "«santé publique»", "publique et santé", False),
    ("phrase-hyphen-compound", '"e-prescribing mandate"', "an eprescribing mandate", True),
    ("phrase-hyphen-compound-as-written", '"e-prescribing mandate"', "an e-prescribing mandate", True),
    ("phrase-hyphen-compound-spaced", '"e-prescribing mandate"', "an e prescribing mandate", True),
    ("phrase-hyphen-compound-last", '"mandate e-prescribing"', "a mandate e-prescribing rule", True),
    ("phrase-hyphen-compound-digits", '"covid-19 vaccine"', "COVID-19 vaccine", True),
    ("phrase-spaced-finds-compound", '"covid 19 vaccine"', "COVID-19 vaccine", True),
    ("phrase-joined-finds-compound", '"telehealth services"', "tele-health services", True),
    ("phrase-joined-finds-compound-2", '"nonemergency medical transportation"', "non-emergency medical transportation", True),
    ("phrase-starts-in-compound", '"information exchange"', "a health-information exchange", True),
    ("phrase-ends-in-compound", '"prescription drug monitoring"', "prescription drug-monitoring", True),
    ("phrase-spans-compound-end", '"drug monitoring program"', "prescription-drug monitoring program", True),
    ("phrase-compound-other-script", '"healthcare ransomware"', "Ελληνικά: health-care ransomware", True),
    ("phrase-compound-other-script-2", '"ransomware telehealth"', "Ελληνικά: ransomware tele-health", True),
    ("phrase-compound-not-other-words", '"e-prescribing mandate"', "e-prescribing of a mandate", False),
]

BOOLEAN = [
    ("and", "telehealth AND broadband", "broadband for telehealth", True),
    ("and-missing", "telehealth AND broadband", "telehealth only", False),
    ("implicit-and", "telehealth broadband", "broadband for telehealth", True),
    ("implicit-and-missing", "telehealth broadband", "broadband only", False),
    ("or", "telehealth OR telemedicine", "telemedicine visits", True),
    ("or-none", "telehealth OR telemedicine", "hospital visits", False),
    ("not", "HIE NOT hiking", "HIE hiking trails", False),
    ("not-absent", "HIE NOT hiking", "the HIE governance", True),
    ("minus", "HIE -hiking", "HIE hiking trails", False),
    ("minus-absent", "HIE -hiking", "HIE governance", True),
    ("minus-phrase", 'records -"criminal records"', "criminal records checks", False),
    ("minus-group", "records -(criminal OR eviction)", "eviction records", False),
    ("and-not", "records AND NOT criminal", "medical records", True),
    ("precedence-and-over-or", "hunting OR medical records", "medical files", False),
    ("precedence-and-over-or-2", "hunting OR medical records", "hunting license", True),
    ("parentheses", "(hunting OR medical) records", "hunting records", True),
    ("parentheses-nested", "((a1 OR b1) AND (c1 OR d1)) OR e1", "b1 d1", True),
    ("parentheses-nested-no", "((a1 OR b1) AND (c1 OR d1)) OR e1", "b1 f1", False),
    ("not-phrase-present-words-only", 'telehealth NOT "veterinary telehealth"', "veterinary and telehealth", True),
]

NEAR = [
    ("near", "telehealth NEAR/3 reimburs*", "telehealth services and reimbursement", True),
    ("near-reverse-order", "telehealth NEAR/3 reimburs*", "reimbursement of telehealth", True),
    ("near-too-far", "telehealth NEAR/1 reimburs*", "telehealth services and reimbursement", False),
    ("near-exact-distance", "telehealth NEAR/2 reimburs*", "telehealth services and reimbursement", True),
    ("near-zero-adjacent", "health NEAR/0 data", "data health", True),
    ("near-phrase-sides", '"health information" NEAR/4 "electronic exchange"', "electronic exchange of health information", True),
    ("near-group-side", "(records OR information) NEAR/3 health", "health care information", True),
    ("near-default-five", "broadband NEAR telehealth", "broadband a b c d e telehealth", True),
    ("near-default-five-far", "broadband NEAR telehealth", "broadband a b c d e f telehealth", False),
    ("near-chained", "a1 NEAR/1 b1 NEAR/1 c1", "a1 b1 c1", True),
]

FIELDS_AND_CASE = [
    ("scope-title", "title:privacy", {"title": "Health Privacy Act", "summary": "x"}, True),
    ("scope-title-not-summary", "title:privacy", {"title": "Health Act", "summary": "privacy"}, False),
    ("scope-summary", "summary:privacy", {"title": "Health Act", "summary": "privacy"}, True),
    ("scope-phrase", 'title:"health data"', {"title": "Consumer Health Data Act"}, True),
    ("scope-group", "title:(privacy OR security)", {"title": "Data Security Act"}, True),
    ("scope-subjects", "subjects:telemedicine", {"subjects": ["Health", "Telemedicine"]}, True),
    ("scope-actions", "actions:veto*", {"actions": ["Introduced", "Vetoed by Governor"]}, True),
    ("scope-french-title", "title:télésanté", {"title": "An Act", "extras": {"title_fr": "Loi sur la télésanté"}}, True),
    ("french-summary-searched", "interopérabilité", {"extras": {"summary_fr": "l'interopérabilité"}}, True),
    ("subjects-phrase-across-items", '"health records"', {"subjects": ["Public Health", "Records"]}, False),
    ("near-needs-same-field", "telehealth NEAR/5 broadband", {"title": "Telehealth", "summary": "broadband"}, False),
    ("actions-near-across-items", "referred NEAR/3 health", {"actions": ["Referred", "Health committee"]}, False),
    ("exact-case", "=HIT", {"summary": "HIT workforce"}, True),
    ("exact-case-lower-text", "=HIT", {"summary": "hit and run"}, False),
    ("exact-case-accents-ignored", "=QUÉBEC", {"summary": "QUEBEC bill"}, True),
    ("exact-case-mixed", "=HIT", {"summary": "Hit and run"}, False),
    ("exact-case-in-phrase", '"health =IT"', {"summary": "the health IT workforce"}, True),
    ("exact-case-in-phrase-lower", '"health =IT"', {"summary": "public health. It requires"}, False),
]


def _ids(table):
    return [row[0] for row in table]


@pytest.mark.parametrize(("name", "query", "text", "expected"), WORDS + BOOLEAN + NEAR, ids=_ids(WORDS + BOOLEAN + NEAR))
def test_query_on_summary(name, query, text, expected):
    assert (matched(query, text) is not None) is expected


@pytest.mark.parametrize(("name", "query", "fields", "expected"), FIELDS_AND_CASE, ids=_ids(FIELDS_AND_CASE))
def test_query_fields_and_case(name, query, fields, expected):
    assert (matched(query, **fields) is not None) is expected


# (id, query, column, words the message must contain)
SYNTAX_ERRORS = [
    ("empty", "", 1, "query is empty"),
    ("blank", "   ", 1, "query is empty"),
    ("dangling-and", "telehealth AND", 15, "after AND, found end of query"),
    ("dangling-or", "telehealth OR ", 14, "after OR, found end of query"),
    ("double-operator", "a OR OR b", 6, "after OR, found OR"),
    ("unclosed-paren", "(a OR b", 8, "expected ) to close the ( at column 1"),
    ("stray-close-paren", "a OR b)", 7, "without a matching ("),
    ("empty-parens", "a ()", 4, "after (, found )"),
    ("unclosed-phrase", 'telehealth "health data', 12, 'closing "'),
    ("unclosed-typographic-phrase", "telehealth “health data", 12, 'closing "'),
    ("empty-phrase", 'telehealth ""', 12, "phrase is empty"),
    ("only-not", "NOT hiking", 1, "positive word"),
    ("only-minus", "-hiking", 1, "positive word"),
    ("or-with-negative", "telehealth OR -hiking", 1, "positive word"),
    ("unknown-field", "titel:privacy", 1, "unknown field 'titel' (allowed: title, summary, subjects, actions)"),
    ("nested-fields", "title:(summary:x)", 8, "do not nest"),
    ("short-wildcard", "te*", 1, "at least 3 letters"),
    ("inner-wildcard", "tele*health", 5, "only end a word"),
    ("lowercase-or", "telehealth or telemedicine", 12, "write OR"),
    ("lowercase-and", "telehealth and x", 12, "write AND"),
    ("mixed-case-or", "telehealth Or telemedicine", 12, "write OR"),
    ("lowercase-near", "telehealth near/5 broadband", 12, "write NEAR/5"),
    ("lowercase-near-bare", "telehealth near broadband", 12, "write NEAR"),
    ("mixed-case-near", "telehealth Near/3 broadband", 12, "write NEAR/3"),
    ("near-bad-distance", "a NEAR/x b", 8, "number of words after NEAR/"),
    ("near-with-and-side", "x NEAR/3 (a AND b)", 3, "NEAR/3 joins words or phrases"),
    ("near-with-not-side", "x NEAR/3 -b", 10, "after NEAR/3, found -"),
    ("near-missing-side", "telehealth NEAR/5", 18, "after NEAR/5, found end of query"),
    ("minus-alone", "telehealth -", 13, "right after -"),
    ("exact-two-words", "=HIT-x", 2, "one word"),
    ("punctuation-only", "telehealth &", 12, "expected a word of letters or digits, found '&'"),
    ("field-without-term", "title:", 7, "after title:, found end of query"),
    ("phrase-with-comma", '"health, data"', 8, "a phrase never spans clause punctuation"),
    ("phrase-with-colon", 'x "Health Care: Data"', 15, "join the words with NEAR/1"),
    ("phrase-with-sentence-end", '"public health. Information"', 15, "clause punctuation"),
]


@pytest.mark.parametrize(("name", "query", "column", "message"), SYNTAX_ERRORS, ids=_ids(SYNTAX_ERRORS))
def test_syntax_errors_name_column_and_expectation(name, query, column, message):
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query(query)
    assert caught.value.column == column
    assert message in caught.value.message


def test_hits_carry_field_span_and_text():
    summary = "Requires an electronic health record for every patient"
    results = Matcher([make_rule('"electronic health record*"')]).match(BillText.of(title="EHR Act", summary=summary))
    (hit,) = results[0].hits
    assert (hit.field, hit.start, hit.end, hit.text) == ("summary", 12, 36, "electronic health record")
    assert summary[hit.start : hit.end] == hit.text


def test_hit_offsets_survive_two_letter_folds():
    summary = "Œuvre de la télésanté"
    results = Matcher([make_rule("télésanté")]).match(BillText.of(summary=summary))
    (hit,) = results[0].hits
    assert summary[hit.start : hit.end] == "télésanté"


def test_hit_offsets_in_list_fields_count_in_joined_text():
    bill = BillText.of(subjects=["Public Health", "Telemedicine"])
    results = Matcher([make_rule("telemedicine")]).match(bill)
    (hit,) = results[0].hits
    assert bill.texts["subjects"] == "Public Health; Telemedicine"
    assert (hit.start, hit.end) == (15, 27)


def test_snippet_marks_hits_and_cuts_long_text_near_the_first_hit():
    words = " ".join(f"word{i}" for i in range(100))
    summary = f"{words} requires telehealth parity and telehealth coverage {words}"
    results = Matcher([make_rule("telehealth")]).match(BillText.of(summary=summary))
    snippet = results[0].snippet
    assert snippet.startswith("…") and snippet.endswith("…")
    assert "**telehealth** parity and **telehealth** coverage" in snippet
    assert 140 <= len(snippet) <= 180


def test_snippet_of_short_text_is_whole_text():
    results = Matcher([make_rule("HIE")]).match(BillText.of(title="The HIE\n Act"))
    assert results[0].snippet == "The **HIE** Act"


def test_rule_fields_limit_where_the_query_looks():
    rule = make_rule("telehealth", fields=frozenset({"title"}))
    matcher = Matcher([rule])
    assert matcher.match(BillText.of(title="Budget", summary="telehealth")) == []
    assert matcher.match(BillText.of(title="Telehealth Act", summary="x"))


def test_exclude_drops_a_match():
    rule = make_rule("licens*", exclude=parse_query("hunting OR fishing"))
    matcher = Matcher([rule])
    assert matcher.match(BillText.of(summary="hunting licenses")) == []
    assert matcher.match(BillText.of(summary="nurse licensure"))


@pytest.mark.parametrize(
    ("patterns", "jurisdiction", "expected"),
    [
        (("US-*",), "US-TX", True),
        (("US-*",), "CA-ON", False),
        (("US-*", "CA-ON"), "CA-ON", True),
        (("CA",), "CA", True),
        (("CA",), "CA-QC", False),
        ((), "CA-QC", True),
    ],
    ids=["us-star", "us-star-not-ontario", "list", "federal", "federal-not-province", "none-means-all"],
)
def test_rule_jurisdictions(patterns, jurisdiction, expected):
    matcher = Matcher([make_rule("telehealth", jurisdictions=patterns)])
    assert bool(matcher.match(BillText.of(jurisdiction=jurisdiction, summary="telehealth"))) is expected


def test_disabled_rules_do_not_match():
    assert Matcher([make_rule("telehealth", enabled=False)]).match(BillText.of(summary="telehealth")) == []


def test_only_rules_whose_words_occur_are_evaluated():
    rules = [make_rule(q) for q in ("telehealth", "broadband NEAR/3 telehealth", "ransomware", '"health data"')]
    matcher = Matcher(rules)
    bill = BillText.of(summary="telehealth access and health care")
    assert matcher.candidates(bill) == [0]
