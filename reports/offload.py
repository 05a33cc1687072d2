"""Where the reports' own Python runs off the event loop: one thread, shared by every report.

One thread, not the default pool's several: Python lets one thread run at a time, and a waiting
thread gets its turn within the switch interval (5 ms). Beside one busy thread the loop waits at
most about that long; beside six (the default pool with 20 digests built at once) it waited for
each of them in turn, and the loop's longest stall was 0.1 to 0.3 s. The work is no slower for it:
it could never run in two threads at once anyway.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reports")


async def run(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`fn(*args, **kwargs)` in the reports' thread."""
    return await asyncio.get_running_loop().run_in_executor(_executor, functools.partial(fn, *args, **kwargs))
