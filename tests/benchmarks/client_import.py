"""Client-base import benchmark: an admin sends a 20,000-row file to the real bot (aiogram's HTTP
session against the Bot API emulator), sees the preview and taps ✅ Import.

    .venv/bin/python -m tests.benchmarks.client_import                  # SQLite in a temp dir
    .venv/bin/python -m tests.benchmarks.client_import --db postgresql  # 127.0.0.1:5432, user postgres (trust)
    .venv/bin/python -m tests.benchmarks.client_import --db both --rows 20000

The company already has 5,000 clients; the file (an XLSX, then a Windows-1251 ";" CSV of the same
rows, each on a database of its own) holds `--rows` rows with every column filled: a tenth of them
are clients the company has (by INN: they update), 1% repeat an earlier row, 0.5% carry a bad INN,
phone or manager. Measured: the preview (file sent -> preview shown: download, reading, matching)
and the import (tap -> result shown: download and read again, match, write everything, commit).
The floors, in the same run: the same new clients and contact persons written with bare Core
executemany in one transaction on an equal database (what any import must at least write), and
the file's cells read with nothing checked (openpyxl read_only / the csv module). The goal: the
import under 60 s on SQLite.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import random
import time
from dataclasses import dataclass
from datetime import date

import openpyxl
from sqlalchemy import insert, select

from bot.demo_data import make_inn
from bot.emulated import BotRunner
from bot.emulator import BotAPIEmulator
from bot.settings import Settings
from db.base import utcnow
from db.engine import create_engine, create_sessionmaker
from db.models import AuditEntry, AuditKind, Client, ClientStatus, ContactPerson, Role, User
from db.repositories.clients import name_key
from tests.benchmarks.fanout import fresh_database

TOKEN = "123456:benchmark"
ADMIN = 1000
MANAGERS = 50
EXISTING = 5_000
HEADER = ["Наименование", "ИНН", "Отрасль", "Город", "Адрес", "Менеджер", "Контактное лицо", "Должность", "Телефон",
          "E-mail", "День рождения", "Примечание"]
INDUSTRIES = ["Розница", "Логистика", "Строительство", "Производство", "IT", "Медицина", "HoReCa"]
CITIES = ["Москва", "Санкт-Петербург", "Казань", "Тула", "Тверь", "Екатеринбург", "Новосибирск"]
FIRST = ["Анна", "Пётр", "Ольга", "Иван", "Мария", "Сергей", "Елена", "Дмитрий"]
LAST = ["Иванов", "Петров", "Сидоров", "Смирнов", "Кузнецов", "Попов", "Соколов", "Лебедев"]


@dataclass
class Data:
    rows: list[list]
    existing: list[tuple[str, str]]  # (name, inn) of the clients the company has
    new_clients: list[dict]  # the floor's rows: what the import creates
    new_persons: list[dict]


def make_data(count: int, seed: int = 1) -> Data:
    rng = random.Random(seed)
    inns: set[str] = set()

    def inn() -> str:
        while True:
            value = make_inn(rng, rng.choice(["77", "78", "50", "16"]) + f"{rng.randrange(100):02d}", False)
            if value not in inns:
                inns.add(value)
                return value

    existing = [(f"Компания {n} «{rng.choice(LAST)}»", inn()) for n in range(EXISTING)]
    rows, new_clients, new_persons = [], [], []
    for n in range(count):
        if n % 10 == 0:
            name, client_inn = existing[n // 10 % EXISTING]
        elif n % 100 == 1 and n > 100:
            name, client_inn = rows[-50][0], rows[-50][1]  # repeats an earlier row
        else:
            name, client_inn = f"ООО «Клиент {n} {rng.choice(LAST)}»", inn()
        phone = f"+7 9{rng.randrange(10, 99)} {rng.randrange(100, 999)}-{rng.randrange(10, 99)}-{rng.randrange(10, 99)}"
        person = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        row = [name, client_inn, rng.choice(INDUSTRIES), rng.choice(CITIES), f"ул. Ленина, {rng.randrange(1, 200)}",
               f"Менеджер {n % MANAGERS}", person, "Директор", phone, f"mail{n}@example.ru",
               date(1960 + rng.randrange(40), rng.randrange(1, 13), rng.randrange(1, 29)), f"Из старой CRM, №{n}"]
        if n % 200 == 7:
            row[(1, 8, 5)[n // 200 % 3]] = ("12345", "не помню", "Уволенный Сотрудник")[n // 200 % 3]
        rows.append(row)
    seen = {c_inn for _, c_inn in existing}
    for row in rows:
        if row[1] in seen or row[1] == "12345" or row[5] == "Уволенный Сотрудник" or row[8] == "не помню":
            continue
        seen.add(row[1])
        new_clients.append({"name": row[0], "name_key": name_key(row[0]), "inn": row[1], "industry": row[2],
                            "city": row[3], "address": row[4], "notes": row[11], "status": ClientStatus.LEAD})
        new_persons.append({"name": row[6], "position": row[7], "phone": "+79000000000", "email": row[9],
                            "birthday": row[10]})
    return Data(rows, existing, new_clients, new_persons)


def xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Клиенты")
    sheet.append(HEADER)
    for row in rows:
        sheet.append([row[0], int(row[1]) if row[1].isdigit() else row[1], *row[2:]])  # INNs typed as numbers
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def cp1251_csv(rows: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow([*row[:10], row[10].strftime("%d.%m.%Y"), row[11]])
    return buffer.getvalue().encode("cp1251")


def read_bare(data: bytes, kind: str) -> int:
    """The floor of reading: every cell, nothing checked."""
    if kind == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        count = sum(1 for _ in book.worksheets[0].iter_rows(values_only=True))
        book.close()
        return count
    return sum(1 for _ in csv.reader(io.StringIO(data.decode("cp1251")), delimiter=";"))


async def seed(url: str, data: Data) -> None:
    engine = create_engine(url)
    now = utcnow()
    users = [dict(id=1, tg_id=ADMIN, full_name="Admin", role=Role.ADMIN, timezone="Europe/Moscow", language="ru",
                  is_active=True, created_at=now)]
    users += [dict(id=n + 2, tg_id=700_000 + n, full_name=f"Менеджер {n}", role=Role.MANAGER, timezone="Europe/Moscow",
                   language="ru", is_active=True, created_at=now) for n in range(MANAGERS)]
    clients = [dict(id=n + 1, name=name, name_key=name_key(name), inn=c_inn, owner_id=2 + n % MANAGERS,
                    status=ClientStatus.LEAD, created_at=now) for n, (name, c_inn) in enumerate(data.existing)]
    async with engine.begin() as conn:
        await conn.execute(insert(User.__table__), users)
        await conn.execute(insert(Client.__table__), clients)
    if url.startswith("postgresql"):
        async with engine.begin() as conn:
            for table in ("users", "clients"):
                await conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
    await engine.dispose()


async def floor_write(url: str, data: Data) -> float:
    """Bare Core executemany of the same new rows, one transaction, ids taken from the database."""
    engine = create_engine(url)
    now = utcnow()
    try:
        start = time.perf_counter()
        async with engine.begin() as conn:
            rows = [{**c, "owner_id": 2, "created_at": now} for c in data.new_clients]
            ids = []
            for at in range(0, len(rows), 2000):
                ids += list(await conn.scalars(insert(Client.__table__).returning(
                    Client.__table__.c.id, sort_by_parameter_order=True), rows[at:at + 2000]))
            persons = [{**p, "client_id": i} for p, i in zip(data.new_persons, ids)]
            for at in range(0, len(persons), 2000):
                await conn.execute(insert(ContactPerson.__table__), persons[at:at + 2000])
        return time.perf_counter() - start
    finally:
        await engine.dispose()


async def through_the_bot(url: str, content: bytes, file_name: str) -> tuple[float, float, str, dict]:
    settings = Settings(_env_file=None, bot_token=TOKEN, database_url=url, admin_ids=str(ADMIN),
                        default_timezone="Europe/Moscow", default_language="ru",
                        notify_per_second=1000, notify_per_chat_per_second=1000)
    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine)
    async with BotAPIEmulator(token=TOKEN) as emu:
        runner = BotRunner(emu, settings, sessionmaker)
        await runner.start()
        try:
            emu.add_user(ADMIN, first_name="Admin", language_code="ru")
            runner.sent(emu.send_text(ADMIN, "/start"))
            await runner.settle()
            start = time.perf_counter()
            runner.sent(emu.send_document(ADMIN, file_name=file_name, data=content))
            await runner.settle(timeout=600)
            preview_s = time.perf_counter() - start
            message = next(m for m in reversed(emu.messages(ADMIN)) if "✅ Импортировать" in m.buttons())
            start = time.perf_counter()
            runner.sent(emu.press_button(ADMIN, "✅ Импортировать", message_id=message.message_id))
            await runner.settle(timeout=600)
            import_s = time.perf_counter() - start
            result = emu.last_message(ADMIN).text
            if runner.errors:
                raise RuntimeError(runner.errors)
        finally:
            await runner.stop()
    async with sessionmaker() as session:
        entry = await session.scalar(select(AuditEntry.what).where(AuditEntry.kind == AuditKind.IMPORT))
    await engine.dispose()
    return preview_s, import_s, result, entry


async def run(backend: str, rows: int) -> list[list[str]]:
    data = make_data(rows)
    table = []
    for kind, content in (("xlsx", xlsx(data.rows)), ("csv", cp1251_csv(data.rows))):
        start = time.perf_counter()
        read_bare(content, kind)
        bare_read = time.perf_counter() - start
        async with fresh_database(backend) as url:
            await seed(url, data)
            floor = await floor_write(url, data)
        async with fresh_database(backend) as url:
            await seed(url, data)
            preview_s, import_s, result, entry = await through_the_bot(url, content, f"base.{kind}")
        if entry is None or entry["created"] != len(data.new_clients):
            raise RuntimeError(f"the import did not create what it should: {entry} vs {len(data.new_clients)}\n{result}")
        table.append([backend, kind, f"{len(content) / 1e6:.1f} MB", f"{preview_s:.1f} s", f"{import_s:.1f} s",
                      f"{bare_read:.1f} s", f"{floor:.1f} s", f"{import_s / floor:.1f}×",
                      f"{(preview_s + import_s) / (bare_read + floor):.1f}×",
                      f"{entry['created']:,} / {entry['updated']:,} / {entry['merged']:,} / {entry['refused']:,}"])
        print(" | ".join(table[-1]), flush=True)
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()
    backends = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    table = []
    for backend in backends:
        table += asyncio.run(run(backend, args.rows))
    print()
    print("| backend | file | size | preview (sent → shown) | import (tap → done) | floor: bare read | floor: bare insert "
          "| import ÷ insert | both ÷ both floors | created / updated / joined / refused |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for row in table:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
