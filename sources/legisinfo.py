"""The Parliament of Canada from LEGISinfo (``type = "legisinfo"``), no key needed.

The session's bill list (JSON, conditional GET), then the JSON detail of each bill whose list entry
changed since the last scan (its fingerprint is kept in the cursor). English and French are both
kept: the English title, summary and status in the record, the French ones in ``extras``
(``title_fr``, ``short_title_fr``, ``summary_fr``, ``status_fr``), where the rules search them too.

LEGISinfo renamed its fields over the years; both spellings are read (``NumberCode`` and
``BillNumberFormatted``, ``StatusNameEn`` and ``CurrentStatusEn``, ...). ``0001-01-01T00:00:00``
means "no date". The pro-forma bills C-1 and S-1, read every session to assert the chambers'
independence, are left out unless ``include_pro_forma``. The list URL may also serve LEGISinfo's
XML export, and the retired pre-2021 XML export (``<Bills><Bill><BillNumber prefix= number=>``)
is read as well, for archived copies.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from lxml import etree
from pydantic import Field

from monitor.errors import ParseError
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

    session: str = Field(pattern=r"^\d{2}-\d$", description="parliament and session, e.g. 44-1")
    details: bool = Field(default=True, description="fetch each changed bill's detail (summary, stage events)")
    include_pro_forma: bool = Field(default=False, description="keep the pro-forma bills C-1 and S-1")
    list_url: str | None = Field(default=None, description="another URL for the bill list (an archived export)")


class LegisInfoSource(Source):
    """The Parliament of Canada (House of Commons and Senate bills) from LEGISinfo's JSON.

    English and French titles and summaries are both kept and both searched by the rules. Only
    bills whose list entry changed are re-read in detail.
    """

    type = "legisinfo"
    jurisdictions = "CA (Parliament of Canada)"
    tested_on = "documented shape (JSON); real capture of the retired XML export"
    fields = ("identifier (C-27), title + short title (EN and FR), summary (EN and FR, with details), stage, "
              "status (EN and FR), reading dates as actions, sponsor, royal assent, url")
    limits = "no bill text versions; C-1/S-1 left out by default; stage of the second chamber's committee shown as passed_chamber"
    Options = LegisInfoOptions

    @property
    def _base(self) -> str:
        return (self.options.base_url or DEFAULT_BASE_URL).rstrip("/")

    def list_url(self) -> str:
        options: LegisInfoOptions = self.options  # type: ignore[assignment]
        if options.list_url:
            return rebase_url(options.list_url, options.base_url)
        return f"{self._base}/legisinfo/en/bills/json?parlsession={options.session}"

    def fetch(self, since: dt.date | None = None) -> Iterator[BillRecord]:
        url = self.list_url()
        response = self.http.get(url, conditional=True)
        if response is None:
            self.nothing_new_reason = "the LEGISinfo bill list has not changed (HTTP 304)"
            return
        with refetch_on_failure(self.http, url):
            content = response.content
            if content.lstrip()[:1] == b"<":
                _reject_html(content, url, self.name)
                yield from self._from_xml(content, url)
                return
            entries = _json(content, url, self.name)
            if not isinstance(entries, list):
                raise self.layout_error("a JSON array of bills", url)
            yield from self._from_json(entries, url, since)

    def _from_json(self, entries: list[Any], url: str, since: dt.date | None) -> Iterator[BillRecord]:
        options: LegisInfoOptions = self.options  # type: ignore[assignment]
        fingerprints: dict[str, str] = self.cursor.setdefault("bills", {})
        read = skipped_pro_forma = 0
        for entry in entries:
            number = _number(entry, url, self)
            if (entry.get("IsProForma") or number in PRO_FORMA) and not options.include_pro_forma:
                skipped_pro_forma += 1
                continue
            fingerprint = hashlib.sha1(json.dumps(entry, sort_keys=True).encode()).hexdigest()
            if since is not None and (_latest_date(entry) or since) < since:
                continue
            if since is None and fingerprints.get(number) == fingerprint:
                continue
            record = self._record(entry, number, url)
            fingerprints[number] = fingerprint  # saved with this bill
            read += 1
            yield record
        if not read:
            self.nothing_new_reason = ("no bill in the list changed since the last scan" if entries and
                                       len(entries) > skipped_pro_forma else
                                       "the session has no bills yet (besides the pro-forma C-1 and S-1)")

    def _record(self, entry: Mapping[str, Any], number: str, list_url: str) -> BillRecord:
        options: LegisInfoOptions = self.options  # type: ignore[assignment]
        session = _session(entry) or options.session
        merged, source_url = dict(entry), list_url
        if options.details:
            source_url = f"{self._base}/legisinfo/en/bill/{session}/{number.lower()}/json"
            response = self.http.get(source_url)  # the list said it changed: no validator needed
            assert response is not None  # only a conditional GET answers None
            detail = _json(response.content, source_url, self.name)
            detail = detail[0] if isinstance(detail, list) and detail else detail
            if not isinstance(detail, dict):
                raise self.layout_error("a JSON object (or an array of one) with the bill", source_url)
            merged.update({k: v for k, v in detail.items() if v not in (None, "")})
        return bill_record(merged, number, session, self.name, source_url)

    def _from_xml(self, content: bytes, url: str) -> Iterator[BillRecord]:
        """LEGISinfo's XML export: the retired pre-2021 layout, or the flat one mirroring the JSON."""
        options: LegisInfoOptions = self.options  # type: ignore[assignment]
        root = parse_xml(content, url, source=self.name)
        bills = root.findall("Bill") if root.tag == "Bills" else []
        if not bills:
            raise self.layout_error("Bills/Bill", url)
        if bills[0].find("BillNumber") is not None and bills[0].find("BillNumber").get("prefix"):
            records = [legacy_bill_record(b, url, self) for b in bills]
            kept = [r for r in records if options.include_pro_forma or r.identifier not in PRO_FORMA]
            if not kept:
                self.nothing_new_reason = "the list holds only the pro-forma bills C-1 and S-1"
            yield from kept
            return
        yield from self._from_json([_flat(b) for b in bills], url, since=None)


