"""`billwatch rules check` and `billwatch rules test`: validate, try and back-test watch rules.

The main CLI passes its App object (``config``, ``config_path``, ``database``, ``echo_json``).
With FILE arguments, ``check`` and ``test --text`` need no config file; with neither files nor a
config file they use the shipped health-IT pack.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from monitor.errors import ConfigError, RuleError
from rules.backtest import Backtest, BillRef, RuleReport, backtest
from rules.explain import BillText, RuleMatch
from rules.ruleset import HEALTH_IT_PACK, RuleProblem, RuleSet, load_rules

#: Bills listed per rule and per difference in text output (JSON lists them all).
LISTED = 10


@click.group("rules")
def rules_group() -> None:
    """Check and back-test watch rules."""


@rules_group.command("check")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.pass_obj
def check_command(app: Any, files: tuple[Path, ...]) -> None:
    """Validate rule files (default: those of the config); exit 1 listing every problem."""
    paths = rule_paths(app, files)
    try:
        ruleset = load_rules(paths)
    except RuleError as error:
        problems: list[RuleProblem] = getattr(error, "rule_problems", [])
        for problem in problems:
            click.echo(str(problem))
            if problem.query is not None and problem.column is not None:
                click.echo(f"    {problem.query}\n    {' ' * (problem.column - 1)}^")
        count = len(problems)
        click.echo(f"{count} problem{'s' if count != 1 else ''} in {_files(paths)}", err=True)
        raise click.exceptions.Exit(1) from None
    enabled = len(ruleset.enabled)
    click.echo(f"ok: {_count(len(ruleset.rules), 'rule')} ({enabled} enabled) in {_files(paths)}: "
               + ", ".join(str(p) for p in paths))


@rules_group.command("test")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--text", "text", metavar="TEXT", help="Match this text (as a bill summary) instead of stored bills.")
@click.option("--title", metavar="TITLE", help="With --text: the bill title.")
@click.option("--since", metavar="DATE", help="Only bills with activity on or after DATE (YYYY-MM-DD).")
@click.option("--jurisdiction", "jurisdictions", multiple=True, metavar="J",
              help="Only bills of this jurisdiction or pattern (US-TX, US-*); repeatable.")
@click.option("--samples", type=click.IntRange(min=0), default=3, show_default=True, metavar="N",
              help="Sample bills shown per rule.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_obj
def test_command(app: Any, files: tuple[Path, ...], text: str | None, title: str | None, since: str | None,
                 jurisdictions: tuple[str, ...], samples: int, as_json: bool) -> None:
    """Back-test rules on stored bills, or match a given --text.

    On stored bills: per rule, how many bills match, samples with the matched words marked, and
    (for rule ids in force) the bills that would newly match or no longer match.
    """
    if title is not None and text is None:
        raise click.UsageError("--title goes with --text")
    if text is not None and since is not None:
        raise click.UsageError("--since applies to stored bills, not to --text")
    if text is not None and (len(jurisdictions) > 1 or any(c in j for j in jurisdictions for c in "*?")):
        raise click.UsageError("with --text, --jurisdiction is the text's: one jurisdiction code, like US-TX")
    paths = rule_paths(app, files)
    ruleset = load_rules(paths)
    if text is not None:
        _test_text(app, ruleset, text, title, jurisdictions[0] if jurisdictions else None, as_json)
        return
    when = _date(since) if since else None
    with app.database.session() as session:
        report = backtest(session, ruleset, since=when, jurisdictions=jurisdictions, samples=samples,
                          replaces_in_force=_in_force(app, paths))
    if as_json:
        _echo_json(app, report.to_dict())
    else:
        _print_backtest(report)


def rule_paths(app: Any, files: Sequence[Path]) -> list[Path]:
    """The FILE arguments, else the config's rule files, else (no config file) the shipped pack."""
    if files:
        return list(files)
    config_path = getattr(app, "config_path", None)
    if app is None or config_path is None or not Path(config_path).exists():
        click.echo(f"no config file: using the shipped health-IT pack ({HEALTH_IT_PACK})", err=True)
        return [HEALTH_IT_PACK]
    rules = app.config.rules
    if not rules:
        raise ConfigError(f"{config_path} lists no rule files",
                          hint='add rules = ["rules/health_it.toml"] to the config, or name rule files')
    return list(rules)


