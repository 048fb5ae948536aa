"""US Congress from GovInfo's BILLSTATUS bulk XML (``type = "govinfo"``), no key needed.

One XML file per bill, refreshed by GovInfo every few hours. Incremental through the sitemaps:
the sitemap index (conditional GET) dates each sitemap of a congress and bill type, each sitemap
dates each bill file. A type whose sitemap date has not moved is skipped without a request; in a
moved sitemap, only the bill files dated at or after the type's watermark are fetched, oldest
first, and the watermark follows each bill stored, so an interrupted first scan resumes where it
stopped. Both element namings are read: ``<billNumber>``/``<billType>`` and ``<number>``/``<type>``.

Identifiers are the bill type and number as Congress abbreviates them, without dots: ``HR 1``,
``S 35``, ``SCONRES 7``, ``HRES 12`` (Open States' federal identifiers), session the congress
number (``"117"``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree
from pydantic import Field, field_validator

from monitor.errors import FetchError
from sources._parsing import (
    advance_stage,
    clean_text,
    html_fragment_text,
    parse_xml,
    rebase_url,
    refetch_on_failure,
)
from sources.base import Action, BillRecord, Source, SourceOptions, Sponsor, Version

DEFAULT_BASE_URL = "https://www.govinfo.gov"
SITEMAP_INDEX_PATH = "/sitemap/bulkdata/BILLSTATUS/sitemapindex.xml"
BILL_TYPES = ("hr", "s", "hjres", "sjres", "hconres", "sconres", "hres", "sres")
CONGRESS_GOV_SLUGS = {
    "hr": "house-bill", "s": "senate-bill", "hjres": "house-joint-resolution",
    "sjres": "senate-joint-resolution", "hconres": "house-concurrent-resolution",
    "sconres": "senate-concurrent-resolution", "hres": "house-resolution", "sres": "senate-resolution",
}
_SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
_BILL_ID_RE = re.compile(r"^(hconres|sconres|hjres|sjres|hres|sres|hr|s)(\d+)$")
_SITEMAP_KEY_RE = re.compile(r"/BILLSTATUS/(\d+)([a-z]+)/sitemap\.xml$")

# Stage of one action, from its text (the Library of Congress' wording is stable across formats).
_ACTION_STAGES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), stage) for pattern, stage in (
        (r"^Became (Public|Private) Law|^Signed by President", "enacted"),
        (r"Vetoed by President|Pocket Veto", "vetoed"),
        (r"^Presented to President", "sent_to_executive"),
        (r"^Failed of passage|^Failed passage", "failed"),
        (r"^Introduced in (the )?(House|Senate)", "introduced"),
        (r"^Reported\b|Ordered to be Reported|\bdischarged\b", "passed_committee"),
        (r"\breferred to the (House |Senate )?(Committee|Subcommittee)", "in_committee"),
    )
)
_PASSAGE_RE = re.compile(r"^Passed/agreed to in (House|Senate)", re.IGNORECASE)


class GovInfoOptions(SourceOptions):
    """Keys of a ``[[source]]`` table with ``type = "govinfo"``."""

    congress: int = Field(ge=93, le=200, description="the congress to follow, e.g. 119")
    bill_types: list[str] = Field(default=list(BILL_TYPES), min_length=1,
                                  description=f"bill types to follow (allowed: {', '.join(BILL_TYPES)})")
    bills: list[str] = Field(default_factory=list,
                             description="only these bills (HR 1234, S 5...), fetched directly; no sitemaps")

    @field_validator("bill_types")
    @classmethod
    def _bill_types(cls, value: list[str]) -> list[str]:
        types = [t.strip().lower() for t in value]
        unknown = [t for t in types if t not in BILL_TYPES]
        if unknown:
            raise ValueError(f"unknown bill type(s) {', '.join(unknown)} (allowed: {', '.join(BILL_TYPES)})")
        return types

    @field_validator("bills")
    @classmethod
    def _bills(cls, value: list[str]) -> list[str]:
        for bill in value:
            if not _BILL_ID_RE.match(_compact(bill)):
                raise ValueError(f"{bill!r} is not a bill of Congress (expected e.g. HR 1234, S 5, HJRES 7)")
        return value


@dataclass(frozen=True)
class SitemapEntry:
    """A URL and its lastmod date, as a sitemap or sitemap index lists them."""

    url: str
    lastmod: str


class GovInfoSource(Source):
    """US Congress (bills and resolutions) from GovInfo's BILLSTATUS bulk XML; no key needed.

    Incremental through GovInfo's sitemap dates; the first scan of a congress reads every bill
    file of the followed types (one request each), later scans only the files that changed.
    """

    type = "govinfo"
    jurisdictions = "US (Congress)"
    tested_on = "real capture"
    fields = ("identifier, title, summary (CRS), subjects + policy area, stage, status, actions with chamber, "
              "sponsors + cosponsors with party, text versions, public law, url (congress.gov)")
    limits = ("first scan of a congress reads one file per bill (thousands; resumable); "
              "no hearings; stage from action wording")
    Options = GovInfoOptions
    #: bill files attempted and the errors of those that could not be read, in this scan
    _attempted: int = 0
    _failed: list[str]

    @property
    def _base(self) -> str:
        return (self.options.base_url or DEFAULT_BASE_URL).rstrip("/")

    def fetch(self, since: dt.date | None = None) -> Iterator[BillRecord]:
        options: GovInfoOptions = self.options  # type: ignore[assignment]
        if options.bills:
            yield from self._fetch_listed(options.bills)
            return
        index_url = self._base + SITEMAP_INDEX_PATH
        response = self.http.get(index_url, conditional=True)
        if response is None:
            self.nothing_new_reason = "GovInfo's BILLSTATUS sitemap index has not changed (HTTP 304)"
            return
        with refetch_on_failure(self.http, index_url):
            sitemaps = self._followed_sitemaps(parse_sitemap(response.content, index_url, self), index_url)
            read, self._attempted, self._failed = 0, 0, []
            for key, entry in sitemaps:
                for record in self._fetch_type(key, entry, since):
                    read += 1
                    yield record
            self.warnings.extend(self._failed)
            if self._failed and len(self._failed) == self._attempted:
                raise FetchError(f"none of the {self._attempted} changed BILLSTATUS files could be read "
                                 f"(first: {self._failed[0]})", source=self.name)
            if not read and not self.nothing_new_reason:
                self.nothing_new_reason = "no BILLSTATUS file changed since the last scan"

    def _followed_sitemaps(self, entries: list[SitemapEntry], index_url: str) -> list[tuple[str, SitemapEntry]]:
        """The index's sitemaps of the followed congress and types, keyed "117hr"."""
        options: GovInfoOptions = self.options  # type: ignore[assignment]
        followed = []
        for entry in entries:
            match = _SITEMAP_KEY_RE.search(entry.url)
            if match and int(match.group(1)) == options.congress and match.group(2) in options.bill_types:
                followed.append((match.group(1) + match.group(2), entry))
        if not followed:
            self.nothing_new_reason = (f"{index_url} lists no BILLSTATUS sitemap for the {options.congress}th "
                                       f"Congress and types {', '.join(options.bill_types)} yet")
        return followed

    def _fetch_type(self, key: str, sitemap: SitemapEntry, since: dt.date | None) -> Iterator[BillRecord]:
        """The changed bills of one congress and bill type, oldest change first."""
        seen = self.cursor.setdefault("sitemaps", {})
        if since is None and seen.get(key) == sitemap.lastmod:
            return
        url = rebase_url(sitemap.url, self.options.base_url)
        response = self.http.get(url, conditional=True)
        if response is None:
            seen[key] = sitemap.lastmod
            return
        with refetch_on_failure(self.http, url):
            watermarks = self.cursor.setdefault("lastmod", {})
            files = sorted(parse_sitemap(response.content, url, self), key=lambda e: _instant(e.lastmod))
            for entry in [e for e in files if _changed(e.lastmod, watermarks.get(key), since)]:
                bill_url = rebase_url(entry.url, self.options.base_url)
                self._attempted += 1
                try:
                    bill = self.http.get(bill_url)  # the sitemap's date already says it changed
                except FetchError as exc:  # one file missing from the bulk data is a warning
                    self._failed.append(exc.message.removeprefix(f"[{self.name}] "))
                    continue
                assert bill is not None  # only a conditional GET answers None
                record = parse_billstatus(bill.content, bill_url, self)
                watermarks[key] = entry.lastmod  # saved with this bill: resumes after it
                yield record
            seen[key] = sitemap.lastmod

    def _fetch_listed(self, bills: list[str]) -> Iterator[BillRecord]:
        """Only the configured bills, each by conditional GET."""
        options: GovInfoOptions = self.options  # type: ignore[assignment]
        read = 0
        for bill in bills:
            bill_type, number = _BILL_ID_RE.match(_compact(bill)).groups()  # type: ignore[union-attr]
            url = (f"{self._base}/bulkdata/BILLSTATUS/{options.congress}/{bill_type}/"
                   f"BILLSTATUS-{options.congress}{bill_type}{number}.xml")
            response = self.http.get(url, conditional=True)
            if response is None:
                continue
            with refetch_on_failure(self.http, url):
                read += 1
                yield parse_billstatus(response.content, url, self)
        if not read:
            self.nothing_new_reason = "none of the listed bills changed since the last scan (HTTP 304)"


