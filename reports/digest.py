"""The morning digest's figures: the last working day per manager and for the team against its
usual level, today's and tomorrow's plans, and what needs the head's attention."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from db.models import Kind
from db.repositories.reports import Person, ReportRepository
from reports.analytics import (
    DayFigures,
    Figures,
    Usual,
    by_day,
    comparable_days,
    discipline,
    figures,
    total,
    usual,
)
from reports.checkin import DEFAULT_RADIUS_M, Share, counted
from reports.dates import day_bounds, local_today
from reports.report import logging_of
from reports.workdays import WorkCalendar

USUAL_FIGURES = ("meetings", "calls", "deals", "deals_sum")


@dataclass
class ManagerMorning:
    person: Person
    day: Figures  # the last working day
    today: int = 0  # planned contacts
    tomorrow: int = 0
    hanging: int = 0  # planned before today, still without a result
    hanging_since: date | None = None  # the day (the reader's) the oldest of them was due
    night_batch: int = 0  # contacts logged at night in batches since that day began
    checkins: Share | None = None  # that day's meetings checked in (None: no meetings, or check-ins not in use)

    @property
    def idle(self) -> bool:
        return self.day.contacts == 0


@dataclass
class Morning:
    today: date
    day: date  # the last working day before today: what "yesterday" reports
    managers: list[ManagerMorning]
    team: Figures
    usual: dict[str, Usual | None]  # USUAL_FIGURES of the team on `day`, against the same weekday before
    radius_m: int = DEFAULT_RADIUS_M  # what "checked in" meant

    @property
    def alerts(self) -> bool:
        return any(m.idle or m.hanging or m.night_batch or m.person.unreachable or (m.checkins and m.checkins.beyond)
                   for m in self.managers)


def last_workday(today: date, calendar: WorkCalendar) -> date:
    day = today - timedelta(days=1)
    for _ in range(14):  # the New Year holidays are the longest run of days off
        if calendar.is_workday(day):
            return day
        day -= timedelta(days=1)
    return today - timedelta(days=1)


def _value(fig: DayFigures | None, name: str) -> float:
    return float(getattr(fig, name)) if fig is not None else 0.0


async def morning(repo: ReportRepository, people: list[Person], now: datetime, tz: str, calendar: WorkCalendar,
                  radius_m: int = DEFAULT_RADIUS_M, checkins_required: bool = False) -> Morning:
    today = local_today(now, tz)
    day = last_workday(today, calendar)
    ids = [p.id for p in people]
    span = day_bounds(day, tz)
    items = figures(people, await repo.results(ids, span), await repo.refusals(ids, span))
    managers = {m.person.id: m for m in (ManagerMorning(f.person, f) for f in items)}
    planned, hanging = await repo.plans(ids, day_bounds(today, tz), day_bounds(today + timedelta(days=1), tz))
    for manager_id, is_tomorrow, count in planned:
        if is_tomorrow:
            managers[manager_id].tomorrow = count
        else:
            managers[manager_id].today = count
    for manager_id, count, oldest in hanging:
        managers[manager_id].hanging = count
        managers[manager_id].hanging_since = local_today(oldest, tz)
    for manager_id, share in (await counted(repo, ids, span, radius_m, checkins_required)).items():
        managers[manager_id].checkins = share
    logged = await logging_of(repo, people, (span[0], now), tz)
    for manager_id, item in discipline(people, logged, {}, []).items():
        managers[manager_id].night_batch = item.batched
    # the team's usual level: the same weekday over the weeks before, counted for everyone at once
    earlier = comparable_days(day, calendar)
    levels: dict[str, Usual | None] = dict.fromkeys(USUAL_FIGURES)
    if earlier:
        # only those days, not the weeks between them: a seventh of the rows to count and carry
        rows = []
        for earlier_day in earlier:
            rows += await repo.days(ids, day_bounds(earlier_day, tz), tz, per_manager=False)
        history = by_day(rows)
        team = total(items)
        now_values = {"meetings": team.meetings, "calls": team.by_kind[Kind.CALL], "deals": team.deals, "deals_sum": team.deals_sum}
        for name in USUAL_FIGURES:
            levels[name] = usual(now_values[name], [_value(history.get((None, d)), name) for d in earlier])
    return Morning(today, day, list(managers.values()), total(items), levels, radius_m)
