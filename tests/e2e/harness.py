"""People who talk to the real bot through the emulator; the bot itself runs in bot.emulated.BotRunner."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from bot.emulated import SETTLE_TIMEOUT, BotRunner
from bot.emulator import BotAPIEmulator, SentMessage
from db.models import Role
from db.repositories import UserRepository

__all__ = ["BotRunner", "Person", "eventually", "seed_user"]


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
        sender = {"sticker": self.emu.send_sticker, "photo": self.emu.send_photo, "voice": self.emu.send_voice,
                  "document": self.emu.send_document, "venue": self.emu.send_venue}[kind]
        self.runner.sent(sender(self.tg_id, **kwargs))
        return await self._new_messages()

    async def menu(self, label: str) -> list[SentMessage]:
        """Tap a button of the persistent reply keyboard (one tap)."""
        keyboard = self.emu.reply_keyboard(self.tg_id) or []
        assert any(label in row for row in keyboard), f"{label!r} not in the menu {keyboard}"
        self.taps += 1
        return await self.say(label)

    async def share_location(self, lat: float, lon: float) -> list[SentMessage]:
        """Tap the menu's request_location button (one tap): the phone sends where it is."""
        self.runner.sent(self.emu.share_location(self.tg_id, lat, lon))
        self.taps += 1
        return await self._new_messages()

    async def send_location(self, lat: float, lon: float, **how) -> list[SentMessage]:
        """A location sent another way: from the attachment menu, forwarded (forwarded_from=id)."""
        self.runner.sent(self.emu.send_location(self.tg_id, lat, lon, **how))
        return await self._new_messages()

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
