"""Locale-aware formatting (Babel) of money and of UTC times in a person's timezone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_decimal

CURRENCY_SIGN = "₽"


def to_local(moment: datetime, tz: str) -> datetime:
    return moment.astimezone(ZoneInfo(tz))


def money(amount_minor: int, locale: str) -> str:
    whole, cents = divmod(amount_minor, 100)
    number = format_decimal(amount_minor / 100 if cents else whole, format="#,##0.##", locale=locale)
    return f"{number}\u00a0{CURRENCY_SIGN}"


def when(moment: datetime, tz: str, locale: str) -> str:
    """A planned time for a person: "Thu, 4 Dec, 10:00" in their zone and language."""
    local = to_local(moment, tz)
    return format_datetime(local, "EEE, d MMM, HH:mm", locale=locale)


def clock(moment: datetime, tz: str, locale: str) -> str:
    return format_time(to_local(moment, tz), "HH:mm", locale=locale)


def day(value: date, locale: str) -> str:
    return format_date(value, "EEEE, d MMMM", locale=locale)


def short_day(value: date, locale: str) -> str:
    return format_date(value, "EEE, d MMM", locale=locale)


def month_title(value: date, locale: str) -> str:
    return format_date(value, "LLLL yyyy", locale=locale).capitalize()


def month_name(value: date, locale: str) -> str:
    """A month inside a sentence: "ноябрь 2026" (Russian does not capitalise it), "November 2026"."""
    return format_date(value, "LLLL yyyy", locale=locale)


def weekday_initials(locale: str) -> list[str]:
    from babel import Locale

    names = Locale.parse(locale).days["stand-alone"]["abbreviated"]
    return [names[i][:2].capitalize() for i in range(7)]
