"""`python -m bot demo-data`: a realistic company, the same for a seed, with the planted patterns
really in the records (counted here with plain queries, not with the analytics under test)."""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import phonenumbers
import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.demo_data import HEAD_TG, TG_BASE, WORK_HOURS, DemoDataError, NotEmpty, generate
from db.engine import create_engine, create_sessionmaker
from db.models import (
    Client,
    ClientStatus,
    ContactPerson,
    Interaction,
    Kind,
    Outcome,
    RefusalReason,
    Role,
    Status,
    Team,
    User,
)
from db.repositories import ClientRepository, InteractionRepository, UserRepository
from handlers.parsing import parse_inn
from reports.workdays import WorkCalendar

SMALL = {"managers": 8, "months": 6}  # enough meetings for every pattern to show


async def _rows(sessionmaker, model) -> list:
    async with sessionmaker() as session:
        return list(await session.scalars(select(model).order_by(model.id)))


async def _snapshot(sessionmaker) -> dict[str, list[tuple]]:
    """Every row of what the demo data fills, as plain values."""
    snapshot = {}
    async with sessionmaker() as session:
        for model in (Team, User, Client, ContactPerson, Interaction):
            table = model.__table__
            snapshot[table.name] = [tuple(row) for row in await session.execute(select(table).order_by(table.c.id))]
    return snapshot


async def test_the_same_seed_gives_the_same_company(sessionmaker, sqlite_template, tmp_path, clock) -> None:
    first = await generate(sessionmaker, clock(), seed=7, **SMALL)
    # a second, empty SQLite database: the same rows, whichever backend the first one was
    engine = create_engine(sqlite_template.copy_to(tmp_path / "second.db"))
    try:
        other = create_sessionmaker(engine)
        second = await generate(other, clock(), seed=7, **SMALL)
        assert second == first
        assert await _snapshot(other) == await _snapshot(sessionmaker)
    finally:
        await engine.dispose()
    engine = create_engine(sqlite_template.copy_to(tmp_path / "third.db"))
    try:
        third = await generate(create_sessionmaker(engine), clock(), seed=8, **SMALL)
        assert third.counts != first.counts
    finally:
        await engine.dispose()


async def test_people_teams_and_counts(sessionmaker, clock) -> None:
    facts = await generate(sessionmaker, clock(), **SMALL)
    users = {u.id: u for u in await _rows(sessionmaker, User)}
    teams = await _rows(sessionmaker, Team)
    assert [t.id for t in teams] == list(facts.team_ids)
    assert {t.name for t in teams} == {"Продажи Москва", "Продажи Регионы"}
    heads = [users[h] for h in facts.head_ids]
    assert [(h.role, h.team_id, h.tg_id) for h in heads] == [
        (Role.HEAD, t, HEAD_TG + n) for n, t in enumerate(facts.team_ids, 1)
    ]
    managers = [users[m] for m in facts.manager_ids]
    assert [m.tg_id for m in managers] == [TG_BASE + n for n in range(1, 9)]
    assert all(m.role == Role.MANAGER and m.language == "ru" and m.is_active for m in managers)
    assert Counter(m.team_id for m in managers) == {facts.team_ids[0]: 4, facts.team_ids[1]: 4}
    zones = {m.team_id: m.timezone for m in managers}
    assert zones == {facts.team_ids[0]: "Europe/Moscow", facts.team_ids[1]: "Asia/Yekaterinburg"}
    assert len({u.full_name for u in users.values()}) == len(users)
    assert all(re.fullmatch(r"[А-ЯЁ][а-яё]+ [А-ЯЁ][а-яё]+", u.full_name) for u in users.values())
    # six patterns on six distinct managers, the other two clean
    assert len(set(facts.planted.values())) == 6 and set(facts.planted.values()) <= set(facts.manager_ids)
    assert len(facts.clean) == 2
    # the training about half the history back (five months back once the history is long enough)
    assert date(2026, 8, 10) < facts.training_date < date(2026, 9, 10) and facts.training_date.weekday() == 0
    async with sessionmaker() as session:
        interactions = await session.scalar(select(func.count()).select_from(Interaction))
        clients = await session.scalar(select(func.count()).select_from(Client))
    assert interactions == facts.counts["contacts"] and clients == facts.counts["clients"]
    assert 55 * 8 <= clients <= 75 * 8


