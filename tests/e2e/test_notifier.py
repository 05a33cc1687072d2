"""The notifier against the emulator's real HTTP errors: 429 with retry_after, 5xx, 403; and its pacing."""

from __future__ import annotations

import pytest
from aiogram import Bot

from bot.emulator import BotAPIEmulator
from bot.notifier import SAFETY, DeliveryFailed, Notifier, Unreachable
from tests.conftest import TOKEN


class FakeTime:
    """Sleeping moves this clock instead of waiting: pacing is checked without real time."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
async def emu():
    async with BotAPIEmulator(token=TOKEN) as emulator:
        for user_id in range(1, 6):
            emulator.add_user(user_id, f"U{user_id}")
        yield emulator


@pytest.fixture
async def bot(emu):
    bot = Bot(emu.token, session=emu.session())
    yield bot
    await bot.session.close()


async def test_429_waits_retry_after_then_delivers(emu, bot) -> None:
    fake = FakeTime()
    notifier = Notifier(bot, 30, 1, sleep=fake.sleep, monotonic=fake.monotonic)
    emu.fail_next("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    await notifier.send_message(1, "hello")
    assert [m.text for m in emu.messages(1)] == ["hello"]
    assert notifier.retried_after_429 == 1
    assert any(s >= 7 for s in fake.slept)


async def test_5xx_is_retried_with_growing_backoff_then_given_up(emu, bot) -> None:
    fake = FakeTime()
    notifier = Notifier(bot, 30, 1, sleep=fake.sleep, monotonic=fake.monotonic, max_attempts=4, backoff=0.5)
    emu.fail_next("sendMessage", 502, "Bad Gateway", times=2)
    await notifier.send_message(2, "after two failures")
    assert [m.text for m in emu.messages(2)] == ["after two failures"]
    assert [s for s in fake.slept if s in (0.5, 1.0)] == [0.5, 1.0]
    emu.fail_next("sendMessage", 500, "Internal Server Error", times=10)
    with pytest.raises(DeliveryFailed):
        await notifier.send_message(2, "never")
    assert len(emu.messages(2)) == 1


async def test_403_is_final(emu, bot) -> None:
    notifier = Notifier(bot, 30, 1)
    emu.block(3)
    with pytest.raises(Unreachable):
        await notifier.send_message(3, "are you there?")
    assert len(emu.calls("sendMessage")) == 1


async def test_pacing_overall_and_per_chat(emu, bot) -> None:
    fake = FakeTime()
    notifier = Notifier(bot, 10, 1, sleep=fake.sleep, monotonic=fake.monotonic)
    sent_at = []
    for chat in (1, 2, 3, 1, 1):
        await notifier.send_message(chat, "x")
        sent_at.append((chat, fake.now))
    gaps = [b[1] - a[1] for a, b in zip(sent_at, sent_at[1:])]
    assert all(gap >= 1 / (10 * SAFETY) - 1e-9 for gap in gaps)  # never faster than the overall limit
    chat1 = [t for c, t in sent_at if c == 1]
    assert all(b - a >= 1 / SAFETY - 1e-9 for a, b in zip(chat1, chat1[1:]))  # one a second in a chat
