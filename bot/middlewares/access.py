"""The gate: private chats only, invited and active people only. Nothing behind it runs otherwise.

In a group the bot says once that it works in private chats, then leaves: the client base is not
for a group's eyes, and staying would answer every message there."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, Chat, Message, Update
from aiogram.types import User as TgUser
from aiogram.utils.i18n import gettext as _



def _is_invite_start(message: Message | None) -> bool:
    text = (message.text or "") if message else ""
    parts = text.split(maxsplit=1)
    return len(parts) == 2 and parts[0] == "/start"


class AccessMiddleware(BaseMiddleware):
    async def __call__(self, handler, event: Update, data: dict[str, Any]) -> Any:
        chat: Chat | None = data.get("event_chat")
        tg_user: TgUser | None = data.get("event_from_user")
        user = data.get("user")
        if tg_user is None:
            return None
        if chat is None:
            return None
        if chat.type != "private":
            return await self._leave(event, data["bot"], chat)
        if user is not None and user.is_active:
            return await handler(event, data)
        if user is None and _is_invite_start(event.message):
            return await handler(event, data)
        reason = "inactive" if user is not None else "unknown"
        message = event.message
        await data["repos"].system.record_attempt(
            tg_id=tg_user.id,
            full_name=tg_user.full_name,
            username=tg_user.username,
            chat_id=chat.id,
            text=message.text if message else (event.callback_query.data if event.callback_query else None),
            reason=reason,
        )
        if reason == "inactive":
            text = _("Your access to Ladon has been turned off. Please contact your administrator.")
        else:
            text = _("This bot is for invited employees only. Ask your head or administrator for an invite link.")
        return await self._refuse(event, data["bot"], text)

    @staticmethod
    async def _leave(event: Update, bot: Bot, chat: Chat) -> None:
        member = event.my_chat_member
        if member is not None and member.new_chat_member.status in ("left", "kicked"):
            return None  # removed from the group: nothing to say, nowhere to say it
        text = _("I work only in a private chat. Please message me directly.")
        with suppress(TelegramAPIError):  # the group may already be out of reach
            if isinstance(event.callback_query, CallbackQuery):
                await event.callback_query.answer(text, show_alert=True)
            else:
                await bot.send_message(chat.id, text)
        with suppress(TelegramAPIError):
            await bot.leave_chat(chat.id)
        return None

    @staticmethod
    async def _refuse(event: Update, bot: Bot, text: str) -> None:
        if isinstance(event.callback_query, CallbackQuery):
            await event.callback_query.answer(text, show_alert=True)
        elif isinstance(event.message, Message):
            await event.message.answer(text)
        return None
