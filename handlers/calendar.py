"""The inline calendar: its keyboard, and what a tap on it means (checked, since buttons can be forged)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from aiogram.types import InlineKeyboardMarkup

from handlers.callbacks import CalCb
from handlers.keyboards import Rows, button
from reports.formatting import month_title, weekday_initials

HORIZON = timedelta(days=3 * 366)  # how far ahead a day can be picked


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


@dataclass(frozen=True)
class Tap:
    """A calendar tap: a month to show, a day picked, or neither (a blank cell or a title)."""

    month: date | None = None
    day: date | None = None


def read_tap(data: CalCb, today: date) -> Tap:
    """What a tap means; ValueError for one that no calendar we drew could carry (a past day,
    a month out of range, a malformed date)."""
    if data.a == "noop":
        return Tap()
    if data.a == "nav":
        month = date.fromisoformat(data.v + "-01")
        if month < today.replace(day=1) or month > today + HORIZON:
            raise ValueError(data.v)
        return Tap(month=month)
    if data.a == "day":
        day = date.fromisoformat(data.v)
        if day < today or day > today + HORIZON:
            raise ValueError(data.v)
        return Tap(day=day)
    raise ValueError(data.a)
