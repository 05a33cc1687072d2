"""Many managers tapping at once, with Telegram's round trip in the way.

    .venv/bin/python -m tests.benchmarks.concurrency [--managers 50] [--rtt-ms 50]

Each step of the agreed logging path is sent by every manager at the same moment, through the
real dispatcher on the 1M-interaction SQLite file, with every Bot API call taking `--rtt-ms`. What
matters is how long the slowest person waits for the reply: on SQLite one write transaction locks
the whole database, so an update that held one across its round trips to Telegram would make the
others queue behind it.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import sqlite3
import statistics
import time

from tests.benchmarks.logging_flow import PATHS, Bench, seeded, working_copy
from tests.benchmarks.telegram import RecordingSession


async def _timed(bench: Bench, update) -> float:
    started = time.perf_counter()
    await bench.dp.feed_update(bench.bot, update)
    return time.perf_counter() - started


async def run(db_path, managers: int, rtt: float) -> list[tuple[str, float, float, float]]:
    bench = Bench(db_path, api=RecordingSession(latency=rtt))
    if managers > len(bench.chats):
        raise SystemExit(f"the seeded database has {len(bench.chats)} managers")
    rows = []
    try:
        chats = bench.chats[:managers]
        for step, make in PATHS["agreed"]:
            updates = [make(chat) for chat in chats]
            started = time.perf_counter()
            waits = await asyncio.gather(*(_timed(bench, update) for update in updates))
            rows.append((step, time.perf_counter() - started, statistics.median(waits), max(waits)))
        for chat in chats:  # every manager's flow must have ended in "✅ Saved"
            edits = [m["text"] for m in bench.api.messages[chat.user["id"]].values()]
            if not any(text.startswith("✅ Saved") for text in edits):
                raise RuntimeError(f"manager {chat.user['id']} did not save")
    finally:
        await bench.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--managers", type=int, default=50)
    parser.add_argument("--rtt-ms", type=float, default=50.0, help="time each Bot API call takes")
    args = parser.parse_args()
    db = seeded(rebuild=False)
    run_db = working_copy(db.path)
    try:
        rows = asyncio.run(run(run_db, args.managers, args.rtt_ms / 1000))
    finally:
        for path in run_db.parent.glob("run.db*"):
            path.unlink()
    print(f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {args.managers} managers at once, "
          f"{args.rtt_ms:.0f} ms per Bot API call")
    print(f"{'step':8} | {'all replied after':>17} | {'median wait':>11} | {'slowest wait':>12}")
    print("-" * 9 + "+" + "-" * 19 + "+" + "-" * 13 + "+" + "-" * 13)
    for step, wall, median, worst in rows:
        print(f"{step:8} | {wall:15.2f} s | {median:9.2f} s | {worst:10.2f} s")
    print(f"whole path: {sum(r[1] for r in rows):.2f} s; slowest single reply {max(r[3] for r in rows):.2f} s")


if __name__ == "__main__":
    main()
