"""A reply that Telegram asks to wait for (429) is waited for and sent, when the wait is short.

Only inside an update, where a person is waiting for the answer (the notifier paces what the bot
sends on its own). A long wait is not worth holding the person's chat for: the failure goes to
the error handler, and the step they did not see is taken back (bot/transaction.py).
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import TelegramMethod

from bot.transaction import current_work

SHORT_WAIT = 5  # seconds: what a person tolerates for an answer
TRIES = 3


class WaitOutShortFloods(BaseRequestMiddleware):
    async def __call__(self, make_request: NextRequestMiddlewareType, bot: Bot, method: TelegramMethod) -> Any:
        for attempt in range(TRIES):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as flood:
                if current_work.get() is None or flood.retry_after > SHORT_WAIT or attempt == TRIES - 1:
                    raise
                await asyncio.sleep(flood.retry_after)
        raise AssertionError("unreachable")
