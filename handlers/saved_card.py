"""The card of a just-saved contact: undo, whom it was with, a note (text, voice or photo), and when it\nreally happened if that was earlier."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.settings import Settings
from db.models import User
from db.repositories import NotFound, Repos
from handlers import labels
from db.repositories.interactions import NOTE_MAX, PHOTOS_MAX, AlreadyUndone, Conflict, NotesFull, PhotosFull
from handlers.callbacks import CardCb, ClientCb
from handlers.filters import FreeText, Magic
from handlers.keyboards import Rows, button
from handlers.logging_steps import end_run, grid, plan_lines, saved_markup
from handlers.states import Note
from handlers.ui import found, not_found, show, toast
from reports.dates import at_local, local_today
from reports.formatting import short_day, when


UNDONE_KEPT = 10  # contacts undone lately, remembered per chat: a second tap is told, not refused


async def undo(
    query: CallbackQuery, callback_data: CardCb, repos: Repos, state: FSMContext, clock: Callable[[], datetime],
    settings: Settings,
) -> None:
    undone = (await state.get_data()).get("undone") or []
    try:
        result = await repos.interactions.undo(callback_data.id, clock(), timedelta(minutes=settings.undo_minutes))
    except AlreadyUndone:
        await query.answer(_("Already undone."), show_alert=True)
        return
    except NotFound:
        if callback_data.id in undone:  # it was deleted by an undo a moment ago
            await query.answer(_("Already undone."), show_alert=True)
        else:
            await not_found(query)
        return
    except Conflict:
        text = ngettext(
            "It can no longer be undone: more than {minutes} minute has passed.",
            "It can no longer be undone: more than {minutes} minutes have passed.",
            settings.undo_minutes,
        )
        await query.answer(text.format(minutes=settings.undo_minutes), show_alert=True)
        return
    await state.update_data(undone=[*undone[-(UNDONE_KEPT - 1):], callback_data.id])
    await query.answer(_("Undone"))
    if result.replanned:
        text = _("↩️ Undone: the contact is back in your plan, without a result.")
    elif result.client is None:
        text = _("↩️ Undone: nothing of this contact is kept.")
    elif result.client_removed:
        text = _("↩️ Undone: nothing of this contact is kept, nor the new client «{name}».")
    else:
        text = _("↩️ Undone: the contact is removed. The new client «{name}» stays: it has contact persons by now.")
    await show(query, text.format(name=html.escape(result.client or "")))


async def take_back_plan(
    query: CallbackQuery, callback_data: CardCb, repos: Repos, user: User, clock: Callable[[], datetime],
    settings: Settings, i18n: I18n,
) -> None:
    """Undo just what the contact did to a plan: reopen the plan it closed, or keep where it was
    the plan its next step moved. The contact itself stays saved."""
    window = timedelta(minutes=settings.undo_minutes)
    try:
        if callback_data.a == "reopen":
            item = await repos.interactions.reopen(callback_data.id, clock(), window)
            plan = None
        else:
            plan = await repos.interactions.keep_plan(callback_data.id, clock(), window)
            item = await repos.interactions.get(callback_data.id)
    except AlreadyUndone:
        await query.answer(_("Already undone."), show_alert=True)
        return
    except NotFound:
        await not_found(query)
        return
    except Conflict:
        await query.answer(_("It can no longer be changed: the plan or the contact is not as it was."), show_alert=True)
        return
    locale = i18n.current_locale
    if plan is None:
        status = _("📌 The plan stays open; the contact is saved on its own.")
    else:
        status = _("📅 The plan stays as it was: {kind}, {when}.").format(
            kind=labels.kind(plan.kind), when=when(plan.planned_at, user.timezone, locale))
    await query.answer(toast(status))
    kept = [line for line in (query.message.html_text or "").split("\n") if not line.startswith(("📌", "📅"))]
    await show(query, "\n".join([*kept, *plan_lines(item, user.timezone, locale), status]), saved_markup(item))


async def ask_person(query: CallbackQuery, callback_data: CardCb, repos: Repos) -> None:
    """Which of the client's contact persons it was with (a tap each, optional)."""
    found_ = await found(query, repos.interactions.people_of(callback_data.id))
    if found_ is None:
        return
    item, people = found_
    if people:
        await query.answer()
    else:
        await query.answer(_("This client has no contact persons yet: add one, then choose."), show_alert=True)
    kb = Rows()
    for person in people[:30]:
        label = person.name[:40] + (f" · {person.position[:20]}" if person.position else "")
        kb.row(button(label, CardCb(a="pp", id=item.id, p=person.id)))
    kb.row(button(_("➕ Contact person"), ClientCb(a="person", id=item.client_id, p=item.id)),
           button(_("‹ Back"), CardCb(a="back", id=item.id)))
    await query.message.edit_reply_markup(reply_markup=kb.as_markup())


async def pick_person(query: CallbackQuery, callback_data: CardCb, repos: Repos) -> None:
    try:
        if callback_data.a == "pp":
            item, person = await repos.interactions.set_person(callback_data.id, callback_data.p)
            await query.answer(toast(_("👤 With {name}").format(name=html.escape(person.name))))
            name = person.name
        else:
            item, people = await repos.interactions.people_of(callback_data.id)
            await query.answer()
            name = next((p.name for p in people if p.id == item.contact_person_id), None)
    except NotFound:
        await not_found(query)
        return
    await query.message.edit_reply_markup(reply_markup=saved_markup(item, name))


