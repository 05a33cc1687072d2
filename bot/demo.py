"""Demo data for the sandbox: a small sales team with clients, history and plans."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import ClientStatus, Kind, Outcome, Role
from db.repositories import ClientRepository, InteractionRepository, UserRepository
from db.repositories.interactions import NextStep
from reports.dates import at_local, local_today

TEAM = "Продажи"
# tg id -> name: colleagues one can act as in the sandbox (`:as 9001`)
MANAGERS = {9001: "Ирина Петрова", 9002: "Олег Кузнецов"}
# name, status, (days ago, kind, outcome, amount in roubles) of a past contact or None
CLIENTS = (
    ("ООО «Ромашка»", ClientStatus.LEAD, (2, Kind.CALL, Outcome.THINKING, None)),
    ("АО «Вектор»", ClientStatus.ACTIVE, (1, Kind.MEETING, Outcome.AGREED, 150_000)),
    ("«Ёлки-Палки»", ClientStatus.LEAD, (4, Kind.CALL, Outcome.NO_ANSWER, None)),
    ("ИП Смирнов", ClientStatus.LEAD, (3, Kind.EMAIL, Outcome.REVISED_OFFER, None)),
    ("ООО «Северный ветер»", ClientStatus.LEAD, None),
    ("ЗАО «Техностиль»", ClientStatus.LOST, (6, Kind.MEETING, Outcome.THINKING, None)),
)


async def seed_demo(
    sessionmaker: async_sessionmaker[AsyncSession],
    admin_tg_id: int,
    now: datetime,
    *,
    name: str = "Алексей",
    language: str = "ru",
    timezone: str = "Europe/Moscow",
) -> None:
    """The person becomes an admin in the team with demo colleagues, clients, history and plans."""
    today = local_today(now, timezone)
    async with sessionmaker() as session:
        users = UserRepository(session)
        team = await users.team_by_name(TEAM)
        me = await users.create(tg_id=admin_tg_id, full_name=name, username=None, role=Role.ADMIN,
                                team_id=team.id, timezone=timezone, language=language)
        colleagues = [
            await users.create(tg_id=tg_id, full_name=full, username=None, role=Role.MANAGER,
                               team_id=team.id, timezone=timezone, language=language)
            for tg_id, full in MANAGERS.items()
        ]
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
        # a colleague's client: an admin sees the whole team's clients
        await ClientRepository(session, colleagues[0]).create("ООО «Альфа-Строй»")
        await session.commit()


def _birthday_soon(today: date) -> date:
    """In three days, so the card shows a birthday worth greeting for."""
    soon = today + timedelta(days=3)
    return soon.replace(year=1985) if (soon.month, soon.day) != (2, 29) else date(1985, 3, 1)
