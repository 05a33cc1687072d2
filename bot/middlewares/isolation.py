"""One update at a time per chat and user, around the whole transaction.

aiogram takes this lock inside its FSM middleware; ours runs the FSM middleware inside the
update's transaction (so state is read there), so the lock has to be taken before it opens:
then a second quick tap reads the state the first one committed.
"""

from __future__ import annotations

from typing import Any

from aiogram import BaseMiddleware
from aiogram.fsm.middleware import FSMContextMiddleware
from aiogram.fsm.storage.base import BaseEventIsolation


class IsolationMiddleware(BaseMiddleware):
    def __init__(self, fsm: FSMContextMiddleware, isolation: BaseEventIsolation):
        self.fsm = fsm
        self.isolation = isolation

    async def __call__(self, handler, event, data: dict[str, Any]) -> Any:
        context = self.fsm.resolve_event_context(data["bot"], data)
        if context is None:
            return await handler(event, data)
        async with self.isolation.lock(key=context.key):
            return await handler(event, data)