async def test_clients_persons_and_inns(sessionmaker, clock) -> None:
    facts = await generate(sessionmaker, clock(), **SMALL)
    clients = await _rows(sessionmaker, Client)
    persons = await _rows(sessionmaker, ContactPerson)
    inns = [c.inn for c in clients if c.inn]
    assert len(inns) == len(set(inns)) and len(inns) >= 0.8 * len(clients)
    for client in clients:
        assert client.name.startswith(("ООО «", "АО «", "ИП ")), client.name
        if client.inn:
            assert parse_inn(client.inn) == client.inn  # check digits valid
            assert len(client.inn) == (12 if client.name.startswith("ИП ") else 10)
    assert sum(len(c.inn or "") == 10 for c in clients) > 0.7 * len(clients)
    assert {c.industry for c in clients} == {
        "производство", "розничная торговля", "автомобили и запчасти", "e-commerce и фулфилмент",
        "продукты питания и фреш", "стройматериалы",
    }
    assert all(c.city and c.owner_id in facts.manager_ids for c in clients)
    per_client = Counter(p.client_id for p in persons)
    assert set(per_client) == {c.id for c in clients} and set(per_client.values()) == {1, 2, 3}
    for person in persons:
        number = phonenumbers.parse(person.phone)
        assert person.phone.startswith("+79") and phonenumbers.is_valid_number(number), person.phone
    assert 0.3 < sum(p.email is not None for p in persons) / len(persons) < 0.8
    assert 0.2 < sum(p.birthday is not None for p in persons) / len(persons) < 0.5
    assert all("@" in p.email and p.email.isascii() for p in persons if p.email)


async def test_contacts_on_working_days_in_working_hours(sessionmaker, clock) -> None:
    now = clock()
    facts = await generate(sessionmaker, now, **SMALL)
    zones = {u.id: ZoneInfo(u.timezone) for u in await _rows(sessionmaker, User)}
    calendar = WorkCalendar()
    items = await _rows(sessionmaker, Interaction)
    done = [i for i in items if i.status == Status.DONE]
    assert len(done) == facts.counts["done"] > 8 * 120 * 5
    start, end = WORK_HOURS
    for item in items:
        for moment in (item.planned_at, item.happened_at, item.logged_at, item.created_at):
            assert moment is None or moment.utcoffset() == timedelta(0)
        assert item.created_at <= now
        when = (item.happened_at or item.planned_at).astimezone(zones[item.manager_id])
        assert calendar.is_workday(when.date()), (item.id, when)
        assert start <= when.time() < end, (item.id, when)
    assert not any(i.happened_at.astimezone(zones[i.manager_id]).date() == date(2026, 6, 12) for i in done)
    for item in done:
        assert item.happened_at <= item.logged_at <= now
        assert item.planned_at is None or item.planned_at <= item.happened_at
        if item.outcome == Outcome.REFUSED:
            assert item.refusal_reason_id is not None
        else:
            assert item.refusal_reason_id is None
        assert item.amount_minor is None or item.outcome == Outcome.AGREED and item.amount_minor > 0
        assert (item.outcome is None) == (item.kind == Kind.GREETING)
        assert not (item.kind == Kind.MEETING and item.outcome == Outcome.NO_ANSWER)
    # logging is minutes after a contact, for everyone but the night logger
    delays = [(i.logged_at - i.happened_at).total_seconds() / 60
              for i in done if i.manager_id != facts.night_logger]
    assert statistics.median(delays) < 15 and statistics.quantiles(delays, n=20)[-1] < 90
    # a log-normal spread of deals with a median near 50,000 roubles
    amounts = sorted(i.amount_minor / 100 for i in done if i.amount_minor)
    assert 35_000 < statistics.median(amounts) < 70_000 and amounts[-1] > 5 * statistics.median(amounts)
    meetings = [i for i in done if i.kind == Kind.MEETING]
    assert 0.10 <= sum(i.outcome == Outcome.AGREED for i in meetings) / len(meetings) <= 0.15
    # no contacts at weekends: the days that have some are working days, and most working days have some
    days = {i.happened_at.astimezone(zones[i.manager_id]).date() for i in done}
    assert all(calendar.is_workday(d) for d in days)


