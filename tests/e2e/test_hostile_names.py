"""Names people and clients really have, or are given to break things: `<`, `&`, quotes and tags
are shown as typed on every screen, never parsed as HTML (which Telegram would refuse, leaving the
person with no answer)."""

from __future__ import annotations

import re

from sqlalchemy import select

from db.models import Client, User
from tests.conftest import ADMIN_TG
from tests.e2e.harness import Person

LINK = re.compile(r"https://t\.me/ladon_test_bot\?start=([A-Za-z0-9_-]+)")
PERSON = '<Анна & "Ко"> </b>'
CLIENT = "<i>Ромашка</i> & <b"


async def test_hostile_person_and_client_names_on_every_screen(ladon, sessionmaker) -> None:
    admin = Person(ladon, ADMIN_TG, "Boss")
    await admin.say("/invite")
    await admin.tap("Manager")
    await admin.tap("No team")
    code = LINK.search(admin.last.text).group(1)

    anna = Person(ladon, 2001, PERSON)
    welcome, _zone = await anna.say(f"/start {code}")
    assert f"Welcome to Ladon, {PERSON}!" in welcome.text
    [hello] = await anna.say("/start")
    assert f"Hello, {PERSON}!" in hello.text
    [again] = await anna.say(f"/start {code}")
    assert f"You are already in, {PERSON}." in again.text

    await anna.menu("📝 Log a contact")
    [found] = await anna.say(CLIENT)
    assert f"«{CLIENT}»" in found.text
    await anna.tap(f"➕ New client «{CLIENT[:30]}»")
    assert CLIENT in anna.last.text
    await anna.tap("🤝 Meeting")
    await anna.tap("🤔 Thinking it over")
    await anna.say("ok & <done>")  # a comment with HTML in it
    assert "ok & <done>" in anna.last.text
    await anna.tap("No next step")
    saved = anna.last.text
    assert "✅ Saved" in saved and CLIENT in saved and "ok & <done>" in saved

    await anna.menu("🔎 Clients")
    [results] = await anna.say("Ромашка")
    assert "«Ромашка»" in results.text
    [card] = await anna.tap(CLIENT)
    assert CLIENT in card.text and PERSON in card.text  # the client's manager
    [history] = await anna.tap("📜 Full history")
    assert CLIENT in history.text and "ok & <done>" in history.text

    await admin.say("/users")
    assert PERSON in admin.last.text
    [team] = await admin.say("/team")
    assert PERSON in team.text

    async with sessionmaker() as session:
        assert await session.scalar(select(User.full_name).where(User.tg_id == 2001)) == PERSON
        assert await session.scalar(select(Client.name)) == CLIENT
