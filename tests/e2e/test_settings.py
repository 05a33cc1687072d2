"""/settings: a person's own times, zone and mutes change when their reminders come."""

from __future__ import annotations

from datetime import datetime, time, timezone

from sqlalchemy import select

from db.models import Role, User
from tests.e2e.harness import Person, seed_user

UTC = timezone.utc


async def _user(sessionmaker, tg_id) -> User:
    async with sessionmaker() as session:
        return await session.scalar(select(User).where(User.tg_id == tg_id))


async def test_zone_time_and_mute_change_the_reminders(ladon, sessionmaker, clock) -> None:
    await seed_user(sessionmaker, 2001, "Anna")
    anna = Person(ladon, 2001, "Anna")
    clock.now = datetime(2026, 11, 27, 5, 0, tzinfo=UTC)
    await ladon.reminders.tick()  # plans the evening at 18:30 Moscow
    [card] = await anna.say("/settings")
    assert "Timezone: Moscow (UTC+3)" in card.text and "18:30" in card.text
    await anna.tap("🌍 Timezone", card)
    [bad] = await anna.say("Mars/Olympus")
    assert "don't know this timezone" in bad.text
    await anna.say("МСК+2")  # as people say it; a city ("Екатеринбург") or "UTC+5" work too
    await anna.tap("🌙 Evening time", anna.find("🌙 Evening time"))
    [bad] = await anna.say("25:61")
    assert "could not read the time" in bad.text
    [card] = await anna.say("17.45")
    assert "Yekaterinburg (UTC+5)" in card.text and "17:45" in card.text
    await anna.tap("🔔 Morning plan", card)
    user = await _user(sessionmaker, 2001)
    assert (user.timezone, user.evening_at, user.mute_morning) == ("Asia/Yekaterinburg", time(17, 45), True)
    assert "🔕 Morning plan" in anna.emu.message(2001, card.message_id).buttons()

    before = len(anna.emu.messages(2001))
    clock.now = datetime(2026, 11, 27, 12, 44, tzinfo=UTC)  # 17:44 in Yekaterinburg
    await ladon.reminders.tick()
    assert len(anna.emu.messages(2001)) == before
    clock.now = datetime(2026, 11, 27, 12, 45, tzinfo=UTC)
    await ladon.reminders.tick()
    assert "not logged a single contact" in anna.emu.messages(2001)[-1].text
    clock.now = datetime(2026, 11, 27, 15, 30, tzinfo=UTC)  # the old 18:30 Moscow: nothing more
    await ladon.reminders.tick()
    assert len(anna.emu.messages(2001)) == before + 1


async def test_team_summary_toggle_is_for_heads_only(ladon, sessionmaker) -> None:
    await seed_user(sessionmaker, 2001, "Anna")
    await seed_user(sessionmaker, 4000, "Helen", role=Role.HEAD)
    anna = Person(ladon, 2001, "Anna")
    [card] = await anna.say("/settings")
    assert not any("Team summary" in b for b in card.buttons())
    update_id = await anna.press_raw(card, "st:mute:mute_summary")
    assert anna.answer_to(update_id).text == "This button is no longer active."
    assert (await _user(sessionmaker, 2001)).mute_summary is False
    helen = Person(ladon, 4000, "Helen")
    [card] = await helen.say("/settings")
    await helen.tap("🔔 Team summary", card)
    assert (await _user(sessionmaker, 4000)).mute_summary is True
