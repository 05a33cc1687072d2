"""Where an update's time goes: per step, the DB round trips, SQL and layers; then Python hotspots.

Runs after the timed benchmark on the same working database. Pass 1 adds light wall-clock
instrumentation (awaits included, unlike cProfile's view of coroutines); pass 2 is cProfile over
all steps. Both slow things down a little, so they explain the table rather than replace it.
"""

from __future__ import annotations

import asyncio
import cProfile
import io
import pstats
import re
import sqlite3
import time
from collections import Counter, defaultdict
from contextlib import contextmanager
from pathlib import Path

import aiosqlite
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from bot.middlewares import AccessMiddleware, UserMiddleware
from bot.transaction import UpdateTransaction
from bot import transaction as transaction_module
from bot.storage import DatabaseStorage
from db.repositories import ClientRepository, InteractionRepository, RefusalReasonRepository, SystemRepository
from tests.benchmarks.stats import percentile
from tests.benchmarks.telegram import RecordingSession

# (owner, attribute, label): async callables timed by wall clock, awaits included
LAYERS = (
    (SystemRepository, "seen", "dedup SELECT (seen)"),
    (SystemRepository, "claim_update", "dedup INSERT (claim_update)"),
    (transaction_module, "load_context", "context SELECT (dedup, user, state)"),
    (DatabaseStorage, "get_state", "FSM get_state"),
    (DatabaseStorage, "get_data", "FSM get_data"),
    (DatabaseStorage, "set_state", "FSM set_state"),
    (DatabaseStorage, "set_data", "FSM set_data"),
    (AsyncSession, "commit", "COMMIT"),
    (ClientRepository, "recent", "ClientRepository.recent"),
    (ClientRepository, "get", "ClientRepository.get"),
    (InteractionRepository, "log", "InteractionRepository.log"),
    (RefusalReasonRepository, "active", "RefusalReasonRepository.active"),
    (RefusalReasonRepository, "get_active", "RefusalReasonRepository.get_active"),
    (RecordingSession, "make_request", "Bot API call (recording session)"),
)
MIDDLEWARES = (UpdateTransaction, UserMiddleware, AccessMiddleware)
_SPACES = re.compile(r"\s+")
PACKAGES = (
    ("waiting in epoll (aiosqlite thread)", "select.epoll"),
    ("sqlalchemy", "/sqlalchemy/"),
    ("aiogram", "/aiogram/"),
    ("pydantic", "pydantic"),
    ("asyncio", "/asyncio/"),
    ("aiosqlite", "/aiosqlite/"),
    ("project (bot, handlers, db)", "/work/main/bot/"),
    ("project (bot, handlers, db)", "/work/main/handlers/"),
    ("project (bot, handlers, db)", "/work/main/db/"),
    ("copy.deepcopy", "copy.py"),
    ("json", "/json/"),
)


class Hooks:
    """Collects, per step, DB round trips, SQL statements and layer times of the update in flight."""

    def __init__(self) -> None:
        self.step: str | None = None
        self.updates: Counter[str] = Counter()
        self.totals: dict[str, list[int]] = defaultdict(list)
        self.sql: dict[str, Counter[str]] = defaultdict(Counter)
        self.sql_ns: dict[str, Counter[str]] = defaultdict(Counter)
        self.layers: dict[str, Counter[str]] = defaultdict(Counter)
        self.layer_calls: dict[str, Counter[str]] = defaultdict(Counter)
        self.trips: Counter[str] = Counter()  # aiosqlite round trips to its worker thread
        self.trip_ns: Counter[str] = Counter()  # wall time awaiting them
        self.sqlite_ns: Counter[str] = Counter()  # of which the worker thread spent inside sqlite3
        self.profile: cProfile.Profile | None = None
        self._started = 0

    def before(self, step: str) -> None:
        self.step = step
        self.updates[step] += 1
        if self.profile is not None:
            self.profile.enable()
        self._started = time.perf_counter_ns()

    def after(self) -> None:
        self.totals[self.step].append(time.perf_counter_ns() - self._started)
        if self.profile is not None:
            self.profile.disable()
        self.step = None

    def add_layer(self, label: str, ns: int) -> None:
        if self.step is not None:
            self.layers[self.step][label] += ns
            self.layer_calls[self.step][label] += 1

    # before/after run in the calling greenlet, so the span includes aiosqlite's thread hops
    def before_sql(self, conn, cursor, statement, parameters, context, executemany) -> None:
        conn.info["bench_started"] = time.perf_counter_ns()

    def after_sql(self, conn, cursor, statement, parameters, context, executemany) -> None:
        started = conn.info.pop("bench_started", None)
        if self.step is None or started is None:
            return
        text = _SPACES.sub(" ", statement).strip()
        text = text if len(text) <= 100 else text[:97] + "..."
        self.sql[self.step][text] += 1
        self.sql_ns[self.step][text] += time.perf_counter_ns() - started


