"""The `billwatch` command line (DESIGN.md "CLI contract").

Exit codes: 0 ok; 1 error (one line with a hint; traceback only with -v); 2 usage error;
3 partial failure (some sources failed, the others' results kept). ``--json`` prints one JSON
document on stdout; logs go to stderr.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from functools import cached_property
from pathlib import Path
from typing import Any

import click

from monitor import __version__
from monitor.config import Config, config_path, load_config
from monitor.errors import BillwatchError
from monitor.logs import setup_logging

log = logging.getLogger("billwatch")

EXIT_ERROR, EXIT_USAGE, EXIT_PARTIAL = 1, 2, 3


class App:
    """What every command needs, loaded on first use: the config and the database."""

    def __init__(self, config_file: str | None, verbose: bool) -> None:
        self.config_file = config_file
        self.verbose = verbose

    @cached_property
    def config_path(self) -> Path:
        return config_path(self.config_file)

    @cached_property
    def config(self) -> Config:
        config = load_config(self.config_path)
        setup_logging(self.verbose, secrets=config.secrets())
        return config

    @cached_property
    def database(self) -> Any:
        from monitor.db import open_database

        return open_database(self.config.database.url)

    def echo_json(self, data: Any) -> None:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=_json_default))


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


class DateParam(click.ParamType):
    """A date given as YYYY-MM-DD."""

    name = "DATE"

    def convert(self, value: Any, param: Any, ctx: Any) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not a date in the form YYYY-MM-DD", param, ctx)


DATE = DateParam()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_file", metavar="FILE", envvar=None,
              help="Config file (default: $BILLWATCH_CONFIG, else ./billwatch.toml).")
@click.option("-v", "--verbose", is_flag=True, help="Debug logging and tracebacks.")
@click.version_option(__version__, prog_name="billwatch")
@click.pass_context
def cli(ctx: click.Context, config_file: str | None, verbose: bool) -> None:
    """billwatch: legislation monitoring and alerting for health-IT advocates."""
    setup_logging(verbose)
    ctx.obj = App(config_file, verbose)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: maps errors to one line and the exit codes of the CLI contract."""
    verbose = any(a in ("-v", "--verbose") for a in (argv if argv is not None else sys.argv[1:]))
    try:
        code = cli.main(args=argv, prog_name="billwatch", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(EXIT_ERROR)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_USAGE if isinstance(exc, click.UsageError) else EXIT_ERROR)
    except BillwatchError as exc:
        if verbose:
            log.exception("error")
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # a bug: still one line, the traceback with -v
        if verbose:
            log.exception("unexpected error")
        click.echo(f"error: unexpected {type(exc).__name__}: {exc} (hint: run with -v for the traceback "
                   "and report it)", err=True)
        sys.exit(EXIT_ERROR)
    sys.exit(code if isinstance(code, int) else 0)


def _register() -> None:
    from monitor import commands  # noqa: F401  (core commands attach themselves to `cli`)
    from notifiers.cli import digest_command
    from rules.cli import rules_group

    cli.add_command(rules_group)
    cli.add_command(digest_command)
    from monitor import run_cli  # noqa: F401


_register()
