"""The update queue behind getUpdates, with Telegram's offset semantics."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import ApiError

# What Telegram sends when allowed_updates was never set or set to [].
DEFAULT_ALLOWED = frozenset({
    "message", "edited_message", "channel_post", "edited_channel_post", "business_connection",
    "business_message", "edited_business_message", "deleted_business_messages", "inline_query",
    "chosen_inline_result", "callback_query", "shipping_query", "pre_checkout_query",
    "purchased_paid_media", "poll", "poll_answer", "my_chat_member", "chat_join_request",
    "chat_boost", "removed_chat_boost",
})
CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


class Signal:
    """Wakes all waiters on every change; notify() is callable from sync code."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float | None) -> bool:
        """Wait until predicate() holds; False if the timeout passed first."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while not predicate():
            event = self._event
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                return False
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                return predicate()
        return True


def update_type(update: dict[str, Any]) -> str:
    return next((k for k in update if k != "update_id"), "")


@dataclass
class _Pending:
    update: dict[str, Any]
    forced: bool = False  # a redelivery survives offsets until it is fetched again

    @property
    def update_id(self) -> int:
        return int(self.update["update_id"])


class UpdateQueue:
    def __init__(self, changes: Signal) -> None:
        self._changes = changes
        self._pending: list[_Pending] = []
        self._history: dict[int, dict[str, Any]] = {}
        self._next_id = 1
        self._allowed = DEFAULT_ALLOWED
        self._generation = 0
        self._closed = False
        self.fetched: set[int] = set()
        self.confirmed: set[int] = set()
        self.dropped: set[int] = set()  # filtered out by allowed_updates
        self.waiting = 0  # long polls currently held open

    @property
    def pending_count(self) -> int:
        return len(self._pending)

    def put(self, update: dict[str, Any]) -> int:
        if "update_id" not in update:
            update = {"update_id": self._next_id, **update}
        update_id = int(update["update_id"])
        self._next_id = max(self._next_id, update_id + 1)
        self._history[update_id] = update
        # Like Telegram, allowed_updates filters updates as they are created.
        if update_type(update) in self._allowed:
            self._insert(_Pending(update))
        else:
            self.dropped.add(update_id)
        self._changes.notify()
        return update_id

    def redeliver(self, update_id: int) -> None:
        if update_id not in self._history:
            raise KeyError(f"unknown update_id {update_id}")
        self._insert(_Pending(copy.deepcopy(self._history[update_id]), forced=True))
        self._changes.notify()

    def get_update(self, update_id: int) -> dict[str, Any]:
        return self._history[update_id]

    def drop_pending(self) -> None:
        self.confirmed.update(p.update_id for p in self._pending)
        self._pending.clear()
        self._changes.notify()

    def close(self) -> None:
        self._closed = True
        self._changes.notify()

    def reopen(self) -> None:
        self._closed = False

    async def get(
        self, offset: int | None, limit: int | None, timeout: int, allowed: list[str] | None
    ) -> list[dict[str, Any]]:
        if allowed is not None:
            self._allowed = frozenset(allowed) if allowed else DEFAULT_ALLOWED
        self._generation += 1
        generation = self._generation
        self._changes.notify()  # an older poll still waiting now ends with 409
        self._confirm(offset)
        if not self._pending and timeout > 0 and not self._closed:
            self.waiting += 1
            self._changes.notify()
            try:
                await self._changes.wait_for(
                    lambda: bool(self._pending) or self._closed or self._generation != generation,
                    timeout,
                )
            finally:
                self.waiting -= 1
        if self._generation != generation:
            raise ApiError(409, CONFLICT)
        batch = self._pending[: min(max(limit or 100, 1), 100)]
        for pending in batch:
            pending.forced = False
            self.fetched.add(pending.update_id)
        if batch:
            self._changes.notify()
        return [copy.deepcopy(p.update) for p in batch]

    def _insert(self, pending: _Pending) -> None:
        index = len(self._pending)
        while index and self._pending[index - 1].update_id > pending.update_id:
            index -= 1
        self._pending.insert(index, pending)

    def _confirm(self, offset: int | None) -> None:
        if not offset:
            return
        if offset > 0:
            keep = [p for p in self._pending if p.update_id >= offset or p.forced]
        else:  # negative: keep only the last -offset updates, forget the rest
            keep = self._pending[offset:]
        kept = {id(p) for p in keep}
        dropped = [p.update_id for p in self._pending if id(p) not in kept]
        if dropped:
            self.confirmed.update(dropped)
            self._pending = keep
            self._changes.notify()
