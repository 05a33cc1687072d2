"""The nightly scoring run on the 1,000,000-interaction seed: time, peak memory, and how late the
bot's event loop gets while it runs.

    .venv/bin/python -m tests.benchmarks.scoring [--rebuild] [--only-child]

On a throwaway copy of the cached seed (its clock, `seed.ANCHOR`, is "now"):

- the product's way: `bot.scoring.run_in_child`, a process of its own, while a ticker on this
  event loop sleeping 1 ms records how late it wakes. The child reports its phases and its RSS
  high-water mark (what the goal of 500 MB is about: the bot's own process does not grow);
- for comparison (not the product): the same run in a worker thread of this process
  (`asyncio.to_thread`, its own event loop and engine), and on this event loop itself.

Goals: training under 60 s and under 500 MB. The seed's outcomes are random, so its ROC AUC is
about 0.5 by design: this measures cost, not accuracy (see `python -m bot scoring-report --demo`).
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from tests.benchmarks import seed
from tests.benchmarks.stats import percentile

# Heavier imports wait inside main(): the training process is spawned, and it imports this module
# again as its __main__, which should cost it no more than the bot's own entry point does.
TICK = 0.001
GOAL_SECONDS, GOAL_MB = 60, 500


async def _ticking(lateness: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(TICK)
        lateness.append(time.perf_counter() - started - TICK)


async def watched(work: Callable[[], Awaitable]) -> tuple[object, float, list[float]]:
    """`work`'s result, its wall time and how late the ticker woke meanwhile."""
    lateness: list[float] = []
    stop = asyncio.Event()
    ticker = asyncio.create_task(_ticking(lateness, stop))
    await asyncio.sleep(0.05)
    lateness.clear()
    started = time.perf_counter()
    try:
        result = await work()
    finally:
        wall = time.perf_counter() - started
        stop.set()
        await ticker
    return result, wall, lateness


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _stall(lateness: list[float]) -> str:
    return f"longest {max(lateness) * 1000:,.0f} ms, p99 {percentile(lateness, 99) * 1000:,.1f} ms"


def _report(title: str, run, wall: float, lateness: list[float]) -> None:
    print(f"\n{title}")
    print(f"  wall {wall:.1f} s; the run's own {run.seconds:.1f} s: "
          + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in run.phases))
    print(f"  {run.examples:,} decisions learned from ({run.agreed:,} agreed, {run.refused:,} refused), "
          f"{run.scored:,} clients scored; last month's AUC {run.auc:.3f} on {run.tested_on:,} (random by design)")
    print(f"  peak RSS of the process that trained: {run.peak_mb:,.0f} MB")
    print(f"  event loop: {_stall(lateness)}")


async def main_async(url: str, only_child: bool) -> None:
    from bot.scoring import run_in_child, train_and_score
    from db.engine import create_engine, create_sessionmaker

    _none, _wall, idle = await watched(lambda: asyncio.sleep(2))
    print(f"idle loop for comparison: {_stall(idle)}; this process's RSS so far {_rss_mb():,.0f} MB")

    run, wall, lateness = await watched(lambda: run_in_child(url, seed.ANCHOR))
    _report("In a child process (the product's way):", run, wall, lateness)
    met = run.seconds < GOAL_SECONDS and run.peak_mb < GOAL_MB
    print(f"  goal (< {GOAL_SECONDS} s, < {GOAL_MB} MB): {'met' if met else 'NOT met'}; "
          f"this process's RSS {_rss_mb():,.0f} MB")
    if only_child:
        return

    def in_thread():
        async def job():
            engine = create_engine(url)
            try:
                return await train_and_score(create_sessionmaker(engine), seed.ANCHOR)
            finally:
                await engine.dispose()

        return asyncio.run(job())

    run, wall, lateness = await watched(lambda: asyncio.to_thread(in_thread))
    _report("In a worker thread of the bot's process (not the product):", run, wall, lateness)

    engine = create_engine(url)
    try:
        run, wall, lateness = await watched(lambda: train_and_score(create_sessionmaker(engine), seed.ANCHOR))
    finally:
        await engine.dispose()
    _report("On the bot's event loop itself (not the product):", run, wall, lateness)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rebuild", action="store_true", help="seed the database again even if cached")
    parser.add_argument("--only-child", action="store_true", help="only the product's way, no comparisons")
    args = parser.parse_args()
    from tests.benchmarks.logging_flow import seeded

    db = seeded(args.rebuild)
    print(f"database: {db.path} ({db.path.stat().st_size / 2**20:.0f} MiB), "
          + (f"seeded in {db.seed_seconds:.1f} s" if db.seed_seconds is not None else "reused from cache"))
    folder = Path(tempfile.mkdtemp(prefix="ladon-scoring-bench-"))
    try:
        copy = folder / "run.db"
        shutil.copyfile(db.path, copy)  # the cached seed is never written to
        asyncio.run(main_async(f"sqlite+aiosqlite:///{copy}", args.only_child))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
