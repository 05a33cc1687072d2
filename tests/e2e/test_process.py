"""`python -m bot` as a real process: migrates, polls, answers, stops cleanly on SIGTERM, never logs the token."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from contextlib import asynccontextmanager
from pathlib import Path

from bot.emulator import BotAPIEmulator
from tests.conftest import ADMIN_TG, TOKEN

ROOT = Path(__file__).resolve().parents[2]


async def _run_bot(env: dict[str, str], cwd: Path) -> asyncio.subprocess.Process:
    # run outside the checkout so a developer's own .env cannot leak into the test
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=cwd, env=env,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )


@asynccontextmanager
async def _running(proc: asyncio.subprocess.Process):
    """The bot process, killed if the test leaves early."""
    try:
        yield proc
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def _terminate(proc: asyncio.subprocess.Process) -> str:
    """SIGTERM, as a service manager stops it; returns everything it printed."""
    proc.send_signal(signal.SIGTERM)
    output, _ = await asyncio.wait_for(proc.communicate(), timeout=30)
    return output.decode()


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE_", "REDIS_", "ADMIN_"))}
    env.update(extra, PYTHONPATH=str(ROOT))
    return env


async def test_runs_answers_and_stops_cleanly_without_leaking_the_token(tmp_path) -> None:
    async with BotAPIEmulator(token=TOKEN) as emu:
        proc = await _run_bot(_env(
            BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=emu.base_url,
            DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'ladon.db'}",
            ADMIN_IDS=str(ADMIN_TG),
            LOG_LEVEL="DEBUG",
        ), tmp_path)
        async with _running(proc):
            await emu.wait_until(lambda: emu.waiting_polls > 0, timeout=60, what="the bot to poll")
            emu.add_user(ADMIN_TG, first_name="Boss", language_code="en")
            emu.send_text(ADMIN_TG, "/start")
            reply = await emu.wait_for_message(ADMIN_TG, timeout=30)
            assert "Hello, Boss" in reply.text
            assert emu.commands({"type": "all_private_chats"}, "ru"), "commands are registered per language"
            text = await _terminate(proc)
    assert proc.returncode == 0, text
    assert TOKEN not in text and TOKEN.split(":")[1] not in text
    assert "Polling stopped" in text
    assert (tmp_path / "ladon.db").exists()


async def test_missing_token_is_one_clear_line_and_exit_2(tmp_path) -> None:
    proc = await _run_bot(_env(), tmp_path)
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode == 2
    lines = [line for line in out.decode().splitlines() if line.strip()]
    assert lines[-1].startswith("BOT_TOKEN is not set.") and "@BotFather" in lines[-1]
    assert "Traceback" not in out.decode()


async def test_the_scheduler_in_the_running_process_sends_a_due_reminder(tmp_path) -> None:
    """The real clock and APScheduler: a manager whose evening time has just passed gets the nudge."""
    from datetime import datetime, timedelta, timezone

    from db.engine import create_engine, create_sessionmaker
    from db.migrate import upgrade_async
    from db.models import Role
    from tests.e2e.harness import seed_user

    url = f"sqlite+aiosqlite:///{tmp_path / 'ladon.db'}"
    await upgrade_async(url)
    now = datetime.now(timezone.utc)
    # a fixed-offset zone where it is around noon, so "a minute ago" is still today there
    offset = (12 - now.hour) % 24
    offset = offset - 24 if offset > 14 else offset
    zone = f"Etc/GMT{-offset:+d}" if offset else "Etc/GMT"
    local = now + timedelta(hours=offset)
    engine = create_engine(url)
    user = await seed_user(create_sessionmaker(engine), 2001, "Anna", role=Role.MANAGER, timezone=zone)
    async with create_sessionmaker(engine)() as session:
        row = await session.get(type(user), user.id)
        row.evening_at = (local - timedelta(minutes=1)).time().replace(second=0, microsecond=0)
        await session.commit()
    await engine.dispose()
    async with BotAPIEmulator(token=TOKEN) as emu:
        emu.add_user(2001, first_name="Anna", language_code="en")
        proc = await _run_bot(_env(
            BOT_TOKEN=TOKEN, TELEGRAM_API_URL=emu.base_url, DATABASE_URL=url,
            SCHEDULER_TICK_SECONDS="5", EXTRA_WORKDAYS=local.date().isoformat(), LOG_LEVEL="INFO",
        ), tmp_path)
        async with _running(proc):
            nudge = await emu.wait_for_message(2001, after=0, timeout=60)
            assert "not logged a single contact" in nudge.text
            text = await _terminate(proc)
    assert proc.returncode == 0, text
    assert len(emu.messages(2001)) == 1
