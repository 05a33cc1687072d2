"""What a head reads off the records: per manager activity, results, conversion with its interval,
refusal reasons, who needs training and who could mentor, the team's usual level, and how
honestly contacts are logged. Pure functions over what `ReportRepository` returns."""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache

from db.models import Kind, Outcome
from db.repositories.reports import DayCount, Logging, Person, Result
from reports.workdays import WorkCalendar

MIN_MEETINGS = 20  # fewer done meetings than this: "not enough meetings yet", never a verdict
MIN_REFUSALS = 8  # fewer refusals than this: no dominant reason is named
DOMINANT_SHARE = 0.4  # a reason is a manager's dominant one from this share of their refusals
USUAL_WEEKS = 8  # the usual level: the same weekday over this many weeks before
USUAL_MIN_DAYS = 3  # comparable days needed before a figure is called usual or not
NIGHT = (22, 5)  # local hours [22:00, 05:00): logging then is "at night"
BATCH = 3  # contacts logged within one hour, at night, about earlier hours: a batch
LATE = timedelta(hours=3)  # logged this long after it happened: logged late


@lru_cache(maxsize=4096)  # a report asks for the same few intervals many times
def wilson(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float] | None:
    """Wilson score interval of a proportion (sound for small samples and rates near 0 or 1).
    The closed form with the normal quantile from the standard library: scipy.stats gives the same
    figures but costs the bot's process some 70 MB and a second to import."""
    if trials <= 0:
        return None
    z = statistics.NormalDist().inv_cdf(0.5 + confidence / 2)
    p, z2 = successes / trials, z * z
    center = (p + z2 / (2 * trials)) / (1 + z2 / trials)
    half = z / (1 + z2 / trials) * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    # exact at the ends (the closed form leaves a rounding error there)
    low = 0.0 if successes == 0 else max(0.0, center - half)
    high = 1.0 if successes == trials else min(1.0, center + half)
    return low, high


@dataclass
class Figures:
    """One manager's (or a whole scope's) done contacts over a period."""

    person: Person | None
    by_kind: Counter[Kind] = field(default_factory=Counter)
    by_outcome: Counter[Outcome] = field(default_factory=Counter)
    meetings: int = 0
    meeting_deals: int = 0  # meetings that ended in an agreement
    deals: int = 0  # agreements of any kind of contact
    deals_sum: int = 0  # in kopecks
    priced: int = 0  # deals logged with a sum: what an average deal is over
    refusals: Counter[int | None] = field(default_factory=Counter)  # reason id -> count

    @property
    def contacts(self) -> int:
        return sum(self.by_kind.values())

    @property
    def conversion(self) -> float | None:
        return self.meeting_deals / self.meetings if self.meetings else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson(self.meeting_deals, self.meetings)

    @property
    def average_deal(self) -> int | None:
        return self.deals_sum // self.priced if self.priced else None

    @property
    def unpriced(self) -> int:
        return self.deals - self.priced

    @property
    def meeting_share(self) -> float | None:
        return self.by_kind[Kind.MEETING] / self.contacts if self.contacts else None

    def add(self, other: Figures) -> None:
        self.by_kind.update(other.by_kind)
        self.by_outcome.update(other.by_outcome)
        self.meetings += other.meetings
        self.meeting_deals += other.meeting_deals
        self.deals += other.deals
        self.deals_sum += other.deals_sum
        self.priced += other.priced
        self.refusals.update(other.refusals)


def figures(people: list[Person], results: list[Result], refusals: list[tuple[int, int | None, int]]) -> list[Figures]:
    """Per manager, in the order of `people` (managers without contacts included, with zeros)."""
    by_id = {p.id: Figures(p) for p in people}
    for row in results:
        fig = by_id.get(row.manager_id)
        if fig is None:
            continue
        fig.by_kind[row.kind] += row.count
        if row.outcome is not None:
            fig.by_outcome[row.outcome] += row.count
        if row.kind == Kind.MEETING:
            fig.meetings += row.count
            if row.outcome == Outcome.AGREED:
                fig.meeting_deals += row.count
        if row.outcome == Outcome.AGREED:
            fig.deals += row.count
            fig.deals_sum += row.amount_minor
            fig.priced += row.priced
    for manager_id, reason_id, count in refusals:
        if manager_id in by_id:
            by_id[manager_id].refusals[reason_id] += count
    return list(by_id.values())


def total(items: list[Figures]) -> Figures:
    whole = Figures(None)
    for item in items:
        whole.add(item)
    return whole


# ---- who needs training, who could mentor -----------------------------------------------------


class Coaching(StrEnum):
    TRAIN = "train"  # converts significantly worse than the rest of the team
    MENTOR = "mentor"  # significantly better: could teach the others
    USUAL = "usual"  # within the noise of the rest
    FEW = "few"  # not enough meetings to judge
    ALONE = "alone"  # nobody to compare with


def coaching(items: list[Figures], min_meetings: int = MIN_MEETINGS) -> dict[int, Coaching]:
    """Each manager against the rest of the scope pooled: significantly below when their whole
    Wilson interval lies under the rest's, above when over it. Non-overlapping 95% intervals is a
    strict test on purpose: a head acts on it, so a false alarm costs more than a late one."""
    verdicts: dict[int, Coaching] = {}
    whole = total(items)
    for item in items:
        assert item.person is not None
        if item.meetings < min_meetings:
            verdicts[item.person.id] = Coaching.FEW
            continue
        rest_meetings = whole.meetings - item.meetings
        if rest_meetings < min_meetings:
            verdicts[item.person.id] = Coaching.ALONE
            continue
        mine = item.interval
        rest = wilson(whole.meeting_deals - item.meeting_deals, rest_meetings)
        assert mine is not None and rest is not None
        if mine[1] < rest[0]:
            verdicts[item.person.id] = Coaching.TRAIN
        elif mine[0] > rest[1]:
            verdicts[item.person.id] = Coaching.MENTOR
        else:
            verdicts[item.person.id] = Coaching.USUAL
    return verdicts