def bill_record(bill: Mapping[str, Any], number: str, session: str, source: str, source_url: str) -> BillRecord:
    """One LEGISinfo bill (list entry, merged with its detail when fetched) as a record."""
    origin = _origin(bill, number)
    actions = _actions(bill)
    status = _first(bill, "StatusNameEn", "StatusName", "CurrentStatusEn")
    event_date = _first_date(bill, "LatestBillEventDateTime", "LatestActivityDateTime")
    latest = max((a.date for a in actions if a.date), default=None)
    summary = html_fragment_text(_first_raw(bill, "ShortLegislativeSummaryEn"))
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
    if "royal assent" in words:
        return "enacted"
    if re.search(r"defeated|negatived|not proceeded with", words):
        return "failed"
    if "withdrawn" in words:
        return "withdrawn"
    if origin not in words:  # the second chamber's steps add nothing to passed_chamber
        return None
    if re.search(r"report stage|third reading", words):  # the committee has reported
        return "passed_committee"
    if "committee" in words:
        return "in_committee"
    if re.search(r"first reading|second reading|order of precedence", words):
        return "introduced"
    return None


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
        "short_title": _first(bill, "ShortTitleEn") if _first(bill, "LongTitleEn") else "",
        "short_title_fr": _first(bill, "ShortTitleFr"),
        "summary_fr": html_fragment_text(_first_raw(bill, "ShortLegislativeSummaryFr")),
        "status_fr": _first(bill, "StatusNameFr", "CurrentStatusFr"),
        "bill_type": _first(bill, "BillDocumentTypeNameEn", "BillTypeEn", "BillDocumentTypeName"),
        "bill_id": str(bill.get("Id") or bill.get("BillId") or ""),
    }
    year, chapter = bill.get("StatuteYear"), bill.get("StatuteChapter")
    if year and chapter and str(year) != "0":
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


