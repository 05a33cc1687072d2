"""What the bot says on its own: the morning plan, the evening reminder, the brief before a meeting
and the heads' morning digest. Renderers only: the outbox service (`bot.reminders`) calls
them, and the buttons they carry are handled by the routers of each area."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from db.models import Outcome, Reminder, ReminderKind, Role, User
from db.repositories import Repos
from handlers import labels
from handlers.callbacks import BdayCb, ClientCb, PlanCb
from handlers.checks import checklist
from handlers.digest import team_digest
from handlers.report_view import Photo
from handlers.keyboards import Rows, button
from handlers.parsing import phone_for_display
from handlers.plan_list import render_plan
from handlers.scores import best_block
from handlers.ui import fits
from reports.briefs import EveningInputs, evening_inputs, meeting_brief
from reports.checkin import DEFAULT_RADIUS_M
from reports.dates import local_today
from reports.formatting import clock as clock_fmt
from reports.formatting import day as day_fmt
from reports.formatting import money, when
from reports.workdays import WorkCalendar

BIRTHDAY_DAYS = 3  # today and the next two days
ROWS_PER_MESSAGE = 30  # three buttons each: under Telegram's 100 buttons a message


@dataclass(frozen=True)
class Outgoing:
    """What a reminder sends: one message, or several when the text would not fit one, each
    with its own buttons."""

    parts: tuple[tuple[str, InlineKeyboardMarkup | None], ...]
    photos: tuple[Photo, ...] = ()  # charts, sent after the texts (an album when several)

    @classmethod
    def one(cls, text: str, markup: InlineKeyboardMarkup | None = None) -> Outgoing:
        return cls(((text, markup),))

    @classmethod
    def texts(cls, parts: list[str]) -> Outgoing:
        return cls(tuple((text, None) for text in parts))


async def render_reminder(
    repos: Repos, reminder: Reminder, now: datetime, locale: str, calendar: WorkCalendar,
    evening: EveningInputs | None = None, *, rank: str = "name", radius_m: int = DEFAULT_RADIUS_M,
    checkins_required: bool = False,
) -> Outgoing | None:
    """The message for a due reminder of `repos.actor`, from what the database says now; None when
    there is nothing to say."""
    user = repos.actor
    match reminder.kind:
        case ReminderKind.MORNING:
            return await _morning(repos, user, now, locale)
        case ReminderKind.EVENING:
            if evening is None:
                evening = (await evening_inputs(repos.reminders, [user], now))[user.id]
            return render_evening(user, evening, locale)
        case ReminderKind.MEETING:
            return await _meeting(repos, user, reminder, now, locale)
        case ReminderKind.SUMMARY:
            digest = await team_digest(repos, user, now, locale, calendar, rank=rank, radius_m=radius_m,
                                       checkins_required=checkins_required)
            if digest is None:
                return None
            return Outgoing(tuple((text, None) for text in digest.parts), tuple(digest.photos))
        case ReminderKind.CALLBACKS:
            parts = await checklist(repos, user, reminder.local_date, locale)
            return Outgoing(tuple(parts)) if parts else None
    return None


def _rows(markup: InlineKeyboardMarkup | None) -> list[list[InlineKeyboardButton]]:
    return list(markup.inline_keyboard) if markup else []


async def _morning(repos: Repos, user: User, now: datetime, locale: str) -> Outgoing | None:
    text, markup = await render_plan(repos, user, "today", now, locale)
    today = local_today(now, user.timezone)
    birthdays = await repos.clients.birthdays(today, BIRTHDAY_DAYS)
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
    markup = InlineKeyboardMarkup(inline_keyboard=rows) if rows else None
    best = await best_block(repos, user, locale)
    if best and not fits([*parts, "", *best]):  # a full page of plans: the block comes on its own
        return Outgoing((("\n".join(parts), markup), ("\n".join(best), None)))
    return Outgoing.one("\n".join([*parts, "", *best] if best else parts), markup)


def render_evening(user: User, inputs: EveningInputs, locale: str) -> Outgoing | None:
    """Today's contacts still without a result, each with its buttons, in as many messages as
    they need (Telegram's limits: 4,096 characters and 100 buttons a message)."""
    open_items = inputs.open_items
    nudge = inputs.logged == 0 and user.role == Role.MANAGER
    if not open_items and not nudge:
        return None
    messages: list[tuple[list[str], Rows]] = []
    lines, kb = [_("🌙 Planned for today and still without a result:")], Rows()
    for n, item in enumerate(open_items, 1):
        line = f"{n}. {clock_fmt(item.planned_at, user.timezone, locale)} <b>{html.escape(item.client.name)}</b> · {labels.kind(item.kind)}"
        if len(kb) == ROWS_PER_MESSAGE or not fits([*lines, line]):
            messages.append((lines, kb))
            lines, kb = [], Rows()
        lines.append(line)
        kb.row(
            button(_("✅ {n} Done").format(n=n), PlanCb(a="done", id=item.id)),
            button(_("📅 {n} Move").format(n=n), PlanCb(a="move", id=item.id)),
            button(_("✖ {n} Cancel").format(n=n), PlanCb(a="cancel", id=item.id)),
        )
    if nudge:
        line = _("You have not logged a single contact today. Had a meeting or a call? Tap 📝 Log a contact.")
        if open_items and not fits([*lines, line]):
            messages.append((lines, kb))
            lines, kb = [], Rows()
        lines.append(line)
    messages.append((lines, kb))
    return Outgoing(tuple(("\n".join(text), rows.as_markup() if rows else None) for text, rows in messages))


async def _meeting(repos: Repos, user: User, reminder: Reminder, now: datetime, locale: str) -> Outgoing | None:
    brief = await meeting_brief(repos, reminder.interaction_id, reminder.key)
    if brief is None:
        return None
    item, client, last = brief.item, brief.client, brief.last
    minutes = max(0, round((item.planned_at - now).total_seconds() / 60))
    lines = [
        _("⏰ In {minutes} min, at {time}: {kind} with <b>{client}</b>").format(
            minutes=minutes, time=clock_fmt(item.planned_at, user.timezone, locale),
            kind=labels.kind(item.kind), client=html.escape(client.name),
        )
    ]
    if last is not None:
        result = labels.outcome(last.outcome) if last.outcome else ""
        if last.outcome == Outcome.REFUSED and last.refusal_reason:
            result += f" ({html.escape(labels.reason(last.refusal_reason))})"
        if last.amount_minor:
            result += f" · {money(last.amount_minor, locale)}"
        what = f"{labels.kind(last.kind)} · {result}" if result else labels.kind(last.kind)
        lines.append(_("Last contact: {when} · {what}").format(when=when(last.happened_at, user.timezone, locale), what=what))
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
    return Outgoing.one("\n".join(lines), markup)
