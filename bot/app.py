"""Start-up and clean shutdown of the polling bot."""

from __future__ import annotations

import asyncio
import gc
import logging

from aiogram import Bot, Dispatcher
from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.factory import create_bot, create_dispatcher, create_reminders
from bot.i18n import N_
from bot.maintenance import backer_up, prune, pruner
from bot.scheduler import create_scheduler
from bot.scoring import ScoringService
from bot.middlewares import InflightTracker
from bot.settings import Settings
from db.base import utcnow
from db import backup
from db.engine import create_engine, create_sessionmaker
from db.migrate import upgrade_async
from reports import drawing

log = logging.getLogger(__name__)
SHUTDOWN_GRACE = 30.0


COMMANDS = {
    "start": N_("Main menu"),
    "log": N_("Log a contact"),
    "today": N_("Today's plan"),
    "tomorrow": N_("Tomorrow's plan"),
    "yesterday": N_("What was logged yesterday"),
    "clients": N_("Find a client"),
    "team": N_("The team today (heads)"),
    "settings": N_("Timezone and reminders"),
    "lang": N_("Language"),
    "cancel": N_("Cancel the current step"),
    "help": N_("Help"),
}


async def set_commands(bot: Bot, i18n) -> None:
    commands = COMMANDS
    for locale in i18n.available_locales:
        await bot.set_my_commands(
            [BotCommand(command=c, description=i18n.gettext(d, locale=locale)) for c, d in commands.items()],
            scope=BotCommandScopeAllPrivateChats(),
            language_code=locale,
        )


async def on_startup(bot: Bot, dispatcher: Dispatcher, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await prune(sessionmaker, utcnow())
    await set_commands(bot, dispatcher["i18n"])
    scheduler: AsyncIOScheduler | None = dispatcher.workflow_data.get("scheduler")
    if scheduler is not None:
        scheduler.start()


async def on_shutdown(tracker: InflightTracker, dispatcher: Dispatcher) -> None:
    scheduler: AsyncIOScheduler | None = dispatcher.workflow_data.get("scheduler")
    if scheduler is not None and scheduler.running:
        scheduler.shutdown(wait=False)
    if tracker.busy:
        log.info("Waiting for %d update(s) in flight", tracker.busy)
    try:
        await tracker.wait_idle(SHUTDOWN_GRACE)
    except TimeoutError:
        log.warning("Shutdown grace period over with %d update(s) still running", tracker.busy)


async def prepare(settings: Settings) -> tuple[AsyncEngine, async_sessionmaker[AsyncSession]]:
    await upgrade_async(settings.database_url)
    engine = create_engine(settings.database_url)
    return engine, create_sessionmaker(engine)


async def run_polling(settings: Settings, *, bot: Bot | None = None, handle_signals: bool = True, **deps) -> None:
    with backup.running(settings.database_url):  # `python -m bot restore` refuses while it is held
        await _run_polling(settings, bot=bot, handle_signals=handle_signals, **deps)


def _backups(settings: Settings, clock):
    if settings.backup_at is None:
        return None
    if backup.sqlite_path(settings.database_url) is None:
        log.info("Scheduled backups are for SQLite; back PostgreSQL up with pg_dump (see the README)")
        return None
    return backer_up(settings, clock), settings.backup_at, settings.default_timezone


async def _run_polling(settings: Settings, *, bot: Bot | None, handle_signals: bool, **deps) -> None:
    engine, sessionmaker = await prepare(settings)
    bot = bot or create_bot(settings)
    dp = create_dispatcher(settings, sessionmaker, **deps)
    reminders = create_reminders(settings, bot, sessionmaker, dp["i18n"], deps.get("clock", utcnow))
    dp["reminders"] = reminders
    clock = deps.get("clock", utcnow)
    scoring = ScoringService(settings.database_url, sessionmaker, clock, settings.default_timezone)
    dp["scheduler"] = create_scheduler(
        reminders, settings.scheduler_tick_seconds, pruner(sessionmaker, clock), scoring, _backups(settings, clock)
    )
    dp.startup.register(on_startup)
    dp.shutdown.register(on_shutdown)
    # what start-up built lives as long as the process: kept out of the collector's full passes,
    # which otherwise walk those few hundred thousand objects, holding the GIL, whenever charts or
    # reports leave cycles behind (the benchmark's longest loop stalls were such passes)
    gc.freeze()
    # the chart workers start beside the bot (about a second of another core), so the first chart
    # does not wait for them; start-up does not wait either
    drawing.WORKERS = settings.chart_workers
    warming = asyncio.create_task(asyncio.to_thread(drawing.start))
    warming.add_done_callback(_warmed)
    try:
        await bot.delete_webhook(drop_pending_updates=False)
        await dp.start_polling(bot, handle_signals=handle_signals, close_bot_session=True)
    finally:
        await dp.storage.close()
        await engine.dispose()
        await asyncio.to_thread(drawing.shutdown)


def _warmed(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:  # the first chart will try again
        log.error("Could not start the chart worker", exc_info=task.exception())