def parse_sitemap(content: bytes, url: str, source: Source) -> list[SitemapEntry]:
    """The <loc>/<lastmod> pairs of a sitemap or sitemap index; a layout error when there are none."""
    root = parse_xml(content, url, source=source.name)
    entries = [
        SitemapEntry(clean_text(node.findtext("sm:loc", namespaces=_SITEMAP_NS)),
                     clean_text(node.findtext("sm:lastmod", namespaces=_SITEMAP_NS)))
        for node in root.xpath("/sm:sitemapindex/sm:sitemap | /sm:urlset/sm:url", namespaces=_SITEMAP_NS)
    ]
    entries = [e for e in entries if e.url]
    if not entries:
        raise source.layout_error("sitemapindex/sitemap/loc or urlset/url/loc", url)
    return entries


def parse_billstatus(content: bytes, url: str, source: Source) -> BillRecord:
    """One BILLSTATUS file as a record; a layout error names the element that is missing."""
    bill = parse_xml(content, url, source=source.name).find("bill")
    if bill is None:
        raise source.layout_error("billStatus/bill", url)
    number = _required(bill, ("billNumber", "number"), url, source)
    bill_type = _required(bill, ("billType", "type"), url, source).lower()
    congress = _text(bill, "congress") or str(getattr(source.options, "congress", ""))
    title = _required(bill, ("title",), url, source)
    actions = _actions(bill)
    stage = _stage(actions, laws=_laws(bill))
    return BillRecord(
        source=source.name, jurisdiction="US", session=congress,
        identifier=f"{bill_type.upper()} {int(number)}", title=title, summary=_summary(bill),
        subjects=_subjects(bill), stage=stage,
        status=_text(bill, "latestAction/text") or None,
        status_date=_date(_text(bill, "latestAction/actionDate")),
        last_action=_text(bill, "latestAction/text") or None,
        last_action_date=_date(_text(bill, "latestAction/actionDate")),
        actions=actions, sponsors=_sponsors(bill), versions=_versions(bill),
        url=congress_gov_url(congress, bill_type, number), source_url=url,
        extras={k: v for k, v in (
            ("origin_chamber", _text(bill, "originChamber")), ("introduced_date", _text(bill, "introducedDate")),
            ("policy_area", _text(bill, "policyArea/name")), ("laws", _laws(bill)),
            ("update_date", _text(bill, "updateDate"))) if v},
    )


