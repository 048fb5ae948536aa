"""What every source shares: the normalized bill record, the source base class and registry.

A source type is a subclass of :class:`Source` with a ``type`` name, a typed ``Options`` model
(the keys of its ``[[source]]`` table) and a ``fetch()`` generator yielding :class:`BillRecord`.
Subclasses register themselves by ``type`` (``__init_subclass__``); ``billwatch sources`` lists
the registry from the classes' docstrings and class attributes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from monitor.cron import validate_cron
from monitor.errors import LayoutChangedError, SourceError

if TYPE_CHECKING:
    from monitor.http import SourceHttp

#: Normalized stages, across US and Canadian procedure, in procedural order.
STAGES: tuple[str, ...] = (
    "prefiled",
    "introduced",
    "in_committee",
    "passed_committee",
    "passed_chamber",
    "passed_legislature",
    "sent_to_executive",
    "enacted",
    "vetoed",
    "failed",
    "withdrawn",
)


@dataclass
class Action:
    date: dt.date | None
    description: str
    chamber: str | None = None  # "upper", "lower", "executive", "joint" or the source's own word
    classification: list[str] = field(default_factory=list)


@dataclass
class Sponsor:
    name: str
    role: str = "primary"  # primary, cosponsor, joint, generic
    party: str | None = None


@dataclass
class Version:
    date: dt.date | None
    note: str
    url: str | None = None


@dataclass
class Hearing:
    date: dt.date
    time: str | None = None
    location: str | None = None
    committee: str | None = None
    description: str | None = None


@dataclass
class BillRecord:
    """One bill as read from one source, normalized (see DESIGN.md "Records and identity").

    Natural key: (jurisdiction, session, identifier). ``stage`` is one of :data:`STAGES` (or
    None when the source gives nothing to go on); ``status`` keeps the source's raw status text.
    """

    source: str
    jurisdiction: str  # ISO 3166-2 upper case: US-TX, CA-ON; US for Congress, CA for Parliament
    session: str
    identifier: str  # normalized with normalize_identifier()
    title: str
    summary: str | None = None
    subjects: list[str] = field(default_factory=list)
    stage: str | None = None
    status: str | None = None  # raw status text as the source words it
    status_date: dt.date | None = None
    last_action: str | None = None
    last_action_date: dt.date | None = None
    actions: list[Action] = field(default_factory=list)
    sponsors: list[Sponsor] = field(default_factory=list)
    versions: list[Version] = field(default_factory=list)
    hearings: list[Hearing] = field(default_factory=list)
    url: str | None = None  # official page
    source_url: str | None = None  # where this record was read
    extras: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.stage is not None and self.stage not in STAGES:
            raise ValueError(f"unknown stage {self.stage!r} (allowed: {', '.join(STAGES)})")
        # NUL characters (seen in scraped text) make PostgreSQL refuse the whole batch
        for name in ("title", "summary", "status", "last_action"):
            value = getattr(self, name)
            if value and "\x00" in value:
                setattr(self, name, value.replace("\x00", ""))
        for action in self.actions:
            if "\x00" in action.description:
                action.description = action.description.replace("\x00", "")

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.jurisdiction, self.session, self.identifier)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (dates as ISO strings)."""
        return _jsonable(dataclasses.asdict(self))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


_IDENT_RE = re.compile(r"^\s*([A-Za-z]+(?:\s*[A-Za-z]+)*)\.?\s*[-\s]?\s*0*(\d+[A-Za-z]?)\s*$")


def normalize_identifier(raw: str, keep_hyphen: bool = False) -> str:
    """Upper case, one space between prefix and number, leading zeros dropped.

    ``"hb1234"`` -> ``"HB 1234"``, ``"H.B. 0012"`` -> ``"HB 12"``; Canadian hyphenated numbers keep
    their hyphen when ``keep_hyphen`` (``"c-27"`` -> ``"C-27"``). A bare number stays a number.
    """
    text = raw.replace("\u00a0", " ").strip().upper()
    if keep_hyphen and re.fullmatch(r"[A-Z]+-\d+[A-Z]?", text):
        return text
    text = text.replace(".", "")
    if re.fullmatch(r"\d+[A-Z]?", text):
        return text.lstrip("0") or "0"
    m = _IDENT_RE.match(text)
    if not m:
        return re.sub(r"\s+", " ", text)
    prefix = re.sub(r"\s+", "", m.group(1))
    return f"{prefix} {m.group(2)}"


