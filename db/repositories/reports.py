"""Aggregates for the heads' instruments: counted in SQL, scoped to what the acting user may see.

Each method returns plain rows; what they mean is computed in `reports/`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Interaction, Kind, Outcome, Role, Status, User
from db.repositories.access import owned_by_scope

Span = tuple[datetime, datetime]  # [start, end) in UTC


@dataclass(frozen=True)
class TeamCounts:
    """Per active manager in scope: contacts planned today and tomorrow, logged yesterday by kind
    and outcome, and planned before today but still open."""

    managers: list[tuple[int, str, bool]]  # id, name, has blocked the bot
    planned: list[tuple[int, bool, int]]  # manager, is it tomorrow, count
    logged: list[tuple[int, Kind, Outcome | None, int]]  # manager, kind, outcome, count
    hanging: list[tuple[int, int]]  # manager, count


class ReportRepository:
    def __init__(self, session: AsyncSession, actor: User):
        self.session = session
        self.actor = actor

    async def team_counts(self, today: Span, yesterday: Span, tomorrow: Span) -> TeamCounts:
        managers = [
            (m.id, m.full_name, m.unreachable_at is not None)
            for m in await self.session.scalars(
                select(User)
                .where(owned_by_scope(self.actor, User.id), User.is_active.is_(True), User.role == Role.MANAGER)
                .order_by(User.full_name)
            )
        ]
        if not managers:
            return TeamCounts([], [], [], [])
        ids = [m[0] for m in managers]
        is_tomorrow = Interaction.planned_at >= tomorrow[0]
        planned = await self.session.execute(
            select(Interaction.manager_id, is_tomorrow, func.count())
            .where(
                Interaction.manager_id.in_(ids),
                Interaction.status == Status.PLANNED,
                Interaction.planned_at >= today[0],
                Interaction.planned_at < tomorrow[1],
            )
            .group_by(Interaction.manager_id, is_tomorrow)
        )
        logged = await self.session.execute(
            select(Interaction.manager_id, Interaction.kind, Interaction.outcome, func.count())
            .where(
                Interaction.manager_id.in_(ids),
                Interaction.status == Status.DONE,
                Interaction.logged_at >= yesterday[0],
                Interaction.logged_at < yesterday[1],
            )
            .group_by(Interaction.manager_id, Interaction.kind, Interaction.outcome)
        )
        hanging = await self.session.execute(
            select(Interaction.manager_id, func.count())
            .where(
                Interaction.manager_id.in_(ids),
                Interaction.status == Status.PLANNED,
                Interaction.planned_at < today[0],
            )
            .group_by(Interaction.manager_id)
        )
        return TeamCounts(
            managers,
            [(m, bool(t), n) for m, t, n in planned],
            [tuple(row) for row in logged],
            [tuple(row) for row in hanging],
        )
