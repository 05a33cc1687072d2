from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Role, Team, User
from db.repositories.access import AccessDenied, NotFound, owned_by_scope


class UserRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

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

    async def set_reachable(self, user: User, reachable: bool, at: datetime) -> None:
        user.unreachable_at = None if reachable else at
        await self.session.flush()

    async def visible(self, actor: User) -> list[User]:
        rows = await self.session.scalars(
            select(User).where(owned_by_scope(actor, User.id)).order_by(User.full_name)
        )
        return list(rows)

    async def set_active(self, actor: User, user_id: int, active: bool) -> User:
        if actor.role != Role.ADMIN:
            raise AccessDenied
        user = await self.session.get(User, user_id)
        if user is None:
            raise NotFound
        if user.id == actor.id:
            raise AccessDenied
        user.is_active = active
        await self.session.flush()
        return user

    async def teams(self) -> list[Team]:
        return list(await self.session.scalars(select(Team).order_by(Team.name)))

    async def team_by_name(self, name: str) -> Team:
        team = await self.session.scalar(select(Team).where(Team.name == name))
        if team is None:
            team = Team(name=name[:100])
            self.session.add(team)
            await self.session.flush()
        return team