@contextmanager
def _patched(owner, attribute, replacement_for):
    original = owner.__dict__[attribute]
    setattr(owner, attribute, replacement_for(original))
    try:
        yield
    finally:
        setattr(owner, attribute, original)


def _timed(hooks: Hooks, label: str):
    def make(original):
        async def timed(*args, **kwargs):
            started = time.perf_counter_ns()
            try:
                return await original(*args, **kwargs)
            finally:
                hooks.add_layer(label, time.perf_counter_ns() - started)

        return timed

    return make


def _round_trips(hooks: Hooks):
    def make(original):
        async def counted(self, fn, *args, **kwargs):
            step = hooks.step

            def in_worker(*a, **k):
                started = time.perf_counter_ns()
                try:
                    return fn(*a, **k)
                finally:
                    if step is not None:
                        hooks.sqlite_ns[step] += time.perf_counter_ns() - started

            started = time.perf_counter_ns()
            try:
                return await original(self, in_worker, *args, **kwargs)
            finally:
                if step is not None:
                    hooks.trips[step] += 1
                    hooks.trip_ns[step] += time.perf_counter_ns() - started

        return counted

    return make


@contextmanager
def _instrumented(hooks: Hooks, engine):
    from contextlib import ExitStack

    with ExitStack() as stack:
        for owner, attribute, label in LAYERS:
            stack.enter_context(_patched(owner, attribute, _timed(hooks, label)))
        for middleware in MIDDLEWARES:
            stack.enter_context(_patched(middleware, "__call__", _timed(hooks, f"{middleware.__name__} (incl. inner)")))
        stack.enter_context(_patched(aiosqlite.Connection, "_execute", _round_trips(hooks)))
        event.listen(engine.sync_engine, "before_cursor_execute", hooks.before_sql)
        event.listen(engine.sync_engine, "after_cursor_execute", hooks.after_sql)
        stack.callback(event.remove, engine.sync_engine, "before_cursor_execute", hooks.before_sql)
        stack.callback(event.remove, engine.sync_engine, "after_cursor_execute", hooks.after_sql)
        yield


async def _passes(bench_cls, db_path: Path, iterations: int, paths: list[str]) -> tuple[Hooks, Hooks]:
    bench = bench_cls(db_path)
    try:
        for _ in range(10):
            for name in paths:
                await bench.run_path(name, None)
        light = Hooks()
        with _instrumented(light, bench.engine):
            for _ in range(iterations):
                for name in paths:
                    await bench.run_path(name, None, light)
        profiled = Hooks()
        profiled.profile = cProfile.Profile()
        for _ in range(iterations):
            for name in paths:
                await bench.run_path(name, None, profiled)
        return light, profiled
    finally:
        await bench.close()


async def _memory_fsm(bench_cls, db_path: Path, iterations: int, paths: list[str]) -> tuple[Hooks, Hooks]:
    """The same flow with aiogram's in-memory FSM, interleaved with the real one: what the DB-backed FSM costs."""
    from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation

    real, memory = bench_cls(db_path), bench_cls(db_path, storage=(MemoryStorage(), SimpleEventIsolation()))
    hooks = Hooks(), Hooks()
    try:
        for rounds in (10, iterations):
            for _ in range(rounds):
                for name in paths:
                    for bench, hook in zip((real, memory), hooks):
                        await bench.run_path(name, None, hook if rounds == iterations else None)
        return hooks
    finally:
        await real.close()
        await memory.close()


async def _round_trip_cost(db_path: Path, n: int = 2000) -> tuple[float, float]:
    """µs for one indexed point SELECT: sqlite3 in this thread vs aiosqlite's worker thread."""
    sql = "SELECT state FROM fsm_records WHERE key = ?"
    conn = sqlite3.connect(db_path)
    started = time.perf_counter_ns()
    for _ in range(n):
        conn.execute(sql, ("nope",)).fetchall()
    direct = (time.perf_counter_ns() - started) / n / 1000
    conn.close()
    async with aiosqlite.connect(db_path) as aconn:
        started = time.perf_counter_ns()
        for _ in range(n):
            async with aconn.execute(sql, ("nope",)) as cursor:
                await cursor.fetchall()
        threaded = (time.perf_counter_ns() - started) / n / 1000
    return direct, threaded


