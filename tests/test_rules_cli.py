"""`billwatch rules check` and `billwatch rules test`, through click and as the real command."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from rules.cli import rules_group
from rules.integration import load_ruleset, match_bills
from tests.test_rules_support import record, rules_db, store_bills  # noqa: F401 (fixture)

RULES = Path(__file__).parent / "fixtures" / "rules"
ROOT = Path(__file__).resolve().parents[1]


def run(args: list[str], obj=None):
    return CliRunner().invoke(rules_group, args, obj=obj)


def app_for(database, rule_files: list[Path], tmp_path: Path):
    """The object the main CLI passes: config (with rule files), config_path, database, echo_json."""
    config_path = tmp_path / "billwatch.toml"
    config_path.write_text("# test config\n")
    return SimpleNamespace(config=SimpleNamespace(rules=rule_files), config_path=config_path, database=database,
                           echo_json=lambda data: print(json.dumps(data)))


def test_check_good_file():
    result = run(["check", str(RULES / "good.toml")])
    assert result.exit_code == 0
    assert f"ok: 3 rules (2 enabled) in 1 file: {RULES / 'good.toml'}" in result.output


def test_check_broken_file_lists_every_problem_with_a_caret():
    result = run(["check", str(RULES / "broken.toml")])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert f"{RULES / 'broken.toml'}:dangling:15: query: expected a word, phrase or ( after AND, found end of query" in lines
    caret = lines.index("    telehealth AND")
    assert lines[caret + 1] == "    " + " " * 14 + "^"
    assert "9 problems in 1 file" in result.output


def test_check_without_files_or_config_uses_the_pack(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = SimpleNamespace(config_path=tmp_path / "billwatch.toml")
    result = run(["check"], app)
    assert result.exit_code == 0
    assert "no config file: using the shipped health-IT pack" in result.output
    assert "health_it.toml" in result.output


def test_check_uses_the_config_rule_files(tmp_path):
    app = app_for(None, [RULES / "broken.toml"], tmp_path)
    result = run(["check"], app)
    assert result.exit_code == 1 and "9 problems" in result.output


def test_text_lists_rules_words_and_snippet():
    result = run(["test", str(RULES / "good.toml"), "--text", "Expands virtual care and FHIR APIs", "--title", "Health Act"])
    assert result.exit_code == 0
    assert "2 rules match:" in result.output
    assert "interop  Interoperability and health information exchange  (weight 3)" in result.output
    assert "summary 25-29  'FHIR'" in result.output
    assert "Expands **virtual care** and FHIR APIs" in result.output


def test_text_json_shape():
    result = run(["test", str(RULES / "good.toml"), "--json", "--text", "the HIE and telemedicine", "--title", "FHIR"])
    assert result.exit_code == 0
    document = json.loads(result.output)
    first, second = document["matches"]
    assert first == {
        "rule": "interop", "name": "Interoperability and health information exchange", "weight": 3.0,
        "hits": [{"field": "title", "start": 0, "end": 4, "text": "FHIR"},
                 {"field": "summary", "start": 4, "end": 7, "text": "HIE"}],
        "snippet": "**FHIR**",
    }
    assert second["rule"] == "telehealth" and second["hits"][0]["text"] == "telemedicine"


def test_text_without_match():
    result = run(["test", str(RULES / "good.toml"), "--text", "hunting licenses"])
    assert result.exit_code == 0 and "no rule matches (tried 2 rules" in result.output


def test_text_matching_only_a_disabled_rule_says_it_was_not_tried():
    result = run(["test", str(RULES / "good.toml"), "--text", "hunting licenses"])
    assert "no rule matches (tried 2 rules; 1 disabled rule not tried: off)" in result.output


def test_text_with_jurisdiction_applies_rule_jurisdictions():
    text = ["test", str(RULES / "good.toml"), "--text", "FHIR", "--jurisdiction"]
    assert "interop" in run(text + ["US-TX"]).output
    assert "no rule matches" in run(text + ["CA-QC"]).output


@pytest.mark.parametrize(
    ("args", "message"),
    [(["test", "--title", "x"], "--title goes with --text"),
     (["test", "--text", "x", "--since", "2024-01-01"], "--since applies to stored bills"),
     (["test", "--text", "x", "--jurisdiction", "US-TX", "--jurisdiction", "US-OK"], "one jurisdiction code"),
     (["test", "--text", "x", "--jurisdiction", "US-*"], "one jurisdiction code"),
     (["test", "--samples", "-1"], "-1 is not in the range x>=0")],
    ids=["title-without-text", "since-with-text", "text-two-jurisdictions", "text-jurisdiction-pattern",
         "negative-samples"],
)
def test_usage_errors_exit_2(args, message):
    result = run(args)
    assert result.exit_code == 2 and message in result.output


def _stored(rules_db, tmp_path, in_force: Path):
    ids = store_bills(
        rules_db,
        record("HB 1", "Telehealth parity", jurisdiction="US-TX", last_action_date=dt.date(2025, 3, 1)),
        record("HB 2", "FHIR APIs for Medicaid", jurisdiction="US-TX", last_action_date=dt.date(2024, 1, 5)),
        record("SB 3", "Ransomware at hospitals", jurisdiction="US-OK", last_action_date=dt.date(2025, 2, 1)),
        record("PL 4", "Loi sur la télésanté", jurisdiction="CA-QC", session="43-1"),
    )
    with rules_db.session() as session:
        match_bills(session, load_ruleset([in_force]), ids)
        session.commit()
    return ids


def test_backtest_compares_edited_rules_with_the_rules_in_force(rules_db, tmp_path):
    in_force = RULES / "good.toml"
    _stored(rules_db, tmp_path, in_force)
    edited = tmp_path / "edited.toml"
    edited.write_text(in_force.read_text().replace(
        "query = 'telehealth OR telemedicine OR télésanté OR \"virtual care\"'",
        "query = 'telemedicine OR ransomware'"))
    app = app_for(rules_db, [in_force], tmp_path)
    result = run(["test", str(edited)], app)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "3 rules on 4 stored bills" in out
    assert "telehealth  Telehealth  (weight 1)\n  1 bill; in force: 2 (+1 would newly match, -2 would no longer match)" in out
    assert "+ US-OK 89R SB 3  Ransomware at hospitals" in out
    assert "- US-TX 89R HB 1  Telehealth parity" in out and "- CA-QC 43-1 PL 4  Loi sur la télésanté" in out
    assert "off  off  (weight 1)\n  disabled (enabled = false): not evaluated" in out


def test_backtest_of_the_rules_in_force_shows_no_difference(rules_db, tmp_path):
    _stored(rules_db, tmp_path, RULES / "good.toml")
    app = app_for(rules_db, [RULES / "good.toml"], tmp_path)
    result = run(["test", "--json"], app)
    document = json.loads(result.output)
    by_rule = {rule["rule"]: rule for rule in document["rules"]}
    assert document["bills"] == 4
    assert by_rule["telehealth"]["matches"] == by_rule["telehealth"]["in_force"] == 2
    assert by_rule["telehealth"]["would_newly_match"] == by_rule["telehealth"]["would_no_longer_match"] == []
    sample = by_rule["interop"]["samples"][0]
    assert sample == {"jurisdiction": "US-TX", "session": "89R", "identifier": "HB 2", "title": "FHIR APIs for Medicaid",
                      "snippet": "**FHIR** APIs for Medicaid"}


def test_backtest_filters_by_date_and_jurisdiction(rules_db, tmp_path):
    _stored(rules_db, tmp_path, RULES / "good.toml")
    app = app_for(rules_db, [RULES / "good.toml"], tmp_path)
    document = json.loads(run(["test", "--json", "--since", "2025-01-01", "--jurisdiction", "US-*"], app).output)
    assert document["bills"] == 2 and document["since"] == "2025-01-01" and document["jurisdictions"] == ["US-*"]
    by_rule = {rule["rule"]: rule for rule in document["rules"]}
    assert by_rule["telehealth"]["matches"] == 1 and by_rule["interop"]["matches"] == 0


def test_backtest_bad_date_is_a_usage_error(rules_db, tmp_path):
    result = run(["test", "--since", "March"], app_for(rules_db, [RULES / "good.toml"], tmp_path))
    assert result.exit_code == 2 and "not a date in the form YYYY-MM-DD" in result.output


def _billwatch(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "BILLWATCH_CONFIG": str(cwd / "none.toml")}
    return subprocess.run([sys.executable, "-m", "monitor", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_real_command_rules_check_and_text(tmp_path):
    good = _billwatch("rules", "check", str(RULES / "good.toml"), cwd=tmp_path)
    assert good.returncode == 0 and "ok: 3 rules" in good.stdout
    broken = _billwatch("rules", "check", str(RULES / "broken.toml"), cwd=tmp_path)
    assert broken.returncode == 1 and "broken.toml:typo-key: unknown key 'wieght'" in broken.stdout
    text = _billwatch("rules", "test", "--json", "--text", "Loi sur la télésanté", cwd=tmp_path)
    assert text.returncode == 0, text.stderr
    assert [m["rule"] for m in json.loads(text.stdout)["matches"]] == ["telehealth"]


def test_backtest_of_a_rule_just_disabled_lists_what_would_no_longer_match(rules_db, tmp_path):
    in_force = RULES / "good.toml"
    _stored(rules_db, tmp_path, in_force)
    edited = tmp_path / "edited.toml"
    edited.write_text(in_force.read_text().replace('id = "telehealth"', 'id = "telehealth"\nenabled = false'))
    result = run(["test", str(edited)], app_for(rules_db, [in_force], tmp_path))
    assert result.exit_code == 0, result.output
    assert ("telehealth  Telehealth  (weight 1)\n  disabled (enabled = false): not evaluated; in force: 2"
            " (-2 would no longer match)\n  would no longer match:\n    - ") in result.output
    assert "off  off  (weight 1)\n  disabled (enabled = false): not evaluated\n" in result.output


def test_one_rule_is_counted_in_the_singular(tmp_path):
    path = tmp_path / "one.toml"
    path.write_text('[[rule]]\nid = "hie"\nquery = "=HIE"\n', encoding="utf-8")
    assert f"ok: 1 rule (1 enabled) in 1 file: {path}" in run(["check", str(path)]).output
    assert "no rule matches (tried 1 rule)" in run(["test", str(path), "--text", "hiking"]).output


def test_backtest_on_an_empty_database_says_how_to_get_bills(rules_db, tmp_path):
    result = run(["test"], app_for(rules_db, [RULES / "good.toml"], tmp_path))
    assert result.exit_code == 0
    assert result.output.startswith("3 rules on 0 stored bills\nno stored bills to test on: run `billwatch scan`"
                                    " or `billwatch import` first, or try a sentence with --text\n")


def test_backtest_of_the_config_files_after_a_rule_was_deleted_shows_its_bills_going(rules_db, tmp_path):
    in_force = tmp_path / "rules.toml"
    in_force.write_text((RULES / "good.toml").read_text(encoding="utf-8"), encoding="utf-8")
    _stored(rules_db, tmp_path, in_force)
    text = in_force.read_text(encoding="utf-8")
    start = text.index('[[rule]]\nid = "telehealth"')
    in_force.write_text(text[:start] + text[text.index("[[rule]]", start + 1):], encoding="utf-8")  # deleted
    app = app_for(rules_db, [in_force], tmp_path)
    out = run(["test"], app).output
    assert ("\nin force, no longer in the rule files:\n"
            "telehealth  2 bills would no longer match (its matches are dropped at the next scan)\n") in out
    document = json.loads(run(["test", "--json"], app).output)
    assert document["rules_no_longer_defined"] == [{"rule": "telehealth", "in_force": 2}]
    other = tmp_path / "other.toml"
    other.write_text('[[rule]]\nid = "ransomware"\nquery = "ransomware"\n', encoding="utf-8")
    assert "no longer in the rule files" not in run(["test", str(other)], app).output  # not a replacement
