"""Texts that grow with the team or the plan come in several messages or pages: nothing is cut,
and nothing is refused by Telegram (the emulator refuses a text over 4,096 characters, and a
keyboard over 100 buttons, as Telegram does)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from db.models import Kind, Outcome, Role, Status
from db.repositories import ClientRepository, InteractionRepository
from tests.e2e.harness import Person, seed_user

UTC = timezone.utc
ANNA, HELEN = 2001, 4000
LONG = "Общество с ограниченной ответственностью «Торговый дом Северо-Западной оптовой базы» " * 2  # 172 chars


def _numbers(texts: list[str]) -> list[int]:
    return [int(n) for text in texts for n in re.findall(r"^(\d+)\. ", text, flags=re.M)]


async def _plan_many(sessionmaker, user, count: int, at: datetime) -> list[int]:
    async with sessionmaker() as session:
        clients, contacts = ClientRepository(session, user), InteractionRepository(session, user)
        ids = []
        for n in range(count):
            client = await clients.create(f"{LONG[:150]} №{n + 1}")
            ids.append((await contacts.plan(client_id=client.id, kind=Kind.MEETING, planned_at=at + timedelta(minutes=n))).id)
        await session.commit()
        return ids


async def test_a_team_of_thirty_one_comes_whole_in_several_messages(ladon, sessionmaker, clock) -> None:
    names = [f"{n:02d} {LONG[:120]}" for n in range(31)]
    for n, name in enumerate(names):
        manager = await seed_user(sessionmaker, 3000 + n, name)
        async with sessionmaker() as session:
            client = await ClientRepository(session, manager).create("Vector")
            await InteractionRepository(session, manager).log(
                now=clock() - timedelta(days=1), client_id=client.id, kind=Kind.MEETING, outcome=Outcome.REFUSED, reason_id=1
            )
            await session.commit()
    await seed_user(sessionmaker, HELEN, "Helen", role=Role.HEAD)
    helen = Person(ladon, HELEN, "Helen")
    await helen.say("/start")
    messages = await helen.say("/team")
    assert len(messages) > 1
    text = "\n".join(m.text for m in messages)
    assert all(text.count(name) == 1 for name in names)  # every manager, once, never cut off
    assert "…" not in text


async def test_a_long_plan_pages_and_keeps_its_page_after_a_change(ladon, sessionmaker, clock) -> None:
    user = await seed_user(sessionmaker, ANNA, "Anna")
    ids = await _plan_many(sessionmaker, user, 35, clock() + timedelta(hours=1))
    anna = Person(ladon, ANNA, "Anna")
    await anna.say("/start")
    [first] = await anna.say("/today")
    assert "page 1 of 2" in first.text and len(first.inline_keyboard) <= 31
    seen = _numbers([first.text])
    assert await anna.tap("Later ›", first) == []  # the page turns in place
    second = anna.emu.message(ANNA, first.message_id)
    assert "page 2 of 2" in second.text
    seen += _numbers([second.text])
    assert seen == list(range(1, 36))  # every planned contact, on one page or the other
    await anna.tap(f"✖ {seen[-1]} Cancel", second)
    await anna.tap("✖ Yes, cancel it", second)
    after = anna.emu.message(ANNA, first.message_id)
    assert "page 2 of 2" in after.text and f"{seen[-1]}." not in after.text
    async with sessionmaker() as session:
        assert (await InteractionRepository(session, user).own(ids[-1])).status == Status.CANCELLED
    await anna.tap("‹ Earlier", after)
    assert "page 1 of 2" in anna.emu.message(ANNA, first.message_id).text


async def test_a_long_evening_reminder_comes_in_several_messages_with_their_buttons(ladon, sessionmaker, clock) -> None:
    user = await seed_user(sessionmaker, ANNA, "Anna")
    await _plan_many(sessionmaker, user, 35, datetime(2026, 11, 27, 7, 0, tzinfo=UTC))  # 10:00 Moscow
    Person(ladon, ANNA, "Anna")
    clock.now = datetime(2026, 11, 27, 15, 30, tzinfo=UTC)  # 18:30 Moscow: the evening reminder
    await ladon.reminders.tick()
    evening = [m for m in ladon.emu.messages(ANNA) if m.inline_keyboard]
    assert len(evening) >= 2
    assert _numbers([m.text for m in evening]) == list(range(1, 36))
    assert sum(len(m.inline_keyboard) for m in evening) == 35  # each contact keeps its buttons


async def test_yesterday_with_many_contacts_comes_whole(ladon, sessionmaker, clock) -> None:
    user = await seed_user(sessionmaker, ANNA, "Anna")
    async with sessionmaker() as session:
        clients, contacts = ClientRepository(session, user), InteractionRepository(session, user)
        for n in range(40):
            client = await clients.create(f"{LONG[:150]} №{n + 1}")
            await contacts.log(now=clock() - timedelta(days=1), client_id=client.id, kind=Kind.CALL, outcome=Outcome.THINKING)
        await session.commit()
    anna = Person(ladon, ANNA, "Anna")
    await anna.say("/start")
    messages = await anna.say("/yesterday")
    assert len(messages) > 1 and _numbers([m.text for m in messages]) == list(range(1, 41))
