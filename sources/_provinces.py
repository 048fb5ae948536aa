"""What the provincial and territorial legislature sources share.

A :class:`ProvinceSource` reads a legislature's own pages (HTML, JSON) through the shared client,
honouring robots.txt (``respects_robots``), with every URL under ``base_url`` so a mirror or a
local test server can stand in for the site. Readings become :class:`Step` s, and
:func:`summarize` turns a bill's steps into the normalized stage, the raw status and the actions.

Stage mapping (the same for every province; a step counts once it is done):
1st reading / Présentation = introduced; 2nd reading / Adoption du principe = in_committee
(second reading refers the bill to a committee in every one of these legislatures); committee
under way = in_committee; committee reported / report stage = passed_committee; 3rd reading /
Adoption = passed_chamber; royal assent / Sanction = enacted; defeated = failed; withdrawn =
withdrawn. Coming into force is kept as an action without a stage.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import urllib.parse
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from bs4 import BeautifulSoup, Tag

from monitor.errors import FetchError, ParseError, UnsupportedSourceError
from sources._parsing import (
    clean_text,
    detect_error_page,
    parse_date,
    select_one_required,
    select_required,
    soup,
)
from sources.base import STAGES, Action, BillRecord, Source, normalize_identifier

#: the chamber word for a provincial assembly's own steps (unicameral) and for royal assent
ASSEMBLY = "legislature"
EXECUTIVE = "executive"


@dataclass
class Step:
    """One step of a bill's progress as the legislature words it."""

    name: str  # raw: "Second Reading", "Adoption du principe", "Committee of the Whole"
    date: dt.date | None
    stage: str | None  # one of STAGES, or None for a step that moves no stage (coming into force)
    outcome: str = ""  # raw: "passed on division", "Defeated"

    @property
    def description(self) -> str:
        return f"{self.name}: {self.outcome}" if self.outcome else self.name


_STAGE_PATTERNS: tuple[tuple[str, str | None], ...] = (
    (r"comes? into force|commencement|entree en vigueur|proclamation", None),
    (r"royal assent|\bassent|sanction", "enacted"),
    (r"withdrawn|retire", "withdrawn"),
    (r"defeated|negatived|failed|rejete|\blapsed|died on", "failed"),
    (r"third reading|3rd reading|troisieme lecture|^adoption$|^adopte", "passed_chamber"),
    (r"second reading|2nd reading|deuxieme lecture|adoption du principe", "in_committee"),
    (r"report|rapport", "passed_committee"),
    (r"committee|commission|consultation", "in_committee"),
    (r"first reading|1st reading|premiere lecture|presentation|introduc|depot du projet", "introduced"),
)


