"""The audit trail end to end: what people do is recorded, admins read it by person and kind, page
through it, and nobody else reads it; forged buttons are answered calmly."""

from __future__ import annotations

import re

from sqlalchemy import select

from db.models import AuditEntry, AuditKind, Role
from db.repositories import ClientRepository
from db.repositories.audit import AuditRepository
from handlers.callbacks import AuditCb
from tests.conftest import ADMIN_TG
from tests.e2e.harness import Person, seed_user


async def _entries(sessionmaker) -> list[AuditEntry]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def _lines(text: str) -> list[str]:
    return [line for line in text.split("\n")[3:] if line]


async def test_a_card_and_a_search_are_recorded_and_admins_filter_them(ladon, sessionmaker) -> None:
    anna_user = await seed_user(sessionmaker, 2001, "Anna")
    async with sessionmaker() as session:
        await ClientRepository(session, anna_user).create("<i>Ромашка & Co</i>")
        await session.commit()
    anna = Person(ladon, 2001, "Anna")
    await anna.say("/clients")
    [found] = await anna.say("ромаш")
    await anna.tap("<i>Ромашка & Co</i>", found)
    entries = await _entries(sessionmaker)
    assert [(e.kind, e.actor_id) for e in entries] == [(AuditKind.SEARCH, anna_user.id), (AuditKind.CARD, anna_user.id)]
    assert entries[0].what == {"q": "ромаш", "found": 1}

    stranger = Person(ladon, 5555, "Eve")
    await stranger.say("let me in")
    admin = Person(ladon, ADMIN_TG, "Boss")
    [log] = await admin.say("/audit")
    lines = _lines(log.text)
    assert "Audit trail" in log.text and "Who: anyone · What: everything" in log.text
    # newest first: the admin made by ADMIN_IDS at this first contact, the stranger, the card, the search
    assert len(lines) == 4 and lines[0].endswith(" · Boss · 👑 Boss became an admin (listed in ADMIN_IDS)")
    assert lines[1].endswith(" · Eve (Telegram id 5555) · 🚫 refused: not invited (try 1)")
    # the name came through as text: escaped, not read as markup
    assert lines[2].endswith(" · Anna · 📇 opened the card of «<i>Ромашка & Co</i>»")
    assert lines[3].endswith(" · Anna · 🔎 searched for «ромаш», found: 1")
    assert re.fullmatch(r"\d\d\.\d\d\.\d\d \d\d:\d\d", lines[3].split(" · ")[0])  # local time first
    assert [b.text for b in log.inline_keyboard[0]] == ["👤 Who", "🏷 What"]  # one page: no ‹ ›

    await admin.tap("👤 Who", log)
    picker = admin.emu.message(ADMIN_TG, log.message_id)
    assert "Whose entries?" in picker.text
    await admin.tap("Anna", picker)
    mine = admin.emu.message(ADMIN_TG, log.message_id)
    assert "Who: Anna" in mine.text and len(_lines(mine.text)) == 2
    await admin.tap("🏷 What", mine)
    await admin.tap("📇 Cards", admin.emu.message(ADMIN_TG, log.message_id))
    cards = admin.emu.message(ADMIN_TG, log.message_id)
    assert "Who: Anna · What: 📇 Cards" in cards.text
    assert len(_lines(cards.text)) == 1 and "opened the card" in cards.text
    await admin.tap("👤 Who", cards)
    await admin.tap("Not users", admin.emu.message(ADMIN_TG, log.message_id))
    none = admin.emu.message(ADMIN_TG, log.message_id)
    assert "Nothing recorded with these filters." in none.text  # strangers opened no cards
    await admin.tap("🏷 What", none)
    await admin.tap("Everything", admin.emu.message(ADMIN_TG, log.message_id))
    refused = admin.emu.message(ADMIN_TG, log.message_id)
    assert "people who are not users" in refused.text and "Eve" in refused.text and "Anna" not in refused.text


async def test_admins_page_through_newest_first(ladon, sessionmaker) -> None:
    anna_user = await seed_user(sessionmaker, 2001, "Anna")
    async with sessionmaker() as session:
        repo = AuditRepository(session, anna_user)
        for n in range(1, 46):
            await repo.record(AuditKind.SEARCH, {"q": f"q{n:02}", "found": n})
        await session.commit()
    admin = Person(ladon, ADMIN_TG, "Boss")
    [log] = await admin.say("/audit")
    lines = _lines(log.text)
    # the admin's first contact made them an admin: the newest entry; then searches 45 to 27
    assert len(lines) == 20 and "became an admin (listed in ADMIN_IDS)" in lines[0]
    assert "«q45»" in lines[1] and "«q27»" in lines[19]
    assert [b.text for b in log.inline_keyboard[0]] == ["›"]
    await admin.tap("›", log)
    second = admin.emu.message(ADMIN_TG, log.message_id)
    assert "«q26»" in _lines(second.text)[0] and "«q07»" in _lines(second.text)[19]
    assert [b.text for b in second.inline_keyboard[0]] == ["‹", "›"]
    await admin.tap("›", second)
    third = admin.emu.message(ADMIN_TG, log.message_id)
    assert [line.split("«")[1][:3] for line in _lines(third.text)] == ["q06", "q05", "q04", "q03", "q02", "q01"]
    assert [b.text for b in third.inline_keyboard[0]] == ["‹"]
    await admin.tap("‹", third)
    assert "«q26»" in _lines(admin.emu.message(ADMIN_TG, log.message_id).text)[0]


async def test_others_are_refused_and_forged_buttons_are_calm(ladon, sessionmaker) -> None:
    await seed_user(sessionmaker, 2001, "Anna")
    await seed_user(sessionmaker, 3001, "Helen", role=Role.HEAD)
    anna, helen = Person(ladon, 2001, "Anna"), Person(ladon, 3001, "Helen")
    [reply] = await anna.say("/audit")
    assert reply.text == "Only admins can read the audit trail."
    [reply] = await helen.say("/audit")
    assert reply.text == "Only admins can read the audit trail."
    update = await anna.press_raw(reply, AuditCb(a="l").pack())  # a forged admin button
    assert anna.answer_to(update).text == "Not found, or not yours to change."

    admin = Person(ladon, ADMIN_TG, "Boss")
    [log] = await admin.say("/audit")
    before = log.text
    for forged in (AuditCb(a="l", k="bogus"), AuditCb(a="l", u=987654), AuditCb(a="l", u=-7),
                   AuditCb(a="l", c=5, d="x")):
        update = await admin.press_raw(log, forged.pack())
        assert admin.answer_to(update).text == "This button is no longer active."
        assert admin.emu.message(ADMIN_TG, log.message_id).text == before
    update = await admin.press_raw(log, AuditCb(a="l", c=2**62, d="o").pack())  # a cursor beyond the end
    assert admin.answer_to(update).text is None and "became an admin" in admin.emu.message(ADMIN_TG, log.message_id).text
    update = await admin.press_raw(log, AuditCb(a="who", p=999).pack())  # a page beyond the end: the last one
    picker = admin.emu.message(ADMIN_TG, log.message_id)
    assert admin.answer_to(update).text is None and "Helen" in picker.buttons()
    update = await admin.press_raw(log, "au:l:0::0:o:zz")  # does not unpack at all
    assert admin.answer_to(update).text == "This button is no longer active."
