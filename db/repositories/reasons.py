from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import RefusalReason, Role, User
from db.repositories.access import AccessDenied, NotFound

TITLE_MAX = 100


class RefusalReasonRepository:
    """Everyone reads the active list; only admins edit it (reasons are hidden, never deleted,
    so past refusals keep their reason)."""

    def __init__(self, session: AsyncSession, actor: User | None = None):
        self.session = session
        self.actor = actor

    async def active(self) -> list[RefusalReason]:
        return [r for r in await self.all() if r.is_active]

    async def all(self) -> list[RefusalReason]:
        rows = await self.session.scalars(select(RefusalReason).order_by(RefusalReason.position, RefusalReason.id))
        return list(rows)

    async def get_active(self, reason_id: int) -> RefusalReason | None:
        reason = await self.session.get(RefusalReason, reason_id)
        return reason if reason is not None and reason.is_active else None

    def _admin(self) -> None:
        if self.actor is None or self.actor.role != Role.ADMIN:
            raise AccessDenied

    async def add(self, title: str) -> RefusalReason:
        self._admin()
        title = " ".join(title.split())
        if not title or len(title) > TITLE_MAX:
            raise ValueError("reason title length")
        position = await self.session.scalar(select(func.coalesce(func.max(RefusalReason.position), 0)))
        reason = RefusalReason(title=title, position=position + 1, is_active=True)
        self.session.add(reason)
        await self.session.flush()
        return reason

    async def set_active(self, reason_id: int, active: bool) -> RefusalReason:
        self._admin()
        reason = await self.session.get(RefusalReason, reason_id)
        if reason is None:
            raise NotFound
        reason.is_active = active
        await self.session.flush()
        return reason
