"""Rule files: loading, every problem reported at once, the content hash."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.errors import RuleError
from rules.explain import BillText
from rules.ruleset import load_rules

RULES = Path(__file__).parent / "fixtures" / "rules"


def test_good_file_loads_every_key():
    ruleset = load_rules([RULES / "good.toml"])
    interop = ruleset.get("interop")
    assert [rule.id for rule in ruleset.rules] == ["interop", "telehealth", "off"]
    assert interop.name == "Interoperability and health information exchange"
    assert interop.fields == {"title", "summary", "subjects"}
    assert interop.jurisdictions == ("US-*", "CA-ON")
    assert (interop.weight, interop.tags, interop.exclude_text) == (3.0, ("interoperability",), "veterinar*")
    telehealth = ruleset.get("telehealth")
    assert telehealth.alert is True and telehealth.name == "Telehealth" and telehealth.weight == 1.0
    assert ruleset.get("off").enabled is False and ruleset.get("off").name == "off"
    assert [rule.id for rule in ruleset.enabled] == ["interop", "telehealth"]


def test_good_file_matches():
    ruleset = load_rules([RULES / "good.toml"])
    bill = BillText.of(jurisdiction="US-TX", title="FHIR APIs", summary="virtual care and ransomware")
    assert [m.rule_id for m in ruleset.matcher.match(bill)] == ["interop", "telehealth"]
    vet = BillText.of(jurisdiction="US-TX", title="Veterinary FHIR records")
    assert ruleset.matcher.match(vet) == []


def test_broken_file_reports_every_problem_with_file_rule_and_column():
    with pytest.raises(RuleError) as caught:
        load_rules([RULES / "broken.toml"])
    path = str(RULES / "broken.toml")
    problems = caught.value.problems
    expected = [
        f"{path}:dangling:15: query: expected a word, phrase or ( after AND, found end of query",
        f"{path}:typo-key: unknown key 'wieght' (allowed: id, name, query, exclude, fields, jurisdictions, weight, tags, enabled, alert)",
        f"{path}:empty: query is empty",
        f"{path}:bad-field: unknown field 'body' in fields (allowed: title, summary, subjects, actions)",
        f"{path}:rule #6: missing key 'id'",
        f"{path}:bad-exclude:22: exclude: expected ) to close the ( at column 1, found end of query",
        f"{path}:bad-exclude: jurisdictions: 'TEXAS' is not a code or pattern like US-TX, CA-ON, US-*, CA",
        f"{path}:bad-exclude: weight must be a positive number (found -1)",
        f"{path}:dangling: duplicate rule id in this file (first used by rule #1)",
    ]
    assert sorted(problems) == sorted(expected)
    assert "invalid rules (9 problems)" in str(caught.value)
    assert caught.value.hint  # says to run `billwatch rules check`


def test_duplicate_ids_across_files(tmp_path):
    other = tmp_path / "other.toml"
    other.write_text('[[rule]]\nid = "telehealth"\nquery = "telemedicine"\n')
    with pytest.raises(RuleError) as caught:
        load_rules([RULES / "good.toml", other])
    assert caught.value.problems == [f"{other}:telehealth: duplicate rule id (first defined in {RULES / 'good.toml'})"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[[rule]\nid = 'x'", "TOML syntax error"),
        ("", "no [[rule]] tables"),
        ("rule = 3", "[[rule]] tables"),
        ("[pack]\nname = 'x'\n[[rule]]\nid = 'x'\nquery = 'y'", "unknown top-level key 'pack'"),
        ("[[rule]]\nid = 'Bad Id'\nquery = 'y'", "id must be lower-case"),
        ("[[rule]]\nid = 'x'\nquery = 'title:privacy'\nfields = ['summary']", "query names title: but the rule's fields are summary"),
        ("[[rule]]\nid = 'x'\nquery = 'y'\nenabled = 'yes'", "enabled must be true or false"),
        ("[[rule]]\nid = 'x'\nquery = 'y'\ntags = 'privacy'", "tags must be a list"),
        ("[[rule]]\nid = 'x'\nquery = 'y'\nfields = []", "fields must be a non-empty list"),
        ("[[rule]]\nid = 'x'\nquery = 3", "query must be a string"),
    ],
    ids=["toml-syntax", "empty-file", "rule-not-table", "unknown-table", "bad-id", "scope-outside-fields",
         "enabled-type", "tags-type", "fields-empty", "query-type"],
)
def test_file_problems(tmp_path, content, message):
    path = tmp_path / "rules.toml"
    path.write_text(content)
    with pytest.raises(RuleError) as caught:
        load_rules([path])
    assert any(message in problem and problem.startswith(str(path)) for problem in caught.value.problems)


def test_missing_file_is_a_problem(tmp_path):
    with pytest.raises(RuleError) as caught:
        load_rules([tmp_path / "nope.toml", RULES / "broken.toml"])
    assert caught.value.problems[0].startswith(f"{tmp_path / 'nope.toml'}: cannot read the rule file")
    assert len(caught.value.problems) == 10  # the other file's problems are listed as well


def test_hash_follows_content_not_location(tmp_path):
    copy = tmp_path / "copy.toml"
    copy.write_bytes((RULES / "good.toml").read_bytes())
    original = load_rules([RULES / "good.toml"]).hash
    assert load_rules([copy]).hash == original
    copy.write_bytes(copy.read_bytes() + b"\n# a comment is a change too\n")
    assert load_rules([copy]).hash != original



def test_apostrophe_inside_a_single_quoted_query_gets_a_hint(tmp_path):
    path = tmp_path / "apostrophe.toml"
    path.write_text("[[rule]]\nid = \"records\"\nquery = 'patient's record'\n", encoding="utf-8")
    with pytest.raises(RuleError) as caught:
        load_rules([path])
    (problem,) = caught.value.problems
    assert problem.startswith(f"{path}: TOML syntax error: ") and "(at line 3, column 18)" in problem
    assert problem.endswith("""(line 3: an apostrophe inside '...' ends the string; write the query in '''...''')""")


def test_a_file_saved_with_a_byte_order_mark_and_crlf_lines_loads(tmp_path):
    path = tmp_path / "windows.toml"
    path.write_bytes(b'\xef\xbb\xbf[[rule]]\r\nid = "tele"\r\nquery = """telehealth\r\nOR telemedicine"""\r\n')
    assert [rule.id for rule in load_rules([path]).rules] == ["tele"]
    path.write_bytes(b'[[rule]]\r\nid = "tele"\r\nquery = """telehealth\r\nAND"""\r\n')
    with pytest.raises(RuleError) as caught:
        load_rules([path])
    assert caught.value.problems == [
        f"{path}:tele:4: query: expected a word, phrase or ( after AND, found end of query (line 4 of the file)"
    ]
