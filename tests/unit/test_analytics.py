"""The heads' analytics on constructed data whose answers are known by hand."""

from __future__ import annotations

from datetime import date

import pytest

from db.models import Kind, Outcome
from db.repositories.reports import DayCount, Person, Result
from reports.analytics import (
    Coaching,
    Level,
    by_day,
    by_week,
    coaching,
    comparable_days,
    figures,
    reason_profile,
    total,
    usual,
    wilson,
)
from reports.workdays import WorkCalendar

ANNA, BORIS, VERA, GLEB = (Person(i, n, 1, False) for i, n in enumerate(("Anna", "Boris", "Vera", "Gleb"), 1))


def test_wilson_matches_the_textbook_values() -> None:
    # Wilson 95% for 5 of 10 and 0 of 10 (Newcombe 1998, Table I style figures)
    low, high = wilson(5, 10)
    assert low == pytest.approx(0.2366, abs=1e-4) and high == pytest.approx(0.7634, abs=1e-4)
    low, high = wilson(0, 10)
    assert low == 0.0 and high == pytest.approx(0.2775, abs=1e-4)
    low, high = wilson(10, 10)  # the mirror of 0 of 10
    assert low == pytest.approx(0.7225, abs=1e-4) and high == 1.0
    low, high = wilson(81, 263)  # Newcombe's example: 0.2553 to 0.3662
    assert low == pytest.approx(0.2553, abs=1e-4) and high == pytest.approx(0.3662, abs=1e-4)
    assert wilson(0, 0) is None


def _meetings(manager: Person, done: int, agreed: int, amount: int = 0) -> list[Result]:
    return [
        Result(manager.id, Kind.MEETING, Outcome.AGREED, agreed, amount, agreed),
        Result(manager.id, Kind.MEETING, Outcome.THINKING, done - agreed, 0, 0),
    ]


def test_figures_count_meetings_deals_and_sums_per_manager() -> None:
    rows = [
        *_meetings(ANNA, 10, 2, 150_000_00),
        Result(ANNA.id, Kind.CALL, Outcome.AGREED, 3, 50_000_00, 1),  # two of them logged without a sum
        Result(ANNA.id, Kind.CALL, Outcome.REFUSED, 3, 0, 0),
        Result(99, Kind.CALL, None, 5, 0, 0),  # not in scope: ignored
    ]
    anna, boris = figures([ANNA, BORIS], rows, [(ANNA.id, 7, 2), (ANNA.id, None, 1)])
    assert anna.contacts == 16 and anna.by_kind[Kind.CALL] == 6
    assert anna.meetings == 10 and anna.meeting_deals == 2 and anna.conversion == 0.2
    # the average is over the three deals with a sum: the two without one are not deals for 0 ₽
    assert anna.deals == 5 and anna.deals_sum == 200_000_00 and anna.average_deal == 200_000_00 // 3
    assert anna.unpriced == 2
    assert anna.refusals == {7: 2, None: 1}
    assert anna.meeting_share == pytest.approx(10 / 16)
    assert boris.contacts == 0 and boris.conversion is None and boris.average_deal is None and boris.interval is None
    assert total([anna, boris]).deals == 5 and total([anna, boris]).average_deal == 200_000_00 // 3


def test_coaching_names_the_weak_and_the_strong_only_with_enough_meetings() -> None:
    rows = [
        *_meetings(ANNA, 200, 20),  # 10%, like the rest
        *_meetings(BORIS, 200, 2),  # 1%: needs training
        *_meetings(VERA, 200, 60),  # 30%: could mentor
        *_meetings(GLEB, 12, 0),  # 0 of 12: too few to judge, whatever the rate
    ]
    verdicts = coaching(figures([ANNA, BORIS, VERA, GLEB], rows, []))
    assert verdicts == {ANNA.id: Coaching.USUAL, BORIS.id: Coaching.TRAIN, VERA.id: Coaching.MENTOR, GLEB.id: Coaching.FEW}


