"""The heads' reports on the 1M-interaction database, each beside its floor.

    .venv/bin/python -m tests.benchmarks.reports                       # SQLite and PostgreSQL, 5 runs each
    .venv/bin/python -m tests.benchmarks.reports --db sqlite --repeat 10
    .venv/bin/python -m tests.benchmarks.reports --profile --explain   # then: where the time goes, query plans

What is timed (the seed's clock, `seed.ANCHOR`, is "now": Friday 27 November 2026, 11:00 in Moscow):

- the morning digest (`handlers.digest.team_digest`: every number and its two charts) of a head of
  one team (10 managers) and of an admin (everyone, 50 managers); and a head's on the first
  working morning of a week (Monday 23 November), which may carry more;
- last month's report for everyone (`reports.report.build` + `report_view.texts` + `report_view.photos`);
- each chart of that report alone (its first image: 13 of the 50 managers, the same arguments the
  report drew it with), and one chart of 50 managers whole (its four images, asked for at once);
- the chart worker's start-up (`reports.drawing.start` in a thread, as the bot's start-up does),
  and the event loop's longest stall meanwhile;
- the event loop while 20 heads' digests are built at once (each with its own session): a ticker
  sleeping 1 ms records how late it wakes, the longest and the 99th percentile;
- memory: the RSS high-water mark of this process (the bot's side: it never imports matplotlib)
  and, apart, of the chart worker (read after every chart), and tracemalloc's peak over one
  admin digest and one monthly report (a pass of its own after the timings, as tracing slows
  Python down).

The floors, measured in the same run: the same repository calls replayed alone on a fresh session
(recorded from the product's own calls, so they stay the same calls when the product changes),
and matplotlib rendering an empty Figure of each chart's size at the same DPI in a spawned process
of its own (`chart_floor.py`); a loop ticking with nothing else to do; the RSS once everything is
imported (for the chart worker: its RSS once started). Like the bot's start-up, the run calls
gc.freeze() once everything is imported (`--without-gc-freeze` shows the loop without it).
Goals: a digest under 1 s, the monthly report under 2 s, a chart under 300 ms, no loop stall over
50 ms, under 300 MB.

PostgreSQL (127.0.0.1:5432, user postgres, trust): a database of its own, migrated, filled by
copying the seeded SQLite tables with asyncpg's COPY, vacuumed and analysed, dropped afterwards.
With `--db both` (the default) each backend runs in a process of its own, so that each has its
own memory figures, and a table puts the two side by side at the end.
Users: the seed has only managers, so the run's copy gets 20 heads (4 per team) and an admin; the
cached seed file is never written to.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import html
import io
import json
import multiprocessing as mp
import os
import platform
import pstats
import resource
import shutil
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta, timezone
from datetime import time as dtime
from functools import cached_property
from pathlib import Path
from typing import Any

from sqlalchemy import Boolean, Date, Time, event, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import create_i18n
from db.base import Base, UTCDateTime
from db.engine import create_engine, create_sessionmaker
from db.migrate import upgrade
from db.models import Role, User
from db.repositories import Repos
from handlers import report_view
from handlers.digest import team_digest
from reports import drawing
from reports.dates import local_today
from reports.period import days_of
from reports.report import build
from reports.workdays import WorkCalendar
from tests.benchmarks import chart_floor, seed
from tests.benchmarks.logging_flow import seeded
from tests.benchmarks.stats import percentile
from tests.databases import PG_HOST, PG_PORT, PG_USER, _admin, pg_url

UTC = timezone.utc
NOW = seed.ANCHOR  # Friday: the digest reports Thursday
MONDAY = NOW - timedelta(days=4)  # Monday 23 November, 11:00 in Moscow: the first working morning of a week
LOCALE = "ru"
TZ = "Europe/Moscow"
HEADS = 20  # four per team
HEAD_TG = seed.TG_BASE + 1000  # head n has tg_id HEAD_TG + n
ADMIN_TG = seed.TG_BASE + 2000
TICK = 0.001  # the loop ticker's sleep

GOAL_DIGEST, GOAL_REPORT, GOAL_CHART, GOAL_STALL, GOAL_RSS = 1.0, 2.0, 0.3, 0.050, 300.0  # seconds, MB
COPY_BATCH = 50_000


# ---- the databases ----------------------------------------------------------------------------


def working_copy(source: Path, directory: Path) -> Path:
    """The run's own copy: the cached seed is never written to (nor is logging_flow's run.db shared)."""
    target = directory / "reports.db"
    shutil.copyfile(source, target)
    return target


async def add_heads(url: str) -> None:
    """The seed has managers only: heads for each team and an admin for everyone, in the run's copy."""
    engine = create_engine(url)
    created = NOW - timedelta(days=700)
    common = dict(timezone=TZ, language=LOCALE, is_active=True, created_at=created, username=None)
    rows = [
        dict(common, tg_id=HEAD_TG + n, full_name=f"Head {n + 1}", role=Role.HEAD, team_id=1 + n % len(seed.TEAMS))
        for n in range(HEADS)
    ]
    rows.append(dict(common, tg_id=ADMIN_TG, full_name="Admin", role=Role.ADMIN, team_id=None))
    try:
        async with engine.begin() as conn:
            await conn.execute(insert(User), rows)
    finally:
        await engine.dispose()


