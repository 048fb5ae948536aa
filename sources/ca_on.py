"""Ontario: the Legislative Assembly's bill list and each bill's status tab (ola.org)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any, ClassVar

from bs4 import BeautifulSoup, Tag
from pydantic import Field

from sources._parsing import clean_text, text_of
from sources._provinces import BillPageMissing, ProvinceSource, Step, fold, person_name, reading_stage, summarize
from sources.base import BillRecord, SourceOptions, Sponsor

#: outcomes that complete a step ("Carried", "Referred to committee", "Received Royal Assent")
_BILL_LINK = re.compile(r"/parliament-(\d+)/session-(\d+)/bill-([a-z]*\d+[a-z]?)/?$", re.I)
DONE = re.compile(r"carried|passed|agreed|referred|reported|received|ordered|assent", re.I)
FAILED = re.compile(r"lost|defeated|negatived|not carried", re.I)


class OntarioOptions(SourceOptions):
    """``[[source]]`` keys of type ca-on."""

    parliament: int | None = Field(default=None, description="e.g. 43; default: the current session")
    session: int | None = Field(default=None, description="e.g. 1 (with parliament)")
    max_bill_pages: int | None = Field(default=None, ge=0, description="status tabs read per scan; default all")


class Ontario(ProvinceSource):
    """Ontario's Legislative Assembly: the session's bill list, then each bill's status tab.

    The status tab (``/bill-<N>/status``) has the bill's title, sponsors, current status and a table
    (Date, Bill stage, Event, Outcome, Committee; its rows lack ``</tr>``). Each tab is read with a
    conditional GET, so an unchanged bill costs a 304. No ``?_format=json``: robots.txt forbids
    query strings. Without ``parliament``/``session`` the current session's list is read. Session
    label ``"<parliament>-<session>"`` (``"43-1"``); identifiers are the numbers (``"28"``),
    private bills ``"PR 1"``.
    """

    type = "ca-on"
    jurisdictions = "CA-ON"
    jurisdiction = "CA-ON"
    tested_on = "real capture (list, bill page header); status table: documented shape"
    fields = "identifier, title, sponsors, stage, raw current status, dated steps as actions, committee"
    limits = ("one status page per bill per scan (conditional GET; max_bill_pages bounds it); "
              "the status table is tested on a documented shape, not a capture")
    default_base_url = "https://www.ola.org/"
    Options: ClassVar[type[SourceOptions]] = OntarioOptions

    def read(self, since: dt.date | None) -> Iterator[BillRecord]:
        opts: Any = self.options
        if opts.parliament is None or opts.session is None:
            url = self.url("en/legislative-business/bills/current")
        else:
            url = self.url(f"en/legislative-business/bills/parliament-{opts.parliament}/session-{opts.session}")
        page = self.page(url)  # not conditional: the list does not change when a bill moves
        assert page is not None
        session, listed = self.bills_listed(page, url, opts)
        chosen = self.pages_to_read({f"{session}/{n}": None for n in listed}, opts.max_bill_pages, since)
        unchanged = 0
        for number, (title, bill_url) in listed.items():
            key = f"{session}/{number}"
            if key not in chosen:
                continue
            status_url = bill_url.rstrip("/") + "/status"
            self.page_read(key, None)
            try:
                status_page = self.bill_page(status_url, conditional=since is None)
            except BillPageMissing as missing:
                self.warnings.append(str(missing))
                continue
            if status_page is None:
                unchanged += 1
                continue
            yield self.bill(status_page, number, title, session, bill_url, status_url)
        if chosen and unchanged == len(chosen):
            self.nothing_new_reason = f"no bill's status page changed since the last scan ({session})"

    def bills_listed(self, page: BeautifulSoup, url: str, opts: Any) -> tuple[str, dict[str, tuple[str, str]]]:
        """The session label and bill number -> (title, bill page URL), from the list's bill links.

        Without a configured session (the "current" list), the session is the one most of the
        list's bill links name.
        """
        selector = 'a[href*="/bills/parliament-"][href*="/bill-"]'
        found: dict[str, dict[str, tuple[str, str]]] = {}
        for link in self.select(page, selector, url):
            m = _BILL_LINK.search(link.get("href", ""))
            if not m:
                continue  # a link to a bill's tab (/status, /debates): the bill's own link comes too
            session, number, title = f"{m.group(1)}-{m.group(2)}", m.group(3).upper(), text_of(link)
            bills = found.setdefault(session, {})
            if number not in bills or len(title) > len(bills[number][0]):
                bills[number] = (title, self.link(link["href"], url))
        wanted = f"{opts.parliament}-{opts.session}" if opts.parliament is not None else None
        if wanted is None and found:
            wanted = max(found, key=lambda k: len(found[k]))
        if not found.get(wanted or ""):
            raise self.layout_error(
                selector + f" (ending in /parliament-P/session-S/bill-N, session {wanted})", url)
        return wanted or "", found[wanted or ""]

    def bill(self, page: BeautifulSoup, number: str, title: str, session: str,
             bill_url: str, status_url: str) -> BillRecord:
        heading = text_of(self.select_one(page, "h1", status_url))
        title = title or re.sub(r"^Bill\s+\w+,\s*", "", heading)
        current = page.select_one(".bill-status-header .field-content, .views-field-field-current-status-1")
        sponsors = [Sponsor(person_name(text_of(a)))
                    for a in page.select(".bill-sponsors .views-field-field-member a")]
        bill_steps, committees = self.status_steps(page, status_url)
        fields = summarize(bill_steps)
        if current is not None and text_of(current):
            fields["status"] = text_of(current)
            if fields["stage"] is None:
                fields["stage"] = reading_stage(fields["status"])
        return self.record(session, number, title, sponsors=sponsors, url=bill_url, source_url=status_url,
                           extras={"committees": committees} if committees else {}, **fields)

    def status_steps(self, page: BeautifulSoup, url: str) -> tuple[list[Step], list[str]]:
        """The rows of the status table, oldest first, and the committees the bill went to."""
        table = next((t for t in page.select("table") if _columns(t)), None)
        if table is None:
            raise self.layout_error("table with 'Date' and 'Bill stage' columns", url)
        columns = _columns(table)
        out, committees = [], []
        for row in table.select("tr"):
            cells = [text_of(td) for td in row.find_all("td")]
            if len(cells) < len(columns):
                continue  # the header row
            value = dict(zip(columns, cells, strict=False))
            out.append(self.step(value))
            if value.get("committee") and value["committee"] not in committees:
                committees.append(value["committee"])
        return sorted(out, key=lambda s: s.date or dt.date.min), committees

    def step(self, value: dict[str, str]) -> Step:
        """One row: a stage only when its outcome completes the step (a debate day is an action)."""
        name, event, outcome = value.get("bill stage", ""), value.get("event", ""), value.get("outcome", "")
        words = " ".join(w for w in (event, outcome) if w)
        if FAILED.search(outcome):
            stage: str | None = "failed"
        elif DONE.search(words) or "assent" in fold(name):
            stage = reading_stage(f"{name} {event}", committee_done="report" in fold(words))
        else:
            stage = None
        return Step(clean_text(name), self.date(value.get("date")), stage, words)


def _columns(table: Tag) -> list[str]:
    """The table's header names, lower case, when it is the status table; else []."""
    names = [text_of(th).lower() for th in table.select("th")]
    return names if "date" in names and "bill stage" in names else []
