"""Core commands: init, sources, scan, import, bills, status."""

from __future__ import annotations

import datetime as dt
import shutil
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from monitor.cli import DATE, EXIT_ERROR, EXIT_PARTIAL, App, cli
from monitor.errors import BillwatchError
from monitor.models import Bill, Match

STARTER_RULES = "rules/health_it.toml"


@cli.command()
@click.option("--force", is_flag=True, help="Overwrite existing files.")
def init(force: bool) -> None:
    """Write a starter config (billwatch.toml) and the health-IT rule pack into this folder."""
    targets = {
        Path("billwatch.toml"): resources.files("monitor").joinpath("config.example.toml"),
        Path(STARTER_RULES): resources.files("rules").joinpath("packs/health_it.toml"),
    }
    existing = [str(p) for p in targets if p.exists()]
    if existing and not force:
        raise click.ClickException(f"{', '.join(existing)} already exist(s); use --force to overwrite")
    for target, packaged in targets.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        with resources.as_file(packaged) as source:
            shutil.copyfile(source, target)
        click.echo(f"wrote {target}")
    click.echo("next: edit billwatch.toml (sources, subscribers, [smtp]), then `billwatch rules check` "
               "and `billwatch scan`")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def sources(app: App, as_json: bool) -> None:
    """The source types available: jurisdictions, key needed?, notes."""
    from sources.base import registry

    rows = [
        {
            "type": name,
            "jurisdictions": cls.jurisdictions,
            "needs_key": cls.needs_key,
            "tested_on": cls.tested_on,
            "fields": cls.fields,
            "limits": cls.limits,
            "description": " ".join((cls.__doc__ or "").strip().split("\n\n")[0].split()),
        }
        for name, cls in registry().items()
    ]
    if as_json:
        app.echo_json(rows)
        return
    for row in rows:
        key = "API key" if row["needs_key"] else "no key"
        click.echo(f"{row['type']:<12} {row['jurisdictions']:<16} {key:<8} {row['description']}")
        if row["limits"]:
            click.echo(f"{'':<12} limits: {row['limits']}")


