"""Speed of the rule matcher: 100,000 real bills against the health-IT pack plus 500 generated rules.

    .venv/bin/python benchmarks/rules.py [--bills N] [--write-term-frequency]

Prints: which joint search match_many uses (rules/batch.py with hyperscan, else rules/prefilter.py
with ahocorasick-rs) and whether rules/batch.py builds its first text in C (rules/_stepone.c, built
by ``pip install``); bills/s for the pack alone, pack + 50 and pack + 500 generated rules
(match_many, the path scans and re-matches use; also with every match's evidence gathered), and the
one-off time to compile each set of rules; the ratio of the time for 500 rules to the time for 50
(target at most 2); the same 100,000 bills matched by the anchor search and word by word
(rules/prefilter.py), and by rules/batch.py without its C extension, each with whether it gives the
same matches; the ratio to a naive baseline that runs each rule's regular expression over each
bill (target at least 20 times faster); and the ratio to ``LC_ALL=C grep -F -i -c -f TERMS`` over the same text (one bill per line) and the rules'
terms (target within 5 times). Bills: title + description of LegiScan datasets (CC BY 4.0,
LegiScan LLC) from ../shared/corpus.

The generated rules are written like watch rules: subject words of bill text (found in 0.005% to
0.05% of bills, 5 to 50 bills in 100,000, as a watch topic is), as single words, wildcards,
phrases taken from real bigrams, A AND B, A NEAR/5 B, (A OR B), and A NOT B; a fixed seed
makes them the same every run. Times are CPU seconds of this process, the fastest of RUNS runs
(each on new bill objects, so that joining each bill's fields is counted), so that other work
on the machine disturbs them less (on the 2-core development machine single
runs differ by up to 20%); grep's are its CPU seconds too, the fastest of as many runs, each after
a run of the matcher (pack + 500), whose fastest of those runs the ratio to grep uses: timed in turn,
both meet the same busy and quiet moments of the machine.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import csv
import gzip
import html
import itertools
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rules import batch, prefilter
from rules import matcher as matcher_module
from rules.explain import BillText
from rules.matcher import Matcher
from rules.query import parse_query
from rules.ruleset import HEALTH_IT_PACK, Rule, load_rules
from rules.text import terms_of

CORPUS = ROOT.parent / "shared" / "corpus" / "legiscan_bills_12_states.csv.gz"
WORD = re.compile(r"[a-z][a-z0-9]+")
NAIVE_SAMPLE = 2_000
RUNS = 5  # timed runs of the matcher and of grep; the fastest counts


def read_bills(limit: int) -> list[tuple[str, str | None]]:
    """(title, description or None) of the first ``limit`` distinct bills of the corpus."""
    bills: list[tuple[str, str | None]] = []
    with gzip.open(CORPUS, "rt", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            title, description = html.unescape(row["title"]), html.unescape(row["description"])
            bills.append((title, description if description != title else None))
            if len(bills) >= limit:
                break
    return bills


def generate_rules(bills: list[tuple[str, str | None]], count: int, seed: int = 7) -> list[Rule]:
    """``count`` watch-rule-like rules built from words and bigrams of moderate frequency."""
    frequency: collections.Counter[str] = collections.Counter()
    bigrams: collections.Counter[tuple[str, str]] = collections.Counter()
    for title, description in bills:
        words = WORD.findall(f"{title} {description or ''}".lower())
        frequency.update(set(words))
        bigrams.update(set(itertools.pairwise(words)))
    low, high = len(bills) * 0.00005, len(bills) * 0.0005
    words = sorted(w for w, n in frequency.items() if low <= n <= high and len(w) >= 5)
    pairs = sorted(p for p, n in bigrams.items() if low <= n <= high and min(map(len, p)) >= 4)
    stems = sorted({w[:-2] for w in words if len(w) >= 8} & _rare_stems(frequency, high))
    rng = random.Random(seed)
    shapes = [
        lambda: rng.choice(words),
        lambda: rng.choice(stems) + "*",
        lambda: '"{} {}"'.format(*rng.choice(pairs)),
        lambda: f"{rng.choice(words)} AND {rng.choice(words)}",
        lambda: f"{rng.choice(words)} NEAR/5 {rng.choice(words)}",
        lambda: "({} OR {})".format(*rng.sample(words, 2)),
        lambda: f'"{" ".join(rng.choice(pairs))}" NOT {rng.choice(words)}',
    ]
    rules = []
    for number in range(count):
        query = shapes[number % len(shapes)]()
        rules.append(Rule(id=f"gen-{number}", name=f"generated {number}", query_text=query,
                          query=parse_query(query), path=Path("generated"), fields=frozenset({"title", "summary"})))
    return rules


def _rare_stems(frequency: collections.Counter[str], most: float) -> set[str]:
    """Word stems (6+ letters) that begin at most ``most`` bills' words in all (a wildcard's reach)."""
    reach: collections.Counter[str] = collections.Counter()
    for word, bills in frequency.items():
        for length in range(6, len(word)):
            reach[word[:length]] += bills
    return {stem for stem, bills in reach.items() if bills <= most}


def _compiled(rules: list[Rule]) -> tuple[Matcher, float]:
    """A matcher with its rules compiled for batches (when hyperscan is installed), and the seconds that took."""
    matcher = Matcher(rules)
    start = time.perf_counter()
    matcher.compile_batch()
    return matcher, time.perf_counter() - start


def time_matching(matcher: Matcher, texts: list[BillText], evidence: bool = False, runs: int = RUNS) -> tuple[float, int]:
    """CPU seconds to match every bill (the fastest of ``runs`` runs), and how many bills matched a rule.

    Each run matches new bill objects (made before the clock starts), as a scan or a re-match
    does: a bill object keeps its searched fields joined once matched (BillText.joined), and a
    run on the same objects again would not count that work.
    """
    best, matched = float("inf"), 0
    for _ in range(runs):
        bills = [BillText(bill.jurisdiction, bill.texts, bill.items) for bill in texts]
        start = time.process_time()
        results = matcher.match_many(bills)
        if evidence:
            for found in results:
                for result in found:
                    result.snippet  # noqa: B018 (gathers hits and snippet)
        best = min(best, time.process_time() - start)
        matched = sum(bool(found) for found in results)
    return best, matched


@contextlib.contextmanager
def _swapped(module: object, name: str, value: object) -> Iterator[None]:
    """``module.name`` set to ``value`` for the time of the block."""
    saved = getattr(module, name)
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, saved)


def _time_another_way(label: str, matcher: Matcher, texts: list[BillText], expected: list[list[str]]) -> None:
    """Prints the time of pack + 500 matched by ``matcher``, and whether its matches are ``expected``."""
    seconds, _ = time_matching(matcher, texts)
    same = expected == [[m.rule_id for m in found] for found in matcher.match_many(texts)]
    print(f"pack + 500 {label}: {seconds:.2f} s = {len(texts) / seconds:,.0f} bills/s; "
          f"same matches on every bill: {'yes' if same else 'NO'}")


def naive_seconds(rules: list[Rule], bills: list[tuple[str, str | None]]) -> float:
    """Seconds for one regular expression per rule (its words, any of them) over a bill sample."""
    patterns = []
    for rule in rules:
        alternatives = sorted({" ".join(spec.term for spec in seq.specs)
                               for term in rule.query.terms() for seq in term.alternatives})
        body = "|".join(re.escape(a).replace(r"\ ", r"\W+") for a in alternatives)
        patterns.append(re.compile(rf"\b(?:{body})", re.IGNORECASE))
    sample = [f"{title}\n{description or ''}" for title, description in bills[:NAIVE_SAMPLE]]
    start = time.process_time()
    for text in sample:
        for pattern in patterns:
            pattern.search(text)
    return (time.process_time() - start) * len(bills) / len(sample)


def grep_seconds(
    rules: list[Rule], bills: list[tuple[str, str | None]], alternate: Callable[[], float]
) -> tuple[float, int, int, float] | None:
    """The fastest of RUNS ``LC_ALL=C grep -F -i -c -f TERMS`` runs over the bills, one per line,
    the number of terms and of lines counted; ``alternate`` (a timed run of the matcher) runs
    before each grep run, so that both are timed in the same moments of a busy machine: the
    fastest of its times too."""
    if shutil.which("grep") is None:
        return None
    terms = sorted({" ".join(spec.term for spec in seq.specs)
                    for rule in rules for term in rule.query.terms() for seq in term.alternatives})
    with tempfile.TemporaryDirectory() as folder:
        text_file, terms_file = Path(folder, "bills.txt"), Path(folder, "terms.txt")
        text_file.write_text("".join(f"{t} {d or ''}".replace("\n", " ") + "\n" for t, d in bills), encoding="utf-8")
        terms_file.write_text("\n".join(terms) + "\n", encoding="utf-8")
        best, lines, other = float("inf"), 0, float("inf")
        for _ in range(RUNS):
            other = min(other, alternate())
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            done = subprocess.run(["grep", "-F", "-i", "-c", "-f", str(terms_file), str(text_file)],
                                  env={**os.environ, "LC_ALL": "C"}, capture_output=True, text=True, check=False)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            best = min(best, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
            lines = int(done.stdout.strip() or 0)
    return best, len(terms), lines, other


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bills", type=int, default=100_000)
    parser.add_argument("--write-term-frequency", action="store_true",
                        help="regenerate rules/term_frequency.py from the whole corpus, then exit")
    args = parser.parse_args()
    if args.write_term_frequency:
        write_term_frequency()
        return
    bills = read_bills(args.bills)
    size = sum(len(t) + len(d or "") for t, d in bills)
    print(f"{len(bills):,} bills, {size / 1e6:.1f} MB of title + description (LegiScan, CC BY 4.0)")
    pack = load_rules([HEALTH_IT_PACK]).enabled
    generated = generate_rules(bills, 500)
    prepare = time.perf_counter()
    texts = [BillText.of(title=t, summary=d) for t, d in bills]
    print(f"building BillText inputs: {time.perf_counter() - prepare:.2f} s (not counted below)")
    engine = "hyperscan (rules/batch.py)" if batch.available() else "ahocorasick-rs (rules/prefilter.py)"
    if batch.available():
        engine += ", its texts built " + ("in C (rules/_stepone.c)" if batch.text_in_c() else
                                          "in Python: rules._stepone NOT BUILT in this source tree (slower; "
                                          "`make install` or `.venv/bin/pip install -e .` builds it, with a C compiler)")
    print(f"joint search: {engine}" + ("" if prefilter.available() or batch.available() else ": NEITHER INSTALLED, bill by bill"))
    figures, matchers = {}, {}
    for label, rules in (("pack", pack), ("pack + 50", pack + generated[:50]), ("pack + 500", pack + generated)):
        matcher, compiling = _compiled(rules)
        matchers[label] = matcher
        seconds, matched = time_matching(matcher, texts)
        with_evidence, _ = time_matching(_compiled(rules)[0], texts, evidence=True)
        figures[label] = seconds
        print(f"{label:11s} {len(rules):4d} rules: {seconds:6.2f} s = {len(bills) / seconds:9,.0f} bills/s "
              f"({with_evidence:.2f} s with evidence), {matched:,} bills matched; compiling {compiling:.2f} s once")
    print(f"ratio 500 rules / 50 rules: {figures['pack + 500'] / figures['pack + 50']:.2f} (target <= 2)")
    if batch.available() and prefilter.available():
        compiled = [[m.rule_id for m in found] for found in _compiled(pack + generated)[0].match_many(texts)]
        # The anchor search and word by word: what match_many does without hyperscan.
        with _swapped(matcher_module, "COMPILE_LEAST", len(texts) + 1):
            _time_another_way("by anchor search and word by word", Matcher(pack + generated), texts, compiled)
        if batch.text_in_c():
            # What a machine without a C compiler gets: rules/batch.py with its texts built in Python.
            with _swapped(batch, "_stepone", None):
                _time_another_way("without the C extension", _compiled(pack + generated)[0], texts, compiled)
    naive = naive_seconds(pack + generated, bills)
    print(f"naive per-rule regex baseline (extrapolated from {NAIVE_SAMPLE:,} bills): {naive:.1f} s; "
          f"compiled matcher is {naive / figures['pack + 500']:.0f}x faster (target >= 20)")
    grep = grep_seconds(pack + generated, bills, lambda: time_matching(matchers["pack + 500"], texts, runs=1)[0])
    if grep is None:
        print("grep not found: comparison skipped")
    else:
        seconds, terms, lines, matching = grep
        print(f"LC_ALL=C grep -F -i -c -f TERMS ({terms:,} terms): {seconds:.3f} s, {lines:,} lines; pack + 500 in "
              f"turn with it: {matching:.2f} s; matcher / grep = {matching / seconds:.1f} (target <= 5)")


def write_term_frequency() -> None:
    """Regenerate rules/term_frequency.py: bills per 100,000 containing each common word."""
    counts: collections.Counter[str] = collections.Counter()
    total = 0
    with gzip.open(CORPUS, "rt", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            counts.update(set(terms_of(html.unescape(row["title"] + " " + row["description"]))))
            total += 1
    pairs = [f"{w}:{round(n * 100_000 / total)}" for w, n in counts.most_common() if n / total >= 0.001]
    target = ROOT / "rules" / "term_frequency.py"
    source = target.read_text(encoding="utf-8")
    head, _, rest = source.partition('_TABLE = """\n')
    _, _, tail = rest.partition('"""\n')
    import textwrap

    body = "\n".join(textwrap.wrap(" ".join(pairs), 100))
    target.write_text(f'{head}_TABLE = """\n{body}\n"""\n{tail}', encoding="utf-8")
    print(f"wrote {target}: {len(pairs)} words from {total:,} bills")


if __name__ == "__main__":
    main()