def _converter(column_type) -> Callable[[Any], Any]:
    """SQLite's stored text for a column to what asyncpg's COPY wants for it."""
    if isinstance(column_type, UTCDateTime):
        return lambda v: None if v is None else datetime.fromisoformat(v).replace(tzinfo=UTC)
    if isinstance(column_type, Date):
        return lambda v: None if v is None else date.fromisoformat(v)
    if isinstance(column_type, Time):
        return lambda v: None if v is None else dtime.fromisoformat(v)
    if isinstance(column_type, Boolean):
        return lambda v: None if v is None else bool(v)
    return lambda v: v  # integers, strings, enums (VARCHAR), JSON (text)


async def _copy_tables(source: Path, database: str) -> dict[str, int]:
    import asyncpg

    import db.models  # noqa: F401 - every table in the metadata

    src = sqlite3.connect(source)
    dst = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database=database)
    copied = {}
    try:
        tables = Base.metadata.sorted_tables  # referenced tables first
        # the rows come consistent from SQLite: no per-row foreign-key triggers while loading
        await dst.execute("SET session_replication_role = replica")
        # the migrations' own rows (built-in refusal reasons) are in the copy too
        await dst.execute("TRUNCATE " + ", ".join(f'"{t.name}"' for t in tables))
        for table in tables:
            columns = [row[1] for row in src.execute(f'PRAGMA table_info("{table.name}")')]
            convert = [_converter(table.c[name].type) for name in columns]
            quoted = ", ".join(f'"{name}"' for name in columns)
            cursor = src.execute(f'SELECT {quoted} FROM "{table.name}"')
            count = 0
            while rows := cursor.fetchmany(COPY_BATCH):
                records = [tuple(f(v) for f, v in zip(convert, row)) for row in rows]
                await dst.copy_records_to_table(table.name, records=records, columns=columns)
                count += len(rows)
            copied[table.name] = count
            if "id" in columns and count:
                await dst.execute(f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), max(id)) FROM \"{table.name}\"")
        await dst.execute("SET session_replication_role = DEFAULT")
        # a database that has been in use has its statistics and visibility map; a fresh COPY has neither
        await dst.execute("VACUUM ANALYZE")
    finally:
        await dst.close()
        src.close()
    return copied


def _copy_child(source: str, database: str, conn) -> None:
    conn.send(asyncio.run(_copy_tables(Path(source), database)))


async def load_postgres(source: Path, url: str) -> dict[str, int]:
    """Copied in a child process, so a million rows in flight do not count in this one's peak RSS."""
    # by its module's name, not as __main__'s: main() keeps spawned children from running __main__ again
    from tests.benchmarks.reports import _copy_child as copy_child

    parent, child = mp.Pipe()
    process = mp.get_context("spawn").Process(target=copy_child, args=(str(source), make_url(url).database, child))
    process.start()
    try:
        for _ in range(900):  # bounded: 15 minutes
            if await asyncio.to_thread(parent.poll, 1):
                return parent.recv()
            if not process.is_alive():
                raise RuntimeError(f"copying into PostgreSQL failed (exit code {process.exitcode})")
        raise TimeoutError("copying into PostgreSQL took over 15 minutes")
    finally:
        await asyncio.to_thread(process.join, 30)
        if process.is_alive():
            process.terminate()


@asynccontextmanager
async def database(backend: str, source: Path):
    """The seeded database with heads and an admin added, for this run only."""
    with tempfile.TemporaryDirectory(prefix="ladon-reports-") as tmp:
        copy = working_copy(source, Path(tmp))
        sqlite_url = f"sqlite+aiosqlite:///{copy}"
        await add_heads(sqlite_url)
        if backend == "sqlite":
            yield sqlite_url
            return
        name = f"ladon_reports_{uuid.uuid4().hex[:10]}"
        await _admin(f'CREATE DATABASE "{name}"')
        try:
            url = pg_url(name)
            await asyncio.to_thread(upgrade, url)
            started = time.perf_counter()
            copied = await load_postgres(copy, url)
            print(f"PostgreSQL: copied {sum(copied.values()):,} rows in {time.perf_counter() - started:.1f} s"
                  f" ({copied.get('interactions', 0):,} interactions), then VACUUM ANALYZE")
            yield url
        finally:
            await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ---- recording what the product does, to replay its floor -------------------------------------


class Recorder:
    """Stands in for a repository: forwards every call and remembers it, so the same aggregates
    can be replayed alone, without the computation and the charts around them."""

    def __init__(self, target: Any, slot: str, calls: list):
        self._target, self._slot, self._calls = target, slot, calls

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        if not asyncio.iscoroutinefunction(attr):
            return attr

        async def recorded(*args, **kwargs):
            self._calls.append((self._slot, name, args, kwargs))
            return await attr(*args, **kwargs)

        return recorded


