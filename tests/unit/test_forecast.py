"""The forecast on examples whose answer is known, and its 80% range on simulated histories."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from reports.forecast import (
    Factors,
    History,
    accuracy,
    combined,
    factors,
    month_end,
    outlook,
    team_factors,
    workdays_between,
)
from reports.workdays import WorkCalendar


def test_the_heads_reckoning() -> None:
    # one meeting in ten becomes a deal of 50,000, two meetings a working day, 22 working days
    f = Factors(deal_rate=0.1, average=50_000, pace=2, spread=0.8, own=True, meetings=400, deals=40)
    assert f.expected(22) == pytest.approx(220_000)


def test_factors_are_shrunk_towards_the_team_and_fall_back_below_the_minimum() -> None:
    team = team_factors(History(meetings=1000, deals=100, amount=5_000_000, amount_sq=0, workdays=50))
    assert (team.deal_rate, team.average, team.pace) == (0.1, 50_000, 20)
    lucky = factors(History(meetings=30, deals=9, amount=900_000, amount_sq=0, workdays=15), team, headcount=10)
    assert lucky.own and 0.1 < lucky.deal_rate < 9 / 30  # pulled from 30% towards 10%
    assert lucky.deal_rate == pytest.approx((9 + 30 * 0.1) / 60)
    assert 50_000 < lucky.average < 100_000 and lucky.pace == pytest.approx((30 + 5 * 2) / 20)
    newcomer = factors(History(meetings=5, deals=2, amount=300_000, amount_sq=0, workdays=3), team, headcount=10)
    assert not newcomer.own and newcomer.deal_rate == 0.1 and newcomer.average == 50_000 and newcomer.pace == 2


def test_in_the_month_what_is_done_plus_the_days_left() -> None:
    f = Factors(0.1, 50_000, 2, 0.8, True, 400, 40)
    rng = np.random.default_rng(1)
    view = outlook(f, actual=100_000, days_left=10, plan=250_000, rng=rng)
    assert view.expected == pytest.approx(200_000)
    assert view.low < 200_000 < view.high and view.low >= 100_000  # never below what is done
    assert 0 < view.chance < 0.5  # the plan is above the expectation
    assert view.pace_needed == pytest.approx(15_000)
    done = outlook(f, actual=300_000, days_left=0, plan=250_000, rng=rng)
    assert done.expected == done.low == done.high == 300_000 and done.chance == 1.0


def test_a_team_adds_up_its_people() -> None:
    rng = np.random.default_rng(2)
    f = Factors(0.1, 50_000, 2, 0.8, True, 400, 40)
    people = [outlook(f, 0, 20, None, rng) for _ in range(5)]
    team = combined(people, plan=1_000_000)
    assert team.expected == pytest.approx(5 * 200_000)
    # the spread of a sum is narrower, relative to it, than of each part
    assert (team.high - team.low) / team.expected < (people[0].high - people[0].low) / people[0].expected
    assert 0.3 < team.chance < 0.6


def test_the_80_percent_range_holds_the_truth_about_80_percent_of_the_time() -> None:
    """Histories simulated from known habits: the factors are read from a 60-working-day window,
    and the next 20 working days are forecast and compared with what the same habits produce."""
    rng = np.random.default_rng(20261130)
    inside = 0
    trials = 300
    for _ in range(trials):
        pace, rate, mean, sigma = rng.uniform(1, 3), rng.uniform(0.05, 0.2), rng.uniform(30_000, 80_000), 0.8
        mu = np.log(mean) - sigma ** 2 / 2

        def month(days: int):
            meetings = rng.poisson(pace * days)
            deals = rng.binomial(meetings, rate)
            sizes = rng.lognormal(mu, sigma, deals)
            return meetings, deals, sizes

        m, d, sizes = month(60)
        own = History(m, d, float(sizes.sum()), float((sizes ** 2).sum()), 60)
        f = factors(own, team_factors(own))
        view = outlook(f, 0.0, 20, None, rng)
        truth = month(20)[2].sum()
        inside += view.low <= truth <= view.high
    assert 0.74 <= inside / trials <= 0.86


def test_accuracy_as_heads_read_it() -> None:
    assert accuracy(100, 90) == pytest.approx(0.9) and accuracy(100, 120) == pytest.approx(0.8)
    assert accuracy(0, 10) is None


def test_working_days_follow_the_calendar() -> None:
    calendar = WorkCalendar("RU")
    assert workdays_between(date(2026, 11, 1), month_end(date(2026, 11, 15)), calendar) == 20  # 4 Nov is a holiday
    assert month_end(date(2026, 2, 10)) == date(2026, 2, 28)


def test_the_backtest_on_a_history_with_a_known_rate_is_exact() -> None:
    """Two meetings every working day and every fifth meeting a deal of 50,000: whatever the month,
    the forecast made at its start or middle is what came (the factors are exactly the habit)."""
    from reports.forecast import Day, backtest, score

    calendar = WorkCalendar("RU")
    start, today = date(2025, 1, 9), date(2026, 11, 27)
    sales: dict[int, dict[date, Day]] = {1: {}, 2: {}}
    n = 0
    day = start
    while day < today:
        if calendar.is_workday(day):
            for manager in (1, 2):
                deals = 1 if n % 5 == 4 else 0  # 2 meetings a day: a deal every 2.5 days
                n += 1
                sales[manager][day] = Day(2, deals, 50_000.0 * deals, (50_000.0 ** 2) * deals)
        day += timedelta(days=1)
    tests = backtest(sales, [1, 2], start, today, calendar)
    assert len(tests) >= 2 * 17  # a start and a middle for every month with 90 days before it
    for middle in (False, True):
        overall = score(tests, None, middle)
        assert overall.mape < 0.05 and abs(overall.bias) < 0.05


def test_a_manager_s_forecast_reads_the_same_to_their_head_and_to_the_admin() -> None:
    """The head sees their team, the admin everyone: each manager is shrunk towards their own team
    and drawn by who they are, so the figures do not move with the reader's scope."""
    from reports.forecast import Day, month_as_of

    calendar = WorkCalendar("RU")
    today = date(2026, 11, 17)
    sales: dict[int, dict[date, Day]] = {m: {} for m in (1, 2, 3, 4)}
    day = today - timedelta(days=120)
    while day < today:
        if calendar.is_workday(day):
            for m in (1, 2, 3, 4):  # team 10 (1, 2) closes often; team 20 (3, 4) rarely and bigger
                deals = 1 if (day.toordinal() + m) % (3 if m < 3 else 9) == 0 else 0
                amount = (40_000.0 if m < 3 else 150_000.0) * deals
                sales[m][day] = Day(2, deals, amount, amount * amount)
        day += timedelta(days=1)
    teams = {1: 10, 2: 10, 3: 20, 4: 20}
    head = month_as_of(sales, [1, 2], today, calendar, teams={m: teams[m] for m in (1, 2)})
    admin = month_as_of(sales, [1, 2, 3, 4], today, calendar, teams=teams)
    for m in (1, 2):
        assert (head.people[m].expected, head.people[m].low, head.people[m].high) == \
            (admin.people[m].expected, admin.people[m].low, admin.people[m].high)
    # without teams the company's prior would have pulled team 10 towards team 20's habits
    pooled = month_as_of(sales, [1, 2, 3, 4], today, calendar)
    assert pooled.people[1].expected != admin.people[1].expected
