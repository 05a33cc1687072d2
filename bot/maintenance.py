"""Housekeeping on a schedule: the bookkeeping tables do not grow without end.

Update ids are kept a week (Telegram redelivers within hours, and restarts its ids only after a
week of silence); refused access tries a month (the rate limit needs an hour, an admin looking into
who knocked may want more).

A SQLite database is backed up every day at BACKUP_AT, company time (db/backup.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.settings import Settings
from db import backup
from db.repositories import SystemRepository

log = logging.getLogger(__name__)
KEEP_UPDATES = timedelta(days=7)
KEEP_ATTEMPTS = timedelta(days=30)


async def prune(sessionmaker: async_sessionmaker[AsyncSession], now: datetime) -> tuple[int, int]:
    async with sessionmaker() as session:
        repo = SystemRepository(session)
        updates = await repo.forget_updates_before(now - KEEP_UPDATES)
        attempts = await repo.forget_attempts_before(now - KEEP_ATTEMPTS)
        await session.commit()
    if updates or attempts:
        log.info("Pruned %d old update ids and %d old access tries", updates, attempts)
    return updates, attempts


def pruner(sessionmaker: async_sessionmaker[AsyncSession], clock: Callable[[], datetime]):
    async def job() -> None:
        try:
            await prune(sessionmaker, clock())
        except Exception:  # the next hour tries again
            log.exception("Pruning failed")

    return job


def back_up(settings: Settings, now: datetime) -> bool:
    """A checked backup of the SQLite database, then retention; False (logged as an error) if it failed."""
    database = backup.sqlite_path(settings.database_url)
    if database is None:
        return False
    try:
        made = backup.make(database, settings.backup_dir, now)
    except backup.BackupError as error:
        log.error("BACKUP FAILED, nothing new is kept: %s", error)
        return False
    gone = backup.prune(settings.backup_dir, settings.backup_keep_daily, settings.backup_keep_weekly)
    log.info("Backup %s: %.1f MB, checked (schema %s); %d old one(s) removed",
             made.path, made.size / 1e6, made.revision, len(gone))
    return True


def backer_up(settings: Settings, clock: Callable[[], datetime]):
    async def job() -> None:
        try:  # in a thread: SQLite copies without the event loop waiting on it
            await asyncio.to_thread(back_up, settings, clock())
        except Exception:
            log.exception("BACKUP FAILED")

    return job
