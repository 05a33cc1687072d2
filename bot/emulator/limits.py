"""Flood limits on sending methods, as sliding windows."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Hashable


class SlidingWindow:
    """At most `capacity` hits per `window` seconds for each key."""

    def __init__(self, capacity: int, window: float) -> None:
        self.capacity = capacity
        self.window = window
        self._hits: dict[Hashable, deque[float]] = {}

    @classmethod
    def per_second(cls, rate: float) -> SlidingWindow:
        # Rates below 1/s widen the window instead of rounding down to zero.
        window = max(1.0, 1.0 / rate)
        return cls(max(1, int(rate * window + 1e-9)), window)

    def retry_after(self, key: Hashable, now: float) -> int | None:
        """Seconds to wait if a hit now would exceed the limit, else None."""
        hits = self._hits.get(key)
        if not hits:
            return None
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) < self.capacity:
            return None
        # hits may be booked ahead (an album's later items): wait until `capacity` of them are old enough
        return max(1, math.ceil(hits[-self.capacity] + self.window - now))

    def hit(self, key: Hashable, now: float, count: int = 1) -> None:
        """Record `count` hits; those beyond the free room are booked when room frees up, so that
        an album of ten costs what ten single messages cost and what follows it waits for all of them."""
        hits = self._hits.setdefault(key, deque())
        for _ in range(count):
            hits.append(now if len(hits) < self.capacity else max(now, hits[-self.capacity] + self.window))


class RateLimiter:
    """Telegram's limits: overall per bot, per chat, and per group per minute."""

    def __init__(
        self,
        global_per_second: float | None = None,
        per_chat_per_second: float | None = None,
        per_group_per_minute: int | None = None,
    ) -> None:
        self._global = SlidingWindow.per_second(global_per_second) if global_per_second else None
        self._chat = SlidingWindow.per_second(per_chat_per_second) if per_chat_per_second else None
        self._group = SlidingWindow(per_group_per_minute, 60.0) if per_group_per_minute else None

    def acquire(self, chat_id: int, *, is_group: bool, now: float, count: int = 1) -> int | None:
        """Record `count` messages sent at once (an album) and return None, or return retry_after
        without recording. An album goes when its first message may: Telegram takes it whole."""
        checks: list[tuple[SlidingWindow, Hashable]] = []
        if self._global:
            checks.append((self._global, None))
        if self._chat:
            checks.append((self._chat, chat_id))
        if self._group and is_group:
            checks.append((self._group, chat_id))
        waits = [w for window, key in checks if (w := window.retry_after(key, now)) is not None]
        if waits:
            return max(waits)
        for window, key in checks:
            window.hit(key, now, count)
        return None
