"""Scoping by role happens in the repositories: what each role can see and change."""

from __future__ import annotations

from datetime import timedelta

import pytest

from db.models import Kind, Outcome, Role, Status
from db.repositories import ClientRepository, InteractionRepository, NotFound, RefusalReasonRepository, UserRepository
from db.repositories.interactions import Conflict, NextStep


async def _people(session):
    users = UserRepository(session)
    sales = await users.team_by_name("Sales")
    other = await users.team_by_name("Other")
    common = {"username": None, "timezone": "Europe/Moscow", "language": "ru"}
    anna = await users.create(tg_id=1, full_name="Anna", role=Role.MANAGER, team_id=sales.id, **common)
    boris = await users.create(tg_id=2, full_name="Boris", role=Role.MANAGER, team_id=sales.id, **common)
    olga = await users.create(tg_id=3, full_name="Olga", role=Role.MANAGER, team_id=other.id, **common)
    head = await users.create(tg_id=4, full_name="Head", role=Role.HEAD, team_id=sales.id, **common)
    admin = await users.create(tg_id=5, full_name="Admin", role=Role.ADMIN, team_id=None, **common)
    return anna, boris, olga, head, admin


async def test_scope_by_role(sessionmaker, clock) -> None:
    async with sessionmaker() as session:
        anna, boris, olga, head, admin = await _people(session)
        a = await ClientRepository(session, anna).create("Ромашка")
        b = await ClientRepository(session, boris).create("Вектор")
        o = await ClientRepository(session, olga).create("Альфа")
        await session.commit()

        with pytest.raises(NotFound):
            await ClientRepository(session, anna).get(b.id)
        assert {m.client_id for m in await ClientRepository(session, anna).search("ро")} == {a.id}
        head_repo = ClientRepository(session, head)
        assert [m.client_id for m in await head_repo.search("ромашка")] == [a.id]
        assert [m.client_id for m in await head_repo.search("вектор")] == [b.id]
        assert await head_repo.search("альфа") == []
        assert (await ClientRepository(session, admin).get(o.id)).id == o.id


async def test_log_with_next_step_and_undo(sessionmaker, clock) -> None:
    async with sessionmaker() as session:
        anna, boris, *_ = await _people(session)
        client = await ClientRepository(session, anna).create("Ромашка")
        repo = InteractionRepository(session, anna)
        item = await repo.log(
            now=clock(), client_id=client.id, kind=Kind.MEETING, outcome=Outcome.AGREED,
            amount_minor=5_000_000, next_step=NextStep(Kind.MEETING, clock() + timedelta(days=7)),
        )
        await session.commit()
        step = await repo.get(item.next_step_id)
        assert step.status == Status.PLANNED and step.client_id == client.id

        with pytest.raises(NotFound):  # another manager cannot undo it
            await InteractionRepository(session, boris).undo(item.id, clock(), timedelta(minutes=5))
        with pytest.raises(Conflict):
            await repo.undo(item.id, clock() + timedelta(minutes=6), timedelta(minutes=5))
        await repo.undo(item.id, clock() + timedelta(minutes=1), timedelta(minutes=5))
        await session.commit()
        with pytest.raises(NotFound):
            await repo.get(item.id)
        with pytest.raises(NotFound):
            await repo.get(step.id)


async def test_refusal_needs_an_active_reason(sessionmaker, clock) -> None:
    async with sessionmaker() as session:
        anna, *_ = await _people(session)
        client = await ClientRepository(session, anna).create("Ромашка")
        reasons = await RefusalReasonRepository(session).active()
        assert [r.code for r in reasons][:2] == ["budget", "not_interested"]
        with pytest.raises(NotFound):
            await InteractionRepository(session, anna).log(
                now=clock(), client_id=client.id, kind=Kind.CALL, outcome=Outcome.REFUSED, reason_id=None
            )
        item = await InteractionRepository(session, anna).log(
            now=clock(), client_id=client.id, kind=Kind.CALL, outcome=Outcome.REFUSED, reason_id=reasons[0].id
        )
        assert item.refusal_reason_id == reasons[0].id


async def test_planning_reads_what_exists_and_writes_only_what_is_missing(engine, sessionmaker, clock) -> None:
    from sqlalchemy import event, func, select

    from db.models import Reminder, ReminderKind, ReminderStatus
    from db.repositories.reminders import ReminderRepository

    async with sessionmaker() as session:
        anna, boris, *_ = await _people(session)
        await session.commit()
    now = clock()
    rows = [
        {"key": f"morning:{who.id}:2026-11-28", "user_id": who.id, "kind": ReminderKind.MORNING,
         "due_at": now + timedelta(hours=22), "status": ReminderStatus.PENDING}
        for who in (anna, boris)
    ]
    writes: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            writes.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        async with sessionmaker() as session:
            assert await ReminderRepository(session).ensure(rows, now) == 2
            await session.commit()
        writes.clear()
        async with sessionmaker() as session:  # the next beat: all in place, nothing written
            assert await ReminderRepository(session).ensure(rows, now) == 0
        assert writes == []
        async with sessionmaker() as session:  # Anna changed her settings: her pending row goes...
            await ReminderRepository(session).forget_pending(anna.id)
            await session.commit()
        async with sessionmaker() as session:  # ...and comes back on the next beat
            assert await ReminderRepository(session).ensure(rows, now) == 1
            await session.commit()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Reminder)) == 2


