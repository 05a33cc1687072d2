"""/forecast and /forecast accuracy through the real dispatcher, for each role."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from db.models import Kind, Outcome, Role
from db.repositories import ClientRepository, InteractionRepository, UserRepository
from db.repositories.plans import PlanRepository
from tests.e2e.harness import Person, seed_user

UTC = timezone.utc
ANNA, BORIS, HELEN = 2001, 2002, 4000


@pytest.fixture
async def team(ladon, sessionmaker, clock):
    """Anna: 30 meetings over the last six weeks, six of them deals of 100,000; Boris: nothing yet.
    Anna's plan for November: 500,000."""
    anna = await seed_user(sessionmaker, ANNA, "Anna")
    await seed_user(sessionmaker, BORIS, "Boris")
    helen = await seed_user(sessionmaker, HELEN, "Helen", role=Role.HEAD, language="ru")
    async with sessionmaker() as session:
        client = await ClientRepository(session, anna).create("Вектор")
        repo = InteractionRepository(session, anna)
        day = datetime(2026, 10, 14, 8, 0, tzinfo=UTC)
        for n in range(30):
            while day.weekday() >= 5:
                day += timedelta(days=1)
            item = await repo.log(now=day, client_id=client.id, kind=Kind.MEETING,
                                  outcome=Outcome.AGREED if n % 5 == 0 else Outcome.THINKING,
                                  amount_minor=100_000_00 if n % 5 == 0 else None)
            item.happened_at = day
            day += timedelta(days=1)
        await PlanRepository(session, helen).set(datetime(2026, 11, 1).date(), user_id=anna.id,
                                                 amount_minor=500_000_00, now=clock())
        await session.commit()
    return ladon


async def test_a_head_sees_the_month_its_factors_and_a_chart(team) -> None:
    helen = Person(team, HELEN, "Helen", language="ru")
    await helen.say("/start")
    answer = await helen.say("/forecast")
    text = "\n".join(m.text for m in answer if m.kind == "text")
    assert text.startswith("🔮 Прогноз на ноябрь 2026 · осталось рабочих дней: 2 из 20")
    assert "Вся команда: факт" in text  # a head's scope is their team
    assert "÷ встреч на одну сделку × средняя сделка" in text  # the footer reckons as the lines read
    anna = text[text.index("Anna:"):text.index("Boris:")]
    assert "план 500\u00a0000\u00a0₽, шанс" in anna and "нужно 100\u00a0000\u00a0₽ в рабочий день" in anna and "встреч на одну сделку: 5 · средняя сделка 100\u00a0000\u00a0₽" in anna
    boris = text[text.index("Boris:"):]
    assert "(по цифрам команды: своей истории пока мало)" in boris
    [chart] = [m for m in answer if m.kind == "photo"]
    assert chart.file.data[:8] == b"\x89PNG\r\n\x1a\n" and len(chart.caption) <= 1024
    assert "и план" in chart.caption  # Anna has one
    [short] = await helen.say("/forecast accuracy")
    assert "Истории пока мало" in short.text


async def test_a_manager_sees_only_their_own_forecast(team) -> None:
    anna = Person(team, ANNA, "Anna")
    await anna.say("/start")
    answer = await anna.say("/forecast")
    text = "\n".join(m.text for m in answer if m.kind == "text")
    assert "Anna: done" in text and "plan 500,000\u00a0₽" in text
    assert "Boris" not in text and "The team" not in text


async def test_a_forecast_without_a_plan_promises_none_on_its_chart(team) -> None:
    boris = Person(team, BORIS, "Boris")
    await boris.say("/start")
    answer = await boris.say("/forecast")
    [chart] = [m for m in answer if m.kind == "photo"]
    assert "plan" not in chart.caption and "forecast to its end" in chart.caption


async def test_accuracy_on_a_company_with_history(ladon, sessionmaker, clock) -> None:
    from bot.demo_data import generate

    await generate(sessionmaker, clock(), managers=8, months=8, seed=2)
    await seed_user(sessionmaker, 4100, "Admin", role=Role.ADMIN, team=None)
    admin = Person(ladon, 4100, "Admin")
    await admin.say("/start")
    answer = await admin.say("/forecast accuracy")
    text = "\n".join(m.text for m in answer if m.kind == "text")
    assert "How right the forecast has been" in text
    assert "Made at the month's start: accuracy" in text and "Made at the month's middle: accuracy" in text
    assert "By manager" in text
    [chart] = [m for m in answer if m.kind == "photo"]
    assert chart.caption.startswith("Accuracy of the forecast each month")