@cli.command()
@click.option("--source", "names", multiple=True, metavar="NAME", help="Scan only this source (repeatable).")
@click.option("--since", type=DATE, help="Ask sources for changes since DATE (YYYY-MM-DD).")
@click.option("--dry-run", is_flag=True, help="Fetch and compare, but write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_obj
def scan(app: App, names: tuple[str, ...], since: dt.date | None, dry_run: bool, as_json: bool) -> int:
    """Fetch bills from the sources, record changes, match rules."""
    from monitor.scan import load_rules
    from monitor.scan import scan as run_scan

    config = app.config
    for name in names:
        config.source(name)  # unknown names fail before any work
    if not names and not any(s.enabled for s in config.sources):
        raise BillwatchError("no enabled sources to scan", hint="add a [[source]] table to the config (see `billwatch sources`)")
    ruleset = load_rules(config, app.database, dry_run=dry_run)
    report = run_scan(config, app.database, names=names or None, since=since, dry_run=dry_run,
                      progress=_progress(as_json), ruleset=ruleset)
    alerts = None if dry_run or len(report.failed) == len(report.sources) else _alerts(app, ruleset)
    if as_json:
        app.echo_json({**report.to_dict(), "alerts": alerts.to_dict() if alerts else None})
    else:
        _print_scan(report)
    return _report_alerts(alerts, _scan_exit_code(report))


def _report_alerts(alerts: Any, code: int) -> int:
    """One stderr line per alert delivery; a failed one makes an exit code of 0 partial (3)."""
    if alerts is not None:
        for result in alerts.results:
            click.echo(f"alert {result.channel} {result.recipient}: {result.status}"
                       + (f" ({result.detail})" if result.detail else ""), err=True)
        for error in alerts.errors:
            click.echo(f"error: alerts: {error}", err=True)
        if not alerts.ok and code == 0:
            code = EXIT_PARTIAL
    return code


def _alerts(app: App, ruleset: Any) -> Any:
    """Immediate alerts for what the scan found (immediate subscribers, alert rules, webhooks)."""
    from notifiers.alerts import alerts_wanted, deliver_immediate
    from notifiers.selection import rule_catalog

    catalog = rule_catalog(ruleset)
    if not alerts_wanted(app.config, catalog):
        return None
    return deliver_immediate(app.config, app.database, catalog=catalog)


def _progress(quiet: bool) -> Any:
    from monitor.progress import scan_progress  # a live line on a terminal, log lines otherwise

    return scan_progress(quiet)


def _print_scan(report: Any) -> None:
    if sys.stderr.isatty():
        click.echo("", err=True)
    prefix = "dry run: " if report.dry_run else ""
    for s in report.sources:
        if s.error:
            click.echo(f"{prefix}{s.name}: FAILED (the error is on stderr)")
            continue
        base = " (baseline)" if s.baseline else ""
        click.echo(f"{prefix}{s.name}: read {s.read}, new {s.inserted}, updated {s.updated}, "
                   f"unchanged {s.unchanged}, events {s.events}{base}, matched {s.matched}, "
                   f"requests {s.requests}" + (f" ({s.note})" if s.note else ""))
        for warning in s.warnings:
            click.echo(f"{prefix}{s.name}: warning: {warning}")


def _scan_exit_code(report: Any) -> int:
    failed = report.failed
    if not failed:
        return 0
    for s in failed:
        click.echo(f"error: {s.error}", err=True)
    return EXIT_ERROR if len(failed) == len(report.sources) else EXIT_PARTIAL


@cli.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_obj
def import_(app: App, files: tuple[str, ...], as_json: bool) -> int:
    """Load LegiScan dataset archives (JSON or CSV zip) without using API quota.

    Like a scan, an import that recorded news sends the immediate alerts it calls for."""
    from monitor.scan import ScanReport, ingest, load_rules
    from sources.legiscan_dataset import read_archive

    ruleset = load_rules(app.config, app.database)
    report = ScanReport()
    for file in files:
        report.sources.append(ingest(app.database, read_archive(Path(file)), name="legiscan-import",
                                     type="legiscan-dataset", ruleset=ruleset))
        report.sources[-1].note = file
    alerts = None if len(report.failed) == len(report.sources) else _alerts(app, ruleset)
    if as_json:
        app.echo_json({**report.to_dict(), "alerts": alerts.to_dict() if alerts else None})
    else:
        _print_scan(report)
    return _report_alerts(alerts, _scan_exit_code(report))


@cli.command()
@click.option("--matched", is_flag=True, help="Only bills that match a rule.")
@click.option("--rule", "rule_ids", multiple=True, metavar="ID", help="Only bills matching this rule (repeatable).")
@click.option("--jurisdiction", "jurisdictions", multiple=True, metavar="J",
              help="Jurisdiction code or pattern: US-TX, CA-*, US (repeatable).")
@click.option("--since", type=DATE, help="Only bills updated in billwatch since DATE.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most this many bills.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def bills(app: App, matched: bool, rule_ids: tuple[str, ...], jurisdictions: tuple[str, ...],
          since: dt.date | None, limit: int | None, as_json: bool) -> None:
    """List stored bills, newest activity first."""
    if rule_ids:
        _check_rule_ids(app, rule_ids)
    rows = query_bills(app.database, matched=matched or bool(rule_ids), rule_ids=rule_ids,
                       jurisdictions=jurisdictions, since=since, limit=limit)
    if as_json:
        app.echo_json(rows)
        return
    for row in rows:
        labels = f"  [{', '.join(row['matches'])}]" if row["matches"] else ""
        click.echo(f"{row['jurisdiction']:<6} {row['session']:<22} {row['identifier']:<10} "
                   f"{row['stage'] or '-':<18} {row['title'][:90]}{labels}")
    if not as_json:
        click.echo(f"{len(rows)} bill(s)", err=True)


def _check_rule_ids(app: App, rule_ids: tuple[str, ...]) -> None:
    """A usage error for a --rule that no rule file in force defines and no stored match names
    (a typo would otherwise list no bills, as if the rule matched nothing)."""
    from monitor.errors import RuleError
    from rules.ruleset import load_rules

    with app.database.session() as session:
        known = set(session.scalars(select(Match.rule_id).distinct()))
    if app.config.rules:
        try:
            known.update(rule.id for rule in load_rules(app.config.rules).rules)
        except RuleError:
            pass  # broken rule files: `rules check` says why; the stored matches still name rules
    unknown = [rule_id for rule_id in rule_ids if rule_id not in known]
    if unknown:
        raise click.UsageError(f"unknown rule id {unknown[0]!r} (rules: {', '.join(sorted(known)) or 'none'})")


def jurisdiction_clause(column: Any, patterns: tuple[str, ...] | list[str]) -> Any:
    """SQL condition for jurisdiction patterns (`US-*`, `CA-ON`, `US`)."""
    from sqlalchemy import or_

    clauses = []
    for pattern in patterns:
        pattern = pattern.upper()
        clauses.append(column.like(pattern.replace("*", "%")) if "*" in pattern else column == pattern)
    return or_(*clauses)


def query_bills(database: Any, *, matched: bool = False, rule_ids: tuple[str, ...] = (),
                jurisdictions: tuple[str, ...] = (), since: dt.date | None = None,
                limit: int | None = None) -> list[dict[str, Any]]:
    """Bills in the `bills --json` shape of the CLI contract."""
    query = select(Bill).options(selectinload(Bill.sponsors))
    if jurisdictions:
        query = query.where(jurisdiction_clause(Bill.jurisdiction, jurisdictions))
    if since:
        query = query.where(Bill.updated_at >= dt.datetime.combine(since, dt.time()))
    if matched or rule_ids:
        sub = select(Match.bill_id)
        if rule_ids:
            sub = sub.where(Match.rule_id.in_(rule_ids))
        query = query.where(Bill.id.in_(sub))
    query = query.order_by(Bill.last_action_date.desc().nulls_last(), Bill.id.desc()).limit(limit)
    with database.session() as session:
        found = session.scalars(query).all()
        matches: dict[int, list[str]] = {}
        ids = [b.id for b in found]
        for chunk in range(0, len(ids), 500):
            for bill_id, rule_id in session.execute(
                select(Match.bill_id, Match.rule_id).where(Match.bill_id.in_(ids[chunk:chunk + 500]))
            ):
                matches.setdefault(bill_id, []).append(rule_id)
        return [_bill_row(b, sorted(matches.get(b.id, []))) for b in found]


def _bill_row(bill: Bill, matches: list[str]) -> dict[str, Any]:
    return {
        "jurisdiction": bill.jurisdiction,
        "session": bill.session,
        "identifier": bill.identifier,
        "title": bill.title,
        "stage": bill.stage,
        "status": bill.status,
        "status_date": bill.status_date,
        "last_action": bill.last_action,
        "last_action_date": bill.last_action_date,
        "sponsors": [s.name for s in bill.sponsors if s.role == "primary"],
        "url": bill.url,
        "source": bill.source,
        "matches": matches,
    }


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def status(app: App, as_json: bool) -> int:
    """Sources (last success, last error, stale?) and the next scheduled runs."""
    from monitor.health import source_health
    from monitor.jobs import planned_jobs

    config = app.config
    with app.database.session() as session:
        health = source_health(session, config)
    jobs = planned_jobs(config)
    from monitor.locks import held_locks  # scans (and deliveries) running now, in any process

    locks = [{"name": row.name, "holder": row.holder, "since": row.acquired_at, "heartbeat": row.heartbeat_at}
             for row in held_locks(app.database)]
    if as_json:
        app.echo_json({"sources": [h.to_dict() for h in health],
                       "jobs": [{"id": j.id, "next_run": j.next_run} for j in jobs], "locks": locks})
    else:
        for h in health:
            state = "disabled" if not h.enabled else "STALE" if h.stale else "ok"
            if h.consecutive_failures:
                state = f"FAILING ({h.consecutive_failures}x)"
            success = h.last_success.isoformat(timespec="minutes") if h.last_success else "never"
            click.echo(f"{h.name:<16} {h.type:<12} {state:<14} last success {success}"
                       + (f"; {h.quota_used}{f' of {h.quota_limit}' if h.quota_limit else ''} requests "
                          f"in {h.quota_month}" if h.quota_month else ""))
            if h.last_error and h.consecutive_failures:
                click.echo(f"{'':<16} last error: {h.last_error}")
        for job in jobs:
            click.echo(f"job {job.id:<28} next run {job.next_run.isoformat(timespec='minutes')}")
        for lock in locks:
            click.echo(f"lock {lock['name']:<27} held by {lock['holder']} since "
                       f"{lock['since'].isoformat(timespec='seconds')}Z")
    return 0
