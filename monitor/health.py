"""Source health: which configured sources are failing or stale.

Used by `billwatch status` and by the digests' source-health section, so that a source that has
stopped working is named rather than mistaken for a quiet week.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.config import Config
from monitor.models import SourceState, utcnow


@dataclass
class SourceHealth:
    name: str
    type: str
    enabled: bool
    last_success: dt.datetime | None
    last_error: str | None
    last_error_at: dt.datetime | None
    consecutive_failures: int
    stale: bool
    quota_month: str | None = None
    quota_used: int = 0
    #: the source's monthly request budget, where it has one (LegiScan's monthly_budget)
    quota_limit: int | None = None

    @property
    def healthy(self) -> bool:
        return not self.stale and self.consecutive_failures == 0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("last_success", "last_error_at"):
            if data[key] is not None:
                data[key] = data[key].isoformat(timespec="seconds") + "Z"
        return data


def source_health(session: Session, config: Config, now: dt.datetime | None = None) -> list[SourceHealth]:
    """Health of every configured source, in config order (naive UTC datetimes)."""
    now = now or utcnow()
    states = {s.name: s for s in session.scalars(select(SourceState))}
    report = []
    for options in config.sources:
        state = states.get(options.name)
        hours = options.stale_after_hours or config.schedule.stale_after_hours
        last_success = state.last_success if state else None
        stale = options.enabled and (last_success is None or now - last_success > dt.timedelta(hours=hours))
        report.append(
            SourceHealth(
                name=options.name,
                type=options.type,
                enabled=options.enabled,
                last_success=last_success,
                last_error=state.last_error if state else None,
                last_error_at=state.last_error_at if state else None,
                consecutive_failures=state.consecutive_failures if state else 0,
                stale=stale,
                quota_month=state.quota_month if state else None,
                quota_used=state.quota_used if state else 0,
                quota_limit=getattr(options, "monthly_budget", None),
            )
        )
    return report