def _report_step(hooks: Hooks, step: str) -> None:
    count = hooks.updates[step]
    per = lambda ns: ns / count / 1000  # noqa: E731 - µs per update
    n_sql = sum(hooks.sql[step].values()) / count
    print(
        f"\n--- {step}: median {percentile(hooks.totals[step], 50) / 1000:,.0f} µs (lightly instrumented)\n"
        f"  DB: {n_sql:g} statements, {hooks.trips[step] / count:g} aiosqlite round trips; "
        f"{per(hooks.trip_ns[step]):,.0f} µs awaiting them, of which {per(hooks.sqlite_ns[step]):,.0f} µs inside SQLite"
    )
    print("  layers (µs per update, calls per update):")
    for label, ns in sorted(hooks.layers[step].items(), key=lambda kv: -kv[1]):
        print(f"    {per(ns):7,.0f}  ×{hooks.layer_calls[step][label] / count:g}  {label}")
    print("  SQL (µs per update incl. thread hops, statements per update):")
    for text, n in sorted(hooks.sql[step].items(), key=lambda kv: -hooks.sql_ns[step][kv[0]]):
        print(f"    {per(hooks.sql_ns[step][text]):7,.0f}  ×{n / count:g}  {text}")


def _report_python(profile: cProfile.Profile, updates: int, top: int) -> None:
    stats = pstats.Stats(profile)
    by_area: Counter[str] = Counter()
    total = 0.0
    for (filename, _, name), (_, _, tottime, _, _) in stats.stats.items():
        total += tottime
        where = f"{filename}:{name}"
        area = next((label for label, needle in PACKAGES if needle in where), "other")
        by_area[area] += tottime
    print(f"\n=== Python (cProfile, all steps, {updates} updates; µs of own time per update) ===")
    for area, seconds in by_area.most_common():
        print(f"    {seconds / updates * 1e6:7,.0f}  {seconds / total:4.0%}  {area}")
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(top)
    body = out.getvalue()
    print(f"  top {top} functions by own time:")
    print("\n".join("    " + line for line in body[body.find("   ncalls"):].rstrip().splitlines()))
    # deepcopy shows up high; name who asks for it, skipping copy.py's own recursion
    for (filename, _, name), (_, _, _, cumtime, callers) in stats.stats.items():
        if name == "deepcopy" and filename.endswith("copy.py"):
            outside = sorted(
                ((ct, f"{Path(f).name}:{line}({fn})") for (f, line, fn), (_, _, _, ct) in callers.items() if not f.endswith("copy.py")),
                reverse=True,
            )
            print(f"  copy.deepcopy: {cumtime / updates * 1e6:,.0f} µs per update, called from: "
                  + ", ".join(f"{where} {ct / updates * 1e6:,.0f} µs" for ct, where in outside[:4]))


def profile(bench_cls, db_path: Path, paths: list[str], iterations: int = 100, top: int = 20) -> None:
    light, profiled = asyncio.run(_passes(bench_cls, db_path, iterations, paths))
    direct, threaded = asyncio.run(_round_trip_cost(db_path))
    memory = asyncio.run(_memory_fsm(bench_cls, db_path, iterations, paths))
    print(f"\n=== profile: {iterations} passes per path ===")
    print(
        f"one indexed point SELECT: {direct:.1f} µs with sqlite3 in the loop's thread, "
        f"{threaded:.1f} µs through aiosqlite (cursor, execute, fetchall, close: 4 thread hops)"
    )
    for step in light.updates:
        _report_step(light, step)
    _report_python(profiled.profile, sum(profiled.updates.values()), top)
    print("\n=== what if the FSM lived in memory: create_dispatcher(storage=MemoryStorage), interleaved; median µs ===")
    print(f"    {'DB FSM':>7}  {'memory':>7}  step")
    for step in memory[0].totals:
        db_fsm, in_memory = (percentile(h.totals[step], 50) / 1000 for h in memory)
        print(f"    {db_fsm:7,.0f}  {in_memory:7,.0f}  {step}")
