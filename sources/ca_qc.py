"""Québec: the Assemblée nationale's list of bills, each bill's stage page and its RSS feed (French)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any, ClassVar

import feedparser
from bs4 import BeautifulSoup, Tag
from pydantic import Field

from sources._parsing import clean_text, text_of
from sources._provinces import BillPageMissing, ProvinceSource, Step, fold, person_name, reading_stage, summarize
from sources.base import BillRecord, SourceOptions, Sponsor, Version

#: Québec's stage names (folded, by prefix) -> stage; checked before the generic mapping because
#: "Dépôt du rapport de commission - Consultation" comes before the principle is adopted
QC_STAGES: tuple[tuple[str, str], ...] = (
    ("presentation", "introduced"),
    ("consultation", "in_committee"),
    ("depot du rapport de commission - consultation", "in_committee"),
    ("adoption du principe", "in_committee"),
    ("etude detaillee", "in_committee"),
    ("depot du rapport de commission", "passed_committee"),
    ("prise en consideration", "passed_committee"),
    ("adoption", "passed_chamber"),
    ("sanction", "enacted"),
    ("retire", "withdrawn"),
)
_BILL_URL = re.compile(r"projet-loi-(\d+)-(\d+)-(\d+)\.html")
#: "... projet de loi 11 : Loi ..." or "Projet de loi n° 11, Loi ..." in a feed item's title
_FEED_TITLE = re.compile(r"projet de loi\s+(?:n\S*\s*)?(\d+)", re.I)


def quebec_stage(name: str) -> str | None:
    """The stage a Québec bill has reached at the named step (French, accents optional)."""
    text = fold(name)
    best = max((p for p in QC_STAGES if text.startswith(p[0])), key=lambda p: len(p[0]), default=None)
    return best[1] if best else reading_stage(name)


class QuebecOptions(SourceOptions):
    """``[[source]]`` keys of type ca-qc."""

    legislature: int = Field(description="e.g. 43")
    session: int = Field(description="e.g. 2")
    rss: bool = Field(default=True, description="read the RSS feed: bills in it have their page re-read")
    max_bill_pages: int | None = Field(default=None, ge=0, description="bill pages read per scan; default all")


class Quebec(ProvinceSource):
    """Québec's Assemblée nationale, in French: the list of bills, then pages of bills that moved.

    A bill's stage page is read when its stage on the list changed or the RSS feed names it. The list gives number, title, type and current stage ("Adoption du principe"); the bill page
    gives the author and every sitting of every stage ("Séance du 16 février 2023"), the royal
    assent date and chapter. Titles are French (the original). Session label
    ``"<legislature>-<session>"`` (``"43-2"``); identifiers are the numbers (``"11"``); a bill
    carried over from an earlier session is listed under the configured session, its origin in
    ``extras["origin_session"]``.
    """

    type = "ca-qc"
    jurisdictions = "CA-QC"
    jurisdiction = "CA-QC"
    lang = "fr"
    tested_on = "real capture (list, bill page); RSS: documented shape"
    fields = ("identifier, French title, author, bill type, stage, raw French stage, every sitting "
              "of every stage as actions, royal assent date and chapter, bill text")
    limits = ("English titles are not read; a bill's page is read when its stage on the list changes "
              "(or the RSS names it); the RSS feed is tested on a documented shape")
    default_base_url = "https://www.assnat.qc.ca/"
    Options: ClassVar[type[SourceOptions]] = QuebecOptions

    def read(self, since: dt.date | None) -> Iterator[BillRecord]:
        opts: Any = self.options
        session = f"{opts.legislature}-{opts.session}"
        url = self.url(f"fr/travaux-parlementaires/projets-loi/projets-loi-{session}.html")
        page = self.page(url)
        assert page is not None
        listed = self.bills_listed(page, url)
        in_feed = self.bills_in_feed() if opts.rss else set()
        fingerprints = {f"{session}/{n}": (None if n in in_feed else e["status"]) for n, e in listed.items()}
        known = set(self.cursor.get("bill_pages", {}))
        chosen = set(self.pages_to_read(fingerprints, opts.max_bill_pages, since))
        for number, entry in listed.items():
            key = f"{session}/{number}"
            if key in chosen:
                self.page_read(key, entry["status"])
                try:  # the site answers a missing bill page with an error page
                    bill_page = self.bill_page(entry["url"])
                except BillPageMissing as missing:
                    self.warnings.append(str(missing))
                    continue
                assert bill_page is not None
                yield self.bill(bill_page, number, entry, session)
            elif key not in known:  # new, but over the page budget: what the list says, for now
                yield self.record(session, number, entry["title"], stage=quebec_stage(entry["status"]),
                                  status=entry["status"] or None, url=entry["url"], source_url=url,
                                  extras=entry["extras"])
        if not chosen and known >= set(fingerprints):
            self.nothing_new_reason = f"no bill of {session} changed stage since the last scan"

    def bills_listed(self, page: BeautifulSoup, url: str) -> dict[str, dict[str, Any]]:
        """Number -> title, current stage, bill page URL and extras, from the list's table."""
        listed: dict[str, dict[str, Any]] = {}
        for row in self.select(page, "#tblListeProjetLoi tr", url):
            cells = row.find_all("td", recursive=False)
            if len(cells) < 4 or not re.fullmatch(r"\d+", text_of(cells[0])):
                continue
            link = cells[1].select_one("ul.ListeLien a[href]")
            hidden = cells[1].find("span")
            if link is None:
                raise self.layout_error("#tblListeProjetLoi tr ul.ListeLien a[href]", url)
            extras: dict[str, Any] = {"bill_type": text_of(cells[2])}
            m = _BILL_URL.search(link["href"])
            if m and f"{m.group(2)}-{m.group(3)}" not in url:
                extras["origin_session"] = f"{m.group(2)}-{m.group(3)}"
            listed[text_of(cells[0])] = {
                "title": text_of(hidden) if hidden is not None else text_of(cells[1].find("a")),
                "status": text_of(cells[3]), "url": self.link(link["href"], url), "extras": extras}
        if not listed:
            raise self.layout_error("#tblListeProjetLoi tr (a row numbered with 4 cells)", url)
        return listed

    def bills_in_feed(self) -> set[str]:
        """Numbers of the bills the RSS feed names (new stages); empty when it has not changed."""
        url = self.url("fr/rss/SyndicationRSS-210.html")
        response = self.http.get(url, conditional=True)
        if response is None:
            return set()
        self._conditional_urls.append(url)
        feed = feedparser.parse(response.content)
        if not feed.entries and feed.bozo:
            raise self.error(f"{url} is not an RSS feed ({feed.bozo_exception})")
        numbers = set()
        for entry in feed.entries:
            m = _BILL_URL.search(entry.get("link", "")) or _FEED_TITLE.search(entry.get("title", ""))
            if m:
                numbers.add(m.group(1))
        return numbers

    def bill(self, page: BeautifulSoup, number: str, entry: dict[str, Any], session: str) -> BillRecord:
        url = entry["url"]
        heading = page.select_one("[id$=SiteMapPathTitreContenu]")
        title = re.sub(r"^Projet de loi n\S*\s*\d+\s*,\s*", "", text_of(heading)) if heading else ""
        extras = dict(entry["extras"])
        bill_steps, versions = self.stage_steps(page, url)
        assent, chapter = _labelled(page, "Date de la sanction"), _labelled(page, "Chapitre dans le")
        if assent:
            bill_steps.append(Step("Sanction", self.date(assent), "enacted"))
        if chapter:
            extras["chapter"] = chapter
        fields = summarize(bill_steps)
        fields["status"] = entry["status"] or fields["status"]
        authors = [Sponsor(person_name(text_of(a))) for a in _section(page, "h3", "Auteur", "table a[href]")]
        return self.record(session, number, title or entry["title"], sponsors=authors, versions=versions,
                           url=url, source_url=url, extras=extras, **fields)

    def stage_steps(self, page: BeautifulSoup, url: str) -> tuple[list[Step], list[Version]]:
        """Each sitting ("Séance du ...") under each stage heading after "Étapes de cheminement"."""
        start = next((h for h in page.find_all("h2")
                      if fold(text_of(h)).startswith("etapes de cheminement")), None)
        if start is None:
            raise self.layout_error("h2 'Étapes de cheminement'", url)
        out: list[Step] = []
        versions: list[Version] = []
        for heading in start.find_all_next("h3"):
            name = text_of(heading)
            sittings = []
            for item in _until_next_heading(heading, "ul.ListeLien li"):
                link = item.find("a")
                when = self.date(text_of(link)) if link and "seance" in fold(text_of(link)) else None
                if when is not None:
                    outcome = clean_text(item.get_text(" ").replace(link.get_text(), "", 1)).strip("() ")
                    sittings.append(Step(name, when, None, outcome))
                elif link is not None and link.get("href", "").count("Media") and name.startswith("Présentation"):
                    versions.append(Version(None, f"{name} (PDF)", self.link(link["href"], url)))
            if sittings:  # the stage is reached at its last sitting
                sittings[-1].stage = quebec_stage(name)
            out.extend(sittings)
        for version in versions:
            version.date = out[0].date if out else None
        return out, versions


def _until_next_heading(heading: Tag, selector: str) -> list[Tag]:
    """Elements matching ``selector`` between ``heading`` and the next h2/h3."""
    found: list[Tag] = []
    for sibling in heading.find_next_siblings():
        if sibling.name in ("h2", "h3"):
            break
        found.extend(sibling.select(selector.split(" ", 1)[1]) if sibling.name == "ul" else [])
    return found


def _section(page: BeautifulSoup, tag: str, label: str, selector: str) -> list[Tag]:
    heading = next((h for h in page.find_all(tag) if text_of(h) == label), None)
    table = heading.find_next_sibling("table") if heading is not None else None
    return table.select(selector.split(" ", 1)[1]) if table is not None else []


def _labelled(page: BeautifulSoup, label: str) -> str:
    """The text right after a "<label> :" span ("Date de la sanction : 7 juin 2023")."""
    span = next((s for s in page.find_all("span") if text_of(s).startswith(label)), None)
    if span is None:
        return ""
    after = span.next_sibling
    return clean_text(str(after)) if after is not None and isinstance(after, str) else ""
