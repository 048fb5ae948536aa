"""Build README.md from the pages under docs/ (run: python docs/build_readme.py).

The README is the whole manual in one page; each part is written and tested where it lives
(docs/<topic>.md, whose examples the test suite runs), and this script strings them together,
one heading level down, with a table of contents. tests/test_readme.py fails when README.md is
not what this script builds, so the two never drift.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
README = DOCS.parent / "README.md"

#: pages in reading order; README.head and README.core are already at README level
PARTS: list[tuple[str, bool]] = [
    ("README.head.md", False),
    ("README.core.md", False),
    ("rules.md", True),
    ("digests.md", True),
    ("operations.md", True),
    ("<coverage>", False),
    ("legiscan.md", True),
    ("openstates.md", True),
    ("sources-direct-us-federal.md", True),
    ("sources-provinces.md", True),
    ("sessions.md", True),
    ("storage.md", True),
    ("README.tail.md", False),
]


def demote(markdown: str) -> str:
    """Every heading one level down (# -> ##), leaving fenced code blocks alone."""
    out, fenced = [], False
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        if not fenced and re.match(r"#{1,5} ", line):
            line = "#" + line
        out.append(line)
    return "\n".join(out)


def relink(markdown: str) -> str:
    """Links written relative to docs/ made relative to the repository root."""
    return re.sub(r"\]\((?!https?:|#|/|docs/)([^)]+)\)", lambda m: f"](docs/{m.group(1)})"
                  if (DOCS / m.group(1).split("#")[0]).exists() else m.group(0), markdown)


def contents(body: str) -> str:
    lines = ["## Contents", ""]
    fenced = False
    for line in body.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        m = None if fenced else re.match(r"(##) (.+)", line)
        if m:
            anchor = re.sub(r"[^\w\- ]", "", m.group(2).lower()).replace(" ", "-")
            lines.append(f"{'  ' * (len(m.group(1)) - 2)}- [{m.group(2)}](#{anchor})")
    return "\n".join(lines)


def coverage() -> str:
    """The coverage table, from the source classes themselves (as `billwatch sources` shows it)."""
    sys.path.insert(0, str(DOCS.parent))
    from sources.base import registry

    rows = [
        "## Sources: what is covered",
        "",
        "Each `[[source]]` table names a `type`; `billwatch sources` lists them from the code, and this",
        "table is built the same way. *Tested on* says whether the parser is tested on a real capture",
        "of the legislature's payload or only on a fixture written from its documented shape.",
        "",
        "| type | jurisdictions | key | fields | tested on | known limits |",
        "|---|---|---|---|---|---|",
    ]
    for name, cls in registry().items():
        if name.startswith("test-"):
            continue
        cells = [f"`{name}`", cls.jurisdictions, "API key" if cls.needs_key else "none", cls.fields,
                 cls.tested_on, cls.limits]
        rows.append("| " + " | ".join(str(c).replace("|", "/") for c in cells) + " |")
    return "\n".join(rows)


def build() -> str:
    pieces = []
    for name, nested in PARTS:
        text = coverage() if name == "<coverage>" else (DOCS / name).read_text(encoding="utf-8").strip()
        pieces.append(relink(demote(text) if nested else text))
    head, rest = pieces[0], "\n\n".join(pieces[1:])
    generated = "<!-- Built by docs/build_readme.py from docs/*.md: edit those pages, then run it. -->"
    return f"{generated}\n{head}\n\n{contents(rest)}\n\n{rest}\n"


if __name__ == "__main__":
    README.write_text(build(), encoding="utf-8")
    print(f"wrote {README} ({len(README.read_text().splitlines())} lines)", file=sys.stderr)
