"""/today, /tomorrow (planned contacts with done / reschedule / cancel) and /yesterday."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from db.models import Interaction, Status, User
from db.repositories import NotFound, Repos
from db.repositories.interactions import Conflict
from handlers import labels
from handlers.callbacks import CalCb, PlanCb, id_of
from handlers.calendar import calendar_kb, read_tap
from handlers.filters import MenuButton
from handlers.keyboards import Rows, button
from handlers.logging_steps import TIME_CHIPS, start_for_planned
from handlers.parsing import parse_time
from handlers.plan_list import LISTS, render_plan
from handlers.ui import answer_parts, found, not_found, pack, send, show, stale, toast
from reports.dates import at_local, day_bounds, local_today, moved_to, quick_day
from reports.formatting import clock as clock_fmt
from reports.formatting import day as day_fmt
from reports.formatting import when
from reports.workdays import WorkCalendar


async def today(message: Message, repos: Repos, user: User, clock: Callable[[], datetime], i18n: I18n) -> None:
    text, markup = await render_plan(repos, user, "today", clock(), i18n.current_locale)
    await message.answer(text, reply_markup=markup)


async def tomorrow(message: Message, repos: Repos, user: User, clock: Callable[[], datetime], i18n: I18n) -> None:
    text, markup = await render_plan(repos, user, "tomorrow", clock(), i18n.current_locale)
    await message.answer(text, reply_markup=markup)


async def yesterday(message: Message, repos: Repos, user: User, clock: Callable[[], datetime], i18n: I18n) -> None:
    locale = i18n.current_locale
    day = local_today(clock(), user.timezone) - timedelta(days=1)
    start, end = day_bounds(day, user.timezone)
    items = await repos.interactions.logged_between(start, end)
    lines = [_("Logged yesterday, {day}:").format(day=day_fmt(day, locale)), ""]
    if not items:
        lines.append(_("Nothing was logged."))
    for n, item in enumerate(items, 1):
        line = f"{n}. {clock_fmt(item.logged_at, user.timezone, locale)} <b>{html.escape(item.client.name)}</b> · {labels.kind(item.kind)}"
        lines.append(line + labels.result(item, locale))
    await answer_parts(message, pack(lines))


async def _open_plan(query: CallbackQuery, repos: Repos, item_id: int) -> Interaction | None:
    """A planned contact of the presser's own that is still open; else the presser is told why not."""
    item = await found(query, repos.interactions.own(item_id))
    if item is not None and item.status != Status.PLANNED:
        await query.answer(_("This contact is no longer open: it has a result or was cancelled."), show_alert=True)
        return None
    return item


async def mark_done(query: CallbackQuery, callback_data: PlanCb, repos: Repos, user: User, state: FSMContext) -> None:
    item = await _open_plan(query, repos, callback_data.id)
    if item is None:
        return
    await query.answer()
    from_list = callback_data.day if callback_data.day in LISTS else None
    await start_for_planned(query, state, item, from_list=from_list, page=callback_data.p)


async def confirm_cancel(
    query: CallbackQuery, callback_data: PlanCb, repos: Repos, user: User, i18n: I18n
) -> None:
    """Cancelling a plan is one tap away from ✅ Done: it asks first."""
    item = await _open_plan(query, repos, callback_data.id)
    if item is None:
        return
    await query.answer()
    which, page = callback_data.day, callback_data.p
    text = _("Cancel the planned {kind} with <b>{client}</b>, {when}? It leaves the plan without a result.").format(
        kind=labels.kind(item.kind), client=html.escape(item.client.name),
        when=when(item.planned_at, user.timezone, i18n.current_locale))
    kb = Rows().row(
        button(_("✖ Yes, cancel it"), PlanCb(a="cx", id=item.id, day=which, p=page)),
        button(_("‹ Back"), PlanCb(a="keep", id=item.id, day=which, p=page)),
    )
    if which in LISTS:
        await show(query, text, kb.as_markup())  # the list turns into the question, and back after
    else:
        await send(query, text, kb.as_markup())  # a reminder keeps its list


