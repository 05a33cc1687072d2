"""Housekeeping on a schedule: the bookkeeping tables do not grow without end.

Update ids are kept a week (Telegram redelivers within hours, and restarts its ids only after a
week of silence); refused access tries a month (the rate limit needs an hour, an admin looking into
who knocked may want more).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

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
