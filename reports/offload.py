"""Where the reports' own Python runs off the event loop: one thread, shared by every report; and
how many reports are built at once.

One thread, not the default pool's several: Python lets one thread run at a time, and a waiting
thread gets its turn within the switch interval (5 ms). Beside one busy thread the loop waits at
most about that long; beside six (the default pool with 20 digests built at once) it waited for
each of them in turn, and the loop's longest stall was 0.1 to 0.3 s. The work is no slower for it:
it could never run in two threads at once anyway.

Reports are built AT_ONCE at a time; the rest wait their turn. Twenty heads' digests built at once
kept twenty database connections' threads and the reports' thread wanting Python's lock beside
the loop, which waited for them up to 60-90 ms; two at a time, the longest wait was 6-10 ms and
the twenty were done no later (measured with the reports benchmark's twenty digests, SQLite).
"""

from __future__ import annotations

import asyncio
import functools
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

AT_ONCE = 2

_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reports")
_turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


def turn() -> asyncio.Semaphore:
    """`async with offload.turn():` around building a report (its queries, its computing, its
    charts; never around sending it): at most AT_ONCE are built at a time. Taken once, at the top:
    the functions of reports/ never take it themselves, so it is never waited for while held."""
    loop = asyncio.get_running_loop()
    turns = _turns.get(loop)
    if turns is None:
        turns = _turns[loop] = asyncio.Semaphore(AT_ONCE)
    return turns


async def run(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`fn(*args, **kwargs)` in the reports' thread."""
    return await asyncio.get_running_loop().run_in_executor(_executor, functools.partial(fn, *args, **kwargs))
