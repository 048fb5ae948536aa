"""Webhook alerts (``[[notifier]]`` with ``type = "webhook"``): Slack, Teams or plain JSON.

Same exactly-once rules as email: the payload is recorded in the outbox before it is posted,
the row is marked sent only after a 2xx answer, and a retry posts the same bytes with the
same ``X-Billwatch-Delivery`` id (receivers can deduplicate on it). Connection errors, 429 and
5xx are retried with exponential backoff within the run and, failing that, on the next run; any
other 4xx (a revoked or deleted webhook) is a permanent rejection, reported and not retried.
The webhook URL is a secret: it never appears in a message or a log line.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections.abc import Callable
from typing import Any

import requests
from sqlalchemy.orm import Session

from notifiers import outbox
from notifiers.compose import WEBHOOK, Recipient, RunContext, compose
from notifiers.config import NotifierConfig
from notifiers.digest import Digest, DigestEntry
from notifiers.events import day

log = logging.getLogger("billwatch.notifiers.webhook")
#: at most this many bills in one post (Slack allows 50 blocks; a chat message should stay short)
MAX_ENTRIES = 10
RETRY_AFTER_CAP = 60.0
LEGISCAN_CREDIT = "Includes bill data from LegiScan (https://legiscan.com/), licensed under CC BY 4.0."


def payload(digest: Digest, fmt: str, delivery_id: str) -> dict[str, Any]:
    """The JSON body for ``fmt`` (slack, teams or json)."""
    if fmt == "slack":
        return _slack(digest)
    if fmt == "teams":
        return _teams(digest)
    return _json(digest, delivery_id)


def summary(digest: Digest) -> str:
    counts = digest.counts()
    hearings = f"{counts['hearings']} upcoming hearing{'s' * (counts['hearings'] != 1)}"
    return (f"Bill Watch: {len(digest.entries)} bill{'s' * (len(digest.entries) != 1)} with new activity "
            f"({counts['new']} new, {counts['moving']} moving, {hearings})")


def _escape_slack(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_snippet(snippet: str) -> str:
    """The rules engine marks hits ``**hit**``; Slack's bold is ``*hit*``."""
    return re.sub(r"\*\*(.+?)\*\*", r"*\1*", _escape_slack(snippet))


def _slack_entry(e: DigestEntry) -> dict[str, Any]:
    name = f"{e.jurisdiction} {e.identifier}"
    head = f"*<{e.url}|{_escape_slack(name)}>*" if e.url else f"*{_escape_slack(name)}*"
    lines = [f"{head} \u00b7 {e.stage_label}", _escape_slack(e.title)]
    lines += [f"\u2022 {_escape_slack(c)}" for c in e.changes[:3]]
    lines.append("_Rules: " + _escape_slack(", ".join(e.labels)) + "_")
    snippets = [r.snippet for r in e.reasons if r.snippet]
    if snippets:
        lines.append("\u201c" + _slack_snippet(snippets[0]) + "\u201d")
    return {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)[:2900]}}


def _slack(digest: Digest) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": "Bill Watch alert"}}]
    blocks += [_slack_entry(e) for e in digest.entries[:MAX_ENTRIES]]
    notes = _notes(digest)
    if notes:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": _escape_slack(n)} for n in notes]})
    return {"text": summary(digest), "blocks": blocks}


def _teams(digest: Digest) -> dict[str, Any]:
    sections = []
    for e in digest.entries[:MAX_ENTRIES]:
        facts = [{"name": "Stage", "value": e.stage_label}, {"name": "Rules", "value": ", ".join(e.labels)}]
        if e.next_hearing:
            facts.append({"name": "Next hearing", "value": day(e.next_hearing.date)})
        section: dict[str, Any] = {"activityTitle": _escape_html(f"{e.jurisdiction} {e.identifier}: {e.title}"),
                                   "facts": facts, "text": _escape_html("; ".join(e.changes[:3]))}
        if e.url:
            section["potentialAction"] = [{"@type": "OpenUri", "name": "Official page",
                                           "targets": [{"os": "default", "uri": e.url}]}]
        sections.append(section)
    notes = _notes(digest)
    if notes:
        sections.append({"text": _escape_html(" ".join(notes))})
    return {"@type": "MessageCard", "@context": "https://schema.org/extensions", "themeColor": "0F3D5E",
            "summary": summary(digest), "title": "Bill Watch alert", "sections": sections}


