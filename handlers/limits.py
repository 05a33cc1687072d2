"""Limits against scraping the base: how many client cards a person opens, searches they make and
reports they export in an hour (CARD_VIEWS_PER_HOUR, SEARCHES_PER_HOUR, EXPORTS_PER_HOUR).

Every handler that shows one of these asks `within_limit` first, before it reads anything: past the
limit nothing is read or shown, the person is told when they can go on, the refusal is recorded
in the audit trail, and the admins are told once (db/repositories/limits.py decides when).
The same limits for every role: a head's or an admin's scrape takes more of the base, not less.
"""

from __future__ import annotations

import html
import logging
from contextlib import suppress
from typing import Any

from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.i18n import N_
from bot.settings import Settings
from db.base import utcnow
from db.models import AuditKind, User
from db.repositories import Repos
from reports.formatting import clock

log = logging.getLogger(__name__)

REFUSAL = {
    AuditKind.CARD: N_("You have reached the hourly limit of client cards ({limit}). You can open cards again at "
                       "{time}. If your work needs more, ask your administrator."),
    AuditKind.SEARCH: N_("You have reached the hourly limit of client searches ({limit}). You can search again at "
                         "{time}. If your work needs more, ask your administrator."),
    AuditKind.EXPORT: N_("You have reached the hourly limit of exports ({limit}). You can export again at {time}. "
                         "If your work needs more, ask your administrator."),
}
ALERT = {
    AuditKind.CARD: N_("⚠️ The hourly limit of client cards was reached.\nWho: {name}\nCards opened in the last "
                       "hour: {count}\nUntil {time} no more cards are shown to them. What they opened is in /audit."),
    AuditKind.SEARCH: N_("⚠️ The hourly limit of client searches was reached.\nWho: {name}\nSearches in the last "
                         "hour: {count}\nUntil {time} their searches find nothing. What they searched for is in "
                         "/audit."),
    AuditKind.EXPORT: N_("⚠️ The hourly limit of exports was reached.\nWho: {name}\nExports in the last hour: "
                         "{count}\nUntil {time} they cannot export. What they exported is in /audit."),
}


def hourly_limit(settings: Settings, kind: AuditKind) -> int:
    return {AuditKind.CARD: settings.card_views_per_hour, AuditKind.SEARCH: settings.searches_per_hour,
            AuditKind.EXPORT: settings.exports_per_hour}[kind]


async def within_limit(event: Message | CallbackQuery, repos: Repos, user: User, settings: Settings, i18n: I18n,
                       kind: AuditKind, asked: dict[str, Any]) -> bool:
    """True when the person may have one more `kind`; else they are refused (and told), the
    refusal is recorded with what they `asked`, and on the first one the admins are told."""
    now = utcnow()  # the audit trail's own time: its entries are what is counted
    reached = await repos.limits.reached(kind, hourly_limit(settings, kind), now)
    if reached is None:
        return True
    alert = await repos.limits.refuse(reached, asked, now)
    text = _(REFUSAL[kind]).format(limit=reached.limit, time=clock(reached.until, user.timezone, i18n.current_locale))
    if isinstance(event, CallbackQuery):
        await event.answer(text, show_alert=True)
    else:
        await event.answer(text)
    if alert:  # the refusal that decided it is committed by now (before the reply above)
        log.warning("User %s reached the hourly limit of %s (%d)", user.id, kind.value, reached.limit)
        for admin in await repos.users.admins():
            text = i18n.gettext(ALERT[kind], locale=admin.language).format(
                name=html.escape(user.full_name), count=reached.limit,
                time=clock(reached.until, admin.timezone, admin.language))
            with suppress(TelegramAPIError):  # the decision to tell is made once; a lost alert stays in /audit
                await event.bot.send_message(admin.tg_id, text)
    return False
