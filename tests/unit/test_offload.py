"""Reports are built a few at a time, in one thread beside the loop, on whichever loop runs them."""

from __future__ import annotations

import asyncio
import threading

from reports import offload


async def _crowd(count: int) -> int:
    inside, most = 0, 0

    async def build() -> None:
        nonlocal inside, most
        async with offload.turn():
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(0.01)
            inside -= 1

    await asyncio.gather(*(build() for _ in range(count)))
    return most


def test_no_more_than_at_once_reports_are_built_at_a_time_on_each_loop() -> None:
    # twice, on two loops one after the other (as tests and restarts make): a semaphore bound to
    # the first loop would refuse the second
    assert asyncio.run(_crowd(7)) == offload.AT_ONCE
    assert asyncio.run(_crowd(7)) == offload.AT_ONCE
    assert asyncio.run(_crowd(1)) == 1


def test_the_reports_work_runs_in_one_thread_off_the_loop() -> None:
    async def main() -> set[str]:
        loop_thread = threading.current_thread().name
        names = await asyncio.gather(*(offload.run(lambda: threading.current_thread().name) for _ in range(6)))
        assert loop_thread not in names
        return set(names)

    names = asyncio.run(main())
    assert len(names) == 1 and next(iter(names)).startswith("reports")