REPOSITORIES = [name for name, attr in vars(Repos).items() if isinstance(attr, cached_property)]


def recording(repos: Repos, calls: list) -> Repos:
    """Every repository of the handle records its calls (set over the cached_property)."""
    for slot in REPOSITORIES:
        repos.__dict__[slot] = Recorder(getattr(repos, slot), slot, calls)
    return repos


async def replay(sessionmaker: async_sessionmaker[AsyncSession], user: User, calls: list) -> None:
    async with sessionmaker() as session:
        repos = Repos(session, user)
        for slot, name, args, kwargs in calls:
            await getattr(getattr(repos, slot), name)(*args, **kwargs)


@dataclass(frozen=True)
class Chart:
    build: str  # the builder's name in reports/charts.py
    args: tuple
    kwargs: dict
    size: tuple[int, int]  # PNG pixels

    @property
    def name(self) -> str:
        return self.build

    @property
    def managers(self) -> str:
        """'13 of 50' for a part of a chart of managers; '' for a chart that is not one."""
        if self.build not in ("activity", "outcomes", "reasons", "conversion"):
            return ""
        start, stop = self.kwargs.get("rows") or (0, len(self.args[1]))
        return f"{stop - start} of {len(self.args[1])} managers"


def png_size(data: bytes) -> tuple[int, int]:
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise RuntimeError("a chart that is not a PNG")
    return struct.unpack(">II", data[16:24])


@contextmanager
def recording_charts(into: list[Chart]):
    """Every chart the product draws, with its arguments and size (drawing.draw is looked up per call)."""
    original = drawing.draw

    async def draw(build, *args, **kwargs):
        png = await original(build, *args, **kwargs)
        into.append(Chart(build, args, kwargs, png_size(png)))
        return png

    drawing.draw = draw
    try:
        yield
    finally:
        drawing.draw = original


