"""Open States API v3: bills of every US state, DC and Puerto Rico through one keyed JSON API.

``GET /bills`` per jurisdiction, sorted oldest update first, every page, with the related data
asked for by repeated ``include=`` parameters. Incremental: each jurisdiction remembers the latest
``updated_at`` it has stored and the next scan asks only for bills updated since then. Throttled to
the key's tier (free: 10 requests a minute, 250 a day); a 429 is retried by the shared HTTP client
after the ``Retry-After`` the API sends.

Sessions: a bill is stored under the LegiScan-form label of its session (``"2025 Regular
Session"``, see :mod:`sources.us_sessions`), so that the same bill read from LegiScan and from Open
States is one bill. The labels come from the jurisdiction's ``legislative_sessions``, read when a
bill of a session without a label arrives and remembered in the cursor; Open States' own
identifier stays in ``extras["openstates_session"]``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from typing import Any

from pydantic import Field, field_validator

from monitor.errors import AuthError, ParseError, QuotaError
from sources.base import (
    STAGES,
    Action,
    BillRecord,
    Source,
    SourceOptions,
    Sponsor,
    Version,
    normalize_identifier,
)
from sources.us_sessions import SessionLabels, openstates_session_labels

DEFAULT_BASE_URL = "https://v3.openstates.org"
#: the largest page /bills serves
BILLS_PER_PAGE = 20

STATE_CODES = frozenset(
    "al ak az ar ca co ct de fl ga hi id il in ia ks ky la me md ma mi mn ms mo mt ne nv nh nj nm "
    "ny nc nd oh ok or pa ri sc sd tn tx ut vt va wa wv wi wy".split()
)
#: what `jurisdictions` accepts: the states, DC, Puerto Rico and "us" (Open States' Congress data)
JURISDICTION_CODES = STATE_CODES | {"dc", "pr", "us"}
INCLUDE_VALUES = (
    "sponsorships", "abstracts", "other_titles", "other_identifiers", "actions", "sources",
    "documents", "versions", "votes", "related_bills",
)
DEFAULT_INCLUDE = ("sponsorships", "actions", "abstracts", "versions", "sources")

_JURISDICTION_ID_RE = re.compile(
    r"^ocd-jurisdiction/country:us(?:/(?:state|district|territory):([a-z]{2}))?/government$"
)
#: legislatures with one chamber: one passage is the whole legislature's
UNICAMERAL = frozenset({"US-NE", "US-DC"})


class OpenStatesOptions(SourceOptions):
    """Keys of a ``[[source]]`` table with ``type = "openstates"``."""

    api_key: str = Field(default="", description="Open States API key (use ${ENV} or api_key_file)")
    jurisdictions: list[str] = Field(min_length=1, description="state abbreviations: tx, ok, dc, pr")
    requests_per_minute: int = Field(default=10, ge=1, le=1000, description="tier limit (free 10, bronze 40)")
    daily_budget: int = Field(default=250, ge=1, description="requests a day (free 250, bronze 1000)")
    sessions: list[str] | None = Field(default=None, description="session identifiers; default: all")
    include: list[str] = Field(default_factory=lambda: list(DEFAULT_INCLUDE))

    @field_validator("jurisdictions")
    @classmethod
    def _known_jurisdictions(cls, value: list[str]) -> list[str]:
        codes = _unique(code.strip().lower() for code in value)
        unknown = [code for code in codes if code not in JURISDICTION_CODES]
        if unknown:
            raise ValueError(f"unknown jurisdiction {', '.join(map(repr, unknown))} "
                             "(allowed: two-letter state abbreviations, dc, pr, us)")
        return codes

    @field_validator("include")
    @classmethod
    def _known_includes(cls, value: list[str]) -> list[str]:
        unknown = [item for item in value if item not in INCLUDE_VALUES]
        if unknown:
            raise ValueError(f"unknown include {', '.join(map(repr, unknown))} (allowed: {', '.join(INCLUDE_VALUES)})")
        return _unique(value)

    @field_validator("sessions")
    @classmethod
    def _sessions_not_blank(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and (not value or any(not s.strip() for s in value)):
            raise ValueError("list session identifiers (e.g. [\"89\"]), or leave the key out for all sessions")
        return value


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


class OpenStatesSource(Source):
    """Open States API v3 (openstates.org): bills of the 50 states, DC and Puerto Rico.

    Needs a free API key (openstates.org/accounts/signup). Incremental by ``updated_since`` per
    jurisdiction; sponsors, actions, abstracts, versions and official links in one request per 20
    bills. Stages come from Open States' action classifications.
    """

    type = "openstates"
    jurisdictions = "US-* (50 states), US-DC, US-PR, US (Congress)"
    needs_key = True
    tested_on = "real capture (NY /bills with abstracts); documented shape for sponsors, actions, versions"
    fields = "title, summary, subjects, stage, status, actions, sponsors (party), versions, official url"
    limits = "free key: 10 requests/min, 250/day (20 bills a request); no hearings"
    Options = OpenStatesOptions

    options: OpenStatesOptions
    #: set by fetch() when the daily budget ran out during this scan
    budget_spent: bool = False
    _labels: SessionLabels
    #: jurisdictions whose sessions were read in this scan (at most once each)
    _sessions_read: set[str]
    _unmapped_told: set[tuple[str, str]]

    @classmethod
    def request_interval(cls, options: SourceOptions) -> float | None:
        """One request every 60/requests_per_minute seconds: the tier's limit, never a 429."""
        return 60.0 / options.requests_per_minute if isinstance(options, OpenStatesOptions) else None

    def fetch(self, since: dt.date | None = None) -> Iterator[BillRecord]:
        """Bills updated since the jurisdiction's cursor (or ``since``), oldest update first."""
        self._require_key()
        self.budget_spent = False
        cursors: dict[str, str] = self.cursor.setdefault("updated_since", {})
        self._labels = SessionLabels(self.cursor.setdefault("sessions", {}))
        self._sessions_read, self._unmapped_told = set(), set()
        read, quiet = 0, []
        for jurisdiction, session in self._targets():
            key = jurisdiction if session is None else f"{jurisdiction}/{session}"
            updated_since = since.isoformat() if since else _api_timestamp(cursors.get(key))
            count = 0
            for record, updated_at in self._fetch_target(jurisdiction, session, updated_since):
                if not self._label_session(record, jurisdiction):
                    break  # the budget ran out before the session's label could be read
                if updated_at > cursors.get(key, ""):
                    cursors[key] = updated_at  # set with the record: the scan stores both at once
                count += 1
                yield record
            read += count
            if self.budget_spent:
                break
            if count == 0:
                quiet.append(f"{key}: nothing updated since {updated_since}" if updated_since
                             else f"{key}: no bills in this session yet")
        if read == 0:
            self.nothing_new_reason = self.warnings[-1] if self.budget_spent else "; ".join(quiet)

    def _label_session(self, record: BillRecord, jurisdiction: str) -> bool:
        """Give ``record`` its session's canonical label; False when the budget is spent first.

        A session that cannot be labelled keeps Open States' identifier, with a warning.
        """
        raw = record.session
        if jurisdiction == "us":
            return True  # Congress: the congress number, as the GovInfo source labels it
        today = _utc_today()
        if jurisdiction not in self._sessions_read and self._labels.needs_refresh(jurisdiction, raw, today):
            if not self._spend_request():
                return False
            labels, unmapped = openstates_session_labels(self._read_sessions(jurisdiction), jurisdiction)
            self.warnings.extend(self._labels.update(jurisdiction, labels, unmapped, today))
            self._sessions_read.add(jurisdiction)
        label = self._labels.label(jurisdiction, raw)
        if label is None and (jurisdiction, raw) not in self._unmapped_told:
            self._unmapped_told.add((jurisdiction, raw))
            self.warnings.append(f"{jurisdiction}: bills of Open States session {raw!r} keep that label "
                                 f"({self._labels.why_unmapped(jurisdiction, raw)})")
        record.session = label or raw
        return True

    def _read_sessions(self, jurisdiction: str) -> list[Any]:
        """The jurisdiction's ``legislative_sessions`` (one request)."""
        base = (self.options.base_url or DEFAULT_BASE_URL).rstrip("/")
        payload, shown = self._get_page(f"{base}/jurisdictions/{jurisdiction_id(jurisdiction)}",
                                        [("include", "legislative_sessions")])
        sessions = payload.get("legislative_sessions") if isinstance(payload, dict) else None
        if not isinstance(sessions, list) or not all(isinstance(s, dict) for s in sessions):
            raise ParseError(f"{shown}: expected a jurisdiction with a 'legislative_sessions' list", source=self.name)
        return sessions

    def _require_key(self) -> None:
        if not self.options.api_key.strip():
            raise AuthError(
                "no Open States API key",
                hint=f'set api_key = "${{OPENSTATES_API_KEY}}" (or api_key_file) in the [[source]] '
                f'table named "{self.name}"; a free key comes from https://openstates.org/accounts/signup/',
                source=self.name,
            )

    def _targets(self) -> list[tuple[str, str | None]]:
        sessions: list[str | None] = [*self.options.sessions] if self.options.sessions else [None]
        return [(code, session) for code in self.options.jurisdictions for session in sessions]

    def _fetch_target(self, jurisdiction: str, session: str | None, updated_since: str | None
                      ) -> Iterator[tuple[BillRecord, str]]:
        """Every page of one jurisdiction (and session): each bill with its ``updated_at``."""
        url = f"{(self.options.base_url or DEFAULT_BASE_URL).rstrip('/')}/bills"
        page, max_page, seen = 1, 1, 0
        # a page past max_page answers 404, so the loop stops at the max_page the API announced
        while page <= max_page and self._spend_request():
            payload, shown = self._get_page(url, self._params(jurisdiction, session, updated_since, page))
            results, max_page = _page_contents(payload, shown, self.name)
            for item in results:
                seen += 1
                yield parse_bill(item, self.name, shown, self.options.include), str(item.get("updated_at") or "")
            page += 1
        if seen == 0 and page > 1 and not updated_since and session is None:
            raise self.error(f"Open States has no bills at all for {jurisdiction!r}",
                             hint="check the jurisdictions list of this source (state abbreviations such as tx)")

    def _params(self, jurisdiction: str, session: str | None, updated_since: str | None, page: int
                ) -> list[tuple[str, str]]:
        # include is repeated (include=a&include=b): the API rejects a comma-joined list
        # Congress has no abbreviation in Open States: it is asked for by its ocd id
        params = [("jurisdiction", jurisdiction_id(jurisdiction) if jurisdiction == "us" else jurisdiction)]
        if session:
            params.append(("session", session))
        if updated_since:
            params.append(("updated_since", updated_since))
        params += [("sort", "updated_asc"), ("per_page", str(BILLS_PER_PAGE)), ("page", str(page))]
        params += [("include", item) for item in self.options.include]
        return params

    def _get_page(self, url: str, params: list[tuple[str, str]]) -> tuple[Any, str]:
        before = self.http.requests
        try:
            # the key goes in a header, never in the URL: URLs end up in logs and source_url
            response = self.http.get(url, params=params, headers={"X-API-KEY": self.options.api_key})
        except AuthError as exc:
            exc.hint = (f"Open States refused the api_key of source {self.name!r}: check it on "
                        "https://openstates.org/accounts/profile/ and in the environment or file it comes from")
            raise
        finally:
            self._count_requests(self.http.requests - before)
        if response is None:  # only a conditional GET answers None (304); this one is not
            raise ParseError(f"{url} answered 304 to an unconditional request", source=self.name)
        shown = self.http.redact(response.url or url)
        try:
            return response.json(), shown
        except ValueError as exc:
            raise ParseError(f"{shown} did not answer JSON ({exc})", source=self.name) from None

    def _spend_request(self) -> bool:
        """False when today's budget is spent: stop here, the cursor resumes next scan."""
        used = self._requests_today()
        if used < self.options.daily_budget:
            return True
        message = (f"daily budget of {self.options.daily_budget} Open States requests is used up "
                   "(UTC day); the remaining bills are read on the next scan")
        if self.http.requests == 0:
            raise QuotaError(message, source=self.name,
                             hint="wait for the next UTC day, or raise daily_budget if your key's tier allows more")
        self.warnings.append(message)
        self.budget_spent = True
        return False

    def _requests_today(self) -> int:
        counter = self.cursor.get("requests_today") or {}
        return int(counter.get("count", 0)) if counter.get("date") == _utc_today() else 0

    def _count_requests(self, sent: int) -> None:
        self.cursor["requests_today"] = {"date": _utc_today(), "count": self._requests_today() + sent}


