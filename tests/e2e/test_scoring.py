"""The nightly scores as people see them: the best next contacts in the morning plan, a line on the
client card with the reasons in words, and "not enough history" when the model judged nobody."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from db.models import Kind
from db.repositories import ClientRepository, InteractionRepository
from db.repositories.scoring import ScoringRepository
from tests.e2e.harness import Person, seed_user

UTC = timezone.utc
ANNA, BORIS = 2001, 2002
MORNING = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)  # Friday, 09:00 in Moscow

REASONS = {
    "Gamma": [{"f": "last_agreed", "v": "0-90", "pull": 1.1}, {"f": "industry", "v": "retail", "pull": 0.4}],
    "Vector": [{"f": "last_agreed", "v": "0-90", "pull": 0.9}, {"f": "silence", "v": "31-90", "pull": -0.5},
               {"f": "city", "v": "Tula", "pull": -0.3}],
    "Alpha": [{"f": "last_refusal", "v": "has_supplier", "pull": -0.8}, {"f": "kind", "v": "meeting", "pull": 0.4}],
    "Beta": [{"f": "silence", "v": "90+", "pull": -1.0}],
    "Zeta": [{"f": "industry", "v": "food", "pull": 0.9}],
}
CHANCES = {"Gamma": 0.81, "Vector": 0.64, "Alpha": 0.4, "Beta": 0.12, "Zeta": 0.95}


@pytest.fixture
async def world(ladon, sessionmaker, clock):
    clock.now = MORNING
    anna = await seed_user(sessionmaker, ANNA, "Anna")
    boris = await seed_user(sessionmaker, BORIS, "Boris")
    clients = {}
    async with sessionmaker() as session:
        for owner, name, kind, days in ((anna, "Vector", Kind.MEETING, 0), (anna, "Alpha", Kind.CALL, 1),
                                        (anna, "Beta", Kind.CALL, 3), (anna, "Gamma", Kind.MEETING, 4),
                                        (boris, "Zeta", Kind.MEETING, 0)):
            client = await ClientRepository(session, owner).create(name)
            await InteractionRepository(session, owner).plan(
                client_id=client.id, kind=kind, planned_at=MORNING + timedelta(days=days, hours=5))
            clients[name] = client
        await session.commit()
    ladon.emu.add_user(ANNA, "Anna", language_code="en")
    ladon.emu.add_user(BORIS, "Boris", language_code="en")
    return Person(ladon, ANNA, "Anna"), clients


async def _score(sessionmaker, clients, clock) -> None:
    async with sessionmaker() as session:
        rows = [{"client_id": clients[name].id, "probability": p, "reasons": REASONS[name]} for name, p in CHANCES.items()]
        await ScoringRepository(session).replace(rows, "logit test", clock())
        await session.commit()


async def _morning(ladon, chat_id: int) -> str:
    await ladon.reminders.tick()
    [morning] = [m for m in ladon.emu.messages(chat_id) if "Good morning" in (m.text or "")]
    return morning.text


async def test_the_morning_plan_names_the_best_next_contacts(world, ladon, sessionmaker, clock) -> None:
    _anna, clients = world
    await _score(sessionmaker, clients, clock)
    text = await _morning(ladon, ANNA)
    block = text[text.index("⭐ Best next contacts"):]
    lines = block.splitlines()[1:]
    assert len(lines) == 3  # the top three of her own plans; Beta (12%) waits, Boris's Zeta is not hers
    assert lines[0].startswith("1. Gamma") and "81%" in lines[0] and "(agreed within the last 3 months)" in lines[0]
    assert lines[1].startswith("2. Vector") and "64%" in lines[1] and "Fri, 27 Nov, 14:00" in lines[1]
    # the main reason of a likely yes is what lifts it; of a doubtful one, whatever pulls at all
    assert lines[2].startswith("3. Alpha") and "40%" in lines[2] and "(next step: 🤝 Meeting)" in lines[2]
    assert "Beta" not in block and "Zeta" not in text
    boris = await _morning(ladon, BORIS)
    assert "1. Zeta" in boris and "95%" in boris and "food: clients often agree" in boris


async def test_the_client_card_says_the_chance_and_why(world, sessionmaker, clock) -> None:
    anna, clients = world
    await _score(sessionmaker, clients, clock)
    await anna.say("/start")
    await anna.menu("🔎 Clients")
    [found] = await anna.say("vect")
    [card] = await anna.tap("Vector", found)
    assert ("📈 Chance the next offer is accepted: 64% (agreed within the last 3 months; "
            "no contact for over a month; Tula: clients seldom agree)") in card.text
    assert card.text.index("Next step") < card.text.index("📈")
    await anna.menu("🔎 Clients")
    [found] = await anna.say("alph")
    [card] = await anna.tap("Alpha", found)
    assert "40% (refused before: Already has a supplier; next step: 🤝 Meeting)" in card.text


async def test_below_the_minimum_history_it_says_so_instead_of_guessing(world, ladon, sessionmaker, clock) -> None:
    anna, clients = world
    text = await _morning(ladon, ANNA)
    assert "Vector" in text and "Best next contacts" not in text
    await anna.say("/start")
    await anna.menu("🔎 Clients")
    [found] = await anna.say("vect")
    [card] = await anna.tap("Vector", found)
    assert "📈 Chance the next offer is accepted: not enough history yet to judge" in card.text
    # once the model judges anyone, a step planned since its run waits for the night
    async with sessionmaker() as session:
        await ScoringRepository(session).replace(
            [{"client_id": clients["Zeta"].id, "probability": 0.9, "reasons": []}], "logit test", clock())
        await session.commit()
    await anna.menu("🔎 Clients")
    [found] = await anna.say("vect")
    [card] = await anna.tap("Vector", found)
    assert "📈 Chance the next offer is accepted: judged overnight" in card.text
