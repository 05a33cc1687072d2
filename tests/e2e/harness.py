"""Drives the real bot (dispatcher, middlewares, aiogram's HTTP session) against the emulator."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from aiogram import Bot, Dispatcher
from aiogram.types import ErrorEvent
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.emulator import BotAPIEmulator, SentMessage
from bot.factory import create_bot, create_dispatcher, create_reminders
from bot.settings import Settings
from db.models import Role
from db.repositories import UserRepository

SETTLE_TIMEOUT = 15.0


class BotRunner:
    """The bot polling the emulator in this event loop; `settle()` waits until it has handled everything sent."""

    def __init__(self, emu: BotAPIEmulator, settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], clock):
        self.emu = emu
        self.settings = settings.model_copy(update={"telegram_api_url": emu.base_url})
        self.sessionmaker = sessionmaker
        self.clock = clock
        self.errors: list[BaseException] = []
        self.bot: Bot | None = None
        self.dp: Dispatcher | None = None
        self._task: asyncio.Task | None = None
        self._sent = 0

    async def start(self) -> None:
        self.bot = create_bot(self.settings)
        self.dp = create_dispatcher(self.settings, self.sessionmaker, clock=self.clock)
        self.dp.errors.register(self._record_error)
        # reminders run when a test says `await runner.reminders.tick()`, on the test's clock
        self.reminders = create_reminders(self.settings, self.bot, self.sessionmaker, self.dp["i18n"], self.clock)
        self._sent = 0
        self._task = asyncio.create_task(self.dp.start_polling(self.bot, handle_signals=False, polling_timeout=1))
        await self.emu.wait_until(lambda: self.emu.waiting_polls > 0, timeout=SETTLE_TIMEOUT)

    async def _record_error(self, event: ErrorEvent) -> bool:
        self.errors.append(event.exception)
        return True

    async def stop(self) -> None:
        if self._task is None:
            return
        await self.dp.stop_polling()
        await self._task
        await self.dp.storage.close()
        self._task = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    def sent(self, update_id: int) -> int:
        self._sent += 1
        return update_id

    async def settle(self) -> None:
        """Until every update sent so far went through the dispatcher (the tracker counts them)."""
        tracker = self.dp["tracker"]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SETTLE_TIMEOUT
        while not (tracker.handled >= self._sent and tracker.busy == 0):
            if loop.time() > deadline:
                raise TimeoutError(f"bot handled {tracker.handled} of {self._sent} updates")
            await asyncio.sleep(0.005)


async def eventually(predicate, what: str, timeout: float = SETTLE_TIMEOUT) -> None:
    """Poll until predicate holds: for what happens after the dispatcher counts an update as done
    (its error handlers run outside the in-flight tracker)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.005)


@dataclass
class Person:
    """A Telegram user of the emulator, counting the taps they make."""

    runner: BotRunner
    tg_id: int
    name: str = "Anna"
    language: str = "en"
    taps: int = 0
    last_tap: int | None = None  # update id of the latest tap, for its callback answer
    _seen: int = field(default=0)

    def __post_init__(self) -> None:
        self.runner.emu.add_user(self.tg_id, first_name=self.name, language_code=self.language)

    @property
    def emu(self) -> BotAPIEmulator:
        return self.runner.emu

    async def say(self, text: str) -> list[SentMessage]:
        """Type and send a message; returns the bot's new messages."""
        self.runner.sent(self.emu.send_text(self.tg_id, text))
        return await self._new_messages()

    async def send(self, kind: str, **kwargs) -> list[SentMessage]:
        sender = {"sticker": self.emu.send_sticker, "photo": self.emu.send_photo, "voice": self.emu.send_voice}[kind]
        self.runner.sent(sender(self.tg_id, **kwargs))
        return await self._new_messages()

    async def menu(self, label: str) -> list[SentMessage]:
        """Tap a button of the persistent reply keyboard (one tap)."""
        keyboard = self.emu.reply_keyboard(self.tg_id) or []
        assert any(label in row for row in keyboard), f"{label!r} not in the menu {keyboard}"
        self.taps += 1
        return await self.say(label)

    async def tap(self, text: str, message: SentMessage | None = None) -> list[SentMessage]:
        """Tap an inline button (one tap); every callback must be answered."""
        update_id = self.emu.press_button(self.tg_id, text, message_id=message.message_id if message else None)
        self.runner.sent(update_id)
        self.taps += 1
        self.last_tap = update_id
        new = await self._new_messages()
        assert self.emu.callback_answer(update_id) is not None, "callback query left unanswered"
        return new

    def answer_to(self, update_id: int):
        return self.emu.callback_answer(update_id)

    async def press_raw(self, message: SentMessage, data: str) -> int:
        """Send a callback with arbitrary data, as a forged or stale client would."""
        update_id = self.emu.press(self.tg_id, message.message_id, data)
        self.runner.sent(update_id)
        await self.runner.settle()
        return update_id

    async def _new_messages(self) -> list[SentMessage]:
        await self.runner.settle()
        messages = self.emu.messages(self.tg_id)
        new = messages[self._seen:]
        self._seen = len(messages)
        return new

    @property
    def last(self) -> SentMessage:
        message = self.emu.last_message(self.tg_id)
        assert message is not None
        return message

    def find(self, button: str) -> SentMessage:
        """The newest message still carrying a button with this text."""
        for message in reversed(self.emu.messages(self.tg_id)):
            if not message.deleted and button in message.buttons():
                return message
        raise AssertionError(f"no message with button {button!r}")


async def seed_user(sessionmaker, tg_id: int, name: str, role: Role = Role.MANAGER, team: str | None = "Sales",
                    language: str = "en", timezone: str = "Europe/Moscow"):
    async with sessionmaker() as session:
        users = UserRepository(session)
        team_id = (await users.team_by_name(team)).id if team else None
        user = await users.create(tg_id=tg_id, full_name=name, username=None, role=role, team_id=team_id,
                                  timezone=timezone, language=language)
        await session.commit()
        return user
