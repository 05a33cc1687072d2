"""The one read every update starts with: redelivery, sender and conversation state together."""

from __future__ import annotations

from db.models import Role
from db.repositories import SystemRepository, UserRepository
from db.repositories.context import load_context
from db.repositories.fsm import FsmRepository

KEY = "ladon:fsm:1:42:42:default"


async def test_context_of_a_user_in_the_middle_of_a_conversation(sessionmaker) -> None:
    async with sessionmaker() as session:
        anna = await UserRepository(session).create(
            tg_id=42, full_name="Anna", username=None, role=Role.MANAGER, team_id=None,
            timezone="Europe/Moscow", language="ru",
        )
        data = {"client_id": 7, "names": ["Ромашка", "Вектор"], "nested": {"amount": 5_000_000}}
        await FsmRepository(session).save(KEY, "LogFlow:outcome", data)
        await session.commit()

    async with sessionmaker() as session:
        context = await load_context(session, update_id=500, tg_id=42, fsm_key=KEY)
        assert not context.seen
        assert context.user is not None and context.user.id == anna.id and context.user.full_name == "Anna"
        assert context.fsm == ("LogFlow:outcome", data)
        # the same identity the rest of the update works with
        assert await session.get(type(context.user), anna.id) is context.user

        assert (await load_context(session, 500, 42, "ladon:fsm:1:42:42:other")).fsm == (None, {})
        without_fsm = await load_context(session, 500, 42, None)
        assert without_fsm.fsm is None and without_fsm.user is context.user

        assert await SystemRepository(session).claim_update(500)
        await session.commit()
        assert (await load_context(session, 500, 42, KEY)).seen
        assert not (await load_context(session, 501, 42, KEY)).seen


async def test_context_of_a_stranger_and_of_no_sender(sessionmaker) -> None:
    async with sessionmaker() as session:
        assert await SystemRepository(session).claim_update(900)
        await session.commit()
        for tg_id in (77, None):
            fresh = await load_context(session, 901, tg_id, KEY)
            assert (fresh.seen, fresh.user, fresh.fsm) == (False, None, None)
            assert (await load_context(session, 900, tg_id, KEY)).seen
