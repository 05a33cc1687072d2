"""Parsing what people type: amounts of money, phone numbers, e-mails, birthdays, INNs.

Every parser first folds what only looks like ASCII (fullwidth ７, Arabic-Indic ٧, compatibility
forms) with `plain_digits`, so a number typed on another keyboard is checked, and stored, as one.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, time

import phonenumbers

MAX_AMOUNT_MINOR = 10**12  # ten billion roubles: anything above is a typo

_MULTIPLIERS = {
    "": 1,
    "k": 1_000, "к": 1_000, "тыс": 1_000, "тысяч": 1_000, "тысячи": 1_000, "тысяча": 1_000, "т": 1_000,
    "m": 1_000_000, "mln": 1_000_000, "млн": 1_000_000, "миллион": 1_000_000, "миллиона": 1_000_000,
    "миллионов": 1_000_000, "кк": 1_000_000,
    "млрд": 1_000_000_000, "bn": 1_000_000_000, "b": 1_000_000_000,
}
_CURRENCY = re.compile(r"(?:руб(?:лей|ля|ль)?|р|₽|rub|rur)\.?$")
_AMOUNT = re.compile(r"^(?P<number>\d+(?:[.,]\d+)?)\s*(?P<unit>[a-zа-я]*)\.?$")


class ParseError(ValueError):
    pass


def plain_digits(text: str) -> str:
    """NFKC-folded text with every decimal digit, of any script, as an ASCII one."""
    text = unicodedata.normalize("NFKC", text)
    if text.isascii():
        return text
    return "".join(
        str(unicodedata.decimal(c)) if not c.isascii() and unicodedata.decimal(c, None) is not None else c for c in text
    )


def parse_amount(text: str) -> int:
    """'50000', '50 000', '50k', '50 тыс', '1,5 млн', '12 500,50 руб' -> minor units (kopecks)."""
    if len(text) > 40:
        raise ParseError(text)
    value = plain_digits(text).strip().casefold().replace("\u00a0", " ").replace("\u202f", " ")
    value = _CURRENCY.sub("", value).strip()
    # thousands separators: spaces, or an apostrophe, between digit groups
    value = re.sub(r"(?<=\d)[ ']+(?=\d{3}\b)", "", value)
    # "1.500.000" / "1,500,000": a repeated separator means digit grouping
    if re.match(r"^\d{1,3}([.,])\d{3}(?:\1\d{3})+(?!\d)", value):
        value = re.sub(r"(?<=\d)[.,](?=\d{3})", "", value)
    match = _AMOUNT.match(value)
    if not match or match["unit"] not in _MULTIPLIERS:
        raise ParseError(text)
    number = match["number"].replace(",", ".")
    whole, _, frac = number.partition(".")
    multiplier = _MULTIPLIERS[match["unit"]]
    if multiplier == 1 and len(frac) > 2:
        raise ParseError(text)
    # exact integer arithmetic in kopecks
    scale = 10 ** len(frac)
    minor = (int(whole) * scale + (int(frac) if frac else 0)) * multiplier * 100
    if minor % scale:
        raise ParseError(text)
    minor //= scale
    if minor <= 0 or minor > MAX_AMOUNT_MINOR:
        raise ParseError(text)
    return minor


_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
PHONE_REGION = "RU"  # how a number without a country code is read: 8 912 ... is Russian


def parse_phone(text: str) -> str:
    """A phone number in E.164 ("+79123456789"); "8 (912) 345-67-89" and "+7 912 345 67 89" alike.

    libphonenumber knows each country's trunk prefixes and number ranges: a number that cannot be
    dialled (too short or too long for its country, letters) is refused rather than stored as typed.
    """
    value = plain_digits(text).strip()
    if len(value) > 32 or re.search(r"[^\d\s\-()+.]", value):
        raise ParseError(text)
    try:
        number = phonenumbers.parse(value, PHONE_REGION)
    except phonenumbers.NumberParseException:
        raise ParseError(text) from None
    if not phonenumbers.is_valid_number(number):
        raise ParseError(text)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_for_display(stored: str) -> str:
    """"+7 912 345-67-89" for a stored E.164 number; anything else as it is."""
    try:
        number = phonenumbers.parse(stored, PHONE_REGION)
    except phonenumbers.NumberParseException:
        return stored
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def parse_email(text: str) -> str:
    value = text.strip()
    if len(value) > 254 or not _EMAIL.match(value):
        raise ParseError(text)
    return value


def parse_birthday(text: str, today: date) -> date:
    """'25.12.1980', '25.12' (year unknown: stored as year 1904, a leap year), '1980-12-25'."""
    value = plain_digits(text).strip()
    try:
        if m := re.fullmatch(r"(\d{1,2})[./](\d{1,2})(?:[./](\d{4}))?", value):
            day_, month, year = int(m[1]), int(m[2]), int(m[3] or 1904)
        elif m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", value):
            year, month, day_ = int(m[1]), int(m[2]), int(m[3])
        else:
            raise ParseError(text)
        born = date(year, month, day_)
    except ValueError:
        raise ParseError(text) from None
    if born > today or born.year < 1900:
        raise ParseError(text)
    return born


_INN10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_A = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_B = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _check(digits: list[int], weights: tuple[int, ...]) -> int:
    return sum(d * w for d, w in zip(digits, weights)) % 11 % 10


def parse_inn(text: str) -> str:
    """A Russian taxpayer number: 10 digits (company) or 12 (person), with valid check digits."""
    value = re.sub(r"[\s-]", "", plain_digits(text))
    if not value.isascii() or not value.isdigit() or len(value) not in (10, 12):
        raise ParseError(text)
    d = [int(c) for c in value]
    if len(d) == 10:
        ok = _check(d, _INN10) == d[9]
    else:
        ok = _check(d, _INN12_A) == d[10] and _check(d, _INN12_B) == d[11]
    if not ok:
        raise ParseError(text)
    return value


_CLOCK = re.compile(r"^(?:в\s*|at\s*)?(\d{1,2})(?:[:.\s]?(\d{2}))?\s*(утра|дня|вечера|ночи|am|pm|a\.m\.|p\.m\.|ч|h)?\.?$")
_AFTERNOON = ("дня", "вечера", "pm", "p.m.")


def parse_time(text: str) -> time | None:
    """A time of day as people type it: '14:30', '14.30', '1430', '19', '7 вечера', '9 утра',
    'в 10', '7 pm'. None when it is not one."""
    match = _CLOCK.match(plain_digits(text).strip().casefold())
    if not match:
        return None
    hour, minute, part = int(match[1]), int(match[2] or 0), match[3]
    if part in _AFTERNOON and 1 <= hour <= 11:
        hour += 12
    elif part in ("ночи", "am", "a.m.") and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


_NUMBER = re.compile(r"[-+]?\d{1,3}(?:\.\d+)?")


def parse_point(text: str) -> tuple[float, float]:
    """Latitude and longitude typed as "55.7558, 37.6173", "55,7558 37,6173" (decimal commas),
    "55.7558; 37.6173" or with degree signs; ParseError unless both are in range."""
    cleaned = plain_digits(text or "").replace("°", " ").strip()
    if ";" in cleaned:
        parts = cleaned.split(";")
    elif "." in cleaned:
        parts = re.split(r"[,\s]+", cleaned)
    else:  # no dots: commas are decimal commas, whitespace separates
        parts = cleaned.split()
    parts = [p.strip().replace(",", ".") for p in parts if p.strip()]
    if len(parts) != 2 or not all(_NUMBER.fullmatch(p) for p in parts):
        raise ParseError(text)
    lat, lon = float(parts[0]), float(parts[1])
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ParseError(text)
    return lat, lon
