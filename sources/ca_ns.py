"""Nova Scotia: the Legislature's bill list, its RSS feed and, within a small budget, bill pages."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any, ClassVar

import feedparser
from bs4 import BeautifulSoup, Tag
from pydantic import Field

from sources._parsing import clean_text, parse_date, text_of
from sources._provinces import BillPageMissing, ProvinceSource, Step, fold, reading_stage, summarize
from sources.base import BillRecord, SourceOptions, Sponsor, Version

#: the list's status keys -> (Nova Scotia's name for the stage, normalized stage)
STATUS_KEYS: dict[str, tuple[str, str]] = {
    "1": ("First Reading", "introduced"),
    "2": ("Second Reading", "in_committee"),
    "LA": ("Law Amendments Committee", "in_committee"),
    "PB": ("Public Bills Committee", "in_committee"),
    "PL": ("Private and Local Bills Committee", "in_committee"),
    "WH": ("Committee of the Whole House", "passed_committee"),
    "3": ("Third Reading", "passed_chamber"),
    "RA": ("Royal Assent", "enacted"),
}
_BILL_LINK = re.compile(r"/bill-(\d+)/?$")


class NovaScotiaOptions(SourceOptions):
    """``[[source]]`` keys of type ca-ns."""

    assembly: int = Field(description="e.g. 65")
    session: int = Field(description="e.g. 1")
    rss: bool = Field(default=True, description="read the RSS feed first: unchanged feed, nothing to do")
    max_bill_pages: int = Field(
        default=9, ge=0,
        description="bill pages per scan: with robots.txt, the feed and the list, 12 requests (the site allows about a dozen)")


class NovaScotia(ProvinceSource):
    """Nova Scotia's Legislature: RSS feed, the session's bill list, and pages of changed bills.

    The feed says whether anything changed; the list gives each bill's status key, last activity
    and party; a bill's own page gives every date. Bill pages are rate limited (about a dozen
    requests per IP), so a page is read only when the bill's status or last-activity date on the
    list changed (or the feed names it), at most ``max_bill_pages`` a scan; the rest wait for the
    next scan, with a warning. An unchanged feed (304) ends the scan: nothing new.
    Session label ``"<assembly>-<session>"`` (``"65-1"``); identifiers are the numbers (``"6"``).
    """

    type = "ca-ns"
    jurisdictions = "CA-NS"
    jurisdiction = "CA-NS"
    tested_on = "real capture (list, bill page); RSS: documented shape"
    fields = ("identifier, title, long title as summary, sponsor and party, bill type, stage, raw status, "
              "every reading and committee date as actions (bill page), statute chapter")
    limits = ("bill pages limited to max_bill_pages a scan (default 9): a busy week's stage dates "
              "can arrive over several scans; the RSS feed is tested on a documented shape")
    default_base_url = "https://nslegislature.ca/"
    Options: ClassVar[type[SourceOptions]] = NovaScotiaOptions

    def read(self, since: dt.date | None) -> Iterator[BillRecord]:
        opts: Any = self.options
        session = f"{opts.assembly}-{opts.session}"
        feed = self.feed_items() if opts.rss else {}
        if feed is None and since is None and self.cursor.get("bill_pages"):
            self.nothing_new_reason = "the bills RSS feed has not changed since the last scan"
            return
        url = self.url("legislative-business/bills-statutes/bills/"
                       f"assembly-{opts.assembly}-session-{opts.session}")
        page = self.page(url)
        assert page is not None
        listed = self.bills_listed(page, url)
        fingerprints = {f"{session}/{n}": None if n in (feed or {}) else f"{e['key']}|{e['date']}"
                        for n, e in listed.items()}
        known = set(self.cursor.get("bill_pages", {}))
        chosen = set(self.pages_to_read(fingerprints, opts.max_bill_pages, since))
        for number, entry in listed.items():
            key = f"{session}/{number}"
            if key in chosen:
                self.page_read(key, fingerprints[key] or f"{entry['key']}|{entry['date']}")
                try:
                    bill_page = self.bill_page(entry["url"])
                except BillPageMissing as missing:
                    self.warnings.append(str(missing))
                    continue
                assert bill_page is not None
                yield self.bill(bill_page, number, entry, session)
            elif key not in known:  # new, but over the page budget: what the list says, for now
                yield self.list_record(number, entry, session, url)
        if not chosen and known >= set(fingerprints):
            self.nothing_new_reason = f"no bill of {session} changed since the last scan"

    def feed_items(self) -> dict[str, dt.date | None] | None:
        """Bill number -> date of its latest item in the RSS feed; None when the feed is unchanged.

        The feed's pubDate is not RFC 822 ("September 17, 2026"), so it is read with parse_date.
        """
        url = self.url("legislative-business/bills-statutes/rss")
        response = self.http.get(url, conditional=True)
        if response is None:
            return None
        self._conditional_urls.append(url)
        feed = feedparser.parse(response.content)
        if not feed.entries and feed.bozo:
            raise self.error(f"{url} is not an RSS feed ({feed.bozo_exception})")
        items: dict[str, dt.date | None] = {}
        for entry in feed.entries:
            m = _BILL_LINK.search(entry.get("link", "")) or re.search(r"\bBill\s+(\d+)", entry.get("title", ""))
            if m:
                items[m.group(1)] = parse_date(entry.get("published", ""))
        return items

    def bills_listed(self, page: BeautifulSoup, url: str) -> dict[str, dict[str, Any]]:
        """Number -> title, bill type, status key, last activity, party and links, from the list."""
        listed: dict[str, dict[str, Any]] = {}
        for row in self.select(page, "table.views-table tbody tr", url):
            title_cell = self.select_one(row, "td.views-field-field-short-title-1", url)
            link = self.select_one(title_cell, "a[href]", url)
            number_cell = self.select_one(row, "td.views-field-field-bill-number", url)
            text_link = number_cell.find("a", href=True)
            listed[text_of(number_cell)] = {
                "title": text_of(link), "url": self.link(link["href"], url),
                "bill_type": clean_text(title_cell.get_text(" ").replace(link.get_text(), "", 1)),
                "key": text_of(row.select_one("td.views-field-field-status-key")),
                "date": text_of(row.select_one("td.views-field-field-latest-status-change")),
                "party": text_of(row.select_one("td.views-field-field-political-affiliation")),
                "text_url": text_link["href"] if text_link is not None else None,
            }
        return listed

    def list_fields(self, entry: dict[str, Any]) -> dict[str, Any]:
        """What the list says of a bill: status, stage, last activity, type, party, first text."""
        name, stage = STATUS_KEYS.get(entry["key"], (entry["key"], reading_stage(entry["key"])))
        when = self.date(entry["date"])
        extras = {k: entry[k] for k in ("bill_type", "party") if entry[k]}
        extras["status_key"] = entry["key"]
        versions = [Version(None, "Bill as introduced", entry["text_url"])] if entry["text_url"] else []
        return {"stage": stage, "status": name, "status_date": when, "last_action": name,
                "last_action_date": when, "extras": extras, "versions": versions}

    def list_record(self, number: str, entry: dict[str, Any], session: str, url: str) -> BillRecord:
        return self.record(session, number, entry["title"], url=entry["url"], source_url=url,
                           **self.list_fields(entry))

    def bill(self, page: BeautifulSoup, number: str, entry: dict[str, Any], session: str) -> BillRecord:
        url = entry["url"]
        fields = self.list_fields(entry)
        table = self.select_one(page, "table.bill-metadata-table", url)
        bill_steps = self.metadata_steps(table, url, fields["extras"])
        summary = next((clean_text(s) for s in page.find("h1").next_siblings
                        if isinstance(s, str) and clean_text(s)), None) if page.find("h1") else None
        sponsor = page.select_one("p a[href*='/members/']")
        party = entry["party"] or None
        if bill_steps:
            page_fields = summarize(bill_steps)
            fields.update(actions=page_fields["actions"], stage=page_fields["stage"] or fields["stage"],
                          last_action=page_fields["last_action"],
                          last_action_date=page_fields["last_action_date"])
        return self.record(session, number, entry["title"], summary=summary, url=url, source_url=url,
                           sponsors=[Sponsor(text_of(sponsor), party=party)] if sponsor else [], **fields)

    def metadata_steps(self, table: Tag, url: str, extras: dict[str, Any]) -> list[Step]:
        """The Stage/Date rows: one step per date; debates and meetings are actions without stage."""
        out, committee = [], None
        for row in self.select(table, "tbody tr", url):
            cells = row.find_all("td")
            if len(cells) < 2:
                continue
            name, value = text_of(cells[0]), cells[1]
            if name == "Statute":
                extras["statute"] = text_of(value)
                continue
            if name == "Commencement":
                out.append(Step(name, self.date(text_of(value)), None, text_of(value)))
                continue
            dates = [d for d in (self.date(s) for s in value.stripped_strings) if d is not None]
            if "committee" in fold(name) and not dates:
                committee = extras["committee"] = name  # "Public Bills Committee": its rows follow
            if committee and fold(name).startswith(("meeting", "reported")):
                name = f"{committee}: {name}"
            stage = None if re.search(r"debate|meeting", fold(name)) else reading_stage(name, committee_done=True)
            out.extend(Step(name, d, stage) for d in dates)
        return out
