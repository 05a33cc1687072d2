from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import FsmRecord
from db.repositories.upsert import insert_for


class FsmRepository:
    """Core statements only: the update's session may hold ORM objects we must not disturb."""

    def __init__(self, session: AsyncSession):
        self.session = session

    async def load(self, key: str) -> tuple[str | None, dict[str, Any]]:
        row = (await self.session.execute(select(FsmRecord.state, FsmRecord.data).where(FsmRecord.key == key))).first()
        return (row[0], dict(row[1] or {})) if row else (None, {})

    async def save(self, key: str, state: str | None, data: dict[str, Any]) -> None:
        if state is None and not data:
            # a finished conversation leaves no row behind
            await self.session.execute(delete(FsmRecord).where(FsmRecord.key == key))
            return
        now = utcnow()
        stmt = insert_for(self.session, FsmRecord).values(key=key, state=state, data=data, updated_at=now)
        stmt = stmt.on_conflict_do_update(
            index_elements=[FsmRecord.key], set_={"state": state, "data": data, "updated_at": now}
        )
        await self.session.execute(stmt)
