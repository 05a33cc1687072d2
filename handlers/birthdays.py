"""The morning plan's "🎉 Congratulated" button: one tap logs a greeting to that contact person."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from aiogram import Router
from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _

from db.models import User
from db.repositories import NotFound, Repos
from handlers.callbacks import BdayCb
from handlers.ui import not_found
from reports.dates import day_bounds, local_today


async def congratulated(query: CallbackQuery, callback_data: BdayCb, repos: Repos, user: User,
                        clock: Callable[[], datetime]) -> None:
    now = clock()
    since, _end = day_bounds(local_today(now, user.timezone), user.timezone)
    try:
        item = await repos.interactions.log_greeting(callback_data.id, now, since)
    except NotFound:
        await not_found(query)
        return
    if item is None:
        await query.answer(_("Already noted today."))
        return
    await query.answer(_("🎉 Greeting logged."), show_alert=False)


def setup() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(congratulated, BdayCb.filter())
    return router
