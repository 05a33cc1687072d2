"""The real bot polling the Bot API emulator in this event loop: the one runner of the sandbox and the tests.

It wires the application to the emulator, so it lives here and not in bot/emulator/, which knows
nothing of the application. Only bot/sandbox.py and the tests import it; `python -m bot` never does.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime

from aiogram import Bot, Dispatcher
from aiogram.types import ErrorEvent
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import on_shutdown, on_startup
from bot.emulator import BotAPIEmulator
from bot.factory import create_bot, create_dispatcher, create_reminders
from bot.reminders import ReminderService
from bot.settings import Settings
from db.base import utcnow

SETTLE_TIMEOUT = 15.0


class BotRunner:
    """Bot and dispatcher from bot.factory, polling a started emulator through aiogram's real HTTP session.

    Count each update handed to the emulator with `sent()`; `settle()` waits until the dispatcher
    has handled them all. What handlers raise ends up in `errors` (after the person was told).
    """

    def __init__(
        self,
        emu: BotAPIEmulator,
        settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime] = utcnow,
        *,
        lifecycle: bool = False,
    ) -> None:
        """lifecycle: run the app's start-up and shutdown hooks (commands, pruning, grace) as `python -m bot` does."""
        self.emu = emu
        self.settings = settings.model_copy(update={"telegram_api_url": emu.base_url})
        self.sessionmaker = sessionmaker
        self.clock = clock
        self.lifecycle = lifecycle
        self.errors: list[BaseException] = []
        self.bot: Bot | None = None
        self.dp: Dispatcher | None = None
        # not scheduled: whoever drives the runner calls `reminders.tick()`, on its own clock
        self.reminders: ReminderService | None = None
        self._task: asyncio.Task | None = None
        self._sent = 0

    async def start(self) -> None:
        """Returns once the bot is long-polling; raises what stopped it if it could not start."""
        self.bot = create_bot(self.settings)
        self.dp = create_dispatcher(self.settings, self.sessionmaker, clock=self.clock)
        if self.lifecycle:
            self.dp.startup.register(on_startup)
            self.dp.shutdown.register(on_shutdown)
        self.dp.errors.register(self._record_error)
        self.reminders = create_reminders(self.settings, self.bot, self.sessionmaker, self.dp["i18n"], self.clock)
        self._sent = 0  # a new dispatcher counts from zero
        task = self._task = asyncio.create_task(
            self.dp.start_polling(self.bot, handle_signals=False, close_bot_session=True, polling_timeout=1)
        )
        try:
            await self.emu.wait_until(lambda: self.emu.waiting_polls > 0 or task.done(), SETTLE_TIMEOUT,
                                      "the bot to poll")
        except BaseException:
            task.cancel()  # it may hang in start-up, where stop_polling() would wait for ever
            await self.stop()
            raise
        if task.done():
            await self.stop()  # raises what polling died of at start-up
            raise RuntimeError("the bot stopped polling at start-up")

    async def stop(self) -> None:
        """Stop polling and close what start() opened; idempotent. Raises what polling died of, if it did."""
        if self._task is None:
            return
        task, self._task = self._task, None
        try:
            if not task.done() and not task.cancelling():
                with contextlib.suppress(RuntimeError):  # "Polling is not started": the task has not run yet
                    await self.dp.stop_polling()
                task.cancel()  # only if it never ran: a graceful stop has finished it already
            await asyncio.wait([task])
        finally:
            await self.dp.storage.close()
            await self.bot.session.close()  # polling closes it, unless it died at start-up
        if not task.cancelled() and task.exception() is not None:
            raise task.exception()

    async def restart(self) -> None:
        """A new bot and dispatcher on the same database and emulator, as after a process restart."""
        await self.stop()
        await self.start()

    async def _record_error(self, event: ErrorEvent) -> bool:
        self.errors.append(event.exception)
        return True

    def sent(self, update_id: int) -> int:
        """Count an update handed to the emulator, for `settle()`; returns it."""
        self._sent += 1
        return update_id

    async def settle(self, timeout: float = SETTLE_TIMEOUT) -> None:
        """Until the dispatcher handled every update sent so far (its tracker counts them).

        RuntimeError if the bot stopped polling, TimeoutError if it is still busy after `timeout`.
        """
        tracker = self.dp["tracker"]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while tracker.handled < self._sent or tracker.busy:
            if self._task is None or self._task.done():
                raise RuntimeError("the bot has stopped polling")
            if loop.time() > deadline:
                raise TimeoutError(f"the bot is still busy after {timeout:.0f} s: "
                                   f"it handled {tracker.handled} of {self._sent} updates")
            await asyncio.sleep(0.005)
