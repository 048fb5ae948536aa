"""Cron expression validation shared by the config models."""

from __future__ import annotations


def validate_cron(value: str) -> str:
    """``value`` if it is a 5-field crontab expression, else ValueError with an example."""
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger.from_crontab(value)
    except ValueError as exc:
        raise ValueError(f"not a cron expression ({exc}); example: \"0 6 * * *\"") from None
    return value
