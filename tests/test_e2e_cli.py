"""A new user's first hour, through the real `billwatch` command in a subprocess: init, edit the
config, point LegiScan at a local server that answers like the real API, scan twice, change one
bill, and the failure cases (missing key, a source answering 500) as one-line errors."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_legiscan import KEY
from tests.test_legiscan_server import api  # noqa: F401  (fixture: fake LegiScan API on loopback)


def billwatch(folder: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args], cwd=folder, capture_output=True, text=True, timeout=120,
        env={**os.environ, "BILLWATCH_CONFIG": "", **(env or {})},
    )


def configure(folder: Path, base_url: str, extra_sources: str = "") -> None:
    """`billwatch init`, then the edits a user makes: LegiScan instead of the starter sources."""
    result = billwatch(folder, "init")
    assert result.returncode == 0, result.stderr
    text = (folder / "billwatch.toml").read_text()
    text = re.sub(r"\[\[source\]\]\nname = \"(parliament|ontario)\"\ntype = \"[a-z-]+\"\n", "", text)
    text = text.replace("[http]\n", "[http]\nmin_interval = 0\nretries = 0\n")
    text += ('\n[[source]]\nname = "legiscan"\ntype = "legiscan"\napi_key = "${LEGISCAN_API_KEY}"\n'
             f'states = ["TX"]\nbase_url = "{base_url}"\n' + extra_sources)
    (folder / "billwatch.toml").write_text(text)


def test_init_scan_twice_then_one_change(api, tmp_path):  # noqa: F811
    fake, base_url = api
    configure(tmp_path, base_url)
    env = {"LEGISCAN_API_KEY": KEY}

    first = billwatch(tmp_path, "scan", "--json", env=env)
    assert first.returncode == 0, first.stderr
    (report,) = json.loads(first.stdout)["sources"]
    assert report["inserted"] == len(fake.entries) and report["baseline"] is True
    assert KEY not in first.stdout + first.stderr

    calls = len(fake.calls)
    second = json.loads(billwatch(tmp_path, "scan", "--json", env=env).stdout)["sources"][0]
    assert len(fake.calls) - calls == 1 and fake.calls[-1]["op"] == "getMasterList"
    assert (second["requests"], second["events"], second["inserted"], second["updated"]) == (1, 0, 0, 0)

    bill_id = next(iter(fake.entries))
    fake.change(bill_id)
    calls = len(fake.calls)
    third = json.loads(billwatch(tmp_path, "scan", "--json", env=env).stdout)["sources"][0]
    ops = [c["op"] for c in fake.calls[calls:]]
    assert ops == ["getMasterList", "getBill"] and third["updated"] == 1 and third["events"] >= 2

    status = json.loads(billwatch(tmp_path, "status", "--json", env=env).stdout)["sources"][0]
    assert status["quota_used"] == len(fake.calls) and status["quota_limit"] == 30000
    assert status["stale"] is False and status["consecutive_failures"] == 0

    bills = json.loads(billwatch(tmp_path, "bills", "--json", env=env).stdout)
    assert {b["jurisdiction"] for b in bills} == {"US-TX"}
    for bill in bills:
        assert re.fullmatch(r"[A-Z]+ \d+", bill["identifier"]), bill["identifier"]
        assert bill["stage"] in {"introduced", "in_committee", "passed_chamber", "passed_legislature", "enacted"}


def test_missing_api_key_is_one_line_with_what_to_do(api, tmp_path):  # noqa: F811
    _, base_url = api
    configure(tmp_path, base_url)
    env_free = {k: v for k, v in os.environ.items() if k != "LEGISCAN_API_KEY"}
    result = subprocess.run([sys.executable, "-m", "monitor", "scan"], cwd=tmp_path, capture_output=True,
                            text=True, env={**env_free, "BILLWATCH_CONFIG": ""}, timeout=60)
    assert result.returncode == 1
    assert "environment variable LEGISCAN_API_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_source_answering_500_fails_alone(api, tmp_path, no_network):  # noqa: F811
    fake, base_url = api
    broken = ('\n[[source]]\nname = "broken"\ntype = "openstates"\napi_key = "x"\njurisdictions = ["tx"]\n'
              'base_url = "http://127.0.0.1:9/"\n')
    configure(tmp_path, base_url, broken)
    result = billwatch(tmp_path, "scan", env={"LEGISCAN_API_KEY": KEY})
    assert result.returncode == 3, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "[broken]" in errors[0] and "hint:" in errors[0]
    assert "legiscan: read" in result.stdout
