"""Parsing helpers every HTML, XML and feed source shares.

Legislatures publish dates in a dozen spellings ("Mar. 8/2016", "Oct 31, 2024 pm", "2 avril 2026",
"1er juin 2023"), pages in Windows-1252 with entities and non-breaking spaces, broken markup, and
error pages with status 200. These helpers turn all of that into plain values, and turn a selector
that finds nothing into a :class:`~monitor.errors.LayoutChangedError` naming the selector and URL,
so a redesigned site is a failing source rather than a quiet week.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from bs4 import BeautifulSoup, Tag
from lxml import etree

from monitor.errors import FetchError, LayoutChangedError, ParseError

if TYPE_CHECKING:
    from monitor.http import SourceHttp

_EN_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
    "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}
# French month names as written, and their usual abbreviations; matched after accents are stripped.
_FR_MONTHS = {
    "janvier": 1, "janv": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3, "avril": 4, "avr": 4,
    "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8, "septembre": 9, "sept": 9,
    "octobre": 10, "oct": 10, "novembre": 11, "nov": 11, "decembre": 12, "dec": 12,
}
_MONTHS = {"en": _EN_MONTHS, "fr": _FR_MONTHS}

_ISO_RE = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_NUMERIC_RE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_WORD = r"([a-z]+)\.?"
# "March 04, 2026", "Oct 31, 2024 pm", "Mar. 8/2016", "September 17, 2026"
_MONTH_DAY_YEAR_RE = re.compile(_WORD + r"\s*(\d{1,2})(?:st|nd|rd|th)?\s*[,/]?\s*(\d{4})\b")
# "2 avril 2026", "1er juin 2023", "8 March 2016"
_DAY_MONTH_YEAR_RE = re.compile(r"\b(\d{1,2})(?:er|re|st|nd|rd|th)?\s+" + _WORD + r"\s*,?\s*(\d{4})\b")
_DAY_MONTH_RE = re.compile(r"\b(\d{1,2})(?:er|re|st|nd|rd|th)?\s+" + _WORD + r"(?![a-z])")
_MONTH_DAY_RE = re.compile(_WORD + r"\s+(\d{1,2})(?:st|nd|rd|th)?\b")
_MONTH_YEAR_RE = re.compile(_WORD + r"\s+(\d{4})\b")


def _fold(text: str) -> str:
    """Lower case without accents, whitespace cleaned: the form dates are matched on."""
    decomposed = unicodedata.normalize("NFKD", clean_text(text).lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def month_number(word: str, *, lang: str = "en") -> int | None:
    """The month (1-12) a month name or abbreviation names, in ``lang`` then the other language."""
    folded = _fold(word).rstrip(".")
    for language in (lang, "fr" if lang == "en" else "en"):
        if folded in _MONTHS[language]:
            return _MONTHS[language][folded]
    return None


def _make_date(year: int | str, month: int | None, day: int | str) -> dt.date | None:
    if month is None:
        return None
    try:
        return dt.date(int(year), month, int(day))
    except ValueError:
        return None


def parse_date(text: str | None, *, lang: str = "en", year: int | None = None) -> dt.date | None:
    """The first date written in ``text``, or None when it holds none.

    Accepts ISO (``2026-02-12``, also with a time), numeric dates (M/D/YYYY for ``lang="en"``,
    D/M/YYYY for ``lang="fr"``), English "March 04, 2026", "Oct 31, 2024 pm", "Mar. 8/2016",
    "8 March 2016" and French "2 avril 2026", "1er juin 2023", "16 février 2023" (accents
    optional). Text around the date is ignored ("Completed on March 04, 2026").

    Dates written without a year ("2 avril", "décembre") need the year from their context (a
    session's year, a table heading): pass it as ``year``. A month alone then means the first day
    of that month; without ``year`` such text gives None rather than a guessed date.
    """
    if not text:
        return None
    folded = _fold(text)
    if m := _ISO_RE.search(folded):
        return _make_date(m.group(1), int(m.group(2)), m.group(3))
    if m := _NUMERIC_RE.search(folded):
        first, second, y = int(m.group(1)), int(m.group(2)), m.group(3)
        month, day = (second, first) if lang == "fr" else (first, second)
        return _make_date(y, month, day)
    for pattern, order in ((_MONTH_DAY_YEAR_RE, "mdy"), (_DAY_MONTH_YEAR_RE, "dmy")):
        for m in pattern.finditer(folded):
            parts = dict(zip(order, m.groups(), strict=True))
            month = month_number(parts["m"], lang=lang)
            if month is not None:
                return _make_date(parts["y"], month, parts["d"])
    if year is not None:
        return _date_without_year(folded, lang, year)
    return None


def _date_without_year(folded: str, lang: str, year: int) -> dt.date | None:
    """"2 avril", "April 2" or a month alone ("décembre") in the context year."""
    for pattern, order in ((_DAY_MONTH_RE, "dm"), (_MONTH_DAY_RE, "md")):
        for m in pattern.finditer(folded):
            parts = dict(zip(order, m.groups(), strict=True))
            month = month_number(parts["m"], lang=lang)
            if month is not None:
                return _make_date(year, month, parts["d"])
    for word in re.findall(r"[a-z]+", folded):
        month = month_number(word, lang=lang)
        if month is not None and len(word) >= 3:
            return dt.date(year, month, 1)
    return None


_SPACES = {"\u00a0": " ", "\u202f": " ", "\u2007": " ", "\u2009": " ", "\t": " "}
_DROPPED = ("\u200b", "\ufeff", "\u00ad")
_QUOTES = {"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"'}


def clean_text(text: str | None) -> str:
    """Entities decoded, non-breaking spaces and curly apostrophes made plain, whitespace collapsed.

    ``"Bill&nbsp;26"`` -> ``"Bill 26"``, ``"l\u2019Assemblée"`` -> ``"l'Assemblée"``. French
    guillemets and accents are kept as they are.
    """
    if not text:
        return ""
    text = html.unescape(text)
    for old, new in {**_SPACES, **_QUOTES}.items():
        text = text.replace(old, new)
    for dropped in _DROPPED:
        text = text.replace(dropped, "")
    return " ".join(text.split())


def text_of(node: Tag | None) -> str:
    """The cleaned text of a node ("" for None), its children's text joined by spaces."""
    return clean_text(node.get_text(" ")) if node is not None else ""


_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
# Browsers read pages labelled Latin-1 or ASCII as Windows-1252 (WHATWG Encoding), and so must we:
# the curly quotes of such pages live in bytes 0x80-0x9F, control characters in real Latin-1.
_WINDOWS_1252_ALIASES = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "ascii", "us-ascii"}


