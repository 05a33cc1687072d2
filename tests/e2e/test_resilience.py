"""Restarts, redelivered updates, forged and stale callbacks."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from aiogram.exceptions import TelegramServerError
from sqlalchemy import func, select

from db.models import Interaction, Kind, Outcome, Status
from db.repositories import ClientRepository, InteractionRepository
from handlers.callbacks import CalCb, CardCb, LogCb, PlanCb
from tests.e2e.harness import Person, eventually, seed_user

ANNA, BORIS = 2001, 2002


async def _setup(ladon, sessionmaker, clock):
    anna_user = await seed_user(sessionmaker, ANNA, "Anna")
    await seed_user(sessionmaker, BORIS, "Boris")
    async with sessionmaker() as session:
        client = await ClientRepository(session, anna_user).create("Vector")
        repo = InteractionRepository(session, anna_user)
        await repo.log(now=clock() - timedelta(days=1), client_id=client.id, kind=Kind.CALL, outcome=Outcome.THINKING)
        planned = await repo.plan(client_id=client.id, kind=Kind.MEETING, planned_at=clock() + timedelta(hours=1))
        await session.commit()
    return client, planned


async def _interactions(sessionmaker) -> list[Interaction]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(Interaction).order_by(Interaction.id)))


async def test_restart_in_the_middle_of_logging_loses_nothing(ladon, sessionmaker, clock) -> None:
    await _setup(ladon, sessionmaker, clock)
    anna = Person(ladon, ANNA, "Anna")
    await anna.say("/start")
    await anna.menu("📝 Log a contact")
    await anna.tap("Vector")
    await anna.tap("🤝 Meeting")
    await ladon.restart()
    await anna.tap("✅ Agreed")
    await anna.say("75k")
    await anna.tap("No next step")
    done = [i for i in await _interactions(sessionmaker) if i.kind == Kind.MEETING and i.status == Status.DONE]
    assert len(done) == 1 and done[0].amount_minor == 7_500_000


async def test_a_redelivered_update_is_handled_once(ladon, sessionmaker, clock) -> None:
    await _setup(ladon, sessionmaker, clock)
    anna = Person(ladon, ANNA, "Anna")
    await anna.say("/start")
    await anna.say("📝 Log a contact")
    await anna.tap("Vector")
    await anna.tap("🤝 Meeting")
    await anna.tap("❌ Refused")
    await anna.tap("Price")
    message = anna.find("No next step")
    update_id = ladon.emu.press(ANNA, message.message_id, message.button_data("No next step"))
    ladon.sent(update_id)
    await ladon.settle()
    before = len(ladon.emu.messages(ANNA))
    ladon.emu.redeliver(update_id)
    ladon.sent(update_id)
    await ladon.settle()
    refused = [i for i in await _interactions(sessionmaker) if i.outcome == Outcome.REFUSED]
    assert len(refused) == 1
    assert len(ladon.emu.messages(ANNA)) == before


async def test_forged_callbacks_against_another_managers_records_change_nothing(ladon, sessionmaker, clock) -> None:
    client, planned = await _setup(ladon, sessionmaker, clock)
    boris = Person(ladon, BORIS, "Boris")
    await boris.say("/start")
    [picker] = await boris.say("📝 Log a contact")
    flow = LogCb.unpack(picker.inline_keyboard[-1][-1].callback_data).f  # Boris's own live flow token
    before = await _interactions(sessionmaker)
    attempts = [
        PlanCb(a="done", id=planned.id, day="today").pack(),
        PlanCb(a="cancel", id=planned.id, day="today").pack(),
        PlanCb(a="move", id=planned.id).pack(),
        PlanCb(a="q7d", id=planned.id).pack(),
        PlanCb(a="q1d", id=planned.id, day="today").pack(),
        CalCb(to="mv", f=f"{planned.id}.today", a="day", v="2026-12-01").pack(),
        CalCb(to="mv", f=f"{planned.id}.nowhere", a="day", v="2026-12-01").pack(),
        CardCb(a="undo", id=before[0].id).pack(),
        CardCb(a="note", id=before[0].id).pack(),
        LogCb(f=flow, a="cl", v=str(client.id)).pack(),
        "cl:open:%d" % client.id,
        "garbage",
        "lg:" + "x" * 60,
    ]
    for data in attempts:
        update_id = await boris.press_raw(picker, data)
        answer = boris.answer_to(update_id)
        assert answer is not None and answer.show_alert, data
        assert answer.text in ("Not found, or not yours to change.", "This button is no longer active."), data
    after = await _interactions(sessionmaker)
    assert [(i.id, i.status, i.planned_at, i.outcome, i.note) for i in after] == [
        (i.id, i.status, i.planned_at, i.outcome, i.note) for i in before
    ]
    for message in ladon.emu.messages(BORIS):
        assert "Vector" not in (message.text or "")


async def test_ids_beyond_64_bits_are_calmly_stale(ladon, sessionmaker, clock) -> None:
    """A tampered button with an id no column can hold answers like any stale button, not with an error."""
    await _setup(ladon, sessionmaker, clock)
    boris = Person(ladon, BORIS, "Boris")
    await boris.say("/start")
    [picker] = await boris.say("📝 Log a contact")
    flow = LogCb.unpack(picker.inline_keyboard[-1][-1].callback_data).f
    huge, wider = "9223372036854775808", "1" * 30
    attempts = [
        f"pl:done:{huge}:today", f"pl:cancel:{wider}:", f"pl:move:-{wider}:", f"cc:undo:{huge}:0",
        f"cl:open:{wider}:0", f"pe:open:{huge}:", f"bd:{huge}", f"us:off:{huge}:0:0",
        f"lg:{flow}:cl:{huge}", f"lg:{flow}:cl:{wider}", f"cal:mv:{huge}.today:day:2026-12-01",
    ]
    before = await _interactions(sessionmaker)
    for data in attempts:
        update_id = await boris.press_raw(picker, data)
        answer = boris.answer_to(update_id)
        assert answer is not None and answer.show_alert, data
        assert answer.text in ("Not found, or not yours to change.", "This button is no longer active."), data
    assert len(await _interactions(sessionmaker)) == len(before)


async def test_old_plan_button_after_the_contact_was_logged(ladon, sessionmaker, clock) -> None:
    await _setup(ladon, sessionmaker, clock)
    anna = Person(ladon, ANNA, "Anna")
    [plan] = await anna.say("/today")
    old_done = plan.inline_keyboard[0][0].callback_data
    await anna.tap("✅ 1 Done", plan)
    await anna.tap("✅ Agreed")
    await anna.tap("No next step")
    assert "Nothing planned." in anna.emu.message(ANNA, plan.message_id).text  # the list was redrawn
    update_id = await anna.press_raw(plan, old_done)  # a copy of the list elsewhere still has the button
    assert anna.answer_to(update_id).text == "This contact is no longer open: it has a result or was cancelled."
    async with sessionmaker() as session:
        count = await session.scalar(select(func.count()).select_from(Interaction).where(Interaction.outcome == Outcome.AGREED))
    assert count == 1


async def test_a_reply_stuck_on_the_way_to_one_person_holds_up_nobody_else(ladon, sessionmaker, clock) -> None:
    """On SQLite a write transaction locks the whole database: an update must not keep one open
    while it waits for Telegram, or everyone else's taps wait behind that round trip."""
    await _setup(ladon, sessionmaker, clock)
    anna, boris = Person(ladon, ANNA, "Anna"), Person(ladon, BORIS, "Boris")
    await anna.say("/start")
    await boris.say("/start")
    [picker] = await anna.say("📝 Log a contact")
    hold = ladon.emu.hold(ANNA)
    try:
        ladon.sent(ladon.emu.press_button(ANNA, "Vector", message_id=picker.message_id))  # writes its state
        await asyncio.wait_for(hold.arrived.wait(), 30)  # ...and now waits for Telegram
        before = len(ladon.emu.messages(BORIS))
        ladon.sent(ladon.emu.send_text(BORIS, "📝 Log a contact"))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30  # a liveness bound, far above a normal reply
        while len(ladon.emu.messages(BORIS)) == before and loop.time() < deadline:
            await asyncio.sleep(0.01)
        assert len(ladon.emu.messages(BORIS)) == before + 1, "Boris waited for Anna's round trip"
    finally:
        ladon.emu.release(ANNA)
    await ladon.settle()
    assert "What kind of contact?" in ladon.emu.message(ANNA, picker.message_id).text
    await anna.tap("🤝 Meeting")  # Anna's step was kept: her flow goes on
    assert "How did it go?" in anna.last.text


