"""/reasons (admins): the list of refusal reasons (add, rename, reorder, hide, show again) and the\nadvice reports give heads for each."""

from __future__ import annotations

import html

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from db.models import User
from db.repositories import AccessDenied, NotFound, Repos
from db.repositories.reasons import ADVICE_MAX, TITLE_MAX
from handlers import labels
from handlers.callbacks import ReasonCb
from handlers.filters import FreeText
from handlers.keyboards import Rows, button
from handlers.states import AddReason
from handlers.report_view import advice
from handlers.ui import answer_parts, not_found, pack, show


async def render(repos: Repos, user: User) -> tuple[str, InlineKeyboardMarkup]:
    reasons = await repos.reasons.all()
    lines = [_("<b>Refusal reasons</b>, in the order the logging flow offers them. Hidden ones are not "
               "offered but stay on past contacts.")]
    kb = Rows()
    for n, reason in enumerate(reasons):
        name = labels.reason(reason)
        lines.append(("• " if reason.is_active else "◦ ") + html.escape(name) + ("" if reason.is_active else " " + _("(hidden)")))
        row = [
            button(_("🙈 Hide: {name}").format(name=name[:30]), ReasonCb(a="off", id=reason.id)) if reason.is_active
            else button(_("👁 Show: {name}").format(name=name[:30]), ReasonCb(a="on", id=reason.id)),
            button("✏️", ReasonCb(a="ren", id=reason.id)),
        ]
        if n:
            row.append(button("⬆️", ReasonCb(a="up", id=reason.id)))
        kb.row(*row)
    kb.row(button(_("➕ Add a reason"), ReasonCb(a="add")), button(_("💡 Advice to heads"), ReasonCb(a="adv")))
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
        if callback_data.a == "up":
            await repo.move_up(callback_data.id)
        else:
            await repo.set_active(callback_data.id, callback_data.a == "on")
    except (NotFound, AccessDenied):
        await not_found(query)
        return
    await query.answer()
    text, markup = await render(repos, user)
    await show(query, text, markup)


def _cancel_markup():
    return Rows().row(button(_("✖ Cancel"), ReasonCb(a="cx"))).as_markup()


async def ask_title(query: CallbackQuery, callback_data: ReasonCb, repos: Repos, state: FSMContext) -> None:
    """A new reason's name, or (✏️) a new name for one."""
    renaming = None
    if callback_data.a == "ren":
        renaming = next((r for r in await repos.reasons.all() if r.id == callback_data.id), None)
        if renaming is None:
            await not_found(query)
            return
    await query.answer()
    await state.set_state(AddReason.title)
    await state.set_data({"rename": renaming.id} if renaming else {})
    if renaming:
        text = _("Type the new name for «{name}» (up to {max} characters):").format(
            name=html.escape(labels.reason(renaming)), max=TITLE_MAX)
    else:
        text = _("Type the new refusal reason (up to {max} characters):").format(max=TITLE_MAX)
    await query.message.answer(text, reply_markup=_cancel_markup())


async def cancel_title(query: CallbackQuery, state: FSMContext) -> None:
    if await state.get_state() not in (AddReason.title.state, AddReason.advice.state):
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    await state.clear()
    await query.answer()
    await show(query, _("Cancelled. Nothing was saved."))


async def add_reason(message: Message, repos: Repos, user: User, state: FSMContext, i18n: I18n) -> None:
    data = await state.get_data()
    renaming = data.get("rename")
    try:
        title = repos.reasons.clean(message.text)
    except ValueError:
        await message.answer(_("The reason must be from 1 to {max} characters. Type it again:").format(max=TITLE_MAX),
                             reply_markup=_cancel_markup())
        return
    others = [r for r in await repos.reasons.all() if r.id != renaming]
    taken = next((r for r in others if title.casefold() in labels.reason_names(r, i18n.available_locales)), None)
    if taken is not None:
        await message.answer(
            _("«{name}» is already on the list{hidden}. Type another name:").format(
                name=html.escape(labels.reason(taken)), hidden="" if taken.is_active else " " + _("(hidden)")),
            reply_markup=_cancel_markup(),
        )
        return
    try:
        if renaming:
            await repos.reasons.rename(renaming, title)
        else:
            await repos.reasons.add(title)
    except NotFound:
        await state.clear()
        await message.answer(_("Not found, or not yours to change."))
        return
    await state.clear()
    text, markup = await render(repos, user)
    await message.answer((_("Renamed.") if renaming else _("Added.")) + "\n\n" + text, reply_markup=markup)


async def list_advice(query: CallbackQuery, repos: Repos) -> None:
    """What a head reads when a manager's refusals are mostly one reason, per reason."""
    await query.answer()
    reasons = await repos.reasons.all()
    blocks = [_("💡 <b>Advice to heads</b>: what the reports suggest when a manager's refusals are mostly "
                "one reason. Tap a reason to write your own.")]
    kb = Rows()
    for reason in reasons:
        own = "" if reason.advice is None else " " + _("(yours)")
        blocks.append(f"\n<b>{html.escape(labels.reason(reason))}</b>{own}\n{html.escape(advice(reason))}")
        kb.row(button("💡 " + labels.reason(reason)[:40], ReasonCb(a="eadv", id=reason.id)))
    parts = pack(blocks)
    await answer_parts(query.message, parts, kb.as_markup())


async def ask_advice(query: CallbackQuery, callback_data: ReasonCb, repos: Repos, state: FSMContext) -> None:
    reason = next((r for r in await repos.reasons.all() if r.id == callback_data.id), None)
    if reason is None:
        await not_found(query)
        return
    await query.answer()
    await state.set_state(AddReason.advice)
    await state.set_data({"reason": reason.id})
    await query.message.answer(
        _("Advice for «{name}» now:\n<i>{advice}</i>\n\nType your own (up to {max} characters), or - to go back "
          "to the built-in one:").format(name=html.escape(labels.reason(reason)), advice=html.escape(advice(reason)),
                                         max=ADVICE_MAX),
        reply_markup=_cancel_markup(),
    )


async def set_advice(message: Message, repos: Repos, user: User, state: FSMContext) -> None:
    text = " ".join(message.text.split())
    if text != "-" and not 1 <= len(text) <= ADVICE_MAX:
        await message.answer(_("The advice must be from 1 to {max} characters. Type it again:").format(max=ADVICE_MAX),
                             reply_markup=_cancel_markup())
        return
    reason_id = (await state.get_data()).get("reason")
    try:
        reason = await repos.reasons.set_advice(reason_id, None if text == "-" else text)
    except (NotFound, AccessDenied):
        await state.clear()
        await message.answer(_("Not found, or not yours to change."))
        return
    await state.clear()
    await message.answer(_("Saved. Reports now advise for «{name}»:\n<i>{advice}</i>").format(
        name=html.escape(labels.reason(reason)), advice=html.escape(advice(reason))))


def setup() -> Router:
    router = Router(name=__name__)
    router.message.register(list_reasons, Command("reasons"))
    router.callback_query.register(toggle, ReasonCb.filter(F.a.in_({"on", "off", "up"})))
    router.callback_query.register(ask_title, ReasonCb.filter(F.a.in_({"add", "ren"})))
    router.callback_query.register(cancel_title, ReasonCb.filter(F.a == "cx"))
    router.callback_query.register(list_advice, ReasonCb.filter(F.a == "adv"))
    router.callback_query.register(ask_advice, ReasonCb.filter(F.a == "eadv"))
    router.message.register(add_reason, StateFilter(AddReason.title), FreeText())
    router.message.register(set_advice, StateFilter(AddReason.advice), FreeText())
    return router
