"""Loading and validating the config file (TOML).

The whole file is validated at load time: unknown keys are rejected and every problem is reported
at once as ``path.to.key: problem (allowed: ...)``, before any work starts. Secrets come from the
environment (``"${LEGISCAN_API_KEY}"``) or from a file (``api_key_file = "/run/secrets/legiscan"``,
``password_file``); they are resolved here and never written anywhere.
"""

from __future__ import annotations

import os
import re
import tomllib
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from monitor.cron import validate_cron
from monitor.errors import ConfigError
from monitor.http import HttpSettings
from notifiers.config import NotifierConfig, SmtpConfig, SubscriberConfig
from sources.base import SourceOptions, registry

CONFIG_ENV = "BILLWATCH_CONFIG"
DEFAULT_CONFIG = "billwatch.toml"
TOP_LEVEL_KEYS = ("database", "http", "schedule", "rules", "source", "subscriber", "smtp", "notifier")
#: keys whose value may instead be read from a file named by "<key>_file"
SECRET_KEYS = ("api_key", "password", "access_key", "token", "secret")
_ENV_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class DatabaseConfig(BaseModel):
    """The ``[database]`` table."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(default="sqlite:///billwatch.db", description="SQLAlchemy URL; relative SQLite paths are relative to the config file")


class ScheduleConfig(BaseModel):
    """The ``[schedule]`` table: when `billwatch run` scans and sends digests."""

    model_config = ConfigDict(extra="forbid")

    timezone: str = "UTC"
    scan: str = "0 6 * * *"
    digest_daily: str = "0 7 * * *"
    digest_weekly: str = "0 7 * * mon"
    misfire_grace_seconds: int = Field(default=3600, ge=1)
    stale_after_hours: float = Field(default=48.0, gt=0, description="a source with no success for this long is stale")

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (example: America/Chicago)") from None
        return value

    @field_validator("scan", "digest_daily", "digest_weekly")
    @classmethod
    def _cron(cls, value: str) -> str:
        return validate_cron(value)


@dataclass
class Config:
    """The validated config. Paths are absolute; secrets are resolved."""

    path: Path | None
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    http: HttpSettings = field(default_factory=HttpSettings)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    rules: list[Path] = field(default_factory=list)
    sources: list[SourceOptions] = field(default_factory=list)
    subscribers: list[SubscriberConfig] = field(default_factory=list)
    smtp: SmtpConfig | None = None
    notifiers: list[NotifierConfig] = field(default_factory=list)

    @property
    def folder(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    def source(self, name: str) -> SourceOptions:
        for options in self.sources:
            if options.name == name:
                return options
        names = ", ".join(o.name for o in self.sources) or "none configured"
        raise ConfigError(f"no source named {name!r} (configured: {names})")

    def secrets(self) -> list[str]:
        """Every secret value in the config, for redaction."""
        values: list[str] = []
        for options in self.sources:
            values += [v for k, v in options if k in SECRET_KEYS and isinstance(v, str) and v]
        password = getattr(self.smtp, "password", None)
        if password is not None:
            values.append(password.get_secret_value() if hasattr(password, "get_secret_value") else str(password))
        values += [n.url.get_secret_value() for n in self.notifiers]
        database_password = _url_password(self.database.url)
        if database_password:
            values.append(database_password)
        return values


def _url_password(url: str) -> str | None:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).password
    except ArgumentError:
        return None


def config_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """``--config``, else ``$BILLWATCH_CONFIG``, else ``./billwatch.toml``."""
    if explicit:
        return Path(explicit)
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    return Path(DEFAULT_CONFIG)


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Read, interpolate and validate the config file; ConfigError lists every problem."""
    file = config_path(path)
    try:
        raw = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"no config file at {file}",
            hint="run `billwatch init` to write a starter config, or pass --config FILE / set BILLWATCH_CONFIG",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {file}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file} is not valid TOML: {exc}", hint="fix the TOML syntax at the line named") from None
    return parse_config(raw, file.resolve())


def parse_config(raw: dict[str, Any], path: Path | None = None) -> Config:
    """Validate an already-parsed config mapping (see :func:`load_config`)."""
    problems: list[str] = []
    folder = path.parent if path else Path.cwd()
    raw = _resolve_secrets(raw, "", problems, folder)
    for key in raw:
        if key not in TOP_LEVEL_KEYS:
            problems.append(f"{key}: unknown key (allowed: {', '.join(TOP_LEVEL_KEYS)})")
    config = Config(path=path)
    config.database = _model(DatabaseConfig, raw.get("database", {}), "database", problems) or config.database
    config.database.url = _absolute_sqlite(config.database.url, folder)
    config.http = _model(HttpSettings, raw.get("http", {}), "http", problems) or config.http
    config.schedule = _model(ScheduleConfig, raw.get("schedule", {}), "schedule", problems) or config.schedule
    config.rules = _rule_paths(raw.get("rules", []), folder, problems)
    config.sources = _sources(_table_list(raw, "source", problems), problems)
    config.subscribers = [
        m for i, t in enumerate(_table_list(raw, "subscriber", problems))
        if (m := _model(SubscriberConfig, t, f"subscriber[{i}]", problems)) is not None
    ]
    if "smtp" in raw:
        config.smtp = _model(SmtpConfig, raw["smtp"], "smtp", problems)
        if config.smtp is not None and config.smtp.cafile is not None:
            # like every other path in the file: relative to the config file, and checked now
            cafile = config.smtp.cafile if config.smtp.cafile.is_absolute() else folder / config.smtp.cafile
            config.smtp.cafile = cafile
            if not cafile.is_file():
                problems.append(f"smtp.cafile: CA bundle not found: {cafile}")
    config.notifiers = [
        m for i, t in enumerate(_table_list(raw, "notifier", problems))
        if (m := _model(NotifierConfig, t, f"notifier[{i}]", problems)) is not None
    ]
    _check_unique([s.email for s in config.subscribers], "subscriber", "email", problems, fold=str.lower)
    _check_unique([n.name for n in config.notifiers], "notifier", "name", problems)
    if problems:
        where = f" in {path}" if path else ""
        raise ConfigError(f"invalid config{where} ({len(problems)} problem{'s' * (len(problems) > 1)})", problems)
    return config


