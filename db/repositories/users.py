from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AuditKind, Client, Interaction, Reminder, ReminderStatus, Role, Status, Team, User
from db.repositories.access import AccessDenied, NotFound, owned_by_scope, require_admin
from db.repositories.audit import AuditRepository


@dataclass(frozen=True)
class Base:
    """What a person owns that someone must carry on: clients and contacts still planned."""

    clients: int = 0
    planned: int = 0

    def __bool__(self) -> bool:
        return bool(self.clients or self.planned)


class UserRepository:
    """People. Listing and changing others is scoped by the acting user; creating one (an invite
    claimed, an admin's first contact) needs none."""

    def __init__(self, session: AsyncSession, actor: User | None = None):
        self.session = session
        self.actor = actor


    async def by_tg_id(self, tg_id: int) -> User | None:
        return await self.session.scalar(select(User).where(User.tg_id == tg_id))

    async def create(
        self,
        *,
        tg_id: int,
        full_name: str,
        username: str | None,
        role: Role,
        team_id: int | None,
        timezone: str,
        language: str,
    ) -> User:
        user = User(
            tg_id=tg_id,
            full_name=full_name[:200],
            username=username,
            role=role,
            team_id=team_id,
            timezone=timezone,
            language=language,
            is_active=True,
        )
        self.session.add(user)
        await self.session.flush()
        return user

    async def set_language(self, user: User, language: str) -> None:
        user.language = language
        await self.session.flush()

    async def mark_unreachable(self, tg_id: int, at: datetime) -> None:
        """Telegram answered 403 to a reply: they blocked the bot (they come back by writing)."""
        await self.session.execute(update(User).where(User.tg_id == tg_id).values(unreachable_at=at))

    async def set_reachable(self, user: User, reachable: bool, at: datetime) -> None:
        user.unreachable_at = None if reachable else at
        await self.session.flush()

    async def visible(self) -> list[User]:
        if self.actor is None:
            return []
        rows = await self.session.scalars(
            select(User).where(owned_by_scope(self.actor, User.id)).order_by(User.full_name)
        )
        return list(rows)

    async def colleague(self, user_id: int) -> User:
        """Someone an admin may turn on or off: anyone but themselves."""
        actor = require_admin(self.actor)
        user = await self.session.get(User, user_id)
        if user is None or user.id == actor.id:
            raise NotFound
        return user

    async def set_active(self, user_id: int, active: bool) -> User:
        actor = require_admin(self.actor)
        user = await self.session.get(User, user_id)
        if user is None:
            raise NotFound
        if user.id == actor.id:
            raise AccessDenied
        user.is_active = active
        await self.session.flush()
        await AuditRepository(self.session, actor).record(AuditKind.ACCESS, {"user": user.id, "on": active})
        return user

    async def bases(self, user_ids: list[int]) -> dict[int, Base]:
        """Clients owned and contacts planned per person (people with neither are left out)."""
        if not user_ids:
            return {}
        clients = dict(
            (await self.session.execute(
                select(Client.owner_id, func.count()).where(Client.owner_id.in_(user_ids)).group_by(Client.owner_id)
            )).all()
        )
        planned = dict(
            (await self.session.execute(
                select(Interaction.manager_id, func.count())
                .where(Interaction.manager_id.in_(user_ids), Interaction.status == Status.PLANNED)
                .group_by(Interaction.manager_id)
            )).all()
        )
        return {i: Base(clients.get(i, 0), planned.get(i, 0)) for i in user_ids if i in clients or i in planned}

    async def handover_parties(self, from_id: int, to_id: int | None = None) -> tuple[User, User | None]:
        """The person whose base is handed over (access off) and, if given, who takes it (access on)."""
        require_admin(self.actor)
        source = await self.session.get(User, from_id)
        if source is None or source.is_active:
            raise NotFound  # only a base left behind is handed over: an active person keeps theirs
        target = None
        if to_id is not None:
            target = await self.session.get(User, to_id)
            if target is None or not target.is_active or target.id == source.id:
                raise NotFound
        return source, target

    async def hand_over(self, from_id: int, to_id: int) -> Base:
        """Give a former colleague's clients and planned contacts to someone active, in one go.

        Contacts already done stay recorded under who did them: the history stays true. Their
        pending reminders go, so the next planning beat makes them for the new owner.
        """
        source, target = await self.handover_parties(from_id, to_id)
        clients = await self.session.execute(
            update(Client).where(Client.owner_id == source.id).values(owner_id=target.id)
            .execution_options(synchronize_session=False)
        )
        planned = await self.session.execute(
            update(Interaction)
            .where(Interaction.manager_id == source.id, Interaction.status == Status.PLANNED)
            .values(manager_id=target.id)
            .execution_options(synchronize_session=False)
        )
        await self.session.execute(
            delete(Reminder).where(Reminder.user_id == source.id, Reminder.status == ReminderStatus.PENDING)
        )
        moved = Base(clients.rowcount or 0, planned.rowcount or 0)
        await AuditRepository(self.session, self.actor).record(AuditKind.HANDOVER, {
            "from": source.id, "to": target.id, "clients": moved.clients, "planned": moved.planned})
        return moved

    async def admins(self) -> list[User]:
        """Active admins whom the bot can reach."""
        rows = await self.session.scalars(
            select(User).where(User.role == Role.ADMIN, User.is_active.is_(True), User.unreachable_at.is_(None))
        )
        return list(rows)

    async def heads_of(self, user: User) -> list[User]:
        """The active heads of a person's team (none without a team)."""
        if user.team_id is None:
            return []
        rows = await self.session.scalars(
            select(User)
            .where(User.team_id == user.team_id, User.role == Role.HEAD, User.is_active.is_(True), User.id != user.id)
            .order_by(User.full_name)
        )
        return list(rows)

    async def teams(self) -> list[Team]:
        return list(await self.session.scalars(select(Team).order_by(Team.name)))

    async def team_by_name(self, name: str) -> Team:
        team = await self.session.scalar(select(Team).where(Team.name == name))
        if team is None:
            team = Team(name=name[:100])
            self.session.add(team)
            await self.session.flush()
        return team
