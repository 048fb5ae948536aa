"""Digests over real SMTP on loopback (aiosmtpd): content, headers, multipart, TLS, login."""

from __future__ import annotations

from typing import Any

import pytest

from monitor.models import SubscriberState
from notifiers.delivery import send_digests
from notifiers.email import SmtpConnectionError, SmtpTransport
from notifiers.message import Envelope
from tests.test_digest_support import (
    CATALOG,
    NOW,
    SmtpServer,
    accept_login,
    config,
    match,
    record,
    running_smtp_server,
    self_signed_cert,
    server_tls_context,
    smtp_settings,
    source_ok,
    store,
    subscriber,
)


@pytest.fixture
def smtp_server():
    yield from running_smtp_server()



def one_bill(database: Any) -> None:
    [bill] = store(database, [record(1, title="Relating to health information exchange & privacé")])
    match(database, bill, "interop")
    source_ok(database)


def test_digest_arrives_as_multipart_alternative_with_its_headers(database, smtp_server):
    one_bill(database)
    cfg = config([subscriber()], smtp_settings(smtp_server.port))

    report = send_digests(cfg, database, now=NOW, catalog=CATALOG)

    assert [(r.recipient, r.status) for r in report.results] == [("ann@example.org", "sent")]
    [received] = smtp_server.handler.received
    assert received.sender == "billwatch@example.org" and received.recipients == ["ann@example.org"]
    msg = received.message
    assert msg["From"] == "Bill Watch <billwatch@example.org>"
    assert msg["To"] == "Ann Advocate <ann@example.org>"
    assert msg["Reply-To"] == "lead@example.org"
    assert msg["Subject"].startswith("Bill Watch digest ") and "1 new" in msg["Subject"]
    assert msg["Message-ID"] == report.results[0].message_id
    assert msg["Message-ID"].endswith("@example.org>")
    assert msg["List-Unsubscribe"].strip() == "<mailto:lead@example.org?subject=unsubscribe%20ann%40example.org>"
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg.get_content_type() == "multipart/alternative"
    text, html = msg.get_payload()
    assert text.get_content_type() == "text/plain" and html.get_content_type() == "text/html"
    assert "Relating to health information exchange & privacé" in text.get_content()
    # HTML travels as 7bit ASCII: é as a character reference, which a mail client shows as é
    assert html["Content-Transfer-Encoding"] == "7bit"
    assert "Relating to health information exchange &amp; privac&#233;" in html.get_content()
    assert max(len(line) for line in received.data.split(b"\r\n")) <= 998
    with database.session() as session:
        assert session.get(SubscriberState, "ann@example.org").watermark > 0


def test_text_subscribers_get_plain_text_only(database, smtp_server):
    one_bill(database)
    cfg = config([subscriber(format="text")], smtp_settings(smtp_server.port))

    send_digests(cfg, database, now=NOW, catalog=CATALOG)

    msg = smtp_server.handler.received[0].message
    assert msg.get_content_type() == "text/plain"
    assert "US-TX HB 1" in msg.get_content()


def test_https_list_unsubscribe_gets_one_click_header(database, smtp_server):
    one_bill(database)
    smtp = smtp_settings(smtp_server.port, list_unsubscribe="https://chapter.example.org/unsub?u={email}")
    send_digests(config([subscriber()], smtp), database, now=NOW, catalog=CATALOG)

    msg = smtp_server.handler.received[0].message
    assert msg["List-Unsubscribe"].strip() == "<https://chapter.example.org/unsub?u=ann@example.org>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_one_connection_for_a_batch(database, smtp_server):
    ids = store(database, [record(1), record(2, "US-NM")])
    match(database, ids[0], "interop")
    match(database, ids[1], "interop")
    subs = [subscriber(f"s{n}@example.org", jurisdictions=[]) for n in range(6)]
    sessions: list[Any] = []
    original = smtp_server.handler.handle_DATA

    async def count_sessions(server: Any, session: Any, envelope: Any) -> str:
        sessions.append(session)
        return await original(server, session, envelope)

    smtp_server.handler.handle_DATA = count_sessions  # type: ignore[method-assign]
    report = send_digests(config(subs, smtp_settings(smtp_server.port)), database, now=NOW, catalog=CATALOG)

    assert len(report.sent) == 6
    assert len({id(s) for s in sessions}) == 1


@pytest.fixture
def certificate(tmp_path):
    return self_signed_cert(tmp_path)