def congress_gov_url(congress: str, bill_type: str, number: str) -> str | None:
    """The bill's page on congress.gov: /bill/117th-congress/senate-concurrent-resolution/7."""
    if not congress.isdigit() or bill_type not in CONGRESS_GOV_SLUGS:
        return None
    n = int(congress)
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"https://www.congress.gov/bill/{n}{suffix}-congress/{CONGRESS_GOV_SLUGS[bill_type]}/{int(number)}"


def action_stage(text: str) -> str | None:
    """The stage one action's wording means (None for procedural steps)."""
    for pattern, stage in _ACTION_STAGES:
        if pattern.search(text):
            return stage
    return None


def _stage(actions: list[Action], laws: list[str]) -> str | None:
    """The stage reached, reading the actions in date order; chamber passages counted per chamber."""
    stage: str | None = None
    passed: set[str] = set()
    for action in actions:
        if match := _PASSAGE_RE.match(action.description):
            passed.add(match.group(1).lower())
            # A simple resolution agreed to in its chamber stays passed_chamber: it is its last step.
            stage = advance_stage(stage, "passed_legislature" if len(passed) == 2 else "passed_chamber")
        else:
            stage = advance_stage(stage, action_stage(action.description))
    return advance_stage(stage, "enacted" if laws else None)