def status_mb(pid: int, field: str) -> float | None:
    """VmRSS or VmHWM (the high-water mark) of a process, MB; None once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class WorkerMemory:
    """The chart workers' high-water marks, read after every chart (a worker that is replaced takes
    its own with it): the peak of any one worker, and how many there were."""

    def __init__(self) -> None:
        self.peaks: dict[int, float] = {}

    def sample(self) -> None:
        for pid in drawing.workers():
            peak = status_mb(pid, "VmHWM")
            if peak is not None:
                self.peaks[pid] = max(peak, self.peaks.get(pid, 0.0))

    @property
    def peak(self) -> float:
        return max(self.peaks.values(), default=0.0)

    @contextmanager
    def watching(self):
        original = drawing.draw

        async def draw(build, *args, **kwargs):
            try:
                return await original(build, *args, **kwargs)
            finally:
                self.sample()

        drawing.draw = draw
        try:
            yield self
        finally:
            drawing.draw = original


# ---- the measured things ----------------------------------------------------------------------


@dataclass
class Scenario:
    """One thing the product does for one person, and what it was seen to do (on the warm-up run)."""

    name: str
    user: User
    run: Callable[[Repos], Awaitable[Any]]
    calls: list = field(default_factory=list)  # repository calls, for the SQL floor
    charts: list[Chart] = field(default_factory=list)
    cold: float = 0.0
    result: Any = None


@dataclass
class People:
    head: User  # of team 1
    heads: list[User]
    admin: User


async def people(sessionmaker: async_sessionmaker[AsyncSession]) -> People:
    async with sessionmaker() as session:
        heads = list(await session.scalars(select(User).where(User.role == Role.HEAD).order_by(User.tg_id)))
        admin = await session.scalar(select(User).where(User.tg_id == ADMIN_TG))
    if len(heads) != HEADS or admin is None:
        raise RuntimeError("the heads and the admin are missing from the run's database")
    return People(heads[0], heads, admin)


def digest(now: datetime, calendar: WorkCalendar, user: User) -> Callable[[Repos], Awaitable[Any]]:
    async def run(repos: Repos):
        return await team_digest(repos, user, now, LOCALE, calendar)
    return run


def monthly(calendar: WorkCalendar, scope: str) -> Callable[[Repos], Awaitable[Any]]:
    """What /report does for "last month, everyone" after the taps: the report, its texts, its charts."""
    async def run(repos: Repos):
        today = local_today(NOW, TZ)
        start, end = days_of("last_month", today)
        whom = await repos.reports.people()
        report = await build(repos.reports, whom, start, end, today, TZ, calendar)
        reasons = {r.id: r for r in await repos.reasons.all()}
        texts = report_view.texts(report, scope, reasons, LOCALE)
        photos = await report_view.photos(report, reasons, LOCALE)
        return report, texts, photos
    return run


async def once(sessionmaker: async_sessionmaker[AsyncSession], scenario: Scenario, record: bool = False) -> float:
    """One run on a session of its own, as an update or an outbox row has; seconds."""
    async with sessionmaker() as session:
        repos = Repos(session, scenario.user)
        if record:
            recording(repos, scenario.calls)
        started = time.perf_counter()
        if record:
            with recording_charts(scenario.charts):
                scenario.result = await scenario.run(repos)
        else:
            await scenario.run(repos)
        return time.perf_counter() - started


async def check(sessionmaker: async_sessionmaker[AsyncSession], scenario: Scenario, managers: int) -> None:
    """A benchmark that silently stopped drawing or counting would measure nothing: insist."""
    async with sessionmaker() as session:
        names = [p.name for p in await Repos(session, scenario.user).reports.people()]
    if len(names) != managers:
        raise RuntimeError(f"{scenario.name}: {len(names)} managers in scope, expected {managers}")
    result = scenario.result
    if scenario.name.startswith("digest"):
        if result is None or not result.parts or len([p for p in result.photos if p.part == 1]) < 2:
            raise RuntimeError(f"{scenario.name}: expected texts and two charts, got {result!r:.200}")
        text = "".join(result.parts)
        missing = [name for name in names if html.escape(name) not in text]
        if missing:
            raise RuntimeError(f"{scenario.name}: {len(missing)} managers missing from the texts")
    else:
        report, texts, photos = result
        drawn = len([p for p in photos if p.part == 1])
        if len(report.managers) != managers or not report.whole.contacts or not texts or drawn != 5:
            raise RuntimeError(f"{scenario.name}: {len(report.managers)} managers, {report.whole.contacts} contacts,"
                               f" {drawn} charts (expected {managers}, some, 5)")


async def timed_draw(*parts: Chart) -> float:
    """A chart (or all the parts of one, asked for at once as the product does), in the chart worker."""
    started = time.perf_counter()
    await asyncio.gather(*(drawing.draw(c.build, *c.args, **c.kwargs) for c in parts))
    return time.perf_counter() - started


async def timed_empty(floor: ProcessPoolExecutor, size: tuple[int, int]) -> float:
    """In a process of its own, as the charts are: the hop to it is part of the floor."""
    started = time.perf_counter()
    await asyncio.wrap_future(floor.submit(chart_floor.empty_png, *size))
    return time.perf_counter() - started


def floor_pool() -> ProcessPoolExecutor:
    """The chart floor's own worker, spawned as the product's is, ready."""
    pool = ProcessPoolExecutor(1, mp_context=mp.get_context("spawn"))
    pool.submit(chart_floor.empty_png, 100, 100).result()
    return pool


async def worker_start(repeat: int) -> tuple[list[float], list[float], list[float]]:
    """The chart worker started from cold in a thread, as start-up does, `repeat` times: how long
    until it is ready, the loop's longest stall meanwhile, and its RSS once ready."""
    walls, stalls, sizes = [], [], []
    for _ in range(repeat):
        await asyncio.to_thread(drawing.shutdown)
        lateness, wall = await stall(lambda: asyncio.to_thread(drawing.start))
        walls.append(wall)
        stalls.append(max(lateness, default=0.0))
        sizes.append(status_mb(drawing.workers()[0], "VmRSS") or 0.0)
    return walls, stalls, sizes


async def ticking(lateness: list[float], stop: asyncio.Event) -> None:
    """How late a 1 ms sleep wakes: anything the loop did in between without yielding."""
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(TICK)
        lateness.append(time.perf_counter() - started - TICK)


async def stall(work: Callable[[], Awaitable[Any]] | None, idle: float = 1.0) -> tuple[list[float], float]:
    """Ticker lateness while `work` runs (or for `idle` seconds with nothing to do), and the wall time."""
    lateness: list[float] = []
    stop = asyncio.Event()
    ticker = asyncio.create_task(ticking(lateness, stop))
    await asyncio.sleep(0.05)  # the ticker is running
    lateness.clear()
    started = time.perf_counter()
    try:
        if work is None:
            await asyncio.sleep(idle)
        else:
            await work()
    finally:
        wall = time.perf_counter() - started
        stop.set()
        await ticker
    return lateness, wall


# ---- results ----------------------------------------------------------------------------------


@dataclass
class Row:
    name: str
    samples: list[float]  # seconds, or MB for memory
    goal: float | None = None
    sql: list[float] | None = None  # the repository calls alone
    figures: float | None = None  # empty figures of the same sizes (median of each, summed)
    floor: list[float] | None = None  # the floor when it is not sql + figures
    unit: str = "s"
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def worst(self) -> float:
        return max(self.samples)

    @property
    def floor_median(self) -> float | None:
        if self.floor is not None:
            return statistics.median(self.floor)
        if self.sql is None and self.figures is None:
            return None
        return (statistics.median(self.sql) if self.sql else 0.0) + (self.figures or 0.0)

    @property
    def met(self) -> bool | None:
        return None if self.goal is None else self.worst <= self.goal


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "MB":
        return f"{value:,.0f} MB"
    ms = value * 1000
    return f"{ms:,.0f} ms" if ms >= 100 else f"{ms:,.1f} ms" if ms >= 1 else f"{ms * 1000:,.0f} µs"


