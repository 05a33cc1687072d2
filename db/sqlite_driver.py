"""aiosqlite with one thread round trip per statement.

SQLAlchemy's aiosqlite adapter awaits the driver four times per statement (open a cursor, execute,
fetch, close); each await is a trip to aiosqlite's worker thread and back through the event loop,
and together they cost several times the statement itself. This cursor does all four in one call
on that same thread: same connection, same locking and transactions, fewer trips.

It relies on private internals, pinned in requirements.lock:

- SQLAlchemy: the `AsyncAdapt_aiosqlite_*` adapter classes; the cursor's state being exactly the
  slots `_adapt_connection`, `_connection`, `_cursor`, `_rows`, `_soft_closed_memoized` (its
  `__init__` is skipped); `execute`/`executemany` going through `_execute_async(operation,
  parameters)`/`_executemany_async(...)`; `_awaitable_cursor_close` and `_async_soft_close()`
  leaving a cursor without a driver cursor alone; the connection's `_cursor_cls`, `_connection`
  and `_execute_mutex`.
- aiosqlite: `Connection._execute(fn, *args)` running `fn` on the worker thread, and
  `Connection._conn`, the sqlite3 connection.

The first `dbapi()` call checks that shape, then connects to an in-memory database through this
driver and runs what a session runs. If anything differs (a newer SQLAlchemy or aiosqlite), it logs
one warning naming it and returns None from then on, so engines use SQLAlchemy's stock adapter:
slower, never broken. tests/db/test_sqlite_driver.py checks both paths.
"""

from __future__ import annotations

import asyncio
import collections
import inspect
import logging
import sqlite3
import threading
from typing import Any

log = logging.getLogger(__name__)

try:
    from sqlalchemy.dialects.sqlite.aiosqlite import (
        AsyncAdapt_aiosqlite_connection,
        AsyncAdapt_aiosqlite_cursor,
        AsyncAdapt_aiosqlite_dbapi,
    )
    from sqlalchemy.util import EMPTY_DICT
except ImportError as error:  # moved in a newer SQLAlchemy: dbapi() reports it and returns None
    _import_problem: str | None = f"cannot import the adapter classes ({error})"
    AsyncAdapt_aiosqlite_connection = AsyncAdapt_aiosqlite_cursor = AsyncAdapt_aiosqlite_dbapi = object
    EMPTY_DICT = {}
else:
    _import_problem = None


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
    def connect(self, *arg: Any, **kw: Any) -> AsyncAdapt_aiosqlite_connection:
        adapted = super().connect(*arg, **kw)
        try:
            return OneTripConnection(self, adapted._connection)
        except Exception as error:
            if _verdict is _UNCHECKED:
                raise  # dbapi()'s probe: its failure is the verdict
            # internals changed after the check passed: this connection stays a stock one, so do later engines
            with _verdict_lock:
                _fall_back(f"wrapping a new connection failed: {error!r}")
            return adapted


# The cursor state OneTripCursor.__init__ sets up in place of SQLAlchemy's __init__.
_CURSOR_SLOTS = frozenset({"_adapt_connection", "_connection", "_cursor", "_rows", "_soft_closed_memoized"})

_UNCHECKED = object()
_verdict: object = _UNCHECKED  # after the first dbapi(): None if the fast path is sound, else why not
_verdict_lock = threading.Lock()


def _slots(cls: type) -> set[str] | None:
    """Every slot along the MRO, or None when instances have a __dict__ (state we cannot list)."""
    names: set[str] = set()
    for klass in cls.__mro__[:-1]:  # object has no __slots__ and needs none
        slots = klass.__dict__.get("__slots__")
        if slots is None:
            return None
        names.update((slots,) if isinstance(slots, str) else slots)
    return names - {"__weakref__"}


def _callable(problems: list[str], owner: type, name: str, *args: Any, coroutine: bool = False) -> None:
    """`owner.name` exists and can be called with (self, *args)."""
    where = f"{owner.__name__}.{name}"
    fn = inspect.getattr_static(owner, name, None)
    if not callable(fn):
        problems.append(f"{where} is missing")
        return
    if coroutine and not inspect.iscoroutinefunction(fn):
        problems.append(f"{where} is no longer a coroutine function")
    try:
        inspect.signature(fn).bind(owner, *args)
    except (TypeError, ValueError):
        problems.append(f"{where}{inspect.signature(fn)} cannot be called with {len(args)} argument(s)")


