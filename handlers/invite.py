"""/invite (heads and admins): makes a one-time deep link for a new colleague."""

from __future__ import annotations

import html
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from aiogram import Bot, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.settings import Settings
from db.models import Role, User
from db.repositories import AccessDenied, InviteError, NotFound, Repos
from db.repositories.access import invitable_roles
from handlers import labels
from handlers.callbacks import InviteCb, RevokeCb
from handlers.filters import FreeText, MenuButton
from handlers.keyboards import Rows, button
from handlers.states import InviteFlow
from handlers.ui import not_found, show, stale
from reports.formatting import when

TEAM_NAME_MAX = 100


async def _issue(bot: Bot, repos: Repos, user: User, role: Role, team_id: int | None,
                 settings: Settings, now: datetime, locale: str) -> tuple[str, InlineKeyboardMarkup]:
    invite = await repos.invites.create(role, team_id, now, timedelta(hours=settings.invite_ttl_hours))
    me = await bot.me()
    link = f"https://t.me/{me.username}?start={invite.code}"
    text = _(
        "Invite for a new {role}. It works once and expires {when}.\nSend this link to your colleague:\n{link}"
    ).format(role=labels.role(role).lower(), when=when(invite.expires_at, user.timezone, locale), link=html.escape(link))
    # a link sent to the wrong person can be taken back while nobody has used it
    return text, Rows().row(button(_("🚫 Revoke this link"), RevokeCb(id=invite.id))).as_markup()


async def start_invite(message: Message, user: User, state: FSMContext, repos: Repos, bot: Bot,
                       settings: Settings, clock: Callable[[], datetime], i18n: I18n) -> None:
    roles = invitable_roles(user)
    if len(roles) == 1:
        await state.clear()
        text, markup = await _issue(bot, repos, user, roles[0], user.team_id, settings, clock(), i18n.current_locale)
        await message.answer(text, reply_markup=markup)
        return
    flow = secrets.token_hex(3)
    await state.set_state(InviteFlow.role)
    await state.set_data({"flow": flow})
    kb = Rows()
    kb.row(*(button(labels.role(r), InviteCb(f=flow, role=r.value)) for r in roles))
    await message.answer(_("Whom are you inviting?"), reply_markup=kb.as_markup())


async def _teams_markup(repos: Repos, flow: str, role: str):
    kb = Rows()
    for team in await repos.users.teams():
        kb.row(button(team.name[:60], InviteCb(f=flow, role=role, team=team.id)))
    kb.row(button(_("No team"), InviteCb(f=flow, role=role, team=-1)), button(_("➕ New team"), InviteCb(f=flow, role=role, team=-2)))
    return kb.as_markup()


async def pick(query: CallbackQuery, callback_data: InviteCb, user: User, state: FSMContext, repos: Repos,
               bot: Bot, settings: Settings, clock: Callable[[], datetime], i18n: I18n) -> None:
    data = await state.get_data()
    if data.get("flow") != callback_data.f or await state.get_state() not in (InviteFlow.role.state, InviteFlow.team.state):
        await stale(query)
        return
    if callback_data.role not in Role._value2member_map_ or Role(callback_data.role) not in invitable_roles(user):
        await stale(query)
        return
    await query.answer()
    if callback_data.team == 0:
        await state.set_state(InviteFlow.team)
        await show(query, _("Which team?"), await _teams_markup(repos, callback_data.f, callback_data.role))
        return
    if callback_data.team == -2:
        await state.set_state(InviteFlow.new_team)
        await state.update_data(role=callback_data.role)
        await show(query, _("Type the new team's name:"))
        return
    team_id = None if callback_data.team == -1 else callback_data.team
    try:
        text, markup = await _issue(bot, repos, user, Role(callback_data.role), team_id, settings, clock(), i18n.current_locale)
    except (NotFound, AccessDenied):
        await stale(query)
        return
    await state.clear()
    await show(query, text, markup)


async def new_team(message: Message, user: User, state: FSMContext, repos: Repos, bot: Bot,
                   settings: Settings, clock: Callable[[], datetime], i18n: I18n) -> None:
    name = " ".join(message.text.split())
    if not name or len(name) > TEAM_NAME_MAX or name.startswith("/"):
        await message.answer(_("The team name must be from 1 to {max} characters. Type it again:").format(max=TEAM_NAME_MAX))
        return
    data = await state.get_data()
    team = await repos.users.team_by_name(name)
    text, markup = await _issue(bot, repos, user, Role(data["role"]), team.id, settings, clock(), i18n.current_locale)
    await state.clear()
    await message.answer(text, reply_markup=markup)


async def revoke(query: CallbackQuery, callback_data: RevokeCb, user: User, repos: Repos,
                 clock: Callable[[], datetime]) -> None:
    try:
        await repos.invites.revoke(callback_data.id, clock())
    except NotFound:
        await not_found(query)
        return
    except InviteError as error:
        texts = {
            "used": _("This link has already been used: nothing to revoke. Turn the person's access off in /users if needed."),
            "revoked": _("This link was already revoked."),
            "expired": _("This link has expired anyway: nobody can use it."),
        }
        await query.answer(texts[error.reason], show_alert=True)
        return
    await query.answer(_("Revoked"))
    await show(query, _("🚫 This invite was revoked: the link no longer works."))



def setup() -> Router:
    """For heads and admins: making an invite."""
    router = Router(name=__name__)
    router.message.register(start_invite, Command("invite"))
    router.message.register(start_invite, MenuButton(labels.MENU_INVITE))
    router.callback_query.register(pick, InviteCb.filter())
    router.message.register(new_team, StateFilter(InviteFlow.new_team), FreeText())
    return router


def setup_revoking() -> Router:
    """For everyone: the person who made an invite may revoke it whatever their role is now (and
    admins any); the repository checks who."""
    router = Router(name=f"{__name__}.revoke")
    router.callback_query.register(revoke, RevokeCb.filter())
    return router
