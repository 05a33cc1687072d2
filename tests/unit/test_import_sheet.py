"""Reading a client base from files as Russian offices write them, and planning its import."""

from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl
import pytest

from handlers import import_sheet as sheets
from db.repositories.imports import ClientRow, PersonRow
from handlers.import_sheet import FileRefused, Managers, Person, Refusal

TODAY = date(2026, 11, 20)
HEADER = "Наименование;ИНН;Отрасль;Город;Адрес;Менеджер;Контактное лицо;Телефон;Почта;День рождения;Комментарий"


def read(data: bytes, name: str = "base.csv") -> sheets.Sheet:
    return sheets.read(data, name, TODAY, unnamed="Основной контакт")


def test_a_windows_1251_semicolon_csv_with_bad_rows() -> None:
    text = "\r\n".join([
        HEADER,
        'ООО "Ромашка";7707083893;Розница;Москва;ул. Ленина, 1;Иванов И.;Пётр Сидоров;8 (912) 345-67-89;p@r.ru;25.12.1980;"две\nстроки"',
        "Вектор;1234567890;;;;;;;;;",  # a check digit wrong
        ";;;;;;;;;;",  # empty: not a row
        ";7707083893;;;;;Олег;;;;",  # no name
        "Бета;;;;;;;12345;;;",
        "Гамма;;;;;;;;гамма@;;",
        "Дельта;;;;;;;;;31.02.1990;",
        "Эпсилон;;;;;;;;;01.01.1990;",  # a birthday but nobody's
        "Зета;500100732259;;;;;;+7 495 123-45-67;;;",  # a person's 12-digit INN; a phone with no name beside it
    ]).encode("cp1251")
    sheet = read(text)
    assert sheet.kind == "csv" and sheet.read == 8
    assert sheet.columns["name"] == "Наименование" and sheet.columns["notes"] == "Комментарий" and not sheet.ignored
    first, last = sheet.rows
    assert (first.number, first.name, first.key, first.inn, first.city) == (2, 'ООО "Ромашка"', "ромашка", "7707083893", "Москва")
    assert (first.person, first.phone, first.email, first.birthday) == ("Пётр Сидоров", "+79123456789", "p@r.ru", date(1980, 12, 25))
    assert first.notes == "две\nстроки" and first.address == "ул. Ленина, 1"
    assert (last.inn, last.person, last.phone) == ("500100732259", "Основной контакт", "+74951234567")
    assert sheet.refused == [
        Refusal(3, "inn", "1234567890"), Refusal(5, "no_name", ""), Refusal(6, "phone", "12345"),
        Refusal(7, "email", "гамма@"), Refusal(8, "birthday", "31.02.1990"), Refusal(9, "lonely_birthday", "01.01.1990"),
    ]


def test_a_utf8_csv_with_a_bom_and_commas_and_excel_s_hint_line() -> None:
    data = "\ufeffsep=,\nName,Tax ID,City,E-mail,Whatever\n\"Acme, Inc\",=1+2,Tver,,x\n\"=HYPERLINK(\"\"x\"\")\",,,a@b.io,\n".encode()
    sheet = read(data)
    assert sheet.columns == {"name": "Name", "inn": "Tax ID", "city": "City", "email": "E-mail"}
    assert sheet.ignored == ["Whatever"]
    assert sheet.refused == [Refusal(2, "inn", "=1+2")]
    [row] = sheet.rows
    assert row.name == '=HYPERLINK("x")' and row.person == "Основной контакт" and row.email == "a@b.io"
    unicode_text = read("Наименование\tИНН\r\nРомашка\t7707083893\r\n".encode("utf-16"), "base.txt")  # Excel's "Unicode text"
    assert [(r.name, r.inn) for r in unicode_text.rows] == [("Ромашка", "7707083893")]


def test_an_xlsx_with_typed_cells_a_title_above_the_header_and_lost_leading_zeros() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Выгрузка клиентов на 01.11.2026"])
    sheet.append([])
    sheet.append(["Название компании", "ИНН", "Ответственный", "ФИО", "Тел.", "Дата рождения", "Телефон 2"])
    sheet.append(["Альфа", 7707083893, "@anna", "Анна", 79123456789, datetime(1985, 3, 8), "x"])
    sheet.append(["Башкирская", 274062111, None, None, None, None, None])  # 0274062111 without its zero
    sheet.append(["Омега", 7707083893.0, None, "Олег", None, "1990-05-01 00:00:00", None])
    buffer = io.BytesIO()
    book.save(buffer)
    read_sheet = read(buffer.getvalue(), "Клиенты.XLSX")
    assert read_sheet.kind == "xlsx" and read_sheet.ignored == ["Телефон 2"] and read_sheet.refused == []
    a, b, c = read_sheet.rows
    assert (a.number, a.inn, a.manager, a.phone, a.birthday) == (4, "7707083893", "@anna", "+79123456789", date(1985, 3, 8))
    assert b.inn == "0274062111" and c.inn == "7707083893"
    assert (c.person, c.birthday) == ("Олег", date(1990, 5, 1))


