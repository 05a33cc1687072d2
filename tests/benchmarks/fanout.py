"""Fan-out benchmark: one evening reminder to 3,000 people through the Bot API emulator at Telegram's
limits scaled up tenfold (300 messages/s overall, 10/s per chat, 429 + retry_after beyond them).

    .venv/bin/python -m tests.benchmarks.fanout                   # SQLite in a temp dir
    .venv/bin/python -m tests.benchmarks.fanout --db postgresql   # 127.0.0.1:5432, user postgres (trust)
    .venv/bin/python -m tests.benchmarks.fanout --diagnose        # then: where the time goes, and what-ifs

The headline is the unmodified product path: create_reminders() -> plan(now), then deliver(now) timed.
The goal: deliver within 1.1x the floor (people / 300 per second) with nobody lost or duplicated.
`--diagnose` resets the outbox and delivers again: with timers per step (wall clock, then CPU at
concurrency 1), with changed knobs (concurrency, pool size, emulator in another process, sends without
the database), with a what-if subclass that batches the database work, and under cProfile. Those numbers
explain the headline; they do not replace it. Timings depend on the machine and its load: compare runs
made together (--repeat N gives the spread).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import logging
import multiprocessing as mp
import pstats
import resource
import statistics
import tempfile
import time
import uuid
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, time as dtime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import bot.reminders as reminders_module
from bot.emulator import BotAPIEmulator
from bot.factory import create_bot, create_reminders
from bot.i18n import create_i18n
from bot.notifier import Notifier
from bot.reminders import DeliveryReport, ReminderService
from bot.settings import Settings
from db.engine import create_engine, create_sessionmaker
from db.migrate import upgrade
from db.models import Client, ClientStatus, Interaction, Kind, Reminder, ReminderKind, ReminderStatus, Role, Status, User
from db.repositories.reminders import ReminderRepository

UTC = timezone.utc
# Friday 27 November 2026, 15:30 UTC = 18:30 in Moscow: everyone's evening reminder is due
NOW = datetime(2026, 11, 27, 15, 30, tzinfo=UTC)
PER_SECOND = 300  # Telegram's 30/s, times ten
PER_CHAT = 10  # Telegram's 1/s per chat, times ten
GOAL = 1.1
TG_BASE = 700_000_000
PG = dict(host="127.0.0.1", port=5432, user="postgres")
DELIVER_TIMEOUT = 300  # seconds: a hung run fails instead of waiting forever


# ---- database ---------------------------------------------------------------------------------


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(database="postgres", timeout=5, **PG)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@asynccontextmanager
async def fresh_database(backend: str):
    """A migrated, empty database; gone afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="ladon-fanout-") as tmp:
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'fanout.db'}"
            await asyncio.to_thread(upgrade, url)
            yield url
        return
    name = f"ladon_fanout_{uuid.uuid4().hex[:10]}"
    await _pg_admin(f'CREATE DATABASE "{name}"')
    try:
        url = f"postgresql+asyncpg://{PG['user']}@{PG['host']}:{PG['port']}/{name}"
        await asyncio.to_thread(upgrade, url)
        yield url
    finally:
        await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class People:
    tg_ids: list[int]
    languages: list[str]
    with_open: set[int]  # tg ids whose evening lists an open planned contact (has buttons)


