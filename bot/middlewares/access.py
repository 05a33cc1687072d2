"""The gate: private chats only, invited and active people only. Nothing behind it runs otherwise.

In a group the bot says once that it works in private chats, then leaves: the client base is not
for a group's eyes, and staying would answer every message there.

Refused tries (a stranger's messages, wrong invite codes, someone whose access is off) are
recorded in the database and limited per Telegram user: past ACCESS_ATTEMPTS_PER_HOUR in an
hour the bot says once that they are paused, tells the admins once, and then stays silent until
an hour passes without a try. Counted in the database, so a restart resets nothing.
"""

from __future__ import annotations

import html
from contextlib import suppress
from datetime import timedelta
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, Chat, Message, Update
from aiogram.types import User as TgUser
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.i18n import N_
from db.repositories import Repos

WINDOW = timedelta(hours=1)
HAMMERING = N_(
    "⚠️ Someone keeps trying to get into Ladon: {name} (Telegram id {id}{username}), {count} refused tries "
    "in an hour, the last one: «{text}». The bot no longer answers them for an hour."
)


def _is_invite_start(message: Message | None) -> bool:
    text = (message.text or "") if message else ""
    parts = text.split(maxsplit=1)
    return len(parts) == 2 and parts[0] == "/start"


def _text_of(event: Update) -> str | None:
    if event.message:
        return event.message.text
    return event.callback_query.data if event.callback_query else None


class AccessMiddleware(BaseMiddleware):
    async def __call__(self, handler, event: Update, data: dict[str, Any]) -> Any:
        chat: Chat | None = data.get("event_chat")
        tg_user: TgUser | None = data.get("event_from_user")
        user = data.get("user")
        if tg_user is None or chat is None:
            return None
        if chat.type != "private":
            return await self._leave(event, data["bot"], chat)
        if user is not None and user.is_active:
            return await handler(event, data)
        repos: Repos = data["repos"]
        now = data["clock"]()
        limit = data["settings"].access_attempts_per_hour
        tries = await repos.system.attempts_since(tg_user.id, now - WINDOW)
        if tries >= limit:
            await self._record(repos, event, tg_user, chat, "paused", now)  # hammering keeps it closed
            if isinstance(event.callback_query, CallbackQuery):
                with suppress(TelegramAPIError):
                    await event.callback_query.answer()
            return None
        if user is None and _is_invite_start(event.message):
            result = await handler(event, data)
            if await repos.users.by_tg_id(tg_user.id) is None:  # the code was refused
                await self._count(event, data, tg_user, chat, "bad_invite", tries, limit, now)
            return result
        reason = "inactive" if user is not None else "unknown"
        if await self._count(event, data, tg_user, chat, reason, tries, limit, now):
            return None
        if reason == "inactive":
            text = _("Your access to Ladon has been turned off. Please contact your administrator.")
        else:
            text = _("This bot is for invited employees only. Ask your head or administrator for an invite link.")
        return await self._refuse(event, data["bot"], text)

    @staticmethod
    async def _record(repos: Repos, event: Update, tg_user: TgUser, chat: Chat, reason: str, now) -> None:
        await repos.system.record_attempt(
            tg_id=tg_user.id, full_name=tg_user.full_name, username=tg_user.username, chat_id=chat.id,
            text=_text_of(event), reason=reason, at=now,
        )

    async def _count(self, event: Update, data: dict[str, Any], tg_user: TgUser, chat: Chat, reason: str,
                     tries: int, limit: int, now) -> bool:
        """Record a refused try; True when it was the last one allowed (they were told, and so were the admins)."""
        repos: Repos = data["repos"]
        await self._record(repos, event, tg_user, chat, reason, now)
        # one entry per refused try; once they are paused, their silent tries are not logged again
        await repos.audit.record("refused", {"reason": reason, "name": tg_user.full_name, "try": tries + 1}, tg_id=tg_user.id)
        if tries + 1 < limit:
            return False
        bot: Bot = data["bot"]
        await self._refuse(event, bot, _("Too many tries. Please wait an hour, or ask your head or administrator for help."))
        i18n: I18n = data["i18n"]
        username = f", @{tg_user.username}" if tg_user.username else ""
        for admin in await repos.users.admins():
            text = i18n.gettext(HAMMERING, locale=admin.language).format(
                name=html.escape(tg_user.full_name), id=tg_user.id, username=html.escape(username),
                count=tries + 1, text=html.escape((_text_of(event) or "")[:100]),
            )
            with suppress(TelegramAPIError):
                await bot.send_message(admin.tg_id, text)
        return True

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
