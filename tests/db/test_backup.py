"""Backups taken while the bot writes restore to a whole, consistent database: on SQLite by
VACUUM INTO and `python -m bot restore`, on PostgreSQL by pg_dump and pg_restore (as the README
says); a damaged file, a running bot or a missing confirmation leave the database alone."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import uuid
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.maintenance import back_up
from bot.settings import Settings
from db import backup
from db.base import utcnow
from db.engine import create_engine, create_sessionmaker
from db.models import AuditEntry, Client, Role
from db.repositories import ClientRepository, UserRepository
from db.repositories.audit import AuditRepository
from tests.conftest import TOKEN
from tests.databases import _admin, pg_url
from tests.e2e.harness import eventually

BEFORE = 20  # commits before the backup starts; the writer goes on during it and after


async def _write(url: str, stop: asyncio.Event, written: list[int]) -> None:
    """What the bot does, as fast as it can: a client and its audit entry per transaction."""
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    try:
        async with sessions() as session:
            user = await UserRepository(session).create(tg_id=7, full_name="Writer", role=Role.ADMIN, username=None,
                                                        timezone="UTC", language="en", team_id=None)
            await session.commit()
        while not stop.is_set():
            async with sessions() as session:
                client = await ClientRepository(session, user).create(f"Клиент {len(written)}")
                await AuditRepository(session, user).record("card", {"client": client.id})
                await session.commit()
            written.append(client.id)
            await asyncio.sleep(0)
    finally:
        await engine.dispose()


async def _consistent(url: str) -> int:
    """Every client has its audit entry and every entry its client: whole transactions only."""
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            clients = set(await session.scalars(select(Client.id)))
            entries = [e.what["client"] for e in await session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
            assert sorted(entries) == sorted(clients)
            verdict = await AuditRepository(session).verify()
            assert verdict.ok and verdict.count == len(entries)
            return len(clients)
    finally:
        await engine.dispose()


async def _while_written(url: str, take) -> tuple[object, int]:
    stop, written = asyncio.Event(), []
    writer = asyncio.create_task(_write(url, stop, written))
    try:
        await eventually(lambda: len(written) >= BEFORE or writer.done(), "the writer's first commits")
        taken = await take()
        during = len(written)
        await eventually(lambda: len(written) > during or writer.done(), "a commit after the backup")
    finally:
        stop.set()
        await writer
    return taken, len(written)


async def test_a_backup_taken_while_written_restores_whole(backend, db_url, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the checkout
    if backend == "sqlite":
        database = backup.sqlite_path(db_url)
        made, total = await _while_written(
            db_url, lambda: asyncio.to_thread(backup.make, database, tmp_path / "backups", utcnow()))
        assert backup.NAME.match(made.path.name) and made.path.parent == tmp_path / "backups"
        assert [p.name for p in (tmp_path / "backups").iterdir()] == [made.path.name]  # no partial file left
        assert await asyncio.to_thread(main, ["restore", str(made.path), "--yes", "--database-url", db_url]) == 0
        [aside] = tmp_path.glob("ladon.db.before-restore-*")
        assert await _consistent(f"sqlite+aiosqlite:///{aside}") == total  # what it replaced, kept whole
        restored = await _consistent(db_url)
    else:
        if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
            pytest.skip("pg_dump/pg_restore are not installed")
        libpq = db_url.replace("+asyncpg", "")
        dump = tmp_path / "ladon.dump"

        async def pg_dump():
            process = await asyncio.create_subprocess_exec("pg_dump", "-Fc", "-f", str(dump), "-d", libpq)
            assert await process.wait() == 0

        _, total = await _while_written(db_url, pg_dump)
        name = f"ladon_restore_{uuid.uuid4().hex[:8]}"
        await _admin(f'CREATE DATABASE "{name}"')
        try:
            process = await asyncio.create_subprocess_exec(
                "pg_restore", "--no-owner", "--exit-on-error", "-d", pg_url(name).replace("+asyncpg", ""), str(dump))
            assert await process.wait() == 0  # foreign keys are created after the data: a broken one fails here
            restored = await _consistent(pg_url(name))
        finally:
            await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    assert BEFORE <= restored < total  # taken while written: what committed by then, and nothing torn


def test_restore_checks_first_and_asks(sqlite_template, tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    url = sqlite_template.copy_to(tmp_path / "live.db")
    live = tmp_path / "live.db"
    good = backup.make(live, tmp_path / "b", datetime(2026, 11, 27, 2, 30, tzinfo=timezone.utc)).path
    assert good.name == "ladon-20261127T023000Z.db"
    before = live.read_bytes()

    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    not_ladon = tmp_path / "other.db"
    sqlite3.connect(not_ladon).execute("CREATE TABLE t (x)").connection.close()
    for bad, why in ((damaged, "damaged"), (not_ladon, "not a Ladon database"), (tmp_path / "none.db", "no such file")):
        assert main(["restore", str(bad), "--yes", "--database-url", url]) == 1
        assert why in capsys.readouterr().err
    assert main(["restore", str(good), "--database-url", url]) == 1  # no tty, no --yes
    assert "add --yes" in capsys.readouterr().err
    with backup.running(url):  # as the bot holds it
        assert main(["restore", str(good), "--yes", "--database-url", url]) == 1
        assert "the bot is running" in capsys.readouterr().err
    assert live.read_bytes() == before and not list(tmp_path.glob("live.db.before-restore-*"))


def test_retention_keeps_the_newest_of_each_recent_day_and_week() -> None:
    def at(day: int, hour: int = 2) -> datetime:
        return datetime(2026, 11, day, hour, 30, tzinfo=timezone.utc)

    moments = [at(day) for day in range(1, 28)] + [at(27, 14)]  # 1 Nov is a Sunday; two on the 27th
    kept = backup.to_keep(moments, daily=3, weekly=3)
    # days: the 27th's later one, the 26th, the 25th; weeks: that Friday's, Sunday 22nd, Sunday 15th
    assert sorted(kept) == [at(15), at(22), at(25), at(26), at(27, 14)]
    assert backup.to_keep(moments, daily=1, weekly=0) == {at(27, 14)}


def test_the_nightly_job_keeps_good_backups_and_reports_a_failed_one(sqlite_template, tmp_path, caplog) -> None:
    nightly = Settings(_env_file=None, bot_token=TOKEN, database_url=sqlite_template.copy_to(tmp_path / "live.db"),
                       backup_dir=tmp_path / "b", backup_keep_daily=2, backup_keep_weekly=0)
    for day in (24, 25, 26):
        assert back_up(nightly, datetime(2026, 11, day, 23, 30, tzinfo=timezone.utc))
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["ladon-20261125T233000Z.db",
                                                                  "ladon-20261126T233000Z.db"]
    (tmp_path / "live.db").unlink()
    assert not back_up(nightly, datetime(2026, 11, 27, 23, 30, tzinfo=timezone.utc))
    assert "BACKUP FAILED" in caplog.text and len(list((tmp_path / "b").iterdir())) == 2
