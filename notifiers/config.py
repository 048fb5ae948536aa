"""Config models of the notifiers: ``[[subscriber]]``, ``[smtp]`` and ``[[notifier]]`` tables.

The lead's ``monitor/config.py`` loads the TOML file, resolves secrets (``${ENV}`` and
``*_file``) and validates these tables with the models below, so that a typo in a key is an
error at load time (``subscriber.0.cadense: extra inputs are not permitted``), never a
surprise at send time.
"""

from __future__ import annotations

import re
from email.utils import parseaddr
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CADENCE_RE = re.compile(r"^(daily|immediate|weekly:(mon|tue|wed|thu|fri|sat|sun))$")
_JURISDICTION_PATTERN_RE = re.compile(r"^[A-Z*?]{1,2}(-[A-Z0-9*?]{1,3})?$|^\*$")
_EMAIL_RE = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


def _check_email(value: str) -> str:
    value = value.strip()
    if not _EMAIL_RE.match(value):
        raise ValueError(f"{value!r} is not an email address (expected name@example.org)")
    return value


def _check_jurisdictions(patterns: list[str]) -> list[str]:
    cleaned = [p.strip().upper() for p in patterns]
    for pattern in cleaned:
        if not _JURISDICTION_PATTERN_RE.match(pattern):
            raise ValueError(
                f"{pattern!r} is not a jurisdiction pattern "
                "(allowed: ISO 3166-2 codes like US-TX, CA-ON, US, CA, or wildcards like US-*)"
            )
    return cleaned


class SubscriberConfig(BaseModel):
    """One ``[[subscriber]]``: who gets which digest, how often, in which format."""

    model_config = ConfigDict(extra="forbid")

    email: str = Field(description="address the digest is sent to; also the subscriber's identity")
    name: str | None = Field(default=None, description="display name used in the greeting and To header")
    jurisdictions: list[str] = Field(
        default_factory=list,
        description='jurisdiction patterns (US-TX, CA-ON, "US-*"); empty means every jurisdiction',
    )
    rules: list[str] = Field(
        default_factory=list, description="rule ids to follow; with tags, a bill matching either is included"
    )
    tags: list[str] = Field(
        default_factory=list, description="rule tags to follow; empty rules and tags means every rule"
    )
    cadence: str = Field(
        default="weekly:mon",
        description="daily, weekly:<mon..sun> (one digest a week) or immediate (an email after each scan)",
    )
    min_weight: float = Field(
        default=0.0, ge=0, description="leave out bills whose best matching rule weighs less than this"
    )
    format: Literal["html", "text"] = Field(
        default="html", description="html (multipart with a plain-text part) or text (plain text only)"
    )
    enabled: bool = Field(default=True, description="false pauses this subscriber without losing its state")
    send_empty: bool = Field(
        default=False, description="send a digest even when nothing is new and every source is healthy"
    )
    send_when_unhealthy: bool = Field(
        default=True,
        description="send a digest with nothing new when a source is failing or stale, so silence is not misread",
    )

    @field_validator("email")
    @classmethod
    def _valid_email(cls, value: str) -> str:
        return _check_email(value)

    @field_validator("jurisdictions")
    @classmethod
    def _valid_jurisdictions(cls, value: list[str]) -> list[str]:
        return _check_jurisdictions(value)

    @field_validator("cadence")
    @classmethod
    def _check_cadence(cls, value: str) -> str:
        value = value.strip().lower()
        if not _CADENCE_RE.match(value):
            raise ValueError(
                f"{value!r} is not a cadence (allowed: daily, immediate, weekly:mon ... weekly:sun)"
            )
        return value

    @property
    def weekday(self) -> int | None:
        """0 (Monday) .. 6 (Sunday) for a weekly cadence, else None."""
        if self.cadence.startswith("weekly:"):
            return WEEKDAYS.index(self.cadence.split(":", 1)[1])
        return None


