"""`billwatch scan` (a lead's ad-hoc scan) sends the immediate alerts its news calls for."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import tests.fakes  # noqa: F401  (registers the test-fake source type)
from monitor.cli import main
from tests.fakes import FakeSource, make_bill
from tests.test_digest_support import running_smtp_server

PACK = Path(__file__).resolve().parent.parent / "rules" / "packs" / "health_it.toml"


@pytest.fixture
def smtp_server():
    yield from running_smtp_server()


@pytest.fixture(autouse=True)
def reset_fake():
    FakeSource.produce = None
    yield
    FakeSource.produce = None


def run(argv, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    out, err = capsys.readouterr()
    return info.value.code, out, err


def test_scan_sends_immediate_alerts_for_new_activity_only(tmp_path, database, smtp_server, capsys):
    url = database.engine.url.render_as_string(hide_password=False)
    config = tmp_path / "billwatch.toml"
    config.write_text(f'''rules = ["{PACK}"]
[database]
url = "{url}"
[[source]]
name = "tx"
type = "test-fake"
count = 1
[[subscriber]]
email = "fast@example.org"
cadence = "immediate"
[smtp]
host = "127.0.0.1"
port = {smtp_server.port}
starttls = false
from = "Bill Watch <billwatch@example.org>"
''')
    code, out, err = run(["--config", str(config), "scan", "--json"], capsys)
    assert code == 0, err
    assert smtp_server.handler.to("fast@example.org") == []  # the first scan is a baseline
    FakeSource.produce = lambda options, cursor: [
        make_bill("tx", "US-TX", 0, stage="in_committee", status="Referred to Health")]
    code, out, err = run(["--config", str(config), "scan", "--json"], capsys)
    assert code == 0, err
    alerts = json.loads(out)["alerts"]
    assert alerts["ok"] and [r["status"] for r in alerts["results"]] == ["sent"]
    (message,) = smtp_server.handler.to("fast@example.org")
    assert b"HB 1" in message.data
    code, out, err = run(["--config", str(config), "scan"], capsys)  # nothing new: nothing sent
    assert code == 0 and len(smtp_server.handler.to("fast@example.org")) == 1
