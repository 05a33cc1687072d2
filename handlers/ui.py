"""Small helpers for answering callbacks and editing flow messages robustly."""

from __future__ import annotations

import contextlib
import html
import re
from collections.abc import Awaitable
from typing import TypeVar

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from db.repositories import NotFound

T = TypeVar("T")
TOAST_LIMIT = 200  # Telegram's limit for a callback answer's text
_TAG = re.compile(r"<[^>]+>")


def toast(text: str) -> str:
    """A message's HTML as the plain text of a callback answer, cut to Telegram's limit."""
    plain = html.unescape(_TAG.sub("", text))
    return plain if len(plain) <= TOAST_LIMIT else plain[: TOAST_LIMIT - 1] + "…"


async def stale(query: CallbackQuery) -> None:
    await query.answer(_("This button is no longer active."), show_alert=True)


async def not_found(query: CallbackQuery) -> None:
    await query.answer(_("Not found, or not yours to change."), show_alert=True)


async def found(query: CallbackQuery, lookup: Awaitable[T]) -> T | None:
    """The record a button points at, or None after telling the presser it is not theirs."""
    try:
        return await lookup
    except NotFound:
        await not_found(query)
        return None


async def show(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None) -> Message | None:
    """Replace the pressed message's content; fall back to a new message if it can't be edited."""
    message = query.message
    if isinstance(message, Message):
        try:
            edited = await message.edit_text(text, reply_markup=markup)
            return edited if isinstance(edited, Message) else message
        except TelegramBadRequest as error:
            if "not modified" in error.message:
                return message
    if query.from_user is not None and query.bot is not None:
        return await query.bot.send_message(query.from_user.id, text, reply_markup=markup)
    return None


async def drop_keyboard(bot: Bot, chat_id: int, message_id: int | None) -> None:
    """Old flow messages lose their buttons once the conversation has moved on."""
    if message_id:
        with contextlib.suppress(TelegramBadRequest):
            await bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id, reply_markup=None)


async def send(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None) -> Message:
    """A new message in the presser's chat (the pressed one stays as it is)."""
    return await query.bot.send_message(query.from_user.id, text, reply_markup=markup)


TEXT_LIMIT = 4000  # under Telegram's 4096, with room for a closing line


def fit(lines: list[str], limit: int = TEXT_LIMIT) -> str:
    """Join whole lines up to the limit: cutting inside a line could split an HTML tag."""
    kept, size = [], 0
    for line in lines:
        if size + len(line) + 1 > limit - 2:
            kept.append("…")
            break
        kept.append(line)
        size += len(line) + 1
    return "\n".join(kept)
