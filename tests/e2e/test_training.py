"""/training for each role through the real dispatcher, on the demo company: a head records the
planted training and reads that it worked, with its chart; a manager sees only their own figures;
an admin sees every training and records for anyone; bad input and forged buttons change nothing
and reveal nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.demo_data import generate
from db.models import Training, TrainingParticipant, User
from db.repositories.trainings import TrainingRepository
from handlers.callbacks import TrainCb
from tests.conftest import ADMIN_TG
from tests.e2e.harness import Person


@pytest.fixture
async def demo(ladon, sessionmaker, clock):
    """The demo company (its people speak Russian) and who is who in it."""
    facts = await generate(sessionmaker, clock(), managers=9, months=12, seed=3)
    async with sessionmaker() as session:
        users = {i: await session.get(User, i) for i in (*facts.head_ids, *facts.manager_ids)}
    team = users[facts.trained].team_id
    head = next(users[h] for h in facts.head_ids if users[h].team_id == team)
    colleague = next(m for m in facts.clean if users[m].team_id == team)
    stranger_head = next(users[h] for h in facts.head_ids if users[h].team_id != team)
    stranger = next(m for m in facts.manager_ids if users[m].team_id != team)
    return ladon, facts, users, head, colleague, stranger_head, stranger


async def _record(sessionmaker, head: User, facts, people: list[int]) -> int:
    async with sessionmaker() as session:
        training = await TrainingRepository(session, head).record(facts.training_date, "Работа с возражениями", people, facts.now)
        await session.commit()
        return training.id


async def _trainings(sessionmaker) -> int:
    async with sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(Training))


async def test_a_head_records_a_training_and_reads_that_it_worked(demo, sessionmaker) -> None:
    runner, facts, users, head, colleague, _other_head, stranger = demo
    boss = Person(runner, head.tg_id, "Head", language="ru")
    await boss.say("/start")
    [listing] = await boss.say("/training")
    assert listing.text.startswith("🎓 Тренингов пока нет")
    await boss.tap("➕ Записать тренинг")
    assert "Когда он был?" in boss.last.text and {"Сегодня", "Вчера", "‹ Назад", "✖ Отмена"} <= set(boss.last.buttons())

    for bad, said in (("31.02.2026", "Это не похоже на дату"), ("вчера", "Это не похоже на дату"),
                      ("01.01.2030", "Записать тренинг можно с")):
        [reply] = await boss.say(bad)
        assert said in reply.text and "Сегодня" in reply.buttons()  # the same step again, nothing kept
    await boss.say(facts.training_date.strftime("%d.%m.%Y"))
    assert "Какая была тема?" in boss.last.text
    await boss.tap("‹ Назад")  # back to the day, and on again
    assert "Когда он был?" in boss.last.text
    await boss.say(facts.training_date.strftime("%d.%m.%Y"))
    [reply] = await boss.say("x" * 201)
    assert "от 1 до 200 символов" in reply.text
    await boss.say("Работа с возражениями <b>&</b>")
    picker = boss.last
    assert "«Работа с возражениями &lt;b&gt;&amp;&lt;/b&gt;»" not in picker.text  # the emulator shows text as parsed
    assert "«Работа с возражениями <b>&</b>»" in picker.text
    names = [b for b in picker.buttons() if b.startswith("▫️ ")]
    assert f"▫️ {users[facts.trained].full_name}" in names and f"▫️ {users[stranger].full_name}" not in names
    update = await boss.press_raw(picker, TrainCb(a="tog", f=_flow(picker), i=stranger).pack())  # another team's manager
    assert boss.answer_to(update).show_alert
    update = await boss.press_raw(picker, TrainCb(a="done", f=_flow(picker)).pack())
    assert boss.answer_to(update).text == "Отметьте хотя бы одного участника."
    await boss.tap(f"▫️ {users[facts.trained].full_name}")
    assert f"✅ {users[facts.trained].full_name}" in boss.last.buttons()
    await boss.tap("✅ Готово (1)")
    assert "Записать этот тренинг?" in boss.last.text
    await boss.tap("‹ Назад")  # back to the participants, still marked
    assert f"✅ {users[facts.trained].full_name}" in boss.last.buttons()
    await boss.tap("✅ Готово (1)")
    assert "Записать этот тренинг?" in boss.last.text and users[facts.trained].full_name in boss.last.text
    assert users[stranger].full_name not in boss.last.text
    await boss.tap("✅ Сохранить")
    assert boss.last.text.startswith("✅ Записано: «Работа с возражениями <b>&</b>»")
    async with sessionmaker() as session:
        assert list(await session.scalars(select(TrainingParticipant.user_id))) == [facts.trained]

    saved = boss.last
    new = await boss.tap("📈 Есть ли эффект?")
    report = "\n".join(m.text for m in [boss.emu.message(head.tg_id, saved.message_id), *new] if m.kind == "text")
    assert report.startswith("🎓 Работа с возражениями <b>&</b>, ")
    trained = report[report.index(users[facts.trained].full_name, report.index("Участники:") + 12):]
    assert "✅ Стало лучше" in trained.split("\n")[1]  # conversion, the first metric
    assert "у остальных" in trained and "п. п." in trained
    assert "Коллеги, которые не были на тренинге, могут перенимать приёмы" in report
    [photo] = [m for m in new if m.kind == "photo"]
    assert photo.caption.startswith("До и после тренинга")


def _flow(message) -> str:
    """The recording run a flow message belongs to, read off one of its buttons."""
    data = message.button_data("✖ Отмена")
    return TrainCb.unpack(data).f


async def test_a_manager_sees_only_their_own_figures(demo, sessionmaker) -> None:
    runner, facts, users, head, colleague, _other_head, _stranger = demo
    training = await _record(sessionmaker, head, facts, [facts.trained, colleague])
    me = Person(runner, users[facts.trained].tg_id, "Me", language="ru")
    await me.say("/start")
    [listing] = await me.say("/training")
    assert "➕ Записать тренинг" not in listing.buttons() and len(listing.buttons()) == 1
    new = await me.tap(listing.buttons()[0])
    text = "\n".join(m.text for m in [me.emu.message(me.tg_id, listing.message_id), *new] if m.kind == "text")
    assert "Ваши показатели" in text and "✅ Стало лучше" in text
    assert users[colleague].full_name not in text and "у остальных" not in text and "Участники:" not in text
    [photo] = [m for m in new if m.kind == "photo"]
    assert photo.caption == "Ваши показатели до и после тренинга."
    assert training


async def test_forged_buttons_answer_calmly_and_reveal_nothing(demo, sessionmaker) -> None:
    runner, facts, users, head, colleague, other_head, stranger = demo
    training = await _record(sessionmaker, head, facts, [facts.trained])
    outsider = Person(runner, users[stranger].tg_id, "Outsider", language="ru")
    await outsider.say("/start")
    [listing] = await outsider.say("/training")
    assert listing.text == "🎓 Тренингов с вашим участием пока не записано." and listing.buttons() == []
    await outsider.say("/start")
    menu = outsider.last
    seen = len(outsider.emu.messages(outsider.tg_id))
    for forged in (TrainCb(a="open", i=training), TrainCb(a="open", i=2**62)):
        update = await outsider.press_raw(menu, forged.pack())
        assert outsider.answer_to(update).text == "Не найдено или недоступно вам."
    update = await outsider.press_raw(menu, TrainCb(a="new").pack())  # a manager cannot record
    assert outsider.answer_to(update).show_alert
    update = await outsider.press_raw(menu, TrainCb(a="save", f="abcdef").pack())  # no such run
    assert outsider.answer_to(update).text == "Эта кнопка больше не действует."
    assert len(outsider.emu.messages(outsider.tg_id)) == seen

    other = Person(runner, other_head.tg_id, "Other head", language="ru")
    await other.say("/start")
    [listing] = await other.say("/training")
    update = await other.press_raw(listing, TrainCb(a="open", i=training).pack())
    assert other.answer_to(update).text == "Не найдено или недоступно вам."
    await other.press_raw(listing, TrainCb(a="list", i=2**62).pack())
    assert other.last.text.startswith("🎓 Тренингов пока нет")  # a page that is not there: the list as it is
    await other.tap("➕ Записать тренинг")
    await other.tap("Вчера")
    flow = _flow(other.last)
    update = await other.press_raw(other.last, TrainCb(a="day", f=flow, d="20261126").pack())  # a step already passed
    assert other.answer_to(update).text == "Эта кнопка больше не действует."
    await other.say("Тема")
    update = await other.press_raw(other.last, TrainCb(a="tog", f=flow, i=facts.trained).pack())  # not their team's
    assert other.answer_to(update).show_alert and "✅" not in "".join(other.last.buttons()[:-3])
    await other.tap("✖ Отмена")
    assert other.last.text == "Отменено. Ничего не сохранено."
    assert all(users[facts.trained].full_name not in (m.text or "") for m in other.emu.messages(other_head.tg_id))
    assert await _trainings(sessionmaker) == 1


async def test_an_admin_sees_every_training_and_records_for_anyone(demo, sessionmaker) -> None:
    runner, facts, users, head, _colleague, _other_head, stranger = demo
    await _record(sessionmaker, head, facts, [facts.trained])
    admin = Person(runner, ADMIN_TG, "Admin")  # an admin from ADMIN_IDS, in English
    await admin.say("/start")
    [listing] = await admin.say("/training")
    assert listing.text.startswith("🎓 Trainings: 1.")
    new = await admin.tap(listing.buttons()[0])
    text = "\n".join(m.text for m in [admin.emu.message(ADMIN_TG, listing.message_id), *new] if m.kind == "text")
    assert f"Took part: {users[facts.trained].full_name}." in text and "✅ Improved" in text and "the others" in text
    assert [m.caption for m in new if m.kind == "photo"] == [
        "Before and after the training: those who took part against colleagues who did not."]
    await admin.say("/training")
    await admin.tap("➕ Record a training")
    await admin.tap("Yesterday")
    await admin.say("Cold calls")
    names = admin.last.buttons()
    assert f"▫️ {users[stranger].full_name}" in names and f"▫️ {users[facts.trained].full_name}" in names  # both teams
