"""Time zones as people name them: cities in their language ("Екатеринбург"), Moscow-relative
("МСК+2") or UTC offsets ("UTC+5"), as well as IANA names. Babel knows the localised city names."""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import get_i18n
from babel.dates import get_timezone_location

from handlers.callbacks import SetCb
from handlers.keyboards import button
from handlers.parsing import plain_digits

# Russia's zones west to east, with their offset from Moscow
RUSSIA = (
    ("Europe/Kaliningrad", -1), ("Europe/Moscow", 0), ("Europe/Samara", 1), ("Asia/Yekaterinburg", 2),
    ("Asia/Omsk", 3), ("Asia/Novosibirsk", 4), ("Asia/Krasnoyarsk", 4), ("Asia/Irkutsk", 5), ("Asia/Yakutsk", 6),
    ("Asia/Vladivostok", 7), ("Asia/Magadan", 8), ("Asia/Kamchatka", 9),
)
ZONES = tuple(zone for zone, _offset in RUSSIA)
_OFFSET = re.compile(r"^(мск|msk|utc|gmt)\s*([+-−])?\s*(\d{1,2})?(?::?(\d{2}))?$")


def city(zone: str, locale: str) -> str:
    """The zone's city in the person's language: "Екатеринбург", "Yekaterinburg"."""
    try:
        return get_timezone_location(zone, locale=locale, return_city=True)
    except (LookupError, ValueError):
        return zone.rsplit("/", 1)[-1].replace("_", " ")


@lru_cache(maxsize=4)
def _by_city(locale: str) -> dict[str, str]:
    names: dict[str, str] = {}
    for zone in sorted(available_timezones()):
        if "/" not in zone or zone.startswith(("Etc/", "SystemV/", "posix/", "right/")):
            continue
        names.setdefault(city(zone, locale).casefold().replace("ё", "е"), zone)
    for zone, _offset in RUSSIA:  # Russia's own first: "Новосибирск" is not some namesake
        names[city(zone, locale).casefold().replace("ё", "е")] = zone
    return names


def _utc_offset_hours(zone: str, now: datetime) -> float:
    return now.astimezone(ZoneInfo(zone)).utcoffset().total_seconds() / 3600


def parse_zone(text: str, locale: str, now: datetime) -> str | None:
    """An IANA zone for what someone typed, or None."""
    typed = plain_digits(text).strip()
    if typed in available_timezones():
        return typed
    key = typed.casefold().replace("ё", "е")
    for language in (locale, "ru", "en"):
        if key in _by_city(language):
            return _by_city(language)[key]
    match = _OFFSET.match(key)
    if not match:
        return None
    base, sign, hours, minutes = match[1], match[2], int(match[3] or 0), int(match[4] or 0)
    offset = (-1 if sign in ("-", "−") else 1) * (hours + minutes / 60)
    if base in ("мск", "msk"):
        return next((zone for zone, shift in RUSSIA if shift == offset), None)
    russian = next((zone for zone, _shift in RUSSIA if _utc_offset_hours(zone, now) == offset), None)
    if russian is not None:
        return russian
    if minutes or not -12 <= offset <= 14:
        return None
    return "Etc/UTC" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(int(offset))}"  # POSIX signs


def zone_label(zone: str) -> str:
    """"Екатеринбург (UTC+5)": the city in the person's language and the offset people know."""
    offset = datetime.now(ZoneInfo(zone)).strftime("%z")
    hours = f"{offset[0]}{int(offset[1:3])}" + (f":{offset[3:]}" if offset[3:] != "00" else "")
    return f"{city(zone, get_i18n().current_locale)} (UTC{hours})"


def zone_markup() -> InlineKeyboardMarkup:
    """Russia's zones, west to east, named in the person's language."""
    buttons = [button(zone_label(zone), SetCb(a="zone", v=zone)) for zone in ZONES]
    return InlineKeyboardMarkup(inline_keyboard=[buttons[i : i + 2] for i in range(0, len(buttons), 2)])
