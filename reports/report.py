"""A report for a period and a set of managers: everything `/report` shows and exports."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from db.models import Kind
from db.repositories.reports import Person, ReportRepository
from reports.analytics import (
    Coaching,
    DayFigures,
    Discipline,
    Figures,
    ReasonProfile,
    by_day,
    by_week,
    coaching,
    discipline,
    figures,
    reason_profile,
    total,
)
from reports.dates import day_bounds
from reports.workdays import WorkCalendar


@dataclass
class Report:
    start: date
    end: date  # inclusive
    people: list[Person]
    managers: list[Figures]  # in the order of `people`
    whole: Figures
    coaching: dict[int, Coaching]
    reasons: dict[int, ReasonProfile]
    discipline: dict[int, Discipline]
    days: dict[tuple[int | None, date], DayFigures]
    weeks: dict[date, Counter[Kind]]


async def build(
    repo: ReportRepository, people: list[Person], start: date, end: date, today: date, tz: str, calendar: WorkCalendar,
) -> Report:
    """The report over [start, end] in the reader's zone `tz`; counted in SQL, by hour for days.
    Idle days are the period's working days before `today` (today is not over yet)."""
    ids = [p.id for p in people]
    span = (day_bounds(start, tz)[0], day_bounds(end, tz)[1])
    managers = figures(people, await repo.results(ids, span), await repo.refusals(ids, span))
    whole = total(managers)
    days = by_day(await repo.hours(ids, span), tz)
    workdays = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    workdays = [d for d in workdays if d < today and calendar.is_workday(d)]
    return Report(
        start, end, people, managers, whole,
        coaching(managers),
        {m.person.id: reason_profile(m, whole) for m in managers},
        discipline(people, await repo.logging(ids, span), days, workdays, tz),
        days,
        by_week(days),
    )
