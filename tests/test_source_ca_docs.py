"""The examples in docs/sources-provinces.md are valid configs, and its table covers every type."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from monitor.config import load_config
from sources.base import registry

DOC = Path(__file__).parent.parent / "docs" / "sources-provinces.md"
BLOCKS = re.findall(r"```toml\n(.*?)```", DOC.read_text(), re.S)


@pytest.mark.parametrize("block", BLOCKS, ids=[f"example-{i}" for i in range(len(BLOCKS))])
def test_config_examples_load(tmp_path, block):
    path = tmp_path / "billwatch.toml"
    path.write_text(block)
    config = load_config(path)
    assert config.sources and all(s.type.startswith("ca-") for s in config.sources)


def test_every_province_type_is_in_the_coverage_table_with_its_class_attributes():
    text = DOC.read_text()
    provinces = {t: cls for t, cls in registry().items() if t.startswith("ca-")}
    assert len(provinces) == 13
    for type_name, cls in provinces.items():
        row = next(line for line in text.splitlines()
                   if line.startswith(f"| {cls.jurisdiction} | `{type_name}` |"))
        tested_on = row.split("|")[4]
        assert ("documented shape" in tested_on) == ("documented shape" in cls.tested_on), type_name
        assert ("real capture" in tested_on) == ("real capture" in cls.tested_on), type_name
