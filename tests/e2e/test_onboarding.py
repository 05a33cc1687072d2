"""Getting in: invites, strangers, groups, deactivation."""

from __future__ import annotations

import re

import pytest

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
    [welcome, zone] = await anna.say(f"/start {code}")
    assert "Welcome to Ladon, Anna" in welcome.text
    # what a manager can open is named, what only heads can is not
    assert "/report: your figures" in welcome.text and "/forecast" in welcome.text and "/checks" not in welcome.text
    assert "📍 I'm at the client: at a meeting, tap it on your phone" in welcome.text  # the menu's location button
    assert "Your time zone is Moscow (UTC+3)" in zone.text  # asked at sign-up, the company's by default
    await anna.tap("Yekaterinburg (UTC+5)", zone)
    assert ["📝 Log a contact"] in anna.emu.reply_keyboard(2001)

    boris = Person(ladon, 2002, "Boris")
    [refusal] = await boris.say(f"/start {code}")
    assert "already been used" in refusal.text
    async with sessionmaker() as session:
        roles = dict((await session.execute(select(User.tg_id, User.role))).all())
    assert roles == {ADMIN_TG: Role.ADMIN, 2001: Role.MANAGER}
    async with sessionmaker() as session:
        assert await session.scalar(select(User.timezone).where(User.tg_id == 2001)) == "Asia/Yekaterinburg"


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


async def test_an_unused_link_can_be_revoked_by_who_made_it_or_an_admin(ladon, sessionmaker, clock) -> None:
    from db.models import Invite
    from handlers.callbacks import RevokeCb

    admin = Person(ladon, ADMIN_TG, "Boss")
    await seed_user(sessionmaker, 3001, "Helen", role=Role.HEAD, team="North")
    await seed_user(sessionmaker, 3002, "Hugo", role=Role.HEAD, team="South")
    helen, hugo = Person(ladon, 3001, "Helen"), Person(ladon, 3002, "Hugo")
    [issued] = await helen.say("/invite")
    code = LINK.search(issued.text).group(1)
    async with sessionmaker() as session:
        invite_id = await session.scalar(select(Invite.id).where(Invite.code == code))
    [hello] = await hugo.say("/start")
    other_head = await hugo.press_raw(hello, RevokeCb(id=invite_id).pack())
    assert hugo.answer_to(other_head).text == "Not found, or not yours to change."

    await helen.tap("🚫 Revoke this link", issued)
    assert helen.answer_to(helen.last_tap).text == "Revoked"
    assert "revoked" in helen.last.text and code not in helen.last.text and not helen.last.inline_keyboard
    again = await helen.press_raw(issued, RevokeCb(id=invite_id).pack())
    assert helen.answer_to(again).text == "This link was already revoked."
    [refused] = await Person(ladon, 2005, "Wrong person").say(f"/start {code}")
    assert refused.text == "This invite link was revoked. Ask for a new one."

    # a used link cannot be revoked (turning access off is the way); an admin may revoke anyone's
    used = await _invite_link(admin)
    await Person(ladon, 2006, "Nina").say(f"/start {used}")
    [mine] = await helen.say("/invite")
    async with sessionmaker() as session:
        ids = dict((await session.execute(select(Invite.code, Invite.id))).all())
    late = await admin.press_raw(admin.last, RevokeCb(id=ids[used]).pack())
    assert "already been used" in admin.answer_to(late).text
    by_admin = await admin.press_raw(admin.last, RevokeCb(id=ids[LINK.search(mine.text).group(1)]).pack())
    assert admin.answer_to(by_admin).text == "Revoked"
    clock.advance(hours=73)
    [expired] = await helen.say("/invite")
    clock.advance(hours=73)
    await helen.tap("🚫 Revoke this link", expired)
    assert helen.answer_to(helen.last_tap).text == "This link has expired anyway: nobody can use it."
    async with sessionmaker() as session:
        states = {(i.used_at is not None, i.revoked_at is not None) for i in await session.scalars(select(Invite))}
        users = set(await session.scalars(select(User.tg_id)))
    assert states == {(False, True), (True, False), (False, False)} and 2005 not in users and 2006 in users


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
    # it said so once and left: nothing more written there reaches it, nothing more is answered
    assert ladon.emu.has_left(-100500)
    with pytest.raises(LookupError):
        ladon.emu.send_text(2001, "/today", chat_id=-100500)
    assert len(ladon.emu.messages(-100500)) == 1


async def test_deactivated_user_loses_access_at_once(ladon, sessionmaker) -> None:
    await seed_user(sessionmaker, 2001, "Anna")
    anna = Person(ladon, 2001, "Anna")
    await anna.say("/start")
    admin = Person(ladon, ADMIN_TG, "Boss")
    await admin.say("/users")
    await admin.tap("⛔ Turn off: Anna")
    [still] = await anna.say("/today")  # not yet: the admin is asked first
    assert "turned off" not in still.text
    await admin.tap("⛔ Yes, turn off")
    [reply] = await anna.say("/today")
    assert "turned off" in reply.text
