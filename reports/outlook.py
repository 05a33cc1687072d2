"""The month's forecast for a scope, from the records: what `/forecast` and the digest show, and
the backtest `/forecast accuracy` shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from db.repositories.plans import PlanRepository
from db.repositories.reports import Person, ReportRepository
from reports import offload
from reports.dates import day_bounds, local_today
from reports.forecast import (
    WINDOW_DAYS,
    Backtest,
    Day,
    Month,
    backtest,
    days_of,
    month_as_of,
    workdays_between,
)
from reports.workdays import WorkCalendar

HISTORY_DAYS = 3 * 366  # how far back accuracy is measured


@dataclass
class Live:
    month: Month
    sales: dict[int, dict[date, Day]]  # by manager and day, for the chart of the month so far
    today: date


async def live(reports: ReportRepository, plans: PlanRepository, people: list[Person], now: datetime, tz: str,
               calendar: WorkCalendar, team_plan: int | None = None) -> Live:
    """This month as of today. Last year's same month is read only before the month's first working
    day has begun (the month's own pace is used after it)."""
    today = local_today(now, tz)
    first = today.replace(day=1)
    begun = workdays_between(first, today - timedelta(days=1), calendar) > 0
    since = today - timedelta(days=WINDOW_DAYS) if begun else first.replace(year=first.year - 1) - timedelta(days=WINDOW_DAYS)
    since = min(since, first)
    ids = [p.id for p in people]
    rows = await reports.sales(ids, (day_bounds(since, tz)[0], day_bounds(today, tz)[0]), tz)
    set_plans = {p.user_id: p.amount_minor / 100 for p in await plans.of_month(first) if p.user_id in set(ids)}
    total_plan = team_plan / 100 if team_plan is not None else None
    # the simulation: tens of milliseconds of Python per head, in the reports' thread so that the
    # loop keeps answering meanwhile
    teams = {p.id: p.team_id for p in people}
    return await offload.run(_live, rows, ids, today, calendar, set_plans, total_plan, teams)


def _live(rows, ids: list[int], today: date, calendar: WorkCalendar, set_plans: dict[int, float],
          total_plan: float | None, teams: dict[int, int | None]) -> Live:
    sales = days_of(rows)
    return Live(month_as_of(sales, ids, today, calendar, set_plans, total_plan, teams=teams), sales, today)


async def accuracy(reports: ReportRepository, people: list[Person], now: datetime, tz: str,
                   calendar: WorkCalendar) -> list[Backtest]:
    today = local_today(now, tz)
    ids = [p.id for p in people]
    since = today - timedelta(days=HISTORY_DAYS)
    rows = await reports.sales(ids, (day_bounds(since, tz)[0], day_bounds(today, tz)[0]), tz)
    return await offload.run(_accuracy, rows, ids, today, calendar)


def _accuracy(rows, ids: list[int], today: date, calendar: WorkCalendar) -> list[Backtest]:
    sales = days_of(rows)
    first = min((d for days in sales.values() for d in days), default=today)
    return backtest(sales, ids, first, today, calendar)
