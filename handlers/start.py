"""Greeting, invite redemption, /help, /lang and /cancel."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.settings import LANGUAGES, Settings
from db.models import Role, User
from db.repositories import InviteError, Repos
from handlers import labels
from handlers.callbacks import LangCb
from handlers.keyboards import button, main_menu
from handlers.ui import drop_keyboard
from handlers.zones import zone_label, zone_markup
from handlers.filters import MenuButton


LANGUAGE_NAMES = {"ru": "🇷🇺 Русский", "en": "🇬🇧 English"}


def help_text(user: User) -> str:
    lines = [
        _("<b>Ladon</b> keeps every contact with your clients and its result."),
        "",
        _("📝 <b>Log a contact</b>: right after a meeting or a call, a few taps."),
        # everyone has the button and may log meetings; a request_location button explains nothing by itself
        _("📍 <b>I'm at the client</b>: at a meeting, tap it on your phone; your location confirms the visit."),
        _("📅 /today, /tomorrow: planned contacts with done / reschedule / cancel."),
        _("/yesterday: what you logged yesterday."),
        _("🔎 /clients: find a client, see the card and the full history."),
        _("/settings: timezone and reminders. /lang: language. /cancel: stop the current step."),
    ]
    if user.role == Role.MANAGER:
        lines.append(_("📊 /report: your figures over any period."))
        lines.append(_("🎯 /plan: your sales plan for the month. 🔮 /forecast: how the month is likely to end."))
        lines.append(_("🎓 /training: the trainings you took part in, and how your figures changed after them."))
    if user.role in (Role.HEAD, Role.ADMIN):
        lines.append(_("📊 /report: a report for any period, on the team or a manager, with charts and Excel."))
        lines.append(_("🎯 /plan: the month's sales plans. 🔮 /forecast: how the month is likely to end, per manager."))
        lines.append(_("📞 /checks: the call-back check, meetings still to confirm with the client."))
        lines.append(_("👥 /team: the team's plan for today and tomorrow, yesterday's results."))
        lines.append(_("➕ /invite: a one-time link for a new colleague."))
        lines.append(_("🔐 /users: people and their access."))
        lines.append(_("🎓 /training: record a training and see whether it worked."))
    if user.role == Role.ADMIN:
        lines.append(_("/reasons: the list of refusal reasons."))
        lines.append(_("🛡 /audit: who did what with the client base."))
        lines.append(_("📥 /import: load clients from an Excel or CSV file (or just send the file)."))
        lines.append(_("📦 In /users, the clients of someone who left go to a colleague."))
    return "\n".join(lines)


async def start_with_code(
    message: Message,
    command: CommandObject,
    repos: Repos,
    user: User | None,
    settings: Settings,
    clock: Callable[[], datetime],
    state: FSMContext,
    i18n: I18n,
) -> None:
    if user is not None:
        await message.answer(_("You are already in, {name}.").format(name=html.escape(user.full_name)), reply_markup=main_menu(user))
        return
    code = (command.args or "").strip()
    tg = message.from_user
    try:
        if len(code) > 64:
            raise InviteError("unknown")
        invite = await repos.invites.claim(code, clock())
    except InviteError as error:
        texts = {
            "unknown": _("This invite link is not valid. Ask for a new one."),
            "used": _("This invite link has already been used. Ask for a new one."),
            "expired": _("This invite link has expired. Ask for a new one."),
            "revoked": _("This invite link was revoked. Ask for a new one."),
        }
        await message.answer(texts[error.reason])
        return
    language = i18n.current_locale if i18n.current_locale in LANGUAGES else settings.default_language
    new_user = await repos.users.create(
        tg_id=tg.id,
        full_name=tg.full_name,
        username=tg.username,
        role=invite.role,
        team_id=invite.team_id,
        timezone=settings.default_timezone,
        language=language,
    )
    await repos.invites.set_user(invite, new_user)
    await state.clear()
    await message.answer(
        _("Welcome to Ladon, {name}! You are in as: {role}.").format(name=html.escape(new_user.full_name), role=labels.role(new_user.role).lower())
        + "\n\n"
        + help_text(new_user),
        reply_markup=main_menu(new_user),
    )
    # reminders come at local times: the company's zone is a guess, so ask
    await message.answer(
        _("🌍 Your time zone is {zone}, the company's. If yours is different, tap it (it can be changed later "
          "in /settings):").format(zone=zone_label(new_user.timezone)),
        reply_markup=zone_markup(),
    )


async def start(message: Message, user: User, state: FSMContext) -> None:
    await state.clear()
    await message.answer(_("Hello, {name}! What shall we do?").format(name=html.escape(user.full_name)), reply_markup=main_menu(user))


async def show_help(message: Message, user: User) -> None:
    await message.answer(help_text(user), reply_markup=main_menu(user))


async def cancel(message: Message, user: User, state: FSMContext, bot: Bot) -> None:
    had_state = await state.get_state() is not None
    mid = (await state.get_data()).get("mid")
    await state.clear()
    if had_state:
        await drop_keyboard(bot, message.chat.id, mid)  # the cancelled step's buttons go with it
    await message.answer(_("Cancelled. Nothing was saved.") if had_state else _("Nothing to cancel."), reply_markup=main_menu(user))


async def choose_language(message: Message) -> None:
    markup = InlineKeyboardMarkup(inline_keyboard=[[button(name, LangCb(code=code)) for code, name in LANGUAGE_NAMES.items()]])
    await message.answer(_("Choose the language:"), reply_markup=markup)


async def set_language(query: CallbackQuery, callback_data: LangCb, user: User, repos: Repos, i18n: I18n) -> None:
    if callback_data.code not in LANGUAGES:
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    await repos.users.set_language(user, callback_data.code)
    i18n.current_locale = callback_data.code
    await query.answer()
    await query.message.edit_text(_("Language: {name}").format(name=LANGUAGE_NAMES[callback_data.code]))
    await query.message.answer(_("Done. The menu is below."), reply_markup=main_menu(user))


def setup() -> Router:
    router = Router(name=__name__)
    router.message.register(start_with_code, CommandStart(deep_link=True))
    router.message.register(start, CommandStart())
    router.message.register(show_help, Command("help"))
    router.message.register(show_help, MenuButton(labels.MENU_HELP))
    router.message.register(cancel, Command("cancel"))
    router.message.register(choose_language, Command("lang"))
    router.callback_query.register(set_language, LangCb.filter())
    return router