def _first_raw(bill: Mapping[str, Any], name: str) -> str:
    """A field's value as published (HTML kept for html_fragment_text)."""
    value = bill.get(name)
    return value if isinstance(value, str) else ""


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

_LEGACY_CHAMBERS = {"HOC": "lower", "SEN": "upper"}
LEGACY_DOCUMENT_HOST = "https://www.parl.gc.ca"


def legacy_bill_record(bill: etree._Element, url: str, source: Source) -> BillRecord:
    """One <Bill> of the retired LEGISinfo XML export as a record."""
    number_node = bill.find("BillNumber")
    session_node = bill.find("ParliamentSession")
    if number_node is None or session_node is None:
        raise source.layout_error("Bill/BillNumber and Bill/ParliamentSession", url)
    number = f"{number_node.get('prefix')}-{number_node.get('number')}".upper()
    session = f"{session_node.get('parliamentNumber')}-{session_node.get('sessionNumber')}"
    title = _lang(bill, "BillTitle", "en")
    if not title:
        raise source.layout_error("Bill/BillTitle/Title[@language='en']", url)
    actions = [_legacy_action(event) for event in bill.findall("Events/LegislativeEvents/Event")]
    actions = sorted((a for a in actions if a.description), key=lambda a: a.date or dt.date.min)
    last = bill.find("Events/LastMajorStageEvent/Event")
    status = _lang(last, "Status", "en") if last is not None else ""
    origin = "senate" if number.startswith("S") else "house of commons"
    extras = {"title_fr": _lang(bill, "BillTitle", "fr"), "short_title": _lang(bill, "ShortTitle", "en"),
              "short_title_fr": _lang(bill, "ShortTitle", "fr"), "bill_type": _lang(bill, "BillType", "en"),
              "status_fr": _lang(last, "Status", "fr") if last is not None else "", "bill_id": bill.get("id", ""),
              "format": "legacy LEGISinfo XML export"}
    return BillRecord(
        source=source.name, jurisdiction="CA", session=session, identifier=normalize_identifier(number, keep_hyphen=True),
        title=title, stage=bill_stage(actions, status, origin), status=status or None,
        status_date=_date(last.get("date")) if last is not None else None,
        last_action=status or None, last_action_date=_date(last.get("date")) if last is not None else None,
        actions=actions, sponsors=_legacy_sponsors(bill), versions=_legacy_versions(bill),
        url=f"https://www.parl.ca/legisinfo/en/bill/{session}/{number.lower()}", source_url=url,
        extras={k: v for k, v in extras.items() if v},
    )


def _legacy_action(event: etree._Element) -> Action:
    name = _lang(event, "Status", "en")
    return Action(date=_date(event.get("date")), description=name,
                  chamber=_LEGACY_CHAMBERS.get(event.get("chamber") or ""),
                  classification=[s] if (s := event_stage(name)) else [])


def _legacy_sponsors(bill: etree._Element) -> list[Sponsor]:
    name = clean_text(bill.findtext("SponsorAffiliation/Person/FullName"))
    if not name:
        return []
    party = _lang(bill.find("SponsorAffiliation/PoliticalParty/abbreviation"), "", "en")
    return [Sponsor(name=name, role="primary", party=party or None)]


def _legacy_versions(bill: etree._Element) -> list[Version]:
    versions = []
    for publication in bill.findall("Publications/Publication"):
        path = publication.find("PublicationFiles/PublicationFile[@language='en']")
        link = path.get("relativePath") if path is not None else None
        versions.append(Version(date=None, note=_lang(publication, "", "en"),
                                url=LEGACY_DOCUMENT_HOST + link if link else None))
    return versions


def _lang(node: etree._Element | None, child: str, language: str) -> str:
    """The text of ``child/Title[@language=...]`` (or of the node's own Title with child "")."""
    if node is None:
        return ""
    path = f"{child}/Title[@language='{language}']" if child else f"Title[@language='{language}']"
    return clean_text(node.findtext(path))
