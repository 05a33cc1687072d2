"""Getting in: invites, strangers, groups, deactivation."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from db.models import AccessAttempt, Role, User
from tests.conftest import ADMIN_TG
from tests.e2e.harness import Person, seed_user

LINK = re.compile(r"https://t\.me/ladon_test_bot\?start=([A-Za-z0-9_-]+)")


async def _invite_link(admin: Person, role_button: str = "Manager", team_button: str = "No team") -> str:
    await admin.say("/invite")
    await admin.tap(role_button)
    await admin.tap(team_button)
    match = LINK.search(admin.last.text)
    assert match, admin.last.text
    return match.group(1)


async def test_admin_invites_a_manager_who_joins_once(ladon, sessionmaker) -> None:
    admin = Person(ladon, ADMIN_TG, "Boss")
    await admin.say("/start")
    assert "Invite" in " ".join(sum(admin.emu.reply_keyboard(ADMIN_TG), []))
    code = await _invite_link(admin)

    anna = Person(ladon, 2001, "Anna")
    [welcome] = await anna.say(f"/start {code}")
    assert "Welcome to Ladon, Anna" in welcome.text
    assert ["📝 Log a contact"] in anna.emu.reply_keyboard(2001)

    boris = Person(ladon, 2002, "Boris")
    [refusal] = await boris.say(f"/start {code}")
    assert "already been used" in refusal.text
    async with sessionmaker() as session:
        roles = dict((await session.execute(select(User.tg_id, User.role))).all())
    assert roles == {ADMIN_TG: Role.ADMIN, 2001: Role.MANAGER}


async def test_expired_and_forged_codes_are_refused(ladon, clock) -> None:
    admin = Person(ladon, ADMIN_TG, "Boss")
    code = await _invite_link(admin)
    clock.advance(hours=72, seconds=1)
    late = Person(ladon, 2003, "Late")
    [reply] = await late.say(f"/start {code}")
    assert "expired" in reply.text
    [reply] = await late.say("/start not-a-real-code")
    assert "not valid" in reply.text
    [reply] = await late.say("/today")
    assert "invited employees only" in reply.text


async def test_stranger_gets_one_line_and_is_recorded(ladon, sessionmaker) -> None:
    stranger = Person(ladon, 666, "Eve")
    replies = await stranger.say("/start")
    replies += await stranger.say("show me the clients")
    assert [r.text for r in replies] == [
        "This bot is for invited employees only. Ask your head or administrator for an invite link."
    ] * 2
    assert all(not r.inline_keyboard for r in replies)
    assert stranger.emu.reply_keyboard(666) is None
    async with sessionmaker() as session:
        attempts = await session.scalar(select(func.count()).select_from(AccessAttempt).where(AccessAttempt.tg_id == 666))
    assert attempts == 2


async def test_group_chat_gets_one_line_and_no_data(ladon, sessionmaker) -> None:
    await seed_user(sessionmaker, 2001, "Anna")
    anna = Person(ladon, 2001, "Anna")
    ladon.emu.add_group(-100500, "Sales chat")
    ladon.sent(ladon.emu.send_text(2001, "/today", chat_id=-100500))
    await ladon.settle()
    [reply] = ladon.emu.messages(-100500)
    assert reply.text == "I work only in a private chat. Please message me directly."
    assert anna.emu.messages(2001) == []


async def test_deactivated_user_loses_access_at_once(ladon, sessionmaker) -> None:
    await seed_user(sessionmaker, 2001, "Anna")
    anna = Person(ladon, 2001, "Anna")
    await anna.say("/start")
    admin = Person(ladon, ADMIN_TG, "Boss")
    await admin.say("/users")
    await admin.tap("⛔ Turn off: Anna")
    [reply] = await anna.say("/today")
    assert "turned off" in reply.text
