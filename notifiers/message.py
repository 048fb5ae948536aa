"""Building digest emails (MIME), apart from sending them (:mod:`notifiers.email`).

A message is built once, stored in the outbox as bytes, and those same bytes are what every
retry sends: the Message-ID is stable per (subscriber, period), so even the one unavoidable
duplicate (a crash between the server's "250 OK" and our commit) is recognisable as the same
message by mail clients.
"""

from __future__ import annotations

import datetime as dt
import email.policy
import hashlib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from urllib.parse import quote

from notifiers.config import SmtpConfig
from notifiers.render import Rendered


@dataclass(frozen=True)
class Envelope:
    """What the transport needs to send one message: SMTP envelope and the exact bytes."""

    sender: str  # bare address for MAIL FROM
    recipient: str  # bare address for RCPT TO
    data: bytes
    message_id: str


def message_id_for(recipient: str, period_key: str, sender: str) -> str:
    """A Message-ID that depends only on (recipient, period) and the sender's domain."""
    digest = hashlib.sha256(f"{recipient.lower()}\n{period_key}".encode()).hexdigest()[:32]
    domain = parseaddr(sender)[1].rpartition("@")[2] or "billwatch.invalid"
    return f"<billwatch.{digest}@{domain}>"


def unsubscribe_target(smtp: SmtpConfig, recipient: str) -> str:
    """The List-Unsubscribe target: the configured one (``{email}`` filled in) or a mailto."""
    if smtp.list_unsubscribe:
        return smtp.list_unsubscribe.replace("{email}", quote(recipient, safe="@"))
    address = parseaddr(smtp.reply_to or smtp.from_)[1]
    return f"mailto:{address}?subject={quote('unsubscribe ' + recipient)}"


def build_message(
    rendered: Rendered,
    smtp: SmtpConfig,
    *,
    recipient: str,
    recipient_name: str | None,
    period_key: str,
    html: bool = True,
    now: dt.datetime | None = None,
) -> EmailMessage:
    """A complete message: multipart/alternative (text, then HTML) or text only."""
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = smtp.from_
    msg["To"] = formataddr((recipient_name or "", recipient))
    msg["Subject"] = rendered.subject
    msg["Date"] = format_datetime(_aware(now or dt.datetime.now(dt.timezone.utc)))
    msg["Message-ID"] = message_id_for(recipient, period_key, smtp.from_)
    if smtp.reply_to:
        msg["Reply-To"] = smtp.reply_to
    target = unsubscribe_target(smtp, recipient)
    msg["List-Unsubscribe"] = f"<{target}>"
    if target.startswith("https:"):
        # RFC 8058 one-click: mail clients POST to the URL instead of opening it
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation auto-replies
    # quoted-printable keeps every line under SMTP's 998-octet limit and the bytes ASCII
    msg.set_content(rendered.text, charset="utf-8", cte="quoted-printable")
    if html:
        msg.add_alternative(rendered.html, subtype="html", charset="utf-8", cte="quoted-printable")
    return msg


def envelope(msg: EmailMessage, smtp: SmtpConfig, recipient: str) -> Envelope:
    """Serialize ``msg`` (CRLF line ends) with its SMTP envelope."""
    return Envelope(
        sender=parseaddr(smtp.from_)[1],
        recipient=recipient,
        data=msg.as_bytes(policy=email.policy.SMTP),
        message_id=str(msg["Message-ID"]),
    )


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)