@pytest.mark.parametrize(("data", "name", "code"), [
    (b"%PDF-1.4", "scan.pdf", "type"),
    (b"\xd0\xcf\x11\xe0" + bytes(100), "old.xls", "xls"),
    (b"PK\x03\x04garbage", "base.xlsx", "corrupt"),
    (b"not a zip at all", "base.xlsx", "corrupt"),
    ("ИНН;Город\n7707083893;Москва\n".encode("cp1251"), "base.csv", "no_name"),
    ("Клиент;Город\n;\n".encode(), "base.csv", "empty"),
    (b"Name\x00,x\n", "base.csv", "corrupt"),
])
def test_whole_files_refused(data: bytes, name: str, code: str) -> None:
    with pytest.raises(FileRefused) as refused:
        read(data, name)
    assert refused.value.code == code


def test_too_many_rows_and_too_many_bytes(monkeypatch) -> None:
    monkeypatch.setattr(sheets, "MAX_ROWS", 3)
    with pytest.raises(FileRefused, match="too_many"):
        read(("Клиент\n" + "А\n" * 4).encode())
    assert len(read(("Клиент\n" + "А\n" * 3).encode()).rows) == 3
    with pytest.raises(FileRefused, match="size"):
        read(b"x" * (sheets.MAX_BYTES + 1))


def test_managers_are_found_by_name_in_any_form_and_never_guessed() -> None:
    managers = Managers([Person(1, "Иван Иванов", "vanya"), Person(2, "Анна Смирнова"), Person(3, "Анна Семёнова"),
                         Person(4, "Olga Petrova")])
    assert managers.find("Иванов Иван") == 1
    assert managers.find("Иванов Иван Петрович") == 1
    assert managers.find("Иванов И.П.") == 1
    assert managers.find("@Vanya") == 1
    assert managers.find("смирнова  анна") == 2
    assert managers.find("Семенова Анна") == 3  # ё as е
    assert managers.find("Olga Petrva") == 4  # a typo, one fits
    assert managers.find("Анна") == "who"
    assert managers.find("Смирнова А.") == 2
    assert managers.find("С. Анна") == "ambiguous"
    assert managers.find("Пётр Петров") == "who"


def _sheet(*rows: sheets.Row) -> sheets.Sheet:
    return sheets.Sheet("csv", {"name": "Name", "manager": "Manager"}, [], list(rows), [], len(rows))


def test_the_plan_matches_by_inn_then_by_name_and_says_what_changes() -> None:
    row = lambda n, name, **kw: sheets.Row(n, name, sheets.match_key(name), **kw)  # noqa: E731
    existing = [ClientRow(10, "Ромашка", "7707083893", None, "Тула", None, "старое"),
                ClientRow(11, "Вектор", None, None, None, None, None),
                ClientRow(12, "Альфа", "500100732259", None, None, None, None)]
    persons = [PersonRow(100, 11, "Олег", None, None, None, None)]
    sheet = _sheet(
        row(2, "ООО Другое имя", inn="7707083893", city="Москва", notes="новое"),  # by INN: city replaced, note added
        row(3, "ромашка", inn="7707083893"),  # nothing new: a duplicate
        row(4, "Вектор", person="Олег", phone="+79123456789"),  # by name: the person's phone filled
        row(5, "Альфа", inn="7702070139", manager="Анна"),  # the same name, another INN: another company
        row(6, "Новая", manager="Анна", person="Ира"),
        row(7, "новая", person="Лена"),  # adds a person to the client of row 6
        row(8, "Новая", person="Ира"),  # adds nothing
        row(9, "Чужая", manager="Кто-то"),
        row(10, "Без менеджера"),
    )
    plan = sheets.plan(sheet, existing, persons, Managers([Person(1, "Анна")]))
    assert [(t.row, t.name, t.owner_id, t.values.get("inn")) for t in plan.create] == [
        (5, "Альфа", 1, "7702070139"), (6, "Новая", 1, None)]
    assert [p.name for p in plan.create[1].new_persons] == ["Ира", "Лена"]
    updates = {t.id: t for t in plan.update}
    assert updates[10].changed == {"city": "Москва", "notes": "старое\nновое"}
    assert updates[11].changed == {} and updates[11].fills == {100: {"phone": "+79123456789"}}
    assert (plan.updated, plan.skipped, plan.merged, plan.people) == (2, 2, 1, 2)
    assert plan.refused == [Refusal(9, "who", "Кто-то"), Refusal(10, "no_manager", "")]
    chosen = sheets.plan(sheet, existing, persons, Managers([]), chosen=7)
    assert {t.owner_id for t in chosen.create} == {7} and len(chosen.create) == 4 and chosen.refused == []