async def seed(engine: AsyncEngine, count: int, open_every: int) -> People:
    """Managers in Moscow; every `open_every`-th has one contact planned for today and not done yet."""
    created = NOW - timedelta(days=30)
    users, clients, items = [], [], []
    people = People([], [], set())
    for n in range(count):
        uid, tg, language = n + 1, TG_BASE + n, ("ru", "en")[n % 2]
        users.append(dict(
            id=uid, tg_id=tg, full_name=f"Manager {n}", username=None, role=Role.MANAGER, team_id=None,
            timezone="Europe/Moscow", language=language, is_active=True, created_at=created,
            morning_at=dtime(9, 0), evening_at=dtime(18, 30), meeting_lead_min=60,
            mute_morning=False, mute_evening=False, mute_meeting=False, mute_summary=False, unreachable_at=None,
        ))
        people.tg_ids.append(tg)
        people.languages.append(language)
        if n % open_every == 0:
            cid = len(clients) + 1
            clients.append(dict(id=cid, name=f"Client {n}", name_key=f"client {n}", owner_id=uid,
                                status=ClientStatus.LEAD, created_at=created))
            # earlier today (10:00-13:00 Moscow): already past, so no meeting reminder is planned for it
            items.append(dict(id=cid, client_id=cid, manager_id=uid, kind=(Kind.MEETING, Kind.CALL)[n % 2],
                              status=Status.PLANNED, planned_at=NOW.replace(hour=7) + timedelta(hours=n % 4),
                              created_at=created))
            people.with_open.add(tg)
    async with engine.begin() as conn:
        for table, rows in ((User.__table__, users), (Client.__table__, clients), (Interaction.__table__, items)):
            for start in range(0, len(rows), 1000):  # bounded statement size
                await conn.execute(insert(table), rows[start:start + 1000])
    return people


