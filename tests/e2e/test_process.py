"""`python -m bot` as a real process: migrates, polls, answers, stops cleanly on SIGTERM, never logs the token."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
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
        try:
            await emu.wait_until(lambda: emu.waiting_polls > 0, timeout=60, what="the bot to poll")
            emu.add_user(ADMIN_TG, first_name="Boss", language_code="en")
            emu.send_text(ADMIN_TG, "/start")
            reply = await emu.wait_for_message(ADMIN_TG, timeout=30)
            assert "Hello, Boss" in reply.text
            assert emu.commands({"type": "all_private_chats"}, "ru"), "commands are registered per language"
            proc.send_signal(signal.SIGTERM)
            output, _ = await asyncio.wait_for(proc.communicate(), timeout=30)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    assert proc.returncode == 0, output.decode()
    text = output.decode()
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
