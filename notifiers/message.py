"""Building digest emails (MIME), apart from sending them (:mod:`notifiers.email`).

A message is built once, stored in the outbox as bytes, and those same bytes are what every
retry sends: the Message-ID is stable per (subscriber, period), so even the one unavoidable
duplicate (a crash between the server's "250 OK" and our commit) is recognisable as the same
message by mail clients.

The bytes are assembled here rather than by the email package's generator and header
registry, which cost more than rendering the digest (a 1,000-subscriber run sends 100 MB):
headers are RFC 5322 lines (non-ASCII in RFC 2047 encoded words), lines end with CRLF. A body
goes as it is (7bit) when it is ASCII with no line over SMTP's 998 octets, the HTML made ASCII
with character references (``&#233;`` for é) and its lines packed up to that limit; any other body
is UTF-8 in quoted-printable. SMTP servers spend their time per line, and quoted-printable cuts HTML
into 76-column lines: a 50-bill digest has about 850 lines instead of 2,000.
"""

from __future__ import annotations

import binascii
import bisect
import datetime as dt
import hashlib
import itertools
import re
from dataclasses import dataclass
from email.header import Header
from email.utils import format_datetime, formataddr, parseaddr
from urllib.parse import quote

from notifiers.config import SmtpConfig
from notifiers.render import Rendered

