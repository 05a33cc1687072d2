"""/reasons (admins): the list of refusal reasons (add, hide, show again)."""

from __future__ import annotations

import html

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from db.models import User
from db.repositories import AccessDenied, NotFound, Repos
from db.repositories.reasons import TITLE_MAX
from handlers import labels
from handlers.callbacks import ReasonCb
from handlers.filters import FreeText
from handlers.keyboards import Rows, button
from handlers.states import AddReason
from handlers.ui import not_found, show


async def render(repos: Repos, user: User) -> tuple[str, InlineKeyboardMarkup]:
    reasons = await repos.reasons.all()
    lines = [_("<b>Refusal reasons</b>. Hidden ones are not offered but stay on past contacts.")]
    kb = Rows()
    for reason in reasons:
        name = labels.reason(reason)
        lines.append(("• " if reason.is_active else "◦ ") + html.escape(name) + ("" if reason.is_active else " " + _("(hidden)")))
        if reason.is_active:
            kb.row(button(_("🙈 Hide: {name}").format(name=name[:40]), ReasonCb(a="off", id=reason.id)))
        else:
            kb.row(button(_("👁 Show: {name}").format(name=name[:40]), ReasonCb(a="on", id=reason.id)))
    kb.row(button(_("➕ Add a reason"), ReasonCb(a="add")))
    return "\n".join(lines), kb.as_markup()


async def list_reasons(message: Message, repos: Repos, user: User) -> None:
    text, markup = await render(repos, user)
    await message.answer(text, reply_markup=markup)


async def toggle(query: CallbackQuery, callback_data: ReasonCb, repos: Repos, user: User) -> None:
    repo = repos.reasons
    active = [r.id for r in await repo.active()]
    if callback_data.a == "off" and active == [callback_data.id]:
        # at least one reason must stay, or a refusal could not be logged
        await query.answer(_("At least one reason must stay."), show_alert=True)
        return
    try:
        await repo.set_active(callback_data.id, callback_data.a == "on")
    except (NotFound, AccessDenied):
        await not_found(query)
        return
    await query.answer()
    text, markup = await render(repos, user)
    await show(query, text, markup)


async def ask_title(query: CallbackQuery, user: User, state: FSMContext) -> None:
    await query.answer()
    await state.set_state(AddReason.title)
    await query.message.answer(_("Type the new refusal reason (up to {max} characters):").format(max=TITLE_MAX))


async def add_reason(message: Message, repos: Repos, user: User, state: FSMContext) -> None:
    try:
        await repos.reasons.add(message.text)
    except ValueError:
        await message.answer(_("The reason must be from 1 to {max} characters. Type it again:").format(max=TITLE_MAX))
        return
    await state.clear()
    text, markup = await render(repos, user)
    await message.answer(_("Added.") + "\n\n" + text, reply_markup=markup)


def setup() -> Router:
    router = Router(name=__name__)
    router.message.register(list_reasons, Command("reasons"))
    router.callback_query.register(toggle, ReasonCb.filter(F.a.in_({"on", "off"})))
    router.callback_query.register(ask_title, ReasonCb.filter(F.a == "add"))
    router.message.register(add_reason, StateFilter(AddReason.title), FreeText())
    return router
