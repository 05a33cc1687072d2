"""/report for each role through the real dispatcher: period, scope, text, charts and the XLSX export;
forged scopes, managers and periods change nothing and reveal nothing."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta, timezone

import openpyxl
import pytest
from sqlalchemy import func, select

from db.models import Export, Kind, Outcome, Role
from handlers.callbacks import RepCb
from tests.e2e.harness import Person, seed_user
from tests.e2e.test_digest import _done

UTC = timezone.utc
ANNA, BORIS, OLGA, HELEN, ADMIN = 2001, 2002, 2003, 4000, 4100
MONDAY = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # the clock is Friday 27 November, 11:00 Moscow


@pytest.fixture
async def company(ladon, sessionmaker):
    anna = await seed_user(sessionmaker, ANNA, "Anna")
    boris = await seed_user(sessionmaker, BORIS, "Boris")
    olga = await seed_user(sessionmaker, OLGA, "Olga <script>", team="Other")
    await seed_user(sessionmaker, HELEN, "Helen", role=Role.HEAD, language="ru")
    await seed_user(sessionmaker, ADMIN, "Admin", role=Role.ADMIN, team=None)
    for n in range(3):
        await _done(sessionmaker, anna, f"Вектор {n}", MONDAY + timedelta(days=n), amount=100_000_00)
    await _done(sessionmaker, anna, "=HYPERLINK(\"x\")", MONDAY, kind=Kind.CALL, outcome=Outcome.REFUSED)
    await _done(sessionmaker, boris, "Ромашка", MONDAY + timedelta(days=1), kind=Kind.CALL, outcome=Outcome.THINKING)
    await _done(sessionmaker, olga, "Альфа", MONDAY, amount=777_000_00)
    return ladon


async def test_a_head_reports_on_their_team_with_charts_and_an_excel_file(company, sessionmaker) -> None:
    helen = Person(company, HELEN, "Helen", language="ru")
    await helen.say("/start")
    [ask] = await helen.menu("📊 Отчёты")
    assert "За какой период?" in ask.text
    await helen.tap("Эта неделя")
    scope = helen.last
    assert scope.text == "📊 Отчёт: 23—27 нояб. 2026\u202fг.\nПо кому?"
    buttons = scope.buttons()
    assert "👥 Команда: Sales" in buttons and "🏢 Вся компания" not in buttons and "👥 Команда: Other" not in buttons
    new = await helen.tap("👥 Команда: Sales")
    text = "\n".join(m.text for m in [helen.emu.message(HELEN, scope.message_id), *new] if m.kind == "text")
    assert "Отчёт: команда «Sales», 23—27 нояб. 2026" in text
    assert "Контактов: 5" in text and "✅ Сделок: 3 на 300\u00a0000\u00a0₽, в среднем 100\u00a0000\u00a0₽" in text
    assert "Olga" not in text and "777" not in text
    assert "Пока мало встреч, чтобы судить (меньше 20): Anna, Boris." in text
    album = [m for m in new if m.kind == "photo"]
    assert len(album) >= 3 and len({m.media_group_id for m in album}) == 1
    assert all(len(m.caption) <= 1024 for m in album)
    assert "Итоги контактов по каждому менеджеру" in "\n".join(m.caption for m in album)

    before = len(helen.emu.messages(HELEN))
    [document] = await helen.tap("📥 Excel")
    assert document.kind == "document" and document.file.file_name == "ladon-команда-Sales-2026-11-23-2026-11-27.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(document.file.data))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "Менеджер" and [r[0] for r in rows[1:]] == ["Anna", "Boris"]
    anna = rows[1]
    assert anna[rows[0].index("Сделки")] == 3 and anna[rows[0].index("Сумма сделок, ₽")] == 300_000
    assert rows[0].count("Встречи") == 1 and anna[rows[0].index("Конверсия")] is not None
    # nobody has checked in: no "Отметки" sheet of zeros (nor a check-in block in the text)
    assert [w.title for w in book.worksheets] == ["Менеджеры", "Причины отказов", "По дням", "По неделям"]
    assert "📍" not in text
    by_day = list(book.worksheets[2].iter_rows(values_only=True))
    assert by_day[1][0].date() == date(2026, 11, 23) and by_day[1][1] == "Anna"
    weeks = list(book.worksheets[3].iter_rows(values_only=True))
    assert [(r[0].date(), r[1], r[-2]) for r in weeks[1:]] == [(date(2026, 11, 23), "Anna", 3), (date(2026, 11, 23), "Boris", 0)]
    assert len(helen.emu.messages(HELEN)) == before + 1
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Export)) == 1


async def test_a_manager_sees_only_themselves_and_forged_buttons_reveal_nothing(company, sessionmaker) -> None:
    anna = Person(company, ANNA, "Anna")
    await anna.say("/start")
    [ask] = await anna.say("/report")
    assert "📊 Reports" not in sum(anna.emu.reply_keyboard(ANNA), [])  # not in a manager's menu
    new = await anna.tap("This week")
    text = anna.emu.message(ANNA, ask.message_id).text
    assert "Report: you," in text and "Contacts: 4" in text and "Boris" not in text
    assert "📥 Excel" not in anna.emu.message(ANNA, ask.message_id).buttons()
    # her charts are about her alone: no caption compares "per manager"
    captions = [m.caption for m in new if m.kind == "photo"]
    assert captions and not any("manager" in c for c in captions)
    seen = len(anna.emu.messages(ANNA))
    async with sessionmaker() as session:
        from db.models import User

        boris_id = await session.scalar(select(User.id).where(User.tg_id == BORIS))
    for forged in (
        RepCb(a="s", p="week", s="mgr", i=boris_id),  # a colleague
        RepCb(a="s", p="week", s="all"),  # everyone
        RepCb(a="s", p="week", s="team", i=1),
        RepCb(a="x", p="week", s="me"),  # an export
    ):
        update = await anna.press_raw(ask, forged.pack())
        answer = anna.answer_to(update)
        assert answer is not None and answer.show_alert
    for bad_period in ("r20991231-20990101", "r20260101-20271231", "rabcdefgh-20261101", "forever"):
        update = await anna.press_raw(ask, RepCb(a="s", p=bad_period, s="me").pack())
        assert "no longer active" in anna.answer_to(update).text
    assert len(anna.emu.messages(ANNA)) == seen  # nothing was sent, nothing revealed
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Export)) == 0


async def test_a_head_cannot_reach_another_team_s_manager(company, sessionmaker) -> None:
    helen = Person(company, HELEN, "Helen", language="ru")
    await helen.say("/start")
    [ask] = await helen.say("/report")
    async with sessionmaker() as session:
        from db.models import Team, User

        olga_id = await session.scalar(select(User.id).where(User.tg_id == OLGA))
        other = await session.scalar(select(Team.id).where(Team.name == "Other"))
    for forged in (RepCb(a="s", p="week", s="mgr", i=olga_id), RepCb(a="s", p="week", s="team", i=other),
                   RepCb(a="x", p="week", s="mgr", i=olga_id), RepCb(a="s", p="week", s="all")):
        update = await helen.press_raw(ask, forged.pack())
        assert helen.answer_to(update).text == "Не найдено или недоступно вам."
    assert all("Olga" not in (m.text or "") for m in helen.emu.messages(HELEN))


async def test_an_admin_picks_a_range_on_the_calendar_and_one_manager(company) -> None:
    admin = Person(company, ADMIN, "Admin")
    await admin.say("/start")
    await admin.say("/report")
    await admin.tap("📅 Pick the days")
    assert "first and the last day" in admin.last.text
    await admin.tap("24")
    assert "First day: November 24, 2026" in admin.last.text and "[24]" in admin.last.buttons()
    await admin.tap("23")  # the last day may come first: the range is put in order
    assert "Nov 23 – 24, 2026" in admin.last.text.replace("\u2009", " ")
    assert "🏢 Everyone" in admin.last.buttons() and "👥 Team: Other" in admin.last.buttons()
    await admin.tap("👤 One manager")
    picker = admin.last
    assert picker.buttons()[:3] == ["Anna", "Boris", "Olga <script>"]
    await admin.tap("Olga <script>")
    report = admin.emu.message(ADMIN, picker.message_id).text  # the picker became the report
    assert "Report: Olga <script>, Nov 23 – 24, 2026" in report.replace("\u2009", " ") and "777,000" in report


async def test_a_month_s_report_shows_each_plan_done_so_far_and_what_a_day_must_bring(company, sessionmaker, clock) -> None:
    from db.repositories.plans import PlanRepository

    async with sessionmaker() as session:
        from db.models import User

        helen_user = await session.scalar(select(User).where(User.tg_id == HELEN))
        anna_id = await session.scalar(select(User.id).where(User.tg_id == ANNA))
        await PlanRepository(session, helen_user).set(date(2026, 11, 1), user_id=anna_id, amount_minor=500_000_00, now=clock())
        await session.commit()
    helen = Person(company, HELEN, "Helen", language="ru")
    await helen.say("/start")
    [ask] = await helen.say("/report")
    await helen.tap("Этот месяц")
    await helen.tap("👥 Команда: Sales")
    text = helen.emu.message(HELEN, ask.message_id).text
    # 300,000 of 500,000 done; two working days left (27 and 30 November): 100,000 a day
    assert "📅 план 500\u00a0000\u00a0₽, выполнено 60% · нужно 100\u00a0000\u00a0₽ в рабочий день" in text
    anna = text[text.index("По менеджерам"):]
    assert "📅 план 500\u00a0000\u00a0₽, выполнено 60%" in anna
    [ask] = await helen.say("/report")
    await helen.tap("Эта неделя")
    await helen.tap("👥 Команда: Sales")
    assert "📅 план" not in helen.emu.message(HELEN, ask.message_id).text  # a week is not a month's plan


async def test_one_manager_s_single_day_comes_as_text_without_charts(company) -> None:
    admin = Person(company, ADMIN, "Admin")
    await admin.say("/start")
    await admin.say("/report")
    await admin.tap("📅 Pick the days")
    await admin.tap("23")
    await admin.tap("[23]")  # the same day again: Monday alone, when Anna met a client and refused another
    await admin.tap("👤 One manager")
    picker = admin.last
    new = await admin.tap("Anna")
    report = admin.emu.message(ADMIN, picker.message_id).text
    assert "Report: Anna, November 23, 2026" in report and "Contacts: 2" in report
    assert [m for m in new if m.kind == "photo"] == []  # a bar per chart would say nothing more
    await admin.say("/report")
    await admin.tap("📅 Pick the days")
    await admin.tap("23")
    await admin.tap("24")
    await admin.tap("👤 One manager")
    new = await admin.tap("Anna")
    assert [m for m in new if m.kind == "photo"]  # two days of her: the charts come
