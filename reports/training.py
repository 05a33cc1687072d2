"""Did a training work? Each participant's figures in equal windows before and after the training
day against the colleagues who did not take part, over the same windows (difference in
differences): what changed for everyone (the season, a new price list) is subtracted.

Three metrics, each a difference in differences with its 95% interval and a two-sided test:

- conversion, meetings that became deals: the change in percentage points minus the others'
  change. Wald interval for a linear contrast of four proportions with Price and Bonett's
  adjustment (half a deal and one meeting added to each of the four counts), which keeps its
  coverage at small counts and at rates near 0, where the plain Wald interval fails.
- average deal (deals with a sum): after over before, divided by the same ratio of the others, on
  the log scale; its variance by the delta method from each side's count, sum and sum of squares
  (var log(mean) ≈ s² / (n·mean²)), so no normality of amounts is assumed, only enough deals.
- meetings per working day: the same ratio of ratios for rates, with a Poisson variance (1/N per
  count) inflated by the overdispersion each side's daily counts show (quasi-Poisson: Pearson χ²
  over each manager's working days, per window): days differ more than Poisson allows (a weekday,
  a day off sick), and ignoring that would call noise an effect.

A person's three verdicts are one family: each interval is widened to hold jointly at 95%
(Bonferroni, 98.3% each) and p-values are multiplied by three, so a head reads a false alarm for
at most one person in twenty, not one in seven. A verdict needs enough data on both sides and in
both windows; below that it says "not enough data yet". Everything here is pure: rows in, plain
dataclasses out; `gather` only turns what `ReportRepository` counts into them.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum


from db.models import Kind, Outcome
from db.repositories.reports import ReportRepository
from reports.analytics import MIN_MEETINGS
from reports.dates import day_bounds
from reports.workdays import WorkCalendar

LONGEST = 180  # days in each window at most (half a year): the longer, the surer, and the others' change is subtracted anyway
SHORTEST = 14  # days after the training before anything is measured
ALPHA = 0.05  # for the family of a person's three metrics together
MIN_DEALS = 10  # deals with a sum, each side, each window, to judge the average deal
MIN_CONTACTS = 20  # contacts each side each window to judge meetings per day (someone who was there)
MIN_WORKDAYS = 5  # working days in a window to judge a rate


class Metric(StrEnum):
    CONVERSION = "conversion"
    AVERAGE_DEAL = "average_deal"
    MEETINGS = "meetings"  # per working day


METRICS = tuple(Metric)


class Verdict(StrEnum):
    IMPROVED = "improved"
    WORSENED = "worsened"
    NO_CHANGE = "no_change"  # no measurable change
    TOO_FEW = "too_few"  # not enough data yet


@dataclass(frozen=True)
class Windows:
    before: tuple[date, date]  # inclusive
    after: tuple[date, date]

    @property
    def days(self) -> int:
        return (self.before[1] - self.before[0]).days + 1


def windows(day: date, today: date, longest: int = LONGEST, shortest: int = SHORTEST) -> Windows | None:
    """Equal windows either side of the training day (which is in neither: it went on the
    training), as long as the days since allow (today is not over), up to `longest`; None while
    fewer than `shortest` days have passed."""
    length = min(longest, (today - day).days - 1)
    if length < shortest:
        return None
    return Windows((day - timedelta(days=length), day - timedelta(days=1)),
                   (day + timedelta(days=1), day + timedelta(days=length)))


def measurable_from(day: date, shortest: int = SHORTEST) -> date:
    """The first day on which `windows` gives a comparison."""
    return day + timedelta(days=shortest + 1)


@dataclass(frozen=True)
class Activity:
    """One manager's done contacts in one window."""

    contacts: int = 0
    meetings: int = 0
    meeting_deals: int = 0
    sized: int = 0  # deals with a sum
    sizes: float = 0.0  # their sum, kopecks
    squares: float = 0.0  # the sum of their squares
    daily: tuple[int, ...] = ()  # meetings on each working day of the window, in order


Pair = tuple[Activity, Activity]  # before, after


@dataclass
class _Pool:
    managers: int = 0
    contacts: int = 0
    meetings: int = 0
    meeting_deals: int = 0
    sized: int = 0
    sizes: float = 0.0
    squares: float = 0.0


def _pool(items: list[Activity]) -> _Pool:
    pool = _Pool(managers=len(items))
    for a in items:
        pool.contacts += a.contacts
        pool.meetings += a.meetings
        pool.meeting_deals += a.meeting_deals
        pool.sized += a.sized
        pool.sizes += a.sizes
        pool.squares += a.squares
    return pool


@dataclass(frozen=True)
class Effect:
    metric: Metric
    verdict: Verdict
    before: float | None = None  # the participant's (or the group's) value
    after: float | None = None
    others_before: float | None = None
    others_after: float | None = None
    estimate: float | None = None  # conversion: percentage points as a fraction; else a relative change
    low: float | None = None  # the joint 95% interval of the estimate
    high: float | None = None
    p: float | None = None  # two-sided, adjusted for the three metrics


