"""``billwatch digest``: summarize, preview or send the subscribers' next digests.

Without ``--preview`` or ``--send`` it prints what each subscriber's next digest holds. The
cadence in the config decides when ``billwatch run`` sends; ``--send`` sends now, to every (or
each named) subscriber, everything since that subscriber's last delivered digest.
Exit codes: 0 ok; 1 nothing could be delivered; 2 usage error; 3 some deliveries failed.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from pathlib import Path
from typing import Any

import click

from monitor.errors import ConfigError

EXIT_ERROR, EXIT_PARTIAL = 1, 3
_SPAN_RE = re.compile(r"^(\d+)([dh])$")


@click.command("digest")
@click.option("--subscriber", "subscribers", metavar="EMAIL", multiple=True,
              help="Only this subscriber (repeatable). Named, a rejected address is tried again.")
@click.option("--period", metavar="PERIOD",
              help="Preview the events of a period instead of what is pending: 7d, 24h, "
                   "2026-03-01 (since that day) or 2026-03-01..2026-03-07 (days in the config's time zone).")
@click.option("--preview", "preview_dir", metavar="DIR", type=click.Path(file_okay=False, path_type=Path),
              help="Write each digest as DIR/<email>.html, .txt and .eml; sends nothing, moves no watermark.")
@click.option("--send", is_flag=True, help="Send now, whatever each subscriber's cadence.")
@click.option("--include-baseline", is_flag=True,
              help="Include the events of sources' first scans (a state-of-play digest).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_obj
def digest_command(app: Any, subscribers: tuple[str, ...], period: str | None, preview_dir: Path | None,
                   send: bool, include_baseline: bool, as_json: bool) -> None:
    """Summarize, preview or send the next digest of each subscriber."""
    if send and (preview_dir or period):
        raise click.UsageError("--send sends what is pending since each subscriber's last digest; "
                               "--preview and --period are for looking, not sending")
    config = app.config
    if not config.subscribers:
        raise ConfigError("no [[subscriber]] in the config", hint="add a [[subscriber]] table (see docs/digests.md)")
    chosen = list(subscribers) or None
    _check_subscribers(config, chosen)
    if chosen is None and not any(s.enabled for s in config.subscribers):
        click.echo("every subscriber is disabled (enabled = false): nothing to do", err=True)
        click.get_current_context().exit(0)
    if send:
        code = _send(app, chosen, include_baseline, as_json)
    else:
        code = _preview(app, chosen, preview_dir, period, include_baseline, as_json)
    click.get_current_context().exit(code)


def _check_subscribers(config: Any, chosen: list[str] | None) -> None:
    from notifiers.delivery import select_subscribers

    try:
        select_subscribers(config, chosen)
    except ConfigError as exc:
        raise click.BadParameter(exc.message, param_hint="--subscriber") from None


def _send(app: Any, chosen: list[str] | None, include_baseline: bool, as_json: bool) -> int:
    from monitor.scan import load_rules
    from notifiers.delivery import send_digests
    from notifiers.selection import rule_catalog

    if app.config.smtp is None:
        raise ConfigError("--send needs an [smtp] table in the config",
                          hint="add [smtp] with host and from (see docs/digests.md), or use --preview DIR")
    ruleset = load_rules(app.config, app.database)  # re-matches stored bills if the rules changed
    report = send_digests(app.config, app.database, subscribers=chosen, include_baseline=include_baseline,
                          catalog=rule_catalog(ruleset))
    if as_json:
        app.echo_json(report.to_dict())
    else:
        for result in report.results:
            click.echo(_line(result))
        for error in report.errors:
            click.echo(f"error: {error}", err=True)
    if report.ok:
        return 0
    return EXIT_PARTIAL if report.sent else EXIT_ERROR


def _line(result: Any) -> str:
    what = {"sent": "sent", "nothing": "nothing to send", "failed": "FAILED", "rejected": "REJECTED",
            "skipped": "skipped"}.get(result.status, result.status)
    kind = "" if result.channel == "email" else f" [{result.channel}]"
    detail = f" ({result.detail})" if result.detail and result.status != "sent" else ""
    return f"{result.recipient}{kind}: {what}{detail}"


def _preview(app: Any, chosen: list[str] | None, out: Path | None, period: str | None,
             include_baseline: bool, as_json: bool) -> int:
    from notifiers.preview import preview_digests

    config = app.config
    since, until = parse_period(period, config.schedule.timezone) if period else (None, None)
    ruleset = None
    if config.rules:
        from notifiers.selection import check_follows
        from rules.integration import load_ruleset

        ruleset = load_ruleset(config.rules)
        check_follows(config, ruleset)
    previews = preview_digests(config, app.database, out, subscribers=chosen, include_baseline=include_baseline,
                               ruleset=ruleset, since=since, until=until)
    if as_json:
        app.echo_json({"previews": [p.to_dict() for p in previews]})
        return 0
    for p in previews:
        counts = ", ".join(f"{n} {'hearing' if k == 'hearings' and n == 1 else k}" for k, n in p.counts.items())
        verdict = f"would be sent ({p.reason})" if p.send else f"would not be sent ({p.reason})"
        click.echo(f"{p.recipient}: {counts}; {verdict}")
        for file in p.files:
            click.echo(f"  {file}")
    return 0


def parse_period(text: str, timezone: str, now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime | None]:
    """``7d``/``24h`` (back from now), ``DATE`` (since), ``DATE..DATE`` (inclusive) -> naive UTC."""
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    span = _SPAN_RE.match(text.strip())
    if span:
        amount, unit = int(span.group(1)), span.group(2)
        return now - (dt.timedelta(days=amount) if unit == "d" else dt.timedelta(hours=amount)), None
    first, sep, last = text.strip().partition("..")
    try:
        start = _midnight(dt.date.fromisoformat(first), timezone)
        end = _midnight(dt.date.fromisoformat(last) + dt.timedelta(days=1), timezone) if sep else None
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not a period (examples: 7d, 24h, 2026-03-01, 2026-03-01..2026-03-07)",
            param_hint="--period") from None
    if end is not None and end <= start:
        raise click.BadParameter(f"{text!r} ends before it starts", param_hint="--period")
    return start, end


def _midnight(day: dt.date, timezone: str) -> dt.datetime:
    local = dt.datetime.combine(day, dt.time(), tzinfo=zoneinfo.ZoneInfo(timezone))
    return local.astimezone(dt.UTC).replace(tzinfo=None)
