"""/plan: heads set monthly plans typed, copied or from a sheet; managers see their own; forged
buttons and bad sheets change nothing."""

from __future__ import annotations

import io

import openpyxl
import pytest
from sqlalchemy import select

from db.models import Role, SalesPlan, Team, User
from handlers.callbacks import SalesPlanCb
from tests.e2e.harness import Person, seed_user

ANNA, BORIS, OLGA, HELEN = 2001, 2002, 2003, 4000


@pytest.fixture
async def team(ladon, sessionmaker):
    await seed_user(sessionmaker, ANNA, "Anna")
    await seed_user(sessionmaker, BORIS, "Boris")
    await seed_user(sessionmaker, OLGA, "Olga", team="Other")
    await seed_user(sessionmaker, HELEN, "Helen", role=Role.HEAD, language="ru")
    return ladon


async def _plans(sessionmaker) -> dict[tuple[str, str], tuple]:
    async with sessionmaker() as session:
        names = {u.id: u.tg_id for u in await session.scalars(select(User))}
        teams = {t.id: t.name for t in await session.scalars(select(Team))}
        return {
            (str(p.month), str(names.get(p.user_id) or teams.get(p.team_id))): (p.amount_minor, p.deals, p.meetings)
            for p in await session.scalars(select(SalesPlan))
        }


async def test_a_head_types_plans_copies_them_and_a_manager_sees_only_theirs(team, sessionmaker) -> None:
    helen = Person(team, HELEN, "Helen", language="ru")
    await helen.say("/start")
    [screen] = await helen.say("/plan")
    assert screen.text.startswith("🎯 Планы продаж на ноябрь 2026")
    assert "• Anna: не задан" in screen.text and "Olga" not in screen.text
    assert "✏️ Olga" not in screen.buttons() and "✏️ Команда «Other»" not in screen.buttons()
    [ask] = await helen.tap("✏️ Anna", screen)
    assert "План на ноябрь 2026: Anna" in ask.text
    [error] = await helen.say("пятьсот")
    assert "Не получается прочитать план" in error.text
    [saved] = await helen.say("500 000 / 10 / 40")
    assert saved.text.startswith("Сохранено.") and "• Anna: 500\u00a0000\u00a0₽ · сделок: 10 · встреч: 40" in saved.text
    await helen.tap("✏️ Команда «Sales»", saved)
    await helen.say("1,5 млн")
    assert (await _plans(sessionmaker)) == {
        ("2026-11-01", str(ANNA)): (500_000_00, 10, 40), ("2026-11-01", "Sales"): (1_500_000_00, None, None),
    }
    # December: copy November's in one tap, after a preview
    await helen.tap("Декабрь 2026 ›", helen.last)
    [preview] = await helen.tap("📋 Скопировать планы за ноябрь 2026", helen.last)
    assert "планов — 2, новых или изменённых — 2" in preview.text and "• Anna: не задан → 500\u00a0000\u00a0₽" in preview.text
    await helen.tap("✅ Применить", preview)
    plans = await _plans(sessionmaker)
    assert plans[("2026-12-01", str(ANNA))] == (500_000_00, 10, 40) and len(plans) == 4

    anna = Person(team, ANNA, "Anna")
    await anna.say("/start")
    [own] = await anna.say("/plan")
    assert "• Anna: 500,000\u00a0₽ · deals: 10 · meetings: 40" in own.text
    assert "Boris" not in own.text and "Team Sales" not in own.text and "together" not in own.text and not [b for b in own.buttons() if "✏️" in b]
    async with sessionmaker() as session:
        boris = await session.scalar(select(User.id).where(User.tg_id == BORIS))
        olga = await session.scalar(select(User.id).where(User.tg_id == OLGA))
    update = await anna.press_raw(own, SalesPlanCb(a="edit", m="202611", u=boris).pack())
    assert anna.answer_to(update).show_alert
    update = await helen.press_raw(screen, SalesPlanCb(a="edit", m="202611", u=olga).pack())
    assert helen.answer_to(update).text == "Не найдено или у вас нет прав на изменение."
    update = await helen.press_raw(screen, SalesPlanCb(a="show", m="203001").pack())
    assert helen.answer_to(update).show_alert  # a month no screen offers
    assert len(await _plans(sessionmaker)) == 4


def _sheet(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["ID", "Manager", "Sum", "Deals", "Meetings"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def test_a_sheet_of_plans_is_previewed_applied_whole_or_refused_with_its_rows(team, sessionmaker) -> None:
    async with sessionmaker() as session:  # this time in English
        (await session.scalar(select(User).where(User.tg_id == HELEN))).language = "en"
        await session.commit()
    helen = Person(team, HELEN, "Helen")
    await helen.say("/start")
    [screen] = await helen.say("/plan")
    [template] = await helen.tap("📤 Sheet to fill in", screen)
    book = openpyxl.load_workbook(io.BytesIO(template.file.data))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0] == ("ID", "Manager", "Sum of deals, ₽", "Deals", "Meetings")
    ids = {name: uid for uid, name, *_ in rows[1:]}
    assert set(ids) == {"Anna", "Boris"}
    async with sessionmaker() as session:
        olga = await session.scalar(select(User.id).where(User.tg_id == OLGA))

    await helen.tap("📥 Upload a sheet", screen)
    [wrong] = await helen.send("document", file_name="plans.pdf")
    assert "send an .xlsx file" in wrong.text
    [broken] = await helen.send("document", file_name="plans.xlsx", data=b"not a zip at all")
    assert "cannot be read as an Excel sheet" in broken.text
    bad = _sheet([[ids["Anna"], "Anna", 400000, 2.5, 30], [olga, "Olga", 1, None, None], [ids["Boris"], "Boris", "много", None, None],
                  [ids["Anna"], "Anna again", 5, None, None]])
    refused = await helen.send("document", file_name="plans.xlsx", data=bad)
    text = "\n".join(m.text for m in refused)
    assert "Nothing was applied" in text
    assert f"Row 3: no manager of yours has the ID «{olga}»." in text
    assert "Row 4: «много» is not a sum." in text and "Row 5: this manager is already in row 2." in text
    assert "Row 2: «2.5» is not a whole number." in text
    assert await _plans(sessionmaker) == {}

    good = _sheet([[ids["Anna"], "Anna", 400000, 8, 30], [ids["Boris"], "Boris", "350 000,50", None, None], [None, None, None, None, None]])
    [preview] = await helen.send("document", file_name="plans.xlsx", data=good)
    assert "November 2026: 2 plans, 2 of them new or changed." in preview.text
    assert "• Boris: not set → 350,000.5\u00a0₽" in preview.text
    assert await _plans(sessionmaker) == {}  # a preview changes nothing
    await helen.tap("✅ Apply", preview)
    assert await _plans(sessionmaker) == {
        ("2026-11-01", str(ANNA)): (400_000_00, 8, 30), ("2026-11-01", str(BORIS)): (350_000_50, None, None),
    }
    update = await helen.press_raw(preview, SalesPlanCb(a="apply", m="202611").pack())
    assert "no longer active" in helen.answer_to(update).text  # applied once
