"""The terminal sandbox: the real bot, the emulator and demo data, driven line by line."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.sandbox import ME, Sandbox
from db.models import Client, Interaction, Kind, Outcome, Role, Status, User

ROOT = Path(__file__).resolve().parents[2]
LINK = re.compile(r"https://t\.me/\w+\?start=([A-Za-z0-9_-]+)")


def number(output: str, text: str) -> str:
    """The number to type to tap the button labelled `text` in the rendered output."""
    found = re.findall(rf"\[(\d+)\] {re.escape(text)}(?:  |$)", output, re.MULTILINE)
    assert found, f"no button {text!r} in:\n{output}"
    return found[-1]


@pytest.fixture
async def sandbox():
    box = Sandbox(language="en")
    greeting = await box.start()
    assert "Hello, Alex" in greeting and "(m1) 📝 Log a contact" in greeting
    try:
        yield box
    finally:
        await box.stop()
    assert box.errors == [], f"handlers raised: {box.errors!r}"


async def test_logging_a_contact_by_numbers(sandbox: Sandbox) -> None:
    picker = await sandbox.act("m1")
    assert "ООО «Ромашка»" in picker and "АО «Вектор»" in picker
    kinds = await sandbox.act(number(picker, "АО «Вектор»"))
    outcomes = await sandbox.act(number(kinds, "🤝 Meeting"))
    steps = await sandbox.act(number(outcomes, "✅ Agreed"))
    saved = await sandbox.act(number(steps, "In a week"))
    assert "⟨toast⟩ Saved" in saved and "✅ Saved" in saved and "(edited)" in saved
    async with sandbox.sessionmaker() as session:
        item = await session.scalar(
            select(Interaction)
            .join(Client)
            .where(Client.name == "АО «Вектор»", Interaction.status == Status.DONE, Interaction.kind == Kind.MEETING)
            .order_by(Interaction.id.desc())
            .limit(1)
        )
        step = await session.get(Interaction, item.next_step_id)
    assert item.status == Status.DONE and item.outcome == Outcome.AGREED and item.amount_minor is None
    assert step.status == Status.PLANNED


async def test_stranger_then_invited_colleague(sandbox: Sandbox) -> None:
    assert "Now you are User 5555" in await sandbox.act(":as 5555")
    assert "invited employees only" in await sandbox.act("/start")
    assert "Now you are Alex" in await sandbox.act(":as me")
    roles = await sandbox.act("/invite")
    teams = await sandbox.act(number(roles, "Manager"))
    invite = await sandbox.act(number(teams, "Продажи"))
    code = LINK.search(invite).group(1)
    await sandbox.act(":as 5555")
    welcome = await sandbox.act(f"/start {code}")
    assert "Welcome to Ladon, User 5555" in welcome and "(m1) 📝 Log a contact" in welcome
    assert "Your time zone is Moscow (UTC+3)" in welcome  # asked at sign-up, with buttons
    assert "Timezone: Kaliningrad (UTC+2)" in await sandbox.act("1")
    assert "Unknown command" in await sandbox.act(":nope")
    async with sandbox.sessionmaker() as session:
        joined = await session.scalar(select(User).where(User.tg_id == 5555))
        me = await session.scalar(select(User).where(User.tg_id == ME))
    assert joined.role == Role.MANAGER and joined.team_id == me.team_id


def test_command_line_sandbox_without_a_token() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "DATABASE_URL", "REDIS_URL")}
    env.update(LADON_SANDBOX_LANG="en", PYTHONIOENCODING="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "sandbox"],
        cwd=ROOT, env=env, input="m1\n2\n:quit\n", capture_output=True, text=True, encoding="utf-8", timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "ООО «Ромашка»" in result.stdout and "What kind of contact?" in result.stdout
    assert "Bye." in result.stdout