def test_coaching_does_not_judge_noise_or_a_lone_manager() -> None:
    # 14% against 10%: a difference a head could see by chance on 60 meetings
    rows = [*_meetings(ANNA, 60, 8), *_meetings(BORIS, 300, 30)]
    assert coaching(figures([ANNA, BORIS], rows, [])) == {ANNA.id: Coaching.USUAL, BORIS.id: Coaching.USUAL}
    assert coaching(figures([ANNA], _meetings(ANNA, 60, 1), [])) == {ANNA.id: Coaching.ALONE}


def test_a_dominant_reason_must_stand_out_from_the_team() -> None:
    budget, price, other = 1, 2, 3
    refusals = [
        (ANNA.id, budget, 14), (ANNA.id, price, 3), (ANNA.id, other, 3),  # 70% budget
        (BORIS.id, budget, 3), (BORIS.id, price, 9), (BORIS.id, other, 8),
        (VERA.id, budget, 4), (VERA.id, price, 8), (VERA.id, other, 8),
        (GLEB.id, budget, 3), (GLEB.id, price, 1),  # 75% budget, of four: too few
    ]
    items = figures([ANNA, BORIS, VERA, GLEB], [], refusals)
    team = total(items)
    anna, boris, vera, gleb = (reason_profile(i, team) for i in items)
    assert anna.dominant == budget and anna.total == 20 and anna.share == pytest.approx(0.7)
    assert anna.ranked[0] == (budget, 14)
    assert boris.dominant is None  # 45% price, but the team refuses on price about as often
    assert vera.dominant is None
    assert gleb.dominant is None and gleb.total == 4


def test_usual_level_is_the_middle_half_of_comparable_days() -> None:
    history = [2, 3, 3, 4, 4, 5, 3, 4]
    assert usual(4, history).level == Level.USUAL
    assert usual(8, history).level == Level.ABOVE
    assert usual(1, history).level == Level.BELOW
    assert usual(4, history).median == 3.5
    assert usual(4, [3, 4]) is None  # two days are no usual level


def test_comparable_days_are_the_same_weekday_skipping_holidays() -> None:
    calendar = WorkCalendar("RU")
    # Wednesday 2026-01-14: eight Wednesdays back cross the New Year holidays (7 January, and
    # 31 December, a day off by transfer in 2025)
    days = comparable_days(date(2026, 1, 14), calendar)
    assert date(2026, 1, 7) not in days and date(2025, 12, 31) not in days and date(2025, 12, 24) in days
    assert all(d.weekday() == 2 for d in days) and len(days) == 6


def test_days_and_weeks_add_up_the_day_rows() -> None:
    rows = [
        DayCount(1, date(2026, 3, 29), Kind.MEETING, Outcome.AGREED, 1, 10_00),
        DayCount(1, date(2026, 3, 29), Kind.CALL, None, 1, 0),
        DayCount(1, date(2026, 3, 30), Kind.CALL, Outcome.REFUSED, 2, 0),
        DayCount(2, date(2026, 3, 29), Kind.CALL, Outcome.AGREED, 3, 30_00),
    ]
    days = by_day(rows)
    assert days[(1, date(2026, 3, 29))].meetings == 1 and days[(1, date(2026, 3, 29))].calls == 1
    assert days[(1, date(2026, 3, 29))].deals_sum == 10_00
    assert days[(1, date(2026, 3, 30))].refusals == 2
    assert (days[(2, date(2026, 3, 29))].deals, days[(2, date(2026, 3, 29))].deals_sum) == (3, 30_00)
    weeks = by_week(days)  # Sunday 29 March closes one week, Monday 30 March opens the next
    assert weeks[date(2026, 3, 23)][Kind.MEETING] == 1 and weeks[date(2026, 3, 23)][Kind.CALL] == 4
    assert weeks[date(2026, 3, 30)][Kind.CALL] == 2


