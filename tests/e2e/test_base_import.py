"""Importing the client base end to end: an admin sends a real-looking XLSX and a Windows-1251 CSV
with bad rows, sees a preview, imports in one tap; nothing is half-applied, every import is in the
audit trail, and nobody but an admin imports."""

from __future__ import annotations

import io
import time
from datetime import date, datetime

import openpyxl
from sqlalchemy import select

from db.models import AuditEntry, AuditKind, Client, ContactPerson, Role, User
from db.repositories import ClientRepository
from db.repositories.audit import AuditRepository
from handlers import base_import, import_sheet
from handlers.callbacks import ImportCb
from tests.conftest import ADMIN_TG
from tests.e2e.harness import Person, eventually, seed_user

ANNA, BORIS, HELEN = 2001, 2002, 4000


def _xlsx() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Клиенты"
    sheet.append(["Выгрузка из 1С от 01.11.2026"])
    sheet.append(["Наименование", "ИНН", "Отрасль", "Город", "Адрес", "Ответственный", "Контактное лицо",
                  "Должность", "Телефон", "E-mail", "Дата рождения", "Примечание"])
    sheet.append(['ООО "Ромашка"', 7707083893, "Розница", "Москва", "ул. Ленина, 1", "Anna Ivanova", "Пётр Сидоров",
                  "Директор", 89123456789, "p@romashka.ru", datetime(1980, 12, 25), "VIP"])
    sheet.append(["<b>Вектор</b> & Co", None, "Логистика", "Тверь", None, "Boris", None, None, "+7 495 123-45-67",
                  None, None, None])
    sheet.append(["Альфа", "1234567890", None, None, None, "Anna Ivanova", None, None, None, None, None, None])
    sheet.append(["Бета", None, None, None, None, "Кто-то <Неизвестный> & Co", None, None, None, None, None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def _clients(sessionmaker) -> dict[str, tuple]:
    async with sessionmaker() as session:
        owners = {u.id: u.tg_id for u in await session.scalars(select(User))}
        return {c.name: (c.inn, c.city, owners[c.owner_id]) for c in await session.scalars(select(Client))}


async def _imports(sessionmaker) -> list[dict]:
    async with sessionmaker() as session:
        return [e.what for e in await session.scalars(
            select(AuditEntry).where(AuditEntry.kind == AuditKind.IMPORT).order_by(AuditEntry.id))]


async def test_an_admin_imports_an_xlsx_and_a_cp1251_csv(ladon, sessionmaker) -> None:
    anna_user = await seed_user(sessionmaker, ANNA, "Anna Ivanova")
    await seed_user(sessionmaker, BORIS, "Boris")
    async with sessionmaker() as session:  # the company has Vector already, without an INN
        await ClientRepository(session, anna_user).create("Вектор")
        await session.commit()
    admin = Person(ladon, ADMIN_TG, "Admin", language="ru")
    await admin.say("/start")
    [ask] = await admin.say("/import")
    assert "Импорт клиентов" in ask.text and "✖ Отмена" in ask.buttons()
    messages = await admin.send("document", file_name="Клиенты 1С.xlsx", data=_xlsx())
    preview = messages[-1]
    text = "\n".join(m.text for m in messages)
    assert "Импорт «Клиенты 1С.xlsx»" in text and "строк с данными: 4" in text
    assert "➕ Новых клиентов: 2" in text and "Ответственный → менеджер" in text
    assert "Строка 5: «1234567890» — это не ИНН" in text and "Строка 6: среди сотрудников с доступом нет «Кто-то <Неизвестный> & Co»" in text  # escaped, shown as typed
    assert await _clients(sessionmaker) == {"Вектор": (None, None, ANNA)}  # a preview changes nothing

    ladon.dp["recent_sheets"]._kept.clear()  # as after a restart: the import downloads the file again
    [done] = await admin.tap("✅ Импортировать", preview)
    assert "Клиентов создано: 2" in done.text and "Строк не загружено: 2" in done.text
    assert await _clients(sessionmaker) == {
        "Вектор": (None, None, ANNA), 'ООО "Ромашка"': ("7707083893", "Москва", ANNA),
        "<b>Вектор</b> & Co": (None, "Тверь", BORIS),
    }
    async with sessionmaker() as session:
        persons = {(p.name, p.position, p.phone, p.email, p.birthday) for p in await session.scalars(select(ContactPerson))}
    assert ("Пётр Сидоров", "Директор", "+79123456789", "p@romashka.ru", date(1980, 12, 25)) in persons
    [entry] = await _imports(sessionmaker)
    assert entry["file"] == "Клиенты 1С.xlsx" and (entry["rows"], entry["created"], entry["refused"]) == (4, 2, 2)
    assert entry["bytes"] > 0

    # a Windows-1251 CSV, as Russian Excel saves it; the file names no managers, so the admin picks one
    csv_text = "\r\n".join([
        "Клиент;ИНН;Город;Телефон;Комментарий",
        "Ромашка ООО;7707083893;Санкт-Петербург;;переехали",  # by INN: updates
        "Вектор;;Тула;;",  # by name: updates the card that was there
        "Гамма;7702070139;Казань;8 (843) 200-00-00;",
        "Дельта;;;не помню;",
        "ГАММА;;;;",  # the same as row 4: skipped
    ]).encode("cp1251")
    messages = await admin.send("document", file_name="base.csv", data=csv_text)
    preview = messages[-1]
    assert "В файле не указаны менеджеры" in preview.text and "✅ Импортировать" not in preview.buttons()
    [people] = await admin.tap("👤 Один менеджер для всех новых клиентов", preview)
    messages = await admin.tap("Boris", people)
    text = "\n".join(m.text for m in messages)
    assert "(все — Boris)" in text and "Строка 5: «не помню» — это не номер телефона" in text
    # a forged person and a stale button of the first preview change nothing
    update = await admin.press_raw(messages[-1], ImportCb(a="pick", f="zzzzzz", u=1).pack())
    assert admin.answer_to(update).show_alert
    [done] = await admin.tap("✅ Импортировать", messages[-1])
    assert "Клиентов создано: 1" in done.text and "Клиентов обновлено: 2" in done.text and "Дубликатов пропущено: 1" in done.text
    clients = await _clients(sessionmaker)
    assert clients['ООО "Ромашка"'] == ("7707083893", "Санкт-Петербург", ANNA)  # the manager stays
    assert clients["Вектор"] == (None, "Тула", ANNA) and clients["Гамма"] == ("7702070139", "Казань", BORIS)
    assert "Дельта" not in clients
    entries = await _imports(sessionmaker)
    assert len(entries) == 2 and (entries[1]["created"], entries[1]["updated"], entries[1]["skipped"], entries[1]["refused"]) == (1, 2, 1, 1)
    [log] = await admin.say("/audit")
    assert "клиенты загружены из «base.csv»" in log.text


async def test_bad_files_people_who_are_not_admins_and_a_failure_midway(ladon, sessionmaker, monkeypatch) -> None:
    await seed_user(sessionmaker, ANNA, "Anna")
    await seed_user(sessionmaker, HELEN, "Helen", role=Role.HEAD)
    for tg_id, name in ((ANNA, "Anna"), (HELEN, "Helen")):
        person = Person(ladon, tg_id, name)
        await person.say("/start")
        [refusal] = await person.send("document", file_name="base.xlsx", data=_xlsx())
        assert refusal.text == "Only admins import client bases. Ask an admin to send the file to the bot."
        [refusal] = await person.say("/import")
        assert refusal.text.startswith("Only admins import")
    admin = Person(ladon, ADMIN_TG, "Admin")
    await admin.say("/start")
    [refusal] = await admin.send("document", file_name="old.xls", data=b"\xd0\xcf\x11\xe0" + bytes(64))
    assert "old Excel file (.xls)" in refusal.text
    [refusal] = await admin.send("document", file_name="base.xlsx", data=b"PK\x03\x04 broken")
    assert "cannot be read" in refusal.text
    [refusal] = await admin.send("document", file_name="base.csv", data="ИНН;Город\n7707083893;Тула\n".encode("cp1251"))
    assert "no column of client names" in refusal.text
    [hint] = await admin.send("document", file_name="contract.pdf")  # not a sheet, outside the flow: the usual hint
    assert "To keep a photo with a contact" in hint.text
    assert await _imports(sessionmaker) == []

    # the database fails after the clients are written (at the audit entry): nothing of it stays,
    # and the admin can tap again
    base = "Client;Manager\nAcme;Anna\nBeta;Anna\n".encode()
    read = import_sheet.read

    def slow(*args, progress, **kwargs):  # a large file: reading takes a while and reports its rows
        for rows in (1000, 2000):
            progress(rows)
            time.sleep(0.15)
        return read(*args, progress=progress, **kwargs)

    monkeypatch.setattr(import_sheet, "read", slow)
    monkeypatch.setattr(base_import, "PROGRESS_AFTER", 0.05)
    monkeypatch.setattr(base_import, "PROGRESS_EVERY", 0.1)
    [preview] = await admin.send("document", file_name="base.csv", data=base)  # one message, edited as it went
    assert preview.edited >= 1 and preview.text.startswith("📥 Import of «base.csv»")
    record = AuditRepository.record

    async def failing(self, kind, what, **kwargs):
        if kind == AuditKind.IMPORT:
            raise RuntimeError("the disk is full")
        return await record(self, kind, what, **kwargs)

    monkeypatch.setattr(AuditRepository, "record", failing)
    await admin.tap("✅ Import", preview)
    await eventually(lambda: "Please try again" in admin.last.text and ladon.errors, "the error told")  # after the update
    assert [str(e) for e in ladon.errors] == ["the disk is full"]
    ladon.errors.clear()
    assert await _clients(sessionmaker) == {}
    monkeypatch.setattr(AuditRepository, "record", record)
    await admin.tap("✅ Import", preview)
    assert "Clients created: 2" in admin.last.text and len(await _clients(sessionmaker)) == 2
    assert preview.buttons() == [] and len(await _imports(sessionmaker)) == 1
