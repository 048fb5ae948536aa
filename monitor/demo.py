"""`billwatch demo` (being built; see monitor/run_cli.py)."""

from __future__ import annotations

from pathlib import Path

from monitor.errors import BillwatchError


def run_demo(out: Path, *, verbose: bool = False) -> int:
    raise BillwatchError("billwatch demo is not finished yet")
