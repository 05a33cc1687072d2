"""/today, /tomorrow (planned contacts with done / reschedule / cancel) and /yesterday."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date, datetime, timedelta

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Interaction, Outcome, Status, User
from db.repositories import InteractionRepository, NotFound
from db.repositories.interactions import Conflict
from handlers import labels
from handlers.callbacks import CalCb, PlanCb
from handlers.dates import QUICK_STEPS, day_bounds, local_today, moved_to
from handlers.keyboards import button, calendar_kb
from handlers.log_contact import start_for_planned
from handlers.ui import fit, found, not_found, send, show, stale
from handlers.filters import MenuButton
from reports.formatting import clock as clock_fmt
from reports.formatting import day as day_fmt
from reports.formatting import money, when

router = Router(name=__name__)
MAX_ITEMS = 30  # three buttons each stays under Telegram's 100-button keyboard limit


def _line(n: int, item: Interaction, user: User, locale: str, overdue: bool) -> str:
    moment = when(item.planned_at, user.timezone, locale) if overdue else clock_fmt(item.planned_at, user.timezone, locale)
    return f"{n}. {moment} <b>{html.escape(item.client.name)}</b> · {labels.kind(item.kind)}"


async def render_plan(
    session: AsyncSession, user: User, which: str, now: datetime, locale: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    today = local_today(now, user.timezone)
    day = today if which == "today" else today + timedelta(days=1)
    start, end = day_bounds(day, user.timezone)
    overdue_from = start - timedelta(days=30) if which == "today" else None
    items = await InteractionRepository(session, user).planned_between(start, end, overdue_from=overdue_from)
    title = _("📅 Today, {day}") if which == "today" else _("🗓 Tomorrow, {day}")
    lines = [title.format(day=day_fmt(day, locale)), ""]
    if not items:
        lines.append(_("Nothing planned."))
        return "\n".join(lines), None
    kb = InlineKeyboardBuilder()
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


@router.message(Command("today"))
@router.message(MenuButton(labels.MENU_TODAY))
async def today(message: Message, session: AsyncSession, user: User, clock: Callable[[], datetime], i18n: I18n) -> None:
    text, markup = await render_plan(session, user, "today", clock(), i18n.current_locale)
    await message.answer(text, reply_markup=markup)


@router.message(Command("tomorrow"))
@router.message(MenuButton(labels.MENU_TOMORROW))
async def tomorrow(message: Message, session: AsyncSession, user: User, clock: Callable[[], datetime], i18n: I18n) -> None:
    text, markup = await render_plan(session, user, "tomorrow", clock(), i18n.current_locale)
    await message.answer(text, reply_markup=markup)


@router.message(Command("yesterday"))
async def yesterday(message: Message, session: AsyncSession, user: User, clock: Callable[[], datetime], i18n: I18n) -> None:
    locale = i18n.current_locale
    day = local_today(clock(), user.timezone) - timedelta(days=1)
    start, end = day_bounds(day, user.timezone)
    items = await InteractionRepository(session, user).logged_between(start, end)
    lines = [_("Logged yesterday, {day}:").format(day=day_fmt(day, locale)), ""]
    if not items:
        lines.append(_("Nothing was logged."))
    for n, item in enumerate(items, 1):
        line = f"{n}. {clock_fmt(item.logged_at, user.timezone, locale)} <b>{html.escape(item.client.name)}</b> · {labels.kind(item.kind)}"
        if item.outcome:
            line += f" · {labels.outcome(item.outcome)}"
        if item.outcome == Outcome.REFUSED and item.refusal_reason:
            line += f" ({html.escape(labels.reason(item.refusal_reason))})"
        if item.amount_minor:
            line += f" · {money(item.amount_minor, locale)}"
        lines.append(line)
    await message.answer(fit(lines))


@router.callback_query(PlanCb.filter(F.a == "done"))
async def mark_done(query: CallbackQuery, callback_data: PlanCb, session: AsyncSession, user: User, state: FSMContext) -> None:
    item = await found(query, InteractionRepository(session, user).own(callback_data.id))
    if item is None:
        return
    if item.status != Status.PLANNED:
        await query.answer(_("This contact is no longer open: it has a result or was cancelled."), show_alert=True)
        return
    await query.answer()
    await start_for_planned(query, state, item)


@router.callback_query(PlanCb.filter(F.a == "cancel"))
async def cancel_planned(
    query: CallbackQuery, callback_data: PlanCb, session: AsyncSession, user: User, clock: Callable[[], datetime], i18n: I18n
) -> None:
    try:
        await InteractionRepository(session, user).cancel(callback_data.id)
    except NotFound:
        await not_found(query)
        return
    except Conflict:
        await query.answer(_("This contact is no longer open: it has a result or was cancelled."), show_alert=True)
        return
    await query.answer(_("Cancelled"))
    if callback_data.day in ("today", "tomorrow"):
        text, markup = await render_plan(session, user, callback_data.day, clock(), i18n.current_locale)
        await show(query, text, markup)


@router.callback_query(PlanCb.filter(F.a == "move"))
async def ask_new_day(
    query: CallbackQuery, callback_data: PlanCb, session: AsyncSession, user: User, clock: Callable[[], datetime], i18n: I18n
) -> None:
    item = await found(query, InteractionRepository(session, user).own(callback_data.id))
    if item is None:
        return
    if item.status != Status.PLANNED:
        await query.answer(_("This contact is no longer open: it has a result or was cancelled."), show_alert=True)
        return
    await query.answer()
    today = local_today(clock(), user.timezone)
    markup = calendar_kb("mv", str(item.id), today, today, i18n.current_locale, _quick_rows(item.id))
    text = _("Move <b>{client}</b> ({kind}) to which day?").format(
        client=html.escape(item.client.name), kind=labels.kind(item.kind)
    )
    await send(query, text, markup)


def _quick_labels() -> list[tuple[str, str]]:
    return [("1d", _("Tomorrow")), ("3d", _("In 3 days")), ("7d", _("In a week"))]


def _quick_rows(item_id: int) -> list[list]:
    return [
        [button(label, PlanCb(a=f"q{code}", id=item_id)) for code, label in _quick_labels()],
        [button(_("✖ Keep the date"), PlanCb(a="keep", id=item_id))],
    ]


@router.callback_query(PlanCb.filter(F.a == "keep"))
async def keep_date(query: CallbackQuery) -> None:
    await query.answer()
    await show(query, _("The date stays as it was."))


async def _move(query: CallbackQuery, session: AsyncSession, user: User, item_id: int, day: date, i18n: I18n) -> None:
    repo = InteractionRepository(session, user)
    try:
        item = await repo.own(item_id)
        item = await repo.reschedule(item_id, moved_to(day, item.planned_at, user.timezone))
    except NotFound:
        await not_found(query)
        return
    except Conflict:
        await query.answer(_("This contact is no longer open: it has a result or was cancelled."), show_alert=True)
        return
    await query.answer(_("Moved"))
    await show(
        query,
        _("📅 <b>{client}</b>: moved to {when}.").format(
            client=html.escape(item.client.name), when=when(item.planned_at, user.timezone, i18n.current_locale)
        ),
    )


@router.callback_query(PlanCb.filter(F.a.in_({"q1d", "q3d", "q7d"})))
async def quick_move(
    query: CallbackQuery, callback_data: PlanCb, session: AsyncSession, user: User, clock: Callable[[], datetime], i18n: I18n
) -> None:
    day = local_today(clock(), user.timezone) + timedelta(days=QUICK_STEPS[callback_data.a[1:]])
    await _move(query, session, user, callback_data.id, day, i18n)


@router.callback_query(CalCb.filter(F.to == "mv"))
async def calendar_move(
    query: CallbackQuery, callback_data: CalCb, session: AsyncSession, user: User, clock: Callable[[], datetime], i18n: I18n
) -> None:
    today = local_today(clock(), user.timezone)
    try:
        item_id = int(callback_data.f)
        if callback_data.a == "noop":
            await query.answer()
            return
        if callback_data.a == "nav":
            month = date.fromisoformat(callback_data.v + "-01")
            if month < today.replace(day=1) or month > today + timedelta(days=3 * 366):
                raise ValueError
            await query.answer()
            await query.message.edit_reply_markup(
                reply_markup=calendar_kb("mv", str(item_id), month, today, i18n.current_locale, _quick_rows(item_id))
            )
            return
        day = date.fromisoformat(callback_data.v)
        if day < today or day > today + timedelta(days=3 * 366):
            raise ValueError
    except ValueError:
        await stale(query)
        return
    await _move(query, session, user, item_id, day, i18n)
