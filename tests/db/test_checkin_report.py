"""Per manager, the share of meetings checked in within the radius, counted in SQL on both
backends, and as the report shows and exports it."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from aiogram.utils.i18n import I18n

from bot.i18n import compile_catalogs
from db.models import Kind, Outcome
from db.repositories import ClientRepository, InteractionRepository
from db.repositories.reports import ReportRepository
from handlers import report_view
from reports.report import build
from reports.workdays import WorkCalendar
from tests.db.test_repositories import _people

UTC = timezone.utc
THURSDAY = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


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
        await session.commit()

        reports = ReportRepository(session, head)
        people = await reports.people()
        span = (datetime(2026, 11, 26, tzinfo=UTC), datetime(2026, 11, 27, tzinfo=UTC))
        assert await reports.checkins([p.id for p in people], span, 500) == [(anna.id, 4, 2, 1)]
        assert await reports.checkins([p.id for p in people], span, 3000) == [(anna.id, 4, 3, 0)]  # the radius is the setting's

        report = await build(reports, people, date(2026, 11, 26), date(2026, 11, 26), date(2026, 11, 27),
                             "Europe/Moscow", WorkCalendar("RU"), radius_m=500)
        assert boris.id not in report.checkins  # no meetings: no share
        i18n = I18n(path=compile_catalogs(), default_locale="en", domain="messages")
        with i18n.context(), i18n.use_locale("ru"):
            text = "\n".join(report_view.texts(report, "Sales", {}, "ru"))
            assert "• <b>Anna</b>: отмечено у клиента: 2 из 4 встреч (50%), 1 — не у клиента (дальше 500 м)" in text
            [sheet] = [s for s in report_view.sheets(report, {}, "Europe/Moscow") if s.title == "Отметки"]
        assert sheet.rows == [["Anna", 4, 2, 0.5, 1, 1]]
