"""Shared fixtures: every database test runs once on SQLite and once on PostgreSQL."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

import pytest

from bot.settings import Settings
from db.engine import create_engine, create_sessionmaker
from reports import drawing
from tests.databases import PostgresTemplates, SqliteTemplate, pg_url, postgres_available

TOKEN = "123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz"
ADMIN_TG = 1000


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--db", default="sqlite,postgresql", help="comma-separated backends to run against")


def pytest_configure(config: pytest.Config) -> None:
    wanted = [b.strip() for b in config.getoption("--db").split(",") if b.strip()]
    if "postgresql" in wanted and not postgres_available():
        if os.environ.get("CI"):
            raise pytest.UsageError("PostgreSQL is not reachable at 127.0.0.1:5432, and CI must test it")
        print("\nPostgreSQL is not reachable: running the suite on SQLite only.")
        wanted.remove("postgresql")
    config.ladon_backends = wanted  # type: ignore[attr-defined]
    config.ladon_pg = PostgresTemplates()  # type: ignore[attr-defined]


def pytest_unconfigure(config: pytest.Config) -> None:
    pg = getattr(config, "ladon_pg", None)
    if pg is not None:
        pg.cleanup()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", metafunc.config.ladon_backends)  # type: ignore[attr-defined]


@pytest.fixture(scope="session", autouse=True)
def chart_worker():
    """The chart workers for the whole session (started by the first chart), stopped at its end."""
    yield
    drawing.shutdown()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> SqliteTemplate:
    template = SqliteTemplate(tmp_path_factory.mktemp("tpl"))
    template.prepare()
    return template


@pytest.fixture
def template(backend: str, request: pytest.FixtureRequest):
    """Synchronous on purpose: migrating runs its own event loop."""
    if backend == "sqlite":
        return request.getfixturevalue("sqlite_template")
    pg: PostgresTemplates = request.config.ladon_pg  # type: ignore[attr-defined]
    pg.prepare()
    return pg


@pytest.fixture
async def db_url(template, tmp_path):
    if isinstance(template, SqliteTemplate):
        yield template.copy_to(tmp_path / "ladon.db")
        return
    name = await template.create()
    try:
        yield pg_url(name)
    finally:
        await template.drop(name)


@pytest.fixture
async def engine(db_url: str):
    engine = create_engine(db_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessionmaker(engine):
    return create_sessionmaker(engine)


class FakeClock:
    """The bot's clock in tests: moves only when told to."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> FakeClock:
    # a Friday, 11:00 in Moscow
    return FakeClock(datetime(2026, 11, 27, 8, 0, tzinfo=timezone.utc))


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(
        _env_file=None,
        bot_token=TOKEN,
        database_url=db_url,
        admin_ids=str(ADMIN_TG),
        default_timezone="Europe/Moscow",
        default_language="ru",
        # real pacing is tested on the notifier itself; here it would only slow the suite down
        notify_per_second=1000,
        notify_per_chat_per_second=1000,
    )
