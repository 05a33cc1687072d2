"""The month's sales forecast the way heads already reckon it, with each factor shown:

    deals per meeting × average deal × meetings per working day × working days left

Each factor comes from the manager's own trailing window, shrunk towards the team's when the
manager has few meetings or deals (so a handful of lucky meetings does not promise a fortune),
and below a minimum history the team's factors are used and marked as such. During the month the
forecast is what is already done plus the expectation for the working days left; its 80% range
and the chance of meeting the plan come from simulating those days (activity, conversion and
deal size, each with the uncertainty of its estimate).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import numpy as np

from reports.workdays import WorkCalendar

WINDOW_DAYS = 90  # the trailing window the factors are read from (calendar days)
MIN_MEETINGS = 20  # fewer: the manager's own factors are not trusted, the team's are used
MIN_DEALS = 3
SHRINK_MEETINGS = 30  # a manager's deals per meeting is pulled towards the team's as if by this many meetings
SHRINK_DEALS = 5  # ...the average deal, by this many deals
SHRINK_DAYS = 5  # ...meetings per working day, by this many working days
SIMULATIONS = 4000
RANGE = (0.1, 0.9)  # an 80% range
MONTH_PACE_DAYS = 2  # the month's own pace of meetings weighs as much as this many working days of the window's


@dataclass(frozen=True)
class History:
    """What a window holds for one manager (or a team): done meetings, agreed deals, their sum
    and the sum of squares of the deal amounts (for the spread of deal sizes), and the working
    days it spans."""

    meetings: int
    deals: int
    amount: float  # roubles
    amount_sq: float
    workdays: int

    def __add__(self, other: History) -> History:
        return History(self.meetings + other.meetings, self.deals + other.deals, self.amount + other.amount,
                       self.amount_sq + other.amount_sq, max(self.workdays, other.workdays))


@dataclass(frozen=True)
class Factors:
    deal_rate: float  # deals per meeting
    average: float  # roubles per deal
    pace: float  # meetings per working day
    spread: float  # the log-normal sigma of deal sizes
    own: bool  # False: the team's factors, for too little history of one's own
    meetings: int  # how many meetings they rest on
    deals: int

    def expected(self, days: int) -> float:
        return self.deal_rate * self.average * self.pace * days


def _spread(h: History) -> float:
    """Log-normal sigma from the deals' mean and variance (method of moments); 0.8 (a typical
    spread of B2B deal sizes) when there are too few deals to tell."""
    if h.deals < 2 or h.amount <= 0:
        return 0.8
    mean = h.amount / h.deals
    variance = max(h.amount_sq / h.deals - mean * mean, 0.0)
    return min(max(math.sqrt(math.log1p(variance / (mean * mean))), 0.1), 2.0)


def team_factors(team: History) -> Factors:
    return Factors(
        deal_rate=team.deals / team.meetings if team.meetings else 0.0,
        average=team.amount / team.deals if team.deals else 0.0,
        pace=team.meetings / team.workdays if team.workdays else 0.0,
        spread=_spread(team),
        own=True,
        meetings=team.meetings,
        deals=team.deals,
    )


def factors(own: History, team: Factors, headcount: int = 1) -> Factors:
    """A manager's factors, shrunk towards the team's (per person: `team.pace` is the team's meetings
    a day over `headcount` people); the team's outright below the minimum history."""
    per_person = team.pace / max(headcount, 1)
    if own.meetings < MIN_MEETINGS or own.deals < MIN_DEALS:
        return Factors(team.deal_rate, team.average, per_person, team.spread, False, own.meetings, own.deals)
    return Factors(
        deal_rate=(own.deals + SHRINK_MEETINGS * team.deal_rate) / (own.meetings + SHRINK_MEETINGS),
        average=(own.amount + SHRINK_DEALS * team.average) / (own.deals + SHRINK_DEALS),
        pace=(own.meetings + SHRINK_DAYS * per_person) / (own.workdays + SHRINK_DAYS) if own.workdays else per_person,
        spread=_spread(own),
        own=True,
        meetings=own.meetings,
        deals=own.deals,
    )


def workdays_between(first: date, last: date, calendar: WorkCalendar) -> int:
    """Working days in [first, last]."""
    days = (last - first).days + 1
    return sum(1 for n in range(max(days, 0)) if calendar.is_workday(first + timedelta(days=n)))


