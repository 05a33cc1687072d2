"""A report for a period and a set of managers: everything `/report` shows and exports."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from db.models import Kind
from db.repositories.reports import Logging, Person, ReportRepository
from reports.analytics import (
    BATCH,
    LATE,
    NIGHT,
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
from reports import offload
from reports.checkin import DEFAULT_RADIUS_M, Share, counted
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
    # the span coaching verdicts and the weekly trend were judged over, when wider than the period
    # (a week has too few meetings to judge anyone)
    judged: tuple[date, date] | None = None
    judged_figures: dict[int, Figures] = field(default_factory=dict)  # per manager over `judged`, what verdicts quote
    checkins: dict[int, Share] = field(default_factory=dict)  # meetings checked in, per manager with meetings (none: not in use)
    radius_m: int = DEFAULT_RADIUS_M  # what "checked in" meant


async def build(
    repo: ReportRepository, people: list[Person], start: date, end: date, today: date, tz: str, calendar: WorkCalendar,
    radius_m: int = DEFAULT_RADIUS_M, checkins_required: bool = False,
) -> Report:
    """The report over [start, end] in the reader's zone `tz`; counted in SQL, by hour for days.
    Idle days are the period's working days before `today` (today is not over yet)."""
    ids = [p.id for p in people]
    span = (day_bounds(start, tz)[0], day_bounds(end, tz)[1])
    rows = (await repo.results(ids, span), await repo.refusals(ids, span), await repo.days(ids, span, tz),
            await logging_of(repo, people, span, tz))
    checkins = await counted(repo, ids, span, radius_m, checkins_required)
    # days, verdicts and discipline: in the reports' thread, so that the loop keeps answering meanwhile
    report = await offload.run(_assemble, people, rows, start, end, today, tz, calendar)
    report.checkins, report.radius_m = checkins, radius_m
    return report


def _assemble(people: list[Person], rows, start: date, end: date, today: date, tz: str, calendar: WorkCalendar) -> Report:
    results, refusals, day_rows, logging = rows
    managers = figures(people, results, refusals)
    whole = total(managers)
    days = by_day(day_rows)
    workdays = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    workdays = [d for d in workdays if d < today and calendar.is_workday(d)]
    return Report(
        start, end, people, managers, whole,
        coaching(managers),
        {m.person.id: reason_profile(m, whole) for m in managers},
        discipline(people, logging, days, workdays),
        days,
        by_week(days),
    )


async def logging_of(repo: ReportRepository, people: list[Person], span: tuple[datetime, datetime], tz: str) -> list[Logging]:
    """How `people` logged what they logged in the span: late, at night by their own clock (the
    reader's `tz` for those with none), in batches; counted in SQL."""
    zones = {p.id: p.timezone or tz for p in people}
    return await repo.logging(zones, span, late_hours=int(LATE / timedelta(hours=1)), night=NIGHT, batch=BATCH)


WEEKLY_JUDGED = timedelta(weeks=13)


def first_workday_of_week(day: date, calendar: WorkCalendar) -> bool:
    monday = day - timedelta(days=day.weekday())
    return calendar.is_workday(day) and not any(
        calendar.is_workday(monday + timedelta(days=n)) for n in range(day.weekday())
    )


async def weekly(repo: ReportRepository, people: list[Person], today: date, tz: str, calendar: WorkCalendar,
                 radius_m: int = DEFAULT_RADIUS_M, checkins_required: bool = False) -> Report:
    """Last week's report, with training and mentoring judged, and the trend drawn, over the
    last quarter: what the head reads on the first working morning of a week."""
    monday = today - timedelta(days=today.weekday())
    week = await build(repo, people, monday - timedelta(days=7), monday - timedelta(days=1), today, tz, calendar, radius_m,
                       checkins_required)
    start, end = monday - WEEKLY_JUDGED, monday - timedelta(days=1)
    # of the quarter only what is shown: verdicts with the figures they rest on, and weekly totals
    # (not its days per manager, nor its logging discipline, which would be counted and thrown away)
    ids = [p.id for p in people]
    span = (day_bounds(start, tz)[0], day_bounds(end, tz)[1])
    results, refusals = await repo.results(ids, span), await repo.refusals(ids, span)
    day_rows = await repo.days(ids, span, tz, per_manager=False)
    def judge() -> tuple[list[Figures], dict[int, Coaching], dict[date, Counter[Kind]]]:
        judged = figures(people, results, refusals)
        return judged, coaching(judged), by_week(by_day(day_rows))

    judged, week.coaching, week.weeks = await offload.run(judge)
    week.judged, week.judged_figures = (start, end), {f.person.id: f for f in judged}
    return week
