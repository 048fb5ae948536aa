"""`billwatch digest` as a new user runs it: scan, preview, send, scan changes, send again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

import tests.fakes  # noqa: F401  (registers the test-fake source type)
from monitor.cli import main
from monitor.models import OutboxMessage
from notifiers.cli import parse_period
from tests.fakes import FakeSource, make_bill
from tests.test_digest_support import free_port, running_smtp_server

RULES = """
[[rule]]
id = "telehealth"
name = "Telehealth"
query = "telehealth"
weight = 2
tags = ["telehealth"]
"""

@pytest.fixture
def smtp_server():
    yield from running_smtp_server()



@pytest.fixture(autouse=True)
def reset_fake():
    FakeSource.produce = None
    yield
    FakeSource.produce = None


def write_config(tmp_path: Path, database: Any, smtp_port: int, extra: str = "") -> Path:
    (tmp_path / "rules.toml").write_text(RULES, encoding="utf-8")
    url = database.engine.url.render_as_string(hide_password=False)
    text = f"""
rules = ["rules.toml"]

[database]
url = "{url}"

[[source]]
name = "tx"
type = "test-fake"
count = 2

[[subscriber]]
email = "ann@example.org"
name = "Ann"
jurisdictions = ["US-TX"]
tags = ["telehealth"]
cadence = "weekly:mon"

