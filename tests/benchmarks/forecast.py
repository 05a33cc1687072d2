"""The month's forecast for 50 managers on the 1M-interaction database, beside its floor.

    .venv/bin/python -m tests.benchmarks.forecast [--repeat 5]

Timed on a copy of the seeded SQLite file (`tests/benchmarks/seed.py`; the cached file is never
written to), with the seed's clock (`seed.ANCHOR`) as now and an admin added to see everyone:
`reports.outlook.live` (factors from 90 days, the month so far, 4,000 simulations per manager and
the team's sum: what /forecast and the digest compute) and the backtest `/forecast accuracy` runs
over three years. The floor is the repository's sales query alone, in the same run. Goal: the
forecast under 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import shutil
import sqlite3
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from db.engine import create_engine, create_sessionmaker
from db.models import Role, User
from db.repositories import Repos
from reports.dates import day_bounds, local_today
from reports.forecast import WINDOW_DAYS
from reports.outlook import accuracy, live
from reports.workdays import WorkCalendar
from tests.benchmarks import seed

GOAL = 1.0  # seconds for the forecast
TZ = "Europe/Moscow"


def _copy_with_admin(directory: Path) -> Path:
    source = seed.ensure().path
    target = directory / "forecast.db"
    shutil.copyfile(source, target)
    with sqlite3.connect(target) as conn:
        conn.execute(
            "INSERT INTO users (tg_id, full_name, role, timezone, language, is_active, created_at, morning_at,"
            " evening_at, meeting_lead_min, mute_morning, mute_evening, mute_meeting, mute_summary, remind_calls)"
            " VALUES (990000001, 'Admin', 'admin', ?, 'ru', 1, '2026-01-01 00:00:00.000000', '09:00:00.000000',"
            " '18:30:00.000000', 60, 0, 0, 0, 0, 0)", (TZ,))
    return target


async def _timed(work, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        await work()
        times.append(time.perf_counter() - started)
    return times


async def main_async(repeat: int) -> None:
    calendar = WorkCalendar("RU")
    with tempfile.TemporaryDirectory() as directory:
        path = _copy_with_admin(Path(directory))
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        sessions = create_sessionmaker(engine)
        now = seed.ANCHOR
        async with sessions() as session:
            admin = await session.scalar(select(User).where(User.role == Role.ADMIN))
        today = local_today(now, TZ)

        async def forecast():
            async with sessions() as session:
                repos = Repos(session, admin)
                people = await repos.reports.people()
                view = await live(repos.reports, repos.plans, people, now, TZ, calendar)
                assert len(view.month.people) == len(people)

        async def floor():
            async with sessions() as session:
                repos = Repos(session, admin)
                ids = [p.id for p in await repos.reports.people()]
                since = today - timedelta(days=WINDOW_DAYS)
                await repos.reports.sales(ids, (day_bounds(since, TZ)[0], day_bounds(today, TZ)[0]), TZ)

        async def backtest():
            async with sessions() as session:
                repos = Repos(session, admin)
                await accuracy(repos.reports, await repos.reports.people(), now, TZ, calendar)

        await forecast()  # warm: imports, caches, the first simulation
        managers = len(await _people(sessions, admin))
        rows = [
            ("forecast for everyone (live)", await _timed(forecast, repeat)),
            ("floor: the sales query alone", await _timed(floor, repeat)),
            ("backtest, three years (/forecast accuracy)", await _timed(backtest, max(1, repeat // 2))),
        ]
        await engine.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{managers} managers, 1,000,000 interactions (SQLite), {repeat} runs; medians")
    print(f"{'what':44} | {'median':>8} | {'min':>8} | ratio to floor")
    floor_median = statistics.median(rows[1][1])
    for name, times in rows:
        median = statistics.median(times)
        print(f"{name:44} | {median:7.3f}s | {min(times):7.3f}s | {median / floor_median:5.1f}×")
    verdict = "within" if statistics.median(rows[0][1]) < GOAL else "ABOVE"
    print(f"goal: the forecast under {GOAL:.0f} s: {verdict} the goal; peak RSS {peak:.0f} MiB")


async def _people(sessions, admin) -> list:
    async with sessions() as session:
        return await Repos(session, admin).reports.people()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    asyncio.run(main_async(parser.parse_args().repeat))


if __name__ == "__main__":
    main()
