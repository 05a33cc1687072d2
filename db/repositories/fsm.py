from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import FsmRecord
from db.repositories.upsert import insert_on, per_dialect

# every update reads and most write its state: these statements are built once
_TABLE = FsmRecord.__table__
_LOAD = select(_TABLE.c.state, _TABLE.c.data).where(_TABLE.c.key == bindparam("key"))
_DELETE = delete(_TABLE).where(_TABLE.c.key == bindparam("key"))


def _build_save(dialect: str):
    stmt = insert_on(dialect, _TABLE).values(
        key=bindparam("key"), state=bindparam("state"), data=bindparam("data"), updated_at=bindparam("at")
    )
    return stmt.on_conflict_do_update(
        index_elements=["key"],
        set_={"state": stmt.excluded.state, "data": stmt.excluded.data, "updated_at": stmt.excluded.updated_at},
    )


_save = per_dialect(_build_save)


class FsmRepository:
    """Core statements only: the update's session may hold ORM objects we must not disturb."""

    def __init__(self, session: AsyncSession):
        self.session = session

    async def load(self, key: str) -> tuple[str | None, dict[str, Any]]:
        row = (await self.session.execute(_LOAD, {"key": key})).first()
        return self.from_row(*row) if row else (None, {})

    @staticmethod
    def from_row(state: str | None, data: dict[str, Any] | None) -> tuple[str | None, dict[str, Any]]:
        """No row reads as no state and no data, like a row holding none."""
        return state, dict(data or {})

    async def save(self, key: str, state: str | None, data: dict[str, Any]) -> None:
        if state is None and not data:
            # a finished conversation leaves no row behind
            await self.session.execute(_DELETE, {"key": key})
            return
        await self.session.execute(_save(self.session), {"key": key, "state": state, "data": data, "at": utcnow()})
