"""Server-side cost of one update of the contact-logging flow, against a bare-aiogram floor.

    .venv/bin/python -m tests.benchmarks.logging_flow [--iterations 300] [--warmup 20] [--profile]

Each update goes through the real dispatcher (all middlewares, DB-backed FSM, 1M-interaction SQLite
file) and then, unchanged, through a Dispatcher whose only handlers do nothing: the floor is what
aiogram itself costs per update. The product's goal is at most 3x the floor.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import platform
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from aiogram import Bot, Dispatcher, Router
from aiogram.methods import AnswerCallbackQuery, EditMessageText
from aiogram.types import Update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.factory import create_bot, create_dispatcher
from bot.settings import Settings
from db.engine import create_engine, create_sessionmaker
from db.repositories import SystemRepository
from handlers.callbacks import LogCb
from tests.benchmarks import seed
from tests.benchmarks.stats import Samples, print_table
from tests.benchmarks.telegram import TOKEN, Chat, RecordingSession

GOAL = 3.0

Step = tuple[str, Callable[[Chat], Update]]


def _is_client(button) -> bool:
    data = button.callback_data or ""
    return data.startswith(f"{LogCb.__prefix__}:") and LogCb.unpack(data).a == "cl"


MENU: Step = ("menu", lambda chat: chat.text("📝 Log a contact"))
CLIENT: Step = ("client", lambda chat: chat.tap(_is_client))  # the first recent client offered
KIND: Step = ("kind", lambda chat: chat.tap_text("🤝 Meeting"))
PATHS: dict[str, list[Step]] = {
    "agreed": [
        MENU, CLIENT, KIND,
        ("outcome", lambda chat: chat.tap_text("✅ Agreed")),
        ("amount", lambda chat: chat.text("50 000")),
        ("save", lambda chat: chat.tap_text("In a week")),
    ],
    "refused": [
        MENU, CLIENT, KIND,
        ("outcome", lambda chat: chat.tap_text("❌ Refused")),
        ("reason", lambda chat: chat.tap_text("Budget exhausted")),
        ("save", lambda chat: chat.tap_text("No next step")),
    ],
}
# each path logs one contact: a new row, or a plan of that client it completes (the next step may
# move a later plan rather than add a row, so rows are not what to count)


def floor_dispatcher() -> Dispatcher:
    router = Router(name="floor")

    @router.message()
    async def _message(message) -> None:
        return None

    @router.callback_query()
    async def _callback(query) -> None:
        return None

    dp = Dispatcher()
    dp.include_router(router)
    return dp


class ReplyFloor:
    """A bare dispatcher whose handler sends exactly the reply the product sent: no state, no
    middleware, and no database unless given a sessionmaker. Without one, it is what aiogram costs
    to build and send that reply, the least any bot answering this update pays. With one, the
    reply goes inside a transaction that writes one row (the update's dedup mark) and commits: the
    least a bot pays that answers and remembers it did, on this stack."""

    DURABLE_IDS = 10**12  # its dedup marks must not collide with the product's

    def __init__(self, bot: Bot, sessionmaker: async_sessionmaker[AsyncSession] | None = None) -> None:
        self.bot = bot  # its own recording session: replies must not become the chat's newest message
        self.sessionmaker = sessionmaker
        self.replies: list[tuple[type, dict]] = []
        router = Router(name="reply-floor")

        async def _reply(event, bot: Bot, event_update: Update) -> None:
            if self.sessionmaker is None:
                await self._send(bot)
                return
            async with self.sessionmaker() as session:
                await SystemRepository(session).claim_update(self.DURABLE_IDS + event_update.update_id)
                await self._send(bot)
                await session.commit()

        router.message()(_reply)
        router.callback_query()(_reply)
        self.dp = Dispatcher()
        self.dp.include_router(router)

    async def _send(self, bot: Bot) -> None:
        for method, payload in self.replies:
            await bot(method.model_validate(payload))  # built from plain data, as a handler does

    def expect(self, calls: list) -> None:
        self.replies = [(type(call), call.model_dump(exclude_unset=True)) for call in calls]


class Clock:
    """Starts at the seed's anchor and runs in real time, so logged_at keeps increasing."""

    def __init__(self) -> None:
        self._start = time.monotonic()

    def __call__(self) -> datetime:
        return seed.ANCHOR + timedelta(seconds=time.monotonic() - self._start)


class Bench:
    def __init__(self, db_path: Path, storage=None, api: RecordingSession | None = None):
        url = f"sqlite+aiosqlite:///{db_path}"
        self.settings = Settings(
            _env_file=None, bot_token=TOKEN, database_url=url, admin_ids="", default_timezone="Europe/Moscow"
        )
        self.engine = create_engine(url)
        self.api = api or RecordingSession()
        self.bot: Bot = create_bot(self.settings, session=self.api)
        sessionmaker = create_sessionmaker(self.engine)
        self.dp = create_dispatcher(self.settings, sessionmaker, clock=Clock(), storage=storage)
        self.floor = floor_dispatcher()
        self.reply_floor = ReplyFloor(create_bot(self.settings, session=RecordingSession()))
        self.durable_floor = ReplyFloor(create_bot(self.settings, session=RecordingSession()), sessionmaker)
        self.chats = [Chat(self.bot, self.api, tg_id, f"Manager{n}") for n, tg_id in enumerate(seed.manager_tg_ids())]
        self.runs = 0

    async def run_path(self, name: str, record: dict[str, Samples] | None, hooks=None) -> None:
        """One pass of a path by the next manager in turn; with `record`, times go into it."""
        chat = self.chats[self.runs % len(self.chats)]
        self.runs += 1
        # only this pass's calls are kept: a log growing over thousands of updates would make the
        # garbage collector's full passes, not the bot, show up in p99
        self.api.calls.clear()
        self.reply_floor.bot.session.calls.clear()
        self.durable_floor.bot.session.calls.clear()
        for step, make in PATHS[name]:
            update = make(chat)
            if hooks:
                hooks.before(f"{name}: {step}")
            called = len(self.api.calls)
            started = time.perf_counter_ns()
            await self.dp.feed_update(self.bot, update)
            real = time.perf_counter_ns() - started
            if hooks:
                hooks.after()
            started = time.perf_counter_ns()
            await self.floor.feed_update(self.bot, update)
            floor = time.perf_counter_ns() - started
            spent = []
            for reference in (self.reply_floor, self.durable_floor):
                reference.expect(self.api.calls[called:])
                started = time.perf_counter_ns()
                await reference.dp.feed_update(reference.bot, update)
                spent.append(time.perf_counter_ns() - started)
            if record is not None:
                record[f"{name}: {step}"].add(real, floor, *spent)
        self._check(name, self.api.calls)

    @staticmethod
    def _check(name: str, calls: list) -> None:
        """A benchmark of a flow that silently went stale would measure nothing: insist it saved."""
        alerts = [c.text for c in calls if isinstance(c, AnswerCallbackQuery) and c.show_alert]
        edits = [c.text for c in calls if isinstance(c, EditMessageText)]
        if alerts or not edits or not edits[-1].startswith("✅ Saved"):
            raise RuntimeError(f"{name} path did not save: alerts={alerts}, last edit={edits[-1:]}")

    async def interactions(self) -> int:
        """Logged contacts."""
        async with self.engine.connect() as conn:
            return (await conn.exec_driver_sql("SELECT count(*) FROM interactions WHERE logged_at IS NOT NULL")).scalar_one()

    async def close(self) -> None:
        await self.bot.session.close()
        await self.engine.dispose()


async def measure(db_path: Path, iterations: int, warmup: int) -> tuple[dict[str, Samples], int]:
    bench = Bench(db_path)
    try:
        before = await bench.interactions()
        for _ in range(warmup):
            for name in PATHS:
                await bench.run_path(name, None)
        gc.collect()
        samples: dict[str, Samples] = defaultdict(Samples)
        for _ in range(iterations):
            for name in PATHS:
                await bench.run_path(name, samples)
        written = await bench.interactions() - before
        expected = (iterations + warmup) * len(PATHS)
        if written != expected:
            raise RuntimeError(f"expected {expected} contacts logged, found {written}")
        return samples, written
    finally:
        await bench.close()


def seeded(rebuild: bool) -> seed.SeededDb:
    """Seeding runs in a child process, so its million dicts do not count in our peak RSS."""
    out = subprocess.run(
        [sys.executable, "-m", "tests.benchmarks.seed", *(["--rebuild"] if rebuild else [])],
        check=True, capture_output=True, text=True,
    ).stdout
    info = json.loads(out.strip().splitlines()[-1])
    return seed.SeededDb(Path(info["path"]), info["seed_seconds"])


def working_copy(source: Path) -> Path:
    """Every run starts from the same seeded state; the copy is thrown away afterwards."""
    target = source.with_name("run.db")
    for stale in source.parent.glob("run.db*"):
        stale.unlink()
    shutil.copyfile(source, target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iterations", type=int, default=300, help="timed passes of each path")
    parser.add_argument("--warmup", type=int, default=20, help="untimed passes of each path first")
    parser.add_argument("--rebuild", action="store_true", help="seed the database again even if cached")
    parser.add_argument("--profile", action="store_true", help="then profile each step (SQL and Python)")
    args = parser.parse_args()

    db = seeded(args.rebuild)
    print(f"database: {db.path} ({db.path.stat().st_size / 2**20:.0f} MiB)")
    print("seed: " + (f"built in {db.seed_seconds:.1f} s" if db.seed_seconds is not None else "reused from cache"))
    run_db = working_copy(db.path)
    try:
        started = time.perf_counter()
        samples, written = asyncio.run(measure(run_db, args.iterations, args.warmup))
        elapsed = time.perf_counter() - started
        print(
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
            f"{args.iterations} timed + {args.warmup} warmup passes per path, {written} contacts logged, "
            f"{elapsed:.1f} s"
        )
        print_table(samples, list(PATHS), GOAL)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS: {peak:.0f} MiB")
        if args.profile:
            from tests.benchmarks.profiling import profile

            profile(Bench, run_db, list(PATHS), iterations=min(args.iterations, 100))
    finally:
        for path in run_db.parent.glob("run.db*"):
            path.unlink()


if __name__ == "__main__":
    main()
