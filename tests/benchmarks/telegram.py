"""Telegram without the network: a Bot API session that records calls, and a chat that taps buttons.

The session stands in for aiohttp: it answers each method with what Telegram would return (a Message
for sends and edits, True otherwise), so handlers run exactly as in production minus the HTTP.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import EditMessageReplyMarkup, EditMessageText, SendMessage, TelegramMethod
from aiogram.types import InlineKeyboardButton, Message, Update

from tests.benchmarks.seed import ANCHOR

BOT_USER = {"id": 123456, "is_bot": True, "first_name": "Ladon", "username": "ladon_bot"}
TOKEN = "123456:BENCH-TOKEN-abcdefghijklmnopqrstuvwxyz"
KEPT_PER_CHAT = 20  # a chat's newest messages, enough to tap; older ones would only grow the heap


class RecordingSession(BaseSession):
    def __init__(self, latency: float = 0.0) -> None:
        super().__init__()
        self.latency = latency  # seconds each call waits, as for a round trip to Telegram
        self.calls: list[TelegramMethod] = []
        # one sequence per chat, shared by the person's messages and the bot's, as in Telegram
        self.message_ids: dict[int, itertools.count] = {}
        self.messages: dict[int, dict[int, dict]] = {}  # chat -> message_id -> the message as users see it
        self.spent_ns = 0  # time inside make_request: our stand-in for the HTTP round trip's CPU part

    async def make_request(self, bot: Bot, method: TelegramMethod, timeout: int | None = None) -> Any:
        if self.latency:
            await asyncio.sleep(self.latency)
        started = time.perf_counter_ns()
        try:
            self.calls.append(method)
            if isinstance(method, (SendMessage, EditMessageText)):
                return self._message(bot, method)
            if isinstance(method, EditMessageReplyMarkup) and method.reply_markup is None:
                self.messages.get(int(method.chat_id), {}).get(method.message_id, {}).pop("reply_markup", None)
            return True
        finally:
            self.spent_ns += time.perf_counter_ns() - started

    def _message(self, bot: Bot, method: SendMessage | EditMessageText) -> Message:
        chat = int(method.chat_id)
        message_id = self.next_id(chat) if isinstance(method, SendMessage) else method.message_id
        markup = method.reply_markup
        data = {
            "message_id": message_id,
            "date": int(ANCHOR.timestamp()),
            "chat": {"id": chat, "type": "private"},
            "from": BOT_USER,
            "text": method.text,
        }
        if markup is not None and hasattr(markup, "inline_keyboard"):
            data["reply_markup"] = markup.model_dump(exclude_none=True)
        chat_messages = self.messages.setdefault(chat, {})
        chat_messages.pop(message_id, None)  # an edit makes it the newest, for tapping
        chat_messages[message_id] = data
        while len(chat_messages) > KEPT_PER_CHAT:
            del chat_messages[next(iter(chat_messages))]
        return Message.model_validate(data, context={"bot": bot})

    def next_id(self, chat: int) -> int:
        return next(self.message_ids.setdefault(chat, itertools.count(1)))

    async def close(self) -> None:
        return None

    async def stream_content(self, *args, **kwargs):  # pragma: no cover - no files in this flow
        raise NotImplementedError
        yield b""


class Chat:
    """One person's private chat: builds the updates their typing and tapping would produce."""

    update_ids = itertools.count(1)

    def __init__(self, bot: Bot, session: RecordingSession, tg_id: int, first_name: str):
        self.bot = bot
        self.session = session
        self.user = {"id": tg_id, "is_bot": False, "first_name": first_name, "language_code": "en"}
        self.chat = {"id": tg_id, "type": "private", "first_name": first_name}

    def text(self, text: str) -> Update:
        return self._update(
            message={
                "message_id": self.session.next_id(self.user["id"]),
                "date": int(ANCHOR.timestamp()),
                "chat": self.chat,
                "from": self.user,
                "text": text,
            }
        )

    def tap(self, choose: Callable[[InlineKeyboardButton], bool]) -> Update:
        """Tap the first matching button of the newest bot message that has one."""
        for message in reversed(self.session.messages.get(self.user["id"], {}).values()):
            if "reply_markup" not in message:
                continue
            for row in message["reply_markup"]["inline_keyboard"]:
                for raw in row:
                    button = InlineKeyboardButton.model_validate(raw)
                    if choose(button):
                        return self._update(
                            callback_query={
                                "id": str(next(self.update_ids)),
                                "from": self.user,
                                "chat_instance": f"ci{self.user['id']}",
                                "message": message,
                                "data": button.callback_data,
                            }
                        )
        raise LookupError(f"no matching button for chat {self.user['id']}")

    def tap_text(self, text: str) -> Update:
        return self.tap(lambda button: button.text == text)

    def _update(self, **payload) -> Update:
        # mounted on our bot up front, so feed_update does not re-validate it through JSON
        return Update.model_validate({"update_id": next(self.update_ids), **payload}, context={"bot": self.bot})
