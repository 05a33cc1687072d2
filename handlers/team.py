"""/team (👥 in a head's menu): the morning digest's view on demand, with a button per manager that
opens that manager's day: their plan, their contacts with results, their refusals. Heads and
admins only (the router's gate); a forged manager id shows nothing (the repository's scope)."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date, datetime, timedelta

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.settings import Settings
from db.models import Status, User
from db.repositories import Repos
from db.repositories.reports import Person
from handlers import labels
from handlers.callbacks import TeamCb
from handlers.digest import team_digest
from handlers.filters import MenuButton
from handlers.keyboards import Rows, button
from handlers.ui import answer_parts, noop, pack, show_parts
from reports.dates import day_bounds, local_today
from reports.formatting import clock as clock_fmt
from reports.formatting import day as day_fmt
from reports.workdays import WorkCalendar

PAGE = 20  # managers' buttons per page, two a row


def _people_kb(people: list[Person], page: int) -> InlineKeyboardMarkup:
    pages = max(1, -(-len(people) // PAGE))
    page = min(max(page, 0), pages - 1)
    kb = Rows()
    shown = people[page * PAGE:(page + 1) * PAGE]
    for pair in (shown[i:i + 2] for i in range(0, len(shown), 2)):
        kb.row(*(button("👤 " + p.name[:30], TeamCb(a="open", id=p.id)) for p in pair))
    if pages > 1:
        kb.row(
            button("‹", TeamCb(a="list", p=page - 1)) if page else button(" ", TeamCb(a="noop")),
            button(f"{page + 1}/{pages}", TeamCb(a="noop")),
            button("›", TeamCb(a="list", p=page + 1)) if page + 1 < pages else button(" ", TeamCb(a="noop")),
        )
    return kb.as_markup()


async def show_team(
    message: Message, repos: Repos, user: User, clock: Callable[[], datetime], i18n: I18n, workdays: WorkCalendar,
    settings: Settings,
) -> None:
    digest = await team_digest(repos, user, clock(), i18n.current_locale, workdays, with_charts=False,
                               rank=settings.digest_rank, radius_m=settings.checkin_radius_m,
                               checkins_required=settings.checkin_required)
    if digest is None:
        await message.answer(_("There are no active managers in your team yet. /invite brings one in."))
        return
    people = await repos.reports.people()
    # the question joins the last part when it fits: the buttons sit under the text they are about
    await answer_parts(message, pack([*digest.parts, "\n" + _("Whose day to open?")]), _people_kb(people, 0))


async def turn_page(query: CallbackQuery, callback_data: TeamCb, repos: Repos) -> None:
    await query.answer()
    if query.message is not None:
        await query.message.edit_reply_markup(reply_markup=_people_kb(await repos.reports.people(), callback_data.p))


def day_lines(items, day: date, name: str, tz: str, locale: str, past: bool = False, day_off: bool = False) -> list[str]:
    planned = [i for i in items if i.status == Status.PLANNED]
    done = [i for i in items if i.status == Status.DONE]
    blocks = [_("👤 <b>{name}</b>, {day}").format(name=html.escape(name), day=day_fmt(day, locale))]
    if planned:
        blocks.append("\n" + (_("📅 <b>Overdue, still without a result</b>") if past else _("📅 <b>Planned, still without a result</b>")))
    else:
        blocks.append("\n" + _("📅 Nothing planned is left open."))
    blocks += [f"{clock_fmt(i.planned_at, tz, locale)} <b>{html.escape(i.client.name)}</b> · {labels.kind(i.kind)}" for i in planned]
    if done:
        blocks.append("\n" + _("✔️ <b>Done</b>"))
    elif day_off:  # "nothing was done" would read as a reproach for a weekend
        blocks.append("\n" + _("✔️ A day off: no contacts."))
    else:
        blocks.append("\n" + (_("✔️ Nothing was done.") if past else _("✔️ Nothing done yet.")))
    for item in done:
        line = f"{clock_fmt(item.happened_at, tz, locale)} <b>{html.escape(item.client.name)}</b> · {labels.kind(item.kind)}{labels.result(item, locale)}"
        if item.note:
            line += "\n   📝 " + html.escape(item.note[:200])
        blocks.append(line)
    return blocks


DAYS_BACK = 92  # a manager's day opens this far back (a quarter); longer: /report


async def open_day(query: CallbackQuery, callback_data: TeamCb, repos: Repos, user: User, clock, i18n: I18n,
                   workdays: WorkCalendar) -> None:
    found = await repos.reports.people(manager_id=callback_data.id)
    today = local_today(clock(), user.timezone)
    shift = callback_data.d
    if not found or not -DAYS_BACK <= shift <= 1:
        await query.answer(_("Not found, or not yours to see."), show_alert=True)
        return
    await query.answer()
    day = today + timedelta(days=shift)
    start, end = day_bounds(day, user.timezone)
    items = await repos.interactions.of_manager(callback_data.id, start, end)
    parts = pack(day_lines(items, day, found[0].name, user.timezone, i18n.current_locale, past=day < today,
                           day_off=not workdays.is_workday(day)))
    kb = Rows().row(
        *([button(_("‹ Day before"), TeamCb(a="day", id=callback_data.id, d=shift - 1))] if shift > -DAYS_BACK else []),
        *([button(_("Day after ›"), TeamCb(a="day", id=callback_data.id, d=shift + 1))] if shift < 1 else []),
    ).as_markup()
    if callback_data.a == "open":  # from the list: a new message, the list stays to open another
        await answer_parts(query.message, parts, kb)
        return
    await show_parts(query, parts, kb)


def setup() -> Router:
    router = Router(name=__name__)
    router.message.register(show_team, Command("team"))
    router.message.register(show_team, MenuButton(labels.MENU_TEAM))
    router.callback_query.register(open_day, TeamCb.filter(F.a.in_({"open", "day"})))
    router.callback_query.register(turn_page, TeamCb.filter(F.a == "list"))
    router.callback_query.register(noop, TeamCb.filter(F.a == "noop"))
    return router
