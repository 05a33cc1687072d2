from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import RefusalReason


class RefusalReasonRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def active(self) -> list[RefusalReason]:
        rows = await self.session.scalars(
            select(RefusalReason)
            .where(RefusalReason.is_active.is_(True))
            .order_by(RefusalReason.position, RefusalReason.id)
        )
        return list(rows)

    async def get_active(self, reason_id: int) -> RefusalReason | None:
        reason = await self.session.get(RefusalReason, reason_id)
        return reason if reason is not None and reason.is_active else None
