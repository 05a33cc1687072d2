from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import FsmRecord
from db.repositories.upsert import insert_for


class FsmRepository:
    """Core statements only: the update's session may hold ORM objects we must not disturb."""

    def __init__(self, session: AsyncSession):
        self.session = session

    async def _upsert(self, key: str, **values: Any) -> None:
        stmt = insert_for(self.session, FsmRecord).values(key=key, updated_at=utcnow(), **values)
        stmt = stmt.on_conflict_do_update(
            index_elements=[FsmRecord.key], set_={**values, "updated_at": utcnow()}
        )
        await self.session.execute(stmt)

    async def set_state(self, key: str, state: str | None) -> None:
        await self._upsert(key, state=state) if state is not None else await self._clear_state(key)

    async def _clear_state(self, key: str) -> None:
        exists = await self.session.scalar(select(FsmRecord.key).where(FsmRecord.key == key))
        if exists:
            await self._upsert(key, state=None)

    async def get_state(self, key: str) -> str | None:
        return await self.session.scalar(select(FsmRecord.state).where(FsmRecord.key == key))

    async def set_data(self, key: str, data: dict[str, Any]) -> None:
        await self._upsert(key, data=data)

    async def get_data(self, key: str) -> dict[str, Any]:
        data = await self.session.scalar(select(FsmRecord.data).where(FsmRecord.key == key))
        return dict(data or {})
