"""The heads' aggregates on both backends: counted in SQL by day (by hour where the hour matters) and scoped to what the actor may see."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from db.models import Kind, Outcome
from db.repositories import ClientRepository, InteractionRepository, RefusalReasonRepository
from db.repositories.reports import ReportRepository
from reports.analytics import figures
from tests.db.test_repositories import _people

UTC = timezone.utc


async def _log(session, who, client_id, at: datetime, kind=Kind.MEETING, outcome=Outcome.AGREED, amount=None, logged=None):
    reason = (await RefusalReasonRepository(session).active())[0].id if outcome == Outcome.REFUSED else None
    item = await InteractionRepository(session, who).log(
        now=logged or at, client_id=client_id, kind=kind, outcome=outcome, amount_minor=amount, reason_id=reason,
    )
    item.happened_at = at
    return item


async def test_reports_count_by_day_and_stay_in_scope(sessionmaker) -> None:
    async with sessionmaker() as session:
        anna, boris, olga, head, admin = await _people(session)
        a = await ClientRepository(session, anna).create("Ромашка")
        b = await ClientRepository(session, boris).create("Вектор")
        o = await ClientRepository(session, olga).create("Альфа")
        t = datetime(2026, 11, 26, 7, 40, tzinfo=UTC)
        await _log(session, anna, a.id, t, amount=100_00)
        await _log(session, anna, a.id, t + timedelta(minutes=10), amount=250_00)
        await _log(session, anna, a.id, t + timedelta(hours=1), kind=Kind.CALL, outcome=Outcome.REFUSED,
                   logged=t + timedelta(hours=14))
        await _log(session, anna, a.id, t + timedelta(hours=2), kind=Kind.CALL)  # a deal logged without a sum
        await _log(session, boris, b.id, t, kind=Kind.CALL, outcome=Outcome.THINKING)
        await _log(session, olga, o.id, t)
        await _log(session, anna, a.id, t - timedelta(days=3))  # outside the span
        await session.commit()

        span = (datetime(2026, 11, 26, tzinfo=UTC), datetime(2026, 11, 27, tzinfo=UTC))
        repo = ReportRepository(session, head)
        people = await repo.people()
        assert [p.name for p in people] == ["Anna", "Boris"]  # Olga is in another team
        assert [t.name for t in await repo.teams()] == ["Sales"]
        assert await repo.people(manager_id=olga.id) == []  # a forged id reveals nothing
        assert await repo.people(team_id=olga.team_id) == []
        assert await ReportRepository(session, anna).people(manager_id=boris.id) == []
        assert await ReportRepository(session, anna).teams() == []
        assert len(await ReportRepository(session, admin).people()) == 3

        ids = [p.id for p in people]
        rows = await repo.results(ids, span)
        results = {(r.manager_id, r.kind, r.outcome): (r.count, r.amount_minor, r.priced) for r in rows}
        assert results[(anna.id, Kind.MEETING, Outcome.AGREED)] == (2, 350_00, 2)
        assert results[(anna.id, Kind.CALL, Outcome.AGREED)] == (1, 0, 0)
        assert results[(boris.id, Kind.CALL, Outcome.THINKING)] == (1, 0, 0)
        # the average deal is over the deals with a sum, not pulled down by the one without
        anna_figures = figures(people, rows, [])[0]
        assert (anna_figures.deals, anna_figures.average_deal, anna_figures.unpriced) == (3, 175_00, 1)
        assert (olga.id, Kind.MEETING, Outcome.AGREED) not in results

        days = {(d.manager_id, d.day, d.kind, d.outcome): d.count for d in await repo.days(ids, span, "Europe/Moscow")}
        assert days[(anna.id, date(2026, 11, 26), Kind.MEETING, Outcome.AGREED)] == 2
        assert days[(anna.id, date(2026, 11, 26), Kind.CALL, Outcome.REFUSED)] == 1
        assert days[(anna.id, date(2026, 11, 26), Kind.CALL, Outcome.AGREED)] == 1
        together = await repo.days(ids, span, "Europe/Moscow", per_manager=False)
        assert {d.manager_id for d in together} == {None}
        assert sum(d.count for d in together) == 5

        refusals = await repo.refusals(ids, span)
        assert [(m, n) for m, _reason, n in refusals] == [(anna.id, 1)]
        logging = {(r.manager_id, r.logged_hour, r.happened_hour): r.count for r in await repo.logging(ids, span)}
        assert logging[(anna.id, "2026-11-26 21", "2026-11-26 08")] == 1
        assert logging[(anna.id, "2026-11-26 07", "2026-11-26 07")] == 2


async def test_days_are_counted_in_sql_by_the_zone_s_own_clock_across_daylight_saving(sessionmaker) -> None:
    # Berlin: UTC+1 in winter, UTC+2 from 29 March 2026, 01:00 UTC; each contact one way or the
    # other of a local midnight, one a hair before it
    async with sessionmaker() as session:
        anna, _boris, _olga, head, _admin = await _people(session)
        a = await ClientRepository(session, anna).create("Ромашка")
        moments = {
            datetime(2026, 3, 28, 23, 0, tzinfo=UTC): date(2026, 3, 29),  # 00:00 on 29 March (winter)
            datetime(2026, 3, 28, 22, 59, 59, 999_999, tzinfo=UTC): date(2026, 3, 28),  # 23:59:59.999999
            datetime(2026, 3, 29, 21, 30, tzinfo=UTC): date(2026, 3, 29),  # 23:30 (summer time)
            datetime(2026, 3, 29, 22, 0, tzinfo=UTC): date(2026, 3, 30),  # 00:00 on 30 March (summer)
        }
        for at in moments:
            await _log(session, anna, a.id, at, kind=Kind.CALL, outcome=Outcome.THINKING)
        await session.commit()
        repo = ReportRepository(session, head)
        span = (datetime(2026, 3, 27, tzinfo=UTC), datetime(2026, 4, 2, tzinfo=UTC))
        days = {d.day: d.count for d in await repo.days([anna.id], span, "Europe/Berlin")}
        assert days == {date(2026, 3, 28): 1, date(2026, 3, 29): 2, date(2026, 3, 30): 1}
        # the same rows by Moscow's clock (UTC+3 all year)
        days = {d.day: d.count for d in await repo.days([anna.id], span, "Europe/Moscow")}
        assert days == {date(2026, 3, 29): 2, date(2026, 3, 30): 2}