def _resolve_secrets(value: Any, where: str, problems: list[str], folder: Path) -> Any:
    """Interpolate ``${ENV}`` in strings and turn ``<secret>_file`` keys into their secret."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            path = f"{where}.{key}" if where else key
            base = key[: -len("_file")] if key.endswith("_file") else None
            if base in SECRET_KEYS:
                if base in value:
                    problems.append(f"{path}: give either {base} or {key}, not both")
                out[base] = _read_secret_file(_resolve_secrets(item, path, problems, folder), path, problems, folder)
            else:
                out[key] = _resolve_secrets(item, path, problems, folder)
        return out
    if isinstance(value, list):
        return [_resolve_secrets(v, f"{where}[{i}]", problems, folder) for i, v in enumerate(value)]
    if isinstance(value, str):
        return _ENV_RE.sub(lambda m: _env(m.group(1), where, problems), value)
    return value


def _env(name: str, where: str, problems: list[str]) -> str:
    if name not in os.environ:
        key = re.sub(r"\[\d+\]$", "", where.rsplit(".", 1)[-1])
        instead = f", or use {key}_file" if key in SECRET_KEYS else ""  # only secrets have a *_file key
        problems.append(f"{where}: environment variable {name} is not set (export it{instead})")
        return ""
    return os.environ[name]


def _read_secret_file(name: Any, where: str, problems: list[str], folder: Path) -> str:
    if not isinstance(name, str) or not name:
        problems.append(f"{where}: expected the path of a file holding the secret")
        return ""
    file = Path(name) if Path(name).is_absolute() else folder / name
    try:
        return file.read_text(encoding="utf-8").strip()
    except OSError as exc:
        problems.append(f"{where}: cannot read secret file {file} ({exc.strerror or exc})")
        return ""


def _model(model: type[BaseModel], data: Any, where: str, problems: list[str]) -> Any:
    if not isinstance(data, dict):
        problems.append(f"{where}: expected a table, got {type(data).__name__}")
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems.extend(_format_errors(exc, model, where))
        return None


def _format_errors(exc: ValidationError, model: type[BaseModel], where: str) -> list[str]:
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        path = f"{where}.{loc}" if loc else where
        if err["type"] == "extra_forbidden":
            allowed = ", ".join(f.alias or name for name, f in model.model_fields.items())
            lines.append(f"{path}: unknown key (allowed: {allowed})")
        elif err["type"] == "missing":
            lines.append(f"{path}: required key is missing")
        else:
            lines.append(f"{path}: {err['msg'].removeprefix('Value error, ')}")
    return lines


def _table_list(raw: dict[str, Any], key: str, problems: list[str]) -> list[dict[str, Any]]:
    tables = raw.get(key, [])
    if isinstance(tables, dict):
        tables = [tables]
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        problems.append(f"{key}: expected [[{key}]] tables")
        return []
    return tables


def _sources(tables: list[dict[str, Any]], problems: list[str]) -> list[SourceOptions]:
    types = registry()
    out: list[SourceOptions] = []
    for i, table in enumerate(tables):
        where = f"source[{i}]" + (f" ({table['name']})" if isinstance(table.get("name"), str) else "")
        type_name = table.get("type")
        if type_name not in types:
            allowed = ", ".join(types)
            problem = "required key is missing" if type_name is None else f"unknown source type {type_name!r}"
            problems.append(f"{where}.type: {problem} (allowed: {allowed})")
            continue
        options = _model(types[type_name].Options, table, where, problems)
        if options is not None:
            out.append(options)
    _check_unique([o.name for o in out], "source", "name", problems)
    return out


def _check_unique(values: list[str], table: str, key: str, problems: list[str],
                  fold: Callable[[str], str] = str) -> None:
    seen: set[str] = set()
    for i, value in enumerate(values):
        if fold(value) in seen:
            problems.append(f"{table}[{i}].{key}: {value!r} is used twice; each {table} needs its own {key}")
        seen.add(fold(value))


def _rule_paths(value: Any, folder: Path, problems: list[str]) -> list[Path]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append('rules: expected a list of rule file paths, e.g. rules = ["rules/health_it.toml"]')
        return []
    paths = []
    for i, name in enumerate(value):
        file = Path(name) if Path(name).is_absolute() else folder / name
        if not file.is_file():
            problems.append(f"rules[{i}]: rule file not found: {file}")
        paths.append(file)
    return paths


def _absolute_sqlite(url: str, folder: Path) -> str:
    """Make a relative SQLite path relative to the config file, not to the working directory."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != prefix + ":memory:":
        rest = url[len(prefix):]
        if rest and not rest.startswith(":"):
            return prefix + str(folder / rest)
    return url