async def test_plans_and_next_steps(sessionmaker, clock) -> None:
    now = clock()
    facts = await generate(sessionmaker, now, **SMALL)
    items = await _rows(sessionmaker, Interaction)
    by_id = {i.id: i for i in items}
    planned = [i for i in items if i.status == Status.PLANNED]
    assert all(i.happened_at is None and i.logged_at is None and i.outcome is None for i in planned)
    ahead = [i for i in planned if i.planned_at > now]
    assert {i.manager_id for i in ahead} == set(facts.manager_ids)
    monday_night = now + timedelta(days=3, hours=14)  # now is a Friday morning
    assert sum(i.planned_at < monday_night for i in ahead) >= 2 * 8
    overdue = [i for i in planned if i.planned_at <= now]
    assert 0 < len(overdue) < len(ahead)
    assert any(i.status == Status.CANCELLED for i in items)
    # one open plan per client and manager, as the bot keeps it
    assert max(Counter((i.client_id, i.manager_id) for i in planned).values()) == 1
    chained = [i for i in items if i.next_step_id is not None]
    assert len(chained) > 0.3 * len([i for i in items if i.status == Status.DONE and i.kind == Kind.MEETING])
    for item in chained:
        step = by_id[item.next_step_id]
        assert (step.client_id, step.manager_id) == (item.client_id, item.manager_id)
        assert item.status == Status.DONE and step.planned_at > item.happened_at
        assert step.created_at == item.logged_at  # the next step was made when the contact was logged
    assert len({i.next_step_id for i in chained}) == len(chained)


async def test_client_status_follows_history(sessionmaker, clock) -> None:
    await generate(sessionmaker, clock(), **SMALL)
    clients = await _rows(sessionmaker, Client)
    history = defaultdict(list)
    for item in await _rows(sessionmaker, Interaction):
        if item.status == Status.DONE:
            history[item.client_id].append(item)
    statuses = Counter(c.status for c in clients)
    assert all(statuses[s] > 0.08 * len(clients) for s in ClientStatus)
    for client in clients:
        done = sorted(history[client.id], key=lambda i: i.happened_at)
        agreed = any(i.outcome == Outcome.AGREED for i in done)
        decisive = [i.outcome for i in done if i.outcome not in (None, Outcome.NO_ANSWER)]
        if client.status == ClientStatus.ACTIVE:
            assert agreed, client.name
        elif client.status == ClientStatus.LEAD:
            assert not agreed, client.name
        else:
            assert decisive and decisive[-1] == Outcome.REFUSED, client.name
        assert all(client.created_at <= i.happened_at for i in done)