def decode_html(content: bytes, declared: str | None = None) -> str:
    """Decode page bytes: UTF-8 if they are valid UTF-8, else the declared charset, else Windows-1252.

    ``declared`` is the HTTP header's charset; a ``<meta charset>`` in the page is used after it.
    Latin-1 and ASCII labels are read as Windows-1252, as browsers do.
    """
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8", errors="replace")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    meta = _META_CHARSET_RE.search(content[:4096])
    for label in (declared, meta.group(1).decode("ascii") if meta else None):
        if not label:
            continue
        label = label.strip().lower()
        if label in _WINDOWS_1252_ALIASES or label.replace("_", "-") == "utf-8":
            break
        try:
            return content.decode(label)
        except (LookupError, UnicodeDecodeError):
            continue
    return content.decode("windows-1252", errors="replace")


def soup(markup: bytes | str, url: str, *, encoding: str | None = None) -> BeautifulSoup:
    """A lenient parse (lxml through BeautifulSoup) of a page read from ``url``.

    Bytes are decoded with :func:`decode_html` (``encoding``: the HTTP header's charset, if any).
    Missing end tags and pages cut short parse as a browser would. The URL is kept on the result
    as ``page.url`` (so errors can name it).
    """
    text = decode_html(markup, encoding) if isinstance(markup, bytes) else markup
    page = BeautifulSoup(text, "lxml")
    page.url = url  # type: ignore[attr-defined]
    return page


def select_required(
    node: Tag, selector: str, url: str, *, source: str | None = None, min_items: int = 1
) -> list[Tag]:
    """``node.select(selector)``, raising LayoutChangedError when fewer than ``min_items`` match."""
    found = node.select(selector)
    if len(found) < min_items:
        raise LayoutChangedError(
            f"selector {selector!r} found {'nothing' if not found else len(found)} on {url}"
            f"{'' if min_items == 1 else f' (expected at least {min_items})'}: "
            "the page layout may have changed",
            source=source,
        )
    return found


def select_one_required(node: Tag, selector: str, url: str, *, source: str | None = None) -> Tag:
    """``node.select_one(selector)``, raising LayoutChangedError (naming selector and URL) on None."""
    found = node.select_one(selector)
    if found is None:
        raise LayoutChangedError(
            f"selector {selector!r} found nothing on {url}: the page layout may have changed",
            source=source,
        )
    return found


