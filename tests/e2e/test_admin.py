"""Admin tools: refusal reasons, the people list, and what managers may not do."""

from __future__ import annotations

from sqlalchemy import select

from db.models import RefusalReason
from tests.conftest import ADMIN_TG
from tests.e2e.harness import Person, seed_user


async def test_admin_adds_and_hides_reasons_and_managers_see_the_change(ladon, sessionmaker) -> None:
    admin = Person(ladon, ADMIN_TG, "Boss")
    [listing] = await admin.say("/reasons")
    assert "Budget exhausted" in listing.text
    await admin.tap("🙈 Hide: Price", listing)
    await admin.tap("➕ Add a reason", admin.last)
    [error] = await admin.say("x" * 101)
    assert "from 1 to 100" in error.text
    [added] = await admin.say("Moved to a competitor")
    assert "Moved to a competitor" in added.text
    async with sessionmaker() as session:
        reasons = {r.title or r.code: r.is_active for r in await session.scalars(select(RefusalReason))}
    assert reasons["price"] is False and reasons["Moved to a competitor"] is True

    await seed_user(sessionmaker, 2001, "Anna")
    anna = Person(ladon, 2001, "Anna")
    [reply] = await anna.say("/reasons")
    assert reply.text == "Only admins can edit the refusal reasons."
    [reply] = await anna.say("/users")
    assert "Only heads and admins" in reply.text
    [reply] = await anna.say("/invite")
    assert "Only heads and admins" in reply.text


async def test_reasons_go_before_other_are_not_repeated_and_can_be_renamed_and_reordered(ladon, sessionmaker) -> None:
    admin = Person(ladon, ADMIN_TG, "Boss", language="ru")
    [listing] = await admin.say("/reasons")
    await admin.tap("➕ Добавить причину", listing)
    [dup] = await admin.say("цена")  # "Цена" is a built-in reason: the same in any case or language
    assert "«Цена» уже есть в списке" in dup.text
    [dup] = await admin.say("PRICE")
    assert "уже есть в списке" in dup.text
    [added] = await admin.say("Ушли к конкуренту")
    lines = [line for line in added.text.split("\n") if line.startswith("• ")]
    assert lines[-2:] == ["• Ушли к конкуренту", "• Другое"]  # before the catch-all, which stays last

    listing = admin.last
    pencils = [row for row in listing.inline_keyboard if "Неподходящее время" in row[0].text]
    await admin.press_raw(listing, pencils[0][1].callback_data)  # ✏️ "Bad timing"
    assert "Новое название для «Неподходящее время»" in admin.last.text
    await admin.say("Не сейчас")
    renamed = admin.last
    assert "• Не сейчас" in renamed.text and "Неподходящее время" not in renamed.text
    row = [row for row in renamed.inline_keyboard if "Не сейчас" in row[0].text][0]
    await admin.press_raw(renamed, row[2].callback_data)  # ⬆️
    after = admin.emu.message(ADMIN_TG, renamed.message_id).text
    assert after.index("Не сейчас") < after.index("Цена")  # it was just below "Price"

    await admin.tap("➕ Добавить причину", admin.emu.message(ADMIN_TG, renamed.message_id))
    await admin.tap("✖ Отмена", admin.last)  # every prompt can be left
    assert "Ничего не сохранено" in admin.last.text
    async with sessionmaker() as session:
        titles = [r.title for r in await session.scalars(select(RefusalReason)) if r.title]
    assert sorted(titles) == ["Не сейчас", "Ушли к конкуренту"]


async def test_head_invites_only_managers_into_their_own_team(ladon, sessionmaker) -> None:
    from db.models import Role

    await seed_user(sessionmaker, 3001, "Helen", role=Role.HEAD, team="North")
    head = Person(ladon, 3001, "Helen")
    [invite] = await head.say("/invite")
    assert "new manager" in invite.text and "t.me/ladon_test_bot?start=" in invite.text
    code = invite.text.rsplit("start=", 1)[1].split()[0]
    newbie = Person(ladon, 3002, "Nick")
    welcome, _zone = await newbie.say(f"/start {code}")
    assert "You are in as: manager." in welcome.text
    [team] = await head.say("/users")
    assert "Nick" in team.text and "Helen" in team.text