def test_starttls_and_login(database, certificate):
    cert, key = certificate
    server = SmtpServer(tls_context=server_tls_context(cert, key), require_starttls=True,
                        auth_required=True, auth_require_tls=True, authenticator=accept_login("bw", "s3cret"))
    try:
        one_bill(database)
        smtp = smtp_settings(server.port, starttls=True, cafile=str(cert), username="bw", password="s3cret")
        report = send_digests(config([subscriber()], smtp), database, now=NOW, catalog=CATALOG)
        assert report.ok, report.to_dict()
        assert len(server.handler.received) == 1  # the server takes mail only after STARTTLS and AUTH
    finally:
        server.stop()


def test_implicit_tls(database, certificate):
    cert, key = certificate
    server = SmtpServer(ssl_context=server_tls_context(cert, key))
    try:
        one_bill(database)
        smtp = smtp_settings(server.port, tls=True, cafile=str(cert))
        report = send_digests(config([subscriber()], smtp), database, now=NOW, catalog=CATALOG)
        assert report.ok, report.to_dict()
        assert len(server.handler.received) == 1
    finally:
        server.stop()


def test_untrusted_certificate_is_refused_and_nothing_is_sent(database, certificate):
    cert, key = certificate
    server = SmtpServer(tls_context=server_tls_context(cert, key), require_starttls=True)
    try:
        one_bill(database)
        report = send_digests(config([subscriber()], smtp_settings(server.port, starttls=True)), database,
                              now=NOW, catalog=CATALOG)
        assert [r.status for r in report.results] == ["failed"]
        assert "TLS with SMTP server" in report.errors[0] and "certificate" in report.errors[0].lower()
        assert server.handler.received == []
    finally:
        server.stop()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_wrong_password_is_reported_with_a_hint_and_never_shows_the_password(database):
    server = SmtpServer(auth_required=True, authenticator=accept_login("bw", "right"))
    try:
        one_bill(database)
        smtp = smtp_settings(server.port, username="bw", password="wrong-pass")
        with pytest.raises(SmtpConnectionError) as failure:
            SmtpTransport(smtp).open()
        assert "refused the login of 'bw'" in str(failure.value)
        assert "check [smtp] username and password" in str(failure.value)
        report = send_digests(config([subscriber()], smtp), database, now=NOW, catalog=CATALOG)
        assert "wrong-pass" not in str(report.to_dict())
        assert [r.status for r in report.results] == ["failed"]
    finally:
        server.stop()


def test_starttls_required_but_not_offered(smtp_server):
    with pytest.raises(SmtpConnectionError, match="does not offer STARTTLS"):
        SmtpTransport(smtp_settings(smtp_server.port, starttls=True)).open()


@pytest.mark.parametrize("body", [
    pytest.param(b"body\r\n", id="plain"),
    # lines that start with a dot are dot-stuffed on the wire and arrive as they were, the
    # lone "." included (it would end DATA); no final line break: one is added
    pytest.param(b".leading dot\r\n.\r\n..two\r\nend .\r\n.", id="dot-lines"),
])
def test_transport_sends_given_bytes_unchanged(smtp_server, body):
    data = b"From: a@example.org\r\nTo: b@example.org\r\nSubject: x\r\nMessage-ID: <1@example.org>\r\n\r\n" + body
    with SmtpTransport(smtp_settings(smtp_server.port)) as transport:
        result = transport.send(Envelope("a@example.org", "b@example.org", data, "<1@example.org>"))
        again = transport.send(Envelope("a@example.org", "c@example.org", data, "<1@example.org>"))
    assert result.outcome == again.outcome == "sent"
    assert [r.data.rstrip(b"\r\n") for r in smtp_server.handler.received] == [data.rstrip(b"\r\n")] * 2


def test_login_asked_but_not_offered_says_so_not_starttls():
    """A username for a server without AUTH (the aiosmtpd debugging server) is a login problem;
    it was reported as 'does not offer STARTTLS' although starttls was off."""
    server = SmtpServer(auth_require_tls=True)  # like `python -m aiosmtpd -n`: no AUTH without TLS
    try:
        with pytest.raises(SmtpConnectionError) as failure:
            SmtpTransport(smtp_settings(server.port, username="bw", password="pw")).open()
    finally:
        server.stop()
    assert "does not offer login (AUTH)" in str(failure.value) and "STARTTLS" not in str(failure.value)
    assert "leave [smtp] username out" in str(failure.value)
