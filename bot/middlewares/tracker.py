"""Counts updates being handled: shutdown waits for them, tests wait for the bot to go idle."""

from __future__ import annotations

import asyncio
from typing import Any

from aiogram import BaseMiddleware


class InflightTracker(BaseMiddleware):
    def __init__(self) -> None:
        self._count = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self.handled = 0

    async def __call__(self, handler, event, data: dict[str, Any]) -> Any:
        self._count += 1
        self._idle.clear()
        try:
            return await handler(event, data)
        finally:
            self._count -= 1
            self.handled += 1
            if self._count == 0:
                self._idle.set()

    @property
    def busy(self) -> int:
        return self._count

    async def wait_idle(self, timeout: float | None = None) -> None:
        await asyncio.wait_for(self._idle.wait(), timeout)
