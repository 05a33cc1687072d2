"""/users: who is in; admins can turn access off (effective with the person's next tap) and back on."""

from __future__ import annotations

import html

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Role, User
from db.repositories import AccessDenied, NotFound, UserRepository
from handlers import labels
from handlers.callbacks import UserCb
from handlers.keyboards import Rows, button
from handlers.ui import not_found, show, toast

router = Router(name=__name__)
LIST_LIMIT = 50


async def render_users(session: AsyncSession, user: User) -> tuple[str, InlineKeyboardMarkup | None]:
    people = await UserRepository(session).visible(user)
    lines = [_("<b>People</b> ({count})").format(count=len(people))]
    kb = Rows()
    for person in people[:LIST_LIMIT]:
        mark = "" if person.is_active else " " + _("(access off)")
        lines.append(f"• {html.escape(person.full_name)} · {labels.role(person.role)}{mark}")
        if user.role == Role.ADMIN and person.id != user.id:
            if person.is_active:
                kb.row(button(_("⛔ Turn off: {name}").format(name=person.full_name[:40]), UserCb(a="off", id=person.id)))
            else:
                kb.row(button(_("✅ Turn on: {name}").format(name=person.full_name[:40]), UserCb(a="on", id=person.id)))
    return "\n".join(lines), kb.as_markup() if user.role == Role.ADMIN else None


@router.message(Command("users"))
async def list_users(message: Message, session: AsyncSession, user: User) -> None:
    if user.role == Role.MANAGER:
        await message.answer(_("Only heads and admins can see the team."))
        return
    text, markup = await render_users(session, user)
    await message.answer(text, reply_markup=markup)


@router.callback_query(UserCb.filter(F.a.in_({"on", "off"})))
async def toggle(query: CallbackQuery, callback_data: UserCb, session: AsyncSession, user: User) -> None:
    try:
        target = await UserRepository(session).set_active(user, callback_data.id, callback_data.a == "on")
    except (NotFound, AccessDenied):
        await not_found(query)
        return
    done = _("Access is on for {name}.") if target.is_active else _("Access is off for {name}.")
    await query.answer(toast(done.format(name=target.full_name)))
    text, markup = await render_users(session, user)
    await show(query, text, markup)
