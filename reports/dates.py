"""Calendar arithmetic in a person's timezone (days, their bounds, quick steps); everything returned is UTC."""

from __future__ import annotations

from collections import Counter
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


def quick_step(code: str, now: datetime, tz: str, workdays: WorkCalendar, at: time = PLAN_HOUR) -> datetime:
    return at_local(quick_day(code, local_today(now, tz), workdays), tz, at)


USUAL_AFTER = 3  # plans at one time of day before it counts as the person's usual time


def usual_time(planned: list[datetime], tz: str) -> time:
    """The local time of day a person plans contacts at most often (the earliest of equals);
    10:00 until some time has been chosen USUAL_AFTER times."""
    counts = Counter(moment.astimezone(ZoneInfo(tz)).time().replace(second=0, microsecond=0) for moment in planned)
    best = max(counts.values(), default=0)
    if best < USUAL_AFTER:
        return PLAN_HOUR
    return min(moment for moment, count in counts.items() if count == best)


def moved_to(day: date, original: datetime, tz: str) -> datetime:
    """The same local time of day as `original`, on another day."""
    return at_local(day, tz, original.astimezone(ZoneInfo(tz)).time())
