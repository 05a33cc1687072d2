"""Keyboards shared by several routers."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup

from db.models import Role, User
from handlers import labels
from handlers.callbacks import CalCb
from reports.formatting import month_title, weekday_initials


def main_menu(user: User) -> ReplyKeyboardMarkup:
    rows = [
        [KeyboardButton(text=str(labels.MENU_LOG))],
        [KeyboardButton(text=str(labels.MENU_TODAY)), KeyboardButton(text=str(labels.MENU_TOMORROW))],
        [KeyboardButton(text=str(labels.MENU_CLIENTS)), KeyboardButton(text=str(labels.MENU_HELP))],
    ]
    if user.role in (Role.HEAD, Role.ADMIN):
        rows[1].append(KeyboardButton(text=str(labels.MENU_TEAM)))
        rows[2].insert(1, KeyboardButton(text=str(labels.MENU_INVITE)))
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


def calendar_kb(purpose: str, flow: str, month: date, today: date, locale: str, extra=()) -> InlineKeyboardMarkup:
    """A month grid; days before today are not offered. `extra` rows go under it."""
    kb = Rows()
    first = month.replace(day=1)
    prev_month = (first - timedelta(days=1)).replace(day=1)
    next_month = (first + timedelta(days=32)).replace(day=1)
    noop = CalCb(to=purpose, f=flow, a="noop")
    can_go_back = prev_month >= today.replace(day=1)
    kb.row(
        button("‹" if can_go_back else " ", CalCb(to=purpose, f=flow, a="nav", v=prev_month.strftime("%Y-%m")) if can_go_back else noop),
        button(month_title(first, locale), noop),
        button("›", CalCb(to=purpose, f=flow, a="nav", v=next_month.strftime("%Y-%m"))),
    )
    kb.row(*(button(name, noop) for name in weekday_initials(locale)))
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month):
        cells = []
        for day in week:
            if day.month != first.month or day < today:
                cells.append(button(" ", noop))
            else:
                cells.append(button(str(day.day), CalCb(to=purpose, f=flow, a="day", v=day.isoformat())))
        kb.row(*cells)
    for row in extra:
        kb.row(*row)
    return kb.as_markup()
