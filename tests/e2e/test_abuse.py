"""Someone hammering the bot with invite codes or messages is paused, and the admins hear of it once."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from db.models import AccessAttempt, ProcessedUpdate, User
from tests.conftest import ADMIN_TG
from tests.e2e.harness import Person

LINK = re.compile(r"https://t\.me/ladon_test_bot\?start=([A-Za-z0-9_-]+)")
MALLORY = 6666


async def _tries(sessionmaker) -> int:
    async with sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(AccessAttempt).where(AccessAttempt.tg_id == MALLORY))


async def test_ten_wrong_codes_pause_the_sender_for_an_hour_and_tell_the_admins_once(ladon, sessionmaker, clock) -> None:
    admin = Person(ladon, ADMIN_TG, "Boss")
    await admin.say("/invite")
    await admin.tap("Manager")
    await admin.tap("No team")
    code = LINK.search(admin.last.text).group(1)
    admin_messages = len(ladon.emu.messages(ADMIN_TG))

    mallory = Person(ladon, MALLORY, "Mallory <x>")
    for n in range(9):
        [reply] = await mallory.say(f"/start guess{n}")
        assert "not valid" in reply.text
    replies = await mallory.say("/start guess9")  # the tenth
    assert [r.text for r in replies][-1].startswith("Too many tries")
    [alert] = ladon.emu.messages(ADMIN_TG)[admin_messages:]
    assert "Mallory <x>" in alert.text and str(MALLORY) in alert.text and "10 refused tries" in alert.text

    await ladon.restart()  # counted in the database: a restart resets nothing
    assert await mallory.say(f"/start {code}") == []  # even a good code waits out the pause
    assert await mallory.say("hello?") == []
    assert len(ladon.emu.messages(ADMIN_TG)) == admin_messages + 1  # told once
    async with sessionmaker() as session:
        assert await session.scalar(select(User.id).where(User.tg_id == MALLORY)) is None

    clock.advance(hours=1, minutes=1)
    welcome, _zone = await mallory.say(f"/start {code}")
    assert "Welcome to Ladon" in welcome.text


async def test_a_strangers_messages_count_too(ladon, sessionmaker, clock) -> None:
    mallory = Person(ladon, MALLORY, "Mallory")
    for n in range(9):
        [reply] = await mallory.say(f"let me in {n}")
        assert "invited employees only" in reply.text
    [last] = await mallory.say("let me in!")
    assert last.text.startswith("Too many tries")
    assert await mallory.say("please") == []
    assert await _tries(sessionmaker) == 11


async def test_old_bookkeeping_is_pruned(sessionmaker) -> None:
    from bot.maintenance import prune

    now = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
    async with sessionmaker() as session:
        session.add_all([
            ProcessedUpdate(update_id=1, at=now - timedelta(days=8)),
            ProcessedUpdate(update_id=2, at=now - timedelta(days=1)),
            AccessAttempt(tg_id=MALLORY, full_name="M", chat_id=MALLORY, reason="unknown", at=now - timedelta(days=31)),
            AccessAttempt(tg_id=MALLORY, full_name="M", chat_id=MALLORY, reason="unknown", at=now - timedelta(days=2)),
        ])
        await session.commit()
    assert await prune(sessionmaker, now) == (1, 1)
    async with sessionmaker() as session:
        assert list(await session.scalars(select(ProcessedUpdate.update_id))) == [2]
    assert await _tries(sessionmaker) == 1
