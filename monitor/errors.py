"""One exception hierarchy for everything billwatch reports to a user.

Every error carries a message (what went wrong) and a hint (what to do about it). The CLI
catches :class:`BillwatchError`, prints ``error: <message> (hint: <hint>)`` on one line and
exits 1; the traceback is shown only with ``-v``.
"""

from __future__ import annotations


class BillwatchError(Exception):
    """Base class: a failure a user can understand and act on."""

    hint: str = ""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if hint is not None:
            self.hint = hint

    def __str__(self) -> str:
        if not self.hint:
            return self.message
        # after a list of problems, the hint stands on its own line rather than after the last one
        return f"{self.message}{chr(10) if chr(10) in self.message else ' '}(hint: {self.hint})"


class ConfigError(BillwatchError):
    """The config file is missing, unreadable or invalid. ``problems`` lists every problem."""

    hint = "fix the listed keys in the config file (see config.example.toml)"

    def __init__(self, message: str, problems: list[str] | None = None, hint: str | None = None):
        self.problems = problems or []
        if self.problems:
            message = message + ":\n  " + "\n  ".join(self.problems)
        super().__init__(message, hint)


class SecretError(ConfigError):
    """A secret named by the config (environment variable or file) could not be read."""


class StorageError(BillwatchError):
    """The database could not be opened, migrated or written."""

    hint = "check [database] url in the config; if the database is locked, retry when the other billwatch process finishes"


class SourceError(BillwatchError):
    """A source failed: network, HTTP status, API error, or a payload that does not parse."""

    hint = "check this source's settings in the config; run with -v for details"

    def __init__(self, message: str, hint: str | None = None, source: str | None = None):
        self.source = source
        if source:
            message = f"[{source}] {message}"
        super().__init__(message, hint)


class FetchError(SourceError):
    """The HTTP request failed after retries (connection error, timeout, 4xx/5xx)."""

    hint = "the site may be down or the URL changed; check the source's base_url, and retry later"


class AuthError(SourceError):
    """The source refused the API key (missing, invalid or revoked)."""

    hint = "set the API key (api_key = \"${ENV_VAR}\" or api_key_file) for this source"


class QuotaError(SourceError):
    """The source's request quota is used up."""

    hint = "wait for the quota to reset, or lower the scan frequency for this source"


class ParseError(SourceError):
    """The payload does not have the expected shape (malformed feed, changed HTML layout)."""

    hint = "the source's format may have changed; report it with the URL named in the message"


class LayoutChangedError(ParseError):
    """A selector found nothing on a page that should have it: the site was probably redesigned."""


class UnsupportedSourceError(SourceError):
    """The legislature cannot be read by a polite automated client (bot challenge, CAPTCHA)."""

    hint = "disable this source; track this legislature by hand or through a service that licenses it"


class RuleError(BillwatchError):
    """A rule file or rule query is invalid. ``problems`` lists ``file:rule:column: message`` lines."""

    hint = "fix the rule and run `billwatch rules check`"

    def __init__(self, message: str, problems: list[str] | None = None, hint: str | None = None):
        self.problems = problems or []
        if self.problems:
            message = message + ":\n  " + "\n  ".join(self.problems)
        super().__init__(message, hint)


class DeliveryError(BillwatchError):
    """A digest or alert could not be delivered (SMTP or webhook). The message stays pending."""

    hint = "check [smtp] settings and that the server is reachable; pending messages are retried on the next run"


class LockHeldError(BillwatchError):
    """Another process holds the scan lock for a source."""

    hint = "wait for the other scan to finish (see `billwatch status`), or retry later"
