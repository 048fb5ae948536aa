"""Draw a batch of unlabelled bills for hand labelling, stratified like the development set.

    .venv/bin/python benchmarks/data/draw_batch.py BATCH:PREFIX SEED SIZES OUT.csv

SIZES is comma-separated ``stratum=count`` (strata below). Bills already in the development set
or in relevance_labels.csv (by key or by title) are never drawn, nor twice in a batch. The keyword
nets only choose which bills are looked at; each bill is then labelled by hand by the definition
in ../shared/eval/README.md. Bill data: LegiScan (CC BY 4.0), Ontario Legislative Assembly (MIT).
"""

from __future__ import annotations

import csv
import gzip
import html
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus"
LABELLED = (ROOT.parent / "shared" / "eval" / "dev_labels.csv", ROOT / "benchmarks" / "data" / "relevance_labels.csv")

HEALTH = re.compile(r"\b(health|medical|hospital|patient|physician|nurs|clinic|medicaid|medicare|pharmac|prescri"
                    r"|mental|dental|disease|vaccin|immuniz|drug|behavioral|opioid|substance use|care provider"
                    r"|public health|emergency medical|ambulance|therap|psycholog|abortion|pregnan|maternal)", re.IGNORECASE)
INFO = re.compile(r"\b(data|information|record|report|system|technolog|electronic|digital|online|internet"
                  r"|database|registry|software|computer|privacy|confidential|disclos)", re.IGNORECASE)
STRONG = re.compile(r"(tele(health|medicine|pharm|dent|psych)|health information|health data|medical record|health record"
                    r"|electronic health|interoperab|prescription (drug )?monitoring|e-?prescri|artificial intelligence"
                    r"|cyber|all-payer|registry|remote patient|virtual care|patient data|medical data|hipaa)", re.IGNORECASE)
TOPICS = {
    "topic_ai": re.compile(r"(artificial intelligence|algorithm|automated decision|machine learning|chatbot|\bAI\b)"),
    "topic_interop_records": re.compile(r"\b(records?|interoperab\w*|information exchange|information sharing|data sharing)\b", re.IGNORECASE),
    "topic_security": re.compile(r"(cyber|security breach|data breach|ransomware|information security)", re.IGNORECASE),
    "topic_erx_pdmp": re.compile(r"(prescription|controlled substance|opioid|prescriber)", re.IGNORECASE),
    "topic_telehealth": re.compile(r"(tele\w+|virtual|remote|audio|video|broadband)", re.IGNORECASE),
    "topic_privacy": re.compile(r"(privacy|confidential|personal information|personal data|genetic|biometric|consumer data)", re.IGNORECASE),
}
ON_NET = re.compile(r"(health|medical|hospital|patient|drug|information|privacy|record|data|electronic|digital|technolog"
                    r"|pharmac|nurs|care)", re.IGNORECASE)


def labelled_keys() -> tuple[set[str], set[str]]:
    keys, titles = set(), set()
    for path in LABELLED:
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                keys.add(f"{row['state']}|{row['bill_id']}")
                titles.add(html.unescape(row["title"]).strip().lower())
    return keys, titles


def legiscan_rows() -> list[dict[str, str]]:
    with gzip.open(CORPUS / "legiscan_bills_12_states.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        return [r for r in csv.DictReader(handle) if r["session_name"][:4].isdigit() and int(r["session_name"][:4]) >= 2019]


def ontario_rows() -> list[dict[str, str]]:
    with (CORPUS / "ontario" / "bills.csv").open(newline="", encoding="utf-8") as handle:
        rows = []
        for r in csv.DictReader(handle):
            base = r["parliament"].rstrip("/")
            rows.append({"set": "ontario", "bill_id": f"{base}|{r['bill_number']}", "state": "ON",
                         "session_name": "", "bill_number": r["bill_number"], "title": r["bill_title"], "description": ""})
        return rows


def stratum_of(name: str, row: dict[str, str]) -> bool:
    text = html.unescape(f"{row['title']} {row['description']}")
    health, info, strong = bool(HEALTH.search(text)), bool(INFO.search(text)), bool(STRONG.search(text))
    checks = {
        "net": health and strong or bool(re.search(r"tele(health|medicine)|health information|medical record", text, re.IGNORECASE)),
        "hidden_net2": health and info and not strong,
        "health_nonnet": health and not info and not strong,
        "random": True,
        "on_net": bool(ON_NET.search(text)),
        "on_random": True,
    }
    if name in TOPICS:
        return bool(TOPICS[name].search(text))
    return checks[name]


def main(argv: list[str]) -> None:
    (batch, prefix), seed, sizes, out = argv[0].split(":"), int(argv[1]), argv[2], Path(argv[3])
    keys, titles = labelled_keys()
    rng = random.Random(seed)
    pools = {"legiscan": legiscan_rows(), "ontario": ontario_rows()}
    for pool in pools.values():
        rng.shuffle(pool)
    drawn: list[dict[str, str]] = []
    for part in sizes.split(","):
        name, count = part.split("=")
        pool = pools["ontario" if name.startswith("on_") else "legiscan"]
        taken = 0
        for row in pool:
            if taken == int(count):
                break
            title = html.unescape(row["title"]).strip().lower()
            key = f"{row['state']}|{row['bill_id']}"
            if key in keys or title in titles or not stratum_of(name, row):
                continue
            keys.add(key)
            titles.add(title)
            drawn.append({"set": row.get("set", "legiscan"), "bill_id": row["bill_id"], "state": row["state"],
                          "session_name": row["session_name"], "bill_number": row["bill_number"],
                          "title": row["title"], "description": row["description"], "label": "", "ambiguous": "",
                          "stratum": f"{prefix}_{name}", "batch": batch})
            taken += 1
    rng.shuffle(drawn)
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(drawn[0]))
        writer.writeheader()
        writer.writerows(drawn)
    print(f"{len(drawn)} bills drawn into {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
