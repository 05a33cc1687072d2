"""INSERT ... ON CONFLICT for the backend at hand (both dialects spell it the same way)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")


def dialect_of(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def insert_on(dialect: str, table: Any):
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def insert_for(session: AsyncSession, table: Any):
    return insert_on(dialect_of(session), table)


def per_dialect(build: Callable[[str], T]) -> Callable[[AsyncSession], T]:
    """A statement built once per dialect, for the paths every update takes.

    Building a statement and computing its cache key costs more than SQLite running it; a
    statement kept with bind parameters pays that once (SQLAlchemy memoizes its cache key).
    """
    built = cache(build)
    return lambda session: built(dialect_of(session))