def parse_xml(content: bytes, url: str, *, source: str | None = None) -> etree._Element:
    """Parse XML safely: no external entities, no DTD loading, no network; ParseError when malformed."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
    )
    try:
        root = etree.fromstring(content, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"{url} is not well-formed XML: {exc}", source=source) from None
    if root is None:
        raise ParseError(f"{url} holds no XML document", source=source)
    return root


#: words in a page's title or main heading that mean "this is an error page", whatever the status
#: (whole words; kept narrow, because a bill page's title is the bill's title: "Bill 404" is a bill)
ERROR_PAGE_MARKERS: tuple[str, ...] = (
    "page not found", "not found", "error 404", "404 error", "an error has occurred",
    "an error occurred", "page introuvable", "page non trouvee", "erreur 404",
    "page cannot be displayed", "la page ne peut etre affichee",  # Assemblée nationale du Québec
)


def error_page_marker(page: BeautifulSoup, markers: Iterable[str] = ERROR_PAGE_MARKERS) -> str | None:
    """The marker found in the page's <title> or first <h1> (an error page served as 200), or None."""
    places = [page.title, page.find("h1")]
    for place in places:
        heading = _fold(text_of(place)) if place is not None else ""
        for marker in markers:
            if re.search(r"(?<![a-z0-9])" + re.escape(_fold(marker)) + r"(?![a-z0-9])", heading):
                return text_of(place)
    return None


def detect_error_page(
    page: BeautifulSoup, url: str, *, markers: Iterable[str] = ERROR_PAGE_MARKERS,
    source: str | None = None,
) -> None:
    """Raise FetchError when ``page`` is an error page that the server answered with status 200."""
    found = error_page_marker(page, markers)
    if found is not None:
        raise FetchError(
            f"{url} answered 200 with an error page ({found!r}): the page is missing or moved",
            source=source,
        )


# -- helpers appended for the direct sources (feed, us-tx, govinfo, legisinfo) ---------------------

#: stages a bill does not leave by ordinary progress (a veto can still be overridden into law)
_STOPPED_STAGES = ("vetoed", "failed", "withdrawn")


def advance_stage(current: str | None, new: str | None) -> str | None:
    """The bill's stage after an action that means ``new``: bills move forward, never back.

    Actions are read in date order. A later "Referred to committee" in the second chamber does not
    undo "passed_chamber"; a veto, failure or withdrawal stops the bill whatever came before, and
    only enactment (a veto override) moves a stopped bill on.
    """
    from sources.base import STAGES

    if new is None:
        return current
    if current is None or current == new:
        return new
    if current in _STOPPED_STAGES:
        return new if new == "enacted" else current
    if new in _STOPPED_STAGES:
        return current if current == "enacted" else new
    return new if STAGES.index(new) > STAGES.index(current) else current


def rebase_url(url: str, base_url: str | None) -> str:
    """``url`` moved onto ``base_url`` (a mirror, proxy or test server), path and query kept.

    ``rebase_url("https://www.govinfo.gov/bulkdata/x.xml", "http://127.0.0.1:8000/mirror")`` is
    ``"http://127.0.0.1:8000/mirror/bulkdata/x.xml"``. With ``base_url`` None, ``url`` is returned.
    """
    if not base_url:
        return url
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    rebased = base_url.rstrip("/") + (parts.path or "/")
    return rebased + (f"?{parts.query}" if parts.query else "")


@contextlib.contextmanager
def refetch_on_failure(http: SourceHttp, url: str) -> Iterator[None]:
    """Forget ``url``'s conditional-GET validators when the block fails (or its generator is closed).

    Wrap the processing of a body fetched with ``conditional=True``: if parsing or storing it
    fails, the next scan fetches it again and fails loudly again, instead of getting a 304 and
    reporting "nothing new".
    """
    try:
        yield
    except BaseException:
        http.forget_validators(url)
        raise


_BLOCK_TAGS = ("p", "div", "br", "li", "ul", "ol", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6",
               "blockquote", "section", "article", "header", "footer", "table")


def html_fragment_text(fragment: str | None) -> str:
    """The plain text of an HTML fragment (a feed summary, a LEGISinfo summary), one line.

    Inline tags are joined without spaces ("<em>Act</em>." stays "Act."), block tags are
    separated by one ("</p><p>" becomes a space); entities and non-breaking spaces are cleaned.
    """
    if not fragment or not fragment.strip():
        return ""
    if "<" not in fragment:
        return clean_text(fragment)
    page = BeautifulSoup(fragment, "lxml")
    for tag in page.find_all(_BLOCK_TAGS):
        tag.insert_before(" ")
        tag.insert_after(" ")
    return clean_text(page.get_text(""))
