"""Keyboards shared by several routers."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup

from db.models import Role, User
from handlers import labels


def main_menu(user: User) -> ReplyKeyboardMarkup:
    rows = [
        [KeyboardButton(text=str(labels.MENU_LOG))],
        # one tap shares where the person is (mobile apps only): a check-in at the client
        [KeyboardButton(text=str(labels.MENU_CHECKIN), request_location=True)],
        [KeyboardButton(text=str(labels.MENU_TODAY)), KeyboardButton(text=str(labels.MENU_TOMORROW))],
        [KeyboardButton(text=str(labels.MENU_CLIENTS)), KeyboardButton(text=str(labels.MENU_HELP))],
    ]
    if user.role in (Role.HEAD, Role.ADMIN):
        rows[0].append(KeyboardButton(text=str(labels.MENU_REPORT)))
        rows[2].append(KeyboardButton(text=str(labels.MENU_TEAM)))
        rows[3].insert(1, KeyboardButton(text=str(labels.MENU_INVITE)))
    return ReplyKeyboardMarkup(keyboard=rows, resize_keyboard=True, is_persistent=True)


class Rows(list):
    """Rows of inline buttons made into a markup as they are: aiogram's InlineKeyboardBuilder
    deep-copies every button when exporting, a cost paid on each message that carries buttons."""

    def row(self, *buttons: InlineKeyboardButton) -> Rows:
        self.append(list(buttons))
        return self

    def as_markup(self) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup(inline_keyboard=list(self))


def button(text: str, data) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack() if hasattr(data, "pack") else data)