@dataclass(frozen=True)
class Estimate:
    value: float  # what is shown
    center: float  # what the interval is built around, on the test's scale
    se: float


def _z(confidence: float) -> float:
    return statistics.NormalDist().inv_cdf(0.5 + confidence / 2)


def _conversion(t: tuple[_Pool, _Pool], c: tuple[_Pool, _Pool]) -> Estimate:
    raw = (t[1].meeting_deals / t[1].meetings - t[0].meeting_deals / t[0].meetings) - (
        c[1].meeting_deals / c[1].meetings - c[0].meeting_deals / c[0].meetings)
    # Price & Bonett (2004): add 2/k successes and 4/k trials to each of the k = 4 proportions
    adjusted = [((p.meeting_deals + 0.5) / (p.meetings + 1), p.meetings + 1) for p in (*t, *c)]
    (tb, _), (ta, _), (cb, _), (ca, _) = adjusted
    variance = sum(rate * (1 - rate) / n for rate, n in adjusted)
    return Estimate(raw, (ta - tb) - (ca - cb), math.sqrt(variance))


def _log_mean(p: _Pool) -> tuple[float, float]:
    """log of the mean deal and its variance (delta method)."""
    mean = p.sizes / p.sized
    spread = max(0.0, (p.squares - p.sized * mean * mean) / (p.sized - 1))
    return math.log(mean), spread / (p.sized * mean * mean)


def _average_deal(t: tuple[_Pool, _Pool], c: tuple[_Pool, _Pool]) -> Estimate:
    (tb, vtb), (ta, vta), (cb, vcb), (ca, vca) = (_log_mean(p) for p in (*t, *c))
    center = (ta - tb) - (ca - cb)
    return Estimate(math.exp(center) - 1, center, math.sqrt(vtb + vta + vcb + vca))


def _dispersion(rows: list[Pair]) -> float:
    """Quasi-Poisson scale: Pearson χ² of the daily meeting counts around each manager's mean in
    each window, over its degrees of freedom; never below 1 (underdispersion is not credited)."""
    chi2, df = 0.0, 0
    for pair in rows:
        for window in pair:
            days = window.daily
            if len(days) < 2:
                continue
            mean = sum(days) / len(days)
            if mean <= 0:
                continue
            chi2 += sum((y - mean) ** 2 for y in days) / mean
            df += len(days) - 1
    return max(1.0, chi2 / df) if df else 1.0


def _meetings(t: tuple[_Pool, _Pool], c: tuple[_Pool, _Pool], workdays: tuple[int, int], phi: tuple[float, float]) -> Estimate:
    def log_rate(p: _Pool, days: int, scale: float) -> tuple[float, float]:
        count = p.meetings or 0.5  # a window without meetings: half a meeting keeps the log finite
        return math.log(count / (days * p.managers)), scale / count

    (tb, vtb), (ta, vta), (cb, vcb), (ca, vca) = (
        log_rate(t[0], workdays[0], phi[0]), log_rate(t[1], workdays[1], phi[0]),
        log_rate(c[0], workdays[0], phi[1]), log_rate(c[1], workdays[1], phi[1]))
    center = (ta - tb) - (ca - cb)
    return Estimate(math.exp(center) - 1, center, math.sqrt(vtb + vta + vcb + vca))