def month_end(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


@dataclass
class Outlook:
    """One manager's (or a total's) month: done so far, the forecast and its range, and the plan."""

    actual: float  # roubles done before today
    expected: float  # the forecast for the whole month
    low: float
    high: float
    days_left: int
    plan: float | None = None
    chance: float | None = None  # of meeting the plan
    factors: Factors | None = None
    samples: np.ndarray | None = field(default=None, repr=False)  # simulated month totals, to add up teams

    @property
    def pace_needed(self) -> float | None:
        """What each working day left must bring to meet the plan."""
        if self.plan is None or self.days_left <= 0:
            return None
        return max(self.plan - self.actual, 0.0) / self.days_left


def simulate(f: Factors, days: int, rng: np.random.Generator, n: int = SIMULATIONS) -> np.ndarray:
    """Sales over `days` working days, n times: meetings (Poisson around a pace that is itself
    uncertain), deals among them (a binomial with an uncertain rate), and deal sizes (log-normal)."""
    if days <= 0 or f.pace <= 0 or f.deal_rate <= 0 or f.average <= 0:
        return np.zeros(n)
    # each estimate is as uncertain as the history it rests on (counted as at least 10 meetings):
    # the pace as a gamma posterior of that many meetings, the rate as a beta one
    weight = max(f.meetings, 10)
    pace = rng.gamma(shape=weight, scale=f.pace / weight, size=n)
    meetings = rng.poisson(pace * days)
    rate = rng.beta(f.deal_rate * weight + 0.5, (1 - min(f.deal_rate, 0.999)) * weight + 0.5, size=n)
    deals = rng.binomial(meetings, np.clip(rate, 0, 1))
    # the average deal is itself an estimate from `deals` deals: its error moves a whole month
    mu = math.log(f.average) - f.spread ** 2 / 2 + rng.normal(0, f.spread / math.sqrt(max(f.deals, 3)), size=n)
    owner = np.repeat(np.arange(n), deals)
    sizes = rng.lognormal(mu[owner], f.spread)
    totals = np.zeros(n)
    if sizes.size:
        np.add.at(totals, owner, sizes)
    return totals


def outlook(f: Factors, actual: float, days_left: int, plan: float | None, rng: np.random.Generator) -> Outlook:
    samples = actual + simulate(f, days_left, rng)
    return _summary(samples, actual, actual + f.expected(days_left), days_left, plan, f)


def combined(parts: list[Outlook], plan: float | None) -> Outlook:
    """A team's or the company's month: its people's simulations added up (taken as independent)."""
    samples = sum((p.samples for p in parts if p.samples is not None), np.zeros(SIMULATIONS))
    actual = sum(p.actual for p in parts)
    expected = sum(p.expected for p in parts)
    return _summary(samples, actual, expected, max((p.days_left for p in parts), default=0), plan, None)


def _summary(samples: np.ndarray, actual: float, expected: float, days_left: int, plan: float | None, f: Factors | None) -> Outlook:
    low, high = np.quantile(samples, RANGE)
    chance = float((samples >= plan).mean()) if plan else None
    return Outlook(actual, expected, float(low), float(high), days_left, plan, chance, f, samples)


def accuracy(actual: float, forecast: float) -> float | None:
    """As HubSpot shows it: 1 − |actual − forecast| / actual (None for a month with no sales)."""
    if actual <= 0:
        return None
    return 1 - abs(actual - forecast) / actual


# ---- from the records: days of sales, windows, the month as of a day --------------------------


@dataclass(frozen=True)
class Day:
    meetings: int
    deals: int
    amount: float  # roubles
    amount_sq: float


def days_of(rows) -> dict[int, dict[date, Day]]:
    """Sales by manager and local day, from the repository's `SalesDay` rows (in roubles)."""
    result: dict[int, dict[date, Day]] = {}
    for row in rows:
        result.setdefault(row.manager_id, {})[row.day] = Day(row.meetings, row.deals, row.amount_minor / 100,
                                                             row.amount_sq / 10_000)
    return result


def history(days: dict[date, Day], first: date, last: date, workdays: int) -> History:
    """A manager's window [first, last]."""
    picked = [v for d, v in days.items() if first <= d <= last]
    return History(sum(v.meetings for v in picked), sum(v.deals for v in picked), sum(v.amount for v in picked),
                   sum(v.amount_sq for v in picked), workdays)


def done(days: dict[date, Day], first: date, last: date) -> float:
    return sum(v.amount for d, v in days.items() if first <= d <= last)


@dataclass
class Month:
    """The month as of a day, per manager and in total."""

    first: date
    cutoff: date  # the day the forecast is made on: what is done before it is counted
    people: dict[int, Outlook]
    total: Outlook
    workdays: int  # in the whole month


def month_as_of(
    sales: dict[int, dict[date, Day]], ids: list[int], cutoff: date, calendar: WorkCalendar,
    plans: dict[int, float] | None = None, total_plan: float | None = None, *,
    window: int = WINDOW_DAYS, simulate_range: bool = True, seed: int = 0, teams: dict[int, int | None] | None = None,
) -> Month:
    """The forecast for the month of `cutoff`, made with what was known before it: factors from the
    `window` days before it, what was done from the month's first day, and the working days from
    the cutoff on. The pace of meetings is the month's own so far, blended with the window's (the
    month's activity is what seasons and holidays change, and meetings are many enough to read it
    after a few days); before the month has begun, the window's pace moved by how the same month
    went last year against its own window, when the history reaches back that far.
    `teams` (manager -> team): each manager is shrunk towards their own team, and their draws are
    seeded by who they are and the day, so a manager's forecast reads the same to their head and
    to the admin; without it, towards everyone in `ids`."""
    first, last = cutoff.replace(day=1), month_end(cutoff)
    start = cutoff - timedelta(days=window)
    window_workdays = workdays_between(start, cutoff - timedelta(days=1), calendar)
    elapsed = workdays_between(first, cutoff - timedelta(days=1), calendar)
    left = workdays_between(cutoff, last, calendar)
    own = {m: history(sales.get(m, {}), start, cutoff - timedelta(days=1), window_workdays) for m in ids}
    groups: dict[int | None, list[int]] = {}
    for m in ids:
        groups.setdefault(teams.get(m) if teams is not None else None, []).append(m)
    priors = {
        group: (team_factors(sum((own[m] for m in members), History(0, 0, 0.0, 0.0, window_workdays))), len(members))
        for group, members in groups.items()
    }
    season = _season(sales, first, window, calendar) if not elapsed else 1.0
    shared = np.random.default_rng(seed)
    plans = plans or {}
    people: dict[int, Outlook] = {}
    for m in ids:
        team, headcount = priors[teams.get(m) if teams is not None else None]
        rng = np.random.default_rng([seed, m, cutoff.toordinal()]) if teams is not None else shared
        f = factors(own[m], team, headcount=headcount)
        days = sales.get(m, {})
        if elapsed:
            so_far = sum(v.meetings for d, v in days.items() if first <= d < cutoff) / elapsed
            weight = elapsed / (elapsed + MONTH_PACE_DAYS)
            f = replace(f, pace=weight * so_far + (1 - weight) * f.pace)
        elif season != 1.0:
            f = replace(f, pace=f.pace * season)
        actual = done(days, first, cutoff - timedelta(days=1))
        if simulate_range:
            people[m] = outlook(f, actual, left, plans.get(m), rng)
        else:
            people[m] = Outlook(actual, actual + f.expected(left), 0.0, 0.0, left, plans.get(m), None, f)
    if total_plan is None and plans:
        total_plan = sum(plans.values())
    if simulate_range:
        total = combined(list(people.values()), total_plan)
    else:
        total = Outlook(sum(p.actual for p in people.values()), sum(p.expected for p in people.values()), 0.0, 0.0, left, total_plan)
    return Month(first, cutoff, people, total, workdays_between(first, last, calendar))


def _season(sales: dict[int, dict[date, Day]], first: date, window: int, calendar: WorkCalendar) -> float:
    """How much busier (or quieter) the same month was last year than its own trailing window,
    everyone together; 1.0 when the history does not reach that far back."""
    try:
        last_year = first.replace(year=first.year - 1)
    except ValueError:
        return 1.0
    earliest = min((d for days in sales.values() for d in days), default=None)
    before = last_year - timedelta(days=window)
    if earliest is None or earliest > before:
        return 1.0

    def pace(a: date, b: date) -> float:
        meetings = sum(v.meetings for days in sales.values() for d, v in days.items() if a <= d <= b)
        workdays = workdays_between(a, b, calendar)
        return meetings / workdays if workdays else 0.0

    base = pace(before, last_year - timedelta(days=1))
    return pace(last_year, month_end(last_year)) / base if base else 1.0


@dataclass(frozen=True)
class Backtest:
    month: date
    cutoff: date  # the month's first day, or its middle
    forecast: dict[int | None, float]  # per manager, and None for everyone together
    actual: dict[int | None, float]


def backtest(sales: dict[int, dict[date, Day]], ids: list[int], first_day: date, today: date,
             calendar: WorkCalendar, window: int = WINDOW_DAYS) -> list[Backtest]:
    """For each finished month with a full window of history before it: the forecast made at its
    start and at its middle (the 16th), against what it brought."""
    results = []
    month = (first_day + timedelta(days=window)).replace(day=1)
    if month - timedelta(days=window) < first_day:
        month = (month + timedelta(days=32)).replace(day=1)
    while month_end(month) < today:
        actual = {m: done(sales.get(m, {}), month, month_end(month)) for m in ids}
        actual[None] = sum(actual.values())
        for cutoff in (month, month.replace(day=16)):
            view = month_as_of(sales, ids, cutoff, calendar, window=window, simulate_range=False)
            forecast: dict[int | None, float] = {m: o.expected for m, o in view.people.items()}
            forecast[None] = view.total.expected
            results.append(Backtest(month, cutoff, forecast, actual))
        month = (month + timedelta(days=32)).replace(day=1)
    return results


@dataclass(frozen=True)
class Accuracy:
    months: int
    accuracy: float | None  # mean of 1 − |a − f| / a
    mape: float | None  # mean absolute percentage error
    bias: float | None  # mean signed error, (f − a) / a: above 0 is optimism


def score(tests: list[Backtest], who: int | None, middle: bool) -> Accuracy:
    errors = [
        (t.forecast[who] - t.actual[who]) / t.actual[who]
        for t in tests
        if (t.cutoff.day != 1) == middle and t.actual.get(who, 0) > 0
    ]
    if not errors:
        return Accuracy(0, None, None, None)
    mape = sum(abs(e) for e in errors) / len(errors)
    return Accuracy(len(errors), 1 - mape, mape, sum(errors) / len(errors))
