from datetime import date

import pytest

from handlers.parsing import ParseError, parse_amount, parse_birthday, parse_email, parse_phone, phone_for_display


@pytest.mark.parametrize(
    ("text", "kopecks"),
    [
        ("50000", 5_000_000),
        ("50 000", 5_000_000),
        ("50\u00a0000", 5_000_000),
        ("50k", 5_000_000),
        ("50К", 5_000_000),
        ("50 тыс", 5_000_000),
        ("50 тыс.", 5_000_000),
        ("1,5 млн", 150_000_000),
        ("1.5m", 150_000_000),
        ("2,5к", 250_000),
        ("12 500,50 руб", 1_250_050),
        ("100 000 ₽", 10_000_000),
        ("1 500 000", 150_000_000),
        ("1.500.000", 150_000_000),
        ("1,500,000 руб.", 150_000_000),
        ("1.2345 млн", 123_450_000),
    ],
)
def test_amounts_people_type_are_read_exactly(text: str, kopecks: int) -> None:
    assert parse_amount(text) == kopecks


@pytest.mark.parametrize(
    "text", ["", "0", "-5", "abc", "50 попугаев", "12.345", "1,234", "50 000 000 000 000", "1.5.5", "5" * 5000, "0,001"]
)
def test_nonsense_amounts_are_refused(text: str) -> None:
    with pytest.raises(ParseError):
        parse_amount(text)


def test_phone_email_birthday() -> None:
    assert parse_phone("+7 (912) 345-67-89") == "+79123456789"
    # a Russian number written the Russian way, with its trunk prefix 8 or without a country code
    assert parse_phone("8 (912) 345-67-89") == parse_phone("912 345 67 89") == "+79123456789"
    assert parse_phone("8 (495) 123-45-67") == "+74951234567"  # Moscow landline
    assert parse_phone("+49 30 1234567") == "+49301234567"  # abroad, with its country code
    for bad in ("call me", "345-67-89", "8 912 345", "+7 912 345 67 89 12 34", "1" * 40, "+7 912 abc 67 89"):
        with pytest.raises(ParseError):
            parse_phone(bad)
    assert phone_for_display("+79123456789") == "+7 912 345-67-89"
    assert parse_email("ivan@example.ru") == "ivan@example.ru"
    with pytest.raises(ParseError):
        parse_email("ivan@")
    today = date(2026, 11, 27)
    assert parse_birthday("25.12.1980", today) == date(1980, 12, 25)
    assert parse_birthday("29.02", today) == date(1904, 2, 29)
    for bad in ("31.02.1980", "01.01.2030", "yesterday"):
        with pytest.raises(ParseError):
            parse_birthday(bad, today)


def test_inn_check_digits() -> None:
    from handlers.parsing import parse_inn

    assert parse_inn("7707083893") == "7707083893"  # a company
    assert parse_inn("5001 0073 2259") == "500100732259"  # a person
    for bad in ("7707083890", "500100732250", "12345", "77070838931", "abcdefghij"):
        with pytest.raises(ParseError):
            parse_inn(bad)


def test_long_texts_are_split_between_blocks_never_cut() -> None:
    from handlers.ui import TEXT_LIMIT, pack, u16

    blocks = [f"{n}. <b>Client number {n}</b> · 🤝 Meeting\n   ✅ Agreed" for n in range(500)]
    parts = pack(blocks)
    assert len(parts) > 1 and all(u16(part) <= TEXT_LIMIT for part in parts)
    assert "\n".join(parts) == "\n".join(blocks)  # everything, in order, each block whole
    assert all(part.count("<b>") == part.count("</b>") for part in parts)
    assert pack(["short", "text"]) == ["short\ntext"]
    # a block too long for one message goes between its lines; a monster line between characters
    huge = "\n".join(f"line {n} " + "я" * 90 for n in range(100))
    assert all(u16(part) <= TEXT_LIMIT for part in pack([huge]))
    monster = pack(["<b>" + "&" * 9000 + "</b>"])
    assert all(u16(part) <= TEXT_LIMIT for part in monster) and "".join(monster).count("&amp;") == 9000


@pytest.mark.parametrize(
    ("parse", "typed", "expected"),
    [
        (parse_amount, "５０ ０００", 5_000_000),
        (parse_amount, "٥٠ ألف".split()[0], 5_000),  # Arabic-Indic digits
        (parse_phone, "＋７ ９１２ ３４５-６７-８９", "+79123456789"),
        (lambda text: parse_birthday(text, date(2026, 11, 30)), "２５.１２.１９８０", date(1980, 12, 25)),
    ],
)
def test_digits_of_other_keyboards_are_read_as_digits(parse, typed, expected) -> None:
    assert parse(typed) == expected


def test_an_inn_in_fullwidth_digits_is_stored_in_ascii() -> None:
    from handlers.parsing import parse_inn, plain_digits

    assert parse_inn("７７０７０８３８９３") == "7707083893"
    assert plain_digits("ИНН ７７０７") == "ИНН 7707"
    with pytest.raises(ParseError):
        parse_inn("７７０７０８３８９４")  # a wrong check digit stays wrong in any script


def test_times_in_other_digits() -> None:
    from handlers.parsing import parse_time

    assert parse_time("０８:３０").strftime("%H:%M") == "08:30"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("19", "19:00"), ("19.00", "19:00"), ("19:00", "19:00"), ("7 вечера", "19:00"), ("9 утра", "09:00"),
     ("в 10", "10:00"), ("7 pm", "19:00"), ("1430", "14:30"), ("08 30", "08:30"), ("12 ночи", "00:00")],
)
def test_times_as_people_type_them(typed: str, expected: str) -> None:
    from handlers.parsing import parse_time

    assert parse_time(typed).strftime("%H:%M") == expected


@pytest.mark.parametrize("typed", ["25", "19:60", "вечером", "", "7 вечера 30", "123456"])
def test_what_is_not_a_time(typed: str) -> None:
    from handlers.parsing import parse_time

    assert parse_time(typed) is None


@pytest.mark.parametrize(
    ("typed", "zone"),
    [("Екатеринбург", "Asia/Yekaterinburg"), ("екатеринбург", "Asia/Yekaterinburg"), ("МСК+2", "Asia/Yekaterinburg"),
     ("мск", "Europe/Moscow"), ("МСК-1", "Europe/Kaliningrad"), ("UTC+5", "Asia/Yekaterinburg"),
     ("UTC-5", "Etc/GMT+5"), ("Asia/Almaty", "Asia/Almaty"), ("Алматы", "Asia/Almaty"), ("Berlin", "Europe/Berlin"),
     ("Новосибирск", "Asia/Novosibirsk"), ("МСК+15", None), ("Нарния", None)],
)
def test_time_zones_as_people_name_them(typed: str, zone: str | None) -> None:
    from datetime import datetime, timezone

    from handlers.zones import parse_zone

    assert parse_zone(typed, "ru", datetime(2026, 11, 30, tzinfo=timezone.utc)) == zone