MAX_HEADER_LINE = 78
MAX_BODY_LINE = 998  # octets, without CRLF (RFC 5321 4.5.3.1.6)
_PREFORMATTED = re.compile(r"<(pre|textarea|plaintext|listing|xmp)\b", re.IGNORECASE)
_RAW_TEXT = re.compile(r"<(style|script)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class Envelope:
    """What the transport needs to send one message: SMTP envelope and the exact bytes."""

    sender: str  # bare address for MAIL FROM
    recipient: str  # bare address for RCPT TO
    data: bytes
    message_id: str


@dataclass(frozen=True)
class Message:
    """A built email: header fields and encoded bodies; :meth:`as_bytes` serializes it."""

    headers: tuple[tuple[str, str], ...]  # (name, unfolded value), values ASCII-safe already
    parts: tuple[tuple[str, str, str], ...]  # (subtype, transfer encoding, ASCII body with CRLF line ends)
    boundary: str | None = None

    @property
    def message_id(self) -> str:
        return self["Message-ID"] or ""

    def __getitem__(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key.lower() == name.lower()), None)

    def as_bytes(self) -> bytes:
        head = "".join(_fold(name, value) for name, value in self.headers) + "\r\n"
        if self.boundary is None:
            return (head + self.parts[0][2]).encode("ascii")
        chunks = [head]
        for subtype, encoding, body in self.parts:
            chunks.append(f"--{self.boundary}\r\n{_part_head(subtype, encoding)}\r\n{body}\r\n")
        chunks.append(f"--{self.boundary}--\r\n")
        return "".join(chunks).encode("ascii")

    def __bytes__(self) -> bytes:
        return self.as_bytes()


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
) -> Message:
    """A complete message: multipart/alternative (text, then HTML) or text only."""
    message_id = message_id_for(recipient, period_key, smtp.from_)
    headers = [
        ("From", _address(smtp.from_)),
        ("To", _address(formataddr((" ".join((recipient_name or "").split()), recipient)))),
        ("Subject", _text(rendered.subject, "Subject")),
        ("Date", format_datetime(_aware(now or dt.datetime.now(dt.UTC)))),
        ("Message-ID", message_id),
    ]
    if smtp.reply_to:
        headers.append(("Reply-To", _address(smtp.reply_to)))
    target = unsubscribe_target(smtp, recipient)
    headers.append(("List-Unsubscribe", f"<{target}>"))
    if target.startswith("https:"):
        # RFC 8058 one-click: mail clients POST to the URL instead of opening it
        headers.append(("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))
    headers.append(("Auto-Submitted", "auto-generated"))  # RFC 3834: no vacation auto-replies
    headers.append(("MIME-Version", "1.0"))
    if not html:
        encoding, body = _body(rendered.text)
        headers += [("Content-Type", 'text/plain; charset="utf-8"'), ("Content-Transfer-Encoding", encoding)]
        return Message(tuple(headers), (("plain", encoding, body),))
    # "=_" never occurs in quoted-printable text, and a 7bit body is checked not to hold it
    boundary = "=_billwatch_" + hashlib.sha256(message_id.encode()).hexdigest()[:24]
    headers.append(("Content-Type", f'multipart/alternative; boundary="{boundary}"'))
    text, markup = _body(rendered.text, boundary=boundary), _body(rendered.html, html=True, boundary=boundary)
    return Message(tuple(headers), (("plain", *text), ("html", *markup)), boundary)


def envelope(msg: Message, smtp: SmtpConfig, recipient: str) -> Envelope:
    """Serialize ``msg`` (CRLF line ends) with its SMTP envelope."""
    return Envelope(sender=parseaddr(smtp.from_)[1], recipient=recipient, data=msg.as_bytes(),
                    message_id=msg.message_id)


def _address(value: str) -> str:
    """``Name <addr>`` with a non-ASCII display name as an RFC 2047 encoded word."""
    if value.isascii():
        return value
    name, address = parseaddr(value)
    return formataddr((name, address), charset="utf-8")


def _text(value: str, name: str) -> str:
    """Unstructured text (the Subject): encoded words when not ASCII, already folded."""
    value = " ".join(value.split())  # no line breaks can be smuggled into a header
    if value.isascii():
        return value
    return Header(value, "utf-8", header_name=name).encode(linesep="\r\n")


def _fold(name: str, value: str) -> str:
    """One header field, folded at spaces to about 78 columns (RFC 5322 2.2.3)."""
    line = f"{name}: {value}"
    if len(line) <= MAX_HEADER_LINE or "\r\n" in value:
        return line + "\r\n"
    words, lines, current = line.split(" "), [], ""
    for word in words:
        if current and len(current) + 1 + len(word) > MAX_HEADER_LINE:
            lines.append(current)
            current = " " + word
        else:
            current = f"{current} {word}" if current else word
    lines.append(current)
    return "\r\n".join(lines) + "\r\n"


def _part_head(subtype: str, encoding: str) -> str:
    return f'Content-Type: text/{subtype}; charset="utf-8"\r\nContent-Transfer-Encoding: {encoding}\r\n'


def _body(text: str, *, html: bool = False, boundary: str | None = None) -> tuple[str, str]:
    """(Content-Transfer-Encoding, encoded body): 7bit when that is safe, else quoted-printable.

    HTML is made ASCII with character references, except when a <style> or <script> block holds
    non-ASCII (references mean nothing there), and its lines are packed (:func:`_pack`). 7bit
    needs ASCII without NUL or bare CR, no line over 998 octets, and no line that could be read as
    the multipart boundary."""
    plain = text.replace("\r\n", "\n")
    if html and not plain.isascii() and all(block.group().isascii() for block in _RAW_TEXT.finditer(plain)):
        plain = plain.encode("ascii", "xmlcharrefreplace").decode("ascii")
    if html and _PREFORMATTED.search(plain) is None:
        plain = _pack(plain)
    if (plain.isascii() and "\r" not in plain and "\0" not in plain
            and (boundary is None or f"--{boundary}" not in plain)):
        lines = plain.split("\n")
        if max(map(len, lines)) <= MAX_BODY_LINE:
            return "7bit", "\r\n".join(lines)
    return "quoted-printable", _qp(text)


def _pack(markup: str) -> str:
    """HTML lines joined with a space up to SMTP's line limit: outside <pre> and <textarea> a line
    break and a space are the same whitespace to a browser, and the server has fewer lines to read.
    A line already over the limit stays alone (the body then goes quoted-printable)."""
    lines = markup.split("\n")
    ends = list(itertools.accumulate(len(line) + 1 for line in lines))  # offset after each line's break
    packed, first, start = [], 0, 0
    while first < len(lines):
        # the last line whose joined run (its breaks now spaces) still fits
        last = max(bisect.bisect_right(ends, start + MAX_BODY_LINE + 1, lo=first) - 1, first)
        packed.append(" ".join(lines[first:last + 1]))
        first, start = last + 1, ends[last]
    return "\n".join(packed)


def _qp(body: str) -> str:
    """UTF-8, quoted-printable (binascii's C encoder), CRLF line ends: every line stays under
    SMTP's 998-octet limit and the bytes are ASCII."""
    encoded = binascii.b2a_qp(body.encode("utf-8"), istext=True).decode("ascii")
    return encoded.replace("\r\n", "\n").replace("\n", "\r\n")


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
