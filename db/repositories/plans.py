"""Monthly sales plans: heads set them for their team and its managers, admins for anyone;
everyone reads the plans of what they may see (a manager: their own)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Role, SalesPlan, Team, User
from db.repositories.access import AccessDenied, NotFound, owned_by_scope

AMOUNT_MAX = 10**15  # kopecks: ten trillion roubles, far above any plan; keeps sums within BIGINT
COUNT_MAX = 100_000


@dataclass(frozen=True)
class PlanChange:
    """One plan as an import or a copy would set it, and what it is now (None: no plan yet)."""

    user_id: int | None
    team_id: int | None
    amount_minor: int
    deals: int | None
    meetings: int | None
    current: int | None


class PlanRepository:
    def __init__(self, session: AsyncSession, actor: User):
        self.session = session
        self.actor = actor

    def _setter(self) -> None:
        if self.actor.role not in (Role.HEAD, Role.ADMIN):
            raise AccessDenied

    async def _check_owner(self, user_id: int | None, team_id: int | None) -> None:
        """The plan's person must be an active manager in the actor's scope; its team, the head's own
        (an admin: any)."""
        if (user_id is None) == (team_id is None):
            raise ValueError("a plan is for one manager or one team")
        if user_id is not None:
            found = await self.session.scalar(
                select(User.id).where(User.id == user_id, User.role == Role.MANAGER, User.is_active.is_(True),
                                      owned_by_scope(self.actor, User.id))
            )
        else:
            query = select(Team.id).where(Team.id == team_id)
            if self.actor.role != Role.ADMIN:
                query = query.where(Team.id == self.actor.team_id)
            found = await self.session.scalar(query)
        if found is None:
            raise NotFound

    async def set(self, month: date, *, user_id: int | None = None, team_id: int | None = None,
                  amount_minor: int, deals: int | None = None, meetings: int | None = None, now: datetime) -> SalesPlan:
        self._setter()
        if not 0 <= amount_minor <= AMOUNT_MAX or any(v is not None and not 0 <= v <= COUNT_MAX for v in (deals, meetings)):
            raise ValueError("plan out of range")
        await self._check_owner(user_id, team_id)
        month = month.replace(day=1)
        plan = await self.session.scalar(
            select(SalesPlan).where(SalesPlan.month == month, SalesPlan.user_id == user_id if user_id else SalesPlan.team_id == team_id)
        )
        if plan is None:
            plan = SalesPlan(month=month, user_id=user_id, team_id=team_id, amount_minor=0)
            self.session.add(plan)
        plan.amount_minor, plan.deals, plan.meetings = amount_minor, deals, meetings
        plan.set_by_id, plan.updated_at = self.actor.id, now
        await self.session.flush()
        return plan

    async def remove(self, month: date, *, user_id: int | None = None, team_id: int | None = None) -> None:
        self._setter()
        await self._check_owner(user_id, team_id)
        owner = SalesPlan.user_id == user_id if user_id else SalesPlan.team_id == team_id
        await self.session.execute(delete(SalesPlan).where(SalesPlan.month == month.replace(day=1), owner))

    async def of_month(self, month: date) -> list[SalesPlan]:
        """The month's plans the actor may see: their scope's managers, and a head's team's (an admin:
        every team's; a manager: only their own)."""
        month = month.replace(day=1)
        people = select(SalesPlan).where(SalesPlan.month == month, SalesPlan.user_id.is_not(None),
                                         owned_by_scope(self.actor, SalesPlan.user_id))
        plans = list(await self.session.scalars(people))
        if self.actor.role == Role.ADMIN:
            plans += await self.session.scalars(select(SalesPlan).where(SalesPlan.month == month, SalesPlan.team_id.is_not(None)))
        elif self.actor.role == Role.HEAD and self.actor.team_id is not None:
            plans += await self.session.scalars(select(SalesPlan).where(SalesPlan.month == month, SalesPlan.team_id == self.actor.team_id))
        return plans

    async def copy_changes(self, source: date, target: date) -> list[PlanChange]:
        """What copying `source`'s plans onto `target` would set, for the preview."""
        current = {(p.user_id, p.team_id): p.amount_minor for p in await self.of_month(target)}
        return [
            PlanChange(p.user_id, p.team_id, p.amount_minor, p.deals, p.meetings, current.get((p.user_id, p.team_id)))
            for p in await self.of_month(source)
        ]

    async def apply(self, month: date, changes: list[PlanChange], now: datetime) -> int:
        """All or nothing: every change is checked against the actor's scope first."""
        self._setter()
        for change in changes:
            await self._check_owner(change.user_id, change.team_id)
        for change in changes:
            await self.set(month, user_id=change.user_id, team_id=change.team_id, amount_minor=change.amount_minor,
                           deals=change.deals, meetings=change.meetings, now=now)
        return len(changes)
