"""Small helpers for answering callbacks and editing flow messages robustly."""

from __future__ import annotations

import contextlib
import html
import re
from collections.abc import Awaitable
from typing import TypeVar

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, ReplyKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from db.repositories import NotFound

T = TypeVar("T")
TOAST_LIMIT = 200  # Telegram's limit for a callback answer's text
_TAG = re.compile(r"<[^>]+>")


def toast(text: str) -> str:
    """A message's HTML as the plain text of a callback answer, cut to Telegram's limit."""
    plain = html.unescape(_TAG.sub("", text))
    return plain if len(plain) <= TOAST_LIMIT else plain[: TOAST_LIMIT - 1] + "…"


async def noop(query: CallbackQuery) -> None:
    """A button that only labels (a page number): the tap is answered, nothing changes."""
    await query.answer()


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


async def replace_flow_message(message: Message, state: FSMContext, text: str, markup=None) -> Message:
    """The flow's next message in reply to what the person typed: the previous one loses its
    buttons, and the new one's id is recorded in the state (to do the same next time).

    Telegram numbers a private chat's messages in one sequence, so the reply to message N is
    N + 1 unless something came in between: the id is recorded before the reply, in the step's
    one commit, and corrected (a second commit) only when the guess was wrong.
    """
    old = (await state.get_data()).get("mid")
    guess = message.message_id + 1
    await state.update_data(mid=guess)
    await drop_keyboard(message.bot, message.chat.id, old)
    sent = await message.answer(text, reply_markup=markup)
    if sent.message_id != guess:
        await state.update_data(mid=sent.message_id)
    return sent


async def send(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None) -> Message:
    """A new message in the presser's chat (the pressed one stays as it is)."""
    return await query.bot.send_message(query.from_user.id, text, reply_markup=markup)


TEXT_LIMIT = 4096  # Telegram's limit for a message's text, in UTF-16 code units


def u16(text: str) -> int:
    """Length as Telegram counts it. Measured on the HTML, which is never shorter than the text
    Telegram keeps after parsing it, so what fits here fits there."""
    return len(text.encode("utf-16-le")) // 2


def fits(lines: list[str], limit: int = TEXT_LIMIT) -> bool:
    return u16("\n".join(lines)) <= limit


def pack(blocks: list[str], limit: int = TEXT_LIMIT) -> list[str]:
    """Blocks (a line, a manager's lines, ...) joined by newlines into as few messages as fit
    Telegram's limit, split only between blocks: nothing is ever cut. A block too long for a
    message of its own is split between its lines (and a single such line, which none of ours
    is, between characters of its plain text)."""
    parts: list[str] = []
    current: list[str] = []
    for block in _pieces(blocks, limit):
        if current and not fits([*current, block], limit):
            parts.append("\n".join(current).strip("\n"))
            current = []
        current.append(block)
    if current:
        parts.append("\n".join(current).strip("\n"))
    return [part for part in parts if part.strip()] or [""]


def _pieces(blocks: list[str], limit: int):
    for block in blocks:
        if u16(block) <= limit:
            yield block
            continue
        for line in block.split("\n"):
            if u16(line) <= limit:
                yield line
                continue
            plain = html.unescape(_TAG.sub("", line))
            step = limit // 6  # an escaped character takes at most 6
            for start in range(0, len(plain), step):
                yield html.escape(plain[start : start + step])


async def answer_parts(message: Message, parts: list[str], markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | None = None) -> None:
    """A text that can grow, as several messages; the buttons go under the last one."""
    for n, part in enumerate(parts, 1):
        await message.answer(part, reply_markup=markup if n == len(parts) else None)


async def show_parts(query: CallbackQuery, parts: list[str], markup: InlineKeyboardMarkup | None = None) -> None:
    """A text that can grow, in place of the pressed message: its first part there, the rest as
    new messages; the buttons go under the last one."""
    await show(query, parts[0], markup if len(parts) == 1 else None)
    if len(parts) > 1:
        await answer_parts(query.message, parts[1:], markup)
