"""Shared helpers for the notifier tests: bills in a real database, rules, config, a real SMTP server.

Imported by tests/test_digest*.py, test_email*.py, test_outbox*.py and test_webhook*.py. The
SMTP server is aiosmtpd on 127.0.0.1 (a real server speaking real SMTP); its handler can be
told to answer with a given code per address or to drop the connection after some messages.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlalchemy import func, select

from monitor.config import Config, ScheduleConfig
from monitor.models import Bill, Match, SourceState
from monitor.store import Store
from notifiers.config import NotifierConfig, SmtpConfig, SubscriberConfig
from notifiers.selection import RuleInfo
from sources.base import BillRecord, Hearing, SourceOptions, Sponsor, Version

#: "now" for the database tests (naive UTC, like the database). The store dates events and decides
#: which hearings are upcoming by the real clock, so these tests follow it; the golden files
#: render a digest built by hand with fixed dates instead.
NOW = dt.datetime.now(dt.UTC).replace(tzinfo=None, second=0, microsecond=0)
TODAY = NOW.date()

CATALOG: dict[str, RuleInfo] = {
    "interop": RuleInfo("interop", "Interoperability & health information exchange", ("interoperability",), 3.0),
    "privacy": RuleInfo("privacy", "Health data privacy", ("privacy",), 2.0),
    "telehealth": RuleInfo("telehealth", "Telehealth", ("telehealth",), 1.0),
    "breach": RuleInfo("breach", "Health data breach", ("privacy",), 5.0, alert=True),
}


def record(number: int, jurisdiction: str = "US-TX", **changes: Any) -> BillRecord:
    """A complete bill record; ``changes`` overrides any field."""
    values: dict[str, Any] = dict(
        source="legiscan", jurisdiction=jurisdiction, session="89R", identifier=f"HB {number}",
        title=f"Relating to health information exchange, bill {number}",
        summary="Health information exchange and interoperability.", stage="introduced",
        status="Introduced", status_date=dt.date(2026, 2, 2), last_action="Filed",
        last_action_date=dt.date(2026, 2, 2),
        sponsors=[Sponsor("Jane Doe", "primary", "D"), Sponsor("Rob Roe", "cosponsor", "R")],
        url=f"https://capitol.example.gov/{jurisdiction}/HB{number}", source_url="https://api.example.org/",
    )
    values.update(changes)
    return BillRecord(**values)


def store(database: Any, records: list[BillRecord], *, baseline: bool = False,
          recorded_at: dt.datetime | None = None) -> list[int]:
    """Upsert records through the real store; returns their bill ids.

    ``recorded_at`` back- or forward-dates the events just recorded (the store uses the clock).
    """
    with database.session() as session:
        from monitor.models import Event

        before = session.scalar(select(func.max(Event.id))) or 0
        outcomes = Store(session).upsert_many(records, baseline=baseline)
        session.commit()
        if recorded_at is not None:
            for event in session.scalars(select(Event).where(Event.id > before)):
                event.recorded_at = recorded_at
            session.commit()
        return [o.bill_id for o in outcomes]


def match(database: Any, bill_id: int, rule_id: str, snippet: str | None = None, weight: float | None = None) -> None:
    """A rule match as the rules engine would store it."""
    with database.session() as session:
        session.merge(Match(bill_id=bill_id, rule_id=rule_id,
                            weight=CATALOG[rule_id].weight if weight is None else weight,
                            hits=[{"field": "title", "start": 0, "end": 4, "text": "text"}],
                            snippet=snippet or f"\u2026{CATALOG[rule_id].name.lower()}\u2026"))
        session.commit()


def bill_ids(database: Any) -> dict[str, int]:
    with database.session() as session:
        return {f"{b.jurisdiction} {b.identifier}": b.id for b in session.scalars(select(Bill))}


def source_ok(database: Any, name: str = "legiscan", type: str = "legiscan", at: dt.datetime = NOW) -> None:
    """Record a successful scan of a source, so it is healthy."""
    with database.session() as session:
        state = session.get(SourceState, name) or SourceState(name=name, type=type, cursor={})
        state.last_success, state.last_attempt, state.consecutive_failures = at, at, 0
        state.baseline_done = True
        session.merge(state)
        session.commit()


def subscriber(email: str = "ann@example.org", **changes: Any) -> SubscriberConfig:
    values: dict[str, Any] = {"email": email, "name": "Ann Advocate", "jurisdictions": ["US-TX"],
                              "cadence": "weekly:mon"}
    values.update(changes)
    return SubscriberConfig.model_validate(values)


def smtp_settings(port: int, **changes: Any) -> SmtpConfig:
    values: dict[str, Any] = {"host": "127.0.0.1", "port": port, "starttls": False,
                              "from": "Bill Watch <billwatch@example.org>", "reply_to": "lead@example.org",
                              "timeout": 5}
    values.update(changes)
    return SmtpConfig.model_validate(values)


def config(subscribers: list[SubscriberConfig], smtp: SmtpConfig | None = None,
           notifiers: list[NotifierConfig] | None = None, sources: list[tuple[str, str]] | None = None,
           timezone: str = "UTC") -> Config:
    """A validated-shape Config without a file (rules come from CATALOG, passed to the calls)."""
    return Config(
        path=None,
        schedule=ScheduleConfig(timezone=timezone),
        sources=[SourceOptions(name=n, type=t) for n, t in (sources or [("legiscan", "legiscan")])],
        subscribers=subscribers,
        smtp=smtp,
        notifiers=notifiers or [],
    )


def hearing(days_ahead: int, committee: str = "Public Health") -> Hearing:
    return Hearing(date=TODAY + dt.timedelta(days=days_ahead), time="10:00 AM", location="E2.012",
                   committee=committee)


def version(note: str, day: dt.date) -> Version:
    return Version(date=day, note=note, url=f"https://capitol.example.gov/text/{note}.pdf")


# -- a real SMTP server on loopback ----------------------------------------------------------------


@dataclass
class Received:
    """One message the server accepted."""

    sender: str
    recipients: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)  # type: ignore[return-value]


@dataclass
class Handler:
    """aiosmtpd handler: stores accepted messages; answers and drops as the test says."""

    received: list[Received] = field(default_factory=list)
    rcpt_replies: dict[str, str] = field(default_factory=dict)  # address -> "550 ..." / "451 ..."
    data_reply: str | None = None  # e.g. "451 try later" for every DATA
    drop_after: int | None = None  # drop the connection at DATA once this many were accepted (once)
    store_then_drop: bool = False  # ...after storing the message (the ambiguous case)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        reply = self.rcpt_replies.get(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            if self.drop_after is not None and len(self.received) >= self.drop_after:
                if self.store_then_drop:
                    self._keep(envelope)
                self.drop_after = None
                server.transport.close()  # the client sees the connection vanish mid-DATA
                return "421 dropped"
            if self.data_reply:
                return self.data_reply
            self._keep(envelope)
        return "250 Message accepted"

    def _keep(self, envelope: Any) -> None:
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.recipients]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    """A running aiosmtpd server: ``.port``, ``.handler``; stop() ends it."""

    def __init__(self, handler: Handler | None = None, **kwargs: Any) -> None:
        self.handler = handler or Handler()
        self.port = free_port()
        kwargs.setdefault("auth_require_tls", False)
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **kwargs)
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


def running_smtp_server() -> Iterator[SmtpServer]:
    """Body of the ``smtp_server`` fixture the SMTP test modules define: a server for one test."""
    server = SmtpServer()
    try:
        yield server
    finally:
        server.stop()


def accept_login(user: str, password: str) -> Any:
    """An aiosmtpd authenticator accepting exactly this login."""

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = auth_data.login == user.encode() and auth_data.password == password.encode()
        return AuthResult(success=ok, handled=False)

    return authenticate


def self_signed_cert(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1/localhost made here with `cryptography` (cert, key paths)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName(
            [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def server_tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def run_async(coro: Any) -> Any:
    return asyncio.run(coro)
