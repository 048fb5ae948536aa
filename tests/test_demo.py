"""`billwatch demo`: the whole pipeline offline, run as a real command; its data and its server."""

from __future__ import annotations

import email
import json
import os
import subprocess
import sys
import urllib.request
from email import policy
from pathlib import Path

import pytest

from monitor.demo import DATA, SUBSCRIBERS, ReplayServer, Route, load_manifest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = Path("/work/shared/samples")
#: any request that is not to loopback goes to a dead proxy: the demo must not need one
OFFLINE = {"HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
           "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9",
           "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}


def billwatch(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEGISCAN", "OPENSTATES", "BILLWATCH"))}
    return subprocess.run([sys.executable, "-m", "monitor", *args], check=False, cwd=cwd, capture_output=True, text=True,
                          timeout=300, env={**env, **OFFLINE, "PYTHONPATH": str(ROOT)})


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    out = tmp_path_factory.mktemp("demo") / "demo-out"
    return out, billwatch("demo", "--out", str(out), cwd=out.parent)


def test_demo_succeeds_offline_with_every_source(demo):
    _, result = demo
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FAILED" not in result.stdout
    assert "no recorded answer" not in result.stderr
    for source in load_manifest():
        line = next(line for line in result.stdout.splitlines() if line.strip().startswith(source.name + " "))
        assert int(line.split()[1]) > 0, line  # every source read bills
    assert "LegiScan data: CC BY 4.0, LegiScan LLC" in result.stdout


@pytest.mark.parametrize("subscriber, titles", [
    pytest.param(SUBSCRIBERS[0], ["Preserve Telehealth Access Act of 2025",
                                  "Healthcare Ecosystem Stakeholder Cybersecurity Workgroup"], id="maryland-chapter"),
    pytest.param(SUBSCRIBERS[1], ["Health Information Protection Act, 2016",
                                  "Use of Artificial Intelligence in Health Care Decision Making"], id="privacy-taskforce"),
])
def test_digests_of_both_subscribers_show_real_bills(demo, subscriber, titles):
    out, _ = demo
    html = (out / f"{subscriber['email']}.html").read_text(encoding="utf-8")
    text = (out / f"{subscriber['email']}.txt").read_text(encoding="utf-8")
    for title in titles:
        assert title in html and title in text.replace("\n  ", " ")
    message = email.message_from_bytes((out / f"{subscriber['email']}.eml").read_bytes(), policy=policy.default)
    assert message["To"].addresses[0].addr_spec == subscriber["email"]
    assert {part.get_content_type() for part in message.walk()} >= {"text/plain", "text/html"}


def test_bills_outside_a_subscribers_jurisdictions_stay_out(demo):
    out, _ = demo
    maryland = (out / f"{SUBSCRIBERS[0]['email']}.txt").read_text(encoding="utf-8")
    assert "CA-ON" not in maryland and "* US-MD" in maryland


def test_commands_run_on_the_demo_config_afterwards(demo):
    out, _ = demo
    result = billwatch("--config", str(out / "billwatch.toml"), "bills", "--matched", "--json")
    assert result.returncode == 0, result.stderr
    bills = json.loads(result.stdout)
    assert {b["jurisdiction"] for b in bills} == {"US-MD", "CA-ON"}
    telehealth = {b["identifier"]: b for b in bills if b["title"] == "Preserve Telehealth Access Act of 2025"}
    assert set(telehealth) == {"HB 869", "SB 372"}  # the House and Senate bills of the same name
    assert all("telehealth" in b["matches"] for b in telehealth.values())
    status = billwatch("--config", str(out / "billwatch.toml"), "status", "--json")
    assert status.returncode == 0, status.stderr
    assert all(s["last_success"] and not s["consecutive_failures"] for s in json.loads(status.stdout)["sources"])


def test_a_second_demo_starts_afresh(demo):
    out, first = demo
    again = billwatch("demo", "--out", str(out), cwd=out.parent)
    assert again.returncode == 0, again.stderr
    table = [line for line in first.stdout.splitlines() if line.startswith("  total")]
    assert table and table == [line for line in again.stdout.splitlines() if line.startswith("  total")]


def test_every_served_file_exists_and_is_accounted_for():
    provenance = DATA.joinpath("PROVENANCE.md").read_text(encoding="utf-8")
    served = set()
    for source in load_manifest():
        for route in source.routes:
            if "{" in route.file:
                continue
            assert DATA.joinpath(*route.file.split("/")).is_file(), route.file
            served.add(route.file)
    data = Path(str(DATA))
    for file in data.rglob("*"):
        if file.is_file() and file.suffix not in (".py", ".md", ".toml") and "__pycache__" not in file.parts:
            assert file.name in provenance or file.name.startswith(("getBill_", "ola_bill-")), file


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="the shared samples are not on this machine")
def test_real_captures_keep_their_bytes():
    data = Path(str(DATA))
    real = [f for f in data.rglob("*") if f.is_file() and f.suffix in (".json", ".html", ".xml")
            and "legiscan" not in f.parts and "_demo" not in f.name and "_documented" not in f.name]
    assert len(real) >= 8
    for file in real:
        originals = list(SAMPLES.rglob(file.name))
        assert originals and originals[0].read_bytes() == file.read_bytes(), file


def test_replay_server_answers_routes_and_reports_misses():
    routes = [Route("ls", "", {"op": "getBill"}, "us/legiscan/getBill_{id}.json"),
              Route("os", "bills", {}, "us/openstates/bills_search_results_items_NY_2025-2026_include_abstracts.json",
                    wrap='{"results": {body}}')]
    server = ReplayServer(routes)
    with server.running() as url:
        with urllib.request.urlopen(f"{url}/ls/?key=k&op=getBill&id=1947453") as answer:
            assert json.load(answer)["bill"]["bill_number"] == "HB869"
        with urllib.request.urlopen(f"{url}/os/bills?jurisdiction=ny&page=1") as answer:
            assert len(json.load(answer)["results"]) == 3
        for missing in ("/ls/?op=getBill&id=999", "/ls/?op=getMasterList", "/nowhere/x", "/robots.txt"):
            with pytest.raises(urllib.error.HTTPError) as caught:
                urllib.request.urlopen(url + missing)
            assert caught.value.code == 404
    assert server.missed == ["GET /ls/?op=getBill&id=999", "GET /ls/?op=getMasterList", "GET /nowhere/x"]


def test_serve_keeps_the_sources_up_so_edited_payloads_can_be_scanned_and_sent(tmp_path):
    """`demo --serve`: the flow of a new user trying digests on recorded data: the demo, then an
    edited payload (a bill's new action) scanned again, and only that news in the next digest."""
    out = tmp_path / "demo-out"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEGISCAN", "OPENSTATES", "BILLWATCH"))}
    env = {**env, **OFFLINE, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    server = subprocess.Popen([sys.executable, "-m", "monitor", "demo", "--out", str(out), "--serve"], cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    try:
        assert server.stdout is not None
        lines = []
        for line in server.stdout:
            lines.append(line)
            if line.startswith("Serving"):
                break
        assert lines and lines[-1].startswith("Serving the demo's sources on http://127.0.0.1:"), "".join(lines)
        data = out / "demo_data" / "us" / "legiscan"
        assert (data / "getBill_1947453.json").is_file()  # a copy to edit; the shipped files stay as they are
        bill = json.loads((data / "getBill_1947453.json").read_text(encoding="utf-8"))
        bill["bill"]["history"].append({"date": "2026-01-15", "action": "Hearing on the implementation report",
                                        "chamber": "H", "chamber_id": 47, "importance": 0})
        bill["bill"]["change_hash"] = "edited"
        (data / "getBill_1947453.json").write_text(json.dumps(bill), encoding="utf-8")
        listing = json.loads((data / "getMasterList_MD.json").read_text(encoding="utf-8"))
        for key, entry in listing["masterlist"].items():
            if key != "session" and entry["bill_id"] == "1947453":
                entry["change_hash"] = "edited"
        (data / "getMasterList_MD.json").write_text(json.dumps(listing), encoding="utf-8")

        config = str(out / "billwatch.toml")
        scan = billwatch("--config", config, "scan", "--source", "legiscan-md", cwd=tmp_path)
        assert scan.returncode == 0, scan.stdout + scan.stderr
        assert "legiscan-md: read 1, new 0, updated 1" in scan.stdout
        summary = billwatch("--config", config, "digest", "--subscriber", SUBSCRIBERS[0]["email"], cwd=tmp_path)
        assert "0 new, 1 moving, 0 hearings; would be sent" in summary.stdout, summary.stdout + summary.stderr
    finally:
        server.terminate()
        assert server.wait(30) == 0
    assert DATA.joinpath("us", "legiscan", "getBill_1947453.json").read_text(encoding="utf-8").count("implementation") == 0
