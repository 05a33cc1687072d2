"""Builds the bot, the dispatcher and their singletons; handlers get them as workflow data."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, DefaultKeyBuilder
from aiogram.fsm.storage.memory import DisabledEventIsolation, SimpleEventIsolation
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.errors import tell_the_person
from bot.i18n import LocaleMiddleware, create_i18n
from bot.notifier import SAFETY, Notifier
from bot.callbacks import WEEKDAYS, AuditPlan, CallbackAudit
from bot.reminders import ReminderService
from bot.middlewares import AccessMiddleware, InflightTracker, UserMiddleware
from bot.middlewares.flood import WaitOutShortFloods
from bot.middlewares.isolation import IsolationMiddleware
from bot.settings import Settings
from bot.storage import DatabaseStorage
from bot.transaction import CommitBeforeRequest, UpdateTransaction
from db.base import utcnow
from handlers import setup as setup_handlers
from handlers.import_sheet import RecentSheets
from reports.workdays import WorkCalendar


def create_bot(settings: Settings, session: AiohttpSession | None = None) -> Bot:
    if session is None:
        session = (
            AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
            if settings.telegram_api_url
            else AiohttpSession()
        )
    # inside an update, what it wrote is committed before each request (bot/transaction.py)
    session.middleware(CommitBeforeRequest())
    session.middleware(WaitOutShortFloods())  # inside the commit: a retried reply commits nothing twice
    return Bot(
        token=settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


def create_storage(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]
) -> tuple[BaseStorage, BaseEventIsolation]:
    keys = DefaultKeyBuilder(prefix=f"{settings.redis_key_prefix}:fsm", with_destiny=True)
    if settings.redis_url is not None:
        from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage

        storage = RedisStorage.from_url(settings.redis_url.get_secret_value(), key_builder=keys)
        return storage, RedisEventIsolation(storage.redis, key_builder=keys)
    return DatabaseStorage(sessionmaker, key_builder=keys), SimpleEventIsolation()


def _state_key(dp: Dispatcher) -> Callable[[dict[str, Any]], str | None] | None:
    """How the update's transaction finds the sender's conversation state, when it is in the database."""
    storage = dp.fsm.storage
    if not isinstance(storage, DatabaseStorage):
        return None  # Redis keeps the state: nothing to read with the update's context

    def key(data: dict[str, Any]) -> str | None:
        context = dp.fsm.resolve_event_context(data["bot"], data)
        return storage.key_of(context.key) if context is not None else None

    return key


def create_dispatcher(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    i18n: I18n | None = None,
    clock: Callable[[], datetime] = utcnow,
    storage: tuple[BaseStorage, BaseEventIsolation] | None = None,
) -> Dispatcher:
    fsm_storage, isolation = storage or create_storage(settings, sessionmaker)
    tracker = InflightTracker()
    # aiogram's FSM middleware is added below, inside the transaction, not first in line
    dp = Dispatcher(
        storage=fsm_storage,
        events_isolation=DisabledEventIsolation(),
        disable_fsm=True,
        settings=settings,
        sessionmaker=sessionmaker,
        clock=clock,
        tracker=tracker,
        workdays=WorkCalendar.from_settings(settings),
        recent_sheets=RecentSheets(),  # client bases read for a preview, kept for their import
    )
    i18n = i18n or create_i18n(settings.default_language)
    dp["i18n"] = i18n
    # order matters: count, one at a time per chat, open the transaction, read the conversation
    # state in it, know the user, speak their language, then gate
    dp.update.outer_middleware(tracker)
    dp.update.outer_middleware(IsolationMiddleware(dp.fsm, isolation))
    dp.update.outer_middleware(UpdateTransaction(sessionmaker, _state_key(dp)))
    dp.update.outer_middleware(dp.fsm)
    dp.update.outer_middleware(UserMiddleware(settings))
    dp.update.outer_middleware(LocaleMiddleware(i18n))
    dp.update.outer_middleware(AccessMiddleware())
    dp.errors.register(tell_the_person)
    dp.include_router(setup_handlers())
    return dp


def create_reminders(
    settings: Settings,
    bot: Bot,
    sessionmaker: async_sessionmaker[AsyncSession],
    i18n: I18n,
    clock: Callable[[], datetime] = utcnow,
) -> ReminderService:
    notifier = Notifier(bot, settings.notify_per_second, settings.notify_per_chat_per_second)
    # enough requests in flight to fill the rate over a slow link, few enough that a burst after
    # a stall stays inside the pacer's safety margin
    senders = max(4, int(settings.notify_per_second * (1 - SAFETY)))
    return ReminderService(
        senders=senders,
        sessionmaker=sessionmaker,
        notifier=notifier,
        i18n=i18n,
        calendar=WorkCalendar.from_settings(settings),
        clock=clock,
        grace=timedelta(minutes=settings.reminder_grace_minutes),
        callbacks=CallbackAudit(sessionmaker, settings.default_timezone, AuditPlan(
            WEEKDAYS.index(settings.callback_weekday), settings.callback_hour, settings.callback_share,
            settings.callback_min_per_manager,
        )) if settings.callback_audit else None,
        digest_rank=settings.digest_rank,
        checkin_radius_m=settings.checkin_radius_m,
        checkin_required=settings.checkin_required,
    )