async def test_planted_patterns(sessionmaker, clock) -> None:
    facts = await generate(sessionmaker, clock(), **SMALL)
    zones = {u.id: ZoneInfo(u.timezone) for u in await _rows(sessionmaker, User)}
    codes = {r.id: r.code for r in await _rows(sessionmaker, RefusalReason)}
    done = defaultdict(list)
    for item in await _rows(sessionmaker, Interaction):
        if item.status == Status.DONE:
            done[item.manager_id].append(item)
    planted = facts.planted

    def share(items, test) -> float:
        return sum(map(test, items)) / len(items)

    def conversion(items) -> tuple[int, int]:
        meetings = [i for i in items if i.kind == Kind.MEETING]
        return sum(i.outcome == Outcome.AGREED for i in meetings), len(meetings)

    def refusals(manager) -> Counter:
        return Counter(codes[i.refusal_reason_id] for i in done[manager] if i.outcome == Outcome.REFUSED)

    # 1, 2: refusals mostly one reason; everyone else's spread over the catalogue
    for pattern in ("budget", "not_interested"):
        reasons = refusals(planted[pattern])
        assert reasons[pattern] / reasons.total() >= 0.6 and reasons.total() >= 40
    for manager in set(facts.manager_ids) - {planted["budget"], planted["not_interested"]}:
        reasons = refusals(manager)
        assert max(reasons.values()) / reasons.total() < 0.4 and len(reasons) == 7, reasons

    # 3: phones instead of visiting, with the same total activity
    phoner = done[planted["phoner"]]
    kinds = Counter(i.kind for i in phoner)
    assert kinds[Kind.MEETING] / len(phoner) <= 0.15 and kinds.most_common(1)[0][0] == Kind.CALL
    for manager in set(facts.manager_ids) - {planted["phoner"]}:
        assert share(done[manager], lambda i: i.kind == Kind.MEETING) > 0.18
    usual = statistics.mean(len(done[m]) for m in facts.clean)
    assert 0.75 < len(phoner) / usual < 1.33

    # 4: late-night batches, hours after the contacts; nobody else logs at night
    def at_night(item) -> bool:
        hour = item.logged_at.astimezone(zones[item.manager_id]).hour
        return hour >= 22 or hour < 2

    night = done[planted["night_logger"]]
    assert share(night, at_night) >= 0.45
    late = [i for i in night if at_night(i)]
    assert statistics.median((i.logged_at - i.happened_at).total_seconds() for i in late) > 4 * 3600
    logged = sorted(i.logged_at for i in late)
    in_batches = sum(1 for a, b in zip(logged, logged[1:]) if b - a < timedelta(minutes=5))
    assert in_batches > 0.7 * len(logged)
    for manager in set(facts.manager_ids) - {planted["night_logger"]}:
        assert not any(map(at_night, done[manager]))

    # 5: conversion rose after the training; clean managers' did not move
    def before_after(manager) -> tuple[float, float]:
        local = lambda i: i.happened_at.astimezone(zones[manager]).date()  # noqa: E731
        (kb, nb), (ka, na) = (
            conversion([i for i in done[manager] if local(i) < facts.training_date]),
            conversion([i for i in done[manager] if local(i) >= facts.training_date]),
        )
        return kb / nb, ka / na

    before, after = before_after(planted["trained"])
    assert before < 0.1 and after > 0.16 and after - before >= 0.08
    for manager in facts.clean:
        before, after = before_after(manager)
        assert abs(after - before) < 0.06

    # 6: the strong one converts about twice as well as the rest, on enough meetings
    star_deals, star_meetings = conversion(done[planted["star"]])
    rest = [i for m in facts.manager_ids if m != planted["star"] for i in done[m]]
    rest_deals, rest_meetings = conversion(rest)
    assert star_meetings >= 150 and star_deals / star_meetings >= 1.6 * rest_deals / rest_meetings
    for manager in facts.clean:
        deals, meetings = conversion(done[manager])
        assert 0.08 <= deals / meetings <= 0.17


async def test_refuses_a_base_with_people(sessionmaker, clock) -> None:
    async with sessionmaker() as session:
        await UserRepository(session).create(
            tg_id=555, full_name="Настоящий Админ", username=None, role=Role.ADMIN, team_id=None,
            timezone="Europe/Moscow", language="ru",
        )
        await session.commit()
    with pytest.raises(NotEmpty, match="already has 1 user"):
        await generate(sessionmaker, clock(), **SMALL)
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Client)) == 0
        assert await session.scalar(select(func.count()).select_from(User)) == 1

    facts = await generate(sessionmaker, clock(), force=True, **SMALL)
    assert len(await _rows(sessionmaker, User)) == 1 + 2 + 8
    with pytest.raises(DemoDataError, match="already"):
        await generate(sessionmaker, clock(), force=True, **SMALL)
    # the bot goes on writing after a load: ids handed out by the database do not collide
    async with sessionmaker() as session:
        manager = await session.get(User, facts.manager_ids[0])
        client = await ClientRepository(session, manager).create("ООО «Новый клиент»")
        plan = await InteractionRepository(session, manager).plan(
            client_id=client.id, kind=Kind.CALL, planned_at=clock() + timedelta(days=3)
        )
        await session.commit()
    assert client.id > facts.counts["clients"] and plan.id > facts.counts["contacts"]


def test_the_command(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the checkout
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    assert main(["demo-data", "--database-url", url, "--managers", "7", "--months", "2", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "7 managers" in out and "training on" in out and "late-night" in out
    assert main(["demo-data", "--database-url", url]) == 1
    assert "already has 9 user(s)" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main(["demo-data", "--help"])
    assert exit_.value.code == 0 and "--managers" in capsys.readouterr().out
