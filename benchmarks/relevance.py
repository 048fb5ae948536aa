"""Precision and recall of a rule pack on labelled bills (title + description), misses listed.

    .venv/bin/python benchmarks/relevance.py [RULE_FILE ...] [--labels CSV ...] [--quiet]

Default: the shipped health-IT pack on the development set (../shared/eval/dev_labels.csv, 451
real bills labelled by the definition in its README) and on our own labelled set
(benchmarks/data/relevance_labels.csv, see benchmarks/data/README.md). A bill counts as flagged
when any enabled rule of the files matches it. Figures are printed per set and, for our own
labels, per batch (the held-out batches are the honest estimate for unseen bills); ``--labels``
scores other label files of the same columns instead of the default sets. Bill data: LegiScan (CC BY 4.0) and the Ontario
Legislative Assembly (via RamVasuthevan/ontario-legislature-bills, MIT).
"""

from __future__ import annotations

import csv
import html
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rules.explain import BillText  # noqa: E402
from rules.ruleset import HEALTH_IT_PACK, RuleSet, load_rules  # noqa: E402

DEV_SET = ROOT.parent / "shared" / "eval" / "dev_labels.csv"
OWN_SET = ROOT / "benchmarks" / "data" / "relevance_labels.csv"


@dataclass
class Labelled:
    """One labelled bill."""

    key: str
    jurisdiction: str
    title: str
    description: str
    label: bool
    ambiguous: bool
    stratum: str
    batch: str = ""

    def text(self) -> BillText:
        summary = self.description if self.description and self.description != self.title else None
        return BillText.of(jurisdiction=self.jurisdiction, title=self.title, summary=summary)


def read_labels(path: Path) -> list[Labelled]:
    """Rows of a labels CSV (columns of the development set; extra columns ignored)."""
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            Labelled(
                key=f"{row['state']} {row['bill_number']} ({row['bill_id']})",
                jurisdiction=("CA-" if row["state"] == "ON" else "US-") + row["state"],
                title=html.unescape(row["title"]),
                description=html.unescape(row.get("description") or ""),
                label=row["label"] == "1",
                ambiguous=row.get("ambiguous") == "1",
                stratum=row.get("stratum", ""),
                batch=row.get("batch") or "",
            )
            for row in csv.DictReader(handle)
        ]


@dataclass
class Scores:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def line(self) -> str:
        return (f"precision {self.precision:.3f}  recall {self.recall:.3f}  F1 {self.f1:.3f}  "
                f"(tp {self.tp}, fp {self.fp}, fn {self.fn}, tn {self.tn})")


def score(ruleset: RuleSet, rows: list[Labelled]) -> tuple[Scores, Scores, list[tuple[str, Labelled, list[str]]], Counter[str]]:
    """Scores on ``rows`` (all, and without ambiguous rows), the errors and the matches per rule."""
    scores, clear = Scores(), Scores()
    errors: list[tuple[str, Labelled, list[str]]] = []
    rule_hits: Counter[str] = Counter()
    for row in rows:
        found = ruleset.matcher.match(row.text())
        flagged = bool(found)
        rule_hits.update(m.rule_id for m in found)
        kind = ("tp" if row.label else "fp") if flagged else ("fn" if row.label else "tn")
        for target in (scores, clear) if not row.ambiguous else (scores,):
            setattr(target, kind, getattr(target, kind) + 1)
        if kind in ("fp", "fn"):
            errors.append((kind, row, [f"{m.rule_id}: {', '.join(m.words()[:4])}" for m in found]))
    return scores, clear, errors, rule_hits


def evaluate(ruleset: RuleSet, rows: list[Labelled], name: str, quiet: bool = False) -> Scores:
    """Print the scores on ``rows`` (all, without ambiguous rows, per batch) and the errors."""
    scores, clear, errors, rule_hits = score(ruleset, rows)
    positives = sum(r.label for r in rows)
    print(f"\n== {name}: {len(rows)} bills, {positives} relevant")
    print(f"all rows:           {scores.line()}")
    print(f"without ambiguous:  {clear.line()}")
    print("flagged per rule:   " + ", ".join(f"{k} {v}" for k, v in sorted(rule_hits.items())))
    batches = sorted({r.batch for r in rows if r.batch}, key=lambda b: (len(b), b))
    for batch in batches if len(batches) > 1 else ():
        part = [r for r in rows if r.batch == batch]
        all_rows, clear_rows, _, _ = score(ruleset, part)
        print(f"  batch {batch:>2} ({len(part):4} bills, {sum(r.label for r in part):3} relevant): "
              f"P {all_rows.precision:.3f} R {all_rows.recall:.3f}; without ambiguous "
              f"P {clear_rows.precision:.3f} R {clear_rows.recall:.3f}")
    if not quiet:
        for kind, heading in (("fn", "missed (relevant, not flagged)"), ("fp", "false positives (flagged, not relevant)")):
            listed = [e for e in errors if e[0] == kind]
            print(f"-- {heading}: {len(listed)}")
            for _, row, why in listed:
                amb = " [ambiguous]" if row.ambiguous else ""
                print(f"   {row.key}{amb} {row.title[:110]}")
                if why:
                    print(f"        by {'; '.join(why)}")
    return scores


def main(argv: list[str]) -> None:
    quiet = "--quiet" in argv
    labels = [Path(argv[i + 1]) for i, a in enumerate(argv[:-1]) if a == "--labels"]
    files = [Path(a) for a in argv if a.endswith(".toml")] or [HEALTH_IT_PACK]
    ruleset = load_rules(files)
    print(f"rules: {', '.join(str(f) for f in files)} ({len(ruleset.enabled)} enabled rules)")
    print("data: LegiScan (CC BY 4.0), Ontario Legislative Assembly bills (MIT capture)")
    sets = [(p, p.name) for p in labels] or [(DEV_SET, "development set"), (OWN_SET, "own labelled set")]
    for path, name in sets:
        if path.exists():
            evaluate(ruleset, read_labels(path), f"{name} ({path.name})", quiet)
        else:
            print(f"\n== {name}: {path} not found, skipped")


if __name__ == "__main__":
    main(sys.argv[1:])
