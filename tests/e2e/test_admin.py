"""Admin tools: refusal reasons, the people list, and what managers may not do."""

from __future__ import annotations

from sqlalchemy import select

from db.models import RefusalReason
from tests.conftest import ADMIN_TG
from tests.e2e.harness import Person, seed_user


async def test_admin_adds_and_hides_reasons_and_managers_see_the_change(ladon, sessionmaker) -> None:
    admin = Person(ladon, ADMIN_TG, "Boss")
    [listing] = await admin.say("/reasons")
    assert "Budget exhausted" in listing.text
    await admin.tap("🙈 Hide: Price", listing)
    await admin.tap("➕ Add a reason", admin.last)
    [error] = await admin.say("x" * 101)
    assert "from 1 to 100" in error.text
    [added] = await admin.say("Moved to a competitor")
    assert "Moved to a competitor" in added.text
    async with sessionmaker() as session:
        reasons = {r.title or r.code: r.is_active for r in await session.scalars(select(RefusalReason))}
    assert reasons["price"] is False and reasons["Moved to a competitor"] is True

    await seed_user(sessionmaker, 2001, "Anna")
    anna = Person(ladon, 2001, "Anna")
    [reply] = await anna.say("/reasons")
    assert reply.text == "Only admins can edit the refusal reasons."
    [reply] = await anna.say("/users")
    assert "Only heads and admins" in reply.text
    [reply] = await anna.say("/invite")
    assert "Only heads and admins" in reply.text


async def test_head_invites_only_managers_into_their_own_team(ladon, sessionmaker) -> None:
    from db.models import Role

    await seed_user(sessionmaker, 3001, "Helen", role=Role.HEAD, team="North")
    head = Person(ladon, 3001, "Helen")
    [invite] = await head.say("/invite")
    assert "new manager" in invite.text and "t.me/ladon_test_bot?start=" in invite.text
    code = invite.text.rsplit("start=", 1)[1].split()[0]
    newbie = Person(ladon, 3002, "Nick")
    [welcome] = await newbie.say(f"/start {code}")
    assert "Manager" in welcome.text
    [team] = await head.say("/users")
    assert "Nick" in team.text and "Helen" in team.text


async def test_new_team_name_is_checked_before_an_invite_is_made(ladon, sessionmaker) -> None:
    from sqlalchemy import func

    from db.models import Invite, Team

    admin = Person(ladon, ADMIN_TG, "Boss")
    await admin.say("/invite")
    await admin.tap("Head")
    await admin.tap("➕ New team")
    [error] = await admin.say("T" * 101)
    assert "from 1 to 100" in error.text
    [hint] = await admin.send("sticker")
    assert "text answer" in hint.text
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Invite)) == 0
        assert await session.scalar(select(func.count()).select_from(Team)) == 0
    [invite] = await admin.say("North-West")
    assert "t.me/ladon_test_bot?start=" in invite.text
    async with sessionmaker() as session:
        assert (await session.scalar(select(Team.name))) == "North-West"
