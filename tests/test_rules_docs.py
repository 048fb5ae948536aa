"""The examples of docs/rules.md work: rule files load, commands print what the page shows,
and every row of the query table matches and does not match what it says."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.errors import RuleError
from rules.explain import BillText
from rules.matcher import Matcher
from rules.query import parse_query
from rules.ruleset import Rule, load_rules

DOC = Path(__file__).resolve().parents[1] / "docs" / "rules.md"
TEXT = DOC.read_text(encoding="utf-8")
BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.DOTALL)


def blocks(kind: str) -> list[str]:
    return [body for lang, body in BLOCK.findall(TEXT) if lang == kind]


def rule_files() -> dict[str, str]:
    """The TOML blocks that start with '# file: NAME'."""
    found = {}
    for body in blocks("toml"):
        first, _, rest = body.partition("\n")
        if first.startswith("# file: "):
            found[first[len("# file: "):].strip()] = rest
    return found


def table_rows() -> list[tuple[str, list[str], list[str]]]:
    """(query, texts it matches, texts it does not) from the query-language table."""
    rows = []
    for line in TEXT.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not cells[1].startswith("`"):
            continue
        quoted = [re.findall(r'"([^"]*)"', cell) for cell in cells[2:]]
        rows.append((cells[1].strip("`"), quoted[0], quoted[1]))
    return rows


@pytest.fixture
def folder(tmp_path):
    for name, content in rule_files().items():
        (tmp_path / name).write_text(content, encoding="utf-8")
    return tmp_path


def test_the_page_has_examples():
    assert {"my-rules.toml", "broken-rules.toml"} <= set(rule_files())
    assert len(table_rows()) >= 15
    assert len(blocks("console")) >= 2


def test_rule_files_of_the_page(folder):
    assert [rule.id for rule in load_rules([folder / "my-rules.toml"]).rules] == ["interop", "telehealth-pay"]
    with pytest.raises(RuleError):
        load_rules([folder / "broken-rules.toml"])


@pytest.mark.parametrize("row", table_rows(), ids=lambda row: row[0])
def test_query_table(row):
    query, matching, other = row
    matcher = Matcher([Rule(id="r", name="r", query_text=query, query=parse_query(query), path=Path("doc"))])
    for text in matching:  # the field-scope row: the matching text is the bill's title
        bill = BillText.of(title=text) if query.startswith("title:") else BillText.of(summary=text)
        assert matcher.match(bill), f"{query} should match {text!r}"
    for text in other:
        assert not matcher.match(BillText.of(summary=text)), f"{query} should not match {text!r}"


def _sessions() -> list[tuple[str, str]]:
    """(command, expected output) for every '$ ' line of the console blocks."""
    found = []
    for body in blocks("console"):
        for chunk in body.split("$ ")[1:]:
            command, _, output = chunk.partition("\n")
            found.append((command, output))
    return found


@pytest.mark.parametrize(("command", "expected"), _sessions(), ids=[c for c, _ in _sessions()])
def test_console_examples(folder, command, expected):
    args = command.split(" ", 1)[1]
    import shlex

    env = {**os.environ, "BILLWATCH_CONFIG": str(folder / "no-config.toml")}
    done = subprocess.run([sys.executable, "-m", "monitor", *shlex.split(args)], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.stdout == expected
