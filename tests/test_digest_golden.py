"""Golden files: a fixed digest rendered to HTML, text and a full email, compared with checked-in files.

Date, Message-ID and MIME boundaries are scrubbed before comparing. To accept an intended change
of the templates, run ``BILLWATCH_UPDATE_GOLDEN=1 pytest tests/test_digest_golden.py`` and review
the diff of tests/fixtures/digest/ before committing it.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import os
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from notifiers.config import SmtpConfig
from notifiers.digest import Digest, DigestEntry, NextHearing, Period, Reason, Window
from notifiers.message import build_message
from notifiers.render import RenderContext, render_digest

GOLDEN = Path(__file__).parent / "fixtures" / "digest"
UPDATE = os.environ.get("BILLWATCH_UPDATE_GOLDEN") == "1"


def entry(bill_id: int, section: str, identifier: str, title: str, **changes: object) -> DigestEntry:
    values: dict[str, object] = dict(
        bill_id=bill_id, section=section, jurisdiction="US-TX", session="89R", identifier=identifier,
        title=title, url=f"https://capitol.texas.gov/BillLookup/History.aspx?LegSess=89R&Bill={identifier.replace(' ', '')}",
        stage="in_committee", last_action="Referred to Public Health", last_action_date=dt.date(2026, 3, 4),
        sponsors=["Jane Doe (D)"], next_hearing=None,
        reasons=[Reason("interop", "Interoperability & health information exchange", 3.0,
                        "\u2026establishes a statewide **health information exchange**\u2026")],
        changes=[], more_changes=0, weight=3.0, recency=dt.date(2026, 3, 4), source="legiscan",
    )
    values.update(changes)
    return DigestEntry(**values)  # type: ignore[arg-type]


def fixed_digest() -> Digest:
    """Every section, a failing source, and the titles that must render safely."""
    long_title = "Relating to the modernization of " + ", ".join(f"program {n}" for n in range(1, 60))
    return Digest(
        kind="digest",
        jurisdictions=["US-TX", "CA-*"],
        period=Period(start=dt.datetime(2026, 3, 2, 13, 0), end=dt.datetime(2026, 3, 9, 13, 0)),
        window=Window(100, 180),
        timezone="America/Chicago",
        new=[
            entry(1, "new", "HB 1234", 'Relating to <script>alert("x")</script> & health data exchange',
                  changes=["New bill, introduced 3 Mar 2026"], last_action="Filed",
                  last_action_date=dt.date(2026, 3, 3), stage="introduced",
                  reasons=[
                      Reason("interop", "Interoperability & health information exchange", 3.0,
                             "\u2026<b>health information exchange</b> & FHIR\u2026"),
                      Reason("privacy", "Health data privacy", 2.0, None),
                  ]),
            entry(2, "new", "C-27", "Loi édictant la Loi sur la protection de la vie privée des consommateurs",
                  jurisdiction="CA", session="44-1", url="https://www.parl.ca/legisinfo/fr/projet-de-loi/44-1/c-27",
                  sponsors=["François-Philippe Champagne"], stage="passed_chamber", weight=2.0,
                  changes=["New bill, introduced 16 Jun 2022"], source="legisinfo",
                  reasons=[Reason("privacy", "Health data privacy", 2.0, "\u2026renseignements personnels\u2026")]),
        ],
        moving=[
            entry(3, "moving", "SB 42", long_title, more_changes=2, sponsors=["Ana Ruiz (R)", "+3 more"],
                  changes=["Stage: Introduced \u2192 In committee (4 Mar 2026)",
                           "New version: Committee Substitute (5 Mar 2026)",
                           "Action (4 Mar 2026): Referred to Public Health",
                           "Action (2 Mar 2026): Read first time"],
                  next_hearing=NextHearing(dt.date(2026, 3, 12), "10:00 AM", "Public Health", "E2.012")),
        ],
        hearings=[
            entry(4, "hearings", "HB 77", "Relating to telehealth services for rural hospitals", url=None,
                  weight=1.0, reasons=[Reason("telehealth", "Telehealth", 1.0, "\u2026telehealth services\u2026")],
                  next_hearing=NextHearing(dt.date(2026, 3, 17), None, "Senate Health & Human Services", None)),
        ],
        unhealthy_sources=[SimpleNamespace(
            name="tlo", type="us-tx", enabled=True, stale=True, consecutive_failures=3,
            last_success=dt.datetime(2026, 3, 1, 11, 0), last_error="HTTP 503 from capitol.texas.gov")],
        legiscan=True,
        events=9,
    )


CONTEXT = RenderContext(recipient="ann@example.org", cadence="weekly:mon",
                        unsubscribe="https://billwatch.example.org/unsubscribe?email=ann%40example.org",
                        manage="lead@example.org")
SMTP = SmtpConfig.model_validate({"host": "smtp.example.org", "from": "Bill Watch <billwatch@example.org>",
                                  "reply_to": "lead@example.org",
                                  "list_unsubscribe": "https://billwatch.example.org/unsubscribe?email={email}"})


def scrub(text: str) -> str:
    """Remove what legitimately changes between runs: Date, Message-ID, MIME boundaries."""
    text = re.sub(r"^Date: .*$", "Date: <scrubbed>", text, flags=re.MULTILINE)
    text = re.sub(r"^Message-ID: .*$", "Message-ID: <scrubbed>", text, flags=re.MULTILINE)
    for boundary in set(re.findall(r'boundary="([^"]+)"', text)):
        text = text.replace(boundary, "BOUNDARY")
    return text


def check(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(actual, encoding="utf-8", newline="")
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{name} differs from the golden file (see the module docstring to update it)"


@pytest.fixture(scope="module")
def rendered():
    return render_digest(fixed_digest(), CONTEXT)


def test_html_matches_golden(rendered):
    check("weekly.html", rendered.html)


def test_text_matches_golden(rendered):
    check("weekly.txt", rendered.text)


def test_email_matches_golden(rendered):
    message = build_message(rendered, SMTP, recipient="ann@example.org", recipient_name="Ann Advocate",
                            period_key="email:20260309:100-180", now=dt.datetime(2026, 3, 9, 13, 0))
    raw = message.as_bytes().decode("ascii")
    assert re.search(r"^Date: Mon, 09 Mar 2026 13:00:00 \+0000\r$", raw, flags=re.MULTILINE)  # what gets scrubbed
    check("weekly.eml", scrub(raw.replace("\r\n", "\n")))


def test_hits_marked_by_the_rules_engine_are_bold_in_html_only(rendered):
    assert "statewide <b>health information exchange</b>" in rendered.html
    assert "&lt;b&gt;health information exchange&lt;/b&gt; &amp; FHIR" in rendered.html  # literal text stays text
    assert "statewide **health information exchange**" in rendered.text


def test_email_decodes_back_to_the_rendered_bodies(rendered):
    message = build_message(rendered, SMTP, recipient="ann@example.org", recipient_name="Ann Advocate",
                            period_key="email:20260309:100-180", now=dt.datetime(2026, 3, 9, 13, 0))
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    assert parsed.get_content_type() == "multipart/alternative"
    text, html = parsed.get_payload()
    assert text.get_content().replace("\r\n", "\n") == rendered.text
    # the HTML travels as 7bit ASCII: non-ASCII characters as character references and lines
    # packed (a line break became a space), nothing else changed
    assert html["Content-Transfer-Encoding"] == "7bit"
    sent = html.get_content().replace("\r\n", "\n").rstrip("\n")
    assert sent.count("\n") < rendered.html.count("\n") / 4
    expected = rendered.html.rstrip("\n").encode("ascii", "xmlcharrefreplace").decode("ascii")
    assert sent.replace("\n", " ") == expected.replace("\n", " ")
    assert "Loi &#233;dictant la Loi sur la protection de la vie priv&#233;e" in sent
    assert "Loi édictant la Loi sur la protection de la vie privée" in rendered.html


def test_non_ascii_headers_are_encoded_words_and_decode_back():
    rendered = render_digest(fixed_digest(), CONTEXT)
    rendered = type(rendered)(subject="Bill Watch alert: CA-QC 11 \u2013 Loi modifiant la Loi sur la santé "
                              "et les services sociaux en matière de télémédecine", html=rendered.html,
                              text=rendered.text)
    smtp = SmtpConfig.model_validate({"host": "h", "from": "Veille législative <veille@example.org>"})
    raw = build_message(rendered, smtp, recipient="francois@example.org", recipient_name="François\nBcc: x",
                        period_key="k").as_bytes()
    assert raw.isascii() and b"=?utf-8?" in raw
    assert all(len(line) <= 78 for line in raw.split(b"\r\n\r\n")[0].split(b"\r\n"))
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Subject"] == rendered.subject
    assert parsed["From"].addresses[0].display_name == "Veille législative"
    assert parsed["To"].addresses[0].display_name == "François Bcc: x"  # no header injection
    assert parsed["Bcc"] is None


def test_counts_in_one_line_summaries_say_one_hearing_in_the_singular():
    from notifiers.compose import Recipient, _decide
    from notifiers.config import SubscriberConfig
    from notifiers.webhook import summary

    digest = fixed_digest()
    assert len(digest.hearings) == 1
    recipient = Recipient.digest(SubscriberConfig(email="ann@example.org", cadence="weekly:mon"))
    assert _decide(digest, recipient) == (True, "2 new, 1 moving, 1 hearing")
    assert summary(digest).endswith("(2 new, 1 moving, 1 upcoming hearing)")
