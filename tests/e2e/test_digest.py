"""The heads' morning digest through the outbox: texts and an album of charts, exactly once, split
between managers when long, with the team's usual level and what needs attention."""

from __future__ import annotations

import struct
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from db.models import Interaction, Kind, Outcome, Reminder, ReminderKind, ReminderStatus, Role, User
from db.repositories import ClientRepository, InteractionRepository, RefusalReasonRepository
from handlers.ui import u16
from reports import drawing
from tests.e2e.harness import seed_user

UTC = timezone.utc
HEAD, ADMIN_OF_ALL = 4000, 4100
FRIDAY_9 = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)  # 09:00 in Moscow: the morning plan's hour
THURSDAY = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)  # 11:00 in Moscow, the day the digest reports


async def _done(sessionmaker, user, client: str, happened: datetime, kind=Kind.MEETING, outcome=Outcome.AGREED,
                amount=None, logged: datetime | None = None, reason: int | None = None) -> None:
    async with sessionmaker() as session:
        c = await ClientRepository(session, user).create(client)
        if outcome == Outcome.REFUSED and reason is None:
            reason = (await RefusalReasonRepository(session).active())[0].id
        item = await InteractionRepository(session, user).log(
            now=logged or happened, client_id=c.id, kind=kind, outcome=outcome, amount_minor=amount, reason_id=reason,
        )
        item.happened_at = happened
        await session.commit()


def _photos(emu, chat_id: int):
    return [m for m in emu.messages(chat_id) if m.kind == "photo"]


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


async def test_the_head_gets_the_digest_with_an_album_of_charts_once(ladon, sessionmaker, clock) -> None:
    anna = await seed_user(sessionmaker, 2001, "Anna")
    boris = await seed_user(sessionmaker, 2002, "Boris")
    olga = await seed_user(sessionmaker, 2003, "Olga", team="Other")
    await seed_user(sessionmaker, HEAD, "Helen", role=Role.HEAD, language="ru")
    ladon.emu.add_user(HEAD, "Helen", language_code="ru")
    await _done(sessionmaker, anna, "Вектор", THURSDAY, amount=150_000_00)
    await _done(sessionmaker, anna, "Ромашка", THURSDAY + timedelta(hours=1), kind=Kind.CALL, outcome=Outcome.REFUSED)
    await _done(sessionmaker, olga, "Альфа", THURSDAY, amount=999_000_00)  # another team: not in Helen's digest
    # eight Thursdays before: Anna's team made 0 meetings a Thursday, so 1 is above the usual level
    for weeks in range(1, 9):
        await _done(sessionmaker, boris, f"Звонок {weeks}", THURSDAY - timedelta(weeks=weeks), kind=Kind.CALL,
                    outcome=Outcome.THINKING)

    clock.now = FRIDAY_9
    await ladon.reminders.tick()
    texts = [m for m in ladon.emu.messages(HEAD) if m.kind == "text"]
    digest = next(m.text for m in texts if "Сводка по команде" in m.text)
    assert "Итоги дня: четверг, 26 ноября" in digest
    assert "🤝 Встречи: 1 ▲ (обычно 0)" in digest and "📞 Звонки: 1 (обычно 1)" in digest
    assert "💰 Сумма сделок: 150\u00a0000\u00a0₽ ▲" in digest
    assert "Olga" not in digest and "999" not in digest
    assert "Вчера: 🤝 1 · 📞 1 · ✅ 1 на 150\u00a0000\u00a0₽ · ❌ 1 (Бюджет исчерпан)" in digest
    assert "• Вчера без единого контакта: Boris" in digest  # Anna had contacts: not named
    # the month: what is done and the forecast, for the team and each manager
    assert "🎯 Ноябрь 2026: факт 150\u00a0000\u00a0₽ · прогноз" in digest
    assert "План: сегодня 0, завтра 0\n   🎯 факт 150\u00a0000\u00a0₽ · прогноз" in digest

    album = _photos(ladon.emu, HEAD)
    assert len(album) == 2 and album[0].media_group_id and album[0].media_group_id == album[1].media_group_id
    assert album[0].caption.startswith("чт, 26 нояб.: встречи, звонки")
    for photo in album:
        width, height = _png_size(photo.file.data)
        assert width == 1200 and height > 300

    before = len(ladon.emu.messages(HEAD))
    await ladon.reminders.tick()
    clock.now = FRIDAY_9 + timedelta(minutes=30)
    await ladon.reminders.tick()
    assert len(ladon.emu.messages(HEAD)) == before  # exactly once