def _shape_problems() -> list[str]:
    """What is missing or different among the internals this module relies on."""
    if _import_problem:
        return [_import_problem]
    import aiosqlite

    problems: list[str] = []
    cursor_slots = _slots(AsyncAdapt_aiosqlite_cursor)
    if cursor_slots != _CURSOR_SLOTS:
        found = "a __dict__" if cursor_slots is None else sorted(cursor_slots)
        problems.append(f"AsyncAdapt_aiosqlite_cursor holds {found}, expected {sorted(_CURSOR_SLOTS)}")
    _callable(problems, AsyncAdapt_aiosqlite_cursor, "_execute_async", "SELECT 1", None, coroutine=True)
    _callable(problems, AsyncAdapt_aiosqlite_cursor, "_executemany_async", "SELECT 1", [], coroutine=True)
    _callable(problems, AsyncAdapt_aiosqlite_cursor, "_async_soft_close", coroutine=True)
    if not hasattr(AsyncAdapt_aiosqlite_cursor, "_awaitable_cursor_close"):
        problems.append("AsyncAdapt_aiosqlite_cursor._awaitable_cursor_close is missing")
    if not hasattr(AsyncAdapt_aiosqlite_connection, "_cursor_cls"):
        problems.append("AsyncAdapt_aiosqlite_connection._cursor_cls is missing")
    _callable(problems, AsyncAdapt_aiosqlite_connection, "__init__", None, None)
    _callable(problems, aiosqlite.Connection, "_execute", _run, None, "SELECT 1", None, False, coroutine=True)
    if not isinstance(inspect.getattr_static(aiosqlite.Connection, "_conn", None), property):
        problems.append("aiosqlite.Connection._conn is missing or no longer a property")
    return problems


def _expect(what: str, actual: Any, wanted: Any) -> None:
    if actual != wanted:
        raise AssertionError(f"{what} was {actual!r}, expected {wanted!r}")


def _probe_statements() -> None:
    """In a greenlet, as an engine would: connect, run, fetch, commit, close."""
    import aiosqlite
    from sqlalchemy.util.concurrency import await_

    connection = OneTripDbapi(aiosqlite, sqlite3).connect(":memory:")
    try:
        cursor = connection.cursor()
        if not isinstance(cursor, OneTripCursor):
            raise AssertionError(f"the connection made a {type(cursor).__name__}, not a OneTripCursor")
        cursor.execute("CREATE TABLE probe (n INTEGER PRIMARY KEY, name TEXT)")
        cursor.executemany("INSERT INTO probe (n, name) VALUES (?, ?)", [(1, "a"), (2, "b")])
        _expect("executemany's rowcount", cursor.rowcount, 2)
        cursor.execute("INSERT INTO probe (name) VALUES (?)", ("c",))
        _expect("lastrowid", cursor.lastrowid, 3)
        cursor.execute("SELECT n, name FROM probe ORDER BY n")
        _expect("description", [column[0] for column in cursor.description], ["n", "name"])
        _expect("fetchone()", cursor.fetchone(), (1, "a"))
        _expect("fetchall()", cursor.fetchall(), [(2, "b"), (3, "c")])
        await_(cursor._async_soft_close())
        cursor.close()
        connection.commit()
    finally:
        connection.close()


def _probe() -> str | None:
    """Run _probe_statements on a thread with its own event loop (the caller may be inside one)."""
    from sqlalchemy.util.concurrency import greenlet_spawn

    failure: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(greenlet_spawn(_probe_statements))
        except BaseException as error:  # noqa: BLE001 - reported, and the stock adapter is used instead
            failure.append(error)

    thread = threading.Thread(target=run, name="sqlite-driver-probe", daemon=True)
    thread.start()
    thread.join(timeout=10)
    if thread.is_alive():
        return "a probe statement did not finish within 10 s"
    if failure:
        return f"a probe statement failed: {failure[0]!r}"
    return None


def _check() -> str | None:
    problems = _shape_problems()
    return "; ".join(problems) if problems else _probe()


def _fall_back(reason: str) -> None:
    """Record why the fast path is off; warns on the first reason only. Call with the lock held."""
    global _verdict
    if isinstance(_verdict, str):
        return
    _verdict = reason
    import aiosqlite
    import sqlalchemy

    log.warning(
        "Fast SQLite driver off, using SQLAlchemy's stock aiosqlite adapter: its private internals "
        "are not what db/sqlite_driver.py expects (SQLAlchemy %s, aiosqlite %s): %s",
        sqlalchemy.__version__, getattr(aiosqlite, "__version__", "?"), reason,
    )


def dbapi() -> OneTripDbapi | None:
    """Pass as `module=` to create_async_engine for a sqlite+aiosqlite URL; None means the stock adapter.

    The first call checks the internals (see the module docstring); its verdict holds for the process.
    """
    global _verdict
    with _verdict_lock:
        if _verdict is _UNCHECKED:
            reason = _check()
            if reason is None:
                _verdict = None
            else:
                _fall_back(reason)
        if _verdict is not None:
            return None
    import aiosqlite

    return OneTripDbapi(aiosqlite, sqlite3)
