"""The jobs `billwatch run` schedules, derived from the config (also shown by `billwatch status`)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from apscheduler.triggers.cron import CronTrigger

from monitor.config import Config


@dataclass
class PlannedJob:
    id: str  # "scan:<source name>", "digest:daily", "digest:weekly"
    kind: str  # "scan" or "digest"
    cron: str
    trigger: CronTrigger
    next_run: dt.datetime
    source: str | None = None


def planned_jobs(config: Config, now: dt.datetime | None = None) -> list[PlannedJob]:
    """One job per enabled source (its own schedule or [schedule].scan) and per digest cadence in use."""
    tz = zoneinfo.ZoneInfo(config.schedule.timezone)
    now = now or dt.datetime.now(tz)
    jobs: list[tuple[str, str, str, str | None]] = [
        (f"scan:{s.name}", "scan", s.schedule or config.schedule.scan, s.name)
        for s in config.sources if s.enabled
    ]
    cadences = {getattr(s, "cadence", "") for s in config.subscribers if getattr(s, "enabled", True)}
    if "daily" in cadences:
        jobs.append(("digest:daily", "digest", config.schedule.digest_daily, None))
    if any(c.startswith("weekly") for c in cadences):
        jobs.append(("digest:weekly", "digest", config.schedule.digest_weekly, None))
    planned = []
    for job_id, kind, cron, source in jobs:
        trigger = CronTrigger.from_crontab(cron, timezone=tz)
        next_run = trigger.get_next_fire_time(None, now)
        planned.append(PlannedJob(job_id, kind, cron, trigger, next_run, source))
    return planned
