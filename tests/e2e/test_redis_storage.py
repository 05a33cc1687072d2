"""With REDIS_URL set, conversation state lives in Redis under its own key prefix and survives a restart."""

from __future__ import annotations

import os
import socket
import uuid

import pytest
from pydantic import SecretStr
from redis.asyncio import Redis
from sqlalchemy import select

from db.models import Interaction, Kind, Outcome, Status
from db.repositories import ClientRepository, InteractionRepository
from tests.e2e.harness import BotRunner, Person, seed_user

REDIS_URL = os.environ.get("LADON_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
async def redis_settings(settings):
    if not _redis_up():
        if os.environ.get("CI"):
            pytest.fail("Redis is not reachable at 127.0.0.1:6379, and CI must test it")
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")
    prefix = f"ladon-test-{uuid.uuid4().hex[:10]}"
    yield settings.model_copy(update={"redis_key_prefix": prefix, "redis_url": SecretStr(REDIS_URL)})
    client = Redis.from_url(REDIS_URL)
    keys = [key async for key in client.scan_iter(match=f"{prefix}:*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


async def test_conversation_in_redis_survives_restart(emulator, redis_settings, sessionmaker, clock) -> None:
    user = await seed_user(sessionmaker, 2001, "Anna")
    async with sessionmaker() as session:
        client = await ClientRepository(session, user).create("Vector")
        await InteractionRepository(session, user).log(now=clock(), client_id=client.id, kind=Kind.CALL, outcome=Outcome.THINKING)
        await session.commit()
    runner = BotRunner(emulator, redis_settings, sessionmaker, clock)
    await runner.start()
    try:
        anna = Person(runner, 2001, "Anna")
        await anna.say("/start")
        await anna.say("📝 Log a contact")
        await anna.tap("Vector")
        await anna.tap("📞 Call")
        redis = Redis.from_url(REDIS_URL)
        keys = [key async for key in redis.scan_iter(match=f"{redis_settings.redis_key_prefix}:fsm:*")]
        await redis.aclose()
        assert keys, "state must be stored in Redis under the configured prefix"
        await runner.restart()
        await anna.tap("✅ Agreed")
        await anna.tap("No next step")
    finally:
        await runner.stop()
    assert runner.errors == []
    async with sessionmaker() as session:
        done = list(await session.scalars(select(Interaction).where(Interaction.outcome == Outcome.AGREED)))
    assert len(done) == 1 and done[0].status == Status.DONE
