"""One database session per update, committed in checkpoints that never span a Bot API call.

On SQLite a write transaction locks the whole database; held across a round trip to Telegram
(tens to hundreds of milliseconds) it would make every other person's update wait. So an update
that has written records commits them right before its next Bot API request, and everything else
is committed at the end. Each commit carries the records, the conversation state and (the first
time) the update's dedup mark together, so a logged contact, its next step and the state move as
one. A redelivered update is recognised by a read before its handler runs, and its dedup mark
settles a (theoretical) race at the first commit: the later one is rolled back.

That read also fetches the sender and their conversation state: one statement for what every
update needs before its handler runs (see `db.repositories.context`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.fsm.middleware import FSMContextMiddleware
from aiogram.methods import TelegramMethod
from aiogram.types import Update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage import DatabaseStorage, current_session, flush_fsm, fsm_dirty
from db.engine import wrote
from db.repositories import SystemRepository
from db.repositories.context import load_context


class Duplicate(Exception):
    """This update was already handled (a redelivery): stop without a word."""


@dataclass
class UpdateWork:
    session: AsyncSession
    update_id: int
    claimed: bool = False

    async def checkpoint(self, *, final: bool = False) -> None:
        # The dedup mark and state changes can wait for the end: until then they lock nothing.
        # Written records cannot (they hold the lock), and the state and mark go with them.
        if not wrote(self.session) and not (final and (fsm_dirty(self.session) or not self.claimed)):
            return
        if not self.claimed:
            if not await SystemRepository(self.session).claim_update(self.update_id):
                await self.session.rollback()
                raise Duplicate
            self.claimed = True
        await flush_fsm(self.session)
        await self.session.commit()


_WORK = "ladon_update_work"  # key in session.info: the UpdateWork the session belongs to


class DbSessionMiddleware(BaseMiddleware):
    """Opens the update's session and reads its context; sets `session` and `user` (None for a
    sender who is not a user) for the middlewares and handlers after it."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], fsm: FSMContextMiddleware):
        self.sessionmaker = sessionmaker
        self.fsm = fsm

    def _fsm_key(self, data: dict[str, Any]) -> str | None:
        if not isinstance(self.fsm.storage, DatabaseStorage):
            return None  # Redis keeps the state: nothing to read here
        context = self.fsm.resolve_event_context(data["bot"], data)
        return self.fsm.storage.key_of(context.key) if context is not None else None

    async def __call__(self, handler, event: Update, data: dict[str, Any]) -> Any:
        sender = data.get("event_from_user")
        tg_id = sender.id if sender is not None and not sender.is_bot else None
        async with self.sessionmaker() as session:
            fsm_key = self._fsm_key(data)
            context = await load_context(session, event.update_id, tg_id, fsm_key)
            if context.seen:
                return None
            if context.fsm is not None:
                DatabaseStorage.prime(session, fsm_key, *context.fsm)
            work = session.info[_WORK] = UpdateWork(session, event.update_id)
            token = current_session.set(session)
            try:
                data["session"] = session
                data["user"] = context.user
                result = await handler(event, data)
                await work.checkpoint(final=True)
                return result
            except Duplicate:
                return None
            finally:
                current_session.reset(token)


class CheckpointBeforeRequest(BaseRequestMiddleware):
    """On the bot's session: inside an update, commit what it has written before talking to Telegram."""

    async def __call__(self, make_request: NextRequestMiddlewareType, bot: Bot, method: TelegramMethod) -> Any:
        session = current_session.get()
        work = session.info.get(_WORK) if session is not None else None
        if work is not None:
            await work.checkpoint()
        return await make_request(bot, method)
