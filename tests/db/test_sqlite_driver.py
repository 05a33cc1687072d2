"""The SQLite driver that runs each statement in one trip to aiosqlite's thread behaves as a DBAPI must,
and gives way to SQLAlchemy's stock adapter when the internals it leans on are not what it expects."""

from __future__ import annotations

import logging

import aiosqlite
import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select, text, update
from sqlalchemy.connectors.asyncio import AsyncAdapt_dbapi_cursor
from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_connection, AsyncAdapt_aiosqlite_dbapi
from sqlalchemy.exc import IntegrityError
from sqlalchemy.util.concurrency import await_

from db import sqlite_driver
from db.engine import create_engine, create_sessionmaker
from db.models import FsmRecord, ProcessedUpdate, Team
from db.repositories import SystemRepository
from db.repositories.fsm import FsmRepository


@pytest.fixture
async def sqlite_engine(sqlite_template, tmp_path):
    url = sqlite_template.copy_to(tmp_path / "driver.db")
    engine = create_engine(url)
    yield engine
    await engine.dispose()


@pytest.fixture
def trips(monkeypatch) -> list[str]:
    """Every call into aiosqlite's worker thread, by the function it ran there."""
    seen: list[str] = []
    original = aiosqlite.Connection._execute

    async def counting(self, fn, *args, **kwargs):
        seen.append(getattr(fn, "__name__", repr(fn)))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counting)
    return seen


async def test_a_statement_is_one_trip_to_the_thread(sqlite_engine, trips) -> None:
    async with create_sessionmaker(sqlite_engine)() as session:
        await session.execute(text("SELECT 1"))  # the connection's first use: pool set-up may add trips
        trips.clear()
        assert await SystemRepository(session).claim_update(7) is True
        assert await SystemRepository(session).claim_update(7) is False
        rows = (await session.execute(select(ProcessedUpdate.update_id))).all()
        assert trips == ["_run", "_run", "_run"]
        assert [r[0] for r in rows] == [7]


async def test_rows_rowcount_and_returning(sqlite_engine) -> None:
    async with create_sessionmaker(sqlite_engine)() as session:
        ids = (await session.execute(
            insert(Team).returning(Team.id, Team.name), [{"name": "North"}, {"name": "South"}, {"name": "East"}]
        )).all()
        assert sorted(name for _id, name in ids) == ["East", "North", "South"]
        changed = await session.execute(update(Team).where(Team.name != "East").values(name=Team.name + "!"))
        assert changed.rowcount == 2
        names = (await session.scalars(select(Team.name).order_by(Team.name))).all()
        assert names == ["East", "North!", "South!"]
        await session.rollback()
        assert (await session.scalars(select(Team.name))).all() == []  # rolled back: nothing written


async def test_fetch_in_parts(sqlite_engine) -> None:
    async with create_sessionmaker(sqlite_engine)() as session:
        await session.execute(insert(Team), [{"name": f"T{n:02d}"} for n in range(25)])
        result = await session.execute(select(Team.name).order_by(Team.name))
        assert [r[0] for r in result.fetchmany(10)] == [f"T{n:02d}" for n in range(10)]
        assert result.fetchone()[0] == "T10"
        assert [r[0] for r in result.fetchall()] == [f"T{n:02d}" for n in range(11, 25)]


async def test_errors_surface_as_sqlalchemy_errors_and_nothing_stays(sqlite_engine) -> None:
    maker = create_sessionmaker(sqlite_engine)
    async with maker() as session:
        await FsmRepository(session).save("k", "S:one", {"a": 1})
        await session.execute(insert(Team), [{"name": "Same"}])
        with pytest.raises(IntegrityError):
            await session.execute(insert(Team), [{"name": "Same"}])
        await session.rollback()
    async with maker() as session:
        assert await FsmRepository(session).load("k") == (None, {})
        assert (await session.scalars(select(Team))).all() == []
        await FsmRepository(session).save("k", "S:two", {"b": [1, 2]})
        await session.commit()
    async with maker() as session:
        assert await FsmRepository(session).load("k") == ("S:two", {"b": [1, 2]})
        assert await session.scalar(select(FsmRecord.state)) == "S:two"


# --- the check: fast driver when the internals are as expected, stock adapter with one warning when not


@pytest.fixture
def unchecked(monkeypatch) -> None:
    """As if this process had made no engine yet; the real verdict is put back afterwards."""
    monkeypatch.setattr(sqlite_driver, "_verdict", sqlite_driver._UNCHECKED)


