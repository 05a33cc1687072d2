"""The sandbox's data: the demo company of bot.demo_data, and the person at the keyboard as its
admin with a desk of their own (clients, a meeting today, a call tomorrow, a birthday soon)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.demo_data import PATTERNS, DemoFacts, generate
from bot.scoring import train_and_score
from db.models import ClientStatus, Kind, Outcome, Role, Team, User
from db.repositories import ClientRepository, InteractionRepository, UserRepository
from db.repositories.interactions import NextStep
from db.repositories.trainings import TrainingRepository
from reports.dates import at_local, local_today

# 18 months take about 6 s to load at every start; half a year still carries the planted
# patterns, the digest's usual levels and a quarter for the weekly report, in about 2.5 s
MONTHS = 6
TRAINING_TOPIC = "Работа с возражениями"  # the demo company is generated in Russian
# name, status, (days ago, kind, outcome, amount in roubles) of a past contact or None
CLIENTS = (
    ("ООО «Ромашка»", ClientStatus.LEAD, (2, Kind.CALL, Outcome.THINKING, None)),
    ("АО «Вектор»", ClientStatus.ACTIVE, (1, Kind.MEETING, Outcome.AGREED, 150_000)),
    ("«Ёлки-Палки»", ClientStatus.LEAD, (4, Kind.CALL, Outcome.NO_ANSWER, None)),
    ("ИП Смирнов", ClientStatus.LEAD, (3, Kind.EMAIL, Outcome.REVISED_OFFER, None)),
    ("ООО «Северный ветер»", ClientStatus.LEAD, None),
    ("ЗАО «Техностиль»", ClientStatus.LOST, (6, Kind.MEETING, Outcome.THINKING, None)),
)


@dataclass(frozen=True)
class Colleague:
    """Someone of the demo company the person can act as (`:as tg_id`)."""

    tg_id: int
    name: str
    role: Role
    about: str  # "head of Продажи Москва", or what a manager's records show
    planted: bool = False


async def seed_sandbox(
    sessionmaker: async_sessionmaker[AsyncSession],
    admin_tg_id: int,
    now: datetime,
    *,
    name: str = "Алексей",
    language: str = "ru",
    timezone: str = "Europe/Moscow",
) -> list[Colleague]:
    """The demo company, and the person as an admin who sees all of it (no team: admins from
    ADMIN_IDS have none either). Returns the heads, the managers with a planted pattern, the rest."""
    facts = await generate(sessionmaker, now, months=MONTHS)
    async with sessionmaker() as session:
        # generated in Russian; acting as one of them, the person keeps the sandbox's language
        await session.execute(update(User).where(User.id.in_(list(facts.names))).values(language=language))
        teams = [(await session.get(Team, team_id)).name for team_id in facts.team_ids]
        me = await UserRepository(session).create(tg_id=admin_tg_id, full_name=name, username=None, role=Role.ADMIN,
                                                  team_id=None, timezone=timezone, language=language)
        await _desk(session, me, now, timezone)
        # the training the history plants an effect of, recorded by the trained manager's head: /training shows it
        trained = await session.get(User, facts.trained)
        head = await session.get(User, facts.head_ids[facts.team_ids.index(trained.team_id)])
        await TrainingRepository(session, head).record(facts.training_date, TRAINING_TOPIC, [trained.id], now)
        await session.commit()
    # the night's scores, so the cards and the morning plan show them from the start (about a second)
    await train_and_score(sessionmaker, now)
    return _colleagues(facts, teams)


def _colleagues(facts: DemoFacts, teams: list[str]) -> list[Colleague]:
    people = [Colleague(facts.tg_ids[head], facts.names[head], Role.HEAD, f"head of {team}")
              for head, team in zip(facts.head_ids, teams)]
    people += [Colleague(facts.tg_ids[manager], facts.names[manager], Role.MANAGER, f"manager: {PATTERNS[pattern]}",
                         planted=True)
               for pattern, manager in facts.planted.items()]
    people += [Colleague(facts.tg_ids[manager], facts.names[manager], Role.MANAGER, "manager")
               for manager in facts.clean]
    return people


async def _desk(session: AsyncSession, me: User, now: datetime, timezone: str) -> None:
    """The person's own clients with history and plans, so /today, /tomorrow and logging are not empty."""
    today = local_today(now, timezone)
    clients = ClientRepository(session, me)
    contacts = InteractionRepository(session, me)
    ids = {}
    # oldest first, so "recent clients" lists the latest contacts on top
    for client_name, status, past in sorted(CLIENTS, key=lambda c: -(c[2] or (99,))[0]):
        client = await clients.create(client_name)
        client.status = status
        ids[client_name] = client.id
        if past:
            days, kind, outcome, amount = past
            await contacts.log(now=now - timedelta(days=days, hours=1), client_id=client.id, kind=kind,
                               outcome=outcome, amount_minor=amount and amount * 100)
    # one planned for today, one for tomorrow: /today and /tomorrow are not empty
    await contacts.plan(client_id=ids["ООО «Ромашка»"], kind=Kind.MEETING,
                        planned_at=at_local(today, timezone, time(15, 0)))
    await contacts.log(now=now - timedelta(days=1), client_id=ids["ИП Смирнов"], kind=Kind.CALL,
                       outcome=Outcome.RESCHEDULED,
                       next_step=NextStep(Kind.CALL, at_local(today + timedelta(days=1), timezone, time(11, 30))))
    await clients.add_contact_person(ids["ООО «Ромашка»"], name="Мария Иванова", position="Директор",
                                     phone="+79123456789", email="maria@romashka.example",
                                     birthday=_birthday_soon(today))
    await clients.add_contact_person(ids["АО «Вектор»"], name="Пётр Сидоров", position="Закупки")


def _birthday_soon(today: date) -> date:
    """In three days, so the card shows a birthday worth greeting for."""
    soon = today + timedelta(days=3)
    return soon.replace(year=1985) if (soon.month, soon.day) != (2, 29) else date(1985, 3, 1)
