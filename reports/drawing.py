"""Charts are drawn in a process of their own; the bot asks for one by its builder's name.

matplotlib never enters the bot's process: not its imports (~40 MB), not the canvases of tall
charts, not the reference cycles every figure leaves for the collector, and drawing never holds
the bot's GIL. `draw("activity", ...)` sends the name of a builder in reports/charts.py and its
arguments, made plain data here (enums as their values, lazy texts as text), to the worker and
returns the PNG. The worker is spawned (a fork would copy the bot's event loop, threads and
database connections), started by `start()` in a thread at start-up or on the first chart; it is
replaced after MAX_CHARTS charts, so matplotlib's caches and the allocator's arenas cannot grow
for ever, and whenever it dies: the chart it was drawing is tried once more in a new worker, then
ChartFailed. (Replaced here, not by the pool's max_tasks_per_child: on Python 3.11 a pool whose
worker leaves that way while charts wait for it hangs with no worker, CPython gh-115634.)
"""

from __future__ import annotations

import asyncio
import enum
import logging
import multiprocessing
import os
import threading
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import date, datetime, time

from babel.support import LazyProxy

log = logging.getLogger(__name__)

PER_CHART = 15  # managers in one image: Telegram shows a photo at most 1,280 px on its longer side
ALBUM = 10  # photos in one Telegram album
WORKERS = 2  # the bot sets it from CHART_WORKERS before the first chart
MAX_CHARTS = 200  # then the workers are replaced (started beside them, about a second of one core, off the loop)
# from asking to the PNG, waiting behind other charts included (20 digests at once queue about 15 s
# of charts): past it the worker is taken for hung, killed, and the chart fails (a digest then goes
# out with its text only) instead of holding the outbox for ever
TIMEOUT = 120.0
BUILDERS = frozenset({
    "activity", "outcomes", "reasons", "conversion", "trend", "before_after", "month_fan", "accuracy_bars",
})


class ChartFailed(RuntimeError):
    """The chart worker died twice on this chart, or did not answer within TIMEOUT."""


