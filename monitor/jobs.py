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


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def weekly_cron(digest_weekly: str, weekdays: list[str]) -> str:
    """The weekly digest job's cron: the time of ``digest_weekly``, on every weekday a subscriber
    chose (``weekly:fri``), so each subscriber's digest goes out on its own day."""
    minute, hour, day, month, _ = digest_weekly.split()
    return f"{minute} {hour} {day} {month} {','.join(weekdays)}"


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
    weekdays = sorted({c.split(":", 1)[1] for c in cadences if c.startswith("weekly:")}, key=WEEKDAYS.index)
    if weekdays:
        jobs.append(("digest:weekly", "digest", weekly_cron(config.schedule.digest_weekly, weekdays), None))
    planned = []
    for job_id, kind, cron, source in jobs:
        trigger = CronTrigger.from_crontab(cron, timezone=tz)
        next_run = trigger.get_next_fire_time(None, now)
        planned.append(PlannedJob(job_id, kind, cron, trigger, next_run, source))
    return planned
