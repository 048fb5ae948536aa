"""Rendering a digest to HTML (autoescaped, CSS inlined for Outlook and Gmail) and plain text."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import css_inline
import jinja2
import markupsafe

from notifiers.digest import Digest
from notifiers.events import day

SECTION_TITLES = (("new", "New bills"), ("moving", "Moving bills"), ("hearings", "Upcoming hearings"))
TEXT_WIDTH = 76


@dataclass(frozen=True)
class RenderContext:
    """Who the digest is for and how they change or stop it (the footer)."""

    recipient: str
    cadence: str = "weekly:mon"
    unsubscribe: str | None = None  # mailto: or https: target
    manage: str | None = None  # address that edits subscriptions (Reply-To)

    @property
    def cadence_text(self) -> str:
        if self.cadence == "daily":
            return "daily digest"
        if self.cadence == "immediate":
            return "alerts after each scan"
        if self.cadence == "alert":
            return "alerts for rules marked urgent"
        day = self.cadence.split(":", 1)[-1]
        names = {"mon": "Monday", "tue": "Tuesday", "wed": "Wednesday", "thu": "Thursday",
                 "fri": "Friday", "sat": "Saturday", "sun": "Sunday"}
        return f"weekly digest, {names.get(day, day)}s"


@dataclass(frozen=True)
class Rendered:
    """A rendered digest: subject line, HTML (CSS inlined) and plain text."""

    subject: str
    html: str
    text: str


#: stand-ins for the per-recipient footer values, so one rendering serves every subscriber who
#: gets the same digest (alphanumeric: autoescaping and CSS inlining leave them alone)
RECIPIENT_TOKEN = "bwRecipient7f3a9c"
UNSUBSCRIBE_TOKEN = "bwUnsubscribe7f3a9c"


def render_digest(digest: Digest, context: RenderContext) -> Rendered:
    """Render both bodies and the subject of ``digest`` for one recipient."""
    shared = render_shared(digest, context.cadence, context.manage, context.unsubscribe is not None)
    return personalize(shared, context)


def render_shared(digest: Digest, cadence: str, manage: str | None, unsubscribe: bool) -> Rendered:
    """Render ``digest`` with placeholders for the recipient: see :func:`personalize`."""
    context = RenderContext(RECIPIENT_TOKEN, cadence, UNSUBSCRIBE_TOKEN if unsubscribe else None, manage)
    return _render(digest, context)


def personalize(shared: Rendered, context: RenderContext) -> Rendered:
    """Put the recipient's address and unsubscribe link into a shared rendering."""
    unsubscribe = context.unsubscribe or ""
    html = shared.html.replace(RECIPIENT_TOKEN, markupsafe.escape(context.recipient))
    html = html.replace(UNSUBSCRIBE_TOKEN, markupsafe.escape(unsubscribe))
    text = shared.text.replace(RECIPIENT_TOKEN, context.recipient).replace(UNSUBSCRIBE_TOKEN, unsubscribe)
    return Rendered(subject=shared.subject, html=html, text=text)


def _render(digest: Digest, context: RenderContext) -> Rendered:
    env = _environment()
    tz = _zone(digest.timezone)
    subject = subject_line(digest)
    values: dict[str, Any] = {
        "d": digest,
        "ctx": context,
        "subject": subject,
        "heading": "Bill Watch alert" if digest.kind == "alert" else "Bill Watch digest",
        "period_text": period_text(digest, tz),
        "jurisdictions_text": ", ".join(digest.jurisdictions) or "all jurisdictions",
        "counts_text": counts_text(digest),
        "sections": SECTION_TITLES,
        "css": _css(),
    }
    html = _inliner().inline(env.get_template("digest.html").render(values))
    text = env.get_template("digest.txt").render(values)
    return Rendered(subject=subject, html=html, text=_tidy_text(text))


def subject_line(digest: Digest) -> str:
    """``Bill Watch digest 23 Nov 2026: 3 new, 2 moving, 1 hearing``; alerts name the bills."""
    trouble = len(digest.unhealthy_sources)
    attention = f"{trouble} source{'s' * (trouble != 1)} need{'s' * (trouble == 1)} attention" if trouble else ""
    if digest.kind == "alert":
        entries = digest.entries
        if len(entries) == 1:
            e = entries[0]
            return _clip(f"Bill Watch alert: {e.jurisdiction} {e.identifier} \u2013 {e.title}", 120)
        names = ", ".join(f"{e.jurisdiction} {e.identifier}" for e in entries[:3])
        more = ", \u2026" if len(entries) > 3 else ""
        return f"Bill Watch alert: {len(entries)} bills ({names}{more})"
    when = day(_local(digest.period.end, _zone(digest.timezone)).date())
    counts = digest.counts()
    if digest.has_news or digest.entries:
        parts = [f"{counts['new']} new", f"{counts['moving']} moving"]
        parts.append(f"{counts['hearings']} hearing{'s' * (counts['hearings'] != 1)}")
        summary = ", ".join(parts) + (f"; {attention}" if attention else "")
    else:
        summary = "no new activity" + (f"; {attention}" if attention else "")
    return f"Bill Watch digest {when}: {summary}"