async def test_new_team_name_is_checked_before_an_invite_is_made(ladon, sessionmaker) -> None:
    from sqlalchemy import func

    from db.models import Invite, Team

    admin = Person(ladon, ADMIN_TG, "Boss")
    await admin.say("/invite")
    await admin.tap("Head")
    await admin.tap("➕ New team")
    [error] = await admin.say("T" * 101)
    assert "from 1 to 100" in error.text
    [hint] = await admin.send("sticker")
    assert "text answer" in hint.text
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Invite)) == 0
        assert await session.scalar(select(func.count()).select_from(Team)) == 0
    [invite] = await admin.say("North-West")
    assert "t.me/ladon_test_bot?start=" in invite.text
    async with sessionmaker() as session:
        assert (await session.scalar(select(Team.name))) == "North-West"


async def test_admin_hands_the_base_of_someone_who_left_to_a_colleague(ladon, sessionmaker, clock) -> None:
    from datetime import timedelta

    from sqlalchemy import func

    from db.models import Client, Interaction, Kind, Outcome, Reminder, ReminderKind
    from db.repositories import ClientRepository, InteractionRepository
    from handlers.callbacks import UserCb

    anna = await seed_user(sessionmaker, 2001, "Anna")
    boris = await seed_user(sessionmaker, 2002, "Boris")
    olga = await seed_user(sessionmaker, 2003, "Olga", team="North")
    async with sessionmaker() as session:
        boris = await session.get(type(boris), boris.id)
        repo = InteractionRepository(session, boris)
        vector = await ClientRepository(session, boris).create("Vector")
        await ClientRepository(session, boris).create("Romashka")
        done = await repo.log(now=clock(), client_id=vector.id, kind=Kind.MEETING, outcome=Outcome.AGREED)
        planned = await repo.plan(client_id=vector.id, kind=Kind.CALL, planned_at=clock() + timedelta(days=1))
        session.add(Reminder(key="morning:boris", user_id=boris.id, kind=ReminderKind.MORNING,
                             due_at=clock() + timedelta(hours=20)))
        await session.commit()
        done_id, planned_id = done.id, planned.id

    admin = Person(ladon, ADMIN_TG, "Boss")
    [listing] = await admin.say("/users")
    assert not [b for row in listing.inline_keyboard for b in row if b.text.startswith("📦")]  # active: theirs
    await admin.tap("⛔ Turn off: Boris", listing)
    assert "Turn off access for Boris?" in admin.last.text  # asks first
    await admin.tap("⛔ Yes, turn off", listing)
    assert "left behind: 2 clients and 1 planned contact" in admin.last.text
    await admin.tap("📦 Hand over: Boris", listing)
    heirs = [row[0].text for row in admin.last.inline_keyboard]
    assert heirs[0] == "Anna · Manager" and "Olga · Manager" in heirs  # the same team first
    assert not any(h.startswith("Boris") for h in heirs)
    await admin.tap("Anna · Manager", listing)
    assert "Hand over to Anna what Boris left: 2 clients and 1 planned contact?" in admin.last.text
    confirm = admin.emu.messages(ADMIN_TG)[-1]
    go = next(b.callback_data for row in confirm.inline_keyboard for b in row if b.text == "✅ Hand over")
    await admin.tap("✅ Hand over", listing)
    assert "Handed over to Anna: 2 clients and 1 planned contact." in admin.answer_to(admin.last_tap).text
    assert "left behind" not in admin.last.text
    assert not [b for row in admin.last.inline_keyboard for b in row if b.text.startswith("📦")]

    async with sessionmaker() as session:
        owners = set(await session.scalars(select(Client.owner_id)))
        assert owners == {anna.id}
        assert (await session.get(Interaction, planned_id)).manager_id == anna.id
        assert (await session.get(Interaction, done_id)).manager_id == boris.id  # history stays true
        assert await session.scalar(select(func.count()).select_from(Reminder).where(Reminder.user_id == boris.id)) == 0

    # the same confirmation again (a double tap): nothing moves twice
    again = await admin.press_raw(listing, go)
    assert admin.answer_to(again).text == "Nothing is left to hand over."
    # forged: to someone whose access is off, or by a manager
    for to in (boris.id, 999_999):
        forged = await admin.press_raw(listing, UserCb(a="go", id=boris.id, to=to).pack())
        assert admin.answer_to(forged).text == "Not found, or not yours to change."
    a = Person(ladon, 2001, "Anna")
    [hello] = await a.say("/start")
    by_manager = await a.press_raw(hello, UserCb(a="go", id=boris.id, to=olga.id).pack())
    assert a.answer_to(by_manager).text == "Not found, or not yours to change."
    async with sessionmaker() as session:
        assert set(await session.scalars(select(Client.owner_id))) == {anna.id}
    [tomorrow] = await a.say("/tomorrow")
    assert "Vector" in tomorrow.text