def compare(
    treated: list[Pair], others: list[Pair], workdays: tuple[int, int], *,
    alpha: float = ALPHA, min_meetings: int = MIN_MEETINGS, min_deals: int = MIN_DEALS,
    min_contacts: int = MIN_CONTACTS, min_workdays: int = MIN_WORKDAYS,
) -> dict[Metric, Effect]:
    """The three metrics of `treated` (one participant, or several pooled) against `others`."""
    t = (_pool([b for b, _a in treated]), _pool([a for _b, a in treated]))
    c = (_pool([b for b, _a in others]), _pool([a for _b, a in others]))
    both = (*t, *c)
    have = bool(treated) and bool(others)
    per_day = [(p.meetings / (days * p.managers) if p.managers and days else None)
               for p, days in zip(both, (*workdays, *workdays))]
    values = {
        Metric.CONVERSION: [p.meeting_deals / p.meetings if p.meetings else None for p in both],
        Metric.AVERAGE_DEAL: [p.sizes / p.sized if p.sized else None for p in both],
        Metric.MEETINGS: per_day,
    }
    enough = {
        Metric.CONVERSION: have and all(p.meetings >= min_meetings for p in both),
        Metric.AVERAGE_DEAL: have and all(p.sized >= max(2, min_deals) for p in both),
        Metric.MEETINGS: have and min(workdays) >= min_workdays and all(p.contacts >= min_contacts for p in both),
    }
    estimates: dict[Metric, Estimate] = {}
    if enough[Metric.CONVERSION]:
        estimates[Metric.CONVERSION] = _conversion(t, c)
    if enough[Metric.AVERAGE_DEAL] and all(p.sizes > 0 for p in both):
        estimates[Metric.AVERAGE_DEAL] = _average_deal(t, c)
    if enough[Metric.MEETINGS]:
        # each side's own scale: one steady colleague must not hide a participant's uneven days
        estimates[Metric.MEETINGS] = _meetings(t, c, workdays, (_dispersion(treated), _dispersion(others)))
    family = len(METRICS)
    z = _z(1 - alpha / family)
    effects = {}
    for metric in METRICS:
        shown = values[metric]
        found = estimates.get(metric)
        if found is None:
            effects[metric] = Effect(metric, Verdict.TOO_FEW, *shown)
            continue
        # two-sided p, Bonferroni over the family: 2 * sf(x) = erfc(x / sqrt 2), exact in the tails
        p = min(1.0, family * math.erfc(abs(found.center) / found.se / math.sqrt(2))) if found.se > 0 else (0.0 if found.center else 1.0)
        low, high = found.center - z * found.se, found.center + z * found.se
        if metric != Metric.CONVERSION:  # back from the log scale: relative changes
            low, high = math.exp(low) - 1, math.exp(high) - 1
        if p < alpha:
            verdict = Verdict.IMPROVED if found.center > 0 else Verdict.WORSENED
        else:
            verdict = Verdict.NO_CHANGE
        effects[metric] = Effect(metric, verdict, *shown, found.value, low, high, p)
    return effects


@dataclass
class TrainingEffect:
    day: date
    windows: Windows | None  # None: too early to measure
    workdays: tuple[int, int] = (0, 0)  # working days in the windows before and after
    people: dict[int, dict[Metric, Effect]] = field(default_factory=dict)  # participant -> their effects
    group: dict[Metric, Effect] | None = None  # the participants together, when more than one
    others: int = 0  # colleagues compared with

    @property
    def ready(self) -> date:
        return measurable_from(self.day)


def measure(day: date, windows_: Windows | None, participants: dict[int, Pair], others: list[Pair],
            workdays: tuple[int, int], **limits) -> TrainingEffect:
    """Each participant, and all of them together, against the others."""
    result = TrainingEffect(day, windows_, workdays, others=len(others))
    if windows_ is None:
        return result
    for person, pair in participants.items():
        result.people[person] = compare([pair], others, workdays, **limits)
    if len(participants) > 1:
        result.group = compare(list(participants.values()), others, workdays, **limits)
    return result


def working_days(start: date, end: date, calendar: WorkCalendar) -> list[date]:
    return [d for d in (start + timedelta(days=n) for n in range((end - start).days + 1)) if calendar.is_workday(d)]


async def gather(repo: ReportRepository, ids: list[int], windows_: Windows, tz: str,
                 calendar: WorkCalendar) -> dict[int, Pair]:
    """Each manager's activity before and after, counted in SQL, days in the reader's zone `tz`."""
    found: dict[int, list[Activity]] = {i: [] for i in ids}
    for start, end in (windows_.before, windows_.after):
        span = (day_bounds(start, tz)[0], day_bounds(end, tz)[1])
        days = working_days(start, end, calendar)
        position = {d: n for n, d in enumerate(days)}
        counts = {i: {"contacts": 0, "meetings": 0, "meeting_deals": 0} for i in ids}
        for row in await repo.results(ids, span):
            item = counts[row.manager_id]
            item["contacts"] += row.count
            if row.kind == Kind.MEETING:
                item["meetings"] += row.count
                if row.outcome == Outcome.AGREED:
                    item["meeting_deals"] += row.count
        sizes = {m: (n, s, q) for m, n, s, q in await repo.deal_sizes(ids, span)}
        daily = {i: [0] * len(days) for i in ids}
        for manager, day, count in await repo.meeting_days(ids, span, tz):
            slot = position.get(day)
            if slot is not None:
                daily[manager][slot] += count
        for i in ids:
            n, s, q = sizes.get(i, (0, 0.0, 0.0))
            found[i].append(Activity(**counts[i], sized=n, sizes=s, squares=q, daily=tuple(daily[i])))
    return {i: (pair[0], pair[1]) for i, pair in found.items()}


async def evaluate(repo: ReportRepository, day: date, participants: list[int], others: list[int], today: date,
                   tz: str, calendar: WorkCalendar, **limits) -> TrainingEffect:
    """The training's effect as of `today`, counted through `repo`."""
    found = windows(day, today)
    if found is None:
        return measure(day, None, {}, [], (0, 0))
    workdays = (len(working_days(*found.before, calendar)), len(working_days(*found.after, calendar)))
    rows = await gather(repo, [*participants, *others], found, tz, calendar)
    return measure(day, found, {i: rows[i] for i in participants}, [rows[i] for i in others], workdays, **limits)
