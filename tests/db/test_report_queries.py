"""The heads' aggregates on both backends: counted in SQL by day (by hour where the hour matters) and scoped to what the actor may see."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from db.models import Kind, Outcome
from db.repositories import ClientRepository, InteractionRepository, RefusalReasonRepository
from db.repositories.reports import Person, ReportRepository
from reports.analytics import by_day, discipline, figures
from reports.report import logging_of
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
        zones = {i: "Europe/Moscow" for i in ids}
        logging = {r.manager_id: r for r in await repo.logging(zones, span, late_hours=3, night=(22, 5), batch=3)}
        # Anna logged four contacts, one of them 14 h late, at 00:xx in Moscow: night, not a batch
        assert (logging[anna.id].logged, logging[anna.id].late, logging[anna.id].night, logging[anna.id].batched) == (4, 1, 1, 0)
        assert (logging[boris.id].logged, logging[boris.id].late) == (1, 0)


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
        # and by New York's (UTC-4 over the whole span): the same statement with another offset, never
        # the first zone's SQL reused from the statement cache
        days = {d.day: d.count for d in await repo.days([anna.id], span, "America/New_York")}
        assert days == {date(2026, 3, 28): 2, date(2026, 3, 29): 2}


async def test_logging_discipline_is_counted_in_sql_by_each_manager_s_clock(sessionmaker) -> None:
    async with sessionmaker() as session:
        anna, boris, _olga, head, _admin = await _people(session)
        a = await ClientRepository(session, anna).create("Ромашка")
        b = await ClientRepository(session, boris).create("Вектор")
        day = datetime(2026, 11, 26, tzinfo=UTC)

        def at(hour: int, minute: int = 10) -> datetime:
            return day + timedelta(hours=hour, minutes=minute)

        async def call(who, client, happened: datetime, logged: datetime | None = None) -> None:
            await _log(session, who, client.id, happened, kind=Kind.CALL, outcome=Outcome.THINKING, logged=logged)

        for n in range(5):  # 11:xx in Moscow, logged at once
            await call(anna, a, at(8, n))
        for n in range(4):  # logged at 23:xx in Moscow about the morning: a night batch
            await call(anna, a, at(9, n), at(20, 5 + n))
        await call(boris, b, at(12), at(20))  # one at night: late, not a batch
        for n in range(2):  # logged at 17:xx about 10:xx: late, by day
            await call(boris, b, at(7, n), at(14, n))
        await call(boris, b, at(15), at(17))  # two hours after: not late
        for n in range(4):  # logged at 04:xx the next morning in Moscow (06:xx in Yekaterinburg)
            await call(boris, b, at(10, n), at(25, 5 + n))
        await session.commit()

        repo = ReportRepository(session, head)
        span = (day, day + timedelta(days=2))
        people = [Person(anna.id, "Anna", None, False, None), Person(boris.id, "Boris", None, False, "Europe/Moscow")]
        rows = {r.manager_id: (r.logged, r.late, r.night, r.batched) for r in await logging_of(repo, people, span, "Europe/Moscow")}
        assert rows == {anna.id: (9, 4, 4, 4), boris.id: (8, 7, 5, 4)}
        # Boris by Yekaterinburg's clock (UTC+5): his 04:xx batch is 06:xx, morning; his 23:xx is 01:xx, still night
        people[1] = Person(boris.id, "Boris", None, False, "Asia/Yekaterinburg")
        rows = {r.manager_id: (r.logged, r.late, r.night, r.batched) for r in await logging_of(repo, people, span, "Europe/Moscow")}
        assert rows == {anna.id: (9, 4, 4, 4), boris.id: (8, 7, 1, 0)}
        # Anna has no zone of her own: the reader's is hers (in Yekaterinburg her 23:xx is 01:xx, night still)
        rows = {r.manager_id: (r.night, r.batched) for r in await logging_of(repo, people[:1], span, "Asia/Yekaterinburg")}
        assert rows == {anna.id: (4, 4)}
        # the day's span alone: what was logged the next morning is not in it
        rows = {r.manager_id: (r.logged, r.late, r.night, r.batched)
                for r in await logging_of(repo, people, (day, day + timedelta(days=1)), "Europe/Moscow")}
        assert rows[boris.id] == (4, 3, 1, 0)
        days = by_day(await repo.days([anna.id, boris.id], span, "Europe/Moscow"))
        workdays = [date(2026, 11, 26), date(2026, 11, 27)]
        found = discipline(people, await logging_of(repo, people, span, "Europe/Moscow"), days, workdays)
        assert found[anna.id].idle_days == [date(2026, 11, 27)] and found[boris.id].idle_days == [date(2026, 11, 27)]
        assert found[anna.id].late_share == 4 / 9
