"""/team: a head sees their own team's plan and results on demand; managers do not."""

from __future__ import annotations

from datetime import timedelta

import pytest

from db.models import Kind, Outcome, Role
from db.repositories import ClientRepository, InteractionRepository
from tests.e2e.harness import Person, seed_user

ANNA, BORIS, OLGA, HELEN = 2001, 2002, 2003, 4000


@pytest.fixture
async def team(ladon, sessionmaker, clock):
    """Clock: Friday 27 Nov 2026, 11:00 in Moscow."""
    anna = await seed_user(sessionmaker, ANNA, "Anna")
    await seed_user(sessionmaker, BORIS, "Boris")
    olga = await seed_user(sessionmaker, OLGA, "Olga", team="Other")
    await seed_user(sessionmaker, HELEN, "Helen", role=Role.HEAD, language="ru")
    async with sessionmaker() as session:
        for who, name in ((anna, "Vector"), (olga, "Alpha")):
            client = await ClientRepository(session, who).create(name)
            repo = InteractionRepository(session, who)
            await repo.log(now=clock() - timedelta(days=1), client_id=client.id, kind=Kind.MEETING,
                           outcome=Outcome.REFUSED, reason_id=1)
            await repo.plan(client_id=client.id, kind=Kind.CALL, planned_at=clock() + timedelta(hours=2))
            await repo.plan(client_id=client.id, kind=Kind.MEETING, planned_at=clock() + timedelta(days=1))
            await repo.plan(client_id=client.id, kind=Kind.EMAIL, planned_at=clock() + timedelta(days=1, hours=1))
            await repo.plan(client_id=client.id, kind=Kind.CALL, planned_at=clock() - timedelta(days=3))
        await session.commit()
    return ladon


async def test_a_head_sees_their_team_from_the_menu(team) -> None:
    helen = Person(team, HELEN, "Helen", language="ru")
    await helen.say("/start")
    [view] = await helen.menu("👥 Команда")
    text = view.text
    assert text.startswith("☀️ Сводка по команде, пятница, 27 ноября") and "Olga" not in text  # another team stays out
    assert "Итоги дня: четверг, 26 ноября" in text and "🤝 Встречи: 1" in text
    assert "• Anna: просрочен 1 план (вт, 24 нояб.)" in text
    assert "• Вчера без единого контакта: Boris" in text
    anna_part = text[text.index("По менеджерам"):][text[text.index("По менеджерам"):].index("Anna"):]
    assert "Вчера: 🤝 1 · ❌ 1 (Бюджет исчерпан)\n   План: сегодня 1, завтра 2" in anna_part
    assert "Boris\n   Вчера: ничего\n   План: сегодня 0, завтра 0" in text


async def test_a_manager_gets_one_line_and_no_team_data(team) -> None:
    anna = Person(team, ANNA, "Anna")
    await anna.say("/start")
    assert "👥 Team" not in sum(anna.emu.reply_keyboard(ANNA), [])
    [answer] = await anna.say("/team")
    assert answer.text == "The team view is for heads and administrators."


async def test_a_head_with_nobody_in_the_team(ladon, sessionmaker) -> None:
    await seed_user(sessionmaker, HELEN, "Helen", role=Role.HEAD, team="Empty")
    helen = Person(ladon, HELEN, "Helen")
    await helen.say("/start")
    [answer] = await helen.say("/team")
    assert "no active managers" in answer.text


async def test_a_tap_on_a_manager_opens_their_day_and_a_forged_one_shows_nothing(team, sessionmaker) -> None:
    helen = Person(team, HELEN, "Helen", language="ru")
    await helen.say("/start")
    [view] = await helen.say("/team")
    assert view.text.endswith("\n\nЧей день открыть?") and view.buttons() == ["👤 Anna", "👤 Boris"]
    [day] = await helen.tap("👤 Anna")
    assert day.text.startswith("👤 Anna, пятница, 27 ноября")
    assert "Запланировано, результата пока нет" in day.text and "Vector · 📞 Звонок" in day.text
    assert "Пока ничего не сделано." in day.text
    await helen.tap("‹ День раньше", day)
    before = helen.emu.message(HELEN, day.message_id).text
    assert before.startswith("👤 Anna, четверг, 26 ноября") and "Vector · 🤝 Встреча · ❌ Отказ (Бюджет исчерпан)" in before
    assert "День позже ›" in helen.emu.message(HELEN, day.message_id).buttons()
    await helen.tap("‹ День раньше", helen.emu.message(HELEN, day.message_id))
    assert "✔️ Ничего не сделано." in helen.emu.message(HELEN, day.message_id).text  # a past day: no "yet"

    from handlers.callbacks import TeamCb
    from handlers.team import DAYS_BACK
    from sqlalchemy import select
    from db.models import User

    async with sessionmaker() as session:
        olga = await session.scalar(select(User.id).where(User.tg_id == OLGA))
    seen = len(helen.emu.messages(HELEN))
    for forged in (TeamCb(a="open", id=olga), TeamCb(a="day", id=olga, d=-1), TeamCb(a="day", id=olga, d=-10_000)):
        update = await helen.press_raw(day, forged.pack())
        assert helen.answer_to(update).text == "Не найдено или недоступно вам."
    assert len(helen.emu.messages(HELEN)) == seen and "Alpha" not in helen.emu.message(HELEN, day.message_id).text

    # the oldest day that opens has no "day before" to lead nowhere; a day older than that is refused
    async with sessionmaker() as session:
        anna = await session.scalar(select(User.id).where(User.full_name == "Anna"))
    await helen.press_raw(day, TeamCb(a="day", id=anna, d=-DAYS_BACK).pack())
    oldest = helen.emu.message(HELEN, day.message_id)
    assert oldest.text.startswith("👤 Anna, ") and oldest.buttons() == ["День позже ›"]
    update = await helen.press_raw(day, TeamCb(a="day", id=anna, d=-DAYS_BACK - 1).pack())
    assert helen.answer_to(update).text == "Не найдено или недоступно вам."
    await helen.press_raw(day, TeamCb(a="day", id=anna, d=-3).pack())  # Tuesday 24: the call planned for it hangs
    tuesday = helen.emu.message(HELEN, day.message_id).text
    assert "📅 Просрочено, результата нет" in tuesday and "Запланировано" not in tuesday
    await helen.press_raw(day, TeamCb(a="day", id=anna, d=-5).pack())  # Sunday 22 November
    sunday = helen.emu.message(HELEN, day.message_id).text
    assert sunday.startswith("👤 Anna, воскресенье, 22 ноября") and "✔️ Выходной, контактов не было." in sunday


async def test_a_large_team_pages_its_managers(ladon, sessionmaker) -> None:
    for n in range(45):
        await seed_user(sessionmaker, 6000 + n, f"Manager {n:02d}")
    await seed_user(sessionmaker, HELEN, "Helen", role=Role.HEAD)
    helen = Person(ladon, HELEN, "Helen")
    await helen.say("/start")
    parts = await helen.say("/team")
    assert len(parts) >= 1 and all(len(p.text) <= 4096 for p in parts)
    last = parts[-1]
    names = [b for b in last.buttons() if b.startswith("👤")]
    assert names[:2] == ["👤 Manager 00", "👤 Manager 01"] and len(names) == 20 and "1/3" in last.buttons()
    await helen.tap("›", last)
    names = [b for b in helen.emu.message(HELEN, last.message_id).buttons() if b.startswith("👤")]
    assert names[0] == "👤 Manager 20" and "2/3" in helen.emu.message(HELEN, last.message_id).buttons()