def _utc_today() -> str:
    return dt.datetime.now(dt.timezone.utc).date().isoformat()


def _api_timestamp(updated_at: str | None) -> str | None:
    """``updated_at`` as ``updated_since`` must be written: UTC, to the second, a space before the time.

    The API compares ``updated_since`` as text with PostgreSQL's text form of the timestamp
    (``2026-06-18 17:07:03.99077+00``): with a ``T`` separator, bills updated later on the same
    day would compare smaller and be missed; a fraction of a second could drop the bill itself.
    """
    if not updated_at:
        return None
    try:
        moment = dt.datetime.fromisoformat(updated_at.replace("Z", "+00:00"))
    except ValueError:
        return updated_at[:10] or None
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _page_contents(payload: Any, url: str, source: str) -> tuple[list[dict[str, Any]], int]:
    """The bills and the last page number of one /bills answer."""
    if not isinstance(payload, dict) or not isinstance(payload.get("results"), list):
        raise ParseError(f"{url}: expected an object with a 'results' list", source=source)
    pagination = payload.get("pagination")
    if not isinstance(pagination, dict) or not isinstance(pagination.get("max_page"), int):
        raise ParseError(f"{url}: no pagination.max_page in the answer", source=source)
    return payload["results"], pagination["max_page"]


def parse_bill(item: Any, source: str, url: str, include: Iterable[str] = DEFAULT_INCLUDE) -> BillRecord:
    """One /bills result as a :class:`BillRecord`; ``url`` is where it was read (no key in it)."""
    try:
        return _parse_bill(item, source, url, set(include))
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        bill_id = item.get("id") if isinstance(item, dict) else None
        raise ParseError(f"{url}: bill {bill_id or '?'} does not have the documented shape "
                         f"({type(exc).__name__}: {exc})", source=source) from None


