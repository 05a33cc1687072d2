"""/settings: timezone, morning and evening times, meeting lead time, and what to mute."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from db.models import Role, User
from db.repositories import Repos
from handlers.callbacks import SetCb
from handlers.filters import FreeText
from handlers.keyboards import Rows, button
from handlers.parsing import parse_time
from handlers.states import SettingsFlow
from handlers.zones import parse_zone, zone_label, zone_markup
from handlers.ui import show, stale


LEADS = (15, 30, 60, 120)
def _bell(muted: bool) -> str:
    return "🔕" if muted else "🔔"


def render(user: User) -> tuple[str, InlineKeyboardMarkup]:
    lines = [
        _("<b>Settings</b>"),
        _("Timezone: {tz}").format(tz=zone_label(user.timezone)),
        _("Morning plan at {time}").format(time=user.morning_at.strftime("%H:%M")),
        _("Evening reminder at {time}").format(time=user.evening_at.strftime("%H:%M")),
        _("Meeting reminder {minutes} min before").format(minutes=user.meeting_lead_min)
        + (" " + _("(calls too)") if user.remind_calls else ""),
        _("Reminders come on working days; 🔕 means muted."),
    ]
    kb = Rows()
    kb.row(button(_("🌍 Timezone"), SetCb(a="tz")))
    kb.row(button(_("☀️ Morning time"), SetCb(a="morning")), button(_("🌙 Evening time"), SetCb(a="evening")))
    kb.row(*(button(("• " if user.meeting_lead_min == m else "") + _("{minutes} min").format(minutes=m), SetCb(a="lead", v=str(m))) for m in LEADS))
    kb.row(
        button(_bell(user.mute_morning) + " " + _("Morning plan"), SetCb(a="mute", v="mute_morning")),
        button(_bell(user.mute_evening) + " " + _("Evening"), SetCb(a="mute", v="mute_evening")),
    )
    row = [
        button(_bell(user.mute_meeting) + " " + _("Meetings"), SetCb(a="mute", v="mute_meeting")),
        button(_bell(not user.remind_calls) + " " + _("Calls"), SetCb(a="mute", v="remind_calls")),
    ]
    if user.role in (Role.HEAD, Role.ADMIN):
        row.append(button(_bell(user.mute_summary) + " " + _("Team summary"), SetCb(a="mute", v="mute_summary")))
    kb.row(*row)
    return "\n".join(lines), kb.as_markup()


async def show_settings(message: Message, user: User, state: FSMContext) -> None:
    await state.clear()
    text, markup = render(user)
    await message.answer(text, reply_markup=markup)


async def ask_zone(query: CallbackQuery, state: FSMContext) -> None:
    await query.answer()
    await state.set_state(SettingsFlow.timezone)
    await query.message.answer(
        _("Pick your timezone, or type a city, «МСК+2» or «UTC+5»:"), reply_markup=zone_markup()
    )


async def _apply_zone(zone: str, repos: Repos, user: User) -> bool:
    if zone not in available_timezones():
        return False
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    await repos.preferences.set_timezone(zone)
    return True


async def pick_zone(query: CallbackQuery, callback_data: SetCb, repos: Repos, user: User, state: FSMContext) -> None:
    if not await _apply_zone(callback_data.v, repos, user):
        await stale(query)
        return
    await state.clear()
    await query.answer(_("Saved"))
    text, markup = render(user)
    await show(query, text, markup)


async def typed_zone(message: Message, repos: Repos, user: User, state: FSMContext,
                     clock: Callable[[], datetime], i18n: I18n) -> None:
    zone = parse_zone(message.text, i18n.current_locale, clock()) if len(message.text) <= 64 else None
    if zone is None or not await _apply_zone(zone, repos, user):
        await message.answer(_("I don't know this timezone. Type a city (Екатеринбург, Almaty), «МСК+2» or «UTC+5»:"))
        return
    await state.clear()
    text, markup = render(user)
    await message.answer(text, reply_markup=markup)


async def ask_time(query: CallbackQuery, callback_data: SetCb, state: FSMContext) -> None:
    await query.answer()
    await state.set_state(SettingsFlow.morning if callback_data.a == "morning" else SettingsFlow.evening)
    await query.message.answer(_("Type the time as HH:MM, e.g. 08:30:"))


async def typed_time(message: Message, repos: Repos, user: User, state: FSMContext) -> None:
    value = parse_time(message.text)
    if value is None:
        await message.answer(_("I could not read the time. Type it as HH:MM, e.g. 08:30:"))
        return
    which = "morning_at" if await state.get_state() == SettingsFlow.morning.state else "evening_at"
    await repos.preferences.set_time(which, value)
    await state.clear()
    text, markup = render(user)
    await message.answer(text, reply_markup=markup)


async def change(query: CallbackQuery, callback_data: SetCb, repos: Repos, user: User) -> None:
    prefs = repos.preferences
    try:
        if callback_data.a == "lead":
            await prefs.set_lead(int(callback_data.v))
        else:
            if callback_data.v == "mute_summary" and user.role == Role.MANAGER:
                raise ValueError
            await prefs.toggle(callback_data.v)
    except ValueError:
        await stale(query)
        return
    await query.answer(_("Saved"))
    text, markup = render(user)
    await show(query, text, markup)


def setup() -> Router:
    router = Router(name=__name__)
    router.message.register(show_settings, Command("settings"))
    router.callback_query.register(ask_zone, SetCb.filter(F.a == "tz"))
    router.callback_query.register(pick_zone, SetCb.filter(F.a == "zone"))
    router.message.register(typed_zone, StateFilter(SettingsFlow.timezone), FreeText())
    router.callback_query.register(ask_time, SetCb.filter(F.a.in_({"morning", "evening"})))
    router.message.register(typed_time, StateFilter(SettingsFlow.morning), FreeText())
    router.message.register(typed_time, StateFilter(SettingsFlow.evening), FreeText())
    router.callback_query.register(change, SetCb.filter(F.a.in_({"lead", "mute"})))
    return router