async def test_recent_clients_come_by_the_last_contact_then_the_newest(sessionmaker, clock) -> None:
    async with sessionmaker() as session:
        anna, boris, *_ = await _people(session)
        mine = ClientRepository(session, anna)
        a, b, c, d = [await mine.create(name) for name in ("Альфа", "Бета", "Гамма", "Дельта")]
        theirs = await ClientRepository(session, boris).create("Вектор")
        log = InteractionRepository(session, anna)
        start = clock()
        # contacts in this order: a, b, a, c (b and d are older or never contacted)
        for minutes, client in enumerate((a, b, a, c)):
            await log.log(now=start + timedelta(minutes=minutes), client_id=client.id,
                          kind=Kind.CALL, outcome=Outcome.THINKING)
        await InteractionRepository(session, boris).log(now=start + timedelta(minutes=9), client_id=theirs.id,
                                                        kind=Kind.CALL, outcome=Outcome.THINKING)
        await session.commit()

        # after the contacted ones, her newest clients fill the list; never someone else's
        assert [x.name for x in await mine.recent()] == ["Гамма", "Альфа", "Бета", "Дельта"]
        assert [x.name for x in await ClientRepository(session, boris).recent()] == ["Вектор"]
        # the flow's picked client by id: only one the actor may see
        assert await mine.name_of(a.id) == "Альфа"
        with pytest.raises(NotFound):
            await mine.name_of(theirs.id)


async def test_completing_a_plan_whose_notes_are_full_writes_nothing(sessionmaker, clock) -> None:
    from sqlalchemy import func, select

    from db.models import Interaction
    from db.repositories.interactions import NOTE_MAX, NotesFull

    async with sessionmaker() as session:
        anna, *_ = await _people(session)
        client = await ClientRepository(session, anna).create("Ромашка")
        repo = InteractionRepository(session, anna)
        planned = await repo.plan(client_id=client.id, kind=Kind.CALL, planned_at=clock())
        await repo.add_note(planned.id, text="a" * NOTE_MAX)
        await repo.add_note(planned.id, text="b" * (NOTE_MAX - 1))  # exactly full, with the line break
        await session.commit()
        planned_id, client_id = planned.id, client.id
        with pytest.raises(NotesFull):
            await repo.log(now=clock(), client_id=client_id, kind=Kind.CALL, outcome=Outcome.AGREED,
                           planned_id=planned_id, note="c", next_step=NextStep(Kind.CALL, clock() + timedelta(days=1)))
        assert not session.dirty and not session.new
        await session.rollback()
    async with sessionmaker() as session:
        repo = InteractionRepository(session, await UserRepository(session).by_tg_id(1))
        assert await session.scalar(select(func.count()).select_from(Interaction)) == 1
        kept = await repo.get(planned_id)
        assert kept.status == Status.PLANNED and len(kept.note) == NOTE_MAX * 2
        done = await repo.log(now=clock(), client_id=client_id, kind=Kind.CALL, outcome=Outcome.AGREED,
                              planned_id=planned_id)
        assert done.status == Status.DONE and len(done.note) == NOTE_MAX * 2


async def test_digits_find_a_client_by_its_inn_within_the_actor_scope(sessionmaker) -> None:
    async with sessionmaker() as session:
        anna, boris, *_ = await _people(session)
        mine = await ClientRepository(session, anna).create("Ромашка")
        await ClientRepository(session, anna).set_field(mine.id, "inn", "7707083893")
        shop = await ClientRepository(session, anna).create("Магазин 7707")
        theirs = await ClientRepository(session, boris).create("Вектор")
        await ClientRepository(session, boris).set_field(theirs.id, "inn", "500100732259")
        await session.commit()
        repo = ClientRepository(session, anna)
        assert [m.client_id for m in await repo.search("7707 083")] == [mine.id]
        # the INN first, then names with those digits
        assert [m.client_id for m in await repo.search("7707")] == [mine.id, shop.id]
        assert await repo.search("500100") == []  # Boris's client is not hers
        assert [m.client_id for m in await ClientRepository(session, boris).search("500100")] == [theirs.id]
