"""One database session and one transaction per update; a redelivered update is dropped here."""

from __future__ import annotations

from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import Update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage import current_session, flush_fsm
from db.repositories import SystemRepository


class DbSessionMiddleware(BaseMiddleware):
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]):
        self.sessionmaker = sessionmaker

    async def __call__(self, handler, event: Update, data: dict[str, Any]) -> Any:
        async with self.sessionmaker() as session:
            if not await SystemRepository(session).claim_update(event.update_id):
                return None
            token = current_session.set(session)
            try:
                data["session"] = session
                result = await handler(event, data)
                # the update is the unit of work: records, FSM state and the dedup mark commit together
                await flush_fsm(session)
                await session.commit()
                return result
            finally:
                current_session.reset(token)
