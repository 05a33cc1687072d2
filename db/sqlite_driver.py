"""aiosqlite with one thread round trip per statement.

SQLAlchemy's aiosqlite adapter awaits the driver four times per statement (open a cursor, execute,
fetch, close); each await is a trip to aiosqlite's worker thread and back through the event loop,
and together they cost several times the statement itself. This cursor does all four in one call
on that same thread: same connection, same locking and transactions, fewer trips.

It leans on SQLAlchemy's adapter classes and on aiosqlite's `_execute`; both are pinned in
requirements.lock, and tests/db/test_sqlite_driver.py checks the behaviour we rely on.
"""

from __future__ import annotations

import collections
import sqlite3
from typing import Any

from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT


def _run(conn: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> tuple:
    """On the worker thread: the whole statement, returning what the cursor would have held."""
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        rows = cursor.fetchall() if cursor.description else ()
        return cursor.description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ("_description", "_rowcount", "_lastrowid")

    _awaitable_cursor_close = False  # there is no driver cursor left open to close

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection):
        # deliberately not calling super(): it would open a driver cursor, one more trip
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description = None
        self._rowcount = -1
        self._lastrowid = None

    @property
    def description(self):
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self):
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        return 1

    async def _run(self, operation: Any, parameters: Any, many: bool) -> None:
        async with self._adapt_connection._execute_mutex:
            conn = self._connection._conn
            self._description, self._rowcount, self._lastrowid, rows = await self._connection._execute(
                _run, conn, operation, parameters, many
            )
            self._rows = collections.deque(rows)

    async def _execute_async(self, operation: Any, parameters: Any) -> None:
        await self._run(operation, parameters, many=False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> None:
        await self._run(operation, seq_of_parameters, many=True)


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneTripCursor


class OneTripDbapi(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        adapted = super().connect(*arg, **kw)
        return OneTripConnection(self, adapted._connection)


def dbapi() -> OneTripDbapi:
    """Pass as `module=` to create_async_engine for a sqlite+aiosqlite URL."""
    import aiosqlite

    return OneTripDbapi(aiosqlite, sqlite3)
