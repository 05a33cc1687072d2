"""Reminders: the right local time, working days only, once, and buttons that lead to a result."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

from sqlalchemy import select

from db.models import ContactPerson, Interaction, Kind, Outcome, Reminder, ReminderStatus, Role, Status, User
from db.repositories import ClientRepository, InteractionRepository
from tests.e2e.harness import Person, seed_user

UTC = timezone.utc
ROOT = Path(__file__).resolve().parents[2]
MOSCOW, VLADIVOSTOK = 2001, 2002


async def _plan(sessionmaker, user, name: str, at: datetime, kind=Kind.MEETING) -> Interaction:
    async with sessionmaker() as session:
        client = await ClientRepository(session, user).create(name)
        item = await InteractionRepository(session, user).plan(client_id=client.id, kind=kind, planned_at=at)
        await session.commit()
        return item


def _texts(emu, chat_id) -> list[str]:
    return [m.text for m in emu.messages(chat_id)]


async def test_morning_plan_at_nine_local_in_two_timezones(ladon, sessionmaker, clock) -> None:
    moscow = await seed_user(sessionmaker, MOSCOW, "Anna")
    vlad = await seed_user(sessionmaker, VLADIVOSTOK, "Ivan", timezone="Asia/Vladivostok")
    # Friday 27 November 2026: 09:00 in Vladivostok is 23:00 UTC the day before, in Moscow 06:00 UTC
    await _plan(sessionmaker, moscow, "Vector", datetime(2026, 11, 27, 10, 0, tzinfo=UTC))
    await _plan(sessionmaker, vlad, "Pacific", datetime(2026, 11, 27, 2, 0, tzinfo=UTC))
    ladon.emu.add_user(MOSCOW, "Anna", language_code="en")
    ladon.emu.add_user(VLADIVOSTOK, "Ivan", language_code="en")
    clock.now = datetime(2026, 11, 26, 22, 59, tzinfo=UTC)
    await ladon.reminders.tick()
    assert ladon.emu.messages(VLADIVOSTOK) == [] and ladon.emu.messages(MOSCOW) == []
    clock.now = datetime(2026, 11, 26, 23, 0, tzinfo=UTC)
    await ladon.reminders.tick()
    [morning] = ladon.emu.messages(VLADIVOSTOK)
    assert "Good morning, Ivan" in morning.text and "Pacific" in morning.text and "12:00" in morning.text
    assert ladon.emu.messages(MOSCOW) == []
    clock.now = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
    await ladon.reminders.tick()
    [morning] = ladon.emu.messages(MOSCOW)
    assert "Vector" in morning.text and "13:00" in morning.text
    assert len(ladon.emu.messages(VLADIVOSTOK)) == 1  # not again


async def test_no_reminders_on_a_holiday_or_a_weekend(ladon, sessionmaker, clock) -> None:
    anna = await seed_user(sessionmaker, MOSCOW, "Anna")
    ladon.emu.add_user(MOSCOW, "Anna", language_code="en")
    # 4 November is Unity Day; 28 November is a Saturday
    for day in (date(2026, 11, 4), date(2026, 11, 28)):
        await _plan(sessionmaker, anna, f"Client {day}", datetime.combine(day, time(9), UTC))
        for hour in (6, 16):  # 09:00 and 19:00 Moscow
            clock.now = datetime.combine(day, time(hour), UTC)
            await ladon.reminders.tick()
    assert ladon.emu.messages(MOSCOW) == []


async def test_evening_lists_what_is_left_and_its_buttons_reach_a_result_in_three_taps(ladon, sessionmaker, clock) -> None:
    anna_user = await seed_user(sessionmaker, MOSCOW, "Anna")
    done_early = await _plan(sessionmaker, anna_user, "Early Bird", datetime(2026, 11, 27, 7, 0, tzinfo=UTC))
    await _plan(sessionmaker, anna_user, "Vector", datetime(2026, 11, 27, 12, 0, tzinfo=UTC))
    anna = Person(ladon, MOSCOW, "Anna")
    clock.now = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    async with sessionmaker() as session:
        await InteractionRepository(session, anna_user).log(
            now=clock(), client_id=done_early.client_id, kind=Kind.MEETING, outcome=Outcome.AGREED, planned_id=done_early.id)
        await session.commit()
    clock.now = datetime(2026, 11, 27, 15, 30, tzinfo=UTC)  # 18:30 Moscow
    await ladon.reminders.tick()
    evening = [m for m in ladon.emu.messages(MOSCOW) if "without a result" in (m.text or "")]
    assert len(evening) == 1
    assert "Vector" in evening[0].text and "Early Bird" not in evening[0].text
    assert "not logged a single contact" not in evening[0].text
    anna.taps = 0
    await anna.tap("✅ 1 Done", evening[0])
    await anna.tap("❌ Refused")
    await anna.tap("Price")
    await anna.tap("No next step")
    assert anna.taps <= 4  # done, outcome, (reason, for a refusal), next step
    async with sessionmaker() as session:
        refused = list(await session.scalars(select(Interaction).where(Interaction.outcome == Outcome.REFUSED)))
    assert len(refused) == 1 and refused[0].status == Status.DONE


async def test_evening_nudges_only_who_logged_nothing_and_spares_who_has_nothing_to_do(ladon, sessionmaker, clock) -> None:
    await seed_user(sessionmaker, MOSCOW, "Anna")
    busy = await seed_user(sessionmaker, VLADIVOSTOK, "Boris")  # logged something, nothing open
    ladon.emu.add_user(MOSCOW, "Anna", language_code="en")
    ladon.emu.add_user(VLADIVOSTOK, "Boris", language_code="en")
    clock.now = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    async with sessionmaker() as session:
        client = await ClientRepository(session, busy).create("Alpha")
        await InteractionRepository(session, busy).log(now=clock(), client_id=client.id, kind=Kind.CALL, outcome=Outcome.NO_ANSWER)
        await session.commit()
    clock.now = datetime(2026, 11, 27, 15, 30, tzinfo=UTC)
    await ladon.reminders.tick()
    [nudge] = ladon.emu.messages(MOSCOW)
    assert "not logged a single contact" in nudge.text and not nudge.inline_keyboard
    assert ladon.emu.messages(VLADIVOSTOK) == []


async def test_before_a_meeting_the_short_client_card(ladon, sessionmaker, clock) -> None:
    anna = await seed_user(sessionmaker, MOSCOW, "Anna")
    ladon.emu.add_user(MOSCOW, "Anna", language_code="en")
    clock.now = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    async with sessionmaker() as session:
        client = await ClientRepository(session, anna).create("Vector")
        await ClientRepository(session, anna).add_contact_person(client.id, name="Ivan Petrov", phone="+79123456789")
        item = await InteractionRepository(session, anna).log(
            now=clock(), client_id=client.id, kind=Kind.CALL, outcome=Outcome.REVISED_OFFER)
        await InteractionRepository(session, anna).add_note(item.id, text="Wants 10% off")
        meeting = await InteractionRepository(session, anna).plan(
            client_id=client.id, kind=Kind.MEETING, planned_at=datetime(2026, 11, 27, 11, 0, tzinfo=UTC))
        await session.commit()
    clock.now = datetime(2026, 11, 27, 9, 59, tzinfo=UTC)
    await ladon.reminders.tick()
    assert not [t for t in _texts(ladon.emu, MOSCOW) if "⏰" in (t or "")]
    clock.now = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
    await ladon.reminders.tick()
    [card] = [m for m in ladon.emu.messages(MOSCOW) if "⏰" in (m.text or "")]
    assert "In 60 min, at 14:00" in card.text and "Vector" in card.text
    assert "Needs a revised offer" in card.text and "Wants 10% off" in card.text and "Ivan Petrov" in card.text
    assert "· 📞 Call · 📝 Needs a revised offer" in card.text  # kind and result, each in its place
    from handlers.callbacks import PlanCb

    assert PlanCb.unpack(card.button_data("✅ Done")).id == meeting.id


async def test_a_rescheduled_meeting_is_reminded_at_its_new_time_only(ladon, sessionmaker, clock) -> None:
    anna = await seed_user(sessionmaker, MOSCOW, "Anna")
    ladon.emu.add_user(MOSCOW, "Anna", language_code="en")
    meeting = await _plan(sessionmaker, anna, "Vector", datetime(2026, 11, 27, 11, 0, tzinfo=UTC))
    clock.now = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    await ladon.reminders.tick()  # plans the 10:00 reminder
    async with sessionmaker() as session:
        await InteractionRepository(session, anna).reschedule(meeting.id, datetime(2026, 11, 27, 13, 0, tzinfo=UTC))
        await session.commit()
    for hour in (10, 12):
        clock.now = datetime(2026, 11, 27, hour, 0, tzinfo=UTC)
        await ladon.reminders.tick()
    cards = [m for m in ladon.emu.messages(MOSCOW) if "⏰" in (m.text or "")]
    assert len(cards) == 1 and "at 16:00" in cards[0].text


async def test_birthday_in_the_morning_and_one_tap_logs_the_greeting(ladon, sessionmaker, clock) -> None:
    anna_user = await seed_user(sessionmaker, MOSCOW, "Anna")
    async with sessionmaker() as session:
        client = await ClientRepository(session, anna_user).create("Vector")
        await ClientRepository(session, anna_user).add_contact_person(client.id, name="Olga", birthday=date(1980, 11, 27))
        await ClientRepository(session, anna_user).add_contact_person(client.id, name="Pavel", birthday=date(1975, 11, 29))
        await session.commit()
    anna = Person(ladon, MOSCOW, "Anna")
    clock.now = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
    await ladon.reminders.tick()
    morning = anna.find("🎉 Congratulated Olga")
    assert "Olga (Vector): today" in morning.text and "Pavel (Vector)" in morning.text
    await anna.tap("🎉 Congratulated Olga", morning)
    update_id = anna.emu.press_button(MOSCOW, "🎉 Congratulated Olga", message_id=morning.message_id)
    ladon.sent(update_id)
    await ladon.settle()
    assert anna.answer_to(update_id).text == "Already noted today."
    async with sessionmaker() as session:
        greetings = list(await session.scalars(select(Interaction).where(Interaction.kind == Kind.GREETING)))
        olga = await session.scalar(select(ContactPerson).where(ContactPerson.name == "Olga"))
    assert len(greetings) == 1 and greetings[0].contact_person_id == olga.id and greetings[0].status == Status.DONE


async def test_restart_before_and_after_the_due_time_sends_once(ladon, sessionmaker, clock, caplog) -> None:
    anna = await seed_user(sessionmaker, MOSCOW, "Anna")
    ladon.emu.add_user(MOSCOW, "Anna", language_code="en")
    await _plan(sessionmaker, anna, "Vector", datetime(2026, 11, 27, 10, 0, tzinfo=UTC))
    await _plan(sessionmaker, anna, "Alpha", datetime(2026, 11, 30, 10, 0, tzinfo=UTC))
    clock.now = datetime(2026, 11, 27, 5, 0, tzinfo=UTC)
    await ladon.reminders.tick()  # plans today's morning (06:00 UTC)
    await ladon.restart()  # a new process: new service, new worker id, same database
    clock.now = datetime(2026, 11, 27, 7, 30, tzinfo=UTC)  # came back 1.5 h after the morning: within grace
    await ladon.reminders.tick()
    await ladon.restart()
    await ladon.reminders.tick()
    mornings = [m for m in ladon.emu.messages(MOSCOW) if "Good morning" in (m.text or "")]
    assert len(mornings) == 1
    # Monday's morning was planned ahead; the bot is down from Sunday to Monday 11:00 Moscow
    clock.now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    await ladon.reminders.tick()  # plans Monday
    await ladon.restart()
    clock.now = datetime(2026, 11, 30, 8, 1, tzinfo=UTC)  # 2 h 1 min after 09:00 Moscow
    with caplog.at_level(logging.WARNING, logger="bot.reminders"):
        await ladon.reminders.tick()
    assert len([m for m in ladon.emu.messages(MOSCOW) if "Good morning" in (m.text or "")]) == 1
    assert any("Dropped reminder morning:" in r.getMessage() for r in caplog.records)
    async with sessionmaker() as session:
        statuses = {r.key.split(":")[0] + ":" + r.local_date.isoformat(): r.status
                    for r in await session.scalars(select(Reminder).where(Reminder.local_date.is_not(None)))}
    assert statuses["morning:2026-11-27"] == ReminderStatus.SENT
    assert statuses["morning:2026-11-30"] == ReminderStatus.DROPPED


async def test_three_bot_processes_on_one_database_send_each_reminder_once(ladon, settings, sessionmaker) -> None:
    """Real OS processes, each with its own engine and connections, beating at the same moment."""
    for n in range(40):
        await seed_user(sessionmaker, 3000 + n, f"M{n}", team="Sales")
        ladon.emu.add_user(3000 + n, f"M{n}", language_code="en")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE_", "REDIS_", "TELEGRAM_"))}
    env.update(
        PYTHONPATH=str(ROOT), BOT_TOKEN=settings.bot_token.get_secret_value(), TELEGRAM_API_URL=ladon.emu.base_url,
        DATABASE_URL=settings.database_url, NOTIFY_PER_SECOND="1000", NOTIFY_PER_CHAT_PER_SECOND="1000",
        LADON_TEST_NOW="2026-11-27T15:30:00+00:00",  # everyone's evening nudge is due
    )
    workers = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.e2e.reminder_worker", cwd=ROOT, env=env,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )
        for _ in range(3)
    ]
    try:
        for worker in workers:
            assert (await asyncio.wait_for(worker.stdout.readline(), 120)).strip() == b"ready"
        for worker in workers:
            worker.stdin.write(b"go\n")
            await worker.stdin.drain()
        outputs = [await asyncio.wait_for(worker.communicate(), 120) for worker in workers]
    finally:
        for worker in workers:
            if worker.returncode is None:
                worker.kill()
                await worker.wait()
    assert [w.returncode for w in workers] == [0, 0, 0]
    reports = [json.loads(out.strip().splitlines()[-1]) for out, _err in outputs]
    assert sum(r["sent"] for r in reports) == 40 and all(r["failed"] == 0 for r in reports)
    for n in range(40):
        assert len(ladon.emu.messages(3000 + n)) == 1


async def test_blocked_manager_is_marked_unreachable_and_the_head_sees_it(ladon, sessionmaker, clock) -> None:
    await seed_user(sessionmaker, MOSCOW, "Anna")
    await seed_user(sessionmaker, 4000, "Helen", role=Role.HEAD)
    ladon.emu.add_user(MOSCOW, "Anna", language_code="en")
    ladon.emu.add_user(4000, "Helen", language_code="en")
    ladon.emu.block(MOSCOW, notify=False)  # the bot missed Telegram's my_chat_member update
    clock.now = datetime(2026, 11, 26, 15, 30, tzinfo=UTC)  # Thursday evening: Anna's nudge bounces
    await ladon.reminders.tick()
    async with sessionmaker() as session:
        anna = await session.scalar(select(User).where(User.tg_id == MOSCOW))
    assert anna.unreachable_at is not None
    sends_to_anna = [r for r in ladon.emu.calls("sendMessage") if str(r.params.get("chat_id")) == str(MOSCOW)]
    assert len(sends_to_anna) == 1  # 403 is final: no retries
    clock.now = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
    await ladon.reminders.tick()
    [summary] = [m for m in ladon.emu.messages(4000) if "Team" in (m.text or "") and "Anna" in m.text]
    assert "Anna" in summary.text and "blocked the bot" in summary.text
    clock.now = datetime(2026, 11, 27, 15, 30, tzinfo=UTC)  # the next evening: no more attempts
    await ladon.reminders.tick()
    assert len([r for r in ladon.emu.calls("sendMessage") if str(r.params.get("chat_id")) == str(MOSCOW)]) == 1



async def test_blocking_and_restarting_the_bot_is_noticed_at_once(ladon, sessionmaker) -> None:
    await seed_user(sessionmaker, MOSCOW, "Anna")
    anna = Person(ladon, MOSCOW, "Anna")
    await anna.say("/start")
    ladon.sent(ladon.emu.block(MOSCOW))
    await ladon.settle()
    async with sessionmaker() as session:
        assert (await session.scalar(select(User.unreachable_at).where(User.tg_id == MOSCOW))) is not None
    ladon.sent(ladon.emu.unblock(MOSCOW))
    await ladon.settle()
    async with sessionmaker() as session:
        assert (await session.scalar(select(User.unreachable_at).where(User.tg_id == MOSCOW))) is None


async def _reminders(sessionmaker) -> dict[str, tuple[ReminderStatus, datetime, str | None]]:
    async with sessionmaker() as session:
        rows = await session.execute(select(Reminder.key, Reminder.status, Reminder.due_at, Reminder.error))
        return {key: (status, due, error) for key, status, due, error in rows}


async def test_a_reminder_that_fails_to_render_is_tried_again_and_sent_once(ladon, sessionmaker, clock, monkeypatch) -> None:
    import bot.reminders as service

    moscow = await seed_user(sessionmaker, MOSCOW, "Anna")
    await _plan(sessionmaker, moscow, "Vector", datetime(2026, 11, 27, 10, 0, tzinfo=UTC))
    ladon.emu.add_user(MOSCOW, "Anna", language_code="en")
    real, calls = service.render_reminder, []

    async def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the database went away for a moment")
        return await real(*args, **kwargs)

    monkeypatch.setattr(service, "render_reminder", flaky)
    clock.now = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)  # 09:00 Moscow
    report = await ladon.reminders.tick()
    assert report.failed == 1 and ladon.emu.messages(MOSCOW) == []
    status, _due, error = (await _reminders(sessionmaker))["morning:%d:2026-11-27" % moscow.id]
    assert status == ReminderStatus.PENDING and error == "render: RuntimeError"  # waiting, not "skipped"
    clock.now = datetime(2026, 11, 27, 6, 1, tzinfo=UTC)
    await ladon.reminders.tick()
    [morning] = ladon.emu.messages(MOSCOW)
    assert "Vector" in morning.text
    assert (await _reminders(sessionmaker))["morning:%d:2026-11-27" % moscow.id][0] == ReminderStatus.SENT
    await ladon.reminders.tick()
    assert len(ladon.emu.messages(MOSCOW)) == 1


async def test_a_batch_that_fails_to_prepare_is_not_lost(ladon, sessionmaker, clock, monkeypatch) -> None:
    from db.repositories.reminders import ReminderRepository

    moscow = await seed_user(sessionmaker, MOSCOW, "Anna")
    await _plan(sessionmaker, moscow, "Vector", datetime(2026, 11, 27, 10, 0, tzinfo=UTC))
    ladon.emu.add_user(MOSCOW, "Anna", language_code="en")
    real, calls = ReminderRepository.users, []

    async def flaky(self, user_ids):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("locked")
        return await real(self, user_ids)

    monkeypatch.setattr(ReminderRepository, "users", flaky)
    clock.now = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
    await ladon.reminders.tick()
    rows = await _reminders(sessionmaker)
    assert all(status == ReminderStatus.PENDING for status, _due, _error in rows.values())  # none left "sending"
    clock.now = datetime(2026, 11, 27, 6, 1, tzinfo=UTC)
    await ladon.reminders.tick()
    assert len(ladon.emu.messages(MOSCOW)) == 1


async def test_a_reminder_failing_past_the_grace_window_ends_as_failed(ladon, sessionmaker, clock, monkeypatch) -> None:
    import bot.reminders as service

    moscow = await seed_user(sessionmaker, MOSCOW, "Anna")
    await _plan(sessionmaker, moscow, "Vector", datetime(2026, 11, 27, 10, 0, tzinfo=UTC))
    ladon.emu.add_user(MOSCOW, "Anna", language_code="en")

    async def broken(*args, **kwargs):
        raise RuntimeError("a bug in a renderer")

    monkeypatch.setattr(service, "render_reminder", broken)
    clock.now = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
    await ladon.reminders.tick()
    clock.now = datetime(2026, 11, 27, 6, 0, tzinfo=UTC) + ladon.reminders.grace + timedelta(minutes=1)
    await ladon.reminders.tick()
    status, _due, error = (await _reminders(sessionmaker))["morning:%d:2026-11-27" % moscow.id]
    assert status == ReminderStatus.FAILED and error == "render: RuntimeError"


async def test_the_planned_time_follows_a_setting_changed_while_planning(ladon, sessionmaker, clock) -> None:
    """The outbox key has no time: a row planned with the old setting after the change is moved, not kept."""
    moscow = await seed_user(sessionmaker, MOSCOW, "Anna")
    await _plan(sessionmaker, moscow, "Vector", datetime(2026, 11, 27, 10, 0, tzinfo=UTC))
    ladon.emu.add_user(MOSCOW, "Anna", language_code="en")
    clock.now = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)  # 07:00 Moscow
    await ladon.reminders.tick()  # plans today's morning reminder at 09:00
    async with sessionmaker() as session:  # the change lands, as a planning beat had read the old one
        user = await session.get(User, moscow.id)
        user.morning_at = time(8, 0)
        await session.commit()
    await ladon.reminders.tick()
    key = "morning:%d:2026-11-27" % moscow.id
    assert (await _reminders(sessionmaker))[key][1] == datetime(2026, 11, 27, 5, 0, tzinfo=UTC)  # 08:00 Moscow
    clock.now = datetime(2026, 11, 27, 5, 0, tzinfo=UTC)
    await ladon.reminders.tick()
    assert len([t for t in _texts(ladon.emu, MOSCOW) if "Good morning" in t]) == 1


async def test_a_call_gets_no_brief_unless_asked_for_and_none_comes_with_the_morning_plan(ladon, sessionmaker, clock) -> None:
    moscow = await seed_user(sessionmaker, MOSCOW, "Anna")
    await _plan(sessionmaker, moscow, "Call Me", datetime(2026, 11, 27, 11, 0, tzinfo=UTC), kind=Kind.CALL)  # 14:00
    await _plan(sessionmaker, moscow, "Early Meeting", datetime(2026, 11, 27, 7, 0, tzinfo=UTC))  # 10:00
    await _plan(sessionmaker, moscow, "Late Meeting", datetime(2026, 11, 27, 13, 0, tzinfo=UTC))  # 16:00
    ladon.emu.add_user(MOSCOW, "Anna", language_code="en")
    for hour in range(5, 14):  # 08:00 to 16:00 Moscow, every beat
        for minute in (0, 30):
            clock.now = datetime(2026, 11, 27, hour, minute, tzinfo=UTC)
            await ladon.reminders.tick()
    briefs = [t for t in _texts(ladon.emu, MOSCOW) if t.startswith("⏰")]
    # the 10:00 meeting's brief would come at 09:00 with the morning plan that lists it: not sent;
    # the call gets none; the 16:00 meeting gets its brief at 15:00
    assert len(briefs) == 1 and "Late Meeting" in briefs[0]
    assert len([t for t in _texts(ladon.emu, MOSCOW) if "Good morning" in t]) == 1

    async with sessionmaker() as session:  # she asks for calls too
        user = await session.get(User, moscow.id)
        user.remind_calls = True
        await session.commit()
    await _plan(sessionmaker, moscow, "Call Me Later", datetime(2026, 11, 27, 14, 0, tzinfo=UTC), kind=Kind.CALL)
    clock.now = datetime(2026, 11, 27, 13, 0, tzinfo=UTC)
    await ladon.reminders.tick()
    briefs = [t for t in _texts(ladon.emu, MOSCOW) if t.startswith("⏰")]
    assert any("Call Me Later" in t for t in briefs)


async def test_two_long_reminders_due_together_reach_a_chat_whole_and_in_due_order(ladon, sessionmaker, clock, monkeypatch) -> None:
    import bot.reminders as service
    from bot.emulator.files import TINY_PNG
    from db.models import ReminderKind
    from db.repositories.reminders import ReminderRepository
    from handlers.notices import Outgoing
    from handlers.report_view import Photo

    head = await seed_user(sessionmaker, MOSCOW, "Helen", role=Role.HEAD)
    ladon.emu.add_user(MOSCOW, "Helen", language_code="en")
    nine = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)  # Monday 09:00 Moscow: the plan and the digest
    async with sessionmaker() as session:  # the audit's checklist, due a minute after the digest
        await ReminderRepository(session).ensure([{
            "key": f"callbacks:{head.id}:2026-11-23", "user_id": head.id, "kind": ReminderKind.CALLBACKS,
            "due_at": nine + timedelta(minutes=1), "local_date": date(2026, 11, 23), "status": ReminderStatus.PENDING,
        }], nine)
        await session.commit()
    shapes = {ReminderKind.MORNING: (2, 0), ReminderKind.SUMMARY: (2, 2), ReminderKind.CALLBACKS: (3, 0)}

    async def long(repos, reminder, *args, **kwargs):
        texts, photos = shapes[reminder.kind]
        return Outgoing(tuple((f"{reminder.kind.value} {n}", None) for n in range(1, texts + 1)),
                        tuple(Photo(TINY_PNG, f"{reminder.kind.value} chart {n}") for n in range(1, photos + 1)))

    monkeypatch.setattr(service, "render_reminder", long)
    clock.now = nine + timedelta(minutes=5)  # all three due in one beat, as after a short downtime
    report = await ladon.reminders.tick()
    assert report.sent == 3
    morning, summary, checks = (kind.value for kind in shapes)
    assert _texts(ladon.emu, MOSCOW) == [
        f"{morning} 1", f"{morning} 2",
        f"{summary} 1", f"{summary} 2", f"{summary} chart 1", f"{summary} chart 2",
        f"{checks} 1", f"{checks} 2", f"{checks} 3",
    ]