async def test_people_come_in_pages_and_a_head_sees_only_their_team(ladon, sessionmaker) -> None:
    from db.models import Role
    from handlers.callbacks import UserCb

    for n in range(45):
        await seed_user(sessionmaker, 5000 + n, f"Manager {n:02d}", team="North" if n % 3 else "South")
    await seed_user(sessionmaker, 6000, "Helen", role=Role.HEAD, team="North")
    admin = Person(ladon, ADMIN_TG, "Boss")
    [listing] = await admin.say("/users")
    assert "(47) · page 1 of 3" in listing.text  # 45 managers, Helen, the admin
    assert listing.text.count("\n• ") == 20 and "Manager 00" in listing.text
    assert [b.text for b in listing.inline_keyboard[-1]] == ["Next ›"]
    await admin.tap("Next ›", listing)
    await admin.tap("Next ›", listing)
    last = admin.last
    assert "page 3 of 3" in last.text and last.text.count("\n• ") == 7
    assert [b.text for b in last.inline_keyboard[-1]] == ["‹ Previous"]
    # a toggle on page 3 redraws page 3
    await admin.tap("⛔ Turn off: Manager 44", last)
    await admin.tap("⛔ Yes, turn off", last)
    assert "page 3 of 3" in admin.last.text and "Manager 44 · Manager (access off)" in admin.last.text
    far = await admin.press_raw(last, UserCb(a="list", id=0, p=40).pack())
    assert admin.answer_to(far).text is None and "page 3 of 3" in admin.emu.messages(ADMIN_TG)[-1].text

    head = Person(ladon, 6000, "Helen")
    [team] = await head.say("/users")
    assert "(31) · page 1 of 2" in team.text  # 30 managers in North, and Helen
    assert "Manager 01" in team.text and "Manager 00" not in team.text  # 00 is in South
    assert [[b.text for b in row] for row in team.inline_keyboard] == [["Next ›"]]  # no access buttons


async def test_admin_writes_the_advice_reports_give_for_a_reason_and_can_restore_it(ladon, sessionmaker) -> None:
    admin = Person(ladon, ADMIN_TG, "Boss")
    [listing] = await admin.say("/reasons")
    [advice] = await admin.tap("💡 Advice to heads", listing)
    assert "Budget exhausted\nBe more flexible on payment terms" in advice.text and "(yours)" not in advice.text
    [ask] = await admin.tap("💡 Budget exhausted", advice)
    assert "Be more flexible on payment terms" in ask.text
    [error] = await admin.say("x" * 501)
    assert "from 1 to 500" in error.text
    [saved] = await admin.say("Offer <b>leasing</b> & instalments")
    assert saved.text == "Saved. Reports now advise for «Budget exhausted»:\nOffer <b>leasing</b> & instalments"
    async with sessionmaker() as session:
        budget = await session.scalar(select(RefusalReason).where(RefusalReason.code == "budget"))
    assert budget.advice == "Offer <b>leasing</b> & instalments"
    [listing] = await admin.say("/reasons")
    [advice] = await admin.tap("💡 Advice to heads", listing)
    assert "Budget exhausted (yours)\nOffer <b>leasing</b> & instalments" in advice.text
    await admin.tap("💡 Budget exhausted", advice)
    [restored] = await admin.say("-")
    assert "Be more flexible on payment terms" in restored.text
    async with sessionmaker() as session:
        budget = await session.scalar(select(RefusalReason).where(RefusalReason.code == "budget"))
    assert budget.advice is None
