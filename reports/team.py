"""A head's view of the team: per manager, today's and tomorrow's plan, yesterday's results, what hangs."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Interaction, Kind, Outcome, Role, Status, User
from db.repositories.access import owned_by_scope


@dataclass
class ManagerDay:
    user_id: int
    name: str
    planned_today: int = 0
    planned_tomorrow: int = 0
    logged_yesterday: int = 0
    by_kind: Counter[Kind] = field(default_factory=Counter)
    by_outcome: Counter[Outcome] = field(default_factory=Counter)
    without_result: int = 0  # planned before today and still open
    unreachable: bool = False


async def team_day(
    session: AsyncSession,
    head: User,
    today: tuple[datetime, datetime],
    yesterday: tuple[datetime, datetime],
    tomorrow: tuple[datetime, datetime],
) -> list[ManagerDay]:
    managers = list(
        await session.scalars(
            select(User)
            .where(owned_by_scope(head, User.id), User.is_active.is_(True), User.role == Role.MANAGER)
            .order_by(User.full_name)
        )
    )
    days = {m.id: ManagerDay(m.id, m.full_name, unreachable=m.unreachable_at is not None) for m in managers}
    if not days:
        return []
    ids = list(days)
    is_tomorrow = Interaction.planned_at >= tomorrow[0]
    planned = await session.execute(
        select(Interaction.manager_id, is_tomorrow, func.count())
        .where(
            Interaction.manager_id.in_(ids),
            Interaction.status == Status.PLANNED,
            Interaction.planned_at >= today[0],
            Interaction.planned_at < tomorrow[1],
        )
        .group_by(Interaction.manager_id, is_tomorrow)
    )
    for manager_id, on_tomorrow, count in planned:
        if on_tomorrow:
            days[manager_id].planned_tomorrow = count
        else:
            days[manager_id].planned_today = count
    logged = await session.execute(
        select(Interaction.manager_id, Interaction.kind, Interaction.outcome, func.count())
        .where(
            Interaction.manager_id.in_(ids),
            Interaction.status == Status.DONE,
            Interaction.logged_at >= yesterday[0],
            Interaction.logged_at < yesterday[1],
        )
        .group_by(Interaction.manager_id, Interaction.kind, Interaction.outcome)
    )
    for manager_id, kind, outcome, count in logged:
        day = days[manager_id]
        day.logged_yesterday += count
        day.by_kind[kind] += count
        if outcome is not None:
            day.by_outcome[outcome] += count
    hanging = await session.execute(
        select(Interaction.manager_id, func.count())
        .where(
            Interaction.manager_id.in_(ids),
            Interaction.status == Status.PLANNED,
            Interaction.planned_at < today[0],
        )
        .group_by(Interaction.manager_id)
    )
    for manager_id, count in hanging:
        days[manager_id].without_result = count
    return list(days.values())
