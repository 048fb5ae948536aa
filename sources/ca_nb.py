"""New Brunswick: the Legislative Assembly's bill list (legnb.ca), English with French titles."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, ClassVar

from bs4 import Tag
from pydantic import Field

from sources._parsing import clean_text, text_of
from sources._provinces import ProvinceSource, Step, reading_stage, summarize
from sources.base import BillRecord, SourceOptions


class NewBrunswickOptions(SourceOptions):
    """``[[source]]`` keys of type ca-nb."""

    legislature: int = Field(description="e.g. 60")
    session: int = Field(description="e.g. 2")
    french_titles: bool = Field(default=True, description="also read the French list for title_fr")


class NewBrunswick(ProvinceSource):
    """New Brunswick's Legislative Assembly: the session's bill list with each bill's steps.

    One page lists every bill (``li.bill-item``) with its readings as steps
    (``.step.status-passed`` / ``.status-failed``, dates M/D/YYYY); the French list gives
    ``extras["title_fr"]``. Session label ``"<legislature>-<session>"`` (``"60-2"``);
    identifiers are the bill numbers (``"58"``). The site asks a 10 s crawl delay: honoured.
    """

    type = "ca-nb"
    jurisdictions = "CA-NB"
    jurisdiction = "CA-NB"
    tested_on = "real capture (English list); French list: documented shape"
    fields = "identifier, title, French title, stage, reading dates as actions, amended flag"
    limits = "no sponsors or summaries on the list; 10 s between requests (the site's crawl delay)"
    min_interval = 10.0
    default_base_url = "https://www.legnb.ca/"
    Options: ClassVar[type[SourceOptions]] = NewBrunswickOptions

    def read(self, since: dt.date | None) -> Iterator[BillRecord]:
        opts: Any = self.options
        session = f"{opts.legislature}-{opts.session}"
        url = self.url(f"en/legislation/bills/{opts.legislature}/{opts.session}")
        page = self.list_page(url, f"bill list {session}")
        if page is None:
            return
        french = self.french_titles(opts) if opts.french_titles else {}
        for item in self.select(page, "li.bill-item", url):
            yield self.bill(item, session, url, french)

    def french_titles(self, opts: Any) -> dict[str, str]:
        url = self.url(f"fr/legislation/bills/{opts.legislature}/{opts.session}")
        page = self.page(url)
        assert page is not None
        return {
            text_of(self.select_one(item, ".bill-item-number", url)):
            text_of(self.select_one(item, ".bill-item-title a", url))
            for item in self.select(page, "li.bill-item", url)
        }

    def bill(self, item: Tag, session: str, url: str, french: dict[str, str]) -> BillRecord:
        number = text_of(self.select_one(item, ".bill-item-number", url))
        link = self.select_one(item, ".bill-item-title a", url)
        bill_steps = [self.step(node) for node in self.select(item, ".bill-steps .step", url)]
        extras: dict[str, Any] = {}
        if french.get(number):
            extras["title_fr"] = french[number]
        if item.select_one(".bill-amendment-count, .has-amendment-label") is not None:
            extras["amended"] = True
        return self.record(session, number, text_of(link), url=self.link(link.get("href", ""), url),
                           source_url=url, extras=extras, **summarize(bill_steps))

    def step(self, node: Tag) -> Step:
        spans = node.find_all("span", recursive=False)
        name = clean_text(spans[0].get_text("")) if spans else text_of(node)
        outcome, _, when = (text_of(spans[1]) if len(spans) > 1 else "").partition(":")
        classes = node.get("class") or []
        failed = "status-failed" in classes
        stage = "failed" if failed else reading_stage(name, committee_done="status-passed" in classes)
        return Step(name, self.date(when), stage, outcome.strip())

