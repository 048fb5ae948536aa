"""Texas, straight from Texas Legislature Online (``type = "us-tx"``), no key needed.

Two published formats. TLO's RSS feeds say which bills moved today (filed, passed, new text,
fiscal notes, analyses) and which committee meetings are coming (the hearings). Each bill's history
XML, on the legislature's bill-file mirror, is the record itself: caption, authors and sponsors,
subjects, every action with its chamber (H, S, E) and date, text versions, companions.

A scan reads the configured feeds (conditional GET), adds the bills they name to the configured
``bills``, and reads each bill's history by conditional GET: an unchanged file (304) is skipped.
Bills on an upcoming meeting's agenda (named in the RSS item, else on the meeting notice it links
to) get the hearing, and their history is read in full. Unused numbers ("Bill does not exist")
are skipped.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
import urllib.parse
from collections.abc import Iterator
from typing import Any

import feedparser
from lxml import etree
from pydantic import Field, field_validator, model_validator

from monitor.errors import FetchError, ParseError
from sources._parsing import (
    advance_stage,
    clean_text,
    parse_date,
    parse_xml,
    rebase_url,
    refetch_on_failure,
    soup,
    text_of,
)
from sources.base import (
    Action,
    BillRecord,
    Hearing,
    Source,
    SourceOptions,
    Sponsor,
    Version,
    normalize_identifier,
)
from sources.us_sessions import texas_session

DEFAULT_RSS_URL = "https://capitol.texas.gov/MyTLO/RSS/RSS.aspx"
DEFAULT_HISTORY_URL = "https://ftp.legis.state.tx.us/bills"
#: RSS types and what their items are: bills that moved, or committee meetings (hearings)
FEED_TYPES = {
    "todaysfiledhouse": "bills", "todaysfiledsenate": "bills", "todaysbillspassed": "bills",
    "todaysbilltext": "bills", "todaysfiscalnotes": "bills", "todaysbillanalyses": "bills",
    "upcomingmeetingshouse": "meetings", "upcomingmeetingssenate": "meetings", "upcomingmeetingsjoint": "meetings",
}
DEFAULT_FEEDS = ["todaysfiledhouse", "todaysfiledsenate", "todaysbillspassed",
                 "upcomingmeetingshouse", "upcomingmeetingssenate", "upcomingmeetingsjoint"]
#: bill prefix -> folder of the history files
HISTORY_FOLDERS = {
    "HB": "house_bills", "HCR": "house_concurrent_resolutions", "HJR": "house_joint_resolutions",
    "HR": "house_resolutions", "SB": "senate_bills", "SCR": "senate_concurrent_resolutions",
    "SJR": "senate_joint_resolutions", "SR": "senate_resolutions",
}
SIMPLE_RESOLUTIONS = ("HR", "SR")
BILL_RE = re.compile(r"(?<![A-Za-z])(HCR|HJR|SCR|SJR|HB|HR|SB|SR)\s*0*(\d{1,5})(?!\d)")
_CHAMBERS = {"H": "lower", "S": "upper", "E": "executive"}
_MEETING_TITLE_RE = re.compile(r"^(?P<committee>.+?)\s+-\s+(?P<date>\d{1,2}/\d{1,2}/\d{4})\b")
_MEETING_TEXT_RE = re.compile(r"Time:\s*(?P<time>.*?)\s*,\s*Location:\s*(?P<location>.*)$", re.S)
_LASTACTION_RE = re.compile(r"^(?P<date>\d{1,2}/\d{1,2}/\d{4})\s+[HSE]\s+(?P<text>.+)$")
_ACTION_STAGES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), stage) for pattern, stage in (
        (r"^(Signed by the Governor|Effective (on|immediately)|Filed without the Governor's signature)", "enacted"),
        (r"^Vetoed by the Governor", "vetoed"),
        (r"^Sent to the Governor", "sent_to_executive"),
        (r"^Reported enrolled", "passed_legislature"),
        (r"^(Passed|Passed as amended|Adopted|Read & adopted)$", "passed_chamber"),
        (r"^(Reported favorably|Reported from|Committee report|Recommended to be sent to)", "passed_committee"),
        (r"^Referred to", "in_committee"),
        (r"^(Filed|Read first time|Received (by|from) the)", "introduced"),
    )
)


class TexasOptions(SourceOptions):
    """Keys of a ``[[source]]`` table with ``type = "us-tx"``."""

    session: str = Field(pattern=r"^\d{2}[R1-9]$", description="legislature and session: 89R, or 892 for a special")
    bills: list[str] = Field(default_factory=list, description="bills always read: HB 1234, SJR 5")
    feeds: list[str] = Field(default_factory=lambda: list(DEFAULT_FEEDS),
                             description=f"TLO RSS types (allowed: {', '.join(FEED_TYPES)})")
    meeting_notices: bool = Field(default=True, description="read a meeting's notice to find its bills")
    rss_url: str = Field(default=DEFAULT_RSS_URL, description="TLO's RSS endpoint")
    history_url: str = Field(default=DEFAULT_HISTORY_URL, description="root of the bill-file mirror (bills/)")

    @field_validator("feeds")
    @classmethod
    def _feeds(cls, value: list[str]) -> list[str]:
        feeds = [f.strip().lower() for f in value]
        unknown = [f for f in feeds if f not in FEED_TYPES]
        if unknown:
            raise ValueError(f"unknown TLO feed(s) {', '.join(unknown)} (allowed: {', '.join(FEED_TYPES)})")
        return feeds

    @field_validator("bills")
    @classmethod
    def _bills(cls, value: list[str]) -> list[str]:
        bills = []
        for bill in value:
            match = BILL_RE.fullmatch(bill.strip().upper().replace(".", ""))
            if not match:
                raise ValueError(f"{bill!r} is not a Texas bill number (HB, HCR, HJR, HR, SB, SCR, SJR, SR + number)")
            bills.append(f"{match.group(1)} {int(match.group(2))}")
        return bills

    @model_validator(mode="after")
    def _something_to_read(self) -> TexasOptions:
        if not self.bills and not self.feeds:
            raise ValueError("give bills, feeds, or both: the source has nothing to read")
        return self


class TexasSource(Source):
    """Texas Legislature Online: RSS of the day's bills and upcoming hearings, and each bill's history XML.

    No key. Bills are the configured list plus those the feeds name; hearings come from the
    upcoming-meetings feeds (bills found on the item or its meeting notice).
    """

    type = "us-tx"
    jurisdictions = "US-TX"
    tested_on = "documented shape"
    fields = ("identifier, caption, subjects, stage, status (last action), actions with H/S/E chamber, authors, "
              "coauthors, sponsors, versions, companions, hearings (upcoming meetings), url")
    limits = ("only bills listed or named by today's feeds are read (no full-session crawl); "
              "history mirror layout assumed from documentation; meetings naming no bill are skipped")
    Options = TexasOptions
    #: TLO is a web site (feeds, meeting notices, bill files): its robots.txt is obeyed
    respects_robots = True

    @property
    def settings(self) -> TexasOptions:
        return self.options  # type: ignore[return-value]

    def _url(self, url: str) -> str:
        return rebase_url(url, self.options.base_url)

    def fetch(self, since: dt.date | None = None) -> Iterator[BillRecord]:
        options = self.settings
        with contextlib.ExitStack() as fetched_feeds:
            bills: dict[str, list[Hearing]] = {bill: [] for bill in options.bills}
            for feed in options.feeds:
                self._read_feed(feed, bills, fetched_feeds)
            read, missing = 0, []
            for bill in sorted(bills, key=_bill_order):
                try:
                    record = self._bill(bill, bills[bill], since)
                except FetchError as exc:
                    # A bill filed today may not be on the mirror yet: one missing file is a warning.
                    missing.append(exc)
                    self.warnings.append(f"{bill}: history not read: {_plain(exc)}")
                    continue
                if record is not None:
                    read += 1
                    yield record
            if missing and len(missing) == len(bills):
                raise FetchError(f"none of the {len(bills)} bill history files could be read "
                                 f"(first: {_plain(missing[0])}): check history_url", source=self.name)
        if not read and not self.nothing_new_reason:
            self.nothing_new_reason = ("no bill history changed since the last scan" if bills else
                                       "TLO's feeds name no bills or meetings today")

    def _read_feed(self, feed: str, bills: dict[str, list[Hearing]], fetched: contextlib.ExitStack) -> None:
        """Add the bills (and hearings) one RSS feed names; an unchanged feed (304) adds nothing."""
        url = self._url(f"{self.settings.rss_url}?Type={feed}")
        response = self.http.get(url, conditional=True)
        if response is None:
            return
        # The feed's bills are stored later in this scan: if anything fails, read the feed again next time.
        fetched.enter_context(refetch_on_failure(self.http, url))
        parsed = feedparser.parse(io.BytesIO(response.content), response_headers={"content-location": url})
        if not parsed.version and not parsed.entries:
            raise ParseError(f"{url} is not an RSS feed: {parsed.get('bozo_exception') or 'no RSS structure'}",
                             source=self.name)
        for entry in parsed.entries:
            if FEED_TYPES[feed] == "meetings":
                self._read_meeting(entry, url, bills)
            else:
                for bill in bills_named(entry.get("title", ""), entry.get("link", ""), entry.get("summary", ""))[:1]:
                    bills.setdefault(bill, [])

    def _read_meeting(self, entry: Any, url: str, bills: dict[str, list[Hearing]]) -> None:
        title, text = clean_text(entry.get("title")), clean_text(entry.get("summary"))
        match = _MEETING_TITLE_RE.match(title)
        if not match:
            raise self.layout_error("meeting item title '<committee> - M/D/YYYY'", url)
        details = _MEETING_TEXT_RE.search(text)
        date = parse_date(match.group("date"))
        if date is None:
            raise self.layout_error("meeting item title '<committee> - M/D/YYYY'", url)
        hearing = Hearing(date=date, committee=match.group("committee"),
                          time=details.group("time") if details else None,
                          location=details.group("location") if details else None, description=text or None)
        named = bills_named(title, text)
        if not named and self.settings.meeting_notices and entry.get("link"):
            named = self._notice_bills(self._url(entry["link"]))
        for bill in named:
            bills.setdefault(bill, []).append(hearing)

    def _notice_bills(self, url: str) -> list[str]:
        """The bills a meeting notice lists; a notice that cannot be read is a warning."""
        try:
            notice = self.http.get(url)
        except FetchError as exc:
            self.warnings.append(f"meeting notice not read, its hearing is not attached: {_plain(exc)}")
            return []
        assert notice is not None  # only a conditional GET answers None
        return bills_named(text_of(soup(notice.content, url)))

    def _bill(self, bill: str, hearings: list[Hearing], since: dt.date | None) -> BillRecord | None:
        """One bill's history as a record; None when unchanged (304), unused, or older than ``since``."""
        url = self.history_file_url(bill)
        # A new hearing must reach the record even if the history did not change: read it in full.
        response = self.http.get(url, conditional=not hearings and since is None)
        if response is None:
            return None
        with refetch_on_failure(self.http, url):
            record = parse_history(response.content, url, self)
        if record is None:
            if bill in self.settings.bills:
                self.warnings.append(f"{bill}: TLO says this bill does not exist in session {self.settings.session}")
            return None
        if since is not None and not hearings and (record.last_action_date or dt.date.min) < since:
            return None
        record.hearings = sorted(hearings, key=lambda h: h.date)
        return record

    def history_file_url(self, bill: str) -> str:
        """``<history_url>/89R/billhistory/house_bills/HB01200_HB01299/HB%201234.xml``."""
        prefix, number = bill.split()
        n = int(number)
        low, high = max(1, n // 100 * 100), n // 100 * 100 + 99
        folder = f"{prefix}{low:05d}_{prefix}{high:05d}"
        name = urllib.parse.quote(f"{prefix} {n}.xml")
        base = self._url(self.settings.history_url).rstrip("/")
        return f"{base}/{self.settings.session}/billhistory/{HISTORY_FOLDERS[prefix]}/{folder}/{name}"


def bills_named(*texts: str) -> list[str]:
    """Texas bill numbers written in the texts ("HB 1234", "Bill=HB1234"), normalized, in order."""
    found: dict[str, None] = {}
    for text in texts:
        for prefix, number in BILL_RE.findall(urllib.parse.unquote_plus(text or "")):
            found[f"{prefix} {int(number)}"] = None
    return list(found)


def parse_history(content: bytes, url: str, source: Source) -> BillRecord | None:
    """One bill history XML as a record; None for an unused number ("Bill does not exist")."""
    root = parse_xml(content, url, source=source.name)
    if root.tag != "billhistory":
        raise source.layout_error("billhistory", url)
    caption = root.find("caption")
    if caption is None:
        raise source.layout_error("billhistory/caption", url)
    title = clean_text(caption.text)
    if title.lower().startswith("bill does not exist"):
        return None
    if root.find("actions") is None:
        raise source.layout_error("billhistory/actions", url)
    identifier = normalize_identifier(root.get("bill", "").split(" ", 1)[-1] or _identifier_from_url(url))
    actions = [_action(node) for node in root.findall("actions/action")]
    actions = sorted((a for a in actions if a.description), key=lambda a: a.date or dt.date.min)
    status, status_date = _last_action(root)
    tlo_session = str(getattr(source.options, "session", ""))
    # Stored under the US session label (2025 Regular Session) so LegiScan's and Open States'
    # copies of the bill are the same bill; TLO's own label stays in the URL and extras.
    session = texas_session(tlo_session)
    return BillRecord(
        source=source.name, jurisdiction="US-TX", session=session, identifier=identifier,
        title=title, subjects=_subjects(root),
        stage=history_stage(actions, identifier.split()[0]), status=status or None,
        status_date=status_date or (actions[-1].date if actions else None),
        last_action=actions[-1].description if actions else None,
        last_action_date=actions[-1].date if actions else None,
        actions=actions, sponsors=_sponsors(root), versions=_versions(root, "bill"),
        url=(f"https://capitol.texas.gov/BillLookup/History.aspx?LegSess={tlo_session}"
             f"&Bill={identifier.replace(' ', '')}"),
        source_url=url, extras={**_extras(root), "tlo_session": tlo_session},
    )


def history_stage(actions: list[Action], prefix: str) -> str | None:
    """The stage the actions reach; final passage in both chambers is passed_legislature."""
    stage: str | None = None
    passed: set[str] = set()
    for action in actions:
        step = action.classification[0] if action.classification else None
        if step == "passed_chamber" and action.chamber in ("lower", "upper"):
            passed.add(action.chamber)
            if len(passed) == 2 and prefix not in SIMPLE_RESOLUTIONS:
                step = "passed_legislature"
        stage = advance_stage(stage, step)
    return stage


def action_stage(description: str) -> str | None:
    for pattern, stage in _ACTION_STAGES:
        if pattern.search(description):
            return stage
    return None


def _action(node: etree._Element) -> Action:
    code = clean_text(node.findtext("actionNumber"))
    description = clean_text(node.findtext("description"))
    comment = clean_text(node.findtext("comment"))
    stage = action_stage(description)
    return Action(date=parse_date(clean_text(node.findtext("date"))),
                  description=f"{description} ({comment})" if description and comment else description,
                  chamber=_CHAMBERS.get(code[:1]), classification=[stage] if stage else [])


def _last_action(root: etree._Element) -> tuple[str, dt.date | None]:
    """``<lastaction>6/20/2025 E Effective on 9/1/25</lastaction>`` -> ("Effective on 9/1/25", date)."""
    text = clean_text(root.findtext("lastaction"))
    match = _LASTACTION_RE.match(text)
    return (match.group("text"), parse_date(match.group("date"))) if match else (text, None)


def _subjects(root: etree._Element) -> list[str]:
    """Subjects without TLO's index codes: "Health--General (I0375)" -> "Health--General"."""
    return [re.sub(r"\s*\([A-Z]\d+\)$", "", clean_text(s.text)) for s in root.findall("subjects/subject")]


def _sponsors(root: etree._Element) -> list[Sponsor]:
    sponsors = []
    for element, role in (("authors", "primary"), ("coauthors", "cosponsor"),
                          ("sponsors", "primary"), ("cosponsors", "cosponsor")):
        for name in clean_text(root.findtext(element)).split("|"):
            if name.strip():
                sponsors.append(Sponsor(name=name.strip(), role=role))
    return sponsors


def _versions(root: etree._Element, doc_type: str) -> list[Version]:
    versions = []
    for node in root.findall(f"billtext/docTypes/{doc_type}/versions/version"):
        url = clean_text(node.findtext("WebHTMLURL")) or clean_text(node.findtext("WebPDFURL"))
        note = clean_text(node.findtext("versionDescription"))
        if note or url:
            versions.append(Version(date=None, note=note, url=url or None))
    return versions


def _extras(root: etree._Element) -> dict[str, Any]:
    extras: dict[str, Any] = {
        "companions": bills_named(" ".join(root.find("companions").itertext())
                                  if root.find("companions") is not None else ""),
        "committees": [{"chamber": node.tag, "name": clean_text(node.get("name")),
                        "status": clean_text(node.get("status"))}
                       for node in root.findall("committees/*") if isinstance(node.tag, str)],
        "analyses": [v.__dict__ for v in _versions(root, "analysis")],
        "fiscal_notes": [v.__dict__ for v in _versions(root, "fiscalNote")],
        "last_update": root.get("lastUpdate", ""),
    }
    return {k: v for k, v in extras.items() if v}


def _identifier_from_url(url: str) -> str:
    return urllib.parse.unquote(url.rsplit("/", 1)[-1]).removesuffix(".xml")


def _bill_order(bill: str) -> tuple[str, int]:
    prefix, number = bill.split()
    return prefix, int(number)


def _plain(error: FetchError) -> str:
    """The error's message without the "[source] " prefix (the warning is already the source's)."""
    return re.sub(r"^\[[^\]]*\]\s*", "", error.message)
