"""Calendar arithmetic in a person's timezone (days, their bounds, quick steps); everything returned is UTC."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from reports.workdays import WorkCalendar

PLAN_HOUR = time(10, 0)  # a next contact lands at 10:00 local unless a time is given
QUICK_STEPS = {"1d": 1, "3d": 3, "7d": 7}


def local_today(now: datetime, tz: str) -> date:
    return now.astimezone(ZoneInfo(tz)).date()


def day_bounds(day: date, tz: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(tz)
    start = datetime.combine(day, time(0), zone)
    end = datetime.combine(day + timedelta(days=1), time(0), zone)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def at_local(day: date, tz: str, at: time = PLAN_HOUR) -> datetime:
    return datetime.combine(day, at, ZoneInfo(tz)).astimezone(timezone.utc)


def quick_day(code: str, today: date, workdays: WorkCalendar) -> date:
    """Where a quick step lands: that many days on, or the first working day after that (a plan on
    a weekend would only come back as overdue on Monday)."""
    day = today + timedelta(days=QUICK_STEPS[code])
    for _ in range(31):  # a calendar of nothing but holidays must not hang us
        if workdays.is_workday(day):
            return day
        day += timedelta(days=1)
    return today + timedelta(days=QUICK_STEPS[code])


def quick_step(code: str, now: datetime, tz: str, workdays: WorkCalendar) -> datetime:
    return at_local(quick_day(code, local_today(now, tz), workdays), tz)


def moved_to(day: date, original: datetime, tz: str) -> datetime:
    """The same local time of day as `original`, on another day."""
    return at_local(day, tz, original.astimezone(ZoneInfo(tz)).time())
