"""Writes the demo's Ontario pages (bill list and status tabs) for the 41st Parliament, 1st Session.

WRITTEN FOR THE DEMO in the shapes of ola.org's pages as billwatch's Ontario source reads them
(the list's bill links, as in the real capture tests/fixtures/ca_on/ola_bills_parliament-43_session-1
_upstream-trimmed.html; the status tab with Date, Bill stage, Event, Outcome and Committee columns
and rows without </tr>, as in SOURCES.md), from REAL bill data: the ontario-legislature-bills corpus
(RamVasuthevan/ontario-legislature-bills 2d3fe17, MIT, scraped from ola.org) kept in
/work/shared/corpus/ontario/. The corpus has one "activity" column where the page has Event and
Outcome: activities that end a step (Carried..., Royal Assent received, Reported...) are written as
outcomes, the others as events; "-" becomes an empty cell.

Run once by hand: python build_on_41_1.py /work/shared/corpus/ontario
"""

from __future__ import annotations

import csv
import html
import re
import sys
from pathlib import Path

SESSION = "parliament-41/session-1"
BILLS = ("119", "140", "210")
OUTCOME = re.compile(r"^(carried|lost|royal assent|reported|negatived|defeated|withdrawn)", re.I)


def main(corpus: str) -> None:
    out = Path(__file__).parent
    bills = [r for r in csv.DictReader(open(Path(corpus) / "bills.csv", encoding="utf-8"))
             if r["parliament"].rstrip("/").endswith(SESSION) and r["bill_number"] in BILLS]
    statuses = [r for r in csv.DictReader(open(Path(corpus) / "statuses.csv", encoding="utf-8"))
                if r["parliament"].rstrip("/").endswith(SESSION) and r["bill_number"] in BILLS]
    links = "\n".join(
        f'<a href="/en/legislative-business/bills/{SESSION}/bill-{b["bill_number"]}" hreflang="en">'
        f'{html.escape(b["bill_title"])}</a>' for b in bills)
    (out / "ola_bills_parliament-41_session-1_demo.html").write_text(
        f"<!-- {NOTE} -->\n<html><body>\n{links}\n</body></html>\n", encoding="utf-8")
    for bill in bills:
        rows = [s for s in statuses if s["bill_number"] == bill["bill_number"]]
        (out / f"ola_bill-{bill['bill_number']}_parliament-41_session-1_status_demo.html").write_text(
            status_page(bill, rows), encoding="utf-8")


NOTE = ("WRITTEN FOR THE BILLWATCH DEMO from the ontario-legislature-bills corpus (MIT); "
        "see build_on_41_1.py")


def status_page(bill: dict[str, str], rows: list[dict[str, str]]) -> str:
    sponsor = html.escape(bill["sponsor_name1"])
    role = f" ({html.escape(bill['sponsor_title1'])})" if bill["sponsor_title1"] else ""
    current = html.escape(rows[0]["activity"]) if rows else ""
    cells = []
    for row in reversed(rows):  # the corpus lists the newest first
        activity = "" if row["activity"] == "-" else row["activity"]
        event, outcome = ("", activity) if OUTCOME.match(activity) else (activity, "")
        stage = "" if row["bill_stage"] == "-" else row["bill_stage"]
        committee = "" if row["committee"] == "-" else row["committee"]
        cells.append("<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in
                                      (row["date"], stage, event, outcome, committee)))
    return (f"<!-- {NOTE} -->\n<html><body><h1 class=\"bill-title\">Bill {bill['bill_number']}, "
            f"{html.escape(bill['bill_title'])}</h1>\n"
            f'<div class="bill-sponsors"><div class="views-field views-field-field-member"><div class="field-content">'
            f'<p><a href="/en/members/all/x">{sponsor}</a>{role}</p></div></div></div>\n'
            f'<div class="bill-status-header"><p class="views-field views-field-field-current-status-1">'
            f'<span class="field-content">{current}</span></p></div>\n'
            '<div class="views-element-container"><table class="table views-table">\n'
            "<thead><tr><th>Date</th><th>Bill stage</th><th>Event</th><th>Outcome</th><th>Committee</th></tr></thead>\n"
            "<tbody>\n" + "\n".join(cells) + "\n</tbody></table></div>\n</body></html>\n")


if __name__ == "__main__":
    main(sys.argv[1])
