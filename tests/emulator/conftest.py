"""Fixtures for the Bot API emulator's own tests: a started emulator and a real aiogram Bot."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiogram import Bot

from bot.emulator import BotAPIEmulator

FIXED_NOW = 1_700_000_000.0  # the emulator's clock in these tests; keep in sync with test_emulator
Spawn = Callable[..., Awaitable[tuple[BotAPIEmulator, Bot]]]


@pytest.fixture
async def spawn() -> AsyncIterator[Spawn]:
    """Start an emulator with custom options plus a Bot for it; both are closed afterwards."""
    started: list[tuple[BotAPIEmulator, Bot]] = []

    async def factory(**options: Any) -> tuple[BotAPIEmulator, Bot]:
        options.setdefault("clock", lambda: FIXED_NOW)
        emulator = BotAPIEmulator(**options)
        await emulator.start()
        client = Bot(emulator.token, session=emulator.session())
        started.append((emulator, client))
        return emulator, client

    yield factory
    for emulator, client in started:
        await client.session.close()
        await emulator.stop()


@pytest.fixture
async def emu_bot(spawn: Spawn) -> tuple[BotAPIEmulator, Bot]:
    return await spawn()


@pytest.fixture
def emu(emu_bot: tuple[BotAPIEmulator, Bot]) -> BotAPIEmulator:
    return emu_bot[0]


@pytest.fixture
def bot(emu_bot: tuple[BotAPIEmulator, Bot]) -> Bot:
    return emu_bot[1]
