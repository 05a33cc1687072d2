"""A bot process for the multi-process reminder test: one beat against a shared database.

    python -m tests.e2e.reminder_worker   (settings from the environment, LADON_TEST_NOW the clock)

It prints "ready" once set up, waits for a line on stdin, so that every worker starts its beat
at the same moment, runs one beat and prints its delivery report as JSON.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import datetime

from bot.factory import create_bot, create_reminders
from bot.i18n import create_i18n
from bot.settings import Settings
from db.engine import create_engine, create_sessionmaker


async def main() -> None:
    settings = Settings(_env_file=None)
    engine = create_engine(settings.database_url)
    bot = create_bot(settings)
    now = datetime.fromisoformat(os.environ["LADON_TEST_NOW"])
    service = create_reminders(
        settings, bot, create_sessionmaker(engine), create_i18n(settings.default_language), lambda: now
    )
    try:
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        report = await service.tick()
        print(json.dumps({"sent": report.sent, "skipped": report.skipped, "failed": report.failed}), flush=True)
    finally:
        await bot.session.close()
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
