"""Aggregates for the heads' instruments: counted in SQL, scoped to what the acting user may see.

Each method returns plain rows; what they mean is computed in `reports/`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from sqlalchemy import Float, case, cast, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.buckets import epoch_hour, local_day, local_hour_of_day
from db.models import Export, Interaction, Kind, Outcome, Role, Status, Team, User
from db.repositories.access import owned_by_scope

Span = tuple[datetime, datetime]  # [start, end) in UTC


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    team_id: int | None
    unreachable: bool  # has blocked the bot
    timezone: str | None = None  # theirs: "late at night" is by their clock


@dataclass(frozen=True)
class Result:
    """Done contacts of one manager with one kind and outcome: how many, the sum agreed, and how
    many of them carry a sum (a deal may be logged without one: it is not a deal for 0)."""

    manager_id: int
    kind: Kind
    outcome: Outcome | None
    count: int
    amount_minor: int
    priced: int


@dataclass(frozen=True)
class DayCount:
    """Done contacts that happened on one local day, by kind and outcome; manager_id is None when
    counted for all the managers asked about together."""

    manager_id: int | None
    day: date
    kind: Kind
    outcome: Outcome | None
    count: int
    amount_minor: int


@dataclass(frozen=True)
class SalesDay:
    """A manager's done meetings and agreed deals on one local day: how many, the sum and the sum
    of squares of the amounts (kopecks; squares as floats, they outgrow integers)."""

    manager_id: int
    day: date
    meetings: int
    deals: int
    amount_minor: int
    amount_sq: float


@dataclass(frozen=True)
class Logging:
    """How a manager logged the done contacts they logged in a span: all of them, those logged
    late (`late_hours` or more after the hour they happened in), those of the late ones logged at
    night by the manager's clock, and those of the night ones logged in an hour that holds at
    least `batch` of them."""

    manager_id: int
    logged: int
    late: int
    night: int
    batched: int


@lru_cache(maxsize=8192)
def _day(text: str) -> date:
    return date.fromisoformat(text)


class ReportRepository:
    def __init__(self, session: AsyncSession, actor: User):
        self.session = session
        self.actor = actor

    # ---- the heads' instruments: who is in scope, then aggregates over them ---------------------

    async def teams(self) -> list[Team]:
        """Teams the actor may report on: an admin every team, a head their own, a manager none."""
        query = select(Team).order_by(Team.name)
        if self.actor.role == Role.HEAD:
            query = query.where(Team.id == self.actor.team_id)
        elif self.actor.role != Role.ADMIN:
            return []
        return list(await self.session.scalars(query))

    async def people(self, *, team_id: int | None = None, manager_id: int | None = None) -> list[Person]:
        """Active managers in the actor's scope, narrowed to a team or one manager; a team or a
        manager outside the scope gives nobody (it is not told apart from one that does not exist)."""
        query = (
            select(User.id, User.full_name, User.team_id, User.unreachable_at, User.timezone)
            .where(owned_by_scope(self.actor, User.id), User.is_active.is_(True), User.role == Role.MANAGER)
            .order_by(User.full_name, User.id)
        )
        if team_id is not None:
            query = query.where(User.team_id == team_id)
        if manager_id is not None:
            query = query.where(User.id == manager_id)
        rows = await self.session.execute(query)
        return [Person(i, name, team, blocked is not None, zone) for i, name, team, blocked, zone in rows]

    async def results(self, ids: list[int], span: Span) -> list[Result]:
        """Done contacts that happened in the span, per manager, kind and outcome."""
        if not ids:
            return []
        rows = await self.session.execute(
            select(
                Interaction.manager_id, Interaction.kind, Interaction.outcome,
                func.count(), func.coalesce(func.sum(Interaction.amount_minor), 0), func.count(Interaction.amount_minor),
            )
            .where(*_done_in(ids, span))
            .group_by(Interaction.manager_id, Interaction.kind, Interaction.outcome)
        )
        return [Result(m, k, o, n, int(s), int(p)) for m, k, o, n, s, p in rows]

    async def refusals(self, ids: list[int], span: Span) -> list[tuple[int, int | None, int]]:
        """Refusals that happened in the span: (manager, reason id, count)."""
        if not ids:
            return []
        rows = await self.session.execute(
            select(Interaction.manager_id, Interaction.refusal_reason_id, func.count())
            .where(*_done_in(ids, span), Interaction.outcome == Outcome.REFUSED)
            .group_by(Interaction.manager_id, Interaction.refusal_reason_id)
        )
        return [tuple(row) for row in rows]

    async def days(self, ids: list[int], span: Span, tz: str, *, per_manager: bool = True) -> list[DayCount]:
        """Done contacts by the day, in zone `tz`, they happened on: what days and weeks are made of."""
        if not ids:
            return []
        day = local_day(Interaction.happened_at, tz, span)
        keys = [day, Interaction.kind, Interaction.outcome]
        if per_manager:
            keys.insert(0, Interaction.manager_id)
        rows = await self.session.execute(
            select(*keys, func.count(), func.coalesce(func.sum(Interaction.amount_minor), 0))
            .where(*_done_in(ids, span))
            .group_by(*keys)
        )
        if per_manager:
            return [DayCount(m, _day(d), k, o, n, int(s)) for m, d, k, o, n, s in rows]
        return [DayCount(None, _day(d), k, o, n, int(s)) for d, k, o, n, s in rows]

    async def sales(self, ids: list[int], span: Span, tz: str) -> list[SalesDay]:
        """Meetings and deals by manager and day in zone `tz`: what forecasts read their factors from."""
        if not ids:
            return []
        day = local_day(Interaction.happened_at, tz, span)
        agreed = Interaction.outcome == Outcome.AGREED
        amount = func.coalesce(Interaction.amount_minor, 0)
        real = cast(amount, Float)
        rows = await self.session.execute(
            select(
                Interaction.manager_id, day,
                func.sum(case((Interaction.kind == Kind.MEETING, 1), else_=0)),
                func.sum(case((agreed, 1), else_=0)),
                func.sum(case((agreed, amount), else_=0)),
                func.sum(case((agreed, real * real), else_=0.0)),
            )
            .where(*_done_in(ids, span), or_(Interaction.kind == Kind.MEETING, agreed))
            .group_by(Interaction.manager_id, day)
        )
        return [SalesDay(m, _day(d), int(n), int(c), int(a), float(q)) for m, d, n, c, a, q in rows]

    async def logging(self, zones: dict[int, str], span: Span, *, late_hours: int, night: tuple[int, int],
                      batch: int) -> list[Logging]:
        """How the managers in `zones` (id -> their timezone) logged the done contacts they logged
        in the span (see `Logging`); night is the hours [night[0], night[1]) of their own clock."""
        by_zone: dict[str, list[int]] = {}
        for manager_id, tz in zones.items():
            by_zone.setdefault(tz, []).append(manager_id)
        found: dict[int, list[int]] = {}
        for tz, ids in sorted(by_zone.items()):
            hour = local_hour_of_day(Interaction.logged_at, tz, span)
            logged_hour = epoch_hour(Interaction.logged_at)
            late = (logged_hour - epoch_hour(Interaction.happened_at)) >= late_hours
            at_night = late & ((hour >= night[0]) | (hour < night[1]))
            scope = (
                Interaction.manager_id.in_(ids),
                Interaction.status == Status.DONE,
                Interaction.logged_at >= span[0],
                Interaction.logged_at < span[1],
                Interaction.happened_at.is_not(None),
            )
            rows = await self.session.execute(
                select(Interaction.manager_id, func.count(), func.sum(case((late, 1), else_=0)),
                       func.sum(case((at_night, 1), else_=0)))
                .where(*scope).group_by(Interaction.manager_id)
            )
            for m, n, late_n, night_n in rows:
                found[m] = [n, int(late_n or 0), int(night_n or 0), 0]
            batches = await self.session.execute(
                select(Interaction.manager_id, func.count())
                .where(*scope, at_night).group_by(Interaction.manager_id, logged_hour).having(func.count() >= batch)
            )
            for m, n in batches:
                found[m][3] += n
        return [Logging(m, *figures) for m, figures in found.items()]

    async def record_export(self, report: str, params: dict, rows: int, at: datetime) -> None:
        self.session.add(Export(user_id=self.actor.id, report=report, params=params, rows=rows, at=at))
        await self.session.flush()

    async def plans(self, ids: list[int], today: Span, tomorrow: Span
                    ) -> tuple[list[tuple[int, bool, int]], list[tuple[int, int, datetime]]]:
        """Planned contacts today and tomorrow (manager, is it tomorrow, count), and those planned
        before today still without a result (manager, count, when the oldest was due)."""
        if not ids:
            return [], []
        is_tomorrow = Interaction.planned_at >= tomorrow[0]
        planned = await self.session.execute(
            select(Interaction.manager_id, is_tomorrow, func.count())
            .where(
                Interaction.manager_id.in_(ids),
                Interaction.status == Status.PLANNED,
                Interaction.planned_at >= today[0],
                Interaction.planned_at < tomorrow[1],
            )
            .group_by(Interaction.manager_id, is_tomorrow)
        )
        hanging = await self.session.execute(
            select(Interaction.manager_id, func.count(), func.min(Interaction.planned_at))
            .where(
                Interaction.manager_id.in_(ids),
                Interaction.status == Status.PLANNED,
                Interaction.planned_at < today[0],
            )
            .group_by(Interaction.manager_id)
        )
        return [(m, bool(t), n) for m, t, n in planned], [(m, n, oldest) for m, n, oldest in hanging]

    async def deal_sizes(self, ids: list[int], span: Span) -> list[tuple[int, int, float, float]]:
        """Deals with a sum that happened in the span, per manager: (manager, how many, their sum,
        the sum of their squares), what a mean and its spread are made of. Floats: squares of
        sums in kopecks outgrow a 64-bit integer."""
        if not ids:
            return []
        amount = cast(Interaction.amount_minor, Float)
        rows = await self.session.execute(
            select(Interaction.manager_id, func.count(Interaction.amount_minor), func.sum(amount), func.sum(amount * amount))
            .where(*_done_in(ids, span), Interaction.outcome == Outcome.AGREED, Interaction.amount_minor.is_not(None))
            .group_by(Interaction.manager_id)
        )
        return [(m, n, float(s or 0), float(q or 0)) for m, n, s, q in rows]

    async def meeting_days(self, ids: list[int], span: Span, tz: str) -> list[tuple[int, date, int]]:
        """Done meetings by manager and the day, in zone `tz`, they happened on."""
        if not ids:
            return []
        day = local_day(Interaction.happened_at, tz, span)
        rows = await self.session.execute(
            select(Interaction.manager_id, day, func.count())
            .where(*_done_in(ids, span), Interaction.kind == Kind.MEETING)
            .group_by(Interaction.manager_id, day)
        )
        return [(m, _day(d), n) for m, d, n in rows]

    async def checkins(self, ids: list[int], span: Span, radius_m: float) -> list[tuple[int, int, int, int]]:
        """Done meetings that happened in the span, per manager: (manager, meetings, checked in
        within `radius_m` of the client or placing it, checked in beyond it)."""
        if not ids:
            return []
        distance = Interaction.checkin_distance_m
        near = Interaction.checkin_at.is_not(None) & (distance.is_(None) | (distance <= radius_m))
        rows = await self.session.execute(
            select(Interaction.manager_id, func.count(), func.sum(case((near, 1), else_=0)),
                   func.sum(case((distance > radius_m, 1), else_=0)))
            .where(*_done_in(ids, span), Interaction.kind == Kind.MEETING)
            .group_by(Interaction.manager_id)
        )
        return [(m, n, int(w or 0), int(b or 0)) for m, n, w, b in rows]

    async def checked_in(self, ids: list[int], span: Span) -> bool:
        """Whether any of these managers checked in at a client in the span."""
        return bool(await self.session.scalar(select(exists().where(
            Interaction.manager_id.in_(ids), Interaction.checkin_at >= span[0], Interaction.checkin_at < span[1]))))


def _done_in(ids: list[int], span: Span) -> tuple:
    return (
        Interaction.manager_id.in_(ids),
        Interaction.status == Status.DONE,
        Interaction.happened_at >= span[0],
        Interaction.happened_at < span[1],
    )