async def test_a_large_company_s_digest_is_split_between_managers(ladon, sessionmaker, clock, backend) -> None:
    await seed_user(sessionmaker, ADMIN_OF_ALL, "Admin", role=Role.ADMIN, team=None)
    ladon.emu.add_user(ADMIN_OF_ALL, "Admin", language_code="en")
    names = [f"{'Konstantin-Aleksandr ' * 4}<{n:02d}> & Co" for n in range(60)]
    async with sessionmaker() as session:
        from db.repositories import UserRepository

        team = await UserRepository(session).team_by_name("Sales")
        for n, name in enumerate(names):
            user = await UserRepository(session).create(
                tg_id=5000 + n, full_name=name, username=None, role=Role.MANAGER, team_id=team.id,
                timezone="Europe/Moscow", language="en",
            )
            client = await ClientRepository(session, user).create(f"Client {n}")
            await InteractionRepository(session, user).plan(client_id=client.id, kind=Kind.CALL,
                                                             planned_at=THURSDAY - timedelta(days=3))
        await session.commit()
    clock.now = FRIDAY_9
    await ladon.reminders.tick()
    parts = [m for m in ladon.emu.messages(ADMIN_OF_ALL) if m.kind == "text" and "Good morning" not in m.text]
    assert len(parts) > 2 and all(len(p.text) <= 4096 for p in parts)
    assert parts[0].text.startswith("☀️ Company digest, Friday, 27 November")  # an admin's covers everyone
    whole = "\n".join(p.text for p in parts)
    for name in names:  # every manager, escaped and whole, in the attention list and by manager
        assert whole.count(f"{name}\n   Yesterday: nothing\n   Plan: today 0, tomorrow 0") == 1
        assert f"• {name}: 1 overdue plan (Mon, 23 Nov)" in whole  # due three days before Thursday
        # whole in the list of those with no contact yesterday too, which goes on over several lines
        assert whole.count(name) == 3
    idle = whole[whole.index("• Yesterday, not a single contact: "):whole.index("overdue plan")]
    assert len(idle.splitlines()) > 1 and all(u16(line) <= 1000 + 100 for line in idle.splitlines())
    for part in parts[1:]:  # a part starts at a block, never mid-manager
        assert not part.text.startswith("   ")
    assert _photos(ladon.emu, ADMIN_OF_ALL) == []  # nothing happened: no charts of zeros
    if backend != "sqlite":
        return  # charts are the same whatever the database: drawn once

    async with sessionmaker() as session:
        first = await UserRepository(session).by_tg_id(5000)
    await _done(sessionmaker, first, "Вектор", FRIDAY_9 + timedelta(days=3, hours=2))
    clock.now += timedelta(days=4)  # Tuesday: Monday's charts (a Monday would bring the weekly report's too)
    await ladon.reminders.tick()
    photos = _photos(ladon.emu, ADMIN_OF_ALL)
    # 60 managers: each chart in four images of 15, a chart's parts in one album
    assert len(photos) == 8 and len({p.media_group_id for p in photos}) == 1
    assert all(_png_size(p.file.data)[1] <= 1500 and len(p.caption) <= 1024 for p in photos)


