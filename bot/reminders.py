"""Plans reminders into the outbox and delivers the due ones, exactly once, across restarts and processes."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.notifier import DeliveryFailed, Notifier, Unreachable
from bot.workdays import WorkCalendar
from db.models import Reminder, ReminderKind, ReminderStatus, Role, User
from db.repositories.reminders import ReminderRepository
from handlers.reminders import render_reminder

log = logging.getLogger(__name__)
MEETING_HORIZON = timedelta(hours=36)
STUCK_AFTER = timedelta(minutes=10)
BATCH = 20_000


@dataclass
class DeliveryReport:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    dropped: int = 0


def _at(day: date, tz: str, moment: time) -> datetime:
    return datetime.combine(day, moment, ZoneInfo(tz)).astimezone(ZoneInfo("UTC"))


class ReminderService:
    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        notifier: Notifier,
        i18n: I18n,
        calendar: WorkCalendar,
        clock: Callable[[], datetime],
        grace: timedelta = timedelta(hours=2),
        concurrency: int = 64,
        worker: str | None = None,
    ):
        self.sessionmaker = sessionmaker
        self.notifier = notifier
        self.i18n = i18n
        self.calendar = calendar
        self.clock = clock
        self.grace = grace
        self.concurrency = concurrency
        self.worker = worker or secrets.token_hex(6)
        self._lock = asyncio.Lock()

    async def tick(self) -> DeliveryReport:
        """One scheduler beat; overlapping beats in one process wait for each other."""
        async with self._lock:
            now = self.clock()
            await self.plan(now)
            return await self.deliver(now)

    # ---- planning ----------------------------------------------------------------------------

    def _daily(self, user: User, day: date) -> list[dict]:
        if not self.calendar.is_workday(day):
            return []
        wanted = [
            (ReminderKind.MORNING, user.morning_at, not user.mute_morning),
            (ReminderKind.EVENING, user.evening_at, not user.mute_evening),
            (ReminderKind.SUMMARY, user.morning_at, user.role in (Role.HEAD, Role.ADMIN) and not user.mute_summary),
        ]
        return [
            {
                "key": f"{kind.value}:{user.id}:{day.isoformat()}",
                "user_id": user.id,
                "kind": kind,
                "due_at": _at(day, user.timezone, moment),
                "local_date": day,
                "status": ReminderStatus.PENDING,
            }
            for kind, moment, on in wanted
            if on
        ]

    async def plan(self, now: datetime) -> None:
        async with self.sessionmaker() as session:
            repo = ReminderRepository(session)
            rows: list[dict] = []
            for user in await repo.active_users():
                today = now.astimezone(ZoneInfo(user.timezone)).date()
                rows += self._daily(user, today) + self._daily(user, today + timedelta(days=1))
            for item, user in await repo.planned_meetings(now, now + MEETING_HORIZON):
                if user.mute_meeting:
                    continue
                rows.append({
                    "key": f"meeting:{item.id}:{int(item.planned_at.timestamp())}",
                    "user_id": user.id,
                    "kind": ReminderKind.MEETING,
                    "due_at": item.planned_at - timedelta(minutes=user.meeting_lead_min),
                    "interaction_id": item.id,
                    "status": ReminderStatus.PENDING,
                })
            # what would be dropped at once is not worth creating (a newcomer's missed morning)
            await repo.ensure([r for r in rows if r["due_at"] >= now - self.grace])
            await session.commit()

    # ---- delivery ----------------------------------------------------------------------------

    async def deliver(self, now: datetime) -> DeliveryReport:
        report = DeliveryReport()
        async with self.sessionmaker() as session:
            repo = ReminderRepository(session)
            for row in await repo.drop_stale(now - self.grace):
                log.warning("Dropped reminder %s: due %s, more than %s ago", row.key, row.due_at.isoformat(), self.grace)
                report.dropped += 1
            for row in await repo.abandon_stuck(now - STUCK_AFTER):
                log.error("Reminder %s was left mid-send by a stopped process; not resending", row.key)
            due = await repo.claim_due(now, self.worker, BATCH)
            await session.commit()
        if not due:
            return report
        gate = asyncio.Semaphore(self.concurrency)

        async def one(reminder: Reminder) -> ReminderStatus:
            async with gate:
                return await self._deliver_one(reminder, now)

        statuses = await asyncio.gather(*(one(r) for r in due))
        report.sent = statuses.count(ReminderStatus.SENT)
        report.skipped = statuses.count(ReminderStatus.SKIPPED)
        report.failed = statuses.count(ReminderStatus.FAILED)
        return report

    async def _deliver_one(self, reminder: Reminder, now: datetime) -> ReminderStatus:
        error = None
        async with self.sessionmaker() as session:
            user = await session.get(User, reminder.user_id)
            outgoing = None
            if user is not None and user.is_active and self._still_wanted(user, reminder):
                with self.i18n.context(), self.i18n.use_locale(user.language):
                    outgoing = await render_reminder(session, user, reminder, now, user.language)
            if outgoing is None:
                status = ReminderStatus.SKIPPED
            else:
                try:
                    await self.notifier.send_message(user.tg_id, outgoing.text, outgoing.markup)
                    status = ReminderStatus.SENT
                except Unreachable as exc:
                    status, error = ReminderStatus.FAILED, f"unreachable: {exc}"
                    await ReminderRepository(session).mark_unreachable(user.id, now)
                    log.info("User %s has blocked the bot; marked unreachable", user.id)
                except DeliveryFailed as exc:
                    status, error = ReminderStatus.FAILED, str(exc)
                    log.error("Reminder %s failed: %s", reminder.key, exc)
            await ReminderRepository(session).finish(reminder.id, status, at=self.clock(), error=error)
            await session.commit()
        return status

    def _still_wanted(self, user: User, reminder: Reminder) -> bool:
        """Settings may have changed since the reminder was planned."""
        if reminder.kind == ReminderKind.MEETING:
            return not user.mute_meeting
        return any(row["key"] == reminder.key and row["due_at"] == reminder.due_at
                   for row in self._daily(user, reminder.local_date))
