"""An update's transaction: where and when what a handler writes is committed.

The rule, for whoever writes a handler: write through `repos` (the update's data handle) and
never commit. What the update has written is committed right before its next request to Telegram,
and whatever is left at the end of the update. A handler can rely on this: when its reply reaches
the person, the records it speaks of are already saved.

One update, in order:

1. `UpdateTransaction` (an outer update middleware, inside per-chat isolation) opens the update's
   session and reads its context in one statement (`db.repositories.context`): whether it is a
   redelivery (then it stops without a word), who sent it, and, when the conversation state lives
   in the database, that state. It hands the middlewares and the handler `repos`, bound to the
   sender, and `user`.
2. The handler writes through repositories; the session notes that it wrote (`UpdateSession`).
   Conversation state changes are kept in `UpdateWork.state` (see `bot.storage`), not written yet.
3. Before each Bot API request, `CommitBeforeRequest` (on the bot's HTTP session) runs a
   checkpoint: if the update wrote records or changed the conversation state, it claims the
   update id (the dedup mark), writes the state, and commits them together. So the person never
   sees a step that is not saved: "77 000 ₽ · Next contact?" is on screen only once the amount is
   in the state. A request after no change commits nothing.
4. After the handler, a final checkpoint commits what is left (at least the dedup mark).
5. If a reply then fails (Telegram down, a long flood wait), the step the person did not see is
   taken back: a conversation state committed without records is restored to what it was before
   the update, so the person can tap again. Records, once committed, stay, and `UpdateWork.saved`
   tells the error handler to say they are saved rather than "may not have been saved".

Why checkpoints: on SQLite a write transaction locks the whole database, and held across a round
trip to Telegram (tens to hundreds of milliseconds) it would make everyone else's update wait.
Why together: a logged contact, its next step and the conversation state move as one, so nothing
is ever half-saved. A redelivered update racing the first delivery loses at its first commit: its
dedup claim finds the mark and the transaction is rolled back.

After a crash mid-update: before its first commit, Telegram redelivers it and it runs again; after
it, the dedup mark is committed, so later state changes of that update are lost and the person
taps again. Records are never lost or doubled.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import TelegramMethod
from aiogram.types import Update
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import ORMExecuteState, Session

from db.repositories import Repos, SystemRepository
from db.repositories.audit import BOOKKEEPING
from db.repositories.context import load_context
from db.repositories.fsm import FsmRepository

_WROTE = "ladon_wrote"  # key in session.info: the transaction holds writes
# and bookkeeping writes (the audit log): committed like records, but not the person's records, so
# a card that failed to show is not said to be "saved"
_KEPT = "ladon_kept"


class UpdateSession(Session):
    """A session that notes whether its current transaction has written anything, so that a
    checkpoint can tell a commit that matters from an empty one."""


@event.listens_for(UpdateSession, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_KEPT if state.execution_options.get(BOOKKEEPING) else _WROTE] = True


@event.listens_for(UpdateSession, "after_flush")
def _on_flush(session: Session, _context) -> None:
    session.info[_WROTE] = True


@event.listens_for(UpdateSession, "after_commit")
@event.listens_for(UpdateSession, "after_rollback")
def _on_end(session: Session) -> None:
    session.info.pop(_WROTE, None)
    session.info.pop(_KEPT, None)


def wrote(session: AsyncSession, *, bookkeeping: bool = True) -> bool:
    """Whether the session's transaction holds writes (flushed or executed) not yet committed;
    `bookkeeping=False`: writes other than the audit log's."""
    return bool(session.info.get(_WROTE) or (bookkeeping and session.info.get(_KEPT))
                or session.new or session.dirty or session.deleted)


class Duplicate(Exception):
    """This update was already handled (a redelivery): stop without a word."""