@pytest.fixture
def newer_sqlalchemy(monkeypatch) -> None:
    """SQLAlchemy as a later release might be: executemany no longer goes through `_executemany_async`.

    The stock adapter keeps working; OneTripCursor's override would never be called, and executemany
    would reach for the driver cursor it never opened."""

    def executemany(self, operation, seq_of_parameters):
        async def run():
            async with self._adapt_connection._execute_mutex:
                return await self._cursor.executemany(operation, seq_of_parameters)

        try:
            return await_(run())
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    monkeypatch.setattr(AsyncAdapt_dbapi_cursor, "executemany", executemany)
    monkeypatch.delattr(AsyncAdapt_dbapi_cursor, "_executemany_async")


def driver_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == sqlite_driver.__name__ and r.levelno >= logging.WARNING]


async def driver_connection(engine):
    async with engine.connect() as conn:
        return (await conn.get_raw_connection()).dbapi_connection


async def round_trip(engine) -> list[tuple[int, str]]:
    """Create a table, insert one row and several, read them back: all through an AsyncSession."""
    notes = Table("notes", MetaData(), Column("id", Integer, primary_key=True), Column("body", String))
    async with create_sessionmaker(engine)() as session:
        await session.run_sync(lambda s: notes.create(s.connection()))
        await session.execute(insert(notes).values(body="one"))
        await session.execute(insert(notes), [{"body": "two"}, {"body": "three"}])  # executemany
        await session.commit()
    async with create_sessionmaker(engine)() as session:
        return [tuple(r) for r in await session.execute(select(notes.c.id, notes.c.body).order_by(notes.c.id))]


async def test_the_installed_internals_get_the_fast_driver(unchecked, tmp_path, caplog) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'fast.db'}")
    try:
        assert type(engine.dialect.dbapi) is sqlite_driver.OneTripDbapi
        assert type(await driver_connection(engine)) is sqlite_driver.OneTripConnection
        assert await round_trip(engine) == [(1, "one"), (2, "two"), (3, "three")]
    finally:
        await engine.dispose()
    assert driver_warnings(caplog) == []


async def test_changed_internals_fall_back_to_the_stock_adapter_with_one_warning(
    unchecked, newer_sqlalchemy, tmp_path, caplog
) -> None:
    first = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'first.db'}")
    try:
        assert type(first.dialect.dbapi) is AsyncAdapt_aiosqlite_dbapi
        assert type(await driver_connection(first)) is AsyncAdapt_aiosqlite_connection
        assert await round_trip(first) == [(1, "one"), (2, "two"), (3, "three")]
    finally:
        await first.dispose()
    [warning] = driver_warnings(caplog)
    assert "_executemany_async is missing" in warning
    assert "stock aiosqlite adapter" in warning

    second = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'second.db'}")
    try:
        assert type(second.dialect.dbapi) is AsyncAdapt_aiosqlite_dbapi
        assert await round_trip(second) == [(1, "one"), (2, "two"), (3, "three")]
    finally:
        await second.dispose()
    assert len(driver_warnings(caplog)) == 1  # once per process, not per engine


async def test_the_probe_catches_what_the_shape_check_misses(unchecked, newer_sqlalchemy, monkeypatch, caplog) -> None:
    monkeypatch.setattr(sqlite_driver, "_shape_problems", lambda: [])
    assert sqlite_driver.dbapi() is None
    [warning] = driver_warnings(caplog)
    assert "a probe statement failed" in warning
    assert sqlite_driver.dbapi() is None
    assert len(driver_warnings(caplog)) == 1


async def test_a_connection_that_cannot_be_wrapped_stays_stock(unchecked, monkeypatch, tmp_path, caplog) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'late.db'}")  # checked and fast
    assert type(engine.dialect.dbapi) is sqlite_driver.OneTripDbapi

    def changed(self, dbapi, connection):
        raise AttributeError("_execute_mutex")

    monkeypatch.setattr(sqlite_driver.OneTripConnection, "__init__", changed)
    try:
        assert type(await driver_connection(engine)) is AsyncAdapt_aiosqlite_connection
        async with engine.connect() as conn:
            assert await conn.scalar(select(func.sqlite_version())) == aiosqlite.sqlite_version
    finally:
        await engine.dispose()
    [warning] = driver_warnings(caplog)
    assert "wrapping a new connection failed" in warning
    assert sqlite_driver.dbapi() is None  # later engines start stock
