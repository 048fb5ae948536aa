"""Any RSS or Atom feed of bills (``type = "feed"``), read with feedparser.

The feed is fetched by the shared HTTP client (conditional GET) and its bytes handed to feedparser,
which never fetches anything itself. Regular expressions from the config pull the bill identifier
out of each entry's title (then its link) and the stage out of its title, summary or categories.

Entries that name the same bill are merged into one record: each entry becomes an action, the
newest entry gives the title, status and dates. Entries without an identifier are kept as items of
their own, keyed by their guid (else their link): their identifier is ``ITEM-`` and the first 12
hex digits of the sha1 of that key, so the natural key stays short and stable across scans.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import io
import re
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import feedparser
from pydantic import Field, field_validator

from monitor.errors import ParseError
from sources._parsing import (
    advance_stage,
    clean_text,
    html_fragment_text,
    parse_date,
    rebase_url,
    refetch_on_failure,
)
from sources.base import STAGES, Action, BillRecord, Source, SourceOptions, normalize_identifier

#: bill numbers as most legislatures print them: HB 1234, S.B. 5, C-27, AB123 (case-sensitive)
DEFAULT_IDENTIFIER_PATTERN = (
    r"(?<![A-Za-z0-9])(?P<id>(?:[A-Z]\.\s?){1,4}\d{1,5}[A-Z]?|[A-Z]{1,6}\s?-?\s?\d{1,5}[A-Z]?)(?![A-Za-z0-9])"
)
_JURISDICTION_RE = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")
_SEPARATORS = " \t:;,.-\u2013\u2014|"
#: feedparser's complaints about labels (content type, declared charset), not about the feed itself
_HARMLESS_PROBLEMS = (
    feedparser.NonXMLContentType, feedparser.CharacterEncodingOverride, feedparser.CharacterEncodingUnknown,
)


class FeedOptions(SourceOptions):
    """Keys of a ``[[source]]`` table with ``type = "feed"``."""

    url: str = Field(description="the RSS or Atom feed's URL")
    jurisdiction: str = Field(description="ISO 3166-2 code of the legislature: US-TX, CA-NS, US")
    session: str = Field(description="session label the bills are stored under, as the other sources label it: \"2025 Regular Session\" (US states), \"44-1\" (Canada)")
    identifier_pattern: str = Field(
        default=DEFAULT_IDENTIFIER_PATTERN,
        description="regex with a named group `id`, tried on the title, then on the link",
    )
    stage_patterns: dict[str, str] = Field(
        default_factory=dict,
        description="stage -> regex (case-insensitive) tried on title, summary and categories, in order",
    )
    title_pattern: str | None = Field(
        default=None, description="regex with a named group `title` that cuts the bill title out of the entry title"
    )

    @field_validator("jurisdiction")
    @classmethod
    def _jurisdiction(cls, value: str) -> str:
        value = value.strip().upper()
        if not _JURISDICTION_RE.match(value):
            raise ValueError("expected an ISO 3166-2 code such as US-TX, CA-ON or US")
        return value

    @field_validator("identifier_pattern")
    @classmethod
    def _identifier_pattern(cls, value: str) -> str:
        return _checked_pattern(value, "id")

    @field_validator("title_pattern")
    @classmethod
    def _title_pattern(cls, value: str | None) -> str | None:
        return None if value is None else _checked_pattern(value, "title")

    @field_validator("stage_patterns")
    @classmethod
    def _stage_patterns(cls, value: dict[str, str]) -> dict[str, str]:
        for stage, pattern in value.items():
            if stage not in STAGES:
                raise ValueError(f"unknown stage {stage!r} (allowed: {', '.join(STAGES)})")
            _checked_pattern(pattern, None)
        return value


def _checked_pattern(pattern: str, group: str | None) -> str:
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from None
    if group and group not in compiled.groupindex:
        raise ValueError(f"the regular expression needs a named group (?P<{group}>...)")
    return pattern


@dataclass
class _Entry:
    """One feed entry, reduced to what the record needs."""

    identifier: str | None
    key: str | None  # guid, else link: for entries without an identifier
    key_kind: str | None
    title: str
    summary: str | None
    subjects: list[str]
    link: str | None
    date: dt.date | None
    stage: str | None
    status: str | None
    extras: dict[str, Any] = field(default_factory=dict)


class FeedSource(Source):
    """Any RSS or Atom feed of bills: identifiers and stages pulled out by regular expressions.

    For legislatures that publish a feed but no API (Nova Scotia, Quebec, committee notices...).
    Entries naming the same bill are merged (each entry an action); entries without a bill number
    are kept as items keyed by guid, then link. A malformed feed is an error naming its URL.
    """

    type = "feed"
    jurisdictions = "any (configured)"
    tested_on = "documented shape"
    fields = "identifier, title, summary, subjects (categories), stage (by regex), status, dates, actions, url"
    limits = ("only what the feed shows: recent entries, no sponsors or versions; "
              "stage only where a stage_patterns regex matches")
    Options = FeedOptions
    #: feeds live on legislatures' web sites: their robots.txt is obeyed
    respects_robots = True

    def fetch(self, since: dt.date | None = None) -> Iterator[BillRecord]:
        options: FeedOptions = self.options  # type: ignore[assignment]
        url = rebase_url(options.url, options.base_url)
        response = self.http.get(url, conditional=True)
        if response is None:
            self.nothing_new_reason = "the feed has not changed since the last scan (HTTP 304)"
            return
        with refetch_on_failure(self.http, url):
            entries = self._entries(response.content, response.headers.get("Content-Type"), url)
            if since is not None:
                entries = [e for e in entries if e.date is None or e.date >= since]
                if not entries:
                    self.nothing_new_reason = f"no feed entries dated {since.isoformat()} or later"
            yield from self._records(entries, url)

    def _entries(self, content: bytes, content_type: str | None, url: str) -> list[_Entry]:
        headers = {"content-location": url}
        if content_type:
            headers["content-type"] = content_type
        # A file-like object: feedparser reads it and never opens a URL or a local path itself.
        parsed = feedparser.parse(io.BytesIO(content), response_headers=headers)
        problem = parsed.get("bozo_exception") if parsed.bozo else None
        if isinstance(problem, _HARMLESS_PROBLEMS):
            problem = None
        if not parsed.entries:
            if problem or not parsed.version:
                raise ParseError(f"{url} is not a readable RSS or Atom feed: "
                                 f"{problem or 'no RSS or Atom structure found'}", source=self.name)
            self.nothing_new_reason = "the feed has no entries"
            return []
        if problem:
            self.warnings.append(f"{url}: feed read despite a format problem: {problem}")
        return [self._entry(raw, url) for raw in parsed.entries]

    def _entry(self, raw: Any, url: str) -> _Entry:
        options: FeedOptions = self.options  # type: ignore[assignment]
        title = clean_text(raw.get("title"))
        link = raw.get("link") or None
        raw_id = _find_identifier(options.identifier_pattern, title, link)
        keep_hyphen = options.jurisdiction.startswith("CA")
        identifier = normalize_identifier(raw_id, keep_hyphen=keep_hyphen) if raw_id else None
        summary = html_fragment_text(raw.get("summary"))
        subjects = [clean_text(t.get("term")) for t in raw.get("tags", []) if t.get("term")]
        stage, status = _find_stage(options.stage_patterns, [title, summary or "", *subjects])
        key, key_kind = (raw.get("id"), "guid") if raw.get("id") else (link, "link")
        return _Entry(
            identifier=identifier, key=key, key_kind=key_kind,
            title=_bill_title(title, raw_id, options.title_pattern), summary=summary or None,
            subjects=subjects, link=link, date=entry_date(raw), stage=stage, status=status,
            extras={k: v for k, v in (("guid", raw.get("id")), ("entry_title", title)) if v},
        )

    def _records(self, entries: list[_Entry], url: str) -> Iterator[BillRecord]:
        if entries and "identifier_pattern" in self.options.model_fields_set and not any(
                e.identifier for e in entries):
            # The pattern was written for this feed: matching nothing means its titles changed.
            raise self.layout_error(f"identifier_pattern {self.options.identifier_pattern}", url)  # type: ignore[attr-defined]
        bills: dict[str, list[_Entry]] = {}
        for entry in entries:
            if entry.identifier is None and not entry.key:
                self.warnings.append(f"{url}: skipped an entry with no bill number, guid or link: {entry.title!r}")
                continue
            bills.setdefault(entry.identifier or _item_identifier(entry.key or ""), []).append(entry)
        for identifier, bill_entries in bills.items():
            yield self._record(identifier, bill_entries, url)

    def _record(self, identifier: str, entries: list[_Entry], url: str) -> BillRecord:
        options: FeedOptions = self.options  # type: ignore[assignment]
        # Oldest first; undated entries keep their feed order (feeds list newest first).
        ordered = sorted(reversed(entries), key=lambda e: e.date or dt.date.min)
        newest = ordered[-1]
        stage = None
        for entry in ordered:
            stage = advance_stage(stage, entry.stage)
        status_entry = next((e for e in reversed(ordered) if e.status), None)
        extras = dict(newest.extras)
        if newest.identifier is None:
            extras.update(item_key=newest.key_kind, link=newest.link)
        return BillRecord(
            source=self.name, jurisdiction=options.jurisdiction, session=options.session,
            identifier=identifier, title=newest.title or identifier, summary=newest.summary,
            subjects=sorted({s for e in ordered for s in e.subjects}),
            stage=stage, status=status_entry.status if status_entry else None,
            status_date=status_entry.date if status_entry else None,
            last_action=newest.extras.get("entry_title"), last_action_date=newest.date,
            actions=[Action(date=e.date, description=e.extras.get("entry_title", e.title),
                            classification=[e.stage] if e.stage else []) for e in ordered],
            url=newest.link, source_url=url, extras=extras,
        )


def _find_identifier(pattern: str, title: str, link: str | None) -> str | None:
    """The bill number the pattern finds in the title, else in the (URL-decoded) link."""
    compiled = re.compile(pattern)
    for text in (title, urllib.parse.unquote_plus(link or "")):
        match = compiled.search(text)
        if match and match.group("id"):
            return clean_text(match.group("id"))
    return None


def _find_stage(patterns: dict[str, str], texts: list[str]) -> tuple[str | None, str | None]:
    """The first configured stage whose regex matches one of the texts, and the matched words."""
    for stage, pattern in patterns.items():
        compiled = re.compile(pattern, re.IGNORECASE)
        for text in texts:
            if match := compiled.search(text):
                return stage, clean_text(match.group(0)) or stage
    return None, None


def _bill_title(title: str, raw_id: str | None, title_pattern: str | None) -> str:
    """The bill's title: the title_pattern's group, else the entry title without a leading bill number."""
    if title_pattern and (match := re.search(title_pattern, title)) and match.group("title"):
        return clean_text(match.group("title"))
    if raw_id and title.startswith(raw_id):
        rest = title[len(raw_id):].lstrip(_SEPARATORS)
        if rest:
            return rest
    return title


def _item_identifier(key: str) -> str:
    return "ITEM-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:12].upper()


def entry_date(raw: Any) -> dt.date | None:
    """The entry's date as the feed writes it (its own time zone), from RFC 822, ISO or plain words."""
    for name in ("published", "updated", "created"):
        text = raw.get(name)
        if not text:
            continue
        try:
            return email.utils.parsedate_to_datetime(text).date()
        except (TypeError, ValueError, IndexError):
            pass
        try:
            return dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00")).date()
        except ValueError:
            pass
        if found := parse_date(text):
            return found
    parsed = raw.get("published_parsed") or raw.get("updated_parsed")
    return dt.date(*parsed[:3]) if parsed else None