def counts_text(digest: Digest) -> str:
    counts = digest.counts()

    def n(count: int, one: str, many: str) -> str:
        return f"{count or 'no'} {one if count == 1 else many}"

    return ", ".join([
        n(counts["new"], "new bill", "new bills"),
        n(counts["moving"], "moving bill", "moving bills"),
        n(counts["hearings"], "upcoming hearing", "upcoming hearings"),
    ])


def period_text(digest: Digest, tz: dt.tzinfo) -> str:
    end = _local(digest.period.end, tz)
    if digest.kind == "alert":
        return f"Found {day(end.date())} {end:%H:%M} {end.tzname() or ''}".rstrip()
    if digest.period.start is None:
        return f"Activity up to {day(end.date())}"
    start = _local(digest.period.start, tz)
    return f"Activity from {day(start.date())} to {day(end.date())}"


def _local(moment: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """Naive datetimes in the database are UTC; show them in the config's time zone."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(tz)


def _zone(name: str) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def _hearing(h: Any) -> str:
    parts = [day(h.date)] + [p for p in (h.time, h.committee, h.location) if p]
    return ", ".join(parts)


def _health(h: Any) -> str:
    if h.last_success is None:
        since = "has never succeeded"
    else:
        since = f"last succeeded {day(h.last_success.date())}"
    status = "failing" if h.consecutive_failures else "stale"
    line = f"{h.name} ({h.type}) is {status}: {since}"
    if h.consecutive_failures:
        line += f", {h.consecutive_failures} failed scan{'s' * (h.consecutive_failures != 1)} in a row"
    if h.last_error:
        line += f". Last error: {_clip(h.last_error, 200)}"
    return line


_MARKED = re.compile(r"\*\*(.+?)\*\*")


def _marked(snippet: str) -> markupsafe.Markup:
    """A snippet for HTML: escaped, with the rules engine's ``**hit**`` marks shown in bold."""
    escaped = str(markupsafe.escape(snippet))
    return markupsafe.Markup(_MARKED.sub(r"<b>\1</b>", escaped))


def _wrap(text: str, width: int = TEXT_WIDTH, indent: str = "", first: str | None = None) -> str:
    """Greedy word wrap (like textwrap.fill, which costs ten times more on a 50-bill digest);
    words longer than a line are cut."""
    words = str(text).split()
    if not words:
        return ""
    prefix = indent if first is None else first
    short = " ".join(words)
    if len(prefix) + len(short) <= width:  # most lines: nothing to wrap
        return prefix + short
    lines: list[str] = []
    current = indent if first is None else first
    fresh = True  # nothing but the indent on the current line yet
    for word in words:
        if not fresh and len(current) + 1 + len(word) <= width:
            current += " " + word
            continue
        if not fresh:
            lines.append(current)
            current = indent
        room = max(width - len(current), 1)
        while len(word) > room:
            lines.append(current + word[:room])
            word, current = word[room:], indent
            room = max(width - len(indent), 1)
        current += word
        fresh = False
    lines.append(current)
    return "\n".join(lines)


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _tidy_text(text: str) -> str:
    """Collapse the blank lines that template blocks leave behind (at most one in a row)."""
    lines = [line.rstrip() if line != "-- " else line for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if line == "" and (not out or out[-1] == ""):
            continue
        out.append(line)
    return "\n".join(out).strip("\n") + "\n"


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("notifiers", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(day=day, hearing=_hearing, health=_health, wrap=_wrap, marked=_marked)
    return env


@lru_cache(maxsize=1)
def _css() -> str:
    return resources.files("notifiers").joinpath("templates/digest.css").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _inliner() -> css_inline.CSSInliner:
    # keep_at_rules keeps the @media block (phones) in a <style> tag; nothing is fetched
    return css_inline.CSSInliner(keep_style_tags=False, keep_at_rules=True, load_remote_stylesheets=False)
