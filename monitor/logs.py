"""Logging set-up: plain lines on stderr, secrets redacted from every record."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

from monitor.http import redact

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactingFilter(logging.Filter):
    """Replaces secret values (and secret-named URL parameters) in every log record."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message, self.secrets)
        if record.exc_info and record.exc_info[1] is not None:
            # tracebacks (-v) carry exception text too: render and redact it here
            import traceback

            clean += "\n" + redact("".join(traceback.format_exception(*record.exc_info)), self.secrets)
            record.exc_info = None
            record.exc_text = None
        if clean != message:
            record.msg, record.args = clean, None
        return True


def setup_logging(verbose: bool = False, secrets: Iterable[str] = ()) -> None:
    """One stderr handler on the "billwatch" logger; called again when secrets become known."""
    logger = logging.getLogger("billwatch")
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)
    handler = next((h for h in logger.handlers if getattr(h, "_billwatch", False)), None)
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        handler._billwatch = True  # type: ignore[attr-defined]
        handler.setFormatter(logging.Formatter(FORMAT, "%Y-%m-%d %H:%M:%S"))
        logger.addHandler(handler)
    handler.stream = sys.stderr  # follow stderr replacements (tests, click's runner)
    handler.filters = [RedactingFilter(secrets)]
