"""Quick next steps land on working days, and say where when that is not what their words say."""

from __future__ import annotations

from datetime import date

from aiogram.utils.i18n import I18n

from bot.i18n import compile_catalogs
from reports.dates import quick_day
from handlers.labels import quick_steps
from reports.workdays import WorkCalendar

NO_HOLIDAYS = WorkCalendar(country=None)
THURSDAY, FRIDAY, WEDNESDAY = date(2026, 11, 26), date(2026, 11, 27), date(2026, 11, 25)


def test_a_quick_step_that_falls_on_a_day_off_moves_to_the_next_working_day() -> None:
    assert quick_day("1d", THURSDAY, NO_HOLIDAYS) == FRIDAY
    assert quick_day("1d", FRIDAY, NO_HOLIDAYS) == date(2026, 11, 30)  # Monday
    assert quick_day("3d", WEDNESDAY, NO_HOLIDAYS) == date(2026, 11, 30)  # Saturday -> Monday
    assert quick_day("7d", FRIDAY, NO_HOLIDAYS) == date(2026, 12, 4)
    holiday_monday = WorkCalendar(country=None, extra_holidays={date(2026, 11, 30)})
    assert quick_day("1d", FRIDAY, holiday_monday) == date(2026, 12, 1)
    saturday_at_work = WorkCalendar(country=None, extra_workdays={date(2026, 11, 28)})
    assert quick_day("1d", FRIDAY, saturday_at_work) == date(2026, 11, 28)


def test_russian_public_holidays_count() -> None:
    russia = WorkCalendar("RU")
    # 31 December 2026 is a Thursday; 1 to 8 January are days off
    assert quick_day("7d", date(2026, 12, 31), russia) > date(2027, 1, 8)


def test_labels_keep_their_words_unless_the_day_moved() -> None:
    i18n = I18n(path=compile_catalogs(), default_locale="en", domain="messages")
    with i18n.context(), i18n.use_locale("en"):
        monday = date(2026, 11, 23)
        assert [label for _code, label in quick_steps(monday, NO_HOLIDAYS, "en")] == ["Tomorrow", "In 3 days", "In a week"]
        assert [label for _code, label in quick_steps(THURSDAY, NO_HOLIDAYS, "en")] == ["Tomorrow", "Mon, 30 Nov", "In a week"]
        assert [label for _code, label in quick_steps(FRIDAY, NO_HOLIDAYS, "en")] == ["Mon, 30 Nov", "In 3 days", "In a week"]
        assert [label for _code, label in quick_steps(WEDNESDAY, NO_HOLIDAYS, "en")][:2] == ["Tomorrow", "Mon, 30 Nov"]
    with i18n.context(), i18n.use_locale("ru"):
        assert [label for _code, label in quick_steps(FRIDAY, NO_HOLIDAYS, "ru")] == ["пн, 30 нояб.", "Через 3 дня", "Через неделю"]
