"""Throwaway databases for tests: a migrated template per run, a cheap copy per test."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import uuid
from pathlib import Path

import asyncpg

from db.migrate import upgrade

PG_HOST = os.environ.get("LADON_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("LADON_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("LADON_TEST_PG_USER", "postgres")


def postgres_available() -> bool:
    try:
        with socket.create_connection((PG_HOST, PG_PORT), timeout=1):
            return True
    except OSError:
        return False


def pg_url(database: str) -> str:
    return f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{database}"


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database="postgres")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


class PostgresTemplates:
    """One migrated template database per test run; each test gets `CREATE DATABASE ... TEMPLATE`."""

    def __init__(self) -> None:
        self.run = uuid.uuid4().hex[:10]
        self.template = f"ladon_tpl_{self.run}"
        self.ready = False

    def prepare(self) -> None:
        if self.ready:
            return
        asyncio.run(_admin(f'CREATE DATABASE "{self.template}"'))
        upgrade(pg_url(self.template))
        self.ready = True

    async def create(self) -> str:
        name = f"ladon_t_{self.run}_{uuid.uuid4().hex[:8]}"
        await _admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        return name

    async def drop(self, name: str) -> None:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def cleanup(self) -> None:
        if self.ready:
            asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)'))


class SqliteTemplate:
    def __init__(self, directory: Path) -> None:
        self.path = directory / "template.db"
        self.ready = False

    def prepare(self) -> None:
        if not self.ready:
            upgrade(f"sqlite+aiosqlite:///{self.path}")
            self.ready = True

    def copy_to(self, target: Path) -> str:
        shutil.copyfile(self.path, target)
        return f"sqlite+aiosqlite:///{target}"
