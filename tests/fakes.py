"""A source type for tests of the scan pipeline: bills come from its options or a callback."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

from sources.base import BillRecord, Source, SourceOptions


class FakeOptions(SourceOptions):
    jurisdiction: str = "US-TX"
    count: int = 3
    fail: str | None = None
    api_key: str | None = None


class FakeSource(Source):
    """A test source: `count` bills, optionally failing with `fail` after yielding them."""

    type = "test-fake"
    jurisdictions = "any (tests)"
    Options = FakeOptions
    #: tests may replace the records with a callable(options, cursor) -> list[BillRecord]
    produce: ClassVar[Callable[[Any, dict[str, Any]], list[BillRecord]] | None] = None

    def fetch(self, since: dt.date | None = None) -> Iterator[BillRecord]:
        options: FakeOptions = self.options  # type: ignore[assignment]
        records = (FakeSource.produce(options, self.cursor) if FakeSource.produce
                   else [make_bill(options.name, options.jurisdiction, i) for i in range(options.count)])
        for record in records:
            self.cursor["seen"] = self.cursor.get("seen", 0) + 1
            yield record
        if options.fail:
            from monitor.errors import ParseError

            raise ParseError(options.fail, source=self.name)


def make_bill(source: str, jurisdiction: str, number: int, **changes: Any) -> BillRecord:
    values: dict[str, Any] = dict(
        source=source, jurisdiction=jurisdiction, session="2025", identifier=f"HB {number + 1}",
        title=f"Relating to telehealth services, bill {number + 1}", summary="A bill about telehealth.",
        stage="introduced", status="Introduced", status_date=dt.date(2025, 1, 10),
        last_action="Filed", last_action_date=dt.date(2025, 1, 10),
        url=f"https://example.org/{number + 1}", source_url="https://example.org/api",
    )
    values.update(changes)
    return BillRecord(**values)