async def reset_outbox(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Make the evening reminders pending again so a what-if run has the same work to do."""
    async with sessionmaker() as session:
        await session.execute(
            update(Reminder).where(Reminder.kind == ReminderKind.EVENING)
            .values(status=ReminderStatus.PENDING, claimed_by=None, claimed_at=None, sent_at=None, error=None)
        )
        await session.commit()


# ---- the emulator, in this event loop or in a child process -----------------------------------


class LocalEmulator:
    """The emulator on this event loop, as the e2e tests run it (it competes with the bot for the CPU)."""

    def __init__(self, people: People):
        self.emu = BotAPIEmulator(global_per_second=PER_SECOND, per_chat_per_second=PER_CHAT)
        self.people = people

    async def start(self) -> None:
        await self.emu.start()
        for tg, language in zip(self.people.tg_ids, self.people.languages):
            self.emu.add_user(tg, f"Manager {tg}", language_code=language)

    @property
    def token(self) -> str:
        return self.emu.token

    @property
    def base_url(self) -> str:
        return self.emu.base_url

    async def stats(self) -> dict[str, Any]:
        return _emulator_stats(self.emu, self.people.tg_ids)

    async def stop(self) -> None:
        await self.emu.stop()


def _emulator_stats(emu: BotAPIEmulator, tg_ids: list[int]) -> dict[str, Any]:
    sends = [r for r in emu.requests if r.method == "sendMessage"]
    return {
        "per_chat": {tg: len(emu.messages(tg)) for tg in tg_ids},
        "with_buttons": {tg for tg in tg_ids if any(m.inline_keyboard for m in emu.messages(tg))},
        # what each person saw, to check a what-if variant says exactly what the product says
        "texts": {tg: tuple((m.html or m.text, tuple(b.callback_data for row in m.inline_keyboard for b in row))
                            for m in emu.messages(tg)) for tg in tg_ids},
        "sent_count": emu.sent_count,
        "rate_limited": emu.rate_limited_count,
        "accepted_at": [r.at for r in sends if r.error_code is None],
        "limited_at": [r.at for r in sends if r.error_code == 429],
    }


def _child_emulator(conn, tg_ids: list[int], languages: list[str]) -> None:
    """Child process: serve the emulator until told to stop; answer stats on request."""

    async def main() -> None:
        emu = BotAPIEmulator(global_per_second=PER_SECOND, per_chat_per_second=PER_CHAT)
        await emu.start()
        for tg, language in zip(tg_ids, languages):
            emu.add_user(tg, f"Manager {tg}", language_code=language)
        conn.send((emu.token, emu.base_url))
        loop = asyncio.get_running_loop()
        while True:
            command = await loop.run_in_executor(None, conn.recv)
            if command == "stats":
                conn.send(_emulator_stats(emu, tg_ids))
            else:
                break
        await emu.stop()

    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main())


class ProcessEmulator:
    """The emulator in its own process: the bot keeps its CPU to itself, as against the real Telegram."""

    def __init__(self, people: People):
        self.people = people
        self._conn, child = mp.Pipe()
        self._proc = mp.get_context("spawn").Process(
            target=_child_emulator, args=(child, people.tg_ids, people.languages), daemon=True)
        self.token = self.base_url = ""

    async def start(self) -> None:
        self._proc.start()
        if not await asyncio.to_thread(self._conn.poll, 60):
            raise TimeoutError("emulator process did not start")
        self.token, self.base_url = self._conn.recv()

    async def stats(self) -> dict[str, Any]:
        self._conn.send("stats")
        if not await asyncio.to_thread(self._conn.poll, 60):
            raise TimeoutError("emulator process did not answer")
        return self._conn.recv()

    async def stop(self) -> None:
        self._conn.send("stop")
        await asyncio.to_thread(self._proc.join, 10)
        if self._proc.is_alive():
            self._proc.terminate()


# ---- one delivery run -------------------------------------------------------------------------


@dataclass
class Run:
    label: str
    wall: float
    cpu: float
    report: DeliveryReport
    per_chat: dict[int, int]
    with_buttons: set[int]
    rate_limited: int
    waits_429: int
    accepted_at: list[float]
    limited_at: list[float]
    plan_time: float | None = None
    planned: int | None = None
    rss_before_mb: float = 0.0
    probe: Probe | None = None
    texts: dict[int, tuple] = field(default_factory=dict)
    error: str | None = None  # deliver() raised

    @property
    def delivered(self) -> int:
        return sum(1 for n in self.per_chat.values() if n == 1)

    @property
    def lost(self) -> int:
        return sum(1 for n in self.per_chat.values() if n == 0)

    @property
    def duplicated(self) -> int:
        return sum(1 for n in self.per_chat.values() if n > 1)


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


async def deliver_run(
    label: str,
    url: str,
    people: People,
    *,
    plan: bool = False,
    emulator: str = "local",
    concurrency: int | None = None,
    engine_kwargs: dict[str, Any] | None = None,
    probe: Probe | None = None,
    profiler: cProfile.Profile | None = None,
    windowed: bool = False,
) -> Run:
    emu = (ProcessEmulator if emulator == "process" else LocalEmulator)(people)
    await emu.start()
    engine = create_engine(url, **(engine_kwargs or {}))
    sessionmaker = create_sessionmaker(engine)
    settings = Settings(
        _env_file=None, bot_token=emu.token, database_url=url, telegram_api_url=emu.base_url,
        notify_per_second=PER_SECOND, notify_per_chat_per_second=PER_CHAT,
    )
    bot = create_bot(settings)
    service = create_reminders(settings, bot, sessionmaker, create_i18n("ru"), lambda: NOW)
    if windowed:
        service.notifier = WindowedNotifier(bot, settings.notify_per_second, settings.notify_per_chat_per_second)
    if concurrency is not None:
        service.concurrency = concurrency
    try:
        plan_time = planned = None
        if plan:
            started = time.perf_counter()
            await service.plan(NOW)
            plan_time = time.perf_counter() - started
            async with sessionmaker() as session:
                planned = await session.scalar(
                    select(func.count()).select_from(Reminder)
                    .where(Reminder.status == ReminderStatus.PENDING, Reminder.due_at <= NOW))
        else:
            await reset_outbox(sessionmaker)
        gc.collect()
        rss_before = _rss_mb()
        with probe.attached(service, engine) if probe else _nothing():
            cpu0, wall0 = time.process_time(), time.perf_counter()
            if profiler:
                profiler.enable()
            error = None
            try:
                report = await asyncio.wait_for(service.deliver(NOW), DELIVER_TIMEOUT)
            except Exception as exc:  # a crash mid-fan-out is a result to report, not the end of the benchmark
                error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:90]}"
                logging.getLogger(__name__).error("deliver() raised in %r", label, exc_info=True)
                report = DeliveryReport()
            finally:
                if profiler:
                    profiler.disable()
            wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
            if error:
                await _settle()  # sends gather() left running still go out; count them too
        stats = await emu.stats()
        return Run(label, wall, cpu, report, stats["per_chat"], stats["with_buttons"], stats["rate_limited"],
                   service.notifier.retried_after_429, stats["accepted_at"], stats["limited_at"],
                   plan_time, planned, rss_before, probe, stats["texts"], error)
    finally:
        await bot.session.close()
        await engine.dispose()
        await emu.stop()


@contextmanager
def _nothing():
    yield


async def _settle(limit: float = 60.0) -> None:
    """Wait (bounded) for the per-reminder tasks deliver()'s gather() left running after one of them raised."""
    left = [t for t in asyncio.all_tasks() if not t.done() and "deliver" in getattr(t.get_coro(), "__qualname__", "")]
    if left:
        await asyncio.wait(left, timeout=limit)


async def sends_only(people: People, emulator: str, concurrency: int = 64) -> Run:
    """The Notifier alone sending a fixed text to everyone: pacing + HTTP + emulator, no database."""
    emu = (ProcessEmulator if emulator == "process" else LocalEmulator)(people)
    await emu.start()
    settings = Settings(_env_file=None, bot_token=emu.token, telegram_api_url=emu.base_url,
                        notify_per_second=PER_SECOND, notify_per_chat_per_second=PER_CHAT)
    bot = create_bot(settings)
    notifier = Notifier(bot, settings.notify_per_second, settings.notify_per_chat_per_second)
    gate = asyncio.Semaphore(concurrency)

    async def one(tg: int) -> None:
        async with gate:
            await notifier.send_message(tg, "You have not logged a single contact today.")

    try:
        cpu0, wall0 = time.process_time(), time.perf_counter()
        await asyncio.wait_for(asyncio.gather(*(one(tg) for tg in people.tg_ids)), DELIVER_TIMEOUT)
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        stats = await emu.stats()
        return Run(f"sends only, no DB ({emulator} emulator)", wall, cpu, DeliveryReport(sent=notifier.sent),
                   stats["per_chat"], set(), stats["rate_limited"], notifier.retried_after_429,
                   stats["accepted_at"], stats["limited_at"])
    finally:
        await bot.session.close()
        await emu.stop()


# ---- instrumentation (--diagnose) -------------------------------------------------------------


@dataclass
class Probe:
    """Timers around the steps of ReminderService._deliver_one, plus pacer and loop health.

    clock=time.process_time with concurrency 1 turns the timers into CPU cost per step."""

    clock: Callable[[], float] = time.perf_counter
    timings: dict[str, list[float]] = field(default_factory=lambda: {})
    pacer_idle: float = 0.0  # time the pacer's next slot went unused: no send was ready for it
    pacer_idle_gaps: int = 0
    in_flight_samples: list[int] = field(default_factory=list)
    pool_samples: list[int] = field(default_factory=list)
    loop_lag: list[float] = field(default_factory=list)
    statements: Counter = field(default_factory=Counter)

    def add(self, step: str, seconds: float) -> None:
        self.timings.setdefault(step, []).append(seconds)

    def timed(self, step: str, fn: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def wrapper(*args, **kwargs):
            started = self.clock()
            try:
                return await fn(*args, **kwargs)
            finally:
                self.add(step, self.clock() - started)
        return wrapper

    @contextmanager
    def attached(self, service: ReminderService, engine: AsyncEngine):
        notifier = service.notifier
        originals = [
            (reminders_module, "render_reminder", reminders_module.render_reminder),
            (ReminderRepository, "finish", ReminderRepository.finish),
            (AsyncSession, "commit", AsyncSession.commit),
            (AsyncSession, "get", AsyncSession.get),
        ]
        reminders_module.render_reminder = self.timed("render_reminder (2 SELECTs + selectin)",
                                                      reminders_module.render_reminder)
        ReminderRepository.finish = self.timed("finish UPDATE", ReminderRepository.finish)
        AsyncSession.commit = self.timed("COMMIT", AsyncSession.commit)
        AsyncSession.get = self.timed("session.get(User) incl. pool checkout", AsyncSession.get)
        in_flight = [0]
        deliver_one = service._deliver_one

        async def counted(reminder, now):
            in_flight[0] += 1
            started = self.clock()
            try:
                return await deliver_one(reminder, now)
            finally:
                in_flight[0] -= 1
                self.add("whole _deliver_one", self.clock() - started)

        service._deliver_one = counted
        pace = notifier._pace

        async def pace_probe(chat_id: int) -> None:
            # a slot already in the past when a send asks for it is capacity nobody used
            gap = notifier._now() - max(notifier._next_slot, notifier._paused_until)
            if notifier._next_slot and gap > 0:
                self.pacer_idle += gap
                self.pacer_idle_gaps += 1
            started = self.clock()
            await pace(chat_id)
            self.add("pacing (wait)", self.clock() - started)

        notifier._pace = pace_probe
        notifier.bot.send_message = self.timed("HTTP sendMessage (aiogram + emulator)", notifier.bot.send_message)

        def count(conn, cursor, statement, *args):
            self.statements[statement.split(None, 1)[0].upper()] += 1

        event.listen(engine.sync_engine, "before_cursor_execute", count)
        monitor = asyncio.get_running_loop().create_task(self._monitor(engine, in_flight))
        try:
            yield self
        finally:
            monitor.cancel()
            event.remove(engine.sync_engine, "before_cursor_execute", count)
            for owner, name, original in originals:
                setattr(owner, name, original)

    async def _monitor(self, engine: AsyncEngine, in_flight: list[int]) -> None:
        period = 0.01
        for _ in range(int(DELIVER_TIMEOUT / period)):  # bounded: cancelled when delivery ends
            started = time.perf_counter()
            await asyncio.sleep(period)
            self.loop_lag.append(time.perf_counter() - started - period)
            self.in_flight_samples.append(in_flight[0])
            self.pool_samples.append(engine.sync_engine.pool.checkedout())


# ---- what-if: batched database work (NOT product code; tries the suggested change) ---------------


class WindowedNotifier(Notifier):
    """What-if: after the reserved slot, also keep actual sends under the limit in any 1-second window,
    so tasks that wake late together (a stalled loop) cannot burst past it; a pause that began while a
    send slept is honoured too."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._cap = max(1, int(1 / self._interval))  # per_second * SAFETY
        self._window: deque[float] = deque()

    async def _pace(self, chat_id: int) -> None:
        await super()._pace(chat_id)
        for _ in range(1000):  # bounded; each pass waits for the window or the pause
            now = self._now()
            while self._window and self._window[0] <= now - 1.0:
                self._window.popleft()
            wait = max(self._paused_until - now,
                       self._window[0] + 1.0 - now if len(self._window) >= self._cap else 0.0)
            if wait <= 0:
                break
            await self._sleep(wait)
        self._window.append(self._now())


def _rate_profile(accepted_at: list[float]) -> tuple[float, int]:
    """Steady rate (middle 80% of sends) and the most sends in any 1-second window."""
    if len(accepted_at) < 10:
        return 0.0, len(accepted_at)
    ts = sorted(accepted_at)
    lo, hi = int(len(ts) * 0.1), int(len(ts) * 0.9)
    steady = (hi - lo) / (ts[hi] - ts[lo]) if ts[hi] > ts[lo] else 0.0
    best, j = 0, 0
    for i, t in enumerate(ts):
        while ts[j] <= t - 1.0:
            j += 1
        best = max(best, i - j + 1)
    return steady, best


def print_headline(backend: str, run: Run, people: People, open_count: int) -> None:
    floor = len(people.tg_ids) / PER_SECOND
    ratio = run.wall / floor
    steady, peak_window = _rate_profile(run.accepted_at)
    buttons_ok = run.with_buttons == people.with_open
    met = ratio <= GOAL and run.lost == 0 and run.duplicated == 0
    r = run.report
    rows = [
        ("backend", backend),
        ("people (with an open contact / nudge only)", f"{len(people.tg_ids)} ({open_count} / {len(people.tg_ids) - open_count})"),
        ("plan(now): time, reminders due", f"{run.plan_time:.2f} s, {run.planned}"),
        ("deliver(now): wall time", f"{run.wall:.2f} s"),
        (f"floor ({len(people.tg_ids)} / {PER_SECOND} per s)", f"{floor:.2f} s"),
        ("ratio to the floor (goal <= 1.10)", f"{ratio:.2f}x"),
        ("pacing alone (Notifier SAFETY 0.95)", f"{floor / 0.95:.2f} s = {1 / 0.95:.3f}x"),
        ("delivered (exactly one message)", f"{run.delivered}"),
        ("lost (no message, must be 0)", f"{run.lost}"),
        ("duplicated (>1 message, must be 0)", f"{run.duplicated}"),
        ("messages with buttons == people with an open contact", "yes" if buttons_ok else f"NO ({len(run.with_buttons)})"),
        ("429 answered by the emulator / Notifier waits", f"{run.rate_limited} / {run.waits_429}"),
        ("DeliveryReport sent/skipped/failed/dropped", f"{r.sent}/{r.skipped}/{r.failed}/{r.dropped}"),
        ("steady send rate (middle 80%), busiest 1-s window", f"{steady:.0f}/s, {peak_window}"),
        ("CPU during deliver (one process)", f"{run.cpu:.2f} s = {run.cpu / run.wall:.0%} of a core, "
                                             f"{run.cpu / max(1, r.sent) * 1000:.2f} ms/message"),
        ("RSS before deliver / peak RSS", f"{run.rss_before_mb:.0f} MB / {_peak_rss_mb():.0f} MB"),
        ("deliver() raised", run.error or "no"),
        ("goal met", "YES" if met and not run.error else "NO"),
    ]
    width = max(len(k) for k, _ in rows)
    print(f"\nFan-out of the evening reminder, {backend}")
    print("-" * (width + 30))
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    print("-" * (width + 30))


def _bursts(run: Run) -> str:
    """Start of each run of 429s (answers less than 0.5 s apart belong together)."""
    if not run.limited_at:
        return ""
    t0, starts, last = min(run.accepted_at + run.limited_at), [], None
    for t in sorted(run.limited_at):
        if last is None or t - last > 0.5:
            starts.append(t - t0)
        last = t
    return ", ".join(f"{t:.1f}" for t in starts)


def print_runs(runs: list[Run], people: int) -> None:
    floor = people / PER_SECOND
    print("\nWhat-if runs (same database, outbox reset before each; 'same': every text and button as in the first run)")
    head = (f"{'run':<56} {'wall s':>7} {'ratio':>6} {'CPU/msg':>8} {'CPU%':>5} {'429':>4} {'lost':>5} {'dup':>4}"
            f" {'sent':>5} {'steady/s':>8} {'same':>4}  429 bursts at (s after 1st send)")
    print(head)
    print("-" * len(head))
    for run in runs:
        steady, _ = _rate_profile(run.accepted_at)
        same = "-" if not run.texts else ("yes" if run.texts == runs[0].texts else "NO")
        print(f"{run.label:<56} {run.wall:>7.2f} {run.wall / floor:>5.2f}x {run.cpu / max(1, len(run.accepted_at)) * 1000:>6.2f}ms"
              f" {run.cpu / run.wall:>5.0%} {run.rate_limited:>4} {run.lost:>5} {run.duplicated:>4} {run.report.sent:>5}"
              f" {steady:>8.0f} {same:>4}  {_bursts(run)}" + (f"  deliver() raised {run.error}" if run.error else ""))


def print_probe(run: Run) -> None:
    probe = run.probe
    assert probe is not None
    cpu = probe.clock is time.process_time
    print(f"\nInstrumented run: {run.label}: wall {run.wall:.2f} s, {len(run.accepted_at)} sends")
    title = "step: " + ("CPU (process_time)" if cpu else "wall clock, awaits included")
    print(f"{title:<44} {'n':>5} {'mean ms':>8} {'p50':>7} {'p95':>7} {'max':>7} {'sum s':>7}")
    for step, values in probe.timings.items():
        values = sorted(values)
        p50, p95 = (values[min(len(values) - 1, int(q * len(values)))] * 1000 for q in (0.5, 0.95))
        print(f"{step:<44} {len(values):>5} {statistics.fmean(values) * 1000:>8.2f} {p50:>7.2f} {p95:>7.2f}"
              f" {values[-1] * 1000:>7.1f} {sum(values):>7.2f}")
    if cpu:
        return
    lag = sorted(probe.loop_lag) or [0.0]
    print(f"pacer slots nobody was ready for: {probe.pacer_idle:.2f} s over {probe.pacer_idle_gaps} gaps")
    print(f"event-loop lag (10 ms ticker): p50 {lag[len(lag) // 2] * 1000:.1f} ms, p95 {lag[int(len(lag) * .95)] * 1000:.1f} ms,"
          f" max {lag[-1] * 1000:.1f} ms")
    if probe.in_flight_samples:
        print(f"reminders in flight (mean / max): {statistics.fmean(probe.in_flight_samples):.1f} / {max(probe.in_flight_samples)};"
              f" pooled connections checked out (mean / max): {statistics.fmean(probe.pool_samples):.1f} / {max(probe.pool_samples)}")
    per_msg = {k: round(v / max(1, len(run.accepted_at)), 2) for k, v in sorted(probe.statements.items())}
    print(f"SQL statements per reminder: {per_msg}")
    if run.limited_at:
        t0 = min(run.accepted_at + run.limited_at)
        print(f"429s at (s after the first send): {[round(t - t0, 2) for t in sorted(run.limited_at)][:20]}")


AREAS = (  # first match wins: (label, needle in "file:function")
    ("SQLAlchemy", "/sqlalchemy/"),
    ("aiosqlite / asyncpg (driver, loop side)", "/aiosqlite/"),
    ("aiosqlite / asyncpg (driver, loop side)", "/asyncpg/"),
    ("sqlite3 C calls (loop thread)", "sqlite3"),
    ("aiogram", "/aiogram/"),
    ("pydantic", "pydantic"),
    ("aiohttp (client)", "/aiohttp/"),
    ("asyncio + selectors", "/asyncio/"),
    ("asyncio + selectors", "selectors.py"),
    ("asyncio + selectors", "select.epoll"),
    ("babel / gettext", "/babel/"),
    ("babel / gettext", "gettext"),
    ("json", "/json/"),
    ("zoneinfo / datetime", "zoneinfo"),
    ("project (bot, handlers, db)", "/work/main/bot/"),
    ("project (bot, handlers, db)", "/work/main/handlers/"),
    ("project (bot, handlers, db)", "/work/main/db/"),
    ("project (bot, handlers, db)", "/work/main/reports/"),
)
def print_profile(profiler: cProfile.Profile, run: Run, top: int = 25) -> None:
    """Own time by area, then the hottest functions (coroutines make cumulative times meaningless)."""
    stats = pstats.Stats(profiler)
    n = max(1, len(run.accepted_at))
    by_area: Counter = Counter()
    for (filename, _, name), (_, _, tottime, _, _) in stats.stats.items():
        where = f"{filename}:{name}"
        by_area[next((label for label, needle in AREAS if needle in where), "other")] += tottime
    total = sum(by_area.values())
    print(f"\ncProfile of deliver ({run.label}): {run.wall:.2f} s wall, {run.cpu:.2f} s CPU,"
          f" own time {total:.2f} s = {total / n * 1000:.2f} ms per message (cProfile inflates calls-heavy code;"
          f" epoll wait is idle time)")
    for area, seconds in by_area.most_common():
        print(f"  {seconds / n * 1000:6.2f} ms  {seconds / total:4.0%}  {area}")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    body = out.getvalue()
    print(f"  top {top} functions by own time (whole run):")
    print("\n".join("    " + line for line in body[body.find("   ncalls"):].rstrip().splitlines()))


# ---- main -------------------------------------------------------------------------------------


async def main_async(args: argparse.Namespace) -> int:
    async with fresh_database(args.db) as url:
        engine = create_engine(url)
        started = time.perf_counter()
        people = await seed(engine, args.people, args.open_every)
        await engine.dispose()
        print(f"seeded {len(people.tg_ids)} managers in {time.perf_counter() - started:.2f} s ({args.db})")
        headline = await deliver_run("product as is", url, people, plan=True)
        print_headline(args.db, headline, people, len(people.with_open))
        runs = [headline]
        for n in range(1, args.repeat):
            runs.append(await deliver_run(f"product as is, repeat {n}", url, people))
        probed = costed = profiled = None
        if args.diagnose or args.probe:
            probed = await deliver_run("product as is, instrumented", url, people, probe=Probe())
            costed = await deliver_run("CPU per step: concurrency 1, emulator in another process", url, people,
                                       emulator="process", concurrency=1, probe=Probe(clock=time.process_time))
            runs += [probed, costed]
        if args.diagnose or args.what_if:
            for emulator in ("local", "process"):
                runs.append(await sends_only(people, emulator))
            runs.append(await deliver_run("product, emulator in another process", url, people, emulator="process"))
            for concurrency in (16, 256):
                runs.append(await deliver_run(f"concurrency {concurrency} (default 64)", url, people,
                                              concurrency=concurrency))
            runs.append(await deliver_run("pool_size=64 (default 5+10 overflow)", url, people,
                                          engine_kwargs=dict(pool_size=64, max_overflow=8)))
        if args.diagnose or args.profile:
            profiler = cProfile.Profile()
            profiled = await deliver_run("product, emulator in another process, cProfile", url, people,
                                         emulator="process", profiler=profiler)
            runs.append(profiled)
        if len(runs) > 1:
            print_runs(runs, len(people.tg_ids))
        if args.repeat > 1:
            walls = [r.wall for r in runs[:args.repeat]]
            print(f"\nproduct as is, {args.repeat} runs: wall {', '.join(f'{w:.2f}' for w in walls)} s;"
                  f" median {statistics.median(walls):.2f} s = {statistics.median(walls) / (args.people / PER_SECOND):.2f}x")
        if probed:
            print_probe(probed)
        if costed:
            print_probe(costed)
        if profiled:
            print_profile(profiler, profiled)
        return 0 if headline.lost == headline.duplicated == 0 and not headline.error else 1


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.fanout", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--people", type=int, default=3000)
    parser.add_argument("--open-every", type=int, default=3, help="every N-th person has an open contact today")
    parser.add_argument("--repeat", type=int, default=1, help="deliver again N-1 times (outbox reset) for the spread")
    parser.add_argument("--diagnose", action="store_true", help="after the headline: all of the below")
    parser.add_argument("--probe", action="store_true", help="a run with wall-clock timers around each step")
    parser.add_argument("--what-if", action="store_true", help="runs with changed knobs (concurrency, pool, ...)")
    parser.add_argument("--profile", action="store_true", help="a cProfile'd run, emulator in another process")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    raise SystemExit(asyncio.run(main_async(args)))


if __name__ == "__main__":
    main()
