"""Helpers for the provincial source tests: build a source on a fast client, read fixtures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from monitor.http import HttpClient, HttpSettings
from sources.base import BillRecord, Source, source_class

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(province: str, name: str) -> bytes:
    """The bytes of tests/fixtures/ca_<province>/<name>, as captured."""
    return (FIXTURES / f"ca_{province}" / name).read_bytes()


def make_source(type_name: str, *, respects_robots: bool = False, cursor: dict[str, Any] | None = None,
                **options: Any) -> Source:
    """A source of ``type_name`` on a client without delays or retries.

    robots.txt is off unless asked (the robots tests cover it), so each test registers only the
    pages it is about.
    """
    cls = source_class(type_name)
    opts = cls.Options(name=options.pop("name", type_name.replace("-", "_")), type=type_name, **options)
    client = HttpClient(HttpSettings(min_interval=0, retries=0), sleep=lambda s: None)
    http = client.for_source(opts.name, respects_robots=respects_robots)
    return cls(opts, http, cursor)


def by_id(records: list[BillRecord]) -> dict[str, BillRecord]:
    """Records keyed by identifier (a duplicate identifier fails the test)."""
    out: dict[str, BillRecord] = {}
    for record in records:
        assert record.identifier not in out, f"duplicate identifier {record.identifier}"
        out[record.identifier] = record
    return out


def steps(record: BillRecord) -> list[tuple[str | None, str]]:
    """(ISO date, description) of each action of a record."""
    return [(a.date.isoformat() if a.date else None, a.description) for a in record.actions]