[smtp]
host = "127.0.0.1"
port = {smtp_port}
starttls = false
from = "Bill Watch <billwatch@example.org>"
{extra}
"""
    path = tmp_path / "billwatch.toml"
    path.write_text(text, encoding="utf-8")
    return path


def run(argv: list[str], capsys: Any) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(argv)
    out, err = capsys.readouterr()
    return info.value.code, out, err


def test_new_user_flow(tmp_path, database, smtp_server, capsys):
    config = str(write_config(tmp_path, database, smtp_server.port))
    assert run(["--config", config, "scan"], capsys)[0] == 0  # first scan: a baseline

    code, out, _ = run(["--config", config, "digest", "--preview", str(tmp_path / "out"), "--include-baseline"], capsys)
    assert code == 0 and "ann@example.org: 2 new, 0 moving, 0 hearings; would be sent (2 new, 0 moving, 0 hearings)" in out
    for suffix in ("html", "txt", "eml"):
        assert (tmp_path / "out" / f"ann@example.org.{suffix}").exists()
    assert "US-TX HB 2" in (tmp_path / "out" / "ann@example.org.txt").read_text(encoding="utf-8")
    assert smtp_server.handler.received == []
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0  # a preview keeps nothing

    code, out, _ = run(["--config", config, "digest", "--send"], capsys)
    assert (code, out.strip()) == (0, "ann@example.org: nothing to send (nothing new)")  # baseline is not news

    FakeSource.produce = lambda options, cursor: [
        make_bill("tx", "US-TX", 0, stage="in_committee", last_action="Referred to Health"),
        make_bill("tx", "US-TX", 1),
        make_bill("tx", "US-TX", 2),
    ]
    assert run(["--config", config, "scan"], capsys)[0] == 0
    code, out, _ = run(["--config", config, "digest", "--send"], capsys)
    assert (code, out.strip()) == (0, "ann@example.org: sent")
    [received] = smtp_server.handler.received
    text = received.message.get_body(("plain",)).get_content()
    assert "NEW BILLS (1)" in text and "* US-TX HB 3" in text
    assert "MOVING BILLS (1)" in text and "* US-TX HB 1" in text
    assert "HB 2 " not in text

    code, out, _ = run(["--config", config, "digest", "--send", "--json"], capsys)
    report = json.loads(out)
    assert code == 0 and report["ok"] and [r["status"] for r in report["results"]] == ["nothing"]
    assert len(smtp_server.handler.received) == 1


def test_send_failure_exits_non_zero_and_says_why(tmp_path, database, capsys):
    config = str(write_config(tmp_path, database, free_port()))
    FakeSource.produce = lambda options, cursor: [make_bill("tx", "US-TX", 0)]
    run(["--config", config, "scan"], capsys)
    code, out, err = run(["--config", config, "digest", "--send", "--include-baseline"], capsys)
    assert code == 1
    assert out.startswith("ann@example.org: FAILED (cannot connect to SMTP server 127.0.0.1")
    assert "left pending for the next run" in out and "error: cannot connect" in err


def test_send_without_smtp_config_says_what_to_add(tmp_path, database, capsys):
    path = write_config(tmp_path, database, 25)
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("[smtp]")], encoding="utf-8")
    code, _, err = run(["--config", str(path), "digest", "--send"], capsys)
    assert code == 1 and "error: --send needs an [smtp] table in the config" in err


def test_usage_errors_exit_2(tmp_path, database, smtp_server, capsys):
    config = str(write_config(tmp_path, database, smtp_server.port))
    code, _, err = run(["--config", config, "digest", "--subscriber", "nobody@example.org"], capsys)
    assert code == 2 and "no subscriber nobody@example.org (subscribers: ann@example.org)" in err
    code, _, err = run(["--config", config, "digest", "--send", "--preview", str(tmp_path)], capsys)
    assert code == 2 and "--preview and --period are for looking" in err
    code, _, err = run(["--config", config, "digest", "--period", "last week"], capsys)
    assert code == 2 and "is not a period" in err


def test_summary_without_options_and_period_preview(tmp_path, database, smtp_server, capsys):
    config = str(write_config(tmp_path, database, smtp_server.port))
    run(["--config", config, "scan"], capsys)

    code, out, _ = run(["--config", config, "digest", "--period", "7d", "--include-baseline", "--json"], capsys)

    [preview] = json.loads(out)["previews"]
    assert code == 0 and preview["counts"]["new"] == 2 and preview["files"] == []
    code, out, _ = run(["--config", config, "digest"], capsys)
    assert out.strip() == "ann@example.org: 0 new, 0 moving, 0 hearings; would not be sent (nothing new)"


def test_following_a_rule_or_tag_that_no_rule_file_has_is_a_config_error(tmp_path, database, smtp_server, capsys):
    """A typo in a subscriber's rules or tags would silently mean "never anything": it is reported."""
    extra = """
[[subscriber]]
email = "bob@example.org"
rules = ["telehelth"]

[[notifier]]
name = "slack"
url = "http://127.0.0.1:9/hook"
tags = ["telehealth", "privacyy"]
"""
    config = str(write_config(tmp_path, database, smtp_server.port, extra))
    for command in (["digest"], ["digest", "--send"], ["scan"]):
        code, out, err = run(["--config", config, *command], capsys)
        assert code == 1 and out == "", command
        assert "subscriber[1] (bob@example.org).rules: unknown rule 'telehelth' (rules: telehealth)" in err
        assert "notifier[0] (slack).tags: unknown tag 'privacyy' (tags: telehealth)" in err
    assert smtp_server.handler.received == []


def test_following_a_disabled_rule_is_not_an_error(tmp_path, database, smtp_server, capsys):
    extra = '\n[[subscriber]]\nemail = "bob@example.org"\nrules = ["paused"]\n'
    config = str(write_config(tmp_path, database, smtp_server.port, extra))
    (tmp_path / "rules.toml").write_text(RULES + '\n[[rule]]\nid = "paused"\nquery = "x"\nenabled = false\n',
                                         encoding="utf-8")
    code, out, _ = run(["--config", config, "digest"], capsys)
    assert code == 0 and "bob@example.org: 0 new" in out


def test_summary_names_a_rejected_address_and_a_message_left_pending(tmp_path, database, smtp_server, capsys):
    """`billwatch digest` says what `--send` would do: a rejected address is skipped, a message
    left pending by an earlier run goes out (the summary said "would not be sent (nothing new)")."""
    extra = '\n[[subscriber]]\nemail = "bob@example.org"\ntags = ["telehealth"]\n'
    config = str(write_config(tmp_path, database, smtp_server.port, extra))
    run(["--config", config, "scan"], capsys)
    smtp_server.handler.rcpt_replies["ann@example.org"] = "550 5.1.1 No such user"
    smtp_server.handler.rcpt_replies["bob@example.org"] = "451 4.3.0 Try again later"
    code, out, _ = run(["--config", config, "digest", "--send", "--include-baseline"], capsys)
    assert code == 1 and "REJECTED" in out and "FAILED" in out

    code, out, _ = run(["--config", config, "digest"], capsys)

    ann, bob = out.strip().splitlines()
    assert code == 0
    assert ann.startswith("ann@example.org: ") and "would not be sent (address rejected earlier" in ann
    assert "--subscriber" in ann
    assert bob.startswith("bob@example.org: ") and "1 message left pending by an earlier run" in bob
    assert "451 4.3.0 Try again later" in bob


