"""The shared parsing helpers: dates in every spelling the legislatures use, text, pages, XML."""

from __future__ import annotations

import datetime as dt

import pytest

from monitor.errors import FetchError, LayoutChangedError, ParseError
from sources._parsing import (
    clean_text,
    decode_html,
    detect_error_page,
    error_page_marker,
    month_number,
    parse_date,
    parse_xml,
    select_one_required,
    select_required,
    soup,
)

D = dt.date

DATES = [
    # (text, lang, year context, expected)
    ("2026-02-12", "en", None, D(2026, 2, 12)),
    ("2026-02-12T00:00:00", "en", None, D(2026, 2, 12)),
    ("3/20/2025", "en", None, D(2025, 3, 20)),
    ("11/4/2024", "en", None, D(2024, 11, 4)),
    ("04/11/2024", "fr", None, D(2024, 11, 4)),
    ("Mar. 8/2016", "en", None, D(2016, 3, 8)),
    ("Dec. 10/2019", "en", None, D(2019, 12, 10)),
    ("Oct 31, 2024 pm", "en", None, D(2024, 10, 31)),
    ("Oct 31, 2024 am", "en", None, D(2024, 10, 31)),
    ("October 31, 2024 afternoon", "en", None, D(2024, 10, 31)),
    ("March 04, 2026", "en", None, D(2026, 3, 4)),
    ("Completed on March 04, 2026", "en", None, D(2026, 3, 4)),
    ("September 17, 2026", "en", None, D(2026, 9, 17)),
    ("Sept. 17, 2026", "en", None, D(2026, 9, 17)),
    ("8 March 2016", "en", None, D(2016, 3, 8)),
    ("2 avril 2026", "fr", None, D(2026, 4, 2)),
    ("1er juin 2023", "fr", None, D(2023, 6, 1)),
    ("16 février 2023", "fr", None, D(2023, 2, 16)),
    ("16 fevrier 2023", "fr", None, D(2023, 2, 16)),
    ("Sanction le 7 décembre 2022", "fr", None, D(2022, 12, 7)),
    ("le 23 août 2024", "fr", None, D(2024, 8, 23)),
    ("2\u00a0avril\u00a02026", "fr", None, D(2026, 4, 2)),
    ("décembre", "fr", 2023, D(2023, 12, 1)),
    ("Décembre", "fr", 2022, D(2022, 12, 1)),
    ("2 avril", "fr", 2026, D(2026, 4, 2)),
    ("April 2", "en", 2026, D(2026, 4, 2)),
    # without a year there is no date to give: None, never a guess
    ("décembre", "fr", None, None),
    ("2 avril", "fr", None, None),
    ("", "en", None, None),
    (None, "en", None, None),
    ("not a date", "en", 2024, None),
    ("February 30, 2024", "en", None, None),
    ("13/40/2024", "en", None, None),
]


@pytest.mark.parametrize(
    ("text", "lang", "year", "expected"), DATES, ids=[f"{d[0]!r}-{d[1]}-{d[2]}" for d in DATES]
)
def test_parse_date(text, lang, year, expected):
    assert parse_date(text, lang=lang, year=year) == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [("janv.", 1), ("Février", 2), ("AOÛT", 8), ("déc", 12), ("Sept", 9), ("May", 5), ("mayo", None)],
)
def test_month_number(word, expected):
    assert month_number(word, lang="fr") == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Bill&nbsp;26", "Bill 26"),
        ("Bill\u00a026", "Bill 26"),
        ("l\u2019Assembl\u00e9e", "l'Assembl\u00e9e"),
        ("  Health \n\t Statutes   Act ", "Health Statutes Act"),
        ("&amp;\u200bco", "&co"),
        ("\u00abLoi\u00bb", "\u00abLoi\u00bb"),
        (None, ""),
    ],
)
def test_clean_text(raw, expected):
    assert clean_text(raw) == expected


def test_decode_html_windows_1252_labelled_latin1():
    raw = '<meta charset="iso-8859-1"><p>Minister\u2019s Act \u2013 Qu\u00e9bec</p>'.encode("cp1252")
    assert "Minister\u2019s Act \u2013 Qu\u00e9bec" in decode_html(raw)


def test_decode_html_utf8_wins_and_unlabelled_falls_back_to_1252():
    assert decode_html("Qu\u00e9bec".encode()) == "Qu\u00e9bec"
    assert decode_html("Qu\u00e9bec \u2019".encode("cp1252")) == "Qu\u00e9bec \u2019"
    assert decode_html("\u00e9".encode("utf-16-le"), "utf-16-le") == "\u00e9"


def test_soup_is_lenient_with_missing_end_tags():
    page = soup(b"<table><tr><td>1<td>2<tr><td>3</table>", "https://example.org/list")
    assert [len(r.find_all("td")) for r in page.select("tr")] == [2, 1]
    assert page.url == "https://example.org/list"


def test_select_required_names_selector_and_url():
    page = soup("<div class='x'>a</div>", "https://example.org/p")
    assert [t.text for t in select_required(page, "div.x", page.url)] == ["a"]
    with pytest.raises(LayoutChangedError) as err:
        select_required(page, "li.bill-item", "https://example.org/p", source="nb")
    assert "'li.bill-item'" in str(err.value) and "https://example.org/p" in str(err.value)
    assert err.value.source == "nb"
    with pytest.raises(LayoutChangedError, match="expected at least 2"):
        select_required(page, "div.x", page.url, min_items=2)


def test_select_one_required():
    page = soup("<h1>t</h1>", "u")
    assert select_one_required(page, "h1", "u").text == "t"
    with pytest.raises(LayoutChangedError, match=r"'h2' found nothing on u"):
        select_one_required(page, "h2", "u")


def test_parse_xml_does_not_resolve_external_entities(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    doc = (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]><r>&x;</r>'
    ).encode()
    root = parse_xml(doc, "https://example.org/x.xml")
    assert "TOP-SECRET" not in (root.text or "")
    assert b"TOP-SECRET" not in __import__("lxml.etree").etree.tostring(root)


def test_parse_xml_malformed_names_url():
    with pytest.raises(ParseError, match="https://example.org/bad.xml"):
        parse_xml(b"<r><unclosed></r>", "https://example.org/bad.xml")


@pytest.mark.parametrize(
    ("html_text", "is_error"),
    [
        ("<title>Page Not Found | Legislative Assembly</title><h1>Oops</h1>", True),
        ("<title>Legislative Assembly</title><h1>An error has occurred</h1>", True),
        ("<title>Page introuvable</title>", True),
        ("<title>Bill 26: Health Statutes Amendment Act</title><h1>Bill 26</h1>", False),
        ("<title>Error 404</title>", True),
        ("<title>Bill 404: Error Correction Act</title>", False),
        ("<h1>Bill 9: Lost and Not Foundling Act</h1>", False),
    ],
)
def test_error_page_marker(html_text, is_error):
    assert (error_page_marker(soup(html_text, "u")) is not None) == is_error


def test_detect_error_page_raises_fetch_error():
    page = soup("<title>Not Found</title>", "https://example.org/bill?id=1")
    with pytest.raises(FetchError, match=r"https://example.org/bill\?id=1 answered 200 with an error page"):
        detect_error_page(page, "https://example.org/bill?id=1", source="ab")
    detect_error_page(soup("<title>Bill 1</title>", "u"), "u")