async def test_the_digest_goes_without_its_charts_when_they_cannot_be_drawn(ladon, sessionmaker, clock, monkeypatch) -> None:
    anna = await seed_user(sessionmaker, 2001, "Anna")
    await seed_user(sessionmaker, HEAD, "Helen", role=Role.HEAD, language="en")
    ladon.emu.add_user(HEAD, "Helen", language_code="en")
    await _done(sessionmaker, anna, "Vector", THURSDAY)

    async def broken(*args, **kwargs):
        raise drawing.ChartFailed("the chart worker died twice")

    monkeypatch.setattr(drawing, "draw", broken)
    clock.now = FRIDAY_9
    await ladon.reminders.tick()
    assert any("Team digest" in m.text for m in ladon.emu.messages(HEAD) if m.kind == "text")
    assert _photos(ladon.emu, HEAD) == []
    async with sessionmaker() as session:
        statuses = (await session.scalars(select(Reminder.status).where(Reminder.kind == ReminderKind.SUMMARY))).all()
    assert statuses == [ReminderStatus.SENT]  # not held back to be drawn again


async def test_alerts_name_night_batches_and_blocked_managers(ladon, sessionmaker, clock) -> None:
    anna = await seed_user(sessionmaker, 2001, "Anna")
    await seed_user(sessionmaker, 2002, "Boris")
    await seed_user(sessionmaker, HEAD, "Helen", role=Role.HEAD)
    ladon.emu.add_user(HEAD, "Helen", language_code="en")
    night = datetime(2026, 11, 26, 20, 30, tzinfo=UTC)  # 23:30 in Moscow
    for n in range(4):
        await _done(sessionmaker, anna, f"Batch {n}", THURSDAY + timedelta(minutes=20 * n), logged=night + timedelta(minutes=n))
    async with sessionmaker() as session:
        boris = await session.scalar(select(User).where(User.tg_id == 2002))
        boris.unreachable_at = THURSDAY
        await session.commit()
    clock.now = FRIDAY_9
    await ladon.reminders.tick()
    digest = next(m.text for m in ladon.emu.messages(HEAD) if "Team digest" in (m.text or ""))
    assert "• Anna: 4 contacts logged late at night in one go" in digest
    assert "• Boris: has blocked the bot, reminders do not reach them" in digest
    assert "• Yesterday, not a single contact: Boris\n" in digest  # Anna, who logged at night, is not in it
    async with sessionmaker() as session:  # the digest reads, it never changes a record
        assert len(list(await session.scalars(select(Interaction)))) == 4


async def test_the_first_working_morning_of_a_week_brings_the_weekly_report(ladon, sessionmaker, clock) -> None:
    anna = await seed_user(sessionmaker, 2001, "Anna")
    boris = await seed_user(sessionmaker, 2002, "Boris")
    await seed_user(sessionmaker, HEAD, "Helen", role=Role.HEAD, language="ru")
    ladon.emu.add_user(HEAD, "Helen", language_code="ru")
    budget = None
    async with sessionmaker() as session:
        budget = next(r.id for r in await RefusalReasonRepository(session).active() if r.code == "budget")
        price = next(r.id for r in await RefusalReasonRepository(session).active() if r.code == "price")
    # last week (16–20 November... and the quarter before it): Anna refuses on budget, Boris on price
    for n in range(10):
        day = datetime(2026, 11, 16, 8, 0, tzinfo=UTC) + timedelta(days=n % 5, minutes=n)
        await _done(sessionmaker, anna, f"Anna {n}", day, outcome=Outcome.REFUSED, reason=budget)
        await _done(sessionmaker, boris, f"Boris {n}", day, outcome=Outcome.REFUSED, reason=price)
    clock.now = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # Monday 23 November, 09:00 in Moscow
    await ladon.reminders.tick()
    whole = "\n".join(m.text for m in ladon.emu.messages(HEAD) if m.kind == "text")
    assert "Сводка по команде, понедельник, 23 ноября" in whole and "Итоги дня: пятница, 20 ноября" in whole
    assert "📊 Отчёт: команда, 16—22 нояб. 2026" in whole
    assert "Обучение и наставничество (оценка за 24 авг. — 22 нояб. 2026" in whole.replace("\u2009", " ")
    assert "Пока мало встреч, чтобы судить (меньше 20): Anna, Boris." in whole and "Никто не" not in whole
    assert "• Anna: чаще всего «Бюджет исчерпан» (100% из 10 отказов). Гибче подходить к условиям оплаты" in whole
    assert "• Boris: чаще всего «Цена» (100% из 10 отказов). Говорить о ценности" in whole
    album = _photos(ladon.emu, HEAD)
    assert 4 <= len(album) <= 10 and len({m.media_group_id for m in album}) == 1

    clock.now = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)  # Tuesday: the digest alone
    before = len(ladon.emu.messages(HEAD))
    await ladon.reminders.tick()
    tuesday = "\n".join(m.text for m in ladon.emu.messages(HEAD)[before:] if m.kind == "text")
    assert "Сводка по команде, вторник, 24 ноября" in tuesday and "Отчёт:" not in tuesday


