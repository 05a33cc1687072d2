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
from dataclasses import dataclass, field
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
