"""Northwest Territories: the Legislative Assembly's bill pages (ntassembly.ca), documented shape."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any, ClassVar

from bs4 import BeautifulSoup
from pydantic import Field

from sources._parsing import text_of
from sources._provinces import BillPageMissing, ProvinceSource, Step, reading_stage, summarize
from sources.base import BillRecord, SourceOptions

_DATE_FIELD = re.compile(r"^field--name-field-(.+)-date$")
_HEADING = re.compile(r"^Bill\s+(\w+)\s*[:\-\u2013\u2014,]\s*(.+)$", re.I)
LIST_PATH = "documents-proceedings/bills"


class NorthwestTerritoriesOptions(SourceOptions):
    """``[[source]]`` keys of type ca-nt."""

    session: str = Field(description="label for the bills listed now, e.g. '20-1' (the pages print none)")
    max_bill_pages: int | None = Field(default=None, ge=0, description="bill pages read per scan; default all")


class NorthwestTerritories(ProvinceSource):
    """Northwest Territories' Legislative Assembly: the bills page, then each bill's page.

    A bill page has one field per stage (``field--name-field-<stage>-date``) reading "Completed on
    March 04, 2026". Written from the documented shape (no capture). Consensus government: no
    parties. Session label as configured (``session``); identifiers are the numbers (``"12"``).
    """

    type = "ca-nt"
    jurisdictions = "CA-NT"
    jurisdiction = "CA-NT"
    tested_on = "documented shape"
    fields = "identifier, title, stage, completed stage dates as actions"
    limits = ("parsed from the documented page shape, no real capture; no sponsors or parties; the "
              "session label comes from the config")
    default_base_url = "https://www.ntassembly.ca/"
    Options: ClassVar[type[SourceOptions]] = NorthwestTerritoriesOptions

    def read(self, since: dt.date | None) -> Iterator[BillRecord]:
        opts: Any = self.options
        url = self.url(LIST_PATH)
        page = self.page(url)
        assert page is not None
        links: dict[str, str] = {}
        selector = f'a[href*="/{LIST_PATH}/"]'
        for link in self.select(page, selector, url):
            target = self.link(link["href"], url)
            if target.rstrip("/") != url.rstrip("/") and "?" not in target:
                links.setdefault(target, text_of(link))
        if not links:
            raise self.layout_error(selector + " (a bill's page)", url)
        chosen = self.pages_to_read({u: None for u in links}, opts.max_bill_pages, since)
        unchanged = 0
        for bill_url in chosen:
            self.page_read(bill_url, None)
            try:
                bill_page = self.bill_page(bill_url, conditional=since is None)
            except BillPageMissing as missing:
                self.warnings.append(str(missing))
                continue
            if bill_page is None:
                unchanged += 1
                continue
            yield self.bill(bill_page, bill_url, opts.session)
        if chosen and unchanged == len(chosen):
            self.nothing_new_reason = "no bill page changed since the last scan"

    def bill(self, page: BeautifulSoup, url: str, session: str) -> BillRecord:
        heading = text_of(self.select_one(page, "h1", url))
        m = _HEADING.match(heading)
        if not m:
            raise self.layout_error("h1 ('Bill <N>: <title>')", url)
        fields = [node for node in page.select('[class*="field--name-field-"]')
                  if any(_DATE_FIELD.match(c) for c in node.get("class") or [])]
        if not fields:
            raise self.layout_error('[class*="field--name-field-"] (field--name-field-<stage>-date)', url)
        bill_steps = []
        for node in fields:
            slug = next(dm.group(1) for c in node["class"] if (dm := _DATE_FIELD.match(c)))
            label = node.select_one(".field__label")
            name = text_of(label) if label is not None else _stage_name(slug)
            value = text_of(node.select_one(".field__item") or node)
            when = self.date(value)
            if when is not None:
                bill_steps.append(Step(name, when, reading_stage(name, committee_done=True)))
        bill_steps.sort(key=lambda s: s.date or dt.date.min)
        return self.record(session, m.group(1), m.group(2), url=url, source_url=url, **summarize(bill_steps))


def _stage_name(slug: str) -> str:
    """"committee-of-the-whole" -> "Committee of the Whole"."""
    small = {"of", "the", "and", "to", "on"}
    words = slug.split("-")
    return " ".join(w if w in small and i else w.capitalize() for i, w in enumerate(words))