async def test_a_saved_contact_is_said_to_be_saved_whatever_telegram_does_after(ladon, sessionmaker, clock) -> None:
    """The edit that shows the saved card fails: the card comes as a new message, never an apology
    that would make the person log the contact twice."""
    await _setup(ladon, sessionmaker, clock)
    anna = Person(ladon, ANNA, "Anna")
    await anna.say("/start")
    await anna.menu("📝 Log a contact")
    await anna.tap("Vector")
    await anna.tap("🤝 Meeting")
    await anna.tap("✅ Agreed")
    before = await _interactions(sessionmaker)
    ladon.emu.fail_next("editMessageText", 500, "Internal Server Error", chat_id=ANNA)
    [card] = await anna.tap("In a week")  # saved and answered "Saved"; the edit fails
    assert card.text.startswith("✅ Saved") and "↩️ Undo" in card.buttons()
    after = await _interactions(sessionmaker)
    # the contact completed the meeting planned for today, and its next step was committed with it
    assert len(after) == len(before) + 1
    done = [i for i in after if i.status == Status.DONE and i.outcome == Outcome.AGREED]
    assert len(done) == 1 and done[0].next_step_id in {i.id for i in after if i.status == Status.PLANNED}


async def test_when_nothing_can_show_the_card_the_person_is_told_it_is_saved(ladon, sessionmaker, clock) -> None:
    await _setup(ladon, sessionmaker, clock)
    anna = Person(ladon, ANNA, "Anna")
    await anna.say("/start")
    await anna.menu("📝 Log a contact")
    await anna.tap("Vector")
    await anna.tap("🤝 Meeting")
    await anna.tap("🤔 Thinking it over")

    async def thinking() -> int:
        return len([i for i in await _interactions(sessionmaker) if i.status == Status.DONE and i.outcome == Outcome.THINKING])

    before = await thinking()
    ladon.emu.fail_next("answerCallbackQuery", 500, "Internal Server Error")
    ladon.emu.fail_next("editMessageText", 500, "Internal Server Error", chat_id=ANNA)
    ladon.emu.fail_next("sendMessage", 502, "Bad Gateway", chat_id=ANNA)
    update_id = ladon.emu.press(ANNA, anna.find("No next step").message_id, anna.find("No next step").button_data("No next step"))
    ladon.sent(update_id)
    await ladon.settle()
    await eventually(lambda: ladon.errors, "the error handlers")
    assert [type(e) for e in ladon.errors] == [TelegramServerError]
    ladon.errors.clear()
    answer = anna.answer_to(update_id)
    assert answer is not None and answer.text.startswith("✅ Saved, but I could not show it here")
    assert await thinking() == before + 1  # saved once, and said so