# ---- refusal reasons --------------------------------------------------------------------------


@dataclass(frozen=True)
class ReasonProfile:
    total: int
    ranked: list[tuple[int | None, int]]  # reason id, count; the most frequent first
    dominant: int | None  # the reason id that stands out, if any (what the advice is about)
    share: float  # of the dominant reason, or of the most frequent one


def reason_profile(item: Figures, team: Figures, min_refusals: int = MIN_REFUSALS) -> ReasonProfile:
    """A manager's refusals by reason. A reason is dominant when it makes DOMINANT_SHARE of them
    and its share is significantly above the team's share of it (so a reason that is simply
    common everywhere, or a handful of refusals, names nobody)."""
    ranked = sorted(item.refusals.items(), key=lambda kv: (-kv[1], kv[0] or 0))
    count = sum(item.refusals.values())
    if not ranked:
        return ReasonProfile(0, [], None, 0.0)
    top, top_count = ranked[0]
    share = top_count / count
    dominant = None
    team_count = sum(team.refusals.values())
    if count >= min_refusals and share >= DOMINANT_SHARE and top is not None and team_count:
        low, _high = wilson(top_count, count)
        others = team_count - count
        team_share = (team.refusals[top] - top_count) / others if others > 0 else 0.0
        if low > team_share:
            dominant = top
    return ReasonProfile(count, ranked, dominant, share)


# ---- days, weeks and the usual level ----------------------------------------------------------


@dataclass
class DayFigures:
    by_kind: Counter[Kind] = field(default_factory=Counter)
    deals: int = 0
    deals_sum: int = 0
    refusals: int = 0

    @property
    def meetings(self) -> int:
        return self.by_kind[Kind.MEETING]

    @property
    def calls(self) -> int:
        return self.by_kind[Kind.CALL]

    @property
    def contacts(self) -> int:
        return sum(self.by_kind.values())


def by_day(rows: list[DayCount]) -> dict[tuple[int | None, date], DayFigures]:
    """(manager, local day) -> that day's figures; manager None when the rows were counted together."""
    days: dict[tuple[int | None, date], DayFigures] = defaultdict(DayFigures)
    for row in rows:
        fig = days[(row.manager_id, row.day)]
        fig.by_kind[row.kind] += row.count
        if row.outcome == Outcome.AGREED:
            fig.deals += row.count
            fig.deals_sum += row.amount_minor
        elif row.outcome == Outcome.REFUSED:
            fig.refusals += row.count
    return dict(days)


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def by_week(days: dict[tuple[int | None, date], DayFigures]) -> dict[date, Counter[Kind]]:
    """Contacts by kind per week (weeks named by their Monday), everyone in the rows together."""
    weeks: dict[date, Counter[Kind]] = defaultdict(Counter)
    for (_manager, day), fig in days.items():
        weeks[week_start(day)].update(fig.by_kind)
    return dict(sorted(weeks.items()))


class Level(StrEnum):
    ABOVE = "above"
    USUAL = "usual"
    BELOW = "below"


@dataclass(frozen=True)
class Usual:
    value: float
    median: float
    low: float  # the usual range: the middle half of the comparable days
    high: float
    level: Level


def usual(value: float, history: list[float]) -> Usual | None:
    """`value` against comparable days: above or below when outside their middle half (between
    the first and third quartiles); None with fewer than USUAL_MIN_DAYS days to compare."""
    if len(history) < USUAL_MIN_DAYS:
        return None
    q1, median, q3 = statistics.quantiles(history, n=4, method="inclusive")
    level = Level.ABOVE if value > q3 else Level.BELOW if value < q1 else Level.USUAL
    return Usual(value, median, q1, q3, level)


def comparable_days(day: date, calendar: WorkCalendar, weeks: int = USUAL_WEEKS) -> list[date]:
    """The same weekday in each of the `weeks` weeks before `day`, working days only."""
    earlier = (day - timedelta(weeks=n) for n in range(1, weeks + 1))
    return [d for d in earlier if calendar.is_workday(d) == calendar.is_workday(day)]


# ---- discipline of logging --------------------------------------------------------------------


@dataclass
class Discipline:
    logged: int = 0
    late: int = 0  # logged LATE or more after it happened
    night: int = 0  # logged at night, about something that happened hours before
    batched: int = 0  # of those, logged in batches of BATCH or more in one hour
    idle_days: list[date] = field(default_factory=list)  # working days with nothing done

    @property
    def late_share(self) -> float | None:
        return self.late / self.logged if self.logged else None


def is_night(moment: datetime) -> bool:
    start, end = NIGHT
    return moment.hour >= start or moment.hour < end


def discipline(
    people: list[Person], logging: list[Logging], days: dict[tuple[int | None, date], DayFigures], workdays: list[date],
) -> dict[int, Discipline]:
    """When contacts were logged against when they happened, per manager (`logging`, counted by
    `ReportRepository.logging` with LATE, NIGHT and BATCH, night by the manager's own clock), and
    the working days (`workdays`) on which a manager has nothing done."""
    result = {p.id: Discipline() for p in people}
    for row in logging:
        item = result.get(row.manager_id)
        if item is not None:
            item.logged, item.late, item.night, item.batched = row.logged, row.late, row.night, row.batched
    for person in people:
        result[person.id].idle_days = [d for d in workdays if (person.id, d) not in days or not days[(person.id, d)].contacts]
    return result