@dataclass
class UpdateWork:
    """One update's unit of work: its session, its dedup claim and its conversation state."""

    session: AsyncSession
    update_id: int
    claimed: bool = False
    # storage key -> [state, data, changed]: read once, written just before each commit
    state: dict[str, list] = field(default_factory=dict)
    # storage key -> (state, data) as the update found them, to take back an unseen step
    before: dict[str, tuple] = field(default_factory=dict)
    saved: bool = False  # records of this update are committed
    state_saved: bool = False  # a change of its conversation state is committed

    def found(self, key: str, state: str | None, data: dict) -> None:
        """The state as read at the start of the update (or first use)."""
        self.state[key] = [state, data, False]
        self.before.setdefault(key, (state, dict(data)))

    def state_changed(self) -> bool:
        return any(entry[2] for entry in self.state.values())

    async def _write_state(self) -> None:
        repo = FsmRepository(self.session)
        for key, entry in self.state.items():
            if entry[2]:
                await repo.save(key, entry[0], entry[1])
                entry[2] = False  # what was written stays cached: it is what the database holds

    async def checkpoint(self, *, final: bool = False) -> None:
        # The dedup mark alone can wait for the end: until then it locks nothing. Written records
        # cannot (they hold the lock), and a state change must be saved before it is shown.
        records, state = wrote(self.session, bookkeeping=False), self.state_changed()
        if not wrote(self.session) and not state and not (final and not self.claimed):
            return
        if not self.claimed:
            if not await SystemRepository(self.session).claim_update(self.update_id):
                await self.session.rollback()
                raise Duplicate
            self.claimed = True
        await self._write_state()
        await self.session.commit()
        self.saved = self.saved or records
        self.state_saved = self.state_saved or state

    async def take_back(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        """After a failed step: a state change committed without records goes back to what the
        update found, in a transaction of its own (this one may be broken)."""
        if self.saved or not self.state_saved:
            return
        async with sessionmaker() as session:
            repo = FsmRepository(session)
            for key, (state, data) in self.before.items():
                await repo.save(key, state, data)
            await session.commit()


current_work: ContextVar[UpdateWork | None] = ContextVar("current_work", default=None)


class UpdateTransaction(BaseMiddleware):
    """Opens the update's session and reads its context; gives what follows `repos` (bound to the
    sender) and `user` (None for a sender who is not a user), and commits as the module says.

    `state_key` names the sender's conversation state in the database (None when it lives
    elsewhere, e.g. Redis): then it is read with the rest of the context.
    """

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        state_key: Callable[[dict[str, Any]], str | None] | None = None,
    ):
        # the same database and options, with sessions that note their writes
        self.sessionmaker = async_sessionmaker(
            class_=sessionmaker.class_, **{**sessionmaker.kw, "sync_session_class": UpdateSession}
        )
        self.state_key = state_key

    async def __call__(self, handler, event: Update, data: dict[str, Any]) -> Any:
        sender = data.get("event_from_user")
        tg_id = sender.id if sender is not None and not sender.is_bot else None
        async with self.sessionmaker() as session:
            key = self.state_key(data) if self.state_key is not None else None
            context = await load_context(session, event.update_id, tg_id, key)
            if context.seen:
                return None
            work = UpdateWork(session, event.update_id)
            if context.fsm is not None:
                work.found(key, *context.fsm)
            token = current_work.set(work)
            try:
                data["user"] = context.user
                data["repos"] = Repos(session, context.user)
                data["work"] = work
                result = await handler(event, data)
                await work.checkpoint(final=True)
                return result
            except Duplicate:
                return None
            except Exception:
                with suppress(Exception):  # the original failure is what must reach the error handler
                    await session.rollback()
                    await work.take_back(self.sessionmaker)
                raise
            finally:
                current_work.reset(token)


class CommitBeforeRequest(BaseRequestMiddleware):
    """On the bot's HTTP session: inside an update, commit what it has written before talking to Telegram."""

    async def __call__(self, make_request: NextRequestMiddlewareType, bot: Bot, method: TelegramMethod) -> Any:
        work = current_work.get()
        if work is not None:
            await work.checkpoint()
        return await make_request(bot, method)