def fold(text: str) -> str:
    """Lower case, accents stripped, whitespace cleaned: the form stage names are matched on."""
    decomposed = unicodedata.normalize("NFKD", clean_text(text).lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def reading_stage(name: str, *, committee_done: bool = False) -> str | None:
    """The stage a bill has reached once the named step is done (see the module docstring).

    ``committee_done``: the step is a committee stage the source marks as completed (a date in a
    "Committee" column, "Passed"), so the bill has passed committee rather than being in it.
    """
    text = fold(name)
    for pattern, stage in _STAGE_PATTERNS:
        if re.search(pattern, text):
            if stage == "in_committee" and committee_done and not re.search(
                r"second|2nd|deuxieme|principe", text
            ):
                return "passed_committee"
            return stage
    return None


_DEFEATED = re.compile(r"defeated|negatived|\blost\b|not carried|rejected|rejete", re.I)
_COMPLETED = re.compile(r"passed|carried|agreed|reported|concurred|received|adopte|assent", re.I)


def outcome_stage(name: str, outcome: str) -> str | None:
    """The stage of a step the legislature records with an outcome ("passed on division").

    A defeat fails the bill; a completing outcome (or any royal assent entry) reaches the step's
    stage with its committee done; a step without outcome (a debate day) moves no stage.
    """
    if _DEFEATED.search(outcome):
        return "failed"
    if _COMPLETED.search(outcome) or reading_stage(name) == "enacted":
        return reading_stage(name, committee_done=True)
    return None


def _rank(stage: str | None) -> int:
    return STAGES.index(stage) if stage in STAGES else -1


def summarize(steps: Iterable[Step]) -> dict[str, Any]:
    """BillRecord fields from a bill's steps, in the order the legislature lists them.

    The stage is the furthest stage any step reached, unless the last step failed or withdrew the
    bill; ``status`` is the raw wording of the last step; each step becomes an action.
    """
    done = [s for s in steps if s.date is not None or s.outcome or s.stage in ("failed", "withdrawn")]
    actions = [
        Action(date=s.date, description=s.description,
               chamber=EXECUTIVE if s.stage == "enacted" else ASSEMBLY,
               classification=[s.stage] if s.stage else [])
        for s in done
    ]
    staged = [s for s in done if s.stage is not None]
    stage = max((s.stage for s in staged), key=_rank, default=None)
    if staged and staged[-1].stage in ("failed", "withdrawn"):
        stage = staged[-1].stage
    last = staged[-1] if staged else None
    dated = [s for s in done if s.date is not None]
    latest = max(dated, key=lambda s: s.date) if dated else None  # type: ignore[arg-type, return-value]
    return {
        "stage": stage,
        "status": last.description if last else None,
        "status_date": last.date if last else None,
        "last_action": latest.description if latest else None,
        "last_action_date": latest.date if latest else None,
        "actions": actions,
    }


_HONORIFICS = re.compile(
    r"^(?:(?:the\s+)?hon(?:ou?rable)?\.?|mr\.?|mrs\.?|ms\.?|miss|dr\.?|mme|m\.|mla)\s+", re.I
)


def person_name(raw: str) -> str:
    """A member's name as "First Last", without honorifics: "Lecce, Hon. Stephen" -> "Stephen Lecce"."""
    text = clean_text(raw).rstrip(",").strip()
    if "," in text:
        last, first = (part.strip() for part in text.split(",", 1))
        text = f"{first} {last}"
    previous = None
    while previous != text:
        previous, text = text, _HONORIFICS.sub("", text).strip()
    return text


def plan_pages(keys: list[str], checked: dict[str, str], budget: int | None) -> list[str]:
    """Which bills' pages to read this scan: all, or the ``budget`` never or least recently read.

    ``checked`` maps a bill key to the ISO time its page was last read (kept in the cursor), so a
    budget smaller than the session rotates through every bill over successive scans.
    """
    if budget is None or budget >= len(keys):
        return list(keys)
    order = sorted(keys, key=lambda k: (k in checked, checked.get(k, "")))
    chosen = set(order[:budget])
    return [k for k in keys if k in chosen]


class BillPageMissing(Exception):
    """One listed bill's own page is missing (404, 410, or an error page served with 200)."""


#: how SourceHttp words a missing page (it raises FetchError without the status as an attribute)
_MISSING_STATUS = re.compile(r"answered HTTP (404|410)\b")


class ProvinceSource(Source):
    """Base of the provincial and territorial sources: URLs, pages, selectors, records."""

    #: read through a robots.txt checker (see monitor.robots): these are web pages, not APIs
    respects_robots: ClassVar[bool] = True
    #: the legislature's site; every URL this source reads is resolved against base_url instead
    default_base_url: ClassVar[str] = ""
    #: ISO 3166-2 code of the province or territory
    jurisdiction: ClassVar[str] = ""
    lang: ClassVar[str] = "en"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: pages fetched with conditional GET this scan: their validators go if the scan fails
        self._conditional_urls: list[str] = []

    @property
    def base_url(self) -> str:
        return (self.options.base_url or self.default_base_url).rstrip("/") + "/"

    def url(self, path: str) -> str:
        """``path`` (relative to the site's root) under ``base_url``."""
        return urllib.parse.urljoin(self.base_url, path.lstrip("/"))

    def link(self, href: str, page_url: str) -> str:
        """A link found on a page, made absolute; links to the real site are moved under base_url.

        A root-relative link (``/en/...``) is relative to the site's root, which is base_url:
        under a mirror with a path prefix (``http://host/mirror``) it stays under the prefix.
        """
        href = href.strip()
        if href.startswith("/") and not href.startswith("//"):
            return self.url(href)
        absolute = urllib.parse.urljoin(page_url, href)
        default = self.default_base_url.rstrip("/") + "/"
        if self.options.base_url and absolute.startswith(default):
            return self.url(absolute[len(default):])
        return absolute

    def page(self, url: str, *, conditional: bool = False) -> BeautifulSoup | None:
        """GET and parse a page; None when ``conditional`` and the server says 304 Not Modified."""
        response = self.http.get(url, conditional=conditional)
        if response is None:
            return None
        if conditional:
            self._conditional_urls.append(url)
        charset = response.encoding if "charset" in response.headers.get("Content-Type", "") else None
        return soup(response.content, url, encoding=charset)

    def bill_page(self, url: str, *, conditional: bool = False) -> BeautifulSoup | None:
        """A listed bill's own page; None on 304; BillPageMissing when the site has no such page.

        One bill's missing page is that bill's problem, reported as a warning by the caller, not
        the whole source's failure. A site where every bill page is missing still fails: the
        source then builds no record at all.
        """
        try:
            page = self.page(url, conditional=conditional)
        except FetchError as exc:
            if _MISSING_STATUS.search(exc.message):
                raise BillPageMissing(exc.message) from None
            raise
        if page is not None:
            try:
                detect_error_page(page, url, source=self.name)
            except FetchError as exc:
                raise BillPageMissing(exc.message) from None
        return page

    def list_page(self, url: str, what: str) -> BeautifulSoup | None:
        """A page listing the session's bills, fetched conditionally; None (with the reason) on 304."""
        page = self.page(url, conditional=True)
        if page is None:
            self.nothing_new_reason = f"{what} not modified since the last scan"
        return page

    def pages_to_read(self, fingerprints: dict[str, str | None], budget: int | None,
                      since: dt.date | None = None) -> list[str]:
        """The bills whose own page to read this scan, within ``budget`` pages.

        ``fingerprints`` maps each listed bill to what the list says of it (its stage, its last
        activity) or None when the list says nothing (then its page is read every scan, with a
        conditional GET). A bill is read when it is new, its fingerprint changed, or ``since``
        asks for a full read; over budget, the least recently read go first and the rest wait
        for the next scan (a warning says how many).
        """
        stored: dict[str, Any] = self.cursor.setdefault("bill_pages", {})
        wanted = [k for k, fp in fingerprints.items()
                  if since is not None or fp is None or stored.get(k, {}).get("fp") != fp]
        chosen = plan_pages(wanted, {k: stored[k].get("read", "") for k in wanted if k in stored}, budget)
        if len(chosen) < len(wanted):
            self.warnings.append(
                f"{len(wanted) - len(chosen)} bill pages wait for the next scan "
                f"(max_bill_pages = {budget})"
            )
        return chosen

    def page_read(self, key: str, fingerprint: str | None) -> None:
        """Note in the cursor that a bill's page was read (and what the list said of it then)."""
        self.cursor.setdefault("bill_pages", {})[key] = {
            "fp": fingerprint, "read": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}

    def select(self, node: Tag, selector: str, url: str, *, min_items: int = 1) -> list[Tag]:
        return select_required(node, selector, url, source=self.name, min_items=min_items)

    def select_one(self, node: Tag, selector: str, url: str) -> Tag:
        return select_one_required(node, selector, url, source=self.name)

    def date(self, text: str | None, *, year: int | None = None) -> dt.date | None:
        return parse_date(text, lang=self.lang, year=year)

    def record(self, session: str, identifier: str, title: str, **fields: Any) -> BillRecord:
        """A BillRecord of this source and jurisdiction, its identifier normalized.

        ``url`` is the official page: read through a mirror (base_url), it still names the
        legislature's own site, so digests link where advocates expect.
        """
        if fields.get("url"):
            fields["url"] = self.official_url(fields["url"])
        return BillRecord(source=self.name, jurisdiction=self.jurisdiction, session=session,
                          identifier=normalize_identifier(identifier), title=title, **fields)

    def official_url(self, url: str) -> str:
        """``url`` moved from base_url (a mirror or test server) back to the legislature's site."""
        mirror = self.base_url
        if self.options.base_url and self.default_base_url and url.startswith(mirror):
            return urllib.parse.urljoin(self.default_base_url.rstrip("/") + "/", url[len(mirror):])
        return url

    def fetch(self, since: dt.date | None = None) -> Iterator[BillRecord]:
        """Yield the bills read by :meth:`read`, those last active before ``since`` left out.

        A source whose pages had bills but that built no record from them raises: the layout
        has changed in a way the selectors did not catch.
        """
        built = 0
        self._conditional_urls = []
        try:
            for bill in self.read(since):
                built += 1
                if since is None or bill.last_action_date is None or bill.last_action_date >= since:
                    yield bill
        except BaseException:
            # a page fetched but not fully read must be fetched again next scan, not answered 304
            for url in self._conditional_urls:
                self.http.forget_validators(url)
            raise
        if built == 0 and self.nothing_new_reason is None:
            why = f" ({len(self.warnings)} warnings; first: {self.warnings[0]})" if self.warnings else ""
            raise ParseError(
                f"no bills could be read from the legislature's pages{why}",
                hint="check the session settings of this source; if the site changed, the parser needs an update",
                source=self.name,
            )

    def read(self, since: dt.date | None) -> Iterator[BillRecord]:
        """Yield every bill the source read (subclasses implement this rather than fetch())."""
        raise NotImplementedError(f"source type {self.type!r} does not implement read()")


class UnsupportedProvince(ProvinceSource):
    """Base of the provinces and territories billwatch cannot read: fetch() raises, no request made."""

    tested_on = "not readable"
    fields = "none"
    #: why the legislature cannot be read, for the error message
    reason: str = ""
    hint: str = ("disable this source; track this legislature by hand, or through a service that "
                 "licenses its data")

    def read(self, since: dt.date | None) -> Iterator[BillRecord]:
        raise UnsupportedSourceError(self.reason, hint=self.hint, source=self.name)