def _parse_bill(item: dict[str, Any], source: str, url: str, include: set[str]) -> BillRecord:
    jurisdiction = jurisdiction_code(item["jurisdiction"]["id"])
    actions = [parse_action(a) for a in item.get("actions") or []]
    stage, stage_date = stage_of(item, jurisdiction)
    abstracts = item.get("abstracts") or []
    sources = item.get("sources") or []
    return BillRecord(
        source=source,
        jurisdiction=jurisdiction,
        session=str(item["session"]),
        identifier=normalize_identifier(item["identifier"]),
        title=" ".join(str(item["title"]).split()),
        summary=(abstracts[0].get("abstract") or None) if abstracts else None,
        subjects=[str(s) for s in item.get("subject") or []],
        stage=stage,
        status=item.get("latest_action_description") or None,
        status_date=stage_date or iso_date(item.get("latest_action_date")),
        last_action=item.get("latest_action_description") or None,
        last_action_date=iso_date(item.get("latest_action_date")),
        actions=actions,
        sponsors=[parse_sponsor(s) for s in item.get("sponsorships") or []],
        versions=[parse_version(v) for v in item.get("versions") or []],
        url=(sources[0].get("url") if "sources" in include and sources else None) or item.get("openstates_url"),
        source_url=url,
        extras={
            "openstates_id": item.get("id"),
            "updated_at": item.get("updated_at"),
            "classification": list(item.get("classification") or []),
            "latest_passage_date": item.get("latest_passage_date") or None,  # "" means none
            "openstates_session": str(item["session"]),  # fetch() relabels the session itself
        },
    )


