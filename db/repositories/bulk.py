"""Loading many prepared rows at once (the demo company): Core inserts in batches, ids given by the
caller so rows can point at each other before they exist. Not for the bot's own writes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import Base
from db.models import Client, ContactPerson, Interaction, RefusalReason, Team, User
from db.repositories.upsert import dialect_of

BATCH = 5_000
# tables whose ids a load hands out itself, in the order rows may refer to each other
LOADED = (Team, User, Client, ContactPerson, Interaction)


class BulkLoader:
    """Reads what a load must not collide with, then inserts; the caller commits (one transaction)."""

    def __init__(self, session: AsyncSession):
        self.session = session

    async def user_count(self) -> int:
        return int(await self.session.scalar(select(func.count()).select_from(User)) or 0)

    async def taken_tg_ids(self, tg_ids: Iterable[int]) -> list[int]:
        return sorted(await self.session.scalars(select(User.tg_id).where(User.tg_id.in_(list(tg_ids)))))

    async def team_names(self) -> set[str]:
        return set(await self.session.scalars(select(Team.name)))

    async def taken_inns(self) -> set[str]:
        return set(await self.session.scalars(select(Client.inn).where(Client.inn.is_not(None))))

    async def reason_ids(self) -> dict[str, int]:
        """Built-in refusal reasons still offered: code -> id."""
        rows = await self.session.execute(
            select(RefusalReason.code, RefusalReason.id).where(
                RefusalReason.code.is_not(None), RefusalReason.is_active.is_(True)
            )
        )
        return {code: reason_id for code, reason_id in rows}

    async def next_ids(self) -> dict[str, int]:
        """The first free id of each loaded table (table name -> id)."""
        result = {}
        for model in LOADED:
            top = await self.session.scalar(select(func.max(model.__table__.c.id)))
            result[model.__tablename__] = int(top or 0) + 1
        return result

    async def insert(self, model: type[Base], rows: Sequence[dict[str, Any]]) -> None:
        """Rows in the order given; one referring to another must come after it."""
        table = model.__table__
        for start in range(0, len(rows), BATCH):
            await self.session.execute(insert(table), list(rows[start:start + BATCH]))

    async def sync_ids(self) -> None:
        """PostgreSQL's sequences do not see ids given explicitly: move them past the largest,
        or the bot's next insert would collide."""
        if dialect_of(self.session) != "postgresql":
            return
        for model in LOADED:
            name = model.__tablename__
            await self.session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {name}), false)"
                )
            )