def print_table(backend: str, rows: list[Row]) -> None:
    header = ("measurement", "median", "worst", "goal", "met", "SQL alone", "empty figures", "floor", "×floor")
    table = []
    for row in rows:
        floor = row.floor_median
        table.append((
            row.name, _fmt(row.median, row.unit), _fmt(row.worst, row.unit),
            "—" if row.goal is None else "< " + _fmt(row.goal, row.unit),
            "—" if row.met is None else ("yes" if row.met else "NO"),
            _fmt(statistics.median(row.sql), "s") if row.sql else "—",
            _fmt(row.figures, "s") if row.figures else "—",
            _fmt(floor, row.unit), f"{row.median / floor:,.1f}×" if floor else "—",
        ))
    widths = [max(len(r[i]) for r in (header, *table)) for i in range(len(header))]
    line = lambda cells: " | ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    print(f"\n{backend}")
    print(line(header))
    print("-+-".join("-" * w for w in widths))
    for cells in table:
        print(line(cells))
    for row in rows:
        if row.note:
            print(f"  {row.name}: {row.note}")


def print_comparison(results: dict[str, list[Row]]) -> None:
    """Both backends side by side: the median, its floor and the ratio."""
    backends = list(results)
    header = ("measurement", "goal", *(f"{b}: median, floor, ×floor" for b in backends))
    names = [row.name for row in results[backends[0]]]
    table = []
    for name in names:
        cells = []
        goal = "—"
        for backend in backends:
            row = next(r for r in results[backend] if r.name == name)
            goal = "—" if row.goal is None else "< " + _fmt(row.goal, row.unit)
            floor = row.floor_median
            cells.append(f"{_fmt(row.median, row.unit)}, {_fmt(floor, row.unit)}, "
                         + (f"{row.median / floor:,.1f}×" if floor else "—") + ("" if row.met in (None, True) else " MISSED"))
        table.append((name, goal, *cells))
    widths = [max(len(r[i]) for r in (header, *table)) for i in range(len(header))]
    line = lambda cells: " | ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    print("\nBoth backends (medians; MISSED: the worst run was over the goal)")
    print(line(header))
    print("-+-".join("-" * w for w in widths))
    for cells in table:
        print(line(cells))


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def machine_load() -> str:
    """Others' work on the machine: stalls and timings depend on it more than on anything of ours."""
    load = Path("/proc/loadavg").read_text().split()[:3]
    try:
        pressure = Path("/proc/pressure/cpu").read_text().split()[2].split("=")[1]  # "some" avg60
    except (OSError, IndexError):
        pressure = "?"
    return f"load average {' '.join(load)} on {os.cpu_count()} CPUs, CPU pressure {pressure}% (some, 60 s)"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# ---- one backend ------------------------------------------------------------------------------


@dataclass
class Measured:
    rows: list[Row]
    scenarios: list[Scenario]
    url: str
    phases: list[tuple[str, float, float]]  # after each phase: RSS and its high-water mark, MB
    worker_peak: float = 0.0  # MB: the highest high-water mark of a chart worker
    worker_ready: float = 0.0  # MB: a chart worker's RSS once started, before any chart
    workers_seen: int = 0


async def measure(backend: str, url: str, repeat: int, calendar: WorkCalendar) -> Measured:
    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine)
    memory = WorkerMemory()
    floor = floor_pool()
    try:
        with memory.watching():
            return await _measure(sessionmaker, repeat, calendar, memory, floor, url)
    finally:
        floor.shutdown()
        await engine.dispose()


