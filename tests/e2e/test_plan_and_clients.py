"""Plans (/today, /tomorrow, /yesterday), rescheduling, the client card and contact persons."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from db.models import ContactPerson, Interaction, Kind, Outcome, Role, Status, User
from db.repositories import ClientRepository, InteractionRepository
from tests.conftest import ADMIN_TG
from tests.e2e.harness import Person, seed_user

ANNA = 2001


@pytest.fixture
async def world(ladon, sessionmaker, clock):
    user = await seed_user(sessionmaker, ANNA, "Anna")
    async with sessionmaker() as session:
        clients = ClientRepository(session, user)
        vector = await clients.create("Vector")
        alpha = await clients.create("Alpha")
        repo = InteractionRepository(session, user)
        # yesterday's result, today's plan (one overdue from two days ago), tomorrow's plan
        await repo.log(now=clock() - timedelta(days=1), client_id=vector.id, kind=Kind.MEETING,
                       outcome=Outcome.AGREED, amount_minor=12_000_000)
        overdue = await repo.plan(client_id=alpha.id, kind=Kind.CALL, planned_at=clock() - timedelta(days=2))
        today = await repo.plan(client_id=vector.id, kind=Kind.MEETING, planned_at=clock() + timedelta(hours=3))
        tomorrow = await repo.plan(client_id=alpha.id, kind=Kind.EMAIL, planned_at=clock() + timedelta(days=1))
        await session.commit()
    person = Person(ladon, ANNA, "Anna")
    await person.say("/start")
    return person, {"overdue": overdue, "today": today, "tomorrow": tomorrow, "vector": vector, "alpha": alpha}


async def _get(sessionmaker, item_id) -> Interaction:
    async with sessionmaker() as session:
        return await session.get(Interaction, item_id)


async def test_today_lists_overdue_first_then_today(world) -> None:
    anna, items = world
    [plan] = await anna.menu("📅 Today")
    text = plan.text
    assert "Overdue" in text
    assert text.index("Alpha") < text.index("Vector")
    assert plan.buttons()[:3] == ["✅ 1 Done", "📅 1 Move", "✖ 1 Cancel"]
    [tomorrow] = await anna.menu("🗓 Tomorrow")
    assert "Alpha" in tomorrow.text and "Vector" not in tomorrow.text


async def test_yesterday_shows_results_in_the_users_language_and_zone(world) -> None:
    anna, _ = world
    [report] = await anna.say("/yesterday")
    assert "Vector" in report.text and "✅ Agreed" in report.text and "120,000" in report.text
    assert "11:00" in report.text  # 08:00 UTC shown in Moscow time


async def test_cancel_from_the_list_updates_it(world, sessionmaker) -> None:
    anna, items = world
    [plan] = await anna.say("/today")
    assert await anna.tap("✖ 1 Cancel", plan) == []  # asks first, in place of the list
    assert "Cancel the planned 📞 Call with Alpha" in anna.emu.message(ANNA, plan.message_id).text
    assert (await _get(sessionmaker, items["overdue"].id)).status == Status.PLANNED
    await anna.tap("‹ Back", plan)  # changed their mind: the list is back, nothing changed
    assert "Alpha" in anna.emu.message(ANNA, plan.message_id).text
    await anna.tap("✖ 1 Cancel", plan)
    await anna.tap("✖ Yes, cancel it", plan)
    assert (await _get(sessionmaker, items["overdue"].id)).status == Status.CANCELLED
    assert "Alpha" not in anna.emu.message(ANNA, plan.message_id).text


async def test_reschedule_quick_and_by_calendar_redraws_the_list_in_place(world, sessionmaker, clock) -> None:
    anna, items = world
    [plan] = await anna.say("/today")
    assert await anna.tap("📅 2 Move", plan) == []  # the list itself turns into the calendar
    picker = anna.emu.message(ANNA, plan.message_id)
    assert "Move" in picker.text and "Vector" in picker.text
    assert await anna.tap("In 3 days", picker) == []
    moved = await _get(sessionmaker, items["today"].id)
    assert moved.planned_at.date() == (clock() + timedelta(days=3)).date()
    assert moved.planned_at.time() == items["today"].planned_at.time()  # same local time of day
    assert "moved to" in anna.answer_to(anna.last_tap).text
    redrawn = anna.emu.message(ANNA, plan.message_id)
    assert "Alpha" in redrawn.text and "Vector" not in redrawn.text
    assert redrawn.buttons()[:3] == ["✅ 1 Done", "📅 1 Move", "✖ 1 Cancel"]

    await anna.tap("📅 1 Move", redrawn)
    calendar = anna.emu.message(ANNA, plan.message_id).buttons()
    # whole weeks from this one (Mon 23 Nov to Sun 27 Dec), days off in brackets, past days blank
    assert "(28)" in calendar and "(29)" in calendar and "1.12" in calendar and "27" in calendar and "26" not in calendar
    await anna.tap("15", redrawn)
    moved = await _get(sessionmaker, items["overdue"].id)
    assert moved.planned_at.date() == date(2026, 12, 15)
    assert "Nothing planned." in anna.emu.message(ANNA, plan.message_id).text


async def test_keeping_the_date_brings_the_list_back(world, sessionmaker) -> None:
    anna, items = world
    [plan] = await anna.say("/today")
    await anna.tap("📅 1 Move", plan)
    await anna.tap("✖ Keep the date", plan)
    back = anna.emu.message(ANNA, plan.message_id)
    assert "Alpha" in back.text and "Vector" in back.text and "✅ 1 Done" in back.buttons()
    assert (await _get(sessionmaker, items["overdue"].id)).planned_at == items["overdue"].planned_at


async def test_a_contact_done_from_the_list_leaves_it(world, sessionmaker) -> None:
    anna, items = world
    [plan] = await anna.say("/today")
    await anna.tap("✅ 2 Done", plan)
    await anna.tap("✅ Agreed")
    await anna.tap("No next step")
    assert (await _get(sessionmaker, items["today"].id)).status == Status.DONE
    redrawn = anna.emu.message(ANNA, plan.message_id)
    assert "Vector" not in redrawn.text and "Alpha" in redrawn.text


async def test_next_step_on_a_calendar_date(world, sessionmaker) -> None:
    anna, _ = world
    await anna.say("📝 Log a contact")
    await anna.tap("Alpha")
    await anna.tap("📞 Call")
    await anna.tap("🔁 Rescheduled")
    await anna.tap("📅 Pick a date")
    calendar = anna.last
    assert "26" not in calendar.buttons()  # days before today are not offered
    await anna.tap("30", calendar)
    async with sessionmaker() as session:
        planned = list(await session.scalars(select(Interaction).where(Interaction.status == Status.PLANNED)))
    assert any(p.planned_at.date() == date(2026, 11, 30) and p.kind == Kind.CALL for p in planned)


async def test_client_card_with_history_and_a_new_contact_person(world, sessionmaker) -> None:
    anna, items = world
    await anna.menu("🔎 Clients")
    [found] = await anna.say("vect")
    [card] = await anna.tap("Vector", found)
    assert "Vector" in card.text and "✅ Agreed" in card.text and "Next step" in card.text
    await anna.tap("➕ Contact person", card)
    await anna.say("Ivan Petrov")
    [bad] = await anna.say("P" * 101)
    assert "from 1 to 100" in bad.text
    await anna.say("Purchasing director")
    [bad] = await anna.say("not a phone")
    assert "phone" in bad.text
    await anna.say("+7 912 345-67-89")
    [bad] = await anna.say("ivan@")
    assert "e-mail" in bad.text
    await anna.tap("Skip")
    [bad] = await anna.say("31.02")
    assert "could not read the date" in bad.text
    [done] = await anna.say("25.12")
    assert "Ivan Petrov added" in done.text
    async with sessionmaker() as session:
        [person] = list(await session.scalars(select(ContactPerson)))
    assert (person.name, person.position, person.phone, person.email) == (
        "Ivan Petrov", "Purchasing director", "+79123456789", None)
    assert (person.birthday.month, person.birthday.day) == (12, 25)
    [card] = await anna.tap("Vector", found)
    assert "Ivan Petrov" in card.text


async def test_the_whole_history_pages_newest_first(world, sessionmaker, clock) -> None:
    anna, items = world
    from handlers.callbacks import ClientCb

    async with sessionmaker() as session:
        user = await session.scalar(select(User).where(User.tg_id == ANNA))
        repo = InteractionRepository(session, user)
        for n in range(1, 25):  # 24 calls, the n-th n days ago, plus the world's 2 contacts
            item = await repo.log(now=clock() - timedelta(days=n, hours=1), client_id=items["vector"].id,
                                  kind=Kind.CALL, outcome=Outcome.NO_ANSWER)
            item.note = f"call number {n}"
        await session.commit()
    boris = await seed_user(sessionmaker, 2002, "Boris")
    async with sessionmaker() as session:
        theirs = await ClientRepository(session, boris).create("Not Anna's")
        await session.commit()

    await anna.say("/clients")
    [found] = await anna.say("vect")
    [card] = await anna.tap("Vector", found)
    assert "History</b>" not in card.text and "(10 of 26)" in card.text
    [page] = await anna.tap("📜 Full history", card)
    lines = page.text.splitlines()
    assert "contacts 1–10 of 26, newest first" in lines[0]
    assert "Next step" not in page.text and "planned" in page.text  # today's plan is the newest
    # after today's plan and yesterday's meeting, calls 1 to 8
    assert "call number 1\n" in page.text and "call number 8" in page.text and "call number 9" not in page.text
    assert [b.text for b in page.inline_keyboard[0]] == ["Older ›"]
    await anna.tap("Older ›", page)
    assert "contacts 11–20 of 26" in anna.last.text and "call number 9\n" in anna.last.text
    assert "call number 18" in anna.last.text and "call number 19" not in anna.last.text
    assert [b.text for b in anna.last.inline_keyboard[0]] == ["‹ Newer", "Older ›"]
    await anna.tap("Older ›", page)
    last = anna.last
    assert "contacts 21–26 of 26" in last.text and "call number 19" in last.text and "call number 24" in last.text
    assert [b.text for b in last.inline_keyboard[0]] == ["‹ Newer"]
    await anna.tap("‹ Newer", page)
    assert "contacts 11–20 of 26" in anna.last.text
    # a forged page number shows the nearest real page; someone else's client, nothing
    far = await anna.press_raw(page, ClientCb(a="hpage", id=items["vector"].id, p=99).pack())
    assert anna.answer_to(far).text is None and "contacts 21–26 of 26" in anna.emu.messages(ANNA)[-1].text
    forged = await anna.press_raw(page, ClientCb(a="hpage", id=theirs.id, p=0).pack())
    assert anna.answer_to(forged).text == "Not found, or not yours to change."
    assert "Not Anna" not in anna.emu.messages(ANNA)[-1].text


async def test_a_contact_person_is_corrected_and_removed(world, sessionmaker) -> None:
    from handlers.callbacks import PersonCb

    anna, items = world
    async with sessionmaker() as session:
        maria = ContactPerson(client_id=items["vector"].id, name="Maria", phone="+79120000000")
        session.add(maria)
        await session.commit()
        done = await session.scalar(select(Interaction).where(Interaction.client_id == items["vector"].id,
                                                              Interaction.status == Status.DONE))
        done.contact_person_id = maria.id
        await session.commit()
    boris = await seed_user(sessionmaker, 2002, "Boris")
    async with sessionmaker() as session:
        theirs = await ClientRepository(session, boris).create("Boris's client")
        olga = ContactPerson(client_id=theirs.id, name="Olga")
        session.add(olga)
        await session.commit()

    await anna.say("/clients")
    [found] = await anna.say("vector")
    [card] = await anna.tap("Vector", found)
    [people] = await anna.tap("👤 Contact persons", card)
    await anna.tap("Maria", people)
    assert "Maria, +7 912 000-00-00" in anna.last.text
    await anna.tap("Phone", people)
    [bad] = await anna.say("call me")
    assert "phone number" in bad.text and "- to clear" in bad.text
    [view] = await anna.say("8 (912) 555-44-33")  # written the Russian way, stored as +7
    assert "Maria, +7 912 555-44-33" in view.text
    await anna.tap("Position", view)
    [view] = await anna.say("Chief buyer")
    await anna.tap("Birthday", view)
    [view] = await anna.say("31.02")
    assert "could not read the date" in view.text
    [view] = await anna.say("01.03")
    assert "🎂 01.03" in view.text
    await anna.tap("Phone", view)
    [view] = await anna.say("-")
    async with sessionmaker() as session:
        kept = await session.get(ContactPerson, maria.id)
    assert (kept.position, kept.phone, (kept.birthday.month, kept.birthday.day)) == ("Chief buyer", None, (3, 1))

    # someone else's person: nothing to see or change
    forged = await anna.press_raw(view, PersonCb(a="field", id=olga.id, f="phone").pack())
    assert anna.answer_to(forged).text == "Not found, or not yours to change."
    forged = await anna.press_raw(view, PersonCb(a="rmok", id=olga.id).pack())
    assert anna.answer_to(forged).text == "Not found, or not yours to change."

    await anna.tap("🗑 Remove", view)
    assert "Contacts already logged with them stay in the history" in anna.last.text
    await anna.tap("🗑 Remove", view)
    assert "Maria removed" in anna.last.text
    async with sessionmaker() as session:
        assert await session.get(ContactPerson, maria.id) is None
        assert await session.get(ContactPerson, olga.id) is not None
        assert (await session.get(Interaction, done.id)).contact_person_id is None  # the contact stays


async def test_log_from_the_client_card(world, sessionmaker) -> None:
    anna, items = world
    await anna.say("/clients")
    [found] = await anna.say("alpha")
    [card] = await anna.tap("Alpha", found)
    await anna.tap("📝 Log a contact", card)
    await anna.tap("✉️ Email")
    await anna.tap("📝 Needs a revised offer")
    await anna.tap("Mon, 30 Nov")  # the clock is a Friday: the next working day
    async with sessionmaker() as session:
        done = list(await session.scalars(select(Interaction).where(Interaction.outcome == Outcome.REVISED_OFFER)))
    assert len(done) == 1 and done[0].client_id == items["alpha"].id


async def test_edit_client_details_with_a_checked_inn(world, sessionmaker) -> None:
    anna, items = world
    await anna.say("/clients")
    [found] = await anna.say("vector")
    [card] = await anna.tap("Vector", found)
    [fields] = await anna.tap("✏️ Edit details", card)
    await anna.tap("INN", fields)
    [bad] = await anna.say("7707083890")
    assert "not a valid INN" in bad.text
    [card] = await anna.say("7707 083 893")
    assert "INN: 7707083893" in card.text
    [fields] = await anna.tap("✏️ Edit details", card)
    await anna.tap("City", fields)
    [card] = await anna.say("Казань")
    assert "City: Казань" in card.text
    [fields] = await anna.tap("✏️ Edit details", card)
    await anna.tap("City", fields)
    [card] = await anna.say("-")
    assert "City:" not in card.text
    from db.models import Client

    async with sessionmaker() as session:
        client = await session.get(Client, items["vector"].id)
    assert (client.inn, client.city) == ("7707083893", None)


async def test_an_inn_already_on_another_card_is_refused(world, sessionmaker) -> None:
    """A manager learns only that the company has that INN, and whom to ask; a head or admin who
    may see the other card is told which it is."""
    from db.models import Client

    anna, items = world
    boris = await seed_user(sessionmaker, 2002, "Boris Ivanov", team="North")
    await seed_user(sessionmaker, 4000, "Helen Head", role=Role.HEAD)  # Anna's head (team Sales)
    async with sessionmaker() as session:
        theirs = await ClientRepository(session, boris).create("Sber <North>")
        theirs.inn = "7707083893"
        await session.commit()
    await anna.say("/clients")
    [found] = await anna.say("vector")
    [card] = await anna.tap("Vector", found)
    [fields] = await anna.tap("✏️ Edit details", card)
    await anna.tap("INN", fields)
    [taken] = await anna.say("7707083893")
    assert "already in the company's base" in taken.text and "Ask Helen Head who keeps it" in taken.text
    assert "Sber" not in taken.text and "Boris" not in taken.text
    [taken] = await anna.say("７７０７０８３８９３")  # the same INN in fullwidth digits is the same INN
    assert "already in the company's base" in taken.text
    [card] = await anna.say("500100732259")  # a valid 12-digit INN nobody has
    assert "INN: 500100732259" in card.text
    async with sessionmaker() as session:
        inns = dict((await session.execute(select(Client.name, Client.inn))).all())
    assert inns["Vector"] == "500100732259" and inns["Sber <North>"] == "7707083893"

    admin = Person(anna.runner, ADMIN_TG, "Boss")
    await admin.say("/clients")
    [found] = await admin.say("alpha")
    [card] = await admin.tap("Alpha", found)
    [fields] = await admin.tap("✏️ Edit details", card)
    await admin.tap("INN", fields)
    [taken] = await admin.say("7707083893")
    assert "already on «Sber <North>» (manager: Boris Ivanov)" in taken.text


async def test_moving_a_contact_of_a_client_with_a_very_long_name(world, sessionmaker, clock) -> None:
    anna, items = world
    name = ("Tom & Jerry <Holding> " * 10)[:200]
    async with sessionmaker() as session:
        user = await session.get(User, items["today"].manager_id)
        client = await ClientRepository(session, user).create(name)
        planned = await InteractionRepository(session, user).plan(
            client_id=client.id, kind=Kind.MEETING, planned_at=clock() + timedelta(hours=5))
        await session.commit()
    [plan] = await anna.say("/today")
    assert "Tom & Jerry <Holding> Tom" in plan.text  # shown as typed, not as markup
    await anna.tap("📅 3 Move", plan)
    await anna.tap("In a week", plan)
    toast = anna.answer_to(anna.last_tap).text
    assert len(toast) == 200 and toast.startswith("📅 Tom & Jerry <Holding>") and toast.endswith("…")
    assert (await _get(sessionmaker, planned.id)).planned_at.date() == (clock() + timedelta(days=7)).date()


async def test_rescheduling_can_change_the_time_not_only_the_day(world, sessionmaker) -> None:
    anna, items = world
    [plan] = await anna.say("/today")
    await anna.tap("📅 2 Move", plan)  # Vector's meeting, 14:00 Moscow today
    await anna.tap("🕘 16:00", plan)
    moved = await _get(sessionmaker, items["today"].id)
    assert moved.planned_at.date() == items["today"].planned_at.date()
    assert (moved.planned_at.hour, moved.planned_at.minute) == (13, 0)  # 16:00 Moscow
    assert "16:00" in anna.emu.message(ANNA, plan.message_id).text  # the list is back, with the new time


async def test_outside_any_step_a_clients_name_photo_or_contact_gets_a_useful_answer(world, ladon) -> None:
    anna, _items = world
    [offer] = await anna.say("vectr")  # a typo, outside any step
    assert "Looking for a client?" in offer.text and "Vector" in offer.buttons()
    [card] = await anna.tap("Vector", offer)
    assert card.text.startswith("📇 Vector")
    [photo] = await anna.send("photo")
    assert "while you log the contact" in photo.text and "Add a note" in photo.text
    ladon.sent(ladon.emu.send_contact(ANNA, "+79123456789", first_name="Ivan"))
    await ladon.settle()
    assert "➕ Contact person" in anna.last.text
    replies = await anna.say("zzzz qqqq")
    assert replies[-1].text == "Use the menu below, or /help."


async def test_a_dash_skips_an_optional_detail_of_a_new_contact_person(world, sessionmaker) -> None:
    anna, items = world
    await anna.say("/clients")
    [found] = await anna.say("alpha")
    [card] = await anna.tap("Alpha", found)
    await anna.tap("➕ Contact person", card)
    await anna.say("Ivan Petrov")
    await anna.say("-")  # no position
    await anna.say("+7 912 345-67-89")
    await anna.say("-")  # no e-mail
    await anna.say("-")  # no birthday
    assert "Ivan Petrov added" in anna.last.text
    async with sessionmaker() as session:
        person = await session.scalar(select(ContactPerson).where(ContactPerson.name == "Ivan Petrov"))
    assert (person.position, person.phone, person.email, person.birthday) == (None, "+79123456789", None, None)


async def test_a_next_step_on_a_holiday_is_marked_as_such(world, sessionmaker) -> None:
    anna, items = world
    await anna.menu("📝 Log a contact")
    await anna.tap("Vector")
    await anna.tap("📞 Call")
    await anna.tap("🔁 Rescheduled")
    await anna.tap("📅 Pick a date")
    for _ in range(6):  # whole weeks, five at a time, to the New Year holidays
        if "(4.01)" in anna.last.buttons() or "(4)" in anna.last.buttons():
            break
        await anna.tap("›")
    await anna.tap("(4)")  # Monday 4 January 2027: a public holiday in Russia, marked on the calendar
    assert "⚠️ a public holiday: New Year Holidays" in anna.last.text


async def test_a_move_to_a_time_already_past_today_is_refused(world, sessionmaker, clock) -> None:
    anna, items = world
    [plan] = await anna.say("/today")
    await anna.tap("📅 2 Move", plan)  # Vector's meeting at 14:00; it is 11:00 in Moscow
    update_id = anna.emu.press(ANNA, plan.message_id, anna.emu.message(ANNA, plan.message_id).button_data("🕘 09:00"))
    anna.runner.sent(update_id)
    await anna.runner.settle()
    assert "already passed" in anna.answer_to(update_id).text
    assert (await _get(sessionmaker, items["today"].id)).planned_at == items["today"].planned_at