async def test_a_failing_first_reply_is_told_in_the_persons_language(ladon, sessionmaker, clock) -> None:
    await seed_user(sessionmaker, 2005, "Olga", language="ru")
    olga = Person(ladon, 2005, "Olga", language="ru")
    await olga.say("/start")
    ladon.emu.fail_next("sendMessage", 502, "Bad Gateway", chat_id=2005)
    await olga.say("/today")
    await eventually(lambda: ladon.errors, "the error handlers")
    assert [type(e) for e in ladon.errors] == [TelegramServerError]
    ladon.errors.clear()
    assert olga.last.text.startswith("⚠️ Что-то пошло не так")


async def test_a_typed_step_is_shown_only_once_saved(ladon, sessionmaker, clock, monkeypatch) -> None:
    """The amount's step fails to commit: the person is not shown "77 000 ₽ · Next contact?", is
    asked to try again, and the amount typed again is the one saved."""
    from sqlalchemy.exc import OperationalError

    from db.repositories.fsm import FsmRepository

    await _setup(ladon, sessionmaker, clock)
    anna = Person(ladon, ANNA, "Anna")
    await anna.say("/start")
    await anna.menu("📝 Log a contact")
    await anna.tap("Vector")
    await anna.tap("🤝 Meeting")
    await anna.tap("✅ Agreed")
    real = FsmRepository.save

    async def locked(self, key, state, data):
        raise OperationalError("INSERT INTO fsm_records", {}, Exception("database is locked"))

    monkeypatch.setattr(FsmRepository, "save", locked)
    replies = await anna.say("77000")
    await eventually(lambda: ladon.errors, "the error handlers")
    ladon.errors.clear()
    assert [r.text for r in replies if "Next contact" in (r.text or "")] == []
    assert anna.last.text.startswith("⚠️ Something went wrong on our side")
    monkeypatch.setattr(FsmRepository, "save", real)
    await anna.say("77000")
    await anna.tap("No next step")
    [done] = [i for i in await _interactions(sessionmaker) if i.kind == Kind.MEETING and i.status == Status.DONE]
    assert done.amount_minor == 7_700_000


