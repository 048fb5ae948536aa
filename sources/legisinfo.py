"""The Parliament of Canada from LEGISinfo (``type = "legisinfo"``), no key needed.

The session's bill list (JSON, conditional GET), then the JSON detail of each bill whose list entry
changed since the last scan (its fingerprint is kept in the cursor). English and French are both
kept: the English title, summary and status in the record, the French ones in ``extras``
(``title_fr``, ``title_short``, ``title_short_fr``, ``summary_fr``, ``status_fr``); the rules search
the title and summary ones too.

Both spellings of renamed fields are read (``NumberCode``/``BillNumberFormatted``,
``StatusNameEn``/``CurrentStatusEn``...); ``0001-01-01T00:00:00`` means "no date". The pro-forma
C-1 and S-1 are left out unless ``include_pro_forma``. ``list_url`` may point at LEGISinfo's XML
export or at an archived copy of the retired pre-2021 XML export: both are read too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from lxml import etree
from pydantic import Field, field_validator

from monitor.errors import FetchError, ParseError
from sources._parsing import (
    advance_stage,
    clean_text,
    html_fragment_text,
    parse_xml,
    rebase_url,
    refetch_on_failure,
    soup,
    text_of,
)
from sources.base import Action, BillRecord, Source, SourceOptions, Sponsor, Version, normalize_identifier

DEFAULT_BASE_URL = "https://www.parl.ca"
NO_DATE = "0001-01-01"
PRO_FORMA = ("C-1", "S-1")
_SESSION = r"^\d{2}-\d$"
HOUSE, SENATE = 1, 2
_MILESTONES = (
    ("PassedHouseFirstReadingDateTime", "First reading", "lower"),
    ("PassedHouseSecondReadingDateTime", "Second reading", "lower"),
    ("PassedHouseThirdReadingDateTime", "Third reading", "lower"),
    ("PassedSenateFirstReadingDateTime", "First reading", "upper"),
    ("PassedSenateSecondReadingDateTime", "Second reading", "upper"),
    ("PassedSenateThirdReadingDateTime", "Third reading", "upper"),
    ("ReceivedRoyalAssentDateTime", "Royal assent", "executive"),
)
# Words of a LEGISinfo stage or event name, and the stage they mean (first match wins).
_EVENT_STAGES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), stage) for pattern, stage in (
        (r"royal assent", "enacted"),
        (r"defeated|negatived|not proceeded with", "failed"),
        (r"withdrawn", "withdrawn"),
        (r"third reading", "passed_chamber"),
        (r"report stage|concurrence in committee report|committee report presented", "passed_committee"),
        (r"committee|second reading", "in_committee"),
        (r"first reading|introduction", "introduced"),
    )
)


class LegisInfoOptions(SourceOptions):
    """Keys of a ``[[source]]`` table with ``type = "legisinfo"``."""

    session: str | None = Field(default=None, pattern=_SESSION, description="parliament-session, e.g. 45-1")
    sessions: list[str] = Field(default_factory=list, description="several sessions; none given: the current one")
    details: bool = Field(default=True, description="fetch each changed bill's detail (summary, stage events)")
    include_pro_forma: bool = Field(default=False, description="keep the pro-forma bills C-1 and S-1")
    list_url: str | None = Field(default=None, description="another URL for the bill list (an archived export)")

    @field_validator("sessions")
    @classmethod
    def _sessions(cls, value: list[str]) -> list[str]:
        for session in value:
            if not re.fullmatch(_SESSION, session):
                raise ValueError(f"{session!r} is not a parliament-session such as 45-1")
        return value

    def session_list(self) -> list[str | None]:
        """The sessions to read; [None] means the current session (LEGISinfo's default list)."""
        chosen: list[str | None] = list(dict.fromkeys(([self.session] if self.session else []) + self.sessions))
        return chosen or [None]


class LegisInfoSource(Source):
    """The Parliament of Canada (House of Commons and Senate bills) from LEGISinfo's JSON.

    English and French titles and summaries are both kept and both searched by the rules. Only
    bills whose list entry changed are re-read in detail.
    """

    type = "legisinfo"
    jurisdictions = "CA (Parliament of Canada)"
    tested_on = "documented shape"
    fields = ("identifier (C-27), title + short title (EN and FR), summary (EN and FR, with details), stage, "
              "status (EN and FR), reading dates as actions, sponsor, royal assent, url")
    limits = ("JSON tested on documented shapes (the one real capture, the retired XML export, is read too); "
              "no bill text versions; C-1/S-1 left out by default; the second chamber's steps show as passed_chamber")
    Options = LegisInfoOptions

    @property
    def settings(self) -> LegisInfoOptions:
        return self.options  # type: ignore[return-value]

    @property
    def _base(self) -> str:
        return (self.options.base_url or DEFAULT_BASE_URL).rstrip("/")

    def list_url(self, session: str | None) -> str:
        if self.settings.list_url:
            return rebase_url(self.settings.list_url, self.settings.base_url)
        return f"{self._base}/legisinfo/en/bills/json" + (f"?parlsession={session}" if session else "")

    def fetch(self, since: dt.date | None = None) -> Iterator[BillRecord]:
        self._seen = self._pro_forma = self._unchanged_lists = 0
        sessions = [None] if self.settings.list_url else self.settings.session_list()
        read = 0
        for session in sessions:
            url = self.list_url(session)
            response = self.http.get(url, conditional=True)
            if response is None:
                self._unchanged_lists += 1
                continue
            with refetch_on_failure(self.http, url):
                for record in self._list(response.content, url, session or self.settings.session, since):
                    read += 1
                    yield record
        if not read:
            self.nothing_new_reason = self._why_nothing(len(sessions))

    def _why_nothing(self, lists: int) -> str:
        if self._unchanged_lists == lists:
            return "the LEGISinfo bill list has not changed (HTTP 304)"
        if self._seen and self._seen == self._pro_forma:
            return "the list holds only the pro-forma bills C-1 and S-1"
        return "no bill in the list changed since the last scan" if self._seen else "the session has no bills yet"

    def _list(self, content: bytes, url: str, session: str | None, since: dt.date | None) -> Iterator[BillRecord]:
        if content.lstrip()[:1] == b"<":
            _reject_html(content, url, self.name)
            yield from self._from_xml(content, url, session)
            return
        entries = _json(content, url, self.name)
        if not isinstance(entries, list):
            raise self.layout_error("a JSON array of bills", url)
        yield from self._from_json(entries, url, session, since)

    def _from_json(self, entries: list[Any], url: str, session: str | None,
                   since: dt.date | None) -> Iterator[BillRecord]:
        fingerprints: dict[str, str] = self.cursor.setdefault("bills", {})
        for entry in entries:
            number = _number(entry, url, self)
            bill_session = _session(entry) or session
            if not bill_session:
                raise self.layout_error("ParlSessionCode or ParliamentNumber and SessionNumber", url)
            self._seen += 1
            if (entry.get("IsProForma") or number in PRO_FORMA) and not self.settings.include_pro_forma:
                self._pro_forma += 1
                continue
            key = f"{bill_session}/{number}"
            fingerprint = hashlib.sha1(json.dumps(entry, sort_keys=True).encode()).hexdigest()
            if since is not None and (_latest_date(entry) or since) < since:
                continue
            if since is None and fingerprints.get(key) == fingerprint:
                continue
            record = self._record(entry, number, bill_session, url)
            fingerprints[key] = fingerprint  # saved with this bill
            yield record

    def _record(self, entry: Mapping[str, Any], number: str, session: str, list_url: str) -> BillRecord:
        merged, source_url = dict(entry), list_url
        if self.settings.details:
            detail_url = f"{self._base}/legisinfo/en/bill/{session}/{number.lower()}/json"
            try:
                response = self.http.get(detail_url)  # the list said it changed: no validator needed
            except FetchError as exc:  # the list's data still makes a record
                self.warnings.append(f"{number}: detail not read, list data used: "
                                     f"{exc.message.removeprefix(f'[{self.name}] ')}")
                return bill_record(merged, number, session, self.name, source_url)
            assert response is not None  # only a conditional GET answers None
            source_url = detail_url
            detail = _json(response.content, source_url, self.name)
            detail = detail[0] if isinstance(detail, list) and detail else detail
            if not isinstance(detail, dict):
                raise self.layout_error("a JSON object (or an array of one) with the bill", source_url)
            merged.update({k: v for k, v in detail.items() if v not in (None, "")})
        return bill_record(merged, number, session, self.name, source_url)

    def _from_xml(self, content: bytes, url: str, session: str | None) -> Iterator[BillRecord]:
        """LEGISinfo's XML export: the retired pre-2021 layout, or the flat one mirroring the JSON."""
        root = parse_xml(content, url, source=self.name)
        bills = root.findall("Bill") if root.tag == "Bills" else []
        if not bills:
            raise self.layout_error("Bills/Bill", url)
        number_node = bills[0].find("BillNumber")
        if number_node is None or not number_node.get("prefix"):
            yield from self._from_json([_flat(b) for b in bills], url, session, since=None)
            return
        for bill in bills:
            entry = legacy_entry(bill, url, self)
            self._seen += 1
            if entry["NumberCode"] in PRO_FORMA and not self.settings.include_pro_forma:
                self._pro_forma += 1
                continue
            record = bill_record(entry, entry["NumberCode"], entry["ParlSessionCode"], self.name, url)
            record.versions = legacy_versions(bill)
            record.extras["format"] = "retired LEGISinfo XML export"
            yield record


def bill_record(bill: Mapping[str, Any], number: str, session: str, source: str, source_url: str) -> BillRecord:
    """One LEGISinfo bill (list entry, merged with its detail when fetched) as a record."""
    origin = _origin(bill, number)
    actions = _actions(bill)
    status = _first(bill, "StatusNameEn", "StatusName", "CurrentStatusEn")
    event_date = _first_date(bill, "LatestBillEventDateTime", "LatestActivityDateTime")
    latest = max((a.date for a in actions if a.date), default=None)
    summary = html_fragment_text(str(bill.get("ShortLegislativeSummaryEn") or ""))
    return BillRecord(
        source=source, jurisdiction="CA", session=session,
        identifier=normalize_identifier(number, keep_hyphen=True),
        title=_first(bill, "LongTitleEn", "ShortTitleEn") or number, summary=summary or None,
        stage=bill_stage(actions, status, origin), status=status or None,
        status_date=event_date or latest,
        last_action=_first(bill, "LatestBillEventTypeNameEn", "LatestActivityEn") or (
            actions[-1].description if actions else None),
        last_action_date=event_date or latest, actions=actions, sponsors=_sponsors(bill),
        url=f"https://www.parl.ca/legisinfo/en/bill/{session}/{number.lower()}", source_url=source_url,
        extras=_extras(bill),
    )


def event_stage(name: str) -> str | None:
    """The stage a LEGISinfo stage or event name means ("Third reading" -> passed_chamber)."""
    for pattern, stage in _EVENT_STAGES:
        if pattern.search(name):
            return stage
    return None


def bill_stage(actions: list[Action], status: str, origin: str) -> str | None:
    """The stage from the dated readings, then what the status words add.

    Third reading in both chambers is passed_legislature. The status adds the outcomes
    (royal assent, defeat, withdrawal) and the committee steps of the first chamber, which have
    no date in the list: "At report stage in the House of Commons" means the committee reported.
    """
    stage: str | None = None
    passed: set[str] = set()
    for action in actions:
        step = event_stage(action.description)
        if step == "passed_chamber" and action.chamber in ("lower", "upper"):
            passed.add(action.chamber)
            step = "passed_legislature" if len(passed) == 2 else step
        stage = advance_stage(stage, step)
    return advance_stage(stage, _status_stage(status, origin))


def _status_stage(status: str, origin: str) -> str | None:
    words = status.lower()
    outcome = event_stage(words)
    if outcome in ("enacted", "failed", "withdrawn") or origin not in words:
        # The second chamber's steps add nothing to the passed_chamber its dates already give.
        return outcome if outcome in ("enacted", "failed", "withdrawn") else None
    if re.search(r"report stage|third reading", words):  # the committee has reported
        return "passed_committee"
    return "in_committee" if "committee" in words else "introduced"


def _actions(bill: Mapping[str, Any]) -> list[Action]:
    """The bill's stage events (detail) or, without them, its reading dates (list), oldest first."""
    stages = bill.get("BillStages")
    actions: list[Action] = []
    if isinstance(stages, dict):
        for key, chamber in (("HouseBillStages", "lower"), ("SenateBillStages", "upper"), ("RoyalAssent", "executive")):
            for stage in stages.get(key) or []:
                for event in stage.get("SignificantEvents") or []:
                    name = clean_text(event.get("EventNameEn") or event.get("EventName"))
                    date = _date(event.get("EventDateTime"))
                    if name:
                        actions.append(Action(date=date, description=name, chamber=chamber,
                                              classification=[s] if (s := event_stage(name)) else []))
    if not actions:
        for field, name, chamber in _MILESTONES:
            if (date := _date(bill.get(field))) is not None:
                where = {"lower": " in the House of Commons", "upper": " in the Senate"}.get(chamber, "")
                actions.append(Action(date=date, description=name + where, chamber=chamber,
                                      classification=[s] if (s := event_stage(name)) else []))
    return sorted(actions, key=lambda a: a.date or dt.date.min)


def _sponsors(bill: Mapping[str, Any]) -> list[Sponsor]:
    name = _first(bill, "SponsorPersonName", "SponsorEn")
    if not name:
        return []
    honorific = _first(bill, "SponsorPersonShortHonorificEn")
    if honorific and not name.startswith(honorific):
        name = f"{honorific} {name}"
    party = _first(bill, "SponsorCaucusShortNameEn", "SponsorPoliticalPartyNameEn", "SponsorAffiliation")
    return [Sponsor(name=name, role="primary", party=party or None)]


def _extras(bill: Mapping[str, Any]) -> dict[str, Any]:
    extras = {
        "title_fr": _first(bill, "LongTitleFr"),
        "title_short": _first(bill, "ShortTitleEn") if _first(bill, "LongTitleEn") else "",
        "title_short_fr": _first(bill, "ShortTitleFr"),
        "summary_fr": html_fragment_text(str(bill.get("ShortLegislativeSummaryFr") or "")),
        "status_fr": _first(bill, "StatusNameFr", "CurrentStatusFr"),
        "bill_type": _first(bill, "BillDocumentTypeNameEn", "BillTypeEn", "BillDocumentTypeName"),
        "bill_id": str(bill.get("Id") or bill.get("BillId") or ""),
    }
    year, chapter = bill.get("StatuteYear"), bill.get("StatuteChapter")
    if year and chapter and str(year) != "0" and str(chapter) != "0":
        extras["statute"] = f"S.C. {year}, c. {chapter}"
    return {k: v for k, v in extras.items() if v}


def _number(entry: Any, url: str, source: Source) -> str:
    number = _first(entry, "NumberCode", "BillNumberFormatted") if isinstance(entry, dict) else ""
    if not number:
        raise source.layout_error("NumberCode or BillNumberFormatted", url)
    return number.upper()


def _origin(bill: Mapping[str, Any], number: str) -> str:
    """"house of commons" or "senate": where the bill started."""
    chamber = bill.get("OriginatingChamberOrganizationId") or bill.get("OriginatingChamberId")
    chamber = int(chamber) if isinstance(chamber, str) and chamber.isdigit() else chamber
    if chamber in (HOUSE, SENATE):
        return "house of commons" if chamber == HOUSE else "senate"
    return "senate" if number.startswith("S") else "house of commons"


def _session(entry: Mapping[str, Any]) -> str:
    code = _first(entry, "ParlSessionCode")
    if code:
        return code
    parliament, session = entry.get("ParliamentNumber"), entry.get("SessionNumber")
    return f"{parliament}-{session}" if parliament and session else ""


def _latest_date(entry: Mapping[str, Any]) -> dt.date | None:
    dates = [_date(entry.get(f)) for f, _, _ in _MILESTONES]
    dates.append(_first_date(entry, "LatestBillEventDateTime", "LatestActivityDateTime"))
    return max((d for d in dates if d), default=None)


def _first(bill: Mapping[str, Any], *names: str) -> str:
    """The first non-blank value among the field's spellings, cleaned ("" when none)."""
    for name in names:
        value = bill.get(name)
        if isinstance(value, str) and value.strip():
            return clean_text(value)
    return ""


def _first_date(bill: Mapping[str, Any], *names: str) -> dt.date | None:
    for name in names:
        if (date := _date(bill.get(name))) is not None:
            return date
    return None


def _date(value: Any) -> dt.date | None:
    """The date part as published (Ottawa's own offset), None for blanks and 0001-01-01."""
    if not isinstance(value, str) or not value.strip() or value.startswith(NO_DATE):
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def _reject_html(content: bytes, url: str, source: str) -> None:
    """An HTML page (maintenance, error, sign-in) where the bill list should be: a clear error."""
    head = content.lstrip()[:200].lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        title = text_of(soup(content, url).title) or "no title"
        raise ParseError(f"{url} answered an HTML page ({title!r}) instead of the LEGISinfo bill list",
                         source=source)


def _json(content: bytes, url: str, source: str) -> Any:
    try:
        return json.loads(content)
    except ValueError:
        start = content.lstrip()[:60].decode("utf-8", "replace")
        raise ParseError(f"{url} did not answer JSON (it starts with {start!r})", source=source) from None


def _flat(bill: etree._Element) -> dict[str, Any]:
    """A bill of the flat XML export as the JSON dict it mirrors (child tag -> text)."""
    return {child.tag: (child.text or "").strip() for child in bill if isinstance(child.tag, str)}


# -- the retired pre-2021 XML export -------------------------------------------------------------

_LEGACY_STAGES = {"HOC": "HouseBillStages", "SEN": "SenateBillStages"}
LEGACY_DOCUMENT_HOST = "https://www.parl.gc.ca"


def legacy_entry(bill: etree._Element, url: str, source: Source) -> dict[str, Any]:
    """One <Bill> of the retired XML export in the shape of today's JSON (read by bill_record)."""
    number, session = bill.find("BillNumber"), bill.find("ParliamentSession")
    if number is None or session is None or not _lang(bill, "BillTitle", "en"):
        raise source.layout_error("Bill/BillNumber, Bill/ParliamentSession and Bill/BillTitle/Title", url)
    last = bill.find("Events/LastMajorStageEvent/Event")
    stages: dict[str, list[Any]] = {"HouseBillStages": [], "SenateBillStages": []}
    for event in bill.findall("Events/LegislativeEvents/Event"):
        stages[_LEGACY_STAGES.get(event.get("chamber") or "", "HouseBillStages")].append({"SignificantEvents": [
            {"EventNameEn": _lang(event, "Status", "en"), "EventDateTime": event.get("date")}]})
    return {
        "Id": bill.get("id"), "NumberCode": f"{number.get('prefix')}-{number.get('number')}",
        "ParlSessionCode": f"{session.get('parliamentNumber')}-{session.get('sessionNumber')}",
        "LongTitleEn": _lang(bill, "BillTitle", "en"), "LongTitleFr": _lang(bill, "BillTitle", "fr"),
        "ShortTitleEn": _lang(bill, "ShortTitle", "en"), "ShortTitleFr": _lang(bill, "ShortTitle", "fr"),
        "BillDocumentTypeNameEn": _lang(bill, "BillType", "en"),
        "StatusNameEn": _lang(last, "Status", "en"), "StatusNameFr": _lang(last, "Status", "fr"),
        "LatestBillEventTypeNameEn": _lang(last, "Status", "en"),
        "LatestBillEventDateTime": last.get("date") if last is not None else None,
        "SponsorPersonName": clean_text(bill.findtext("SponsorAffiliation/Person/FullName")),
        "SponsorCaucusShortNameEn": _lang(bill.find("SponsorAffiliation/PoliticalParty/abbreviation"), "", "en"),
        "StatuteYear": bill.findtext("Statute/Year"), "StatuteChapter": bill.findtext("Statute/Chapter"),
        "BillStages": stages,
    }


def legacy_versions(bill: etree._Element) -> list[Version]:
    """The publications (bill texts) of a <Bill>, linked on the old parl.gc.ca host."""
    versions = []
    for publication in bill.findall("Publications/Publication"):
        file = publication.find("PublicationFiles/PublicationFile[@language='en']")
        link = file.get("relativePath") if file is not None else None
        versions.append(Version(date=None, note=_lang(publication, "", "en"),
                                url=LEGACY_DOCUMENT_HOST + link if link else None))
    return versions


def _lang(node: etree._Element | None, child: str, language: str) -> str:
    """The text of ``child/Title[@language=...]`` (or of the node's own Title with child "")."""
    if node is None:
        return ""
    return clean_text(node.findtext(f"{child}/Title[@language='{language}']" if child else
                                    f"Title[@language='{language}']"))
