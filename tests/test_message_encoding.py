"""How digest bodies travel: 7bit when that is safe (fewer lines for the SMTP server), else quoted-printable.

Each case builds a real message, checks the chosen Content-Transfer-Encoding and every line's
length, and parses it back with the standard library to the exact rendered body."""

from __future__ import annotations

import email
import email.policy
import html as htmllib

import pytest

from notifiers.config import SmtpConfig
from notifiers.message import MAX_BODY_LINE, build_message
from notifiers.render import Rendered

SMTP = SmtpConfig.model_validate({"host": "127.0.0.1", "from": "Bill Watch <billwatch@example.org>"})
PAGE = "<!DOCTYPE html><html><head><style>{css}</style></head><body>\n{body}\n</body></html>\n"


def build(text: str, markup: str, *, html: bool = True) -> bytes:
    rendered = Rendered(subject="Bill Watch digest", html=markup, text=text)
    return build_message(rendered, SMTP, recipient="ann@example.org", recipient_name="Ann",
                         period_key="k", html=html).as_bytes()


def parts(raw: bytes) -> dict[str, email.message.EmailMessage]:
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    return {part.get_content_subtype(): part for part in parsed.walk() if part.get_content_maintype() == "text"}


@pytest.mark.parametrize(
    "text, body, css, text_encoding, html_encoding",
    [
        pytest.param("Plain ASCII digest\n", "<p>HB 1 &amp; SB 2</p>", "p {}", "7bit", "7bit", id="ascii-both-7bit"),
        pytest.param("Télésanté\n", "<p>Télésanté \u2026</p>", "p {}", "quoted-printable", "7bit",
                     id="accents-text-qp-html-references"),
        pytest.param("ok\n", "<p>" + "word " * 300 + "</p>", "p {}", "7bit", "quoted-printable",
                     id="line-over-998-octets-qp"),
        pytest.param("x" * 999 + "\n", "<p>ok</p>", "p {}", "quoted-printable", "7bit", id="long-text-line-qp"),
        pytest.param("ok\n", "<p>é</p>", "p::before { content: '\u2022'; }", "7bit", "quoted-printable",
                     id="non-ascii-in-style-block-qp"),
        pytest.param("bare\rreturn\n", "<p>nul\0</p>", "p {}", "quoted-printable", "quoted-printable",
                     id="bare-cr-and-nul-qp"),
    ],
)
def test_each_body_gets_the_encoding_it_can_travel_in(text, body, css, text_encoding, html_encoding):
    markup = PAGE.format(css=css, body=body)
    raw = build(text, markup)
    assert raw.isascii()
    assert all(len(line) <= MAX_BODY_LINE for line in raw.split(b"\r\n"))
    found = parts(raw)
    assert found["plain"]["Content-Transfer-Encoding"] == text_encoding
    assert found["html"]["Content-Transfer-Encoding"] == html_encoding
    assert found["plain"].get_content().replace("\r\n", "\n") == text.replace("\r\n", "\n")
    sent = found["html"].get_content().replace("\r\n", "\n")
    if html_encoding == "7bit":  # character references stand for the same characters; lines packed
        assert htmllib.unescape(sent).replace("\n", " ") == htmllib.unescape(markup).replace("\n", " ")
        assert sent.replace("\n", " ") == markup.encode("ascii", "xmlcharrefreplace").decode("ascii").replace("\n", " ")
    else:
        assert sent == markup


def test_a_body_holding_the_boundary_line_is_quoted_printable():
    first = build("x\n", "<p>x</p>")
    boundary = email.message_from_bytes(first).get_boundary()
    raw = build(f"see\n--{boundary}\nend\n", "<p>x</p>")
    found = parts(raw)
    assert found["plain"]["Content-Transfer-Encoding"] == "quoted-printable"
    assert found["plain"].get_content().replace("\r\n", "\n") == f"see\n--{boundary}\nend\n"
    assert len(email.message_from_bytes(raw).get_payload()) == 2


def test_text_only_message_names_its_encoding_in_the_header():
    raw = build("Plain ASCII digest\n.leading dot\n", "", html=False)
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed.get_content_type() == "text/plain"
    assert parsed["Content-Transfer-Encoding"] == "7bit"
    assert parsed.get_content().replace("\r\n", "\n") == "Plain ASCII digest\n.leading dot\n"
    accented = email.message_from_bytes(build("Télésanté\n", "", html=False), policy=email.policy.default)
    assert accented["Content-Transfer-Encoding"] == "quoted-printable"
    assert accented.get_content().replace("\r\n", "\n") == "Télésanté\n"


def test_html_lines_are_packed_up_to_the_limit_but_preformatted_text_keeps_its_breaks():
    rows = "\n".join(f"<tr><td>HB {n}</td><td>Relating to telehealth {n}</td></tr>" for n in range(300))
    markup = PAGE.format(css="td {}", body=f"<table>\n{rows}\n</table>")
    sent = parts(build("x\n", markup))["html"].get_content().replace("\r\n", "\n")
    assert sent.count("\n") < markup.count("\n") / 10
    assert max(map(len, sent.split("\n"))) <= MAX_BODY_LINE
    assert sent.replace("\n", " ") == markup.replace("\n", " ")
    preformatted = PAGE.format(css="", body="<pre>line one\nline two</pre>\n<p>end</p>")
    kept = parts(build("x\n", preformatted))["html"].get_content().replace("\r\n", "\n")
    assert kept == preformatted
