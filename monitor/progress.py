"""Scan progress: a live line on a terminal, plain log lines otherwise.

The scan calls the reporter with (source name, bills read so far) as records arrive. On a terminal
(stderr is a TTY) one line is redrawn in place, at most a few times a second, and finished when the
next source starts; elsewhere (a pipe, a log file, systemd's journal) a log line is written every
``log_every`` bills, so a long scan is visibly alive without flooding the log.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import TextIO

log = logging.getLogger("billwatch.scan")

REDRAW_EVERY = 0.2  # seconds between terminal redraws
LOG_EVERY = 500  # bills between log lines when not on a terminal


class ScanProgress:
    """Callable progress reporter: ``progress(source_name, bills_read)``."""

    def __init__(self, stream: TextIO | None = None, *, tty: bool | None = None,
                 log_every: int = LOG_EVERY) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.log_every = log_every
        self.source: str | None = None
        self.started = 0.0
        self._drawn = 0.0
        self._logged = 0
        self._width = 0

    def __call__(self, name: str, read: int) -> None:
        now = time.monotonic()
        if name != self.source:
            self.finish()
            self.source, self.started, self._drawn, self._logged = name, now, float("-inf"), 0
        if self.tty:
            if now - self._drawn >= REDRAW_EVERY:
                self._draw(f"{name}: {read} bills read ({now - self.started:.0f} s)")
                self._drawn = now
        elif read - self._logged >= self.log_every:
            log.info("%s: %d bills read so far", name, read)
            self._logged = read

    def _draw(self, text: str) -> None:
        padding = " " * max(self._width - len(text), 0)
        self.stream.write(f"\r{text}{padding}")
        self.stream.flush()
        self._width = len(text)

    def finish(self) -> None:
        """End the terminal line (before other output is printed)."""
        if self.tty and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0


def scan_progress(quiet: bool = False) -> ScanProgress | None:
    """The reporter for a command's scan (None when ``quiet``, e.g. with --json)."""
    return None if quiet else ScanProgress()