class SourceOptions(BaseModel):
    """Keys every ``[[source]]`` table accepts. Source types subclass this with their own keys."""

    model_config = ConfigDict(extra="forbid")

    name: str
    type: str
    enabled: bool = True
    schedule: str | None = Field(default=None, description="cron expression; default [schedule].scan")
    base_url: str | None = Field(default=None, description="mirror, proxy or local test server")
    stale_after_hours: float | None = Field(
        default=None, description="hours without success before the source is called stale"
    )

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        return validate_cron(value) if value is not None else None


_REGISTRY: dict[str, type[Source]] = {}


class Source:
    """Base class of all sources. Subclasses set the class attributes and implement fetch().

    A source is built from its validated options, an HTTP client bound to it (counts requests,
    redacts its secrets) and its cursor: a JSON-able dict that the source reads and updates as it
    goes (LegiScan change_hash per bill, Open States updated_since). The scan persists the
    cursor in the same transaction as the bills already yielded, so they never disagree.
    """

    type: ClassVar[str] = ""
    #: jurisdictions this type can cover, for `billwatch sources` ("US-* + US", "CA-ON"...)
    jurisdictions: ClassVar[str] = ""
    needs_key: ClassVar[bool] = False
    #: "real capture" or "documented shape": what the parser is tested on
    tested_on: ClassVar[str] = ""
    #: fields the source fills, for the coverage table
    fields: ClassVar[str] = ""
    #: known limits, for the coverage table
    limits: ClassVar[str] = ""
    #: web-page scrapers obey robots.txt (disallowed URLs refused, Crawl-delay honoured); APIs do not
    respects_robots: ClassVar[bool] = False
    #: hosts' polite minimum seconds between requests, per host, overriding [http] defaults
    min_interval: ClassVar[float | None] = None
    Options: ClassVar[type[SourceOptions]] = SourceOptions

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.type:
            if cls.type in _REGISTRY and _REGISTRY[cls.type] is not cls:
                raise RuntimeError(f"source type {cls.type!r} registered twice")
            _REGISTRY[cls.type] = cls

    def __init__(self, options: SourceOptions, http: SourceHttp, cursor: dict[str, Any] | None = None):
        self.options = options
        self.name = options.name
        self.http = http
        self.cursor: dict[str, Any] = cursor if cursor is not None else {}
        #: set by fetch() when the source legitimately has nothing (no bills yet, 304 not modified)
        self.nothing_new_reason: str | None = None
        #: warnings for the scan report (quota close to the limit...)
        self.warnings: list[str] = []
        #: requests this source made so far this calendar month (set by the scan before fetch())
        self.quota_used_this_month: int = 0

    @classmethod
    def request_interval(cls, options: SourceOptions) -> float | None:
        """Polite minimum seconds between requests to this source's hosts (None: [http] default)."""
        return cls.min_interval

    @classmethod
    def secrets(cls, options: SourceOptions) -> list[str]:
        """Secret values in the options (API keys), to redact from logs and errors."""
        return [v for k, v in options if k in ("api_key",) and isinstance(v, str) and v]

    def fetch(self, since: dt.date | None = None) -> Iterator[BillRecord]:
        """Yield the bills that are new or changed (all bills when no cursor or ``since``)."""
        raise NotImplementedError(f"source type {self.type!r} does not implement fetch()")

    def error(self, message: str, hint: str | None = None) -> SourceError:
        return SourceError(message, hint=hint, source=self.name)

    def layout_error(self, selector: str, url: str) -> LayoutChangedError:
        """The error to raise when a selector that must match finds nothing."""
        return LayoutChangedError(
            f"selector {selector!r} found nothing on {url}: the page layout may have changed",
            source=self.name,
        )


def registry() -> dict[str, type[Source]]:
    """Every registered source type, importing the built-in source modules first."""
    import sources  # noqa: F401  (the package imports its modules, which register themselves)

    return dict(sorted(_REGISTRY.items()))


def source_class(type_name: str) -> type[Source]:
    types = registry()
    if type_name not in types:
        raise KeyError(type_name)
    return types[type_name]
