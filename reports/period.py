"""Report periods: what "this week" or "last month" means on a given local day."""

from __future__ import annotations

from datetime import date, timedelta

PERIODS = ("today", "yesterday", "week", "last_week", "month", "last_month")
LONGEST = timedelta(days=366)  # a picked range may cover at most a year


def days_of(code: str, today: date) -> tuple[date, date]:
    """First and last day (inclusive) of a named period; KeyError for an unknown name."""
    monday = today - timedelta(days=today.weekday())
    first_of_month = today.replace(day=1)
    last_month_end = first_of_month - timedelta(days=1)
    spans = {
        "today": (today, today),
        "yesterday": (today - timedelta(days=1), today - timedelta(days=1)),
        "week": (monday, today),
        "last_week": (monday - timedelta(days=7), monday - timedelta(days=1)),
        "month": (first_of_month, today),
        "last_month": (last_month_end.replace(day=1), last_month_end),
    }
    return spans[code]


def encode(start: date, end: date) -> str:
    """A picked range as a button carries it: "r20261101-20261130"."""
    return f"r{start:%Y%m%d}-{end:%Y%m%d}"


def decode(value: str, today: date) -> tuple[date, date]:
    """A named period or a picked range from a button; ValueError for anything no button of ours
    carries (a forged range: reversed, in the future, longer than a year, not a date)."""
    if value in PERIODS:
        return days_of(value, today)
    first, last = value[1:9], value[10:18]
    if not value.startswith("r") or len(value) != 18 or value[9] != "-" or not (first + last).isdigit() or not value.isascii():
        raise ValueError(value)
    start, end = (date(int(v[:4]), int(v[4:6]), int(v[6:8])) for v in (first, last))
    if start > end or end > today or end - start > LONGEST:
        raise ValueError(value)
    return start, end
