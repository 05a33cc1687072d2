"""Every revision upgrades and downgrades cleanly, and the head matches the models."""

from __future__ import annotations

import asyncio

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from db.engine import create_engine
from db.migrate import alembic_config, downgrade, upgrade
from db.models import Base
from tests.databases import PostgresTemplates, pg_url


@pytest.fixture
def empty_url(backend: str, tmp_path, request):
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'stairway.db'}"
        return
    pg = PostgresTemplates()
    name = f"ladon_stair_{pg.run}"
    from tests.databases import _admin

    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield pg_url(name)
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _diff(url: str) -> list:
    async def run():
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(
                    lambda sync: compare_metadata(MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata)
                )
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_stairway_up_and_down_every_revision(empty_url: str) -> None:
    script = ScriptDirectory.from_config(alembic_config(empty_url))
    revisions = list(reversed(list(script.walk_revisions())))
    assert revisions, "no migrations found"
    for revision in revisions:
        upgrade(empty_url, revision.revision)
        downgrade(empty_url, revision.down_revision or "base")
        upgrade(empty_url, revision.revision)
    assert _diff(empty_url) == []
    downgrade(empty_url, "base")
