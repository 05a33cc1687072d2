"""The SQLite driver that runs each statement in one trip to aiosqlite's thread behaves as a DBAPI must."""

from __future__ import annotations

import aiosqlite
import pytest
from sqlalchemy import insert, select, text, update
from sqlalchemy.exc import IntegrityError

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