async def _measure(sessionmaker: async_sessionmaker[AsyncSession], repeat: int, calendar: WorkCalendar,
                   memory: WorkerMemory, floor: ProcessPoolExecutor, url: str) -> Measured:
    start_walls, start_stalls, start_sizes = await worker_start(repeat)
    who = await people(sessionmaker)
    scenarios = [
        Scenario("digest: a head (1 team, 10 managers)", who.head, digest(NOW, calendar, who.head)),
        Scenario("digest: the admin (everyone, 50 managers)", who.admin, digest(NOW, calendar, who.admin)),
        Scenario("digest: a head on a Monday", who.head, digest(MONDAY, calendar, who.head)),
        Scenario("monthly report: everyone (50), last month", who.admin, monthly(calendar, "everyone")),
    ]
    goals = [GOAL_DIGEST, GOAL_DIGEST, GOAL_DIGEST, GOAL_REPORT]
    per_team = seed.MANAGERS // len(seed.TEAMS)
    managers = [per_team, seed.MANAGERS, per_team, seed.MANAGERS]
    for scenario, count in zip(scenarios, managers):  # warm-up: caches, fonts, catalogs; records calls and charts
        scenario.cold = await once(sessionmaker, scenario, record=True)
        await check(sessionmaker, scenario, count)
        scenario.result = None  # checked: not kept alive through the run's memory figures
    # each chart of the report alone (its first part: 13 of 50 managers), and one chart whole
    report_charts = [c for c in scenarios[-1].charts if not c.kwargs.get("rows") or c.kwargs["rows"][0] == 0]
    whole = sorted((c for c in scenarios[-1].charts if c.name == "activity"), key=lambda c: c.kwargs["rows"])
    phases = [("warm-up", rss_mb(), peak_rss_mb())]

    times: dict[str, list[float]] = {s.name: [] for s in scenarios}
    sql: dict[str, list[float]] = {s.name: [] for s in scenarios}
    empties: dict[tuple[int, int], list[float]] = {c.size: [] for s in scenarios for c in s.charts}
    drawn: dict[str, list[float]] = {c.name: [] for c in report_charts}
    drawn_whole: list[float] = []
    for _ in range(repeat):  # interleaved, so a slow minute of the machine touches product and floor alike
        gc.collect()
        for scenario in scenarios:
            times[scenario.name].append(await once(sessionmaker, scenario))
            started = time.perf_counter()
            await replay(sessionmaker, scenario.user, scenario.calls)
            sql[scenario.name].append(time.perf_counter() - started)
        for chart in report_charts:
            drawn[chart.name].append(await timed_draw(chart))
        drawn_whole.append(await timed_draw(*whole))
        for size in empties:
            empties[size].append(await timed_empty(floor, size))
    empty = {size: statistics.median(v) for size, v in empties.items()}
    phases.append(("timed runs and charts", rss_mb(), peak_rss_mb()))

    rows = [
        Row(s.name, times[s.name], goal, sql=sql[s.name], figures=sum(empty[c.size] for c in s.charts),
            note=f"first run {_fmt(s.cold, 's')} (cold caches); {len(s.calls)} repository calls,"
                 f" {len(s.charts)} chart images")
        for s, goal in zip(scenarios, goals)
    ]
    for chart in report_charts:
        managers = f", {chart.managers}" if chart.managers else ""
        rows.append(Row(f"chart alone: {chart.name}{managers} ({chart.size[0]}×{chart.size[1]} px)", drawn[chart.name],
                        GOAL_CHART, figures=empty[chart.size]))
    rows.append(Row(f"chart of {whole[-1].managers.split(' of ')[-1]}: activity, its {len(whole)} parts at once", drawn_whole,
                    figures=sum(empty[c.size] for c in whole),
                    note=f"{drawing.WORKERS} chart worker(s); " + " + ".join(f"{c.size[0]}×{c.size[1]}" for c in whole) + " px"))
    rows += [
        Row("chart worker: start-up until ready, in a thread", start_walls,
            note=f"spawned, matplotlib imported, fonts read; RSS once ready {statistics.median(start_sizes):.0f} MB"),
        Row("loop stall while the chart worker starts", start_stalls, GOAL_STALL),
    ]

    # the event loop while 20 heads' digests are built at once, each with its own session
    heads = [Scenario(f"head {n}", h, digest(NOW, calendar, h)) for n, h in enumerate(who.heads)]
    worst, p99, walls, idle_worst, idle_p99 = [], [], [], [], []
    for _ in range(repeat):
        gc.collect()
        lateness, _wall = await stall(None)
        idle_worst.append(max(lateness))
        idle_p99.append(percentile(lateness, 99))
        gc.collect()
        lateness, wall = await stall(lambda: asyncio.gather(*(once(sessionmaker, h) for h in heads)))
        worst.append(max(lateness))
        p99.append(percentile(lateness, 99))
        walls.append(wall)
    phases.append((f"{HEADS} at once", rss_mb(), peak_rss_mb()))
    rows += [
        Row(f"loop stall, {HEADS} digests at once: longest", worst, GOAL_STALL, floor=idle_worst,
            note="floor: the same ticker on an idle loop"),
        Row(f"loop stall, {HEADS} digests at once: p99", p99, floor=idle_p99),
        Row(f"{HEADS} digests at once: wall time", walls,
            floor=[HEADS * (statistics.median(sql[scenarios[0].name]) + sum(empty[c.size] for c in scenarios[0].charts))],
            note=f"floor: 20 × a head's floor, one after another ({drawing.WORKERS} chart worker(s) draw them all)"),
    ]
    return Measured(rows, scenarios, url, phases, memory.peak, statistics.median(start_sizes), len(memory.peaks))


async def traced_peak(url: str, scenarios: list[Scenario]) -> float:
    """tracemalloc's peak, MB, over one admin digest and one monthly report (Python's allocations only)."""
    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine)
    try:
        gc.collect()
        tracemalloc.start()
        for scenario in scenarios:
            await once(sessionmaker, scenario)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return peak / 2**20
    finally:
        await engine.dispose()


# ---- diagnosis --------------------------------------------------------------------------------