async def test_plans_due_with_the_digests_go_out_before_them(ladon, sessionmaker, clock) -> None:
    for n in range(3):  # the heads first: their reminders come first in the outbox
        await seed_user(sessionmaker, HEAD + n, f"Head {n}", role=Role.HEAD)
        ladon.emu.add_user(HEAD + n, f"Head {n}", language_code="en")
    anna = await seed_user(sessionmaker, 2001, "Anna")
    ladon.emu.add_user(2001, "Anna", language_code="en")
    await _done(sessionmaker, anna, "Vector", THURSDAY)  # something to chart
    async with sessionmaker() as session:
        client = await ClientRepository(session, anna).create("Today's client")
        await InteractionRepository(session, anna).plan(client_id=client.id, kind=Kind.CALL, planned_at=FRIDAY_9 + timedelta(hours=3))
        await session.commit()
    clock.now = FRIDAY_9
    await ladon.reminders.tick()
    order = [str(r.params.get("chat_id")) for r in ladon.emu.calls("sendMessage")]
    assert order[0] == "2001"  # Anna's morning plan did not wait for three digests' charts
    assert {"4000", "4001", "4002"} <= set(order)


async def test_the_weekly_verdicts_quote_the_quarter_they_were_judged_on(ladon, sessionmaker, clock) -> None:
    anna = await seed_user(sessionmaker, 2001, "Anna")
    boris = await seed_user(sessionmaker, 2002, "Boris")
    await seed_user(sessionmaker, HEAD, "Helen", role=Role.HEAD, language="ru")
    ladon.emu.add_user(HEAD, "Helen", language_code="ru")
    # the quarter: Anna agrees at 25 meetings of 25, Boris at none; last week one meeting each
    for n in range(25):
        day = datetime(2026, 10, 5, 8, 0, tzinfo=UTC) + timedelta(days=n % 25, minutes=n)
        await _done(sessionmaker, anna, f"Anna {n}", day)
        await _done(sessionmaker, boris, f"Boris {n}", day, outcome=Outcome.THINKING)
    await _done(sessionmaker, anna, "Anna last", datetime(2026, 11, 18, 8, 0, tzinfo=UTC))
    await _done(sessionmaker, boris, "Boris last", datetime(2026, 11, 18, 8, 0, tzinfo=UTC), outcome=Outcome.THINKING)
    clock.now = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # Monday 23 November, 09:00 in Moscow
    await ladon.reminders.tick()
    whole = "\n".join(m.text for m in ladon.emu.messages(HEAD) if m.kind == "text")
    start = whole.index("Обучение и наставничество")
    coaching = whole[start:whole.index("\n\n", start)]
    assert "• Anna заметно лучше остальных доводит встречи до сделки: 100% из 26 встреч" in coaching
    assert "• Boris заметно хуже остальных доводит встречи до сделки: 0% из 26 встреч" in coaching
    assert "из 1 встречи" not in coaching  # the week's one meeting is not what the verdict rests on
    assert "🎯 100% из 1 встречи" in whole  # the week's own figures stay the week's, below
