"""Everything the bot sends on its own goes through here: paced under Telegram's limits,
patient with 429, persistent with 5xx and network errors, and final about 403."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup, InputMediaPhoto, Message

log = logging.getLogger(__name__)

# Pace a little under the limit: scheduling jitter must not push a 1-second window over it.
SAFETY = 0.95
ALBUM = 10  # photos in one album, Telegram's limit
T = TypeVar("T")


class Unreachable(Exception):
    """The person blocked the bot or is gone: retrying will not help."""


class DeliveryFailed(Exception):
    """Gave up: a request Telegram rejects, or errors that did not pass."""


class Notifier:
    def __init__(
        self,
        bot: Bot,
        per_second: float = 30,
        per_chat_per_second: float = 1,
        *,
        max_attempts: int = 5,
        max_waits: int = 10,
        backoff: float = 0.5,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self.bot = bot
        self._interval = 1 / (per_second * SAFETY)
        self._chat_interval = 1 / (per_chat_per_second * SAFETY)
        self._max_attempts = max_attempts
        self._max_waits = max_waits
        self._backoff = backoff
        self._sleep = sleep
        self._now = monotonic
        self._next_slot = 0.0
        self._next_in_chat: dict[int, float] = {}
        self._paused_until = 0.0
        self.sent = 0
        self.retried_after_429 = 0

    async def _pace(self, chat_id: int) -> None:
        """Reserve the next free slot, overall and in this chat, then wait for it; a flood pause
        that began meanwhile moves the send past it."""
        while True:
            now = self._now()
            slot = max(now, self._next_slot, self._paused_until)
            self._next_slot = slot + self._interval
            chat_slot = max(slot, self._next_in_chat.get(chat_id, 0.0))
            self._next_in_chat[chat_id] = chat_slot + self._chat_interval
            if len(self._next_in_chat) > 10_000:  # forget chats whose slots are long past
                self._next_in_chat = {c: t for c, t in self._next_in_chat.items() if t > now}
            delay = chat_slot - self._now()
            if delay > 0:
                await self._sleep(delay)
            if self._paused_until <= self._now():
                return

    async def send_message(self, chat_id: int, text: str, reply_markup: InlineKeyboardMarkup | None = None) -> Message:
        return await self._deliver(chat_id, lambda: self.bot.send_message(chat_id, text, reply_markup=reply_markup))

    async def send_photos(self, chat_id: int, photos: list[tuple[bytes, str]]) -> None:
        """PNG charts with their captions: one photo, or albums of up to ten."""
        for start in range(0, len(photos), ALBUM):
            chunk = photos[start : start + ALBUM]
            if len(chunk) == 1:
                png, caption = chunk[0]
                await self._deliver(chat_id, lambda: self.bot.send_photo(chat_id, _file(png), caption=caption))
                continue
            media = [InputMediaPhoto(media=_file(png, n), caption=caption) for n, (png, caption) in enumerate(chunk)]
            # an album counts as a message per photo against the per-chat limit
            await self._deliver(chat_id, lambda: self.bot.send_media_group(chat_id, media), weight=len(chunk))

    async def _deliver(self, chat_id: int, request: Callable[[], Awaitable[T]], weight: int = 1) -> T:
        failures = waits = 0
        while True:
            for _ in range(weight):
                await self._pace(chat_id)
            try:
                result = await request()
            except TelegramRetryAfter as error:
                waits += 1
                self.retried_after_429 += 1
                if waits > self._max_waits:
                    raise DeliveryFailed(f"still flooded after {waits} waits") from error
                # Telegram's flood wait is for the whole bot: hold every send, not just this one
                self._paused_until = max(self._paused_until, self._now() + error.retry_after)
                continue
            except TelegramForbiddenError as error:
                raise Unreachable(error.message) from error
            except (TelegramServerError, TelegramNetworkError) as error:
                failures += 1
                if failures >= self._max_attempts:
                    raise DeliveryFailed(f"gave up after {failures} attempts: {type(error).__name__}") from error
                delay = self._backoff * 2 ** (failures - 1)
                log.warning("Send to chat %s failed (%s), retrying in %.1fs", chat_id, type(error).__name__, delay)
                await self._sleep(delay)
                continue
            except TelegramBadRequest as error:
                raise DeliveryFailed(error.message) from error
            self.sent += weight
            return result


def _file(png: bytes, n: int = 0) -> BufferedInputFile:
    return BufferedInputFile(png, filename=f"chart-{n + 1}.png")
