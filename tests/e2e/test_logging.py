"""The heart: logging a contact in a few taps, with every bad input and stale button handled."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from db.models import Client, Interaction, Kind, Outcome, Status
from db.repositories import ClientRepository, InteractionRepository, UserRepository
from tests.e2e.harness import Person, seed_user

ANNA = 2001


@pytest.fixture
async def anna(ladon, sessionmaker, clock) -> Person:
    user = await seed_user(sessionmaker, ANNA, "Anna")
    async with sessionmaker() as session:
        for name in ("Romashka LLC", "Vector", "Ёлки-Палки"):
            client = await ClientRepository(session, user).create(name)
            await InteractionRepository(session, user).log(
                now=clock() - timedelta(days=3), client_id=client.id, kind=Kind.CALL, outcome=Outcome.THINKING
            )
        await session.commit()
    person = Person(ladon, ANNA, "Anna")
    await person.say("/start")
    person.taps = 0
    return person


async def _done(sessionmaker, **where) -> list[Interaction]:
    async with sessionmaker() as session:
        query = select(Interaction).where(Interaction.status == Status.DONE, Interaction.happened_at.is_not(None))
        rows = await session.scalars(query.order_by(Interaction.id))
        return [r for r in rows if all(getattr(r, k) == v for k, v in where.items())]


async def _plan_vector(sessionmaker, clock, kind: Kind, note: str | None = None) -> Interaction:
    """Anna's contact with Vector planned two hours from now (on today's list), with a note if given."""
    async with sessionmaker() as session:
        user = await UserRepository(session).by_tg_id(ANNA)
        client = (await ClientRepository(session, user).search("vector"))[0]
        repo = InteractionRepository(session, user)
        planned = await repo.plan(client_id=client.client_id, kind=kind, planned_at=clock() + timedelta(hours=2))
        if note:
            await repo.add_note(planned.id, text=note)
        await session.commit()
        return planned


async def _count(sessionmaker, model) -> int:
    async with sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(model))


async def test_agreed_meeting_next_week_in_five_taps(anna: Person, sessionmaker, clock) -> None:
    await anna.menu("📝 Log a contact")
    await anna.tap("Vector")
    await anna.tap("🤝 Meeting")
    await anna.tap("✅ Agreed")
    await anna.tap("In a week")
    assert anna.taps <= 5
    assert "✅ Saved" in anna.last.text and "Vector" in anna.last.text
    [item] = await _done(sessionmaker, kind=Kind.MEETING)
    assert item.outcome == Outcome.AGREED and item.amount_minor is None
    async with sessionmaker() as session:
        step = await session.get(Interaction, item.next_step_id)
    assert step.status == Status.PLANNED
    # a week later at 10:00 Moscow time = 07:00 UTC
    assert step.planned_at.date() == (clock() + timedelta(days=7)).date()
    assert (step.planned_at.hour, step.planned_at.minute) == (7, 0)


async def test_refused_for_a_reason_in_six_taps(anna: Person, sessionmaker) -> None:
    await anna.menu("📝 Log a contact")
    await anna.tap("Romashka LLC")
    await anna.tap("🤝 Meeting")
    await anna.tap("❌ Refused")
    await anna.tap("Budget exhausted")
    await anna.tap("No next step")
    assert anna.taps <= 6
    [item] = await _done(sessionmaker, kind=Kind.MEETING)
    assert item.outcome == Outcome.REFUSED and item.refusal_reason_id is not None and item.next_step_id is None
    assert "Budget exhausted" in anna.last.text


async def test_refused_for_another_reason_asks_what_it_was(anna: Person, sessionmaker) -> None:
    await anna.menu("📝 Log a contact")
    await anna.tap("Vector")
    await anna.tap("🤝 Meeting")
    await anna.tap("❌ Refused")
    await anna.tap("Other")
    assert "What was the reason?" in anna.last.text
    [too_long] = await anna.say("x" * 2001)
    assert "up to 2000 characters" in too_long.text
    [shown] = await anna.say("They are <closing> the Moscow office")
    assert "💬 They are <closing> the Moscow office" in shown.text  # escaped: Telegram parsed it as text
    assert await _done(sessionmaker, kind=Kind.MEETING) == []  # typing saved nothing yet
    await anna.tap("No next step")
    assert "✅ Saved" in anna.last.text and "💬 They are <closing> the Moscow office" in anna.last.text
    [item] = await _done(sessionmaker, kind=Kind.MEETING)
    assert item.outcome == Outcome.REFUSED and item.note == "They are <closing> the Moscow office"


async def test_a_comment_at_the_next_step_is_optional_and_kept_with_a_planned_contact(
    anna: Person, sessionmaker, clock
) -> None:
    planned = await _plan_vector(sessionmaker, clock, Kind.CALL, note="Ask about the tender")
    [plan] = await anna.say("/today")
    await anna.tap("✅ 1 Done", plan)
    await anna.tap("📝 Needs a revised offer")
    await anna.say("Wants 10% off")
    await anna.tap("In 3 days")
    async with sessionmaker() as session:
        done = await session.get(Interaction, planned.id)
    assert done.outcome == Outcome.REVISED_OFFER and done.note == "Ask about the tender\nWants 10% off"


async def test_planned_contact_from_today_in_three_taps(anna: Person, sessionmaker, clock) -> None:
    planned = await _plan_vector(sessionmaker, clock, Kind.MEETING)
    [plan] = await anna.say("/today")
    assert "Vector" in plan.text
    anna.taps = 0
    await anna.tap("✅ 1 Done", plan)
    await anna.tap("🤔 Thinking it over")
    await anna.tap("Mon, 30 Nov")  # "Tomorrow" on a Friday lands on Monday
    assert anna.taps <= 3
    async with sessionmaker() as session:
        done = await session.get(Interaction, planned.id)
        assert done.status == Status.DONE and done.outcome == Outcome.THINKING
        step = await session.get(Interaction, done.next_step_id)
        # someone thinking it over gets a call, not another meeting (the kind follows the outcome)
        assert step.status == Status.PLANNED and step.kind == Kind.CALL
        # Monday 30 November, 10:00 in Moscow
        assert step.planned_at == datetime(2026, 11, 30, 7, 0, tzinfo=timezone.utc)


async def test_amounts_typed_in_many_ways(anna: Person, sessionmaker) -> None:
    await anna.menu("📝 Log a contact")
    await anna.tap("Vector")
    await anna.tap("📞 Call")
    await anna.tap("✅ Agreed")
    [error] = await anna.say("fifty thousand")
    assert "could not read an amount" in error.text
    [nxt] = await anna.say("1,5 млн")
    assert "1,500,000" in nxt.text
    await anna.tap("No next step", nxt)
    [item] = await _done(sessionmaker, outcome=Outcome.AGREED)
    assert item.amount_minor == 150_000_000


async def test_new_client_by_typing_a_name_not_found(anna: Person, sessionmaker) -> None:
    await anna.menu("📝 Log a contact")
    [found] = await anna.say("елки")  # case-insensitive, ё = е
    assert "Ёлки-Палки" in found.buttons()
    [nobody] = await anna.say("Stroyinvest")
    assert "Nobody found" in nobody.text
    await anna.tap("➕ New client «Stroyinvest»", nobody)
    await anna.tap("🤝 Meeting")
    await anna.tap("❌ Refused")
    await anna.tap("Price")
    await anna.tap("No next step")
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Client).where(Client.name == "Stroyinvest")) == 1


async def test_cancel_midway_saves_nothing_and_old_buttons_go_stale(anna: Person, sessionmaker) -> None:
    before = await _count(sessionmaker, Interaction)
    await anna.menu("📝 Log a contact")
    await anna.tap("Vector")
    kinds = anna.last
    meeting = kinds.button_data("🤝 Meeting")
    [reply] = await anna.say("/cancel")
    assert reply.text == "Cancelled. Nothing was saved."
    assert anna.emu.message(ANNA, kinds.message_id).buttons() == []  # the cancelled step's buttons go
    update_id = await anna.press_raw(kinds, meeting)  # a copy of the old message elsewhere
    assert anna.emu.callback_answer(update_id).text == "This button is no longer active."
    assert await _count(sessionmaker, Interaction) == before


async def test_double_tap_on_the_last_step_saves_once(anna: Person, sessionmaker) -> None:
    await anna.menu("📝 Log a contact")
    await anna.tap("Vector")
    await anna.tap("🤝 Meeting")
    await anna.tap("✅ Agreed")
    message = anna.find("In a week")
    data = message.button_data("In a week")
    first = anna.emu.press(ANNA, message.message_id, data)
    second = anna.emu.press(ANNA, message.message_id, data)
    anna.runner.sent(first), anna.runner.sent(second)
    await anna.runner.settle()
    assert len(await _done(sessionmaker, kind=Kind.MEETING)) == 1
    answers = {anna.emu.callback_answer(first).text, anna.emu.callback_answer(second).text}
    assert answers == {"Saved", "This button is no longer active."}


async def test_typed_lines_add_up_and_an_amount_typed_later_corrects_the_deal(anna: Person, sessionmaker) -> None:
    await anna.menu("📝 Log a contact")
    await anna.tap("Vector")
    await anna.tap("🤝 Meeting")
    await anna.tap("✅ Agreed")
    await anna.say("50000")
    await anna.say("Signs on Monday")
    await anna.say("Wants delivery by the 10th")  # a second line is added, not a replacement
    await anna.say("55 000")  # at this step, after an agreement, an amount corrects the amount
    shown = anna.last.text
    assert "55,000" in shown and "Signs on Monday\nWants delivery by the 10th" in shown
    await anna.tap("No next step")
    [item] = await _done(sessionmaker, kind=Kind.MEETING)
    assert item.amount_minor == 5_500_000 and item.note == "Signs on Monday\nWants delivery by the 10th"


async def test_undo_within_minutes_removes_the_contact_and_its_next_step(anna: Person, sessionmaker, clock) -> None:
    before = await _count(sessionmaker, Interaction)
    await anna.menu("📝 Log a contact")
    await anna.tap("Vector")
    await anna.tap("🤝 Meeting")
    await anna.tap("✅ Agreed")
    await anna.tap("Mon, 30 Nov")  # "Tomorrow" on a Friday
    card = anna.last
    assert await _count(sessionmaker, Interaction) == before + 2
    clock.advance(minutes=2)
    await anna.tap("↩️ Undo", card)
    assert await _count(sessionmaker, Interaction) == before
    assert "Undone" in anna.last.text


async def _second_tap(anna: Person, card, data: str) -> str:
    """The Undo button tapped again (a double tap, or a copy of the card elsewhere)."""
    update_id = anna.emu.press(ANNA, card.message_id, data)
    anna.runner.sent(update_id)
    await anna.runner.settle()
    return anna.emu.callback_answer(update_id).text


async def test_undo_takes_back_the_client_it_created_and_a_second_tap_says_so(anna: Person, sessionmaker, clock) -> None:
    from db.models import Client

    clients = await _count(sessionmaker, Client)
    await anna.menu("📝 Log a contact")
    await anna.say("Brand New LLC")
    await anna.tap("➕ New client «Brand New LLC»")
    await anna.tap("🤝 Meeting")
    await anna.tap("✅ Agreed")
    await anna.tap("No next step")
    card = anna.last
    data = card.button_data("↩️ Undo")
    assert await _count(sessionmaker, Client) == clients + 1
    await anna.tap("↩️ Undo", card)
    assert anna.last.text == "↩️ Undone: nothing of this contact is kept, nor the new client «Brand New LLC»."
    assert await _count(sessionmaker, Client) == clients  # the screen says so, and it is so
    assert await _second_tap(anna, card, data) == "Already undone."


async def test_undo_of_a_completed_plan_puts_back_its_status_and_notes(anna: Person, sessionmaker, clock) -> None:
    from db.models import Client, ClientStatus

    planned = await _plan_vector(sessionmaker, clock, Kind.MEETING, note="Ask about the tender")
    async with sessionmaker() as session:
        vector = await session.get(Client, planned.client_id)
        assert vector.status == ClientStatus.LEAD
    [plan] = await anna.say("/today")
    await anna.tap("✅ 1 Done", plan)
    await anna.tap("✅ Agreed")
    await anna.say("They sign on Monday")
    await anna.tap("No next step")
    card = anna.find("↩️ Undo")
    data = card.button_data("↩️ Undo")
    async with sessionmaker() as session:
        assert (await session.get(Client, planned.client_id)).status == ClientStatus.ACTIVE
    await anna.tap("↩️ Undo", card)
    assert "back in your plan" in anna.emu.message(ANNA, card.message_id).text
    async with sessionmaker() as session:
        item = await session.get(Interaction, planned.id)
        assert (item.status, item.note, item.outcome) == (Status.PLANNED, "Ask about the tender", None)
        assert (await session.get(Client, planned.client_id)).status == ClientStatus.LEAD
    assert await _second_tap(anna, card, data) == "Already undone."


async def test_undo_too_late_is_refused(anna: Person, sessionmaker, clock) -> None:
    await anna.menu("📝 Log a contact")
    await anna.tap("Vector")
    await anna.tap("🤝 Meeting")
    await anna.tap("✅ Agreed")
    await anna.tap("No next step")
    card = anna.last
    clock.advance(minutes=6)
    update_id = anna.emu.press_button(ANNA, "↩️ Undo", message_id=card.message_id)
    anna.runner.sent(update_id)
    await anna.runner.settle()
    assert "can no longer be undone" in anna.emu.callback_answer(update_id).text
    assert len(await _done(sessionmaker, kind=Kind.MEETING)) == 1


async def test_note_as_text_and_voice(anna: Person, sessionmaker) -> None:
    await anna.menu("📝 Log a contact")
    await anna.tap("Vector")
    await anna.tap("🤝 Meeting")
    await anna.tap("🤔 Thinking it over")
    await anna.tap("No next step")
    await anna.tap("📝 Add a note")
    [hint] = await anna.send("sticker")
    assert "text" in hint.text
    [ok] = await anna.say("Wants a discount for 3 years")
    assert ok.text == "📝 Note saved."
    await anna.tap("📝 Add a note", anna.find("📝 Add a note"))
    await anna.send("voice")
    [item] = await _done(sessionmaker, kind=Kind.MEETING)
    assert item.note == "Wants a discount for 3 years" and item.voice_file_id


async def test_the_saved_card_records_whom_it_was_with(anna: Person, sessionmaker) -> None:
    from db.models import ContactPerson
    from handlers.callbacks import CardCb

    async with sessionmaker() as session:
        vector = await session.scalar(select(Client).where(Client.name == "Vector"))
        romashka = await session.scalar(select(Client).where(Client.name == "Romashka LLC"))
        maria = ContactPerson(client_id=vector.id, name="Maria Ivanova", position="CEO")
        stranger = ContactPerson(client_id=romashka.id, name="Not at Vector")
        session.add_all([maria, ContactPerson(client_id=vector.id, name="Oleg"), stranger])
        await session.commit()
    await anna.menu("📝 Log a contact")
    await anna.tap("Vector")
    await anna.tap("🤝 Meeting")
    await anna.tap("✅ Agreed")
    await anna.tap("No next step")
    card = anna.last
    assert anna.taps == 5  # the question is on the card, after saving: no tap added
    await anna.tap("👤 Who was it with?", card)
    assert [row[0].text for row in anna.last.inline_keyboard][:2] == ["Maria Ivanova · CEO", "Oleg"]
    await anna.tap("Maria Ivanova · CEO", card)
    assert anna.answer_to(anna.last_tap).text == "👤 With Maria Ivanova"
    assert "👤 Maria Ivanova" in [b.text for row in anna.last.inline_keyboard for b in row]
    [item] = await _done(sessionmaker, kind=Kind.MEETING)
    assert item.contact_person_id == maria.id
    # a person of another client, or someone else's contact: nothing changes
    forged = await anna.press_raw(card, CardCb(a="pp", id=item.id, p=stranger.id).pack())
    assert anna.answer_to(forged).text == "Not found, or not yours to change."
    await seed_user(sessionmaker, 2002, "Boris")
    boris = Person(anna.runner, 2002, "Boris")
    [hello] = await boris.say("/start")
    theirs = await boris.press_raw(hello, CardCb(a="pp", id=item.id, p=maria.id).pack())
    assert boris.answer_to(theirs).text == "Not found, or not yours to change."
    [item] = await _done(sessionmaker, kind=Kind.MEETING)
    assert item.contact_person_id == maria.id
    # the client's history says whom it was with
    await anna.say("/clients")
    [found] = await anna.say("vector")
    [vector_card] = await anna.tap("Vector", found)
    assert "✅ Agreed · 👤 Maria Ivanova" in vector_card.text


async def test_whom_it_was_with_when_the_client_has_nobody_yet(anna: Person) -> None:
    await anna.menu("📝 Log a contact")
    await anna.tap("Ёлки-Палки")
    await anna.tap("📞 Call")
    await anna.tap("📵 No answer")
    await anna.tap("No next step")
    card = anna.last
    await anna.tap("👤 Who was it with?", card)
    answer = anna.answer_to(anna.last_tap)
    assert answer.show_alert and "no contact persons yet" in answer.text
    assert [b.text for b in anna.last.inline_keyboard[0]] == ["➕ Contact person", "‹ Back"]
    await anna.tap("‹ Back", card)
    assert "👤 Who was it with?" in [b.text for row in anna.last.inline_keyboard for b in row]


async def test_a_note_that_does_not_fit_changes_nothing(anna: Person, sessionmaker) -> None:
    await anna.menu("📝 Log a contact")
    await anna.tap("Vector")
    await anna.tap("🤝 Meeting")
    await anna.tap("🤔 Thinking it over")
    await anna.tap("No next step")
    card = anna.last
    await anna.tap("📝 Add a note", card)
    [too_long] = await anna.say("x" * 2001)
    assert "from 1 to 2000" in too_long.text
    [ok] = await anna.say("a" * 2000)
    assert ok.text == "📝 Note saved."
    await anna.tap("📝 Add a note", card)
    [full] = await anna.say("b" * 2000)  # with the first and a line break: one character over 4000
    assert "notes are full" in full.text
    [item] = await _done(sessionmaker, kind=Kind.MEETING)
    assert item.note == "a" * 2000
    [menu_hint] = await anna.say("more")  # the note step is over
    assert "menu" in menu_hint.text


async def test_bad_input_at_text_steps(anna: Person, sessionmaker) -> None:
    await anna.menu("📝 Log a contact")
    [short] = await anna.say("V")
    assert "from 2 to 200" in short.text
    [hint] = await anna.send("photo")
    assert "buttons" in hint.text or "text" in hint.text
    await anna.tap("➕ New client", anna.find("➕ New client"))
    [long] = await anna.say("x" * 300)
    assert "from 1 to 200" in long.text
    [kinds] = await anna.say("Good Name")
    assert "Good Name" in kinds.text
    assert await _count(sessionmaker, Client) == 3  # nothing saved until the contact is


async def _open_plans(sessionmaker, client_id: int) -> list[Interaction]:
    async with sessionmaker() as session:
        rows = await session.scalars(
            select(Interaction).where(Interaction.client_id == client_id, Interaction.status == Status.PLANNED)
            .order_by(Interaction.planned_at)
        )
        return list(rows)


async def test_a_contact_closes_the_plan_that_fell_due_and_says_so(anna: Person, sessionmaker, clock) -> None:
    planned = await _plan_vector(sessionmaker, clock, Kind.CALL, note="Ask about the tender")
    anna.taps = 0
    await anna.menu("📝 Log a contact")
    await anna.tap("Vector")
    await anna.tap("🤝 Meeting")
    await anna.tap("✅ Agreed")
    await anna.tap("In a week")
    assert anna.taps <= 5  # the budget holds
    card = anna.find("↩️ Keep the plan open")
    assert "📌 It closes the planned 📞 Call of" in card.text
    async with sessionmaker() as session:
        done = await session.get(Interaction, planned.id)
    assert (done.status, done.kind, done.outcome) == (Status.DONE, Kind.MEETING, Outcome.AGREED)  # what happened
    [step] = await _open_plans(sessionmaker, planned.client_id)  # one open next step, not two
    assert step.id == done.next_step_id
    [plan] = await anna.say("/today")
    assert "Vector" not in plan.text

    # one tap takes back just the closing: the plan is open again, the contact stays on its own
    await anna.tap("↩️ Keep the plan open", card)
    assert "The plan stays open" in anna.emu.message(ANNA, card.message_id).text
    async with sessionmaker() as session:
        plan_row = await session.get(Interaction, planned.id)
        assert (plan_row.status, plan_row.kind, plan_row.note) == (Status.PLANNED, Kind.CALL, "Ask about the tender")
    meetings = await _done(sessionmaker, kind=Kind.MEETING)
    assert len(meetings) == 1 and meetings[0].id != planned.id and meetings[0].outcome == Outcome.AGREED


async def test_undo_of_a_contact_that_closed_a_plan_reopens_it_as_planned(anna: Person, sessionmaker, clock) -> None:
    planned = await _plan_vector(sessionmaker, clock, Kind.CALL)
    await anna.menu("📝 Log a contact")
    await anna.tap("Vector")
    await anna.tap("🤝 Meeting")
    await anna.tap("🤔 Thinking it over")
    await anna.tap("No next step")
    await anna.tap("↩️ Undo", anna.find("↩️ Undo"))
    async with sessionmaker() as session:
        plan_row = await session.get(Interaction, planned.id)
    assert (plan_row.status, plan_row.kind, plan_row.outcome) == (Status.PLANNED, Kind.CALL, None)


async def test_a_next_step_moves_a_later_plan_instead_of_adding_one(anna: Person, sessionmaker, clock) -> None:
    async with sessionmaker() as session:
        user = await UserRepository(session).by_tg_id(ANNA)
        client = (await ClientRepository(session, user).search("vector"))[0]
        later = await InteractionRepository(session, user).plan(
            client_id=client.client_id, kind=Kind.MEETING, planned_at=clock() + timedelta(days=4))
        await session.commit()
    await anna.menu("📝 Log a contact")
    await anna.tap("Vector")
    await anna.tap("📞 Call")
    await anna.tap("🔁 Rescheduled")
    await anna.tap("In a week")
    card = anna.find("↩️ Keep the plan as it was")
    assert "📅 It replaces the plan that was ahead: 🤝 Meeting" in card.text
    [step] = await _open_plans(sessionmaker, later.client_id)
    assert step.id == later.id and step.planned_at.date() == (clock() + timedelta(days=7)).date()

    await anna.tap("↩️ Keep the plan as it was", card)
    [step] = await _open_plans(sessionmaker, later.client_id)
    assert step.id == later.id and step.planned_at == later.planned_at and step.kind == Kind.MEETING
    assert "The plan stays as it was" in anna.emu.message(ANNA, card.message_id).text


async def test_the_next_step_follows_the_outcome_and_can_get_its_own_kind_and_time(anna: Person, sessionmaker, clock) -> None:
    await anna.menu("📝 Log a contact")
    await anna.tap("Romashka LLC")
    await anna.tap("🤝 Meeting")
    await anna.tap("❌ Refused")
    await anna.tap("Price")
    assert "➡️ Next: 📞 Call at 10:00" in anna.last.text  # after a refusal: a call, not another meeting
    await anna.tap("⚙️ Kind and time")
    await anna.tap("✉️ Email")
    await anna.say("7 вечера")  # typed, as people say it
    assert "➡️ Next: ✉️ Email at 19:00" in anna.last.text and "• 19:00" in anna.last.buttons()  # shown as chosen
    await anna.tap("✅ Ready")
    assert "Next contact?" in anna.last.text and "✉️ Email at 19:00" in anna.last.text
    await anna.tap("In 3 days")
    assert "Next: ✉️ Email" in anna.last.text
    [item] = await _done(sessionmaker, kind=Kind.MEETING, outcome=Outcome.REFUSED)
    async with sessionmaker() as session:
        step = await session.get(Interaction, item.next_step_id)
    assert step.kind == Kind.EMAIL and (step.planned_at.hour, step.planned_at.minute) == (16, 0)  # 19:00 Moscow


async def test_the_next_step_lands_at_the_persons_usual_hour(anna: Person, sessionmaker, clock) -> None:
    async with sessionmaker() as session:
        user = await UserRepository(session).by_tg_id(ANNA)
        client = (await ClientRepository(session, user).search("romashka"))[0]
        repo = InteractionRepository(session, user)
        for days in (2, 3, 4):  # three calls planned at 15:00 Moscow: that is her habit
            await repo.plan(client_id=client.client_id, kind=Kind.CALL,
                            planned_at=datetime(2026, 12, days, 12, 0, tzinfo=timezone.utc))
        await session.commit()
    await anna.menu("📝 Log a contact")
    await anna.tap("Vector")
    await anna.tap("📞 Call")
    await anna.tap("🔁 Rescheduled")
    assert "➡️ Next: 📞 Call at 15:00" in anna.last.text
    await anna.tap("In a week")
    [item] = await _done(sessionmaker, kind=Kind.CALL, outcome=Outcome.RESCHEDULED)
    async with sessionmaker() as session:
        step = await session.get(Interaction, item.next_step_id)
    assert (step.planned_at.hour, step.planned_at.minute) == (12, 0)


async def test_no_answer_is_offered_for_calls_not_for_meetings(anna: Person) -> None:
    await anna.menu("📝 Log a contact")
    await anna.tap("Vector")
    [outcomes] = [await anna.tap("🤝 Meeting")] and [anna.last]
    assert "📵 No answer" not in outcomes.buttons() and "✅ Agreed" in outcomes.buttons()
    await anna.say("/cancel")
    await anna.menu("📝 Log a contact")
    await anna.tap("Vector")
    await anna.tap("📞 Call")
    assert "📵 No answer" in anna.last.buttons()


async def test_a_person_added_from_who_was_it_with_is_linked_to_the_contact(anna: Person, sessionmaker) -> None:
    await anna.menu("📝 Log a contact")
    await anna.tap("Vector")
    await anna.tap("🤝 Meeting")
    await anna.tap("🤔 Thinking it over")
    await anna.tap("No next step")
    card = anna.find("👤 Who was it with?")
    await anna.tap("👤 Who was it with?", card)  # nobody yet: add one
    await anna.tap("➕ Contact person", card)
    await anna.say("Ivan Petrov")
    for _ in range(4):
        await anna.say("-")
    done = anna.last
    assert "Ivan Petrov added; the contact is marked as with them" in done.text
    assert "📇 Client card" in done.buttons()  # not a dead end
    [item] = await _done(sessionmaker, kind=Kind.MEETING)
    async with sessionmaker() as session:
        from db.models import ContactPerson

        person = await session.get(ContactPerson, item.contact_person_id)
    assert person is not None and person.name == "Ivan Petrov"


async def test_every_step_can_go_back_and_what_is_saved_is_the_last_choice(anna: Person, sessionmaker) -> None:
    await anna.menu("📝 Log a contact")
    await anna.tap("Vector")
    await anna.tap("‹ Back")  # the wrong client: back to the picker
    assert "Who was the contact with?" in anna.last.text
    await anna.tap("Romashka LLC")
    await anna.tap("📞 Call")
    await anna.tap("‹ Back")  # the wrong kind
    await anna.tap("🤝 Meeting")
    await anna.tap("❌ Refused")
    await anna.tap("‹ Back")  # from the reasons to the outcome
    await anna.tap("✅ Agreed")
    await anna.tap("‹ Back")  # from the next step to the outcome
    await anna.tap("🤔 Thinking it over")
    await anna.tap("No next step")
    [item] = await _done(sessionmaker, kind=Kind.MEETING)
    async with sessionmaker() as session:
        from db.models import Client

        client = await session.get(Client, item.client_id)
    assert (client.name, item.kind, item.outcome, item.refusal_reason_id) == ("Romashka LLC", Kind.MEETING, Outcome.THINKING, None)


async def test_photos_are_kept_with_the_contact_and_shown_again(anna: Person, sessionmaker) -> None:
    await anna.menu("📝 Log a contact")
    await anna.tap("Vector")
    await anna.tap("🤝 Meeting")
    await anna.tap("🤔 Thinking it over")
    [kept] = await anna.send("photo")  # a business card, while logging
    assert kept.text.startswith("📷 Kept")
    await anna.tap("No next step", anna.find("No next step"))
    card = anna.find("📝 Add a note")
    assert "📷 1" in card.text  # the saved card says it
    await anna.tap("📝 Add a note", card)
    [saved] = await anna.send("photo", caption="Signed offer")
    assert saved.text == "📷 Photo saved with the contact."
    [item] = await _done(sessionmaker, kind=Kind.MEETING)
    assert len(item.photo_file_ids) == 2 and item.note == "Signed offer"

    await anna.say("/clients")
    [found] = await anna.say("vector")
    [card] = await anna.tap("Vector", found)
    assert "📷 2" in card.text
    [history] = await anna.tap("📜 Full history", card)
    photos = await anna.tap("📷 Show the photos", history)
    assert [m.kind for m in photos] == ["photo", "photo"]  # sent again by their file ids
    assert all("🤝 Meeting" in (m.text or "") for m in photos)


async def test_it_was_earlier_sets_when_the_contact_happened_without_a_tap_on_the_budget(
    anna: Person, sessionmaker, clock,
) -> None:
    await anna.menu("📝 Log a contact")
    await anna.tap("Vector")
    await anna.tap("🤝 Meeting")
    await anna.tap("✅ Agreed")
    await anna.tap("In a week")
    assert anna.taps <= 5  # the option is on the saved card, after the budgeted path
    card = anna.last
    assert "🕐 It was earlier" in card.buttons()
    await anna.tap("🕐 It was earlier", card)
    days = anna.emu.message(ANNA, card.message_id).buttons()
    assert days[:2] == ["Today", "Yesterday"] and "‹ Back" in days
    await anna.tap("Today", card)  # 11:00 in Moscow: 08:00 to 11:00 are offered, not later
    hours = anna.emu.message(ANNA, card.message_id).buttons()
    assert "11:00" in hours and "12:00" not in hours and hours[0] == "08:00"
    await anna.tap("‹ Back", card)
    await anna.tap("Yesterday", card)
    await anna.tap("15:00", card)
    text = anna.emu.message(ANNA, card.message_id).text
    assert text.endswith("🕐 It was: Thu, 26 Nov, 15:00.") and "✅ Saved" in text
    [item] = await _done(sessionmaker, kind=Kind.MEETING)
    assert item.happened_at == datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)  # 15:00 Moscow
    assert item.logged_at == clock()  # when it was logged stays the truth
    assert "🕐 It was earlier" in anna.emu.message(ANNA, card.message_id).buttons()

    # forged: a day or hour no screen offers, or a day after the logging changes nothing
    from handlers.callbacks import CardCb

    for forged in (CardCb(a="wat", id=item.id, p=900 + 15), CardCb(a="wat", id=item.id, p=23), CardCb(a="wday", id=item.id, p=40)):
        update = await anna.press_raw(card, forged.pack())
        assert anna.answer_to(update).show_alert
    clock.advance(days=2)
    update = await anna.press_raw(card, CardCb(a="wat", id=item.id, p=100 + 10).pack())
    assert "more than a day ago" in anna.answer_to(update).text
    [item] = await _done(sessionmaker, kind=Kind.MEETING)
    assert item.happened_at == datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)
