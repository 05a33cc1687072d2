"""FSM storage in the database, so a conversation survives a restart.

Inside an update the state is part of the update's transaction (`bot.transaction`): read once,
usually with the rest of the update's context, kept on the update's `UpdateWork`, and written just
before each of its commits, so it commits or rolls back with the records the handler wrote, for
usually one UPSERT per update. Outside an update (rare) each call has a session of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, KeyBuilder, StateType, StorageKey
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.transaction import UpdateWork, current_work
from db.repositories.fsm import FsmRepository


class DatabaseStorage(BaseStorage):
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], key_builder: KeyBuilder | None = None):
        self._sessionmaker = sessionmaker
        self._keys = key_builder or DefaultKeyBuilder(with_destiny=True)

    def key_of(self, key: StorageKey) -> str:
        return self._keys.build(key)

    @staticmethod
    async def _entry(work: UpdateWork, key: str) -> list:
        if key not in work.state:
            work.found(key, *await FsmRepository(work.session).load(key))
        return work.state[key]

    async def _read(self, key: StorageKey) -> tuple[str | None, dict[str, Any]]:
        built = self._keys.build(key)
        work = current_work.get()
        if work is not None:
            state, data, _changed = await self._entry(work, built)
            return state, data
        async with self._sessionmaker() as own:
            return await FsmRepository(own).load(built)

    async def _write(self, key: StorageKey, **change: Any) -> None:
        built = self._keys.build(key)
        work = current_work.get()
        if work is not None:
            entry = await self._entry(work, built)
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