AREAS = (
    ("matplotlib", "/matplotlib/"),
    ("scipy / numpy", "/scipy/"),
    ("scipy / numpy", "/numpy/"),
    ("project (reports/)", "/work/main/reports/"),
    ("project (handlers/)", "/work/main/handlers/"),
    ("project (db/)", "/work/main/db/"),
)


def print_profile(title: str, profiler: cProfile.Profile, top: int = 18) -> None:
    from tests.benchmarks import fanout  # its areas; imported here, so its emulator does not count in the RSS figures

    areas = (*AREAS, *fanout.AREAS)
    stats = pstats.Stats(profiler)
    by_area: Counter = Counter()
    for (filename, _, name), (_, _, tottime, _, _) in stats.stats.items():
        where = f"{filename}:{name}"
        by_area[next((label for label, needle in areas if needle in where), "other")] += tottime
    total = sum(by_area.values())
    print(f"\ncProfile: {title}: own time {total * 1000:,.0f} ms (cProfile inflates call-heavy code)")
    for area, seconds in by_area.most_common():
        print(f"  {seconds * 1000:8.1f} ms  {seconds / total:4.0%}  {area}")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    body = out.getvalue()
    print(f"  top {top} by own time:")
    print("\n".join("    " + line for line in body[body.find("   ncalls"):].rstrip().splitlines()))


async def profile(url: str, scenarios: list[Scenario]) -> None:
    """The event-loop side under cProfile (the charts are drawn in the chart worker, so they are
    profiled apart, in this process: after the memory figures, as it imports matplotlib here), and
    each chart split into building the Figure and rendering it."""
    from reports import charts

    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine)
    original = drawing.draw

    async def skip(build, *args, **kwargs) -> bytes:
        return b""

    try:
        for scenario in scenarios:
            profiler = cProfile.Profile()
            drawing.draw = skip  # the loop's share only
            try:
                profiler.enable()
                await once(sessionmaker, scenario)
                profiler.disable()
            finally:
                drawing.draw = original
            print_profile(f"{scenario.name}, on the event loop (charts skipped)", profiler)
        for chart in scenarios[-1].charts:
            profiler = cProfile.Profile()
            profiler.enable()
            started = time.perf_counter()
            figure = getattr(charts, chart.build)(*drawing.plain_data(chart.args), **drawing.plain_data(chart.kwargs))
            built = time.perf_counter() - started
            from matplotlib.backends.backend_agg import FigureCanvasAgg

            FigureCanvasAgg(figure).print_png(io.BytesIO())
            total = time.perf_counter() - started
            profiler.disable()
            print(f"\nchart {chart.name}: Figure built in {built * 1000:.0f} ms, rendered in {(total - built) * 1000:.0f} ms"
                  " (under cProfile)")
            print_profile(f"chart {chart.name}", profiler, top=10)
    finally:
        await engine.dispose()


async def explain(url: str, scenarios: list[Scenario]) -> None:
    """Each statement the scenarios send, its time alone, and the database's plan for it."""
    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine)
    sqlite = engine.dialect.name == "sqlite"
    seen: list[tuple[str, Any, float]] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info.setdefault("started", []).append(time.perf_counter())

    def after(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters, time.perf_counter() - conn.info["started"].pop()))

    try:
        for scenario in scenarios:
            seen.clear()
            event.listen(engine.sync_engine, "before_cursor_execute", before)
            event.listen(engine.sync_engine, "after_cursor_execute", after)
            try:
                await replay(sessionmaker, scenario.user, scenario.calls)
            finally:
                event.remove(engine.sync_engine, "before_cursor_execute", before)
                event.remove(engine.sync_engine, "after_cursor_execute", after)
            print(f"\nStatements of {scenario.name} ({engine.dialect.name}), in order:")
            async with engine.connect() as conn:
                for statement, parameters, spent in seen:
                    if not statement.lstrip().upper().startswith("SELECT"):
                        continue
                    flat = " ".join(statement.split())
                    print(f"  {spent * 1000:8.1f} ms  {flat[:150]}{'…' if len(flat) > 150 else ''}")
                    prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN (ANALYZE, BUFFERS) "
                    result = await conn.exec_driver_sql(prefix + statement, parameters)
                    plan = [f"{row[3]}" for row in result] if sqlite else [row[0] for row in result]
                    for line in plan:
                        print(f"              {line}")
    finally:
        await engine.dispose()


# ---- main -------------------------------------------------------------------------------------


