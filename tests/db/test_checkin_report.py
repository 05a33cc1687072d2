"""Per manager, the share of meetings checked in within the radius, counted in SQL on both
backends, and as the report and the digest show and export it: only where check-ins are in use."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from aiogram.utils.i18n import I18n

from bot.i18n import compile_catalogs
from db.models import Kind, Outcome
from db.repositories import ClientRepository, InteractionRepository
from db.repositories.reports import ReportRepository
from handlers import report_view
from reports.checkin import Share
from reports.digest import morning
from reports.report import build
from reports.workdays import WorkCalendar
from tests.db.test_repositories import _people

UTC = timezone.utc
THURSDAY = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
FRIDAY = THURSDAY + timedelta(days=1)
OCTOBER = datetime(2026, 10, 15, 9, 0, tzinfo=UTC)  # a Thursday
MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


async def test_checked_in_meetings_per_manager_in_sql_the_report_and_its_sheet(sessionmaker) -> None:
    async with sessionmaker() as session:
        anna, boris, _olga, head, _admin = await _people(session)
        client = await ClientRepository(session, anna).create("Ромашка")
        repo = InteractionRepository(session, anna)
        # Anna: placed the client (no distance), 120 m, 2 km (away), one without a check-in, and a call
        for n, distance in enumerate((None, 120.0, 2000.0, "none")):
            item = await repo.log(now=THURSDAY + timedelta(minutes=n), client_id=client.id, kind=Kind.MEETING,
                                  outcome=Outcome.THINKING)
            if distance != "none":
                item.checkin_lat, item.checkin_lon, item.checkin_at = 55.75, 37.62, THURSDAY
                item.checkin_distance_m = distance
        await repo.log(now=THURSDAY, client_id=client.id, kind=Kind.CALL, outcome=Outcome.THINKING)
        # meetings without a check-in: Boris's that day, Anna's in October (before anyone checked in)
        # and the Monday after (check-ins in use by then)
        vector = await ClientRepository(session, boris).create("Вектор")
        await InteractionRepository(session, boris).log(now=THURSDAY, client_id=vector.id, kind=Kind.MEETING,
                                                        outcome=Outcome.THINKING)
        for day in (OCTOBER, MONDAY):
            await repo.log(now=day, client_id=client.id, kind=Kind.MEETING, outcome=Outcome.THINKING)
        await session.commit()

        reports = ReportRepository(session, head)
        people = await reports.people()
        span = (datetime(2026, 11, 26, tzinfo=UTC), datetime(2026, 11, 27, tzinfo=UTC))
        assert sorted(await reports.checkins([p.id for p in people], span, 500)) == [(anna.id, 4, 2, 1), (boris.id, 1, 0, 0)]
        assert (anna.id, 4, 3, 0) in await reports.checkins([p.id for p in people], span, 3000)  # the radius is the setting's

        report = await build(reports, people, date(2026, 11, 26), date(2026, 11, 26), date(2026, 11, 27),
                             "Europe/Moscow", WorkCalendar("RU"), radius_m=500)
        assert report.checkins[boris.id] == Share(1, 0, 0)  # Anna checks in, so Boris's figure means something
        i18n = I18n(path=compile_catalogs(), default_locale="en", domain="messages")
        with i18n.context(), i18n.use_locale("ru"):
            text = "\n".join(report_view.texts(report, "Sales", {}, "ru"))
            assert "• <b>Anna</b>: отмечено у клиента: 2 из 4 встреч (50%), 1 — не у клиента (дальше 500 м)" in text
            [sheet] = [s for s in report_view.sheets(report, {}, "Europe/Moscow") if s.title == "Отметки"]
        assert sheet.rows == [["Anna", 4, 2, 0.5, 1, 1], ["Boris", 1, 0, 0.0, 0, 1]]

        # not in use: nobody in the scope checked in during the period or the four weeks before it
        alone = await build(reports, [p for p in people if p.id == boris.id], date(2026, 11, 26), date(2026, 11, 26),
                            date(2026, 11, 27), "Europe/Moscow", WorkCalendar("RU"), radius_m=500)
        october = await build(reports, people, date(2026, 10, 1), date(2026, 10, 31), date(2026, 11, 27),
                              "Europe/Moscow", WorkCalendar("RU"), radius_m=500)
        assert alone.checkins == {} and october.checkins == {}
        with i18n.context(), i18n.use_locale("ru"):
            assert "📍" not in "\n".join(report_view.texts(october, "Sales", {}, "ru"))
            assert "Отметки" not in [s.title for s in report_view.sheets(october, {}, "Europe/Moscow")]
        # required (CHECKIN_REQUIRED): counted from the start, zeros included
        october = await build(reports, people, date(2026, 10, 1), date(2026, 10, 31), date(2026, 11, 27),
                              "Europe/Moscow", WorkCalendar("RU"), radius_m=500, checkins_required=True)
        assert october.checkins == {anna.id: Share(1, 0, 0)}

        # the morning digest: the same rule over its one day
        days = [await morning(reports, people, d, "Europe/Moscow", WorkCalendar("RU"), 500, required)
                for d, required in ((FRIDAY, False), (OCTOBER + timedelta(days=1), False),
                                    (OCTOBER + timedelta(days=1), True), (MONDAY + timedelta(days=1), False))]
        shown = [{m.person.name: m.checkins for m in day.managers if m.checkins} for day in days]
        assert shown == [{"Anna": Share(4, 2, 1), "Boris": Share(1, 0, 0)}, {}, {"Anna": Share(1, 0, 0)},
                         {"Anna": Share(1, 0, 0)}]
