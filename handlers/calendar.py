"""The inline calendar: whole weeks with days off marked, and what a tap on it means (checked, since
buttons can be forged)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from aiogram.types import InlineKeyboardMarkup

from handlers.callbacks import CalCb
from handlers.keyboards import Rows, button
from reports.formatting import month_title, weekday_initials
from reports.workdays import WorkCalendar

HORIZON = timedelta(days=3 * 366)  # how far ahead a day can be picked


WEEKS = 5  # a page of the calendar: whole weeks, from the week of the day it starts at


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def calendar_kb(purpose: str, flow: str, start: date, today: date, locale: str, extra=(),
                workdays: WorkCalendar | None = None) -> InlineKeyboardMarkup:
    """Whole weeks from the week of `start`; days before today are not offered, weekends and
    public holidays are marked (in brackets). `extra` rows go under it."""
    kb = Rows()
    first = _monday(max(start, today))
    last = first + timedelta(weeks=WEEKS) - timedelta(days=1)
    noop = CalCb(to=purpose, f=flow, a="noop")
    earlier = first - timedelta(weeks=WEEKS)
    can_go_back = first > _monday(today)
    title = month_title(first, locale)
    if (last.year, last.month) != (first.year, first.month):
        second = month_title(last, locale)
        if locale.startswith("ru"):
            second = second[0].lower() + second[1:]  # a month mid-phrase is lowercase in Russian
        head = month_title(first, locale) if first.year != last.year else month_title(first, locale).split()[0]
        title = f"{head} – {second}"
    kb.row(
        button("‹" if can_go_back else " ",
               CalCb(to=purpose, f=flow, a="nav", v=max(earlier, _monday(today)).isoformat()) if can_go_back else noop),
        button(title, noop),
        button("›", CalCb(to=purpose, f=flow, a="nav", v=(first + timedelta(weeks=WEEKS)).isoformat())),
    )
    kb.row(*(button(name, noop) for name in weekday_initials(locale)))
    for week in range(WEEKS):
        cells = []
        for offset in range(7):
            day = first + timedelta(weeks=week, days=offset)
            if day < today or day > today + HORIZON:
                cells.append(button(" ", noop))
                continue
            label = str(day.day) if day.day != 1 else f"{day.day}.{day.month:02d}"
            if workdays is not None and not workdays.is_workday(day):
                label = f"({label})"
            cells.append(button(label, CalCb(to=purpose, f=flow, a="day", v=day.isoformat())))
        kb.row(*cells)
    for row in extra:
        kb.row(*row)
    return kb.as_markup()


@dataclass(frozen=True)
class Tap:
    """A calendar tap: weeks to show (from `start`, a Monday), a day picked, or neither (a blank
    cell or a title)."""

    start: date | None = None
    day: date | None = None


def read_tap(data: CalCb, today: date) -> Tap:
    """What a tap means; ValueError for one that no calendar we drew could carry (a past day,
    weeks out of range, a malformed date)."""
    if data.a == "noop":
        return Tap()
    if data.a == "nav":
        start = date.fromisoformat(data.v)
        if start.weekday() != 0 or start < _monday(today) or start > today + HORIZON:
            raise ValueError(data.v)
        return Tap(start=start)
    if data.a == "day":
        day = date.fromisoformat(data.v)
        if day < today or day > today + HORIZON:
            raise ValueError(data.v)
        return Tap(day=day)
    raise ValueError(data.a)