def _escape_html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _json(digest: Digest, delivery_id: str) -> dict[str, Any]:
    def entry(e: DigestEntry) -> dict[str, Any]:
        return {
            "section": e.section, "jurisdiction": e.jurisdiction, "session": e.session,
            "identifier": e.identifier, "title": e.title, "stage": e.stage, "url": e.url,
            "last_action": e.last_action, "last_action_date": day_iso(e.last_action_date),
            "rules": [{"id": r.rule_id, "name": r.rule_name, "weight": r.weight, "snippet": r.snippet}
                      for r in e.reasons],
            "changes": e.changes,
            "next_hearing": day_iso(e.next_hearing.date) if e.next_hearing else None,
        }

    return {
        "type": "billwatch.alert", "id": delivery_id, "summary": summary(digest),
        "entries": [entry(e) for e in digest.entries],
        "unhealthy_sources": [h.name for h in digest.unhealthy_sources],
        "attribution": LEGISCAN_CREDIT if digest.legiscan else None,
    }


def day_iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def _notes(digest: Digest) -> list[str]:
    notes = []
    if len(digest.entries) > MAX_ENTRIES:
        notes.append(f"and {len(digest.entries) - MAX_ENTRIES} more bills")
    if digest.unhealthy_sources:
        names = ", ".join(h.name for h in digest.unhealthy_sources)
        notes.append(f"Sources needing attention: {names}")
    if digest.legiscan:
        notes.append(LEGISCAN_CREDIT)
    return notes


def prepare_webhook(session: Session, ctx: RunContext, notifier: NotifierConfig) -> tuple[str, str]:
    """Compose the notifier's next alert and record it (status, detail) for the report."""
    recipient = Recipient.webhook(notifier)
    composed = compose(session, ctx, recipient)
    if not composed.send:
        return "nothing", composed.reason
    delivery_id = hashlib.sha256(f"{notifier.name}\n{composed.period_key}".encode()).hexdigest()[:32]
    body = json.dumps(payload(composed.digest, notifier.format, delivery_id), ensure_ascii=False)
    row = outbox.record(
        session, channel=WEBHOOK, recipient=notifier.name, period_key=composed.period_key,
        first_event_id=composed.digest.window.after_id + 1, last_event_id=composed.digest.window.until_id,
        now=ctx.now, payload=body, message_id=delivery_id,
    )
    return ("recorded", composed.reason) if row is not None else ("nothing", "already recorded by another run")


class WebhookPoster:
    """Posts recorded payloads with retries and backoff; tells sent / temporary / rejected."""

    def __init__(self, sleep: Callable[[float], None] = time.sleep, http: requests.Session | None = None) -> None:
        self.sleep = sleep
        self.http = http or requests.Session()

    def post(self, notifier: NotifierConfig, body: str, delivery_id: str) -> tuple[str, str]:
        """("sent" | "temporary" | "rejected", detail) after up to ``1 + retries`` attempts."""
        detail = ""
        for attempt in range(notifier.retries + 1):
            if attempt:
                self.sleep(notifier.backoff * 2 ** (attempt - 1))
            outcome, detail, wait = self._attempt(notifier, body, delivery_id)
            if outcome != "temporary":
                return outcome, detail
            if wait:
                self.sleep(min(wait, RETRY_AFTER_CAP))
        return "temporary", f"{detail} after {notifier.retries + 1} attempts"

    def _attempt(self, notifier: NotifierConfig, body: str, delivery_id: str) -> tuple[str, str, float]:
        headers = {"Content-Type": "application/json; charset=utf-8", "X-Billwatch-Delivery": delivery_id,
                   "User-Agent": "billwatch (legislation alerts)"}
        try:
            response = self.http.post(notifier.url.get_secret_value(), data=body.encode("utf-8"),
                                      headers=headers, timeout=notifier.timeout)
        except requests.RequestException as exc:
            # the exception text holds the URL, which is a secret: name only its kind
            return "temporary", f"connection failed ({type(exc).__name__})", 0.0
        code = response.status_code
        if 200 <= code < 300:
            return "sent", f"HTTP {code}", 0.0
        reason = f"HTTP {code} {response.text[:200].strip()}".strip()
        if code == 429 or code >= 500 or code == 408:
            return "temporary", reason, _retry_after(response)
        return "rejected", reason, 0.0


def _retry_after(response: requests.Response) -> float:
    try:
        return float(response.headers.get("Retry-After", "0"))
    except ValueError:
        return 0.0
