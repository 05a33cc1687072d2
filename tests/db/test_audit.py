"""The audit trail: one unbroken chain, whatever appends at once; verify names the first entry
that was edited, removed or moved, and a cut-off end."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import delete, select, text, update

from db.models import AuditEntry, AuditHead, AuditKind, Role
from db.repositories import AccessDenied, UserRepository
from db.repositories.audit import GENESIS, AuditRepository, Filter


async def _admin_and_anna(sessionmaker):
    async with sessionmaker() as session:
        users = UserRepository(session)
        common = {"username": None, "timezone": "Europe/Moscow", "language": "en", "team_id": None}
        admin = await users.create(tg_id=5, full_name="Admin", role=Role.ADMIN, **common)
        anna = await users.create(tg_id=1, full_name="Anna", role=Role.MANAGER, **common)
        await session.commit()
        return admin, anna


async def _append(sessionmaker, actor, count: int) -> None:
    async with sessionmaker() as session:
        repo = AuditRepository(session, actor)
        for n in range(count):
            await repo.record(AuditKind.CARD if n % 2 else AuditKind.SEARCH, {"client": n, "q": f"ромашка {n}"})
        await session.commit()


async def _verify(sessionmaker):
    async with sessionmaker() as session:
        return await AuditRepository(session).verify()


async def test_appended_entries_chain_and_verify(sessionmaker) -> None:
    admin, anna = await _admin_and_anna(sessionmaker)
    assert (await _verify(sessionmaker)).count == 0 and (await _verify(sessionmaker)).ok
    await _append(sessionmaker, anna, 5)
    async with sessionmaker() as session:
        await AuditRepository(session).record(AuditKind.REFUSED, {"reason": "unknown", "name": "Eve"}, tg_id=777)
        await session.commit()
        entries = list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    assert [e.id for e in entries] == [1, 2, 3, 4, 5, 6]
    assert entries[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(entries, entries[1:]))
    assert entries[-1].actor_id is None and entries[-1].actor_tg_id == 777
    assert entries[0].actor_id == anna.id and entries[0].actor_tg_id == 1
    verdict = await _verify(sessionmaker)
    assert verdict.ok and verdict.count == 6


async def test_a_rolled_back_append_leaves_no_trace(sessionmaker) -> None:
    _, anna = await _admin_and_anna(sessionmaker)
    await _append(sessionmaker, anna, 2)
    async with sessionmaker() as session:
        await AuditRepository(session, anna).record(AuditKind.CARD, {"client": 9})
        await session.rollback()
    await _append(sessionmaker, anna, 1)
    verdict = await _verify(sessionmaker)
    assert verdict.ok and verdict.count == 3


async def test_an_edited_entry_is_named(sessionmaker) -> None:
    _, anna = await _admin_and_anna(sessionmaker)
    await _append(sessionmaker, anna, 6)
    async with sessionmaker() as session:
        await session.execute(update(AuditEntry).where(AuditEntry.id == 4).values(what={"client": 999}))
        await session.commit()
    verdict = await _verify(sessionmaker)
    assert not verdict.ok and verdict.bad_id == 4 and verdict.count == 3
    assert verdict.why.startswith("edited")


@pytest.mark.parametrize("column", ["actor_id", "at", "kind"])
async def test_any_edited_field_is_named(sessionmaker, column) -> None:
    admin, anna = await _admin_and_anna(sessionmaker)
    await _append(sessionmaker, anna, 3)
    async with sessionmaker() as session:
        entry = await session.get(AuditEntry, 2)
        change = {"actor_id": admin.id, "at": entry.at.replace(year=2020), "kind": AuditKind.EXPORT}[column]
        await session.execute(update(AuditEntry).where(AuditEntry.id == 2).values({column: change}))
        await session.commit()
    verdict = await _verify(sessionmaker)
    assert (verdict.bad_id, verdict.why.split(":")[0]) == (2, "edited")


async def test_an_edit_with_its_hash_recomputed_breaks_the_next_link(sessionmaker) -> None:
    from db.repositories.audit import seal

    _, anna = await _admin_and_anna(sessionmaker)
    await _append(sessionmaker, anna, 4)
    async with sessionmaker() as session:
        e = await session.get(AuditEntry, 2)
        forged = seal(e.id, e.at, e.actor_id, e.actor_tg_id, e.kind, {"client": 1}, e.prev_hash)
        await session.execute(update(AuditEntry).where(AuditEntry.id == 2).values(what={"client": 1}, hash=forged))
        await session.commit()
    verdict = await _verify(sessionmaker)
    assert verdict.bad_id == 3 and verdict.why.startswith("out of place")


async def test_a_removed_entry_is_named_by_its_gap(sessionmaker) -> None:
    _, anna = await _admin_and_anna(sessionmaker)
    await _append(sessionmaker, anna, 6)
    async with sessionmaker() as session:
        await session.execute(delete(AuditEntry).where(AuditEntry.id == 3))
        await session.commit()
    verdict = await _verify(sessionmaker)
    assert verdict.bad_id == 3 and verdict.count == 2
    assert verdict.why == "removed: entry 4 follows entry 2 (missing: 3)"


async def test_removed_entries_at_the_start_and_the_end_are_named(sessionmaker) -> None:
    _, anna = await _admin_and_anna(sessionmaker)
    await _append(sessionmaker, anna, 6)
    async with sessionmaker() as session:
        await session.execute(delete(AuditEntry).where(AuditEntry.id >= 5))
        await session.commit()
    verdict = await _verify(sessionmaker)
    assert verdict.bad_id == 5 and verdict.why.startswith("removed: the chain head says 6")
    async with sessionmaker() as session:
        await session.execute(delete(AuditEntry).where(AuditEntry.id <= 2))
        await session.commit()
    verdict = await _verify(sessionmaker)
    assert verdict.bad_id == 1 and verdict.why == "removed: entry 3 follows entry 0 (missing: 1–2)"


async def test_reordered_entries_are_named(sessionmaker) -> None:
    _, anna = await _admin_and_anna(sessionmaker)
    await _append(sessionmaker, anna, 5)
    async with sessionmaker() as session:  # entries 2 and 3 trade places
        rows = {e.id: e for e in await session.scalars(select(AuditEntry).where(AuditEntry.id.in_([2, 3])))}
        fields = {i: {c: getattr(rows[i], c) for c in ("at", "actor_id", "actor_tg_id", "kind", "what", "prev_hash", "hash")}
                  for i in (2, 3)}
        session.expunge_all()
        await session.execute(update(AuditEntry).where(AuditEntry.id == 2).values(fields[3]))
        await session.execute(update(AuditEntry).where(AuditEntry.id == 3).values(fields[2]))
        await session.commit()
    verdict = await _verify(sessionmaker)
    assert verdict.bad_id == 2 and verdict.why.startswith("out of place: it does not follow entry 1")


async def test_an_entry_written_past_the_head_is_named(sessionmaker) -> None:
    _, anna = await _admin_and_anna(sessionmaker)
    await _append(sessionmaker, anna, 2)
    async with sessionmaker() as session:
        last = await session.get(AuditEntry, 2)
        await session.execute(AuditEntry.__table__.insert().values(
            id=3, at=last.at, actor_id=None, actor_tg_id=None, kind="card", what={}, prev_hash=last.hash, hash="x" * 64))
        await session.commit()
    verdict = await _verify(sessionmaker)
    assert verdict.bad_id == 3 and verdict.why.startswith("not chained")


async def test_a_missing_head_is_reported_and_appending_refuses(sessionmaker) -> None:
    _, anna = await _admin_and_anna(sessionmaker)
    async with sessionmaker() as session:
        await session.execute(delete(AuditHead))
        await session.commit()
    assert "missing" in (await _verify(sessionmaker)).why
    async with sessionmaker() as session:
        with pytest.raises(RuntimeError):
            await AuditRepository(session, anna).record(AuditKind.CARD, {"client": 1})


async def test_verify_walks_in_batches(sessionmaker, monkeypatch) -> None:
    from db.repositories import audit

    monkeypatch.setattr(audit, "BATCH", 3)
    _, anna = await _admin_and_anna(sessionmaker)
    await _append(sessionmaker, anna, 10)
    assert (await _verify(sessionmaker)).count == 10
    async with sessionmaker() as session:
        await session.execute(update(AuditEntry).where(AuditEntry.id == 8).values(what={"client": 0}))
        await session.commit()
    assert (await _verify(sessionmaker)).bad_id == 8


async def test_concurrent_appends_keep_one_chain(sessionmaker) -> None:
    """Twenty updates appending at once, each in its own transaction that reads first: no two
    entries chain to the same predecessor, and nothing is lost."""
    _, anna = await _admin_and_anna(sessionmaker)

    async def one(n: int) -> None:
        async with sessionmaker() as session:
            await session.execute(text("SELECT 1"))  # the transaction has begun before it appends
            await AuditRepository(session, anna).record(AuditKind.CARD, {"client": n})
            await asyncio.sleep(0.01)  # hold the head a moment, as an update does until its commit
            await session.commit()

    await asyncio.gather(*(one(n) for n in range(20)))
    async with sessionmaker() as session:
        entries = list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    assert [e.id for e in entries] == list(range(1, 21))
    assert sorted(e.what["client"] for e in entries) == list(range(20))
    assert len({e.prev_hash for e in entries}) == 20
    verdict = await _verify(sessionmaker)
    assert verdict.ok and verdict.count == 20


async def test_pages_are_for_admins_newest_first_and_filtered(sessionmaker) -> None:
    admin, anna = await _admin_and_anna(sessionmaker)
    await _append(sessionmaker, anna, 25)  # 13 searches, 12 cards
    async with sessionmaker() as session:
        await AuditRepository(session).record(AuditKind.REFUSED, {"reason": "unknown"}, tg_id=9)
        await session.commit()
        with pytest.raises(AccessDenied):
            await AuditRepository(session, anna).page(Filter())
        repo = AuditRepository(session, admin)
        first = await repo.page(Filter())
        assert [line.id for line in first.lines] == list(range(26, 6, -1))
        assert (first.newer, first.older) == (False, True)
        assert first.lines[1].actor_name == "Anna"
        second = await repo.page(Filter(), before=first.lines[-1].id)
        assert [line.id for line in second.lines] == list(range(6, 0, -1)) and (second.newer, second.older) == (True, False)
        back = await repo.page(Filter(), after=second.lines[0].id)
        assert back == first
        cards = await repo.page(Filter(actor_id=anna.id, kind=AuditKind.CARD))
        assert len(cards.lines) == 12 and not cards.older and {line.kind for line in cards.lines} == {AuditKind.CARD}
        strangers = await repo.page(Filter(strangers=True))
        assert [line.actor_tg_id for line in strangers.lines] == [9]
        assert (await repo.page(Filter(actor_id=admin.id))).lines == []
        forged = await repo.page(Filter(), before=2**62)
        assert forged == first


async def test_texts_are_cut_and_a_bad_kind_moves_nothing(sessionmaker) -> None:
    _, anna = await _admin_and_anna(sessionmaker)
    async with sessionmaker() as session:
        repo = AuditRepository(session, anna)
        with pytest.raises(ValueError):
            await repo.record("gossip", {"client": 1})
        await repo.record("search", {"q": "я" * 500, "found": 0})
        await session.commit()
    [entry] = await _entries_of(sessionmaker)
    assert entry.id == 1 and entry.what == {"q": "я" * 64, "found": 0}
    assert (await _verify(sessionmaker)).ok


async def _entries_of(sessionmaker) -> list[AuditEntry]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


async def test_access_hand_overs_and_invites_are_recorded_where_they_happen(sessionmaker, clock) -> None:
    from datetime import timedelta

    from db.repositories import InviteRepository

    admin, anna = await _admin_and_anna(sessionmaker)
    async with sessionmaker() as session:
        users = UserRepository(session, admin)
        boris = await users.create(tg_id=2, full_name="Boris", username=None, role=Role.MANAGER, team_id=None,
                                   timezone="Europe/Moscow", language="en")
        await users.set_active(anna.id, False)
        await users.hand_over(anna.id, boris.id)
        invites = InviteRepository(session, admin)
        used = await invites.create(Role.MANAGER, None, clock(), timedelta(hours=72))
        spare = await invites.create(Role.HEAD, None, clock(), timedelta(hours=72))
        await InviteRepository(session).claim(used.code, clock())
        newbie = await users.create(tg_id=3, full_name="Nick", username=None, role=Role.MANAGER, team_id=None,
                                    timezone="Europe/Moscow", language="en")
        await InviteRepository(session).set_user(used, newbie)
        await invites.revoke(spare.id, clock())
        await session.commit()
    got = [(e.kind, e.actor_id, e.what) for e in await _entries_of(sessionmaker)]
    assert got == [
        (AuditKind.ACCESS, admin.id, {"user": anna.id, "on": False}),
        (AuditKind.HANDOVER, admin.id, {"from": anna.id, "to": boris.id, "clients": 0, "planned": 0}),
        (AuditKind.INVITE, admin.id, {"invite": used.id, "act": "created", "role": "manager", "team": None}),
        (AuditKind.INVITE, admin.id, {"invite": spare.id, "act": "created", "role": "head", "team": None}),
        (AuditKind.INVITE, newbie.id, {"invite": used.id, "act": "used", "role": "manager", "team": None, "by": admin.id}),
        (AuditKind.INVITE, admin.id, {"invite": spare.id, "act": "revoked"}),
    ]


async def test_an_entry_commits_with_the_update_but_is_not_the_persons_record(engine, sessionmaker) -> None:
    """A card that then fails to show must not be said to be "saved": the entry alone is bookkeeping."""
    from sqlalchemy.ext.asyncio import async_sessionmaker

    from bot.transaction import UpdateSession, UpdateWork

    _, anna = await _admin_and_anna(sessionmaker)
    updates = async_sessionmaker(engine, expire_on_commit=False, sync_session_class=UpdateSession)
    async with updates() as session:
        work = UpdateWork(session, update_id=1)
        await AuditRepository(session, anna).record(AuditKind.CARD, {"client": 1})
        await work.checkpoint()  # as before a reply
        assert work.claimed and not work.saved
        assert len(await _entries_of(sessionmaker)) == 1  # committed before the reply
        await UserRepository(session).set_language(await session.merge(anna), "ru")
        await work.checkpoint()
        assert work.saved
