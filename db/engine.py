"""Engine and session factory; SQLite gets the pragmas that make it a decent server-side store."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import ORMExecuteState, Session

from db import sqlite_driver


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def create_engine(url: str, **kwargs) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        if parsed.get_driver_name() == "aiosqlite":
            kwargs.setdefault("module", sqlite_driver.dbapi())
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, pool_pre_ping=True, **kwargs)


_WROTE = "wrote"


class TrackedSession(Session):
    """A session that notes whether its current transaction has written anything, so a caller
    can tell a commit that matters from an empty one (see `wrote`)."""


@event.listens_for(TrackedSession, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


@event.listens_for(TrackedSession, "after_flush")
def _on_flush(session: Session, _context) -> None:
    session.info[_WROTE] = True


@event.listens_for(TrackedSession, "after_commit")
@event.listens_for(TrackedSession, "after_rollback")
def _on_end(session: Session) -> None:
    session.info.pop(_WROTE, None)


def wrote(session: AsyncSession) -> bool:
    """Whether the session's transaction holds writes (flushed or executed) not yet committed."""
    return bool(session.info.get(_WROTE) or session.new or session.dirty or session.deleted)


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, sync_session_class=TrackedSession)
