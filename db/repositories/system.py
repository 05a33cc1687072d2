"""Bookkeeping that belongs to no user: update de-duplication and refused access attempts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import AccessAttempt, ProcessedUpdate
from db.repositories.upsert import insert_on, per_dialect

_SEEN = select(ProcessedUpdate.__table__.c.update_id).where(ProcessedUpdate.__table__.c.update_id == bindparam("update_id"))
_claim = per_dialect(
    lambda dialect: insert_on(dialect, ProcessedUpdate.__table__)
    .values(update_id=bindparam("update_id"), at=bindparam("at"))
    .on_conflict_do_nothing(index_elements=["update_id"])
)


class SystemRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def seen(self, update_id: int) -> bool:
        """Whether an update with this id was handled already (a read: it locks nothing)."""
        return (await self.session.execute(_SEEN, {"update_id": update_id})).first() is not None

    async def claim_update(self, update_id: int) -> bool:
        """True the first time an update id is seen; False for a redelivery.

        A duplicate whose claim is not committed yet makes this wait for that transaction to end.
        """
        result = await self.session.execute(_claim(self.session), {"update_id": update_id, "at": utcnow()})
        return result.rowcount == 1

    async def attempts_since(self, tg_id: int, since: datetime) -> int:
        """Refused tries of one Telegram user since a moment (the rate limit's count)."""
        return int(await self.session.scalar(
            select(func.count()).select_from(AccessAttempt).where(AccessAttempt.tg_id == tg_id, AccessAttempt.at >= since)
        ) or 0)

    async def forget_attempts_before(self, moment: datetime) -> int:
        result = await self.session.execute(delete(AccessAttempt).where(AccessAttempt.at < moment))
        return result.rowcount or 0

    async def forget_updates_before(self, moment: datetime) -> int:
        result = await self.session.execute(delete(ProcessedUpdate).where(ProcessedUpdate.at < moment))
        return result.rowcount or 0

    async def record_attempt(
        self, *, tg_id: int, full_name: str, username: str | None, chat_id: int, text: str | None, reason: str,
        at: datetime | None = None,
    ) -> None:
        self.session.add(
            AccessAttempt(
                tg_id=tg_id,
                full_name=full_name[:200],
                username=(username or "")[:64] or None,
                chat_id=chat_id,
                text=(text or "")[:200] or None,
                reason=reason,
                at=at or utcnow(),
            )
        )
        await self.session.flush()
