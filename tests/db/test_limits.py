"""Hourly limits counted in the audit trail: only the last hour counts, and of two refusals at once
only one decides to tell the admins."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from db.base import utcnow
from db.models import AuditKind, Role
from db.repositories import UserRepository
from db.repositories.audit import AuditRepository
from db.repositories.limits import LimitRepository, Reached


async def _anna(sessionmaker):
    async with sessionmaker() as session:
        anna = await UserRepository(session).create(tg_id=1, full_name="Anna", role=Role.MANAGER, username=None,
                                                    timezone="Europe/Moscow", language="en", team_id=None)
        await session.commit()
        return anna


async def test_only_the_last_hour_counts_and_says_when_one_more_is_allowed(sessionmaker) -> None:
    anna = await _anna(sessionmaker)
    now = utcnow()
    async with sessionmaker() as session:
        audit = AuditRepository(session, anna)
        for minutes, kind in ((70, AuditKind.CARD), (61, AuditKind.CARD), (40, AuditKind.CARD),
                              (30, AuditKind.SEARCH), (10, AuditKind.CARD)):
            await audit.record(kind, {}, at=now - timedelta(minutes=minutes))
        await session.commit()
        limits = LimitRepository(session, anna)
        assert await limits.reached(AuditKind.CARD, 3, now) is None  # two of the four cards are older than an hour
        reached = await limits.reached(AuditKind.CARD, 2, now)
        assert reached.until == now + timedelta(minutes=20)  # when the card of 40 minutes ago leaves the hour
        assert await limits.reached(AuditKind.CARD, 0, now) is None  # 0: no limit
        assert await limits.reached(AuditKind.EXPORT, 1, now) is None


async def test_two_refusals_at_once_tell_the_admins_once(sessionmaker) -> None:
    anna = await _anna(sessionmaker)
    now = utcnow()
    async with sessionmaker() as session:
        await AuditRepository(session, anna).record(AuditKind.CARD, {"client": 1})
        await session.commit()
    async with sessionmaker() as first, sessionmaker() as second:
        reached = await LimitRepository(first, anna).reached(AuditKind.CARD, 1, now)
        assert await LimitRepository(first, anna).refuse(reached, {"client": 2}, now)  # not committed yet
        other = asyncio.create_task(LimitRepository(second, anna).refuse(reached, {"client": 3}, now))
        await asyncio.sleep(0.2)  # the second one reaches the chain head's lock and waits there
        await first.commit()
        assert await other is False  # it saw the first refusal once it got the lock
        await second.commit()
    async with sessionmaker() as session:
        verdict = await AuditRepository(session).verify()
        assert verdict.ok and verdict.count == 3
        # a refusal of another kind is told of on its own
        assert await LimitRepository(session, anna).refuse(Reached(AuditKind.SEARCH, 1, now), {}, now)