def spans(count: int, most: int = PER_CHART) -> list[tuple[int, int]]:
    """Rows [start, stop) of the images a chart of `count` rows is drawn in: as few as hold at
    most `most` each, as even as can be (50 → 13, 13, 12, 12), in order."""
    parts = max(1, -(-count // most))
    size, extra = divmod(count, parts)
    result, start = [], 0
    for n in range(parts):
        stop = start + size + (1 if n < extra else 0)
        result.append((start, stop))
        start = stop
    return result


_lock = threading.Lock()  # starts and stops, in threads (the loop never waits on it)
_pool: ProcessPoolExecutor | None = None
_drawn = 0  # charts the current pool has drawn
_replacing: ProcessPoolExecutor | None = None  # the pool whose replacement is being started


def start() -> ProcessPoolExecutor:
    """The pool, its worker started and ready if it was not: blocks for as long as that takes
    (about a second), so call it from a thread."""
    global _pool, _drawn
    with _lock:
        if _pool is None:
            _pool, _drawn = _ready_pool(), 0
        return _pool


def _ready_pool() -> ProcessPoolExecutor:
    pool = ProcessPoolExecutor(WORKERS, mp_context=multiprocessing.get_context("spawn"), initializer=_orphaned_exit,
                               initargs=(os.getpid(),))
    try:
        for future in [pool.submit(_ready) for _ in range(WORKERS)]:
            future.result()
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    return pool


def shutdown() -> None:
    """Stop the worker (after the chart it is drawing); the next chart starts a new one. Blocking."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


def workers() -> list[int]:
    """The process ids of the pool's workers now (none before the first chart)."""
    pool = _pool
    return [p.pid for p in list((pool._processes or {}).values())] if pool is not None else []  # noqa: SLF001


async def draw(builder: str, *args, **kwargs) -> bytes:
    """The PNG of `reports.charts.<builder>(*args, **kwargs)`, drawn in the chart worker."""
    if builder not in BUILDERS:
        raise ValueError(f"no chart builder {builder!r}")
    args, kwargs = plain_data(args), plain_data(kwargs)
    for attempt in (1, 2):
        pool = _pool or await asyncio.to_thread(start)
        try:
            png = await asyncio.wait_for(asyncio.wrap_future(pool.submit(_render, builder, args, kwargs)), TIMEOUT)
        except TimeoutError as error:
            _kill(pool)
            raise ChartFailed(f"the chart worker did not answer in {TIMEOUT:g} s drawing {builder}") from error
        except BrokenProcessPool as error:
            _retire(pool, cancel=True)
            if attempt == 2:
                raise ChartFailed(f"the chart worker died twice drawing {builder}") from error
            log.warning("The chart worker died drawing %s; trying once more in a new one", builder)
            continue
        _counted(pool)
        return png
    raise AssertionError("unreachable")


def _counted(pool: ProcessPoolExecutor) -> None:
    global _drawn, _replacing
    if _pool is pool:
        _drawn += 1
        if _drawn >= MAX_CHARTS and _replacing is not pool:  # once per pool
            _replacing = pool
            threading.Thread(target=_replace, args=(pool,), name="chart-pool", daemon=True).start()


def _replace(old: ProcessPoolExecutor) -> None:
    """A new pool started in this thread while the old one keeps drawing, then put in its place:
    no chart waits for workers to start (half a second to a second, which a chart waited for
    when the pool was only replaced on the next chart)."""
    global _pool, _drawn
    try:
        new = _ready_pool()
    except Exception:
        log.exception("Could not start chart workers to replace the old ones; the next chart starts them")
        with _lock:
            if _pool is old:
                _pool = None
        old.shutdown(wait=False)
        return
    with _lock:
        swapped = _pool is old  # not if stopped meanwhile, or replaced on its workers' death
        if swapped:
            _pool, _drawn = new, 0
    (old if swapped else new).shutdown(wait=False)


def _retire(pool: ProcessPoolExecutor, cancel: bool = False) -> None:
    """The next chart starts a new pool; this one's worker exits once it has drawn what it was
    asked (unless `cancel`: a broken pool's)."""
    global _pool
    if _pool is pool:  # not one that another chart has started since
        _pool = None
    pool.shutdown(wait=False, cancel_futures=cancel)


def _kill(pool: ProcessPoolExecutor) -> None:
    """A hung worker is killed (charts waiting on it fail over to a new one, as when it dies)."""
    log.error("The chart worker did not answer in %g s; killing it", TIMEOUT)
    for process in list((pool._processes or {}).values()):  # noqa: SLF001
        process.kill()
    _retire(pool, cancel=True)


def plain_data(value):
    """What crosses to the worker as values its unpickling needs nothing of ours for: enums
    (the kinds and outcomes keying counters) as their values, lazy translations as their text."""
    if isinstance(value, enum.Enum):  # before str and int: StrEnum and IntEnum are those too
        return value.value
    if value is None or isinstance(value, (bool, int, float, date, datetime, time)):
        return value
    if isinstance(value, str):
        return str(value)  # a str subclass becomes a str
    if isinstance(value, LazyProxy):
        return str(value)
    if isinstance(value, Mapping):
        return {plain_data(k): plain_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(plain_data(v) for v in value) if type(value) in (list, tuple) else [plain_data(v) for v in value]
    raise TypeError(f"{type(value).__name__} cannot go to the chart worker")


# ---- in the worker ------------------------------------------------------------------------------


def _orphaned_exit(parent: int) -> None:
    """A worker leaves when the bot is gone, however it went: killed (SIGKILL, the OOM killer), the
    bot cannot stop it, and a worker waiting for charts would wait for ever."""

    def watch() -> None:
        tick = threading.Event()  # never set: a one-second sleep (`time` here is datetime's)
        while os.getppid() == parent:
            tick.wait(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _ready() -> None:
    """A worker's first task: matplotlib imported and its font read before a chart waits on them."""
    from reports import charts

    charts.plain("ready")


def _render(builder: str, args: tuple, kwargs: dict) -> bytes:
    from reports import charts

    return charts.render(getattr(charts, builder), *args, **kwargs)