WHEN_DAYS = 7  # "it was earlier": today and the week before
WHEN_HOURS = range(8, 21)


async def ask_when(query: CallbackQuery, callback_data: CardCb, repos: Repos, user: User, clock: Callable[[], datetime],
                   i18n: I18n) -> None:
    """It was earlier: which day (today or the week before), then (a="wday") at what hour."""
    item = await found(query, repos.interactions.own(callback_data.id))
    if item is None:
        return
    today = local_today(clock(), user.timezone)
    if callback_data.a == "when":
        days = [today - timedelta(days=n) for n in range(WHEN_DAYS + 1)]
        names = [_("Today"), _("Yesterday")] + [short_day(d, i18n.current_locale) for d in days[2:]]
        buttons = [button(name, CardCb(a="wday", id=item.id, p=n)) for n, name in enumerate(names)]
        await query.answer(_("When was it?"))
        await query.message.edit_reply_markup(reply_markup=grid(buttons, 4, [button(_("‹ Back"), CardCb(a="back", id=item.id))]))
        return
    if not 0 <= callback_data.p <= WHEN_DAYS:
        await not_found(query)
        return
    day = today - timedelta(days=callback_data.p)
    now_local = clock().astimezone(ZoneInfo(user.timezone))
    hours = [h for h in WHEN_HOURS if callback_data.p or h <= now_local.hour]
    if not hours:
        await query.answer(_("Nothing earlier today to choose: pick another day."), show_alert=True)
        return
    buttons = [button(f"{h:02d}:00", CardCb(a="wat", id=item.id, p=callback_data.p * 100 + h)) for h in hours]
    await query.answer(short_day(day, i18n.current_locale))
    await query.message.edit_reply_markup(reply_markup=grid(buttons, 5, [button(_("‹ Back"), CardCb(a="when", id=item.id))]))


async def set_when(query: CallbackQuery, callback_data: CardCb, repos: Repos, user: User, clock: Callable[[], datetime],
                   i18n: I18n) -> None:
    back, hour = divmod(callback_data.p, 100)
    if not 0 <= back <= WHEN_DAYS or hour not in WHEN_HOURS:
        await not_found(query)
        return
    day = local_today(clock(), user.timezone) - timedelta(days=back)
    try:
        item = await repos.interactions.set_happened(callback_data.id, at_local(day, user.timezone, time(hour)), clock())
    except NotFound:
        await not_found(query)
        return
    except Conflict:
        await query.answer(_("It can no longer be changed: it was logged more than a day ago."), show_alert=True)
        return
    except ValueError:
        await query.answer(_("That is later than now: pick an earlier hour."), show_alert=True)
        return
    status = _("🕐 It was: {when}.").format(when=when(item.happened_at, user.timezone, i18n.current_locale))
    await query.answer(toast(status))
    kept = [line for line in (query.message.html_text or "").split("\n") if not line.startswith("🕐")]
    await show(query, "\n".join([*kept, status]), saved_markup(item))


async def ask_note(query: CallbackQuery, callback_data: CardCb, state: FSMContext, repos: Repos) -> None:
    item = await found(query, repos.interactions.own(callback_data.id))
    if item is None:
        return
    await query.answer()
    await state.set_state(Note.text)
    await state.set_data({"note_for": item.id})
    await query.message.answer(_("Send the note as text, a voice message or a photo. /cancel to skip."))


async def save_note(message: Message, state: FSMContext, repos: Repos) -> None:
    data = await state.get_data()
    try:
        await repos.interactions.add_note(
            data["note_for"],
            text=message.text or message.caption,
            voice_file_id=message.voice.file_id if message.voice else None,
            photo_file_id=message.photo[-1].file_id if message.photo else None,
        )
    except NotFound:
        await end_run(state)
        await message.answer(_("Not found, or not yours to change."))
        return
    except PhotosFull:
        await end_run(state)
        await message.answer(_("This contact keeps {max} photos already: this one was not added.").format(max=PHOTOS_MAX))
        return
    except NotesFull:
        await end_run(state)
        await message.answer(
            _("This contact's notes are full ({max} characters): this note was not added.").format(max=NOTE_MAX * 2)
        )
        return
    except ValueError:
        await message.answer(_("The note must be from 1 to {max} characters. Send it again:").format(max=NOTE_MAX))
        return
    await end_run(state)
    await message.answer(_("📷 Photo saved with the contact.") if message.photo else _("📝 Note saved."))


def setup() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(undo, CardCb.filter(F.a == "undo"))
    router.callback_query.register(take_back_plan, CardCb.filter(F.a.in_({"reopen", "keep"})))
    router.callback_query.register(ask_person, CardCb.filter(F.a == "who"))
    router.callback_query.register(pick_person, CardCb.filter(F.a.in_({"pp", "back"})))
    router.callback_query.register(ask_note, CardCb.filter(F.a == "note"))
    router.callback_query.register(ask_when, CardCb.filter(F.a.in_({"when", "wday"})))
    router.callback_query.register(set_when, CardCb.filter(F.a == "wat"))
    router.message.register(save_note, StateFilter(Note.text), FreeText())
    router.message.register(save_note, StateFilter(Note.text), Magic(F.voice))
    router.message.register(save_note, StateFilter(Note.text), Magic(F.photo))
    return router