def test_every_subscriber_disabled_says_so_instead_of_printing_nothing(tmp_path, database, smtp_server, capsys):
    path = write_config(tmp_path, database, smtp_server.port)
    text = path.read_text(encoding="utf-8").replace('cadence = "weekly:mon"', 'cadence = "weekly:mon"\nenabled = false')
    path.write_text(text, encoding="utf-8")
    for command in (["digest"], ["digest", "--send"], ["digest", "--preview", str(tmp_path / "out")]):
        code, out, err = run(["--config", str(path), *command], capsys)
        assert (code, out) == (0, ""), command
        assert "every subscriber is disabled (enabled = false): nothing to do" in err


OR_ARCHIVE = (Path(__file__).parent / "fixtures" / "legiscan"
              / "OR_2025-2025_1st_Special_Session_CSV_20251009_708eb2835118140a97eb468afd76a4b0.zip")


def _later_archive(tmp_path: Path) -> Path:
    """The OR archive a week later: HB 3991 has passed (status 4) with a new last action."""
    import csv
    import io
    import zipfile

    later = tmp_path / "OR_later.zip"
    with zipfile.ZipFile(OR_ARCHIVE) as old, zipfile.ZipFile(later, "w") as new:
        for item in old.infolist():
            data = old.read(item)
            if item.filename.endswith("/bills.csv"):
                rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
                for row in rows:
                    if row["bill_number"] == "HB3991":
                        row.update(status="4", status_desc="Passed", status_date="2025-10-20",
                                   last_action_date="2025-10-20", last_action="Signed by Governor")
                out = io.StringIO()
                writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
                writer.writeheader()
                writer.writerows(rows)
                data = out.getvalue().encode("utf-8")
            new.writestr(item, data)
    return later


def test_import_sends_the_immediate_alerts_like_a_scan(tmp_path, database, smtp_server, capsys):
    """Archives are a source too: news an import records reaches immediate subscribers at once."""
    extra = '\n[[subscriber]]\nemail = "chair@example.org"\nrules = ["transport"]\ncadence = "immediate"\n'
    config = str(write_config(tmp_path, database, smtp_server.port, extra))
    (tmp_path / "rules.toml").write_text(RULES + '\n[[rule]]\nid = "transport"\nquery = "transportation"\n',
                                         encoding="utf-8")

    code, _, err = run(["--config", config, "import", str(OR_ARCHIVE)], capsys)
    assert code == 0 and "alert" not in err and smtp_server.handler.received == []  # a baseline is not news

    code, out, err = run(["--config", config, "import", str(_later_archive(tmp_path)), "--json"], capsys)
    assert code == 0, err
    assert "alert email chair@example.org: sent" in err
    assert [r["status"] for r in json.loads(out)["alerts"]["results"]] == ["sent"]
    [received] = smtp_server.handler.received
    assert "HB 3991" in received.message.get_body(("plain",)).get_content()


@pytest.mark.parametrize("text, start, end", [
    ("7d", "2026-03-02T12:00:00", None),
    ("24h", "2026-03-08T12:00:00", None),
    ("2026-03-01", "2026-03-01T06:00:00", None),
    ("2026-03-01..2026-03-07", "2026-03-01T06:00:00", "2026-03-08T06:00:00"),
])
def test_periods(text, start, end):
    import datetime as dt

    since, until = parse_period(text, "America/Chicago", now=dt.datetime(2026, 3, 9, 12, 0))
    assert since.isoformat() == start and (until.isoformat() if until else None) == end
