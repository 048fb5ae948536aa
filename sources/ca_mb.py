"""Manitoba: the Legislative Assembly's bill index of a session (web2.gov.mb.ca)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any, ClassVar

from bs4 import Tag
from pydantic import Field

from sources._parsing import clean_text, text_of
from sources._provinces import ProvinceSource, Step, person_name, summarize
from sources.base import BillRecord, SourceOptions, Sponsor, Version


class ManitobaOptions(SourceOptions):
    """``[[source]]`` keys of type ca-mb."""

    legislature: int = Field(description="e.g. 42")
    session: int = Field(description="e.g. 3")


class Manitoba(ProvinceSource):
    """Manitoba's Legislative Assembly: the bill index of a session (number, sponsor, title).

    Session label ``"<legislature>-<session>"`` (``"42-3"``); identifiers are the bill numbers.
    The index gives no stage dates (they are only in the Assembly's PDF "Status of Bills"): a bill
    with a statute chapter ("SM 2020, c. 21") is enacted; any other bill has no stage.
    """

    type = "ca-mb"
    jurisdictions = "CA-MB"
    jurisdiction = "CA-MB"
    tested_on = "real capture"
    fields = "identifier, title, sponsor, bill type, enacted (statute chapter), bill text links"
    limits = ("stages and their dates are only in a PDF, not read: only enactment (a statute "
              "chapter on the index) is known, without its date")
    default_base_url = "https://web2.gov.mb.ca/"
    Options: ClassVar[type[SourceOptions]] = ManitobaOptions

    def read(self, since: dt.date | None) -> Iterator[BillRecord]:
        opts: Any = self.options
        session = f"{opts.legislature}-{opts.session}"
        url = self.url(f"bills/{opts.legislature}-{opts.session}/index.php")
        page = self.list_page(url, f"bill index {session}")
        if page is None:
            return
        kind = None
        found = False
        for row in self.select(page, "table tr", url):
            cells = row.find_all("td")
            if len(cells) == 1 and cells[0].get("colspan"):
                kind = text_of(cells[0])  # a section heading: "Government Bills"
            elif len(cells) >= 3 and re.fullmatch(r"\d+", text_of(cells[0])):
                found = True
                yield self.bill(cells, kind, session, url)
        if not found:
            raise self.layout_error("table tr (a row whose first cell is a bill number)", url)

    def bill(self, cells: list[Tag], kind: str | None, session: str, url: str) -> BillRecord:
        number = text_of(cells[0])
        sponsor = clean_text(next(iter(cells[1].stripped_strings), ""))
        title_cell = cells[2]
        title_node = title_cell.find("a") or title_cell.find("i") or title_cell
        extras: dict[str, Any] = {"bill_type": kind} if kind else {}
        note = title_cell.find("small")
        if note is not None:
            extras["note"] = text_of(note)
        versions, bill_steps, page_url = [], [], None
        for link in (a for cell in cells[2:] for a in cell.find_all("a", href=True)):
            href, text = self.link(link["href"], url), text_of(link)
            if link is title_node:
                page_url = href
            elif text.upper().startswith("SM "):
                extras["statute"] = text
                bill_steps.append(Step("Royal Assent", None, "enacted", text))
            elif "amendment" in text.lower():
                extras["committee_amendments"] = href
            else:
                versions.append(Version(None, "Bill text (PDF)" if text == "PDF" else text, href))
        return self.record(session, number, text_of(title_node),
                           sponsors=[Sponsor(person_name(sponsor))] if sponsor else [],
                           versions=versions, url=page_url, source_url=url, extras=extras,
                           **summarize(bill_steps))
