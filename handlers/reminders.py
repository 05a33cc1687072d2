"""What the bot says on its own (morning plan, evening reminder, before a meeting, the team summary),
and the buttons that only those messages carry."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from aiogram import Router
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Interaction, Outcome, Reminder, ReminderKind, Role, Status, User
from db.repositories import ClientRepository, InteractionRepository, NotFound
from db.repositories.reminders import ReminderRepository
from handlers import labels
from handlers.callbacks import BdayCb, ClientCb, PlanCb
from handlers.dates import day_bounds, local_today
from handlers.keyboards import Rows, button
from handlers.parsing import phone_for_display
from handlers.plan_list import render_plan
from handlers.team import team_summary
from handlers.ui import not_found
from reports.formatting import clock as clock_fmt
from reports.formatting import day as day_fmt
from reports.formatting import money, when

router = Router(name=__name__)
BIRTHDAY_DAYS = 3  # today and the next two days


@dataclass(frozen=True)
class Outgoing:
    text: str
    markup: InlineKeyboardMarkup | None = None


@dataclass(frozen=True)
class EveningInputs:
    open_items: list[Interaction]
    logged: int


async def evening_inputs(session: AsyncSession, users: list[User], now: datetime) -> dict[int, EveningInputs]:
    """What evening reminders need, for many people in a few queries (one pair per timezone)."""
    zones: dict[str, list[int]] = {}
    for user in users:
        zones.setdefault(user.timezone, []).append(user.id)
    inputs: dict[int, EveningInputs] = {}
    for tz, ids in zones.items():
        start, end = day_bounds(local_today(now, tz), tz)
        open_items, logged = await ReminderRepository(session).open_and_logged(ids, start, end)
        for user_id in ids:
            inputs[user_id] = EveningInputs(open_items.get(user_id, []), logged.get(user_id, 0))
    return inputs


async def render_reminder(
    session: AsyncSession, user: User, reminder: Reminder, now: datetime, locale: str,
    evening: EveningInputs | None = None,
) -> Outgoing | None:
    """The message for a due reminder, from what the database says now; None when there is nothing to say."""
    match reminder.kind:
        case ReminderKind.MORNING:
            return await _morning(session, user, now, locale)
        case ReminderKind.EVENING:
            if evening is None:
                evening = (await evening_inputs(session, [user], now))[user.id]
            return render_evening(user, evening, locale)
        case ReminderKind.MEETING:
            return await _meeting(session, user, reminder, now, locale)
        case ReminderKind.SUMMARY:
            text = await team_summary(session, user, now, locale)
            return Outgoing(text) if text else None
    return None


def _rows(markup: InlineKeyboardMarkup | None) -> list[list[InlineKeyboardButton]]:
    return list(markup.inline_keyboard) if markup else []


async def _morning(session: AsyncSession, user: User, now: datetime, locale: str) -> Outgoing | None:
    text, markup = await render_plan(session, user, "today", now, locale)
    today = local_today(now, user.timezone)
    birthdays = await ClientRepository(session, user).birthdays(today, BIRTHDAY_DAYS)
    if markup is None and not birthdays:
        return None
    parts = [_("☀️ Good morning, {name}!").format(name=html.escape(user.full_name)), text]
    rows = _rows(markup)
    if birthdays:
        parts.append("")
        parts.append(_("🎂 <b>Birthdays</b>"))
        for person, client, day in birthdays:
            moment = _("today") if day == today else day_fmt(day, locale)
            parts.append(f"• {html.escape(person.name)} ({html.escape(client.name)}): {moment}")
            if day == today:
                rows.append([button(_("🎉 Congratulated {name}").format(name=person.name[:30]), BdayCb(id=person.id))])
    return Outgoing("\n".join(parts), InlineKeyboardMarkup(inline_keyboard=rows) if rows else None)


def render_evening(user: User, inputs: EveningInputs, locale: str) -> Outgoing | None:
    open_items = inputs.open_items
    nudge = inputs.logged == 0 and user.role == Role.MANAGER
    if not open_items and not nudge:
        return None
    parts: list[str] = []
    kb = Rows()
    if open_items:
        parts.append(_("🌙 Planned for today and still without a result:"))
        for n, item in enumerate(open_items[:30], 1):
            parts.append(f"{n}. {clock_fmt(item.planned_at, user.timezone, locale)} <b>{html.escape(item.client.name)}</b> · {labels.kind(item.kind)}")
            kb.row(
                button(_("✅ {n} Done").format(n=n), PlanCb(a="done", id=item.id)),
                button(_("📅 {n}").format(n=n), PlanCb(a="move", id=item.id)),
                button(_("✖ {n}").format(n=n), PlanCb(a="cancel", id=item.id)),
            )
    if nudge:
        parts.append(_("You have not logged a single contact today. Had a meeting or a call? Tap 📝 Log a contact."))
    return Outgoing("\n".join(parts), kb.as_markup() if open_items else None)


async def _meeting(session: AsyncSession, user: User, reminder: Reminder, now: datetime, locale: str) -> Outgoing | None:
    repo = InteractionRepository(session, user)
    try:
        item = await repo.get(reminder.interaction_id)
    except NotFound:
        return None
    # a reminder made for another time (rescheduled since) or for a contact already done says nothing
    if item.status != Status.PLANNED or f":{int(item.planned_at.timestamp())}" not in reminder.key:
        return None
    minutes = max(0, round((item.planned_at - now).total_seconds() / 60))
    client = await ClientRepository(session, user).card(item.client_id)
    lines = [
        _("⏰ In {minutes} min, at {time}: {kind} with <b>{client}</b>").format(
            minutes=minutes, time=clock_fmt(item.planned_at, user.timezone, locale),
            kind=labels.kind(item.kind), client=html.escape(client.name),
        )
    ]
    history, _total = await repo.history(item.client_id, 5)
    last = next((i for i in history if i.status == Status.DONE), None)
    if last is not None:
        result = labels.outcome(last.outcome) if last.outcome else ""
        if last.outcome == Outcome.REFUSED and last.refusal_reason:
            result += f" ({html.escape(labels.reason(last.refusal_reason))})"
        if last.amount_minor:
            result += f" · {money(last.amount_minor, locale)}"
        lines.append(_("Last contact: {when} · {kind} {result}").format(
            when=when(last.happened_at, user.timezone, locale), kind=labels.kind(last.kind), result=result).strip())
        if last.outcome in (Outcome.REVISED_OFFER, Outcome.THINKING, Outcome.RESCHEDULED):
            lines.append(_("Open question: {what}").format(what=labels.outcome(last.outcome)))
        if last.note:
            lines.append("📝 " + html.escape(last.note[:300]))
    if client.contacts:
        people = ", ".join(
            html.escape(p.name) + (f" ({html.escape(phone_for_display(p.phone))})" if p.phone else "") for p in client.contacts[:3]
        )
        lines.append(_("Contacts: {people}").format(people=people))
    if client.notes:
        lines.append(_("Notes: {notes}").format(notes=html.escape(client.notes[:300])))
    markup = InlineKeyboardMarkup(inline_keyboard=[[
        button(_("✅ Done"), PlanCb(a="done", id=item.id)),
        button(_("📇 Client card"), ClientCb(a="open", id=item.client_id)),
    ]])
    return Outgoing("\n".join(lines), markup)


@router.callback_query(BdayCb.filter())
async def congratulated(query: CallbackQuery, callback_data: BdayCb, session: AsyncSession, user: User,
                        clock: Callable[[], datetime]) -> None:
    now = clock()
    since, _end = day_bounds(local_today(now, user.timezone), user.timezone)
    try:
        item = await InteractionRepository(session, user).log_greeting(callback_data.id, now, since)
    except NotFound:
        await not_found(query)
        return
    if item is None:
        await query.answer(_("Already noted today."))
        return
    await query.answer(_("🎉 Greeting logged."), show_alert=False)
