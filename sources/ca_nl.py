"""Newfoundland and Labrador: the House of Assembly's progress-of-bills table."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any, ClassVar

from bs4 import Tag
from pydantic import Field

from sources._parsing import clean_text, text_of
from sources._provinces import ProvinceSource, Step, reading_stage, summarize
from sources.base import BillRecord, SourceOptions

#: the table's columns after No. and Bill, in order: (name, stage once the date is filled)
COLUMNS: tuple[tuple[str, str | None], ...] = (
    ("First Reading", "introduced"),
    ("Second Reading", "in_committee"),
    ("Committee", "passed_committee"),  # a date here: Committee of the Whole has reported
    ("Amendments", None),
    ("Third Reading", "passed_chamber"),
    ("Royal Assent", "enacted"),
    ("Act chapter", None),
)
#: the bill's kind written after its title: "(New)" act or "(Amdt.)" amending an act
KINDS = ("new", "amdt.", "amdt", "amendment", "repeal")


class NewfoundlandOptions(SourceOptions):
    """``[[source]]`` keys of type ca-nl."""

    general_assembly: int = Field(description="e.g. 48")
    session: int = Field(description="e.g. 1")


class Newfoundland(ProvinceSource):
    """Newfoundland and Labrador's House of Assembly: the progress-of-bills table of a session.

    One table (``table.bills``): No., Bill, 1st, 2nd, Committee, Amendments, 3rd, Royal Assent,
    Act chapter, dates like "Mar. 8/2016". Session label ``"<GA>-<session>"`` (``"48-1"``);
    identifiers are the numbers without their dot (``"1."`` -> ``"1"``). Titles are upper case
    as published; the subtitle in parentheses goes to ``summary``.
    """

    type = "ca-nl"
    jurisdictions = "CA-NL"
    jurisdiction = "CA-NL"
    tested_on = "real capture"
    fields = ("identifier, title (upper case as published), subtitle as summary, stage, reading dates "
              "as actions, amended flag, act chapter")
    limits = "no sponsors; bill pages (Windows-1252) are not read: the table has every date"
    default_base_url = "https://www.assembly.nl.ca/"
    Options: ClassVar[type[SourceOptions]] = NewfoundlandOptions

    def read(self, since: dt.date | None) -> Iterator[BillRecord]:
        opts: Any = self.options
        session = f"{opts.general_assembly}-{opts.session}"
        url = self.url(f"HouseBusiness/Bills/ga{opts.general_assembly}session{opts.session}/")
        page = self.list_page(url, f"progress of bills {session}")
        if page is None:
            return
        rows = [tr for tr in self.select(page, "table.bills tr", url) if _is_bill_row(tr)]
        if not rows:
            raise self.layout_error("table.bills tr (a row numbered '1.' with 9 cells)", url)
        for row in rows:
            yield self.bill(row.find_all("td"), session, url)

    def bill(self, cells: list[Tag], session: str, url: str) -> BillRecord:
        number = text_of(cells[0]).rstrip(".")
        title_cell = cells[1]
        link = title_cell.find("a")
        title = text_of(link) if link is not None else text_of(title_cell)
        rest = clean_text(title_cell.get_text(" ").replace(link.get_text(), "", 1)) if link else ""
        notes = re.findall(r"\(([^()]*)\)", rest)
        extras: dict[str, Any] = {}
        kinds = [n for n in notes if n.lower() in KINDS]
        if kinds:
            extras["bill_kind"] = kinds[0]
        summary = "; ".join(n for n in notes if n.lower() not in KINDS) or None
        bill_steps = []
        for (name, stage), cell in zip(COLUMNS, cells[2:], strict=False):
            value = text_of(cell)
            if name == "Amendments":
                extras["amended"] = value.lower().startswith("y")
            elif name == "Act chapter":
                if value:
                    extras["chapter"] = value
            elif value:
                bill_steps.append(Step(name, self.date(value), stage or reading_stage(name)))
        return self.record(session, number, title, summary=summary,
                           url=self.link(link["href"], url) if link is not None and link.get("href") else None,
                           source_url=url, extras=extras, **summarize(bill_steps))


def _is_bill_row(row: Tag) -> bool:
    cells = row.find_all("td")
    return len(cells) >= 9 and re.fullmatch(r"\d+[A-Z]?\.?", text_of(cells[0])) is not None