async def cancel_planned(
    query: CallbackQuery, callback_data: PlanCb, repos: Repos, user: User, clock: Callable[[], datetime], i18n: I18n
) -> None:
    try:
        await repos.interactions.cancel(callback_data.id)
    except NotFound:
        await not_found(query)
        return
    except Conflict:
        await query.answer(_("This contact is no longer open: it has a result or was cancelled."), show_alert=True)
        return
    await query.answer(_("Cancelled"))
    if callback_data.day in LISTS:
        text, markup = await render_plan(repos, user, callback_data.day, clock(), i18n.current_locale, callback_data.p)
        await show(query, text, markup)
    else:
        await show(query, _("✖ Cancelled."))


async def ask_new_day(
    query: CallbackQuery, callback_data: PlanCb, repos: Repos, user: User, clock: Callable[[], datetime], i18n: I18n,
    workdays: WorkCalendar,
) -> None:
    item = await _open_plan(query, repos, callback_data.id)
    if item is None:
        return
    await query.answer()
    today = local_today(clock(), user.timezone)
    which = callback_data.day if callback_data.day in LISTS else ""
    page = callback_data.p
    markup = calendar_kb("mv", _move_ref(item.id, which, page), today, today, i18n.current_locale,
                         _quick_rows(item.id, which, page, today, workdays, i18n.current_locale), workdays)
    text = _("Move <b>{client}</b> ({kind}) to which day?").format(
        client=html.escape(item.client.name), kind=labels.kind(item.kind)
    )
    if which:
        await show(query, text, markup)  # a plan list turns into the calendar, and back into the list after
    else:
        await send(query, text, markup)  # a reminder keeps its list: the calendar comes as a new message


def _move_ref(item_id: int, which: str, page: int) -> str:
    """The calendar's reference: the contact, and the plan list (and its page) to redraw afterwards if any."""
    return f"{item_id}.{which}.{page}" if which else str(item_id)


def _read_ref(ref: str) -> tuple[int, str, int]:
    """The contact, list and page of a calendar's reference; ValueError for a forged one."""
    item, _dot, rest = ref.partition(".")
    which, _dot, page = rest.partition(".")
    if which and which not in LISTS:
        raise ValueError(which)
    return id_of(item), which, id_of(page) if page else 0


def _quick_rows(item_id: int, which: str, page: int, today: date, workdays: WorkCalendar, locale: str) -> list[list]:
    return [
        [button(label, PlanCb(a=f"q{code}", id=item_id, day=which, p=page))
         for code, label in labels.quick_steps(today, workdays, locale)],
        [button("🕘 " + chip, PlanCb(a="at", id=item_id, day=which, p=page, v=chip.replace(":", "")))
         for chip in TIME_CHIPS],
        [button(_("✖ Keep the date"), PlanCb(a="keep", id=item_id, day=which, p=page))],
    ]


async def move_time(
    query: CallbackQuery, callback_data: PlanCb, repos: Repos, user: User, clock: Callable[[], datetime], i18n: I18n,
    workdays: WorkCalendar,
) -> None:
    """Same day, another time."""
    at = parse_time(callback_data.v)
    if at is None:
        await stale(query)
        return
    item = await _open_plan(query, repos, callback_data.id)
    if item is None:
        return
    now = clock()
    if at_local(local_today(item.planned_at, user.timezone), user.timezone, at) <= now:
        await query.answer(_("That time has already passed today: pick a later one, or another day."), show_alert=True)
        return
    await _move(query, repos, user, callback_data.id, at, callback_data.day, callback_data.p, now, i18n, workdays)


async def keep_date(
    query: CallbackQuery, callback_data: PlanCb, repos: Repos, user: User, clock: Callable[[], datetime], i18n: I18n
) -> None:
    await query.answer()
    if callback_data.day in LISTS:
        await show(query, *await render_plan(repos, user, callback_data.day, clock(), i18n.current_locale, callback_data.p))
    else:
        await show(query, _("Nothing changed: the plan stays as it was."))


