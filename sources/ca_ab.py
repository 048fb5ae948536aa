"""Alberta: the Legislative Assembly's bills-by-legislature list and each bill's page."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any, ClassVar

from bs4 import BeautifulSoup, Tag
from pydantic import Field

from sources._parsing import text_of
from sources._provinces import BillPageMissing, ProvinceSource, Step, outcome_stage, summarize
from sources.base import BillRecord, SourceOptions, Sponsor, Version

#: the list's title marks: "($)" a money bill, a trailing "*" a bill amended in the House
MONEY_MARK, AMENDED_MARK = "($)", "*"


class AlbertaOptions(SourceOptions):
    """``[[source]]`` keys of type ca-ab."""

    legislature: int = Field(description="e.g. 31")
    session: int = Field(description="e.g. 1")
    max_bill_pages: int | None = Field(default=None, ge=0, description="bill pages read per scan; default all")


class Alberta(ProvinceSource):
    """Alberta's Legislative Assembly: the bills-by-legislature list, then each bill's page.

    The bill page has the sponsor, type, documents and every reading day ("Oct 31, 2024 pm") with
    its outcome ("passed on division"). A bill page answering 200 with an error page is reported
    as a warning and skipped. Session label ``"<legislature>-<session>"`` (``"31-1"``);
    identifiers are the numbers (``"Bill&nbsp;26"`` -> ``"26"``, ``"Bill Pr1"`` -> ``"PR 1"``);
    "($)" and "*" are taken off titles into ``extras`` (money_bill, amended).
    """

    type = "ca-ab"
    jurisdictions = "CA-AB"
    jurisdiction = "CA-AB"
    tested_on = "real capture"
    fields = ("identifier, title, sponsor, bill type, money bill and amended flags, stage, every "
              "reading day with its outcome as actions, bill text versions")
    limits = "one bill page per bill per scan (conditional GET; max_bill_pages bounds it)"
    default_base_url = "https://www.assembly.ab.ca/"
    Options: ClassVar[type[SourceOptions]] = AlbertaOptions

    def read(self, since: dt.date | None) -> Iterator[BillRecord]:
        opts: Any = self.options
        session = f"{opts.legislature}-{opts.session}"
        url = self.url("assembly-business/bills/bills-by-legislature"
                       f"?legl={opts.legislature}&session={opts.session}")
        page = self.page(url)  # not conditional: the list does not change when a bill moves
        assert page is not None
        listed = self.bills_listed(page, url)
        chosen = self.pages_to_read({f"{session}/{n}": None for n in listed}, opts.max_bill_pages, since)
        unchanged = 0
        for number, entry in listed.items():
            if f"{session}/{number}" not in chosen:
                continue
            try:
                bill_page = self.bill_page(entry["url"], conditional=since is None)
            except BillPageMissing as missing:
                self.warnings.append(str(missing))
                continue
            finally:
                self.page_read(f"{session}/{number}", None)
            if bill_page is None:
                unchanged += 1
                continue
            yield self.bill(bill_page, number, entry, session)
        if chosen and unchanged == len(chosen):
            self.nothing_new_reason = f"no bill page changed since the last scan ({session})"

    def bills_listed(self, page: BeautifulSoup, url: str) -> dict[str, dict[str, Any]]:
        """Bill number -> title, flags, bill type and page URL, from the list."""
        listed: dict[str, dict[str, Any]] = {}
        kind = None
        for node in self.select(page, "#adrbills .header, #adrbills .item", url):
            if "header" in (node.get("class") or []):
                kind = text_of(node)
                continue
            link, cells = node.find("a", href=True), node.find_all("div", recursive=False)
            number = re.sub(r"^Bill\s*", "", text_of(link), flags=re.I) if link else ""
            if not number or len(cells) < 2:
                self.warnings.append(f"a bill listed without a number or title on {url}: skipped")
                continue
            title = text_of(cells[1])
            entry = {"url": self.link(link["href"], url), "bill_type": kind,
                     "money_bill": MONEY_MARK in title, "amended": title.endswith(AMENDED_MARK)}
            entry["title"] = title.replace(MONEY_MARK, "").rstrip(AMENDED_MARK).strip()
            listed[number] = entry
        if not listed:
            raise self.layout_error("#adrbills .item a (Bill <N>)", url)
        return listed

    def bill(self, page: BeautifulSoup, number: str, entry: dict[str, Any], session: str) -> BillRecord:
        url = entry["url"]
        bill = self.select_one(page, "#bill", url)
        details = {text_of(d.find("div")): d.find_all("div", recursive=False)[-1]
                   for d in bill.select(".details .detail") if d.find("div")}
        extras = {k: entry[k] for k in ("bill_type", "money_bill") if entry[k] is not None}
        if "Type" in details:
            extras["bill_type"] = text_of(details["Type"])
        amended = text_of(details["Amendments"]).lower() if "Amendments" in details else ""
        extras["amended"] = amended.startswith("yes") if amended else entry["amended"]
        sponsor = text_of(details["Sponsor"]) if "Sponsor" in details else ""
        versions = [Version(None, text_of(a), self.link(a["href"], url))
                    for a in bill.select(".doc_item a[href]")]
        title = text_of(details["Title"]) if "Title" in details else entry["title"]
        return self.record(session, number, title or entry["title"],
                           sponsors=[Sponsor(sponsor)] if sponsor else [], versions=versions,
                           url=url, source_url=url, extras=extras,
                           **summarize(self.reading_steps(bill, url)))

    def reading_steps(self, bill: Tag, url: str) -> list[Step]:
        """Every dated entry under its reading heading, in the page's order."""
        out, reading = [], ""
        for node in self.select(bill, ".bill-entries .b_header, .bill-entries .b_entry", url):
            if "b_header" in (node.get("class") or []):
                reading = text_of(node.select_one(".b_readingtitle"))
                continue
            when = node.select_one(".b_date .rwd-show") or node.select_one(".b_date")
            outcome, when_text = text_of(node.select_one(".b_status")), text_of(when)
            date = self.date(when_text)
            if date is None and when_text:  # "on proclamation with exceptions": keep the words
                outcome = f"{when_text}; {outcome}" if outcome else when_text
            out.append(Step(reading, date, outcome_stage(reading, outcome), outcome))
        return out