class SmtpConfig(BaseModel):
    """The ``[smtp]`` table: the server digests are sent through."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    host: str = Field(description="SMTP server host name")
    port: int | None = Field(
        default=None, ge=1, le=65535, description="default 465 with tls, 587 with starttls, else 25"
    )
    starttls: bool = Field(default=True, description="upgrade the connection with STARTTLS (port 587)")
    tls: bool = Field(default=False, description="implicit TLS from the first byte (port 465)")
    username: str | None = Field(default=None, description="login name; no login when absent")
    password: SecretStr | None = Field(
        default=None, description='login password: write "${SMTP_PASSWORD}" or use password_file'
    )
    password_file: Path | None = Field(
        default=None, description="file holding the password (Docker/Kubernetes secrets)"
    )
    from_: str = Field(alias="from", description='sender, e.g. "Bill Watch <billwatch@example.org>"')
    reply_to: str | None = Field(default=None, description="where replies go (the chapter's advocacy lead)")
    timeout: float = Field(default=30.0, gt=0, description="seconds to wait for the server")
    list_unsubscribe: str | None = Field(
        default=None,
        description="List-Unsubscribe target, mailto: or https: URL; {email} is replaced by the "
        "subscriber's address. Default: mailto:<reply_to or from>?subject=unsubscribe",
    )
    verify: bool = Field(
        default=True, description="verify the server's TLS certificate (turn off only for a test server)"
    )
    cafile: Path | None = Field(default=None, description="extra CA bundle to verify the server with")

    @field_validator("from_", "reply_to")
    @classmethod
    def _check_address(cls, value: str | None) -> str | None:
        if value is None:
            return None
        _check_email(parseaddr(value)[1])
        return value.strip()

    @field_validator("list_unsubscribe")
    @classmethod
    def _check_unsubscribe(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("mailto:", "https:", "http:")):
            raise ValueError("must start with mailto:, https: or http:")
        return value

    @model_validator(mode="after")
    def _check_tls(self) -> SmtpConfig:
        if self.tls and self.starttls and "starttls" in self.model_fields_set:
            raise ValueError("choose one of tls (implicit, port 465) and starttls (port 587)")
        if self.password is not None and self.password_file is not None:
            raise ValueError("set password or password_file, not both")
        if self.username and self.password is None and self.password_file is None:
            raise ValueError("username needs password or password_file (leave username out for no login)")
        return self

    @property
    def use_starttls(self) -> bool:
        """STARTTLS applies unless implicit TLS was chosen."""
        return self.starttls and not self.tls

    @property
    def effective_port(self) -> int:
        if self.port is not None:
            return self.port
        return 465 if self.tls else 587 if self.starttls else 25

    def resolved_password(self) -> str | None:
        """The login password, read from password_file when the loader did not resolve it."""
        if self.password is not None:
            return self.password.get_secret_value()
        if self.password_file is not None:
            return self.password_file.read_text(encoding="utf-8").strip()
        return None


class NotifierConfig(BaseModel):
    """One ``[[notifier]]``: a webhook (Slack, Teams or plain JSON) alerted right after a scan."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="unique name, used in reports and delivery bookkeeping")
    type: Literal["webhook"] = Field(default="webhook", description="notifier type (webhook)")
    url: SecretStr = Field(description='webhook URL; usually a secret: write "${SLACK_WEBHOOK_URL}"')
    format: Literal["slack", "teams", "json"] = Field(
        default="slack", description="payload shape: slack (text + blocks), teams (MessageCard) or json"
    )
    jurisdictions: list[str] = Field(default_factory=list, description="jurisdiction patterns; empty = all")
    rules: list[str] = Field(default_factory=list, description="rule ids; empty rules and tags = every rule")
    tags: list[str] = Field(default_factory=list, description="rule tags")
    min_weight: float = Field(default=0.0, ge=0, description="leave out bills whose best rule weighs less")
    enabled: bool = Field(default=True, description="false pauses this notifier")
    timeout: float = Field(default=10.0, gt=0, description="seconds to wait for the webhook")
    retries: int = Field(default=3, ge=0, le=10, description="retries within one run, with backoff")
    backoff: float = Field(default=2.0, ge=0, description="first retry delay in seconds, doubled each time")

    @field_validator("jurisdictions")
    @classmethod
    def _valid_jurisdictions(cls, value: list[str]) -> list[str]:
        return _check_jurisdictions(value)

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL")
        return value
