"""Limits against scraping: past an hourly limit nothing more is shown, the person is told when
they can go on, the refusals are in the audit trail, and the admins hear of it once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.models import AuditEntry, AuditKind, Role
from db.repositories import ClientRepository
from db.repositories.audit import AuditRepository
from handlers.callbacks import RepCb
from tests.conftest import ADMIN_TG
from tests.e2e.harness import Person, seed_user


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"card_views_per_hour": 2, "searches_per_hour": 2, "exports_per_hour": 1})


async def _limits(sessionmaker) -> list[dict]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(AuditEntry.what).where(AuditEntry.kind == AuditKind.LIMIT)
                                           .order_by(AuditEntry.id)))


async def test_cards_and_searches_past_the_limit_are_refused_and_the_admins_told_once(ladon, sessionmaker) -> None:
    await seed_user(sessionmaker, ADMIN_TG, "Boss", role=Role.ADMIN)
    anna_user = await seed_user(sessionmaker, 2001, "Anna <b>")
    async with sessionmaker() as session:
        client = await ClientRepository(session, anna_user).create("Ромашка")
        await session.commit()
    anna, admin = Person(ladon, 2001, "Anna"), Person(ladon, ADMIN_TG, "Boss")

    await anna.say("/clients")
    [found] = await anna.say("ромаш")  # search 1 of 2
    for _ in range(2):
        [card] = await anna.tap("Ромашка", found)
        assert "📇 <b>Ромашка</b>" in card.html
    assert await anna.tap("Ромашка", found) == []  # the third card: nothing shown
    answer = anna.answer_to(anna.last_tap)
    assert answer.show_alert and answer.text.startswith("You have reached the hourly limit of client cards (2). "
                                                        "You can open cards again at ")
    [alert] = ladon.emu.messages(ADMIN_TG)
    assert alert.text.startswith("⚠️ The hourly limit of client cards was reached.\nWho: Anna <b>\n"
                                 "Cards opened in the last hour: 2\n")  # the name came through as text
    assert await anna.tap("Ромашка", found) == []
    assert ladon.emu.messages(ADMIN_TG) == [alert]  # told once, not per request

    await anna.say("ромаш")  # typed outside any step: search 2 of 2
    [refused] = await anna.say("ромашка")
    assert refused.text.startswith("You have reached the hourly limit of client searches (2).")
    [_card_alert, search_alert] = ladon.emu.messages(ADMIN_TG)  # another limit, its own alert
    assert "client searches" in search_alert.text

    assert await _limits(sessionmaker) == [
        {"client": client.id, "of": "card", "limit": 2, "alert": True},
        {"client": client.id, "of": "card", "limit": 2, "alert": False},
        {"q": "ромашка", "of": "search", "limit": 2, "alert": True},
    ]
    async with sessionmaker() as session:
        assert (await AuditRepository(session).verify()).ok
    log = (await admin.say("/audit"))[-1]  # after the two alerts
    assert "⛔ over the hourly limit of searches (2): «ромашка» not searched; the admins were told" in log.text
    assert "⛔ over the hourly limit of cards (2): «Ромашка» not shown\n" in log.text


async def test_an_export_past_the_limit_builds_nothing(ladon, sessionmaker) -> None:
    helen_user = await seed_user(sessionmaker, 3001, "Helen", role=Role.HEAD)
    async with sessionmaker() as session:
        await AuditRepository(session, helen_user).record(AuditKind.EXPORT, {"scope": "me", "rows": 1})
        await session.commit()
    helen = Person(ladon, 3001, "Helen")
    [menu] = await helen.say("/help")
    assert "/checks: the call-back check" in menu.text and "/plan" in menu.text and "/audit" not in menu.text
    update = await helen.press_raw(menu, RepCb(a="x", p="week", s="me").pack())
    assert helen.answer_to(update).text.startswith("You have reached the hourly limit of exports (1).")
    assert [m for m in ladon.emu.messages(3001) if m.kind == "document"] == []
    assert (await _limits(sessionmaker))[0]["of"] == "export"
