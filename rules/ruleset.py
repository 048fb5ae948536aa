"""Rule files: TOML ``[[rule]]`` tables, checked completely at load time.

Every problem in every file is collected and reported together as one
:class:`~monitor.errors.RuleError` whose ``problems`` are ``file:rule:column: message`` lines.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor.errors import RuleError
from rules.nodes import FIELDS, Node
from rules.query import QuerySyntaxError, parse_query

if TYPE_CHECKING:
    from rules.matcher import Matcher

#: The health-IT pack shipped with billwatch.
PACK_DIR = Path(__file__).parent / "packs"
HEALTH_IT_PACK = PACK_DIR / "health_it.toml"

ALLOWED_KEYS = ("id", "name", "query", "exclude", "fields", "jurisdictions", "weight", "tags", "enabled", "alert")
_ID_RE = re.compile(r"[a-z0-9][a-z0-9_.-]*$")
_JURISDICTION_RE = re.compile(r"(\*|[A-Z*?]{1,2}(-[A-Z0-9*?]{1,3})?)$")


@dataclass(frozen=True, eq=False)
class Rule:
    """One watch rule, parsed and checked."""

    id: str
    name: str
    query_text: str
    query: Node
    path: Path
    exclude_text: str | None = None
    exclude: Node | None = None
    fields: frozenset[str] = frozenset(FIELDS)
    jurisdictions: tuple[str, ...] = ()
    weight: float = 1.0
    tags: tuple[str, ...] = ()
    enabled: bool = True
    alert: bool = False

    def applies_to(self, jurisdiction: str | None) -> bool:
        """True when the rule's jurisdiction patterns (none = all) admit ``jurisdiction``."""
        if not self.jurisdictions or jurisdiction is None:
            return True
        return any(fnmatchcase(jurisdiction.upper(), pattern) for pattern in self.jurisdictions)


@dataclass(frozen=True, eq=False)
class RuleProblem:
    """One thing wrong with a rule file, located as precisely as possible."""

    path: Path
    message: str
    rule: str | None = None
    column: int | None = None
    query: str | None = None  # the query's line with the error, for a caret under the column

    def __str__(self) -> str:
        where = [str(self.path)]
        if self.rule is not None:
            where.append(self.rule)
        if self.column is not None:
            where.append(str(self.column))
        return ":".join(where) + ": " + self.message


@dataclass(eq=False)
class RuleSet:
    """The rules of some files, in file order, and the content hash of those files."""

    rules: list[Rule]
    paths: list[Path]
    hash: str
    by_id: dict[str, Rule] = field(init=False)

    def __post_init__(self) -> None:
        self.by_id = {rule.id: rule for rule in self.rules}

    @property
    def enabled(self) -> list[Rule]:
        return [rule for rule in self.rules if rule.enabled]

    @cached_property
    def matcher(self) -> Matcher:
        """All enabled rules compiled together (built on first use)."""
        from rules.matcher import Matcher

        return Matcher(self.enabled)

    def get(self, rule_id: str) -> Rule | None:
        return self.by_id.get(rule_id)


def load_rules(paths: Sequence[Path]) -> RuleSet:
    """Read and check rule files; raise RuleError listing every problem in every file."""
    rules: list[Rule] = []
    problems: list[RuleProblem] = []
    digest = hashlib.sha1()
    first_seen: dict[str, Path] = {}
    for path in paths:
        path = Path(path)
        try:
            data = path.read_bytes()
        except OSError as error:
            problems.append(RuleProblem(path, f"cannot read the rule file ({error.strerror or error})"))
            continue
        digest.update(hashlib.sha1(data).digest())
        file_rules, file_problems = parse_rule_file(path, data)
        problems.extend(file_problems)
        for rule in file_rules:
            if rule.id in first_seen:
                problems.append(RuleProblem(path, f"duplicate rule id (first defined in {first_seen[rule.id]})", rule.id))
                continue
            first_seen[rule.id] = path
            rules.append(rule)
    if problems:
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        error = RuleError(f"invalid rules ({count})", [str(p) for p in problems])
        error.rule_problems = problems  # type: ignore[attr-defined]
        raise error
    return RuleSet(rules, [Path(p) for p in paths], digest.hexdigest())