async def test_a_locked_database_during_a_save_is_told_in_the_persons_language_and_can_be_retried(
    ladon, sessionmaker, clock, monkeypatch
) -> None:
    from sqlalchemy.exc import OperationalError

    await _setup(ladon, sessionmaker, clock)
    await seed_user(sessionmaker, 2005, "Olga", language="ru")
    olga = Person(ladon, 2005, "Olga", language="ru")
    await olga.say("/start")
    await olga.menu("📝 Записать контакт")
    await olga.say("Ромашка")
    await olga.tap("➕ Новый клиент «Ромашка»")
    await olga.tap("📞 Звонок")
    await olga.tap("🤔 Думает")
    before = len(await _interactions(sessionmaker))
    real = InteractionRepository.log

    async def locked(self, **kwargs):
        await real(self, **kwargs)  # written, then the commit cannot get the lock
        raise OperationalError("COMMIT", {}, Exception("database is locked"))

    monkeypatch.setattr(InteractionRepository, "log", locked)
    button = olga.find("Не планировать")
    update_id = ladon.emu.press(2005, button.message_id, button.button_data("Не планировать"))
    ladon.sent(update_id)
    await ladon.settle()
    await eventually(lambda: ladon.errors, "the error handlers")
    assert [type(e) for e in ladon.errors] == [OperationalError]
    ladon.errors.clear()
    answer = olga.answer_to(update_id)
    assert answer is not None and answer.text.startswith("⚠️ Что-то пошло не так")
    assert len(await _interactions(sessionmaker)) == before  # nothing half-saved, not even the new client
    monkeypatch.setattr(InteractionRepository, "log", real)
    await olga.tap("Не планировать", button)  # the same button works: nothing moved on
    assert olga.last.text.startswith("✅ Сохранено")


async def test_a_short_flood_wait_on_a_reply_is_waited_out(ladon, sessionmaker, clock) -> None:
    await _setup(ladon, sessionmaker, clock)
    anna = Person(ladon, ANNA, "Anna")
    await anna.say("/start")
    ladon.emu.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1, chat_id=ANNA)
    [plan] = await anna.say("/today")
    assert plan.text.startswith("📅 Today")
    assert ladon.errors == []


async def test_a_long_flood_wait_leaves_the_step_where_it_was(ladon, sessionmaker, clock) -> None:
    await _setup(ladon, sessionmaker, clock)
    anna = Person(ladon, ANNA, "Anna")
    await anna.say("/start")
    await anna.menu("📝 Log a contact")
    await anna.tap("Vector")
    await anna.tap("🤝 Meeting")
    await anna.tap("✅ Agreed")
    ladon.emu.fail_next("editMessageReplyMarkup", 429, "Too Many Requests: retry after 40", retry_after=40, chat_id=ANNA)
    await anna.say("50000")  # the old question's buttons cannot be dropped: Telegram says wait 40 s
    await eventually(lambda: ladon.errors, "the error handlers")
    ladon.errors.clear()
    assert "Next contact" not in anna.last.text
    await anna.say("60000")  # still the amount's step: the unseen one was taken back
    assert "60,000" in anna.last.text and "Next contact" in anna.last.text
    await anna.tap("No next step")
    [done] = [i for i in await _interactions(sessionmaker) if i.kind == Kind.MEETING and i.status == Status.DONE]
    assert done.amount_minor == 6_000_000


async def test_a_person_who_blocked_the_bot_mid_conversation_is_marked_unreachable(ladon, sessionmaker, clock) -> None:
    from db.models import User

    await _setup(ladon, sessionmaker, clock)
    anna = Person(ladon, ANNA, "Anna")
    await anna.say("/start")
    [picker] = await anna.menu("📝 Log a contact")
    ladon.emu.block(ANNA, notify=False)  # Telegram's update about it was lost
    update_id = ladon.emu.press(ANNA, picker.message_id, picker.button_data("Vector"))
    ladon.sent(update_id)
    await ladon.settle()
    await eventually(lambda: ladon.errors, "the error handlers")
    ladon.errors.clear()

    async def unreachable() -> bool:
        async with sessionmaker() as session:
            return (await session.scalar(select(User.unreachable_at).where(User.tg_id == ANNA))) is not None

    for _ in range(100):
        if await unreachable():
            break
        await asyncio.sleep(0.02)
    assert await unreachable()
