"""/users (heads and admins): who is in; admins can turn access off (effective with the person's next tap) and back
on, and hand the clients and planned contacts of someone whose access is off to a colleague."""

from __future__ import annotations

import html

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from db.models import Role, User
from db.repositories import AccessDenied, NotFound, Repos
from db.repositories.users import Base
from handlers import labels
from handlers.callbacks import UserCb
from handlers.keyboards import Rows, button
from handlers.ui import not_found, show, toast

PAGE = 20  # people per page of /users (each may carry two buttons)
HEIRS_LIMIT = 50  # colleagues offered to take over a base, the same team first


def describe(base: Base) -> str:
    clients = ngettext("{n} client", "{n} clients", base.clients).format(n=base.clients)
    planned = ngettext("{n} planned contact", "{n} planned contacts", base.planned).format(n=base.planned)
    if base.clients and base.planned:
        return _("{clients} and {planned}").format(clients=clients, planned=planned)
    return clients if base.clients else planned


async def render_users(repos: Repos, user: User, page: int = 0) -> tuple[str, InlineKeyboardMarkup | None]:
    repo = repos.users
    people = await repo.visible()
    pages = max(1, -(-len(people) // PAGE))
    page = min(max(page, 0), pages - 1)  # a forged or outdated page: the nearest real one
    shown = people[page * PAGE : (page + 1) * PAGE]
    left = await repo.bases([p.id for p in shown if not p.is_active]) if user.role == Role.ADMIN else {}
    title = _("<b>People</b> ({count})").format(count=len(people))
    if pages > 1:
        title += " · " + _("page {page} of {pages}").format(page=page + 1, pages=pages)
    lines = [title]
    kb = Rows()
    for person in shown:
        mark = "" if person.is_active else " " + _("(access off)")
        lines.append(f"• {html.escape(person.full_name)} · {labels.role(person.role)}{mark}")
        if person.id in left:
            lines.append("   " + _("left behind: {base}").format(base=describe(left[person.id])))
        if user.role == Role.ADMIN and person.id != user.id:
            if person.is_active:
                kb.row(button(_("⛔ Turn off: {name}").format(name=person.full_name[:40]), UserCb(a="off", id=person.id, p=page)))
            else:
                kb.row(button(_("✅ Turn on: {name}").format(name=person.full_name[:40]), UserCb(a="on", id=person.id, p=page)))
                if person.id in left:
                    kb.row(button(_("📦 Hand over: {name}").format(name=person.full_name[:40]), UserCb(a="give", id=person.id, p=page)))
    nav = []
    if page > 0:
        nav.append(button(_("‹ Previous"), UserCb(a="list", id=0, p=page - 1)))
    if page < pages - 1:
        nav.append(button(_("Next ›"), UserCb(a="list", id=0, p=page + 1)))
    if nav:
        kb.row(*nav)
    return "\n".join(lines), kb.as_markup() if kb else None


async def _redraw(query: CallbackQuery, repos: Repos, user: User, page: int) -> None:
    await show(query, *await render_users(repos, user, page))


async def list_users(message: Message, repos: Repos, user: User) -> None:
    text, markup = await render_users(repos, user)
    await message.answer(text, reply_markup=markup)


async def confirm_off(query: CallbackQuery, callback_data: UserCb, repos: Repos) -> None:
    """Turning someone's access off takes effect at their next tap: it asks first."""
    try:
        target = await repos.users.colleague(callback_data.id)
    except (NotFound, AccessDenied):
        await not_found(query)
        return
    await query.answer()
    kb = Rows().row(
        button(_("⛔ Yes, turn off"), UserCb(a="offok", id=target.id, p=callback_data.p)),
        button(_("‹ Back"), UserCb(a="list", id=0, p=callback_data.p)),
    )
    text = _("Turn off access for {name}? They lose it at their next tap; their clients and history stay, "
             "and access can be turned on again.").format(name=html.escape(target.full_name))
    await show(query, text, kb.as_markup())


async def toggle(query: CallbackQuery, callback_data: UserCb, repos: Repos, user: User) -> None:
    try:
        target = await repos.users.set_active(callback_data.id, callback_data.a == "on")
    except (NotFound, AccessDenied):
        await not_found(query)
        return
    done = _("Access is on for {name}.") if target.is_active else _("Access is off for {name}.")
    await query.answer(toast(done.format(name=html.escape(target.full_name))))
    await _redraw(query, repos, user, callback_data.p)


async def back_to_list(query: CallbackQuery, callback_data: UserCb, repos: Repos, user: User) -> None:
    await query.answer()
    await _redraw(query, repos, user, callback_data.p)


async def hand_over(query: CallbackQuery, callback_data: UserCb, repos: Repos, user: User) -> None:
    """give: whom to? → to: sure? → go: done. Every step re-checks both people."""
    repo = repos.users
    to_id = callback_data.to if callback_data.a in ("to", "go") else None
    try:
        source, target = await repo.handover_parties(callback_data.id, to_id)
    except (NotFound, AccessDenied):
        await not_found(query)
        return
    back = button(_("‹ Back"), UserCb(a="list", id=0, p=callback_data.p))
    if callback_data.a == "go":
        moved = await repo.hand_over(source.id, target.id)
        if moved:
            await query.answer(toast(_("Handed over to {name}: {base}.").format(name=html.escape(target.full_name), base=describe(moved))))
        else:
            await query.answer(_("Nothing is left to hand over."))
        await _redraw(query, repos, user, callback_data.p)
        return
    base = (await repo.bases([source.id])).get(source.id)
    if not base:
        await query.answer(_("Nothing is left to hand over."))
        await _redraw(query, repos, user, callback_data.p)
        return
    await query.answer()
    who = html.escape(source.full_name)
    if target is None:
        # colleagues of the same team first: the likeliest heirs of a territory
        people = [p for p in await repo.visible() if p.is_active and p.id != source.id]
        people.sort(key=lambda p: (p.team_id != source.team_id, p.full_name))
        kb = Rows()
        for person in people[:HEIRS_LIMIT]:
            kb.row(button(f"{person.full_name[:40]} · {labels.role(person.role)}",
                          UserCb(a="to", id=source.id, to=person.id, p=callback_data.p)))
        kb.row(back)
        text = _("Hand over the base of {name} ({base}) to whom? Contacts already done stay recorded under {name}.")
        await show(query, text.format(name=who, base=describe(base)), kb.as_markup())
        return
    kb = Rows().row(
        button(_("✅ Hand over"), UserCb(a="go", id=source.id, to=target.id, p=callback_data.p)),
        button(_("‹ Back"), UserCb(a="give", id=source.id, p=callback_data.p)),
    )
    text = _("Hand over to {heir} what {name} left: {base}?").format(
        base=describe(base), name=who, heir=html.escape(target.full_name)
    )
    await show(query, text, kb.as_markup())



def setup() -> Router:
    """For heads and admins: who is in."""
    router = Router(name=__name__)
    router.message.register(list_users, Command("users"))
    router.callback_query.register(back_to_list, UserCb.filter(F.a == "list"))
    return router


def setup_for_admins() -> Router:
    """For admins: access off and on, and handing over what someone left."""
    router = Router(name=f"{__name__}.admins")
    router.callback_query.register(confirm_off, UserCb.filter(F.a == "off"))
    router.callback_query.register(toggle, UserCb.filter(F.a.in_({"on", "offok"})))
    router.callback_query.register(hand_over, UserCb.filter(F.a.in_({"give", "to", "go"})))
    return router
