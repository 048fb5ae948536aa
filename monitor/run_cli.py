"""Operations commands: `billwatch run` (the scheduler) and `billwatch demo` (the offline tour)."""

from __future__ import annotations

from pathlib import Path

import click

from monitor.cli import App, cli


@cli.command()
@click.option("--now", "run_now", is_flag=True,
              help="Run every job once right after starting (scans, then due digests), then follow the schedule.")
@click.pass_obj
def run(app: App, run_now: bool) -> int:
    """The scheduler, in the foreground, until SIGTERM/SIGINT (SIGHUP reloads the config and rules).

    Scans each enabled source on its cron schedule (its own `schedule`, else [schedule].scan),
    sends immediate alerts after each scan, and sends daily and weekly digests when they are due.
    """
    from monitor.scheduler import Runner

    runner = Runner(app.config, app.database, config_path=app.config_path, verbose=app.verbose)
    return runner.run(run_now=run_now)


@cli.command()
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=Path("demo-out"),
              show_default=True, help="Folder for the digests, the demo config and its database.")
@click.option("--serve", is_flag=True,
              help="Afterwards keep serving the payloads (from OUT/demo_data, an editable copy) until Ctrl-C, "
                   "so that scan on the demo config reads them.")
@click.pass_obj
def demo(app: App, out: Path, serve: bool) -> int:
    """The whole pipeline offline on bundled recorded payloads: scan, match, render digests, summary.

    Needs no network and no API key: the recorded payloads are served from a local web server on
    127.0.0.1 and read through the real source code. The demo's config is written to
    OUT/billwatch.toml, so any command can be run on the result afterwards:
    `billwatch --config demo-out/billwatch.toml bills --matched`. With --serve, the sources keep
    answering (from OUT/demo_data, which you may edit) until Ctrl-C: scan, digest --send, alerts.
    """
    from monitor.demo import run_demo

    return run_demo(out, verbose=app.verbose, serve=serve)
