from __future__ import annotations

import pytest

from bot.emulator import BotAPIEmulator
from tests.conftest import TOKEN
from tests.e2e.harness import BotRunner


@pytest.fixture
async def emulator():
    async with BotAPIEmulator(token=TOKEN, bot_username="ladon_test_bot") as emu:
        yield emu


@pytest.fixture
async def ladon(emulator, settings, sessionmaker, clock):
    runner = BotRunner(emulator, settings, sessionmaker, clock)
    await runner.start()
    try:
        yield runner
    finally:
        await runner.stop()
    assert runner.errors == [], f"handlers raised: {runner.errors!r}"
    assert emulator.unanswered_callbacks() == [], "every button press must be answered"
