"""Russian first, English on request: the first language comes from Telegram, /lang switches it."""

from __future__ import annotations

from sqlalchemy import select

from db.models import User
from tests.conftest import ADMIN_TG
from tests.e2e.harness import Person


async def test_russian_by_default_and_lang_switches_to_english(ladon, sessionmaker) -> None:
    boss = Person(ladon, ADMIN_TG, "Босс", language="ru")
    [hello] = await boss.say("/start")
    assert hello.text == "Здравствуйте, Босс! Чем займёмся?"
    [help_ru] = await boss.say("/help")
    assert "📍 Я у клиента: на встрече нажмите эту кнопку с телефона" in help_ru.text
    assert ["📝 Записать контакт", "📊 Отчёты"] in ladon.emu.reply_keyboard(ADMIN_TG)
    [picker] = await boss.say("/lang")
    await boss.tap("🇬🇧 English", picker)
    assert ["📝 Log a contact", "📊 Reports"] in ladon.emu.reply_keyboard(ADMIN_TG)
    async with sessionmaker() as session:
        assert (await session.scalar(select(User.language).where(User.tg_id == ADMIN_TG))) == "en"
    [menu_reply] = await boss.say("/help")
    assert "Log a contact" in menu_reply.text


async def test_unknown_telegram_language_falls_back_to_the_default(ladon) -> None:
    stranger = Person(ladon, 777, "Hans", language="de")
    [reply] = await stranger.say("/start")
    assert reply.text.startswith("Этот бот только для приглашённых сотрудников.")
