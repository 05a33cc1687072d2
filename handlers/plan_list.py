"""A plan list (/today, /tomorrow): its text and its done / reschedule / cancel buttons.

Its own module because the logging flow re-renders the list a contact was completed from.
"""

from __future__ import annotations

import html
from contextlib import suppress
from datetime import datetime, timedelta

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from db.models import Interaction, User
from db.repositories import Repos
from handlers import labels
from handlers.callbacks import PlanCb
from reports.dates import day_bounds, local_today
from handlers.keyboards import Rows, button
from reports.formatting import clock as clock_fmt
from reports.formatting import day as day_fmt
from reports.formatting import when

LISTS = ("today", "tomorrow")
MAX_ITEMS = 30  # three buttons each stays under Telegram's 100-button keyboard limit


def _line(n: int, item: Interaction, user: User, locale: str, overdue: bool) -> str:
    moment = when(item.planned_at, user.timezone, locale) if overdue else clock_fmt(item.planned_at, user.timezone, locale)
    return f"{n}. {moment} <b>{html.escape(item.client.name)}</b> · {labels.kind(item.kind)}"


async def render_plan(
    repos: Repos, user: User, which: str, now: datetime, locale: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    today = local_today(now, user.timezone)
    day = today if which == "today" else today + timedelta(days=1)
    start, end = day_bounds(day, user.timezone)
    overdue_from = start - timedelta(days=30) if which == "today" else None
    items = await repos.interactions.planned_between(start, end, overdue_from=overdue_from)
    title = _("📅 Today, {day}") if which == "today" else _("🗓 Tomorrow, {day}")
    lines = [title.format(day=day_fmt(day, locale)), ""]
    if not items:
        lines.append(_("Nothing planned."))
        return "\n".join(lines), None
    kb = Rows()
    late = [i for i in items if i.planned_at < start]
    due = [i for i in items if i.planned_at >= start]
    n = 0
    for group, heading, overdue in ((late, _("⚠️ Overdue, still without a result:"), True), (due, None, False)):
        if not group:
            continue
        if heading:
            lines.append(heading)
        for item in group:
            n += 1
            if n > MAX_ITEMS:
                continue
            lines.append(_line(n, item, user, locale, overdue))
            kb.row(
                button(_("✅ {n} Done").format(n=n), PlanCb(a="done", id=item.id, day=which)),
                button(_("📅 {n}").format(n=n), PlanCb(a="move", id=item.id, day=which)),
                button(_("✖ {n}").format(n=n), PlanCb(a="cancel", id=item.id, day=which)),
            )
        lines.append("")
    if n > MAX_ITEMS:
        lines.append(_("…and {count} more.").format(count=n - MAX_ITEMS))
    lines.append(_("✅ done · 📅 reschedule · ✖ cancel"))
    return "\n".join(lines).strip(), kb.as_markup()


async def refresh_plan(
    bot: Bot, repos: Repos, user: User, which: str, chat_id: int, message_id: int, now: datetime, locale: str
) -> None:
    """Redraw a plan list message after one of its contacts changed elsewhere; an old or deleted
    message is left as it is (its buttons re-check every id anyway)."""
    text, markup = await render_plan(repos, user, which, now, locale)
    with suppress(TelegramBadRequest):
        await bot.edit_message_text(text=text, chat_id=chat_id, message_id=message_id, reply_markup=markup)
