"""APScheduler on the bot's event loop; the database, not the scheduler, knows what is due."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.reminders import ReminderService
from bot.scoring import NIGHTLY_HOUR, ScoringService

log = logging.getLogger(__name__)


SCORING_AFTER_START = timedelta(minutes=1)  # start-up's own work and the first reminders go first


def create_scheduler(service: ReminderService, tick_seconds: int, housekeeping=None,
                     scoring: ScoringService | None = None, backups=None) -> AsyncIOScheduler:
    """`backups`: (the job, the time of day, its timezone), when a database is to be backed up."""
    scheduler = AsyncIOScheduler(timezone="UTC")

    async def beat() -> None:
        try:
            report = await service.tick()
        except Exception:  # a bad beat must not stop the next ones
            log.exception("Reminder beat failed")
            return
        if report.sent or report.failed or report.dropped:
            log.info("Reminders: %d sent, %d skipped, %d failed, %d dropped",
                     report.sent, report.skipped, report.failed, report.dropped)

    # one beat at a time; a beat missed while the process was busy or down is not replayed:
    # the outbox catches up on the next one
    scheduler.add_job(beat, IntervalTrigger(seconds=tick_seconds), id="reminders",
                      max_instances=1, coalesce=True, misfire_grace_time=tick_seconds)
    if housekeeping is not None:
        scheduler.add_job(housekeeping, IntervalTrigger(hours=1), id="housekeeping",
                          max_instances=1, coalesce=True, misfire_grace_time=3600)
    if scoring is not None:
        # nightly, when nobody works; a night missed while the bot was down is made up at start-up
        scheduler.add_job(scoring.run, CronTrigger(hour=NIGHTLY_HOUR, timezone=scoring.timezone), id="scoring",
                          max_instances=1, coalesce=True, misfire_grace_time=3600)
        scheduler.add_job(scoring.run_if_stale, DateTrigger(datetime.now(timezone.utc) + SCORING_AFTER_START),
                          id="scoring-at-start", misfire_grace_time=None)
    if backups is not None:
        job, at, zone = backups
        # a backup missed while the bot was down is not made up at start-up: `python -m bot backup`
        scheduler.add_job(job, CronTrigger(hour=at.hour, minute=at.minute, timezone=zone), id="backup",
                          max_instances=1, coalesce=True, misfire_grace_time=3600)
    return scheduler
