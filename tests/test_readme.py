"""The README is built from docs/*.md (docs/build_readme.py): it must be up to date."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load_builder():
    spec = importlib.util.spec_from_file_location("build_readme", ROOT / "docs" / "build_readme.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_is_built_from_the_docs():
    built = load_builder().build()
    assert (ROOT / "README.md").read_text(encoding="utf-8") == built, (
        "README.md is stale: run `python docs/build_readme.py`"
    )


def test_every_command_is_in_the_readme():
    from monitor.cli import cli

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in cli.commands:
        assert f"`{name}" in readme or f"billwatch {name}" in readme, name


def test_every_source_type_is_in_the_coverage_table():
    from sources.base import registry

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in registry():
        if not name.startswith("test-"):
            assert f"| `{name}` |" in readme, name