def jurisdiction_id(code: str) -> str:
    """``tx`` -> ``ocd-jurisdiction/country:us/state:tx/government`` (DC a district, PR a territory, us Congress)."""
    if code == "us":
        return "ocd-jurisdiction/country:us/government"
    kind = {"dc": "district", "pr": "territory"}.get(code, "state")
    return f"ocd-jurisdiction/country:us/{kind}:{code}/government"


def jurisdiction_code(ocd_id: str) -> str:
    """``ocd-jurisdiction/country:us/state:tx/government`` -> ``US-TX`` (also DC, PR; Congress -> US)."""
    match = _JURISDICTION_ID_RE.match(ocd_id)
    if not match:
        raise ValueError(f"unknown jurisdiction id {ocd_id!r}")
    return f"US-{match.group(1).upper()}" if match.group(1) else "US"


def iso_date(value: Any) -> dt.date | None:
    """The date of an ISO date or datetime (``2026-04-01``, ``2026-04-01T14:30:00-05:00``); None if partial."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def parse_action(action: dict[str, Any]) -> Action:
    organization = action.get("organization") or {}
    return Action(
        date=iso_date(action.get("date")),
        description=" ".join(str(action.get("description") or "").split()),
        chamber=organization.get("classification") or None,
        classification=[str(c) for c in action.get("classification") or []],
    )


def parse_sponsor(sponsorship: dict[str, Any]) -> Sponsor:
    person = sponsorship.get("person") or {}
    return Sponsor(
        name=str(sponsorship.get("name") or person.get("name") or ""),
        role="primary" if sponsorship.get("primary") else "cosponsor",
        party=person.get("party") or None,
    )


def parse_version(version: dict[str, Any]) -> Version:
    links = version.get("links") or []
    return Version(
        date=iso_date(version.get("date")),
        note=str(version.get("note") or ""),
        url=(links[0].get("url") or None) if links else None,
    )


# Stages from action classifications (Open States' vocabulary). Stages only move forward, so an
# "introduction" in the second chamber or a re-referral does not undo a chamber's passage; failure,
# withdrawal and veto end the bill unless a later action moves it on again (reconsideration,
# override, became-law).
PROGRESS: dict[str, str] = {
    "filing": "prefiled",
    "introduction": "introduced",
    "reading-1": "introduced",
    "referral-committee": "in_committee",
    "committee-passage": "passed_committee",
    "committee-passage-favorable": "passed_committee",
    "committee-passage-unfavorable": "passed_committee",  # reported out, with a negative report
    "executive-receipt": "sent_to_executive",
    "executive-signature": "enacted",
    "became-law": "enacted",
}
OUTCOMES: dict[str, str] = {
    "failure": "failed",
    "committee-failure": "failed",
    "withdrawal": "withdrawn",
    "executive-veto": "vetoed",
}


def stage_from_actions(
    actions: Iterable[tuple[list[str], str | None]], *, unicameral: bool = False, one_chamber: bool = False
) -> tuple[str | None, int | None]:
    """The stage reached by ``actions`` (classifications, chamber) in order, and the deciding index.

    ``unicameral``: one passage is the legislature's (Nebraska, the DC Council; also when the acting
    chamber is ``legislature``). ``one_chamber``: a simple resolution, done when its chamber adopts it.
    """
    progress, reached_at, outcome, ended_at = -1, None, None, None
    passed: set[str] = set()
    overridden: set[str] = set()
    for index, (classification, chamber) in enumerate(actions):
        # outcomes first: an action both vetoing and signing (a line-item veto) leaves the bill enacted
        for kind in sorted(classification, key=lambda k: k not in OUTCOMES):
            stage = PROGRESS.get(kind)
            if kind == "passage":
                passed.add(chamber or "?")
                whole = unicameral or one_chamber or chamber == "legislature" or len(passed) >= 2
                stage = "passed_legislature" if whole else "passed_chamber"
            elif kind == "veto-override-passage":
                overridden.add(chamber or "?")
                if unicameral or chamber == "legislature" or len(overridden) >= 2:
                    stage = "enacted"
            if stage is not None:
                outcome = None  # the bill moved again: an earlier failure or veto no longer ends it
                if STAGES.index(stage) >= progress:
                    progress, reached_at = STAGES.index(stage), index
            elif kind in OUTCOMES:
                outcome, ended_at = OUTCOMES[kind], index
    if outcome:
        return outcome, ended_at
    return (STAGES[progress], reached_at) if progress >= 0 else (None, None)


def stage_of(item: dict[str, Any], jurisdiction: str) -> tuple[str | None, dt.date | None]:
    """The bill's stage and the date it was reached (None, None when nothing says)."""
    unicameral = jurisdiction in UNICAMERAL
    one_chamber = list(item.get("classification") or []) == ["resolution"]
    raw = item.get("actions")
    if raw is None:  # actions not included: only the summary dates say anything
        if item.get("latest_passage_date"):
            whole = unicameral or one_chamber
            return ("passed_legislature" if whole else "passed_chamber"), iso_date(item["latest_passage_date"])
        if item.get("first_action_date"):
            return "introduced", iso_date(item["first_action_date"])
        return None, None
    # by date, then the API's order within a day: a late-entered action must not rewind the stage
    ordered = sorted(raw, key=lambda a: (str(a.get("date") or "")[:10], a.get("order") or 0))
    stage, at = stage_from_actions(
        [(list(a.get("classification") or []), (a.get("organization") or {}).get("classification"))
         for a in ordered],
        unicameral=unicameral,
        one_chamber=one_chamber,
    )
    return stage, (iso_date(ordered[at].get("date")) if at is not None else None)