async def turn_page(
    query: CallbackQuery, callback_data: PlanCb, repos: Repos, user: User, clock: Callable[[], datetime], i18n: I18n
) -> None:
    if callback_data.day not in LISTS:
        await stale(query)
        return
    await query.answer()
    await show(query, *await render_plan(repos, user, callback_data.day, clock(), i18n.current_locale, callback_data.p))


async def _move(
    query: CallbackQuery, repos: Repos, user: User, item_id: int, day: date | time, which: str, page: int,
    now: datetime, i18n: I18n, workdays: WorkCalendar,
) -> None:
    """Move a planned contact to another day (same time) or another time (same day)."""
    tz = user.timezone
    if isinstance(day, date):
        to = lambda planned_at: moved_to(day, planned_at, tz)  # noqa: E731
    else:
        to = lambda planned_at: at_local(planned_at.astimezone(ZoneInfo(tz)).date(), tz, day)  # noqa: E731
    try:
        item = await repos.interactions.reschedule(item_id, to)
    except NotFound:
        await not_found(query)
        return
    except Conflict:
        await query.answer(_("This contact is no longer open: it has a result or was cancelled."), show_alert=True)
        return
    moved = _("📅 <b>{client}</b>: moved to {when}.").format(
        client=html.escape(item.client.name), when=when(item.planned_at, user.timezone, i18n.current_locale)
    ) + labels.day_off(local_today(item.planned_at, user.timezone), workdays, i18n.current_locale)
    if which in LISTS:
        await query.answer(toast(moved))
        await show(query, *await render_plan(repos, user, which, now, i18n.current_locale, page))
    else:
        await query.answer(_("Moved"))
        await show(query, moved)


async def quick_move(
    query: CallbackQuery, callback_data: PlanCb, repos: Repos, user: User, clock: Callable[[], datetime], i18n: I18n,
    workdays: WorkCalendar,
) -> None:
    now = clock()
    day = quick_day(callback_data.a[1:], local_today(now, user.timezone), workdays)
    await _move(query, repos, user, callback_data.id, day, callback_data.day, callback_data.p, now, i18n, workdays)


async def calendar_move(
    query: CallbackQuery, callback_data: CalCb, repos: Repos, user: User, clock: Callable[[], datetime], i18n: I18n,
    workdays: WorkCalendar,
) -> None:
    now = clock()
    today = local_today(now, user.timezone)
    try:
        item_id, which, page = _read_ref(callback_data.f)
        tap = read_tap(callback_data, today)
    except ValueError:
        await stale(query)
        return
    if tap.day is None:
        await query.answer()
        if tap.start is not None:
            await query.message.edit_reply_markup(
                reply_markup=calendar_kb(
                    "mv", callback_data.f, tap.start, today, i18n.current_locale,
                    _quick_rows(item_id, which, page, today, workdays, i18n.current_locale), workdays,
                )
            )
        return
    await _move(query, repos, user, item_id, tap.day, which, page, now, i18n, workdays)


def setup() -> Router:
    router = Router(name=__name__)
    router.message.register(today, Command("today"))
    router.message.register(today, MenuButton(labels.MENU_TODAY))
    router.message.register(tomorrow, Command("tomorrow"))
    router.message.register(tomorrow, MenuButton(labels.MENU_TOMORROW))
    router.message.register(yesterday, Command("yesterday"))
    router.callback_query.register(mark_done, PlanCb.filter(F.a == "done"))
    router.callback_query.register(confirm_cancel, PlanCb.filter(F.a == "cancel"))
    router.callback_query.register(cancel_planned, PlanCb.filter(F.a == "cx"))
    router.callback_query.register(ask_new_day, PlanCb.filter(F.a == "move"))
    router.callback_query.register(keep_date, PlanCb.filter(F.a == "keep"))
    router.callback_query.register(turn_page, PlanCb.filter(F.a == "page"))
    router.callback_query.register(move_time, PlanCb.filter(F.a == "at"))
    router.callback_query.register(quick_move, PlanCb.filter(F.a.in_({"q1d", "q3d", "q7d"})))
    router.callback_query.register(calendar_move, CalCb.filter(F.to == "mv"))
    return router
