"""Nunavut: the Legislative Assembly's bills and legislation table (assembly.nu.ca), documented shape."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any, ClassVar

from bs4 import Tag
from pydantic import Field

from sources._parsing import parse_date, text_of
from sources._provinces import ProvinceSource, Step, reading_stage, summarize
from sources.base import BillRecord, SourceOptions

_BILL = re.compile(r"^Bill\s+(\w+)\s*[:\-\u2013\u2014,]?\s*(.*)$", re.I)


class NunavutOptions(SourceOptions):
    """``[[source]]`` keys of type ca-nu."""

    session: str = Field(description="label for the bills listed now, e.g. '6-2' (the page prints none)")


class Nunavut(ProvinceSource):
    """Nunavut's Legislative Assembly: the bills and legislation table, one column per stage.

    Each stage cell holds a ``<time datetime="...">`` once the stage is done. Written from the
    documented shape (no capture). The page prints no session: the label comes from the config.
    Identifiers are the numbers (``"12"``).
    """

    type = "ca-nu"
    jurisdictions = "CA-NU"
    jurisdiction = "CA-NU"
    tested_on = "documented shape"
    fields = "identifier, title, stage, stage dates as actions"
    limits = "parsed from the documented page shape, no real capture; no sponsors; session label from the config"
    default_base_url = "https://www.assembly.nu.ca/"
    Options: ClassVar[type[SourceOptions]] = NunavutOptions

    def read(self, since: dt.date | None) -> Iterator[BillRecord]:
        opts: Any = self.options
        url = self.url("bills-and-legislation")
        page = self.list_page(url, "bills and legislation table")
        if page is None:
            return
        table = next((t for t in self.select(page, "table", url) if t.select("th")), None)
        if table is None:
            raise self.layout_error("table with th headings", url)
        columns = [text_of(th) for th in table.select("th")]
        rows = [r for r in table.select("tr") if r.find("td") and _BILL.match(text_of(r.find("td")))]
        if not rows:
            raise self.layout_error("table tr (first cell 'Bill <N> ...')", url)
        for row in rows:
            yield self.bill(row.find_all("td"), columns, opts.session, url)

    def bill(self, cells: list[Tag], columns: list[str], session: str, url: str) -> BillRecord:
        m = _BILL.match(text_of(cells[0]))
        assert m is not None
        link = cells[0].find("a", href=True)
        bill_steps = []
        for name, cell in zip(columns[1:], cells[1:], strict=False):
            stamp = cell.find("time")
            when = None
            if stamp is not None:
                when = parse_date(stamp.get("datetime")) or self.date(text_of(stamp))
            if when is not None:
                bill_steps.append(Step(name, when, reading_stage(name, committee_done=True)))
        title = m.group(2) or (text_of(cells[1]) if len(columns) > 1 and columns[1].lower() == "title" else "")
        return self.record(session, m.group(1), title, url=self.link(link["href"], url) if link else None,
                           source_url=url, **summarize(bill_steps))
