"""Working days: weekends and public holidays (python-holidays knows Russia's transfers), plus local exceptions."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays


class WorkCalendar:
    def __init__(self, country: str | None = "RU", extra_holidays=frozenset(), extra_workdays=frozenset()):
        self.country = country or None
        self.extra_holidays = frozenset(extra_holidays)
        self.extra_workdays = frozenset(extra_workdays)

    @lru_cache(maxsize=8)
    def _holidays(self, year: int):
        return holidays.country_holidays(self.country, years=year) if self.country else {}

    def is_workday(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        if day in self.extra_holidays or day.weekday() >= 5:
            return False
        return day not in self._holidays(day.year)

    def day_off(self, day: date, locale: str) -> str | None:
        """Why a day is not a working day, in the person's language: the holiday's name, or
        None for a weekend or a local exception (the calendar marks those plainly)."""
        if self.is_workday(day) or not self.country:
            return None
        names = self._names(day.year, "ru" if locale.startswith("ru") else "en_US")
        return names.get(day)

    @lru_cache(maxsize=8)
    def _names(self, year: int, language: str):
        try:
            return holidays.country_holidays(self.country, years=year, language=language)
        except (NotImplementedError, KeyError):
            return {}

    @classmethod
    def from_settings(cls, settings) -> WorkCalendar:
        return cls(settings.holidays_country, settings.extra_holidays, settings.extra_workdays)
