"""The CLI contract: exit codes, one-line errors, JSON shapes (run in-process through main())."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import tests.fakes  # noqa: F401  (registers the test-fake source type)
from monitor.cli import main
from tests.fakes import FakeSource


@pytest.fixture(autouse=True)
def reset_fake():
    FakeSource.produce = None
    yield
    FakeSource.produce = None


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(argv)
    out, err = capsys.readouterr()
    return info.value.code, out, err


def write_config(tmp_path: Path, database, sources: str) -> Path:
    url = database.engine.url.render_as_string(hide_password=False)
    path = tmp_path / "billwatch.toml"
    path.write_text(f'[database]\nurl = "{url}"\n{sources}', encoding="utf-8")
    return path


def source(name: str, **keys) -> str:
    lines = [f'[[source]]\nname = "{name}"\ntype = "test-fake"']
    lines += [f"{k} = {json.dumps(v)}" for k, v in keys.items()]
    return "\n".join(lines) + "\n"


def test_scan_json_shape_and_bills_json(tmp_path, database, capsys):
    config = write_config(tmp_path, database, source("tx", count=2))
    code, out, _ = run(["--config", str(config), "scan", "--json"], capsys)
    assert code == 0
    (report,) = json.loads(out)["sources"]
    for key in ("name", "read", "inserted", "updated", "unchanged", "events", "requests", "error"):
        assert key in report
    assert (report["read"], report["inserted"], report["error"]) == (2, 2, None)
    code, out, _ = run(["--config", str(config), "bills", "--json", "--jurisdiction", "US-*"], capsys)
    bills = json.loads(out)
    assert code == 0 and len(bills) == 2
    assert {b["identifier"] for b in bills} == {"HB 1", "HB 2"}
    assert set(bills[0]) >= {"jurisdiction", "session", "identifier", "title", "stage", "status_date",
                             "last_action", "url", "matches"}
    assert bills[0]["jurisdiction"] == "US-TX" and bills[0]["stage"] == "introduced"


def test_partial_failure_exits_3_and_names_the_failure(tmp_path, database, capsys):
    config = write_config(tmp_path, database, source("bad", count=1, fail="selector 'table.bills' found nothing")
                          + source("good", count=1))
    code, out, err = run(["--config", str(config), "scan"], capsys)
    assert code == 3
    assert "bad: FAILED" in out and "good: read 1, new 1" in out
    assert "error: [bad] selector 'table.bills' found nothing" in err


def test_every_source_failing_exits_1(tmp_path, database, capsys):
    config = write_config(tmp_path, database, source("bad", count=0, fail="down"))
    code, _, err = run(["--config", str(config), "scan"], capsys)
    assert code == 1 and "down" in err


def test_bad_config_one_clear_error_no_traceback(tmp_path, capsys):
    path = tmp_path / "billwatch.toml"
    path.write_text('[[source]]\nname = "x"\ntype = "test-fake"\ncolour = 1\n')
    code, _, err = run(["--config", str(path), "scan"], capsys)
    assert code == 1
    assert "source[0] (x).colour: unknown key" in err
    assert "Traceback" not in err


def test_missing_config_says_run_init(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BILLWATCH_CONFIG", raising=False)
    code, _, err = run(["scan"], capsys)
    assert code == 1 and "billwatch init" in err


def test_usage_error_exits_2(capsys):
    code, _, err = run(["scan", "--since", "yesterday"], capsys)
    assert code == 2 and "YYYY-MM-DD" in err


def test_unknown_source_name(tmp_path, database, capsys):
    config = write_config(tmp_path, database, source("tx"))
    code, _, err = run(["--config", str(config), "scan", "--source", "nm"], capsys)
    assert code == 1 and "no source named 'nm' (configured: tx)" in err


def test_status_json(tmp_path, database, capsys):
    config = write_config(tmp_path, database, source("tx", count=1) + source("idle", count=1))
    run(["--config", str(config), "scan", "--source", "tx"], capsys)
    code, out, _ = run(["--config", str(config), "status", "--json"], capsys)
    data = json.loads(out)
    assert code == 0
    by_name = {s["name"]: s for s in data["sources"]}
    assert by_name["tx"]["stale"] is False and by_name["tx"]["last_success"]
    assert by_name["idle"]["stale"] is True and by_name["idle"]["last_success"] is None
    assert {j["id"] for j in data["jobs"]} == {"scan:tx", "scan:idle"}
    for key in ("type", "last_error", "consecutive_failures", "quota_limit"):
        assert key in by_name["tx"]
    assert by_name["tx"]["quota_month"] and by_name["tx"]["quota_used"] == 0  # the fake makes no request
    code, out, _ = run(["--config", str(config), "status"], capsys)
    assert "tx" in out and "0 requests in" in out


def test_sources_lists_registered_types(capsys):
    code, out, _ = run(["sources", "--json"], capsys)
    types = {row["type"]: row for row in json.loads(out)}
    assert code == 0 and "test-fake" in types
    assert set(types["test-fake"]) >= {"jurisdictions", "needs_key", "limits"}


def test_weekly_digest_job_runs_on_each_subscribers_day(tmp_path):
    from monitor.config import parse_config
    from monitor.jobs import planned_jobs

    config = parse_config({
        "schedule": {"digest_weekly": "30 7 * * mon", "timezone": "America/Chicago"},
        "subscriber": [{"email": "a@example.org", "cadence": "weekly:fri"},
                       {"email": "b@example.org", "cadence": "weekly:mon"},
                       {"email": "c@example.org", "cadence": "daily"}],
    })
    jobs = {j.id: j for j in planned_jobs(config)}
    assert jobs["digest:weekly"].cron == "30 7 * * mon,fri"
    assert jobs["digest:weekly"].next_run.weekday() in (0, 4)
    assert jobs["digest:weekly"].next_run.hour == 7 and jobs["digest:weekly"].next_run.minute == 30
    assert "digest:daily" in jobs


def test_bills_matched_by_rule_and_unknown_rule_id(tmp_path, database, capsys):
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rule]]\nid = "telehealth"\nquery = "telehealth"\n\n'
                     '[[rule]]\nid = "ransomware"\nquery = "ransomware"\n', encoding="utf-8")
    config = write_config(tmp_path, database, source("tx", count=2))
    config.write_text('rules = ["rules.toml"]\n' + config.read_text(encoding="utf-8"), encoding="utf-8")
    assert run(["--config", str(config), "scan"], capsys)[0] == 0
    code, out, _ = run(["--config", str(config), "bills", "--matched", "--rule", "telehealth", "--json"], capsys)
    assert code == 0 and [b["matches"] for b in json.loads(out)] == [["telehealth"], ["telehealth"]]
    code, out, _ = run(["--config", str(config), "bills", "--rule", "ransomware"], capsys)
    assert code == 0 and out == ""  # a rule in force that matches nothing: no bills, no error
    code, _, err = run(["--config", str(config), "bills", "--matched", "--rule", "telehelth"], capsys)
    assert code == 2
    assert "unknown rule id 'telehelth' (rules: ransomware, telehealth)" in err