def _locate(text: str, column: int) -> tuple[int, int, str]:
    """(1-based line, column in that line, the line) of a 1-based column of ``text``."""
    before = text[: column - 1]
    line = before.count("\n") + 1
    start = before.rfind("\n") + 1
    end = text.find("\n", start)
    return line, column - start, text[start : end if end >= 0 else len(text)]


_TOML_LINE = re.compile(r"\(at line (\d+), column \d+\)")
#: A value in '...' followed by more text on its line: "query = 'patient's record'".
_APOSTROPHE_IN_LITERAL = re.compile(r"\s*\w+\s*=\s*'[^'\n]*'[^'\s#][^\n]*'")


def _toml_hint(text: str, message: str) -> str:
    """How to fix the TOML error a rule writer meets most: an apostrophe in a query written in '...'."""
    where = _TOML_LINE.search(message)
    if where is None:
        return ""
    number = int(where.group(1))
    lines = text.splitlines()
    if number > len(lines) or not _APOSTROPHE_IN_LITERAL.match(lines[number - 1]):
        return ""
    return f" (line {number}: an apostrophe inside '...' ends the string; write the query in '''...''')"


def parse_rule_file(path: Path, data: bytes) -> tuple[list[Rule], list[RuleProblem]]:
    """The rules of one file's bytes, and the problems found in it."""
    try:
        text = data.decode("utf-8-sig")  # a byte order mark (Windows editors) is not TOML
        document = tomllib.loads(text)
    except UnicodeDecodeError as error:
        return [], [RuleProblem(path, f"not UTF-8 text (byte {error.start})")]
    except tomllib.TOMLDecodeError as error:
        return [], [RuleProblem(path, f"TOML syntax error: {error}{_toml_hint(text, str(error))}")]
    problems = [
        RuleProblem(path, f"unknown top-level key {key!r} (a rule file holds [[rule]] tables only)")
        for key in document
        if key != "rule"
    ]
    tables = document.get("rule", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        return [], problems + [RuleProblem(path, "rule must be written as [[rule]] tables")]
    if not tables and not problems:
        problems.append(RuleProblem(path, "no [[rule]] tables in the file"))
    seen: dict[str, int] = {}
    rules: list[Rule] = []
    for number, table in enumerate(tables, start=1):
        rule_id = table.get("id")
        if isinstance(rule_id, str) and rule_id in seen:
            message = f"duplicate rule id in this file (first used by rule #{seen[rule_id]})"
            problems.append(RuleProblem(path, message, rule_id))
            continue
        if isinstance(rule_id, str):
            seen[rule_id] = number
        rule, rule_problems = RuleReader(path, number, table, text.replace("\r\n", "\n")).read()
        problems.extend(rule_problems)
        if rule is not None:
            rules.append(rule)
    return rules, problems


@dataclass
class RuleReader:
    """Checks one ``[[rule]]`` table, collecting every problem rather than stopping at the first."""

    path: Path
    number: int
    table: dict[str, Any]
    source: str = ""  # the file's text, to find the line a query error is on
    problems: list[RuleProblem] = field(default_factory=list)

    @property
    def label(self) -> str:
        rule_id = self.table.get("id")
        return rule_id if isinstance(rule_id, str) and rule_id else f"rule #{self.number}"

    def problem(self, message: str, column: int | None = None, query: str | None = None) -> None:
        self.problems.append(RuleProblem(self.path, message, self.label, column, query))

    def read(self) -> tuple[Rule | None, list[RuleProblem]]:
        for key in self.table:
            if key not in ALLOWED_KEYS:
                self.problem(f"unknown key {key!r} (allowed: {', '.join(ALLOWED_KEYS)})")
        rule_id = self.rule_id()
        fields = self.fields()
        query = self.query("query", required=True)
        exclude = self.query("exclude", required=False)
        if query is not None and fields is not None:
            self.check_scopes(query, fields, "query")
        if exclude is not None and fields is not None:
            self.check_scopes(exclude, fields, "exclude")
        name = self.typed("name", str, rule_id or "")
        values = {
            "jurisdictions": self.jurisdictions(),
            "weight": self.weight(),
            "tags": self.tags(),
            "enabled": self.typed("enabled", bool, True),
            "alert": self.typed("alert", bool, False),
        }
        if self.problems or rule_id is None or query is None or fields is None:
            return None, self.problems
        rule = Rule(
            id=rule_id, name=name or rule_id, query_text=self.table["query"], query=query, path=self.path,
            exclude_text=self.table.get("exclude"), exclude=exclude, fields=fields, **values,
        )
        return rule, self.problems

    def rule_id(self) -> str | None:
        value = self.table.get("id")
        if value is None:
            self.problem("missing key 'id'")
        elif not isinstance(value, str) or not _ID_RE.match(value):
            self.problem(f"id must be lower-case letters, digits, '-', '_' or '.' (found {value!r})")
        else:
            return value
        return None

    def query(self, key: str, required: bool) -> Node | None:
        text = self.table.get(key)
        if text is None:
            if required:
                self.problem(f"missing key {key!r}")
            return None
        if not isinstance(text, str):
            self.problem(f"{key} must be a string")
            return None
        if not text.strip():
            self.problem(f"{key} is empty")
            return None
        try:
            return parse_query(text)
        except QuerySyntaxError as error:
            line, column, line_text = _locate(text, error.column)
            where = ""
            start = self.source.find(text) if "\n" in text.strip() else -1
            if start >= 0:
                where = f" (line {self.source.count(chr(10), 0, start) + line} of the file)"
            self.problem(f"{key}: {error.message}{where}", column, line_text)
            return None

    def fields(self) -> frozenset[str] | None:
        value = self.table.get("fields")
        if value is None:
            return frozenset(FIELDS)
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            self.problem(f"fields must be a non-empty list of field names (allowed: {', '.join(FIELDS)})")
            return None
        unknown = [v for v in value if v not in FIELDS]
        if unknown:
            self.problem(f"unknown field {unknown[0]!r} in fields (allowed: {', '.join(FIELDS)})")
            return None
        return frozenset(value)

    def check_scopes(self, node: Node, fields: frozenset[str], key: str) -> None:
        outside = sorted(node.scopes() - fields)
        if outside:
            self.problem(f"{key} names {outside[0]}: but the rule's fields are {', '.join(sorted(fields))}")

    def jurisdictions(self) -> tuple[str, ...]:
        value = self.table.get("jurisdictions", [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem("jurisdictions must be a list of codes or patterns, like [\"US-*\", \"CA-ON\"]")
            return ()
        patterns = tuple(v.strip().upper() for v in value)
        for pattern in patterns:
            if not _JURISDICTION_RE.match(pattern):
                self.problem(f"jurisdictions: {pattern!r} is not a code or pattern like US-TX, CA-ON, US-*, CA")
        return patterns

    def weight(self) -> float:
        value = self.table.get("weight", 1)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            self.problem(f"weight must be a positive number (found {value!r})")
            return 1.0
        return float(value)

    def tags(self) -> tuple[str, ...]:
        value = self.table.get("tags", [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            self.problem("tags must be a list of non-empty strings")
            return ()
        return tuple(value)

    def typed(self, key: str, kind: type, default: Any) -> Any:
        value = self.table.get(key, default)
        if not isinstance(value, kind):
            self.problem(f"{key} must be {'true or false' if kind is bool else 'a string'} (found {value!r})")
            return default
        return value