def _in_force(app: Any, paths: Sequence[Path]) -> bool:
    """True when ``paths`` are the config's rule files: what the stored matches came from."""
    rules = getattr(getattr(app, "config", None), "rules", None) or []
    return {Path(p).resolve() for p in paths} == {Path(p).resolve() for p in rules}


def _test_text(app: Any, ruleset: RuleSet, text: str, title: str | None, jurisdiction: str | None,
               as_json: bool) -> None:
    bill = BillText.of(jurisdiction=jurisdiction, title=title, summary=text)
    found = ruleset.matcher.match(bill)
    if as_json:
        _echo_json(app, {"matches": [m.to_dict() for m in found]})
        return
    if not found:
        disabled = [rule.id for rule in ruleset.rules if not rule.enabled]
        untried = f"; {len(disabled)} disabled rule{'s' if len(disabled) != 1 else ''} not tried: {', '.join(disabled)}"
        click.echo(f"no rule matches (tried {_count(len(ruleset.enabled), 'rule')}{untried if disabled else ''})")
        return
    click.echo(f"{len(found)} rule{'s' if len(found) != 1 else ''} match:")
    for match in found:
        _print_match(match)


def _print_match(match: RuleMatch) -> None:
    rule = match.rule
    click.echo(f"\n{rule.id}  {rule.name}  (weight {_number(rule.weight)})")
    for hit in match.hits:
        click.echo(f"  {hit.field} {hit.start}-{hit.end}  {hit.text!r}")
    click.echo(f"  {match.snippet}")


def _print_backtest(report: Backtest) -> None:
    scope = [f"since {report.since}"] if report.since else []
    scope += [", ".join(report.jurisdictions)] if report.jurisdictions else []
    where = f" ({'; '.join(scope)})" if scope else ""
    click.echo(f"{_count(len(report.rules), 'rule')} on {_count(report.bills, 'stored bill')}{where}")
    if not report.bills and scope:
        click.echo("no stored bills pass --since / --jurisdiction")
    elif not report.bills:
        click.echo("no stored bills to test on: run `billwatch scan` or `billwatch import` first, or try a sentence with --text")
    for rule_report in report.rules:
        _print_rule_report(rule_report)
    if report.no_longer_defined:
        click.echo("\nin force, no longer in the rule files:")
        for rule_id, count in report.no_longer_defined.items():
            click.echo(f"{rule_id}  {_count(count, 'bill')} would no longer match (its matches are dropped at the next scan)")


def _print_rule_report(report: RuleReport) -> None:
    rule = report.rule
    click.echo(f"\n{rule.id}  {rule.name}  (weight {_number(rule.weight)})")
    if not rule.enabled:
        # Its stored matches go at the next scan: show them, as for an edited rule.
        gone = f"; in force: {report.in_force} (-{len(report.no_longer)} would no longer match)" if report.in_force else ""
        click.echo(f"  disabled (enabled = false): not evaluated{gone}")
        if report.no_longer:
            click.echo("  would no longer match:")
            _print_bills("-", report.no_longer)
        return
    change = f"+{len(report.newly)} would newly match, -{len(report.no_longer)} would no longer match"
    click.echo(f"  {_count(len(report.matched), 'bill')}; in force: {report.in_force} ({change})")
    _print_bills("", report.samples)
    for heading, bills, sign in (("would newly match", report.newly, "+"),
                                 ("would no longer match", report.no_longer, "-")):
        if bills:
            click.echo(f"  {heading}:")
            _print_bills(sign, bills)


def _print_bills(sign: str, bills: list[BillRef]) -> None:
    for bill in bills[:LISTED]:
        click.echo(f"    {sign}{' ' if sign else ''}{bill.label()}  {_clip(bill.title, 90)}")
        if bill.snippet:
            click.echo(f"        {bill.snippet}")
    if len(bills) > LISTED:
        click.echo(f"    ... and {len(bills) - LISTED} more (--json lists them all)")


def _echo_json(app: Any, data: Any) -> None:
    if hasattr(app, "echo_json"):
        app.echo_json(data)
    else:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date in the form YYYY-MM-DD", param_hint="--since") from None


def _files(paths: Sequence[Path]) -> str:
    return _count(len(paths), "file")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'s' if number != 1 else ''}"


def _number(value: float) -> str:
    return f"{value:g}"


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
