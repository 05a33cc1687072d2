"""A plan list (/today, /tomorrow): its text and its done / reschedule / cancel buttons, in pages
when it is long (each page one message within Telegram's limits; nothing is left out).

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
from handlers.keyboards import Rows, button
from handlers.ui import TEXT_LIMIT, fits
from reports.dates import day_bounds, local_today
from reports.formatting import clock as clock_fmt
from reports.formatting import day as day_fmt
from reports.formatting import when

LISTS = ("today", "tomorrow")
PAGE_ITEMS = 30  # three buttons each stays under Telegram's 100-button keyboard limit
_ROOM = 300  # of a page's characters, kept for its title, page number and legend


def _line(n: int, item: Interaction, user: User, locale: str, overdue: bool) -> str:
    moment = when(item.planned_at, user.timezone, locale) if overdue else clock_fmt(item.planned_at, user.timezone, locale)
    return f"{n}. {moment} <b>{html.escape(item.client.name)}</b> · {labels.kind(item.kind)}"


def _pages(entries: list[tuple[str | None, str]]) -> list[list[tuple[str | None, str]]]:
    """Entries (a heading that starts a group, or None; the item's line) cut into pages of at
    most PAGE_ITEMS items whose lines fit one message."""
    pages: list[list[tuple[str | None, str]]] = [[]]
    for heading, line in entries:
        page = pages[-1]
        lines = [text for entry in page for text in entry if text] + [heading or "", line]
        if page and (len(page) == PAGE_ITEMS or not fits(lines, TEXT_LIMIT - _ROOM)):
            pages.append([])
        pages[-1].append((heading, line))
    return pages


async def render_plan(
    repos: Repos, user: User, which: str, now: datetime, locale: str, page: int = 0
) -> tuple[str, InlineKeyboardMarkup | None]:
    today = local_today(now, user.timezone)
    day = today if which == "today" else today + timedelta(days=1)
    start, end = day_bounds(day, user.timezone)
    overdue_from = start - timedelta(days=30) if which == "today" else None
    items = await repos.interactions.planned_between(start, end, overdue_from=overdue_from)
    title = _("📅 Today, {day}") if which == "today" else _("🗓 Tomorrow, {day}")
    title = title.format(day=day_fmt(day, locale))
    if not items:
        return "\n".join([title, "", _("Nothing planned.")]), None
    late = [i for i in items if i.planned_at < start]
    entries: list[tuple[str | None, str]] = []
    by_line: dict[str, tuple[int, Interaction]] = {}
    for n, item in enumerate(items, 1):
        overdue = item.planned_at < start
        heading = None
        if n == 1 and overdue:
            heading = _("⚠️ Overdue, still without a result:")
        elif late and n == len(late) + 1:
            heading = _("Planned for the day:")
        line = _line(n, item, user, locale, overdue)
        entries.append((heading, line))
        by_line[line] = (n, item)
    pages = _pages(entries)
    page = min(max(page, 0), len(pages) - 1)  # a forged or outdated page: the nearest real one
    if len(pages) > 1:
        title += " · " + _("page {page} of {pages}").format(page=page + 1, pages=len(pages))
    lines = [title, ""]
    kb = Rows()
    for heading, line in pages[page]:
        if heading:
            if len(lines) > 2:
                lines.append("")
            lines.append(heading)
        lines.append(line)
        n, item = by_line[line]
        kb.row(
            button(_("✅ {n} Done").format(n=n), PlanCb(a="done", id=item.id, day=which, p=page)),
            button(_("📅 {n} Move").format(n=n), PlanCb(a="move", id=item.id, day=which, p=page)),
            button(_("✖ {n} Cancel").format(n=n), PlanCb(a="cancel", id=item.id, day=which, p=page)),
        )
    nav = []
    if page > 0:
        nav.append(button(_("‹ Earlier"), PlanCb(a="page", id=0, day=which, p=page - 1)))
    if page < len(pages) - 1:
        nav.append(button(_("Later ›"), PlanCb(a="page", id=0, day=which, p=page + 1)))
    if nav:
        kb.row(*nav)
    return "\n".join(lines), kb.as_markup()


async def refresh_plan(
    bot: Bot, repos: Repos, user: User, which: str, chat_id: int, message_id: int, now: datetime, locale: str,
    page: int = 0,
) -> None:
    """Redraw a plan list message after one of its contacts changed elsewhere; an old or deleted
    message is left as it is (its buttons re-check every id anyway)."""
    text, markup = await render_plan(repos, user, which, now, locale, page)
    with suppress(TelegramBadRequest):
        await bot.edit_message_text(text=text, chat_id=chat_id, message_id=message_id, reply_markup=markup)
