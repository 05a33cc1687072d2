"""The weekly call-back audit: at the configured hour of the configured weekday (the company's
timezone), last week's done meetings are sampled per manager and each head's checklist is put in
the outbox, to go out exactly once like every reminder. Run from the reminder beat, so it follows
the same clock (the sandbox's, the tests'); a week already sampled is never drawn again."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import Kind, ReminderKind, ReminderStatus
from db.repositories.callbacks import CallbackRepository
from db.repositories.reminders import ReminderRepository
from reports.callback_sample import Candidate, sample
from reports.dates import day_bounds
from reports.flags import assess

log = logging.getLogger(__name__)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class AuditPlan:
    weekday: int = 0  # Monday
    hour: int = 10
    share: float = 0.07
    minimum: int = 2


class CallbackAudit:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], timezone: str, plan: AuditPlan):
        self.sessionmaker = sessionmaker
        self.timezone = timezone
        self.plan = plan
        self._done: date | None = None  # the latest week this process has seen sampled

    def week_due(self, now: datetime) -> date:
        """The Monday of the week the latest scheduled run (at or before `now`) samples: the week
        before that run's."""
        local = now.astimezone(ZoneInfo(self.timezone))
        monday = local.date() - timedelta(days=local.weekday())
        run = datetime.combine(monday + timedelta(days=self.plan.weekday), time(self.plan.hour), ZoneInfo(self.timezone))
        if local < run:
            monday -= timedelta(days=7)
        return monday - timedelta(days=7)

    async def run_if_due(self, now: datetime) -> int:
        """Sample the week due, once; how many checks were made."""
        week = self.week_due(now)
        if self._done == week:
            return 0
        made = await self.run(week, now)
        self._done = week
        return made

    async def run(self, week: date, now: datetime) -> int:
        span = (day_bounds(week, self.timezone)[0], day_bounds(week + timedelta(days=6), self.timezone)[1])
        async with self.sessionmaker() as session:
            repo = CallbackRepository(session, None)
            done = await repo.sampled_managers(week)
            managers = [m for m in await repo.managers() if m.id not in done]
            heads, admin = await repo.reviewers()
            reviewer = {m.id: heads.get(m.team_id, admin) for m in managers}
            zones = {m.id: m.timezone for m in managers if reviewer[m.id] is not None}
            if not zones:
                return 0
            contacts, found = await assess(repo, zones, span)
            meetings = [c for c in contacts if c.kind == Kind.MEETING and span[0] <= c.happened_at < span[1]]
            taken = await repo.already_checked([c.id for c in meetings])
            candidates = [Candidate(c.id, c.manager_id, tuple(f.flag for f in found.get(c.id, ())))
                          for c in meetings if c.id not in taken]
            picks = sample(candidates, seed=week.toordinal(), share=self.plan.share, minimum=self.plan.minimum)
            if not picks:
                return 0
            await repo.insert([
                {"interaction_id": p.id, "manager_id": p.manager_id, "reviewer_id": reviewer[p.manager_id],
                 "week_start": week, "reasons": [f.value for f in p.flags], "created_at": now}
                for p in picks
            ])
            rows = [
                {"key": f"callbacks:{user_id}:{week.isoformat()}", "user_id": user_id, "kind": ReminderKind.CALLBACKS,
                 "due_at": now, "local_date": week, "status": ReminderStatus.PENDING}
                for user_id in sorted({reviewer[p.manager_id] for p in picks})
            ]
            await ReminderRepository(session).ensure(rows, now)
            await session.commit()
        log.info("Call-back audit of the week of %s: %d meetings of %d managers to %d reviewers",
                 week.isoformat(), len(picks), len({p.manager_id for p in picks}), len(rows))
        return len(picks)
