"""FSM storage in the database, so a conversation survives a restart.

Inside an update (see `current_session`) state and data are read once (usually together with the
rest of the update's context, see `DbSessionMiddleware`), kept on the session, and written by
`flush_fsm` just before each of the update's commits: they commit or roll back together with the
records the handler wrote, for usually one UPSERT per update.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, KeyBuilder, StateType, StorageKey
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.repositories.fsm import FsmRepository

current_session: ContextVar[AsyncSession | None] = ContextVar("current_session", default=None)
_CACHE = "ladon_fsm"  # key in session.info: {storage key: [state, data, dirty]}


def fsm_dirty(session: AsyncSession) -> bool:
    return any(entry[2] for entry in session.info.get(_CACHE, {}).values())


async def flush_fsm(session: AsyncSession) -> None:
    """Write the state changes an update made so far; called right before each of its commits.
    What was written stays cached: it is what the database now holds."""
    repo = FsmRepository(session)
    for key, entry in session.info.get(_CACHE, {}).items():
        if entry[2]:
            await repo.save(key, entry[0], entry[1])
            entry[2] = False


class DatabaseStorage(BaseStorage):
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], key_builder: KeyBuilder | None = None):
        self._sessionmaker = sessionmaker
        self._keys = key_builder or DefaultKeyBuilder(with_destiny=True)

    def key_of(self, key: StorageKey) -> str:
        return self._keys.build(key)

    @staticmethod
    def prime(session: AsyncSession, key: str, state: str | None, data: dict[str, Any]) -> None:
        """Take state and data the update already read (with its other context) as loaded."""
        session.info.setdefault(_CACHE, {})[key] = [state, data, False]

    async def _entry(self, session: AsyncSession, key: str) -> list:
        cache = session.info.setdefault(_CACHE, {})
        if key not in cache:
            state, data = await FsmRepository(session).load(key)
            cache[key] = [state, data, False]
        return cache[key]

    async def _read(self, key: StorageKey) -> tuple[str | None, dict[str, Any]]:
        built = self._keys.build(key)
        session = current_session.get()
        if session is not None:
            state, data, _dirty = await self._entry(session, built)
            return state, data
        async with self._sessionmaker() as own:
            return await FsmRepository(own).load(built)

    async def _write(self, key: StorageKey, **change: Any) -> None:
        built = self._keys.build(key)
        session = current_session.get()
        if session is not None:
            entry = await self._entry(session, built)
            if "state" in change:
                entry[0] = change["state"]
            if "data" in change:
                entry[1] = change["data"]
            entry[2] = True
            return
        async with self._sessionmaker() as own:
            state, data = await FsmRepository(own).load(built)
            await FsmRepository(own).save(built, change.get("state", state), change.get("data", data))
            await own.commit()

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        await self._write(key, state=state.state if isinstance(state, State) else state)

    async def get_state(self, key: StorageKey) -> str | None:
        return (await self._read(key))[0]

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._write(key, data=dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        return dict((await self._read(key))[1])

    async def close(self) -> None:
        return None
