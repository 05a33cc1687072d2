"""FSM storage in the database, so a conversation survives a restart.

Inside an update the storage writes through that update's session (see `current_session`):
state changes commit or roll back together with the records the handler wrote.
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


class DatabaseStorage(BaseStorage):
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], key_builder: KeyBuilder | None = None):
        self._sessionmaker = sessionmaker
        self._keys = key_builder or DefaultKeyBuilder(with_destiny=True)

    async def _run(self, write: bool, action):
        session = current_session.get()
        if session is not None:
            return await action(FsmRepository(session))
        async with self._sessionmaker() as own:
            result = await action(FsmRepository(own))
            if write:
                await own.commit()
            return result

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._run(True, lambda repo: repo.set_state(self._keys.build(key), value))

    async def get_state(self, key: StorageKey) -> str | None:
        return await self._run(False, lambda repo: repo.get_state(self._keys.build(key)))

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._run(True, lambda repo: repo.set_data(self._keys.build(key), dict(data)))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        return await self._run(False, lambda repo: repo.get_data(self._keys.build(key)))

    async def close(self) -> None:
        return None