async def main_async(args: argparse.Namespace) -> int:
    if not args.without_gc_freeze:
        # as bot.app.run_polling does once everything is built: what start-up made is kept out of
        # the collector's full passes (what scipy or matplotlib load later on is not)
        gc.freeze()
    floor_rss = rss_mb()  # everything imported, nothing done
    db = seeded(args.rebuild)
    print(f"seed: {db.path.name}, " + (f"built in {db.seed_seconds:.0f} s" if db.seed_seconds is not None else "reused from cache"))
    print(f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}; {args.repeat} timed runs of each;"
          f" now = {NOW:%Y-%m-%d %H:%M} UTC, locale {LOCALE}")
    i18n = create_i18n(LOCALE)
    calendar = WorkCalendar("RU")
    backend = args.db
    drawing.WORKERS = args.chart_workers
    print(f"charts: {drawing.WORKERS} worker process(es), each replaced after {drawing.MAX_CHARTS} charts")
    with i18n.context(), i18n.use_locale(LOCALE), _stopping_the_chart_worker():
        async with database(backend, db.path) as url:
            before = machine_load()
            measured = await measure(backend, url, args.repeat, calendar)
            print(f"\n{backend}: before: {before}; after: {machine_load()}")
            peak_before_tracing = peak_rss_mb()
            traced = await traced_peak(url, [measured.scenarios[1], measured.scenarios[3]])
            rows = measured.rows + [
                Row("peak RSS of the bot's process", [peak_before_tracing], GOAL_RSS, floor=[floor_rss], unit="MB",
                    note="floor: RSS with everything imported, before any work; read before the tracemalloc pass;"
                         " after each phase, RSS (high-water mark): "
                         + ", ".join(f"{name} {now:.0f} ({high:.0f})" for name, now, high in measured.phases)
                         + ("; matplotlib IS imported in this process" if "matplotlib" in sys.modules else
                            "; matplotlib is not imported in this process")),
                Row("peak RSS of the chart worker", [measured.worker_peak], floor=[measured.worker_ready], unit="MB",
                    note=f"its high-water mark, read after every chart; {measured.workers_seen} worker process(es) over"
                         f" the run (one replaced after {drawing.MAX_CHARTS} charts, and each start-up measured);"
                         " floor: a worker's RSS once started"),
                Row("tracemalloc peak: admin digest + monthly report", [traced], unit="MB",
                    note="Python's own allocations (not matplotlib's Agg buffers), one run of each"),
            ]
            title = backend + (" (WITHOUT the gc.freeze() start-up makes)" if args.without_gc_freeze else "")
            print_table(title, rows)
            if args.rows_json:
                Path(args.rows_json).write_text(json.dumps([asdict(row) for row in rows]))
            if args.explain:
                await explain(url, measured.scenarios)
            if args.profile:
                await profile(url, measured.scenarios)
    missed = any(row.met is False for row in rows)
    print("goals: " + ("all met" if not missed else "NOT all met (see 'met' above; --profile and --explain say why)"))
    return 0


@contextmanager
def _stopping_the_chart_worker():
    try:
        yield
    finally:
        drawing.shutdown()


def both(args: argparse.Namespace) -> int:
    """Each backend in a process of its own, so each has its own memory figures; then side by side."""
    seeded(args.rebuild)  # once, before the children look for it
    flags = [f"--{name.replace('_', '-')}" for name in ("profile", "explain", "without_gc_freeze") if getattr(args, name)]
    results: dict[str, list[Row]] = {}
    with tempfile.TemporaryDirectory(prefix="ladon-reports-rows-") as tmp:
        for backend in ("sqlite", "postgresql"):
            out = Path(tmp) / f"{backend}.json"
            done = subprocess.run([sys.executable, "-m", "tests.benchmarks.reports", "--db", backend,
                                   "--repeat", str(args.repeat), "--chart-workers", str(args.chart_workers), *flags,
                                   "--rows-json", str(out)])
            if done.returncode:
                return done.returncode
            results[backend] = [Row(**row) for row in json.loads(out.read_text())]
    print_comparison(results)
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.reports", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each measurement (after one warm-up)")
    parser.add_argument("--profile", action="store_true", help="then cProfile each scenario and each chart")
    parser.add_argument("--explain", action="store_true", help="then each statement's time and query plan")
    parser.add_argument("--rebuild", action="store_true", help="seed the database again even if cached")
    parser.add_argument("--rows-json", help=argparse.SUPPRESS)  # where a child of --db both leaves its rows
    parser.add_argument("--without-gc-freeze", action="store_true",
                        help="skip the gc.freeze() that start-up (bot.app.run_polling) makes: see the loop stall without it")
    parser.add_argument("--chart-workers", type=int, default=drawing.WORKERS,
                        help=f"chart worker processes (the product's: {drawing.WORKERS})")
    args = parser.parse_args()
    if args.repeat < 1 or args.chart_workers < 1:
        parser.error("--repeat and --chart-workers must be at least 1")
    # spawn runs the parent's __main__ again in each child (as __mp_main__), unless it is a
    # package's __main__ as with `python -m bot`: this module would bring the whole bot into the
    # chart worker (and the floor's), unlike the bot's own. Let the children leave it alone:
    main_module = sys.modules["__main__"]
    main_module.__spec__ = None
    del main_module.__file__
    if args.db == "both":
        raise SystemExit(both(args))
    raise SystemExit(asyncio.run(main_async(args)))


if __name__ == "__main__":
    main()
