"""A training's effect on constructed data whose answer is known: a planted rise is found, no change
and a change everyone shared are not, and too few meetings give no verdict."""

from __future__ import annotations

from datetime import date

import pytest

from reports.training import Activity, Metric, Verdict, compare, measurable_from, measure, windows

DAYS = 60  # working days in each window


def period(meetings: int, deals: int, *, mean: float = 50_000_00, spread: float = 0.5, sized: int | None = None,
           days: int = DAYS, contacts: int | None = None) -> Activity:
    """A window of a manager: meetings spread evenly over the days, `sized` deals with sums of that
    mean and coefficient of variation."""
    sized = deals if sized is None else sized
    daily = tuple(meetings // days + (1 if n < meetings % days else 0) for n in range(days))
    sd = mean * spread
    return Activity(
        contacts=contacts if contacts is not None else meetings * 3, meetings=meetings, meeting_deals=deals,
        sized=sized, sizes=mean * sized, squares=sd * sd * max(0, sized - 1) + sized * mean * mean, daily=daily,
    )


def others(before: Activity, after: Activity, count: int = 4) -> list[tuple[Activity, Activity]]:
    return [(before, after)] * count


def test_a_planted_rise_in_conversion_is_found() -> None:
    effects = compare([(period(150, 10), period(150, 30))], others(period(150, 18), period(150, 18)), (DAYS, DAYS))
    conversion = effects[Metric.CONVERSION]
    assert conversion.verdict == Verdict.IMPROVED
    assert conversion.before == pytest.approx(10 / 150) and conversion.after == pytest.approx(30 / 150)
    assert conversion.estimate == pytest.approx(20 / 150)
    assert 0 < conversion.low < conversion.estimate < conversion.high and conversion.p < 0.05
    assert effects[Metric.AVERAGE_DEAL].verdict == Verdict.NO_CHANGE
    assert effects[Metric.MEETINGS].verdict == Verdict.NO_CHANGE


def test_a_fall_is_called_worse() -> None:
    effects = compare([(period(150, 30), period(150, 8))], others(period(150, 18), period(150, 18)), (DAYS, DAYS))
    assert effects[Metric.CONVERSION].verdict == Verdict.WORSENED and effects[Metric.CONVERSION].high < 0


def test_no_change_is_no_measurable_change() -> None:
    effects = compare([(period(120, 15), period(120, 15))], others(period(150, 18), period(150, 18)), (DAYS, DAYS))
    assert {e.verdict for e in effects.values()} == {Verdict.NO_CHANGE}
    assert effects[Metric.CONVERSION].estimate == pytest.approx(0) and effects[Metric.CONVERSION].p == pytest.approx(1)


def test_a_change_everyone_shared_is_subtracted() -> None:
    """The season lifted everyone alike: the participant's rise is no effect of the training."""
    rise = compare([(period(150, 10), period(150, 30))], others(period(150, 10), period(150, 30)), (DAYS, DAYS))
    assert rise[Metric.CONVERSION].verdict == Verdict.NO_CHANGE
    assert rise[Metric.CONVERSION].estimate == pytest.approx(0)
    busier = compare([(period(100, 12), period(200, 24))], others(period(100, 12), period(200, 24)), (DAYS, DAYS))
    assert busier[Metric.MEETINGS].verdict == Verdict.NO_CHANGE and busier[Metric.MEETINGS].estimate == pytest.approx(0)
    pricier = compare([(period(100, 12), period(100, 12, mean=80_000_00))], others(period(100, 12), period(100, 12, mean=80_000_00)),
                      (DAYS, DAYS))
    assert pricier[Metric.AVERAGE_DEAL].verdict == Verdict.NO_CHANGE


def test_too_few_meetings_give_no_verdict() -> None:
    effects = compare([(period(12, 1), period(15, 5))], others(period(150, 18), period(150, 18)), (DAYS, DAYS))
    assert effects[Metric.CONVERSION].verdict == Verdict.TOO_FEW
    assert effects[Metric.CONVERSION].before == pytest.approx(1 / 12)  # the figures are still shown
    assert effects[Metric.AVERAGE_DEAL].verdict == Verdict.TOO_FEW  # one deal before
    assert effects[Metric.MEETINGS].verdict == Verdict.NO_CHANGE  # few meetings, but they were there: 36 and 45 contacts
    newcomer = compare([(period(2, 0, contacts=5), period(90, 9))], others(period(150, 18), period(150, 18)), (DAYS, DAYS))
    assert newcomer[Metric.MEETINGS].verdict == Verdict.TOO_FEW  # not yet with us before: no "improved"
    few = compare([(period(150, 10, sized=4), period(150, 30))], others(period(150, 18), period(150, 18)), (DAYS, DAYS))
    assert few[Metric.AVERAGE_DEAL].verdict == Verdict.TOO_FEW and few[Metric.CONVERSION].verdict == Verdict.IMPROVED


def test_nobody_to_compare_with_gives_no_verdict() -> None:
    effects = compare([(period(150, 10), period(150, 30))], [], (DAYS, DAYS))
    assert {e.verdict for e in effects.values()} == {Verdict.TOO_FEW}


def test_more_meetings_a_day_and_bigger_deals_are_found() -> None:
    effects = compare([(period(90, 10, mean=40_000_00), period(180, 20, mean=80_000_00, sized=20))],
                      others(period(120, 12), period(120, 12)), (DAYS, DAYS))
    assert effects[Metric.MEETINGS].verdict == Verdict.IMPROVED
    assert effects[Metric.MEETINGS].estimate == pytest.approx(1.0)  # twice as many
    assert effects[Metric.MEETINGS].before == pytest.approx(90 / DAYS)
    assert effects[Metric.AVERAGE_DEAL].verdict == Verdict.IMPROVED
    assert effects[Metric.AVERAGE_DEAL].estimate == pytest.approx(1.0)


def test_uneven_days_widen_the_interval_of_meetings_a_day() -> None:
    """The same totals, once spread evenly and once in bursts: bursts are noisier, so the interval is wider."""
    even = compare([(period(90, 10), period(130, 14))], others(period(120, 12), period(120, 12)), (DAYS, DAYS))
    burst = Activity(contacts=390, meetings=130, meeting_deals=14, sized=14, sizes=14 * 50_000_00,
                     squares=period(130, 14).squares, daily=tuple([13] * 10 + [0] * (DAYS - 10)))
    bursty = compare([(period(90, 10), burst)], others(period(120, 12), period(120, 12)), (DAYS, DAYS))
    assert even[Metric.MEETINGS].estimate == pytest.approx(bursty[Metric.MEETINGS].estimate)
    assert bursty[Metric.MEETINGS].high - bursty[Metric.MEETINGS].low > 1.5 * (even[Metric.MEETINGS].high - even[Metric.MEETINGS].low)
    assert even[Metric.MEETINGS].verdict == Verdict.IMPROVED and bursty[Metric.MEETINGS].verdict == Verdict.NO_CHANGE


def test_windows_are_equal_either_side_of_the_training_day() -> None:
    day = date(2026, 6, 29)
    assert windows(day, date(2026, 7, 13)) is None  # 13 whole days after: too early
    assert measurable_from(day) == date(2026, 7, 14)
    first = windows(day, date(2026, 7, 14))
    assert first.before == (date(2026, 6, 15), date(2026, 6, 28)) and first.after == (date(2026, 6, 30), date(2026, 7, 13))
    late = windows(day, date(2027, 6, 29))
    assert late.days == 180 and late.after[0] == date(2026, 6, 30) and late.before[1] == date(2026, 6, 28)
    assert windows(day, date(2026, 9, 1), longest=30).days == 30


def test_the_group_is_judged_when_several_took_part() -> None:
    rise = (period(100, 7), period(100, 20))
    result = measure(date(2026, 6, 29), windows(date(2026, 6, 29), date(2026, 11, 27)), {1: rise, 2: rise},
                     others(period(150, 18), period(150, 18)), (DAYS, DAYS))
    assert set(result.people) == {1, 2} and result.others == 4
    assert result.group[Metric.CONVERSION].verdict == Verdict.IMPROVED
    assert result.group[Metric.CONVERSION].p < result.people[1][Metric.CONVERSION].p  # twice the meetings, surer
    alone = measure(date(2026, 6, 29), windows(date(2026, 6, 29), date(2026, 11, 27)), {1: rise}, [], (DAYS, DAYS))
    assert alone.group is None and alone.others == 0
    early = measure(date(2026, 6, 29), None, {1: rise}, [], (0, 0))
    assert early.people == {} and early.ready == date(2026, 7, 14)