def test_recent_sheets_keep_the_newest_few_for_a_while() -> None:
    now = [0.0]
    recent = sheets.RecentSheets(size=2, ttl=60, clock=lambda: now[0])
    a, b, c = (sheets.Sheet("csv", {}, []) for _ in range(3))
    recent.put(("a",), a)
    recent.put(("b",), b)
    recent.put(("c",), c)
    assert recent.get(("a",)) is None and recent.get(("b",)) is b and recent.get(("c",)) is c
    now[0] = 61
    assert recent.get(("c",)) is None


def test_the_preview_escapes_what_the_file_says_and_sends_a_long_refusal_list_as_a_sheet() -> None:
    from aiogram.utils.i18n import I18n

    from bot.i18n import compile_catalogs
    from handlers.base_import import LISTED, preview_blocks, refused_sheet

    refused = [Refusal(n, "who", f"<b>Boss {n}</b> & co") for n in range(2, 202)]
    sheet = sheets.Sheet("csv", {"name": "<i>Имя</i>", "manager": "Менеджер"}, ["</a>"], [], refused, 200)
    plan = sheets.plan(sheet, [], [], Managers([]))
    i18n = I18n(path=compile_catalogs(), default_locale="en", domain="messages")
    with i18n.context(), i18n.use_locale("en"):
        blocks = preview_blocks("<script>.csv", sheet, plan, None, "en")
        book = openpyxl.load_workbook(io.BytesIO(refused_sheet(plan.refused)), read_only=True)
    head = blocks[0]
    assert "«&lt;script&gt;.csv»" in head and "&lt;i&gt;Имя&lt;/i&gt; → name" in head and "Not imported: &lt;/a&gt;" in head
    assert "Refused rows: 200" in head and "There is nothing to import from this file." in head
    rows = [b for b in blocks if b.startswith("Row ")]
    assert len(rows) == LISTED and rows[0] == "Row 2: nobody with access is called «&lt;b&gt;Boss 2&lt;/b&gt; &amp; co»."
    assert blocks[-1] == "…and 50 more: all refused rows are in the sheet below."
    listed = list(book.worksheets[0].iter_rows(values_only=True))
    assert len(listed) == 201 and listed[-1] == (201, "nobody with access is called «<b>Boss 201</b> & co»")


def test_a_row_is_refused_with_every_problem_it_has_in_one_line() -> None:
    from aiogram.utils.i18n import I18n

    from bot.i18n import compile_catalogs
    from handlers.base_import import preview_blocks, refused_sheet

    text = "\r\n".join([
        HEADER,
        "Вектор;123;;;;Иванов;;12345;x@;31.02.1990;",  # four bad cells
        f";7707083893;;{'М' * 101};;;;;;01.01.1990;",  # no name, a city too long, a birthday but nobody's
        "Гамма;;;;;;;;гамма@;;",  # one problem: one, as before
    ]).encode("cp1251")
    sheet = read(text)
    assert sheet.rows == [] and sheet.refused == [
        Refusal(2, "inn", "123", (("phone", "12345"), ("email", "x@"), ("birthday", "31.02.1990"))),
        Refusal(3, "long", "Город", (("no_name", ""), ("lonely_birthday", "01.01.1990"))),
        Refusal(4, "email", "гамма@"),
    ]
    plan = sheets.plan(sheet, [], [], Managers([]))
    i18n = I18n(path=compile_catalogs(), default_locale="ru", domain="messages")
    with i18n.context(), i18n.use_locale("ru"):
        blocks = preview_blocks("база.csv", sheet, plan, None, "ru")
        book = openpyxl.load_workbook(io.BytesIO(refused_sheet(plan.refused)), read_only=True)
    assert "🚫 Строк с ошибками: 3 (" in blocks[0]  # rows, not problems
    rows = blocks[blocks.index("") + 1:]
    assert len(rows) == 3  # a line (a block: where long previews split) per row, not per problem
    assert rows[0] == ("Строка 2: «123» — это не ИНН (нужно 10 или 12 цифр, и контрольные цифры должны сходиться); "
                       "«12345» — это не номер телефона; «x@» — это не адрес почты; "
                       "«31.02.1990» — это не дата рождения (25.12.1980, 25.12 или 1980-12-25).")
    assert rows[1] == ("Строка 3: слишком длинное значение в столбце «Город»; нет названия клиента; "
                       "дата рождения есть, а контактного лица нет.")
    listed = list(book.worksheets[0].iter_rows(values_only=True))
    assert [r[0] for r in listed[1:]] == [2, 3, 4] and listed[1][1].count("; ") == 3