def _actions(bill: etree._Element) -> list[Action]:
    """Actions oldest first: files list them newest first, so the document order is reversed."""
    actions = []
    for item in reversed(bill.findall("actions/item")):
        text = _text(item, "text")
        date = _date(_text(item, "actionDate"))
        if not text or date is None:
            continue
        stage = "passed_chamber" if _PASSAGE_RE.match(text) else action_stage(text)
        actions.append(Action(date=date, description=text, chamber=_chamber(item),
                              classification=[stage] if stage else []))
    return sorted(actions, key=lambda a: a.date or dt.date.min)


def _chamber(item: etree._Element) -> str | None:
    """lower/upper/executive, from the reporting system or the Library of Congress' action code."""
    system = _text(item, "sourceSystem/name")
    if system.startswith("House"):
        return "lower"
    if system == "Senate":
        return "upper"
    code = _text(item, "actionCode")
    if code.startswith("E") or (code.isdigit() and int(code) >= 28000):
        return "executive"
    if code.startswith(("H", "Intro-H")) or (code.isdigit() and int(code) < 10000):
        return "lower"
    if code.startswith(("S", "Intro-S")) or code.isdigit():
        return "upper"
    return None


def _sponsors(bill: etree._Element) -> list[Sponsor]:
    sponsors = [Sponsor(name=_text(i, "fullName") or _text(i, "name"), role="primary", party=_text(i, "party") or None)
                for i in bill.findall("sponsors/item")]
    for item in bill.findall("cosponsors/item"):
        if _text(item, "sponsorshipWithdrawnDate"):
            continue
        sponsors.append(Sponsor(name=_text(item, "fullName") or _text(item, "name"), role="cosponsor",
                                party=_text(item, "party") or _party_of(_text(item, "fullName"))))
    return [s for s in sponsors if s.name]


def _party_of(full_name: str) -> str | None:
    """"Sen. Enzi, Michael B. [R-WY]" -> "R" (older files have no <party> for cosponsors)."""
    match = re.search(r"\[([A-Z]{1,3})-", full_name)
    return match.group(1) if match else None


def _subjects(bill: etree._Element) -> list[str]:
    policy_area = _text(bill, "policyArea/name")
    subjects = [clean_text(n.text) for n in bill.findall("subjects//legislativeSubjects/item/name")]
    return [s for s in dict.fromkeys([policy_area, *subjects]) if s]


def _summary(bill: etree._Element) -> str | None:
    """The newest CRS summary as plain text (both layouts: billSummaries/item and summary)."""
    items = bill.findall("summaries/billSummaries/item") + bill.findall("summaries/summary")
    dated = [(_text(i, "actionDate"), _text(i, "updateDate"), i) for i in items if _text(i, "text")]
    if not dated:
        return None
    newest = max(dated, key=lambda d: (d[0], d[1]))[2]
    return html_fragment_text(newest.findtext("text")) or None


def _versions(bill: etree._Element) -> list[Version]:
    versions = []
    for item in bill.findall("textVersions/item"):
        note = _text(item, "type")
        if not note:
            continue  # 3.0.0 files end the list with an empty item
        versions.append(Version(date=_date(_text(item, "date")), note=note,
                                url=_text(item, "formats/item/url") or None))
    return sorted(versions, key=lambda v: v.date or dt.date.min)


def _laws(bill: etree._Element) -> list[str]:
    return [f"{_text(i, 'type')} {_text(i, 'number')}".strip() for i in bill.findall("laws/item")]


def _required(bill: etree._Element, names: tuple[str, ...], url: str, source: Source) -> str:
    for name in names:
        if value := _text(bill, name):
            return value
    raise source.layout_error(" or ".join(f"bill/{n}" for n in names), url)


def _text(node: etree._Element, path: str) -> str:
    return clean_text(node.findtext(path))


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def _instant(lastmod: str) -> dt.datetime:
    """A sitemap lastmod as an aware datetime (undated entries sort first)."""
    try:
        value = dt.datetime.fromisoformat(lastmod.replace("Z", "+00:00"))
    except ValueError:
        return dt.datetime.min.replace(tzinfo=dt.UTC)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _changed(lastmod: str, watermark: str | None, since: dt.date | None) -> bool:
    """Whether a bill file needs fetching: dated since ``since``, else at or after the watermark.

    At the watermark (not only after it): several files can share one lastmod, and only the one
    stored last is known to be stored.
    """
    if since is not None:
        return _instant(lastmod).date() >= since
    return watermark is None or _instant(lastmod) >= _instant(watermark)


def _compact(bill: str) -> str:
    return re.sub(r"[\s.]", "", bill).lower()
