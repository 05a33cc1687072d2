"""Logging a contact in a few taps: client → kind → outcome → (reason | amount) → next step → saved."""

from __future__ import annotations

import html
import secrets
from collections.abc import Callable
from datetime import date, datetime, timedelta

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.i18n import get_i18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot.settings import Settings
from db.models import Interaction, Kind, Outcome, User
from db.repositories import ClientRepository, InteractionRepository, NotFound, RefusalReasonRepository
from db.repositories.clients import NAME_MAX, clean_name
from db.repositories.interactions import NOTE_MAX, Conflict, NextStep, NotesFull
from handlers import labels
from handlers.callbacks import CalCb, CardCb, ClientCb, LogCb
from handlers.dates import at_local, local_today, quick_step
from handlers.filters import FreeText, Magic, MenuButton
from handlers.keyboards import Rows, button, calendar_kb
from handlers.parsing import ParseError, parse_amount
from handlers.plan_list import LISTS, refresh_plan
from handlers.states import LogContact, Note
from handlers.ui import drop_keyboard, found, not_found, send, show, stale, toast
from reports.formatting import money, when
from reports.workdays import WorkCalendar

router = Router(name=__name__)

COMMENT_SHOWN = 200  # of a typed comment, the flow's messages show this much (all of it is saved)
OTHER_REASON = "other"  # the built-in reason after which the flow asks what it was

KIND_ORDER = (Kind.MEETING, Kind.CALL, Kind.EMAIL, Kind.MESSAGE, Kind.GREETING, Kind.OTHER)
OUTCOME_ORDER = (
    Outcome.AGREED,
    Outcome.REFUSED,
    Outcome.RESCHEDULED,
    Outcome.REVISED_OFFER,
    Outcome.THINKING,
    Outcome.NO_ANSWER,
)


# ---- rendering -------------------------------------------------------------------------------


def _grid(buttons, width: int = 2) -> InlineKeyboardMarkup:
    # built directly: the builder deep-copies every button, a cost paid on each tap
    buttons = list(buttons)
    return InlineKeyboardMarkup(inline_keyboard=[buttons[i : i + width] for i in range(0, len(buttons), width)])


def _cancel(flow: str):
    return button(_("✖ Cancel"), LogCb(f=flow, a="x"))


def summary(data: dict) -> str:
    parts = [f"<b>{html.escape(data.get('client_name', ''))}</b>"]
    if data.get("kind"):
        parts.append(labels.kind(Kind(data["kind"])))
    if data.get("outcome"):
        parts.append(labels.outcome(Outcome(data["outcome"])))
    if data.get("reason_name"):
        parts.append(html.escape(data["reason_name"]))
    if data.get("amount"):
        parts.append(money(data["amount"], get_i18n().current_locale))
    text = " · ".join(parts)
    if data.get("comment"):
        comment = data["comment"]
        text += "\n💬 " + html.escape(comment if len(comment) <= COMMENT_SHOWN else comment[:COMMENT_SHOWN] + "…")
    return text


def kind_markup(flow: str) -> InlineKeyboardMarkup:
    buttons = [button(labels.kind(k), LogCb(f=flow, a="kd", v=k.value)) for k in KIND_ORDER]
    return _grid([*buttons, _cancel(flow)])


def outcome_markup(flow: str) -> InlineKeyboardMarkup:
    buttons = [button(labels.outcome(o), LogCb(f=flow, a="oc", v=o.value)) for o in OUTCOME_ORDER]
    return _grid([*buttons, _cancel(flow)])


def next_step_buttons(flow: str, user: User, now: datetime, workdays: WorkCalendar) -> list:
    today = local_today(now, user.timezone)
    quick = labels.quick_steps(today, workdays, get_i18n().current_locale)
    return [
        *(button(label, LogCb(f=flow, a="ns", v=code)) for code, label in quick),
        button(_("📅 Pick a date"), LogCb(f=flow, a="ns", v="cal")),
        button(_("No next step"), LogCb(f=flow, a="ns", v="none")),
        _cancel(flow),
    ]


def card_markup(item: Interaction, person: str | None = None) -> InlineKeyboardMarkup:
    who = "👤 " + person[:40] if person else _("👤 Who was it with?")
    return _grid(
        [
            button(_("📝 Add a note"), CardCb(a="note", id=item.id)),
            button(_("↩️ Undo"), CardCb(a="undo", id=item.id)),
            button(who, CardCb(a="who", id=item.id)),
            button(_("📇 Client card"), ClientCb(a="open", id=item.client_id)),
        ]
    )


async def _client_picker(session: AsyncSession, user: User, flow: str, query: str | None = None):
    repo = ClientRepository(session, user)
    kb = Rows()
    if query is None:
        recent = await repo.recent()
        for client in recent:
            kb.row(button(client.name[:60], LogCb(f=flow, a="cl", v=str(client.id))))
        if recent:
            text = _("Who was the contact with? Tap a recent client or type two or more letters of the name.")
        else:
            text = _("Who was the contact with? Type two or more letters of the client's name, or add a new client.")
        kb.row(button(_("➕ New client"), LogCb(f=flow, a="new")), _cancel(flow))
        return text, kb.as_markup()
    matches = await repo.search(query)
    for match in matches:
        kb.row(button(match.name[:60], LogCb(f=flow, a="cl", v=str(match.client_id))))
    if matches:
        text = _("Found for «{query}». Tap the client, or type again:").format(query=html.escape(query))
    else:
        text = _("Nobody found for «{query}». Type again, or add a new client:").format(query=html.escape(query))
    kb.row(button(_("➕ New client «{name}»").format(name=query[:30]), LogCb(f=flow, a="new", v="q")))
    kb.row(_cancel(flow))
    return text, kb.as_markup()


# ---- entry points ----------------------------------------------------------------------------


async def begin(state: FSMContext, **data) -> str:
    """Start a fresh run of the flow; buttons of any earlier run become stale."""
    flow = secrets.token_hex(3)
    await state.set_data({"flow": flow, **data})
    return flow


@router.message(Command("log"))
@router.message(MenuButton(labels.MENU_LOG))
async def start_logging(message: Message, state: FSMContext, session: AsyncSession, user: User, bot: Bot) -> None:
    await drop_keyboard(bot, message.chat.id, (await state.get_data()).get("mid"))
    flow = await begin(state)
    text, markup = await _client_picker(session, user, flow)
    sent = await message.answer(text, reply_markup=markup)
    await state.update_data(mid=sent.message_id)
    await state.set_state(LogContact.client)


async def start_for_client(query: CallbackQuery, state: FSMContext, client_id: int, client_name: str) -> None:
    flow = await begin(state, client_id=client_id, client_name=client_name)
    sent = await send(query, summary(await state.get_data()) + "\n" + _("What kind of contact?"), kind_markup(flow))
    await state.update_data(mid=sent.message_id)
    await state.set_state(LogContact.kind)


async def start_for_planned(query: CallbackQuery, state: FSMContext, item: Interaction, from_list: str | None = None) -> None:
    """Complete a planned contact; `from_list` names the plan list it was tapped on, redrawn once saved."""
    listed = {"list": from_list, "list_mid": query.message.message_id} if from_list and query.message else {}
    flow = await begin(
        state, planned_id=item.id, client_id=item.client_id, client_name=item.client.name, kind=item.kind.value, **listed
    )
    data = await state.get_data()
    sent = await send(query, summary(data) + "\n" + _("How did it go?"), outcome_markup(flow))
    await state.update_data(mid=sent.message_id)
    await state.set_state(LogContact.outcome)


# ---- callbacks -------------------------------------------------------------------------------


async def _flow_data(query: CallbackQuery, callback_data: LogCb | CalCb, state: FSMContext) -> dict | None:
    data = await state.get_data()
    if not data.get("flow") or data["flow"] != callback_data.f or await state.get_state() is None:
        await stale(query)
        return None
    return data


@router.callback_query(LogCb.filter(F.a == "x"))
async def cancel_flow(query: CallbackQuery, callback_data: LogCb, state: FSMContext) -> None:
    if await _flow_data(query, callback_data, state) is None:
        return
    await state.clear()
    await query.answer()
    await show(query, _("Cancelled. Nothing was saved."))


@router.callback_query(LogCb.filter(F.a == "cl"))
async def pick_client(query: CallbackQuery, callback_data: LogCb, state: FSMContext, session: AsyncSession, user: User) -> None:
    if await _flow_data(query, callback_data, state) is None:
        return
    try:
        client = await ClientRepository(session, user).get(int(callback_data.v))
    except (NotFound, ValueError):
        await not_found(query)
        return
    await query.answer()
    await state.update_data(client_id=client.id, client_name=client.name, new_name=None)
    await show(query, summary(await state.get_data()) + "\n" + _("What kind of contact?"), kind_markup(callback_data.f))
    await state.set_state(LogContact.kind)


@router.callback_query(LogCb.filter(F.a == "new"))
async def new_client(query: CallbackQuery, callback_data: LogCb, state: FSMContext) -> None:
    data = await _flow_data(query, callback_data, state)
    if data is None:
        return
    await query.answer()
    typed = data.get("query") if callback_data.v == "q" else None
    if typed:
        await state.update_data(client_id=None, client_name=typed, new_name=typed)
        await show(query, summary(await state.get_data()) + "\n" + _("New client. What kind of contact?"), kind_markup(callback_data.f))
        await state.set_state(LogContact.kind)
        return
    await show(query, _("Type the new client's name (the company):"), _grid([_cancel(callback_data.f)]))
    await state.set_state(LogContact.new_client)


@router.callback_query(LogCb.filter(F.a == "kd"))
async def pick_kind(query: CallbackQuery, callback_data: LogCb, state: FSMContext, i18n: I18n) -> None:
    data = await _flow_data(query, callback_data, state)
    if data is None:
        return
    if callback_data.v not in Kind._value2member_map_ or not (data.get("client_id") or data.get("new_name")):
        await stale(query)
        return
    await query.answer()
    await state.update_data(kind=callback_data.v)
    data["kind"] = callback_data.v
    await show(query, summary(data) + "\n" + _("How did it go?"), outcome_markup(callback_data.f))
    await state.set_state(LogContact.outcome)


@router.callback_query(LogCb.filter(F.a == "oc"))
async def pick_outcome(
    query: CallbackQuery, callback_data: LogCb, state: FSMContext, session: AsyncSession, user: User,
    clock: Callable[[], datetime], workdays: WorkCalendar,
) -> None:
    data = await _flow_data(query, callback_data, state)
    if data is None:
        return
    if callback_data.v not in Outcome._value2member_map_ or not data.get("kind"):
        await stale(query)
        return
    await query.answer()
    outcome = Outcome(callback_data.v)
    data.update(outcome=outcome.value, reason_id=None, reason_name=None, amount=None)
    await state.update_data(outcome=outcome.value, reason_id=None, reason_name=None, amount=None)
    head = summary(data)
    flow = callback_data.f
    if outcome == Outcome.REFUSED:
        reasons = await RefusalReasonRepository(session).active()
        markup = _grid([button(labels.reason(r), LogCb(f=flow, a="rs", v=str(r.id))) for r in reasons] + [_cancel(flow)])
        await show(query, head + "\n" + _("Why did they refuse?"), markup)
        await state.set_state(LogContact.reason)
    elif outcome == Outcome.AGREED:
        text = head + "\n" + _(
            "Deal amount? Type it (50 000, 50k, 1,5 млн), or skip it and choose the next contact:"
        )
        await show(query, text, _grid(next_step_buttons(flow, user, clock(), workdays)))
        await state.set_state(LogContact.amount)
    else:
        await show(query, head + "\n" + _("Next contact?"), _grid(next_step_buttons(flow, user, clock(), workdays)))
        await state.set_state(LogContact.next_step)


@router.callback_query(LogCb.filter(F.a == "rs"))
async def pick_reason(
    query: CallbackQuery, callback_data: LogCb, state: FSMContext, session: AsyncSession, user: User,
    clock: Callable[[], datetime], workdays: WorkCalendar,
) -> None:
    data = await _flow_data(query, callback_data, state)
    if data is None:
        return
    reason = None
    if callback_data.v.isdigit() and data.get("outcome") == Outcome.REFUSED.value:
        reason = await RefusalReasonRepository(session).get_active(int(callback_data.v))
    if reason is None:
        await stale(query)
        return
    await query.answer()
    data.update(reason_id=reason.id, reason_name=labels.reason(reason))
    await state.update_data(reason_id=reason.id, reason_name=data["reason_name"])
    if reason.code == OTHER_REASON and not data.get("comment"):
        ask = _("What was the reason? Type it in a few words, or choose the next contact:")
    else:
        ask = _("Next contact?")
    await show(query, summary(data) + "\n" + ask, _grid(next_step_buttons(callback_data.f, user, clock(), workdays)))
    await state.set_state(LogContact.next_step)


@router.callback_query(LogCb.filter(F.a == "ns"))
async def pick_next_step(
    query: CallbackQuery,
    callback_data: LogCb,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    clock: Callable[[], datetime],
    i18n: I18n,
    workdays: WorkCalendar,
) -> None:
    data = await _flow_data(query, callback_data, state)
    if data is None:
        return
    if not data.get("outcome") or (data["outcome"] == Outcome.REFUSED.value and not data.get("reason_id")):
        await stale(query)
        return
    now = clock()
    choice = callback_data.v
    if choice == "cal":
        await query.answer()
        today = local_today(now, user.timezone)
        back = [[button(_("‹ Back"), LogCb(f=callback_data.f, a="ns", v="back")), _cancel(callback_data.f)]]
        markup = calendar_kb("ns", callback_data.f, today, today, i18n.current_locale, back)
        await show(query, summary(data) + "\n" + _("Pick the day of the next contact:"), markup)
        return
    if choice == "back":
        await query.answer()
        await show(query, summary(data) + "\n" + _("Next contact?"), _grid(next_step_buttons(callback_data.f, user, now, workdays)))
        return
    if choice == "none":
        planned_at = None
    elif choice in ("1d", "3d", "7d"):
        planned_at = quick_step(choice, now, user.timezone, workdays)
    else:
        await stale(query)
        return
    await _save(query, state, session, user, now, data, planned_at, i18n.current_locale)


@router.callback_query(CalCb.filter(F.to == "ns"))
async def calendar_step(
    query: CallbackQuery,
    callback_data: CalCb,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    clock: Callable[[], datetime],
    i18n: I18n,
) -> None:
    data = await _flow_data(query, callback_data, state)
    if data is None:
        return
    now = clock()
    today = local_today(now, user.timezone)
    try:
        if callback_data.a == "nav":
            month = date.fromisoformat(callback_data.v + "-01")
            if month < today.replace(day=1) or month > today + timedelta(days=3 * 366):
                raise ValueError
            back = [[button(_("‹ Back"), LogCb(f=callback_data.f, a="ns", v="back")), _cancel(callback_data.f)]]
            await query.answer()
            await show(query, summary(data) + "\n" + _("Pick the day of the next contact:"),
                       calendar_kb("ns", callback_data.f, month, today, i18n.current_locale, back))
            return
        if callback_data.a == "noop":
            await query.answer()
            return
        day = date.fromisoformat(callback_data.v)
        if day < today or day > today + timedelta(days=3 * 366):
            raise ValueError
    except ValueError:
        await stale(query)
        return
    await _save(query, state, session, user, now, data, at_local(day, user.timezone), i18n.current_locale)


async def _save(
    query: CallbackQuery,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    now: datetime,
    data: dict,
    planned_at: datetime | None,
    locale: str,
) -> None:
    kind = Kind(data["kind"])
    next_step = NextStep(kind=kind, planned_at=planned_at) if planned_at else None
    try:
        item = await InteractionRepository(session, user).log(
            now=now,
            client_id=data.get("client_id"),
            new_client_name=data.get("new_name"),
            kind=kind,
            outcome=Outcome(data["outcome"]),
            reason_id=data.get("reason_id"),
            amount_minor=data.get("amount"),
            next_step=next_step,
            planned_id=data.get("planned_id"),
            note=data.get("comment"),
        )
    except NotFound:
        await state.clear()
        await not_found(query)
        return
    except Conflict:
        await state.clear()
        await query.answer(_("This contact is no longer open: it has a result or was cancelled."), show_alert=True)
        return
    except NotesFull:  # completing a planned contact whose notes are already full: save it without the comment
        await state.update_data(comment=None)
        await query.answer(
            _("This contact's notes are full ({max} characters): this note was not added.").format(max=NOTE_MAX * 2),
            show_alert=True,
        )
        return
    await state.clear()
    await query.answer(_("Saved"))
    lines = [_("✅ Saved"), summary(data)]
    if planned_at:
        lines.append(_("Next: {kind}, {when}").format(kind=labels.kind(kind), when=when(planned_at, user.timezone, locale)))
    await show(query, "\n".join(lines), card_markup(item))
    if data.get("list_mid") and data.get("list") in LISTS:
        await refresh_plan(query.bot, session, user, data["list"], query.from_user.id, data["list_mid"], now, locale)


# ---- typed input -----------------------------------------------------------------------------


@router.message(StateFilter(LogContact.client), FreeText())
async def search_client(message: Message, state: FSMContext, session: AsyncSession, user: User, bot: Bot) -> None:
    typed = clean_name(message.text)
    data = await state.get_data()
    if len(typed) < 2 or len(typed) > NAME_MAX:
        await message.answer(_("Type from 2 to {max} characters of the client's name.").format(max=NAME_MAX))
        return
    await drop_keyboard(bot, message.chat.id, data.get("mid"))
    text, markup = await _client_picker(session, user, data["flow"], typed)
    sent = await message.answer(text, reply_markup=markup)
    await state.update_data(query=typed, mid=sent.message_id)


@router.message(StateFilter(LogContact.new_client), FreeText())
async def new_client_name(message: Message, state: FSMContext, bot: Bot) -> None:
    name = clean_name(message.text)
    if not name or len(name) > NAME_MAX or name.startswith("/"):
        await message.answer(_("The name must be from 1 to {max} characters. Type it again:").format(max=NAME_MAX))
        return
    data = await state.get_data()
    await drop_keyboard(bot, message.chat.id, data.get("mid"))
    await state.update_data(client_id=None, client_name=name, new_name=name)
    data.update(client_name=name)
    sent = await message.answer(summary(data) + "\n" + _("New client. What kind of contact?"), reply_markup=kind_markup(data["flow"]))
    await state.update_data(mid=sent.message_id)
    await state.set_state(LogContact.kind)


@router.message(StateFilter(LogContact.amount), FreeText())
async def type_amount(message: Message, state: FSMContext, bot: Bot, user: User, clock: Callable[[], datetime],
                      workdays: WorkCalendar) -> None:
    try:
        amount = parse_amount(message.text)
    except ParseError:
        await message.answer(_("I could not read an amount. Examples: 50000, 50 000, 50k, 50 тыс, 1,5 млн. Type it again or tap a next step above."))
        return
    await _ask_next_step(message, state, bot, user, clock(), workdays, amount=amount)
    await state.set_state(LogContact.next_step)


@router.message(StateFilter(LogContact.next_step), FreeText())
async def type_comment(message: Message, state: FSMContext, bot: Bot, user: User, clock: Callable[[], datetime],
                       workdays: WorkCalendar) -> None:
    """Text typed while the next step is asked for is a comment on the contact, saved as its note."""
    comment = message.text.strip()
    if len(comment) > NOTE_MAX:
        await message.answer(
            _("A comment can be up to {max} characters. Type it again, or choose the next contact above.").format(max=NOTE_MAX)
        )
        return
    await _ask_next_step(message, state, bot, user, clock(), workdays, comment=comment)


async def _ask_next_step(
    message: Message, state: FSMContext, bot: Bot, user: User, now: datetime, workdays: WorkCalendar, **typed
) -> None:
    """After a typed answer: it joins the flow's data, and the next-step question comes again below
    it (the earlier message loses its buttons)."""
    data = await state.get_data()
    await drop_keyboard(bot, message.chat.id, data.get("mid"))
    data.update(typed)
    sent = await message.answer(
        summary(data) + "\n" + _("Next contact?"), reply_markup=_grid(next_step_buttons(data["flow"], user, now, workdays))
    )
    await state.update_data(mid=sent.message_id, **typed)


# ---- after saving: note and undo -------------------------------------------------------------


@router.callback_query(CardCb.filter(F.a == "undo"))
async def undo(
    query: CallbackQuery,
    callback_data: CardCb,
    session: AsyncSession,
    user: User,
    clock: Callable[[], datetime],
    settings: Settings,
) -> None:
    try:
        replanned = await InteractionRepository(session, user).undo(
            callback_data.id, clock(), timedelta(minutes=settings.undo_minutes)
        )
    except NotFound:
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
    await query.answer(_("Undone"))
    if replanned:
        await show(query, _("↩️ Undone: the contact is back in your plan, without a result."))
    else:
        await show(query, _("↩️ Undone: nothing of this contact is kept."))


@router.callback_query(CardCb.filter(F.a == "who"))
async def ask_person(query: CallbackQuery, callback_data: CardCb, session: AsyncSession, user: User) -> None:
    """On the saved card: which of the client's contact persons it was with (a tap each, optional)."""
    found_ = await found(query, InteractionRepository(session, user).people_of(callback_data.id))
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
    kb.row(button(_("➕ Contact person"), ClientCb(a="person", id=item.client_id)),
           button(_("‹ Back"), CardCb(a="back", id=item.id)))
    await query.message.edit_reply_markup(reply_markup=kb.as_markup())


@router.callback_query(CardCb.filter(F.a.in_({"pp", "back"})))
async def pick_person(query: CallbackQuery, callback_data: CardCb, session: AsyncSession, user: User) -> None:
    repo = InteractionRepository(session, user)
    try:
        if callback_data.a == "pp":
            item, person = await repo.set_person(callback_data.id, callback_data.p)
            await query.answer(toast(_("👤 With {name}").format(name=person.name)))
            name = person.name
        else:
            item, people = await repo.people_of(callback_data.id)
            await query.answer()
            name = next((p.name for p in people if p.id == item.contact_person_id), None)
    except NotFound:
        await not_found(query)
        return
    await query.message.edit_reply_markup(reply_markup=card_markup(item, name))


@router.callback_query(CardCb.filter(F.a == "note"))
async def ask_note(query: CallbackQuery, callback_data: CardCb, state: FSMContext, session: AsyncSession, user: User) -> None:
    item = await found(query, InteractionRepository(session, user).own(callback_data.id))
    if item is None:
        return
    await query.answer()
    await state.set_state(Note.text)
    await state.set_data({"note_for": item.id})
    await query.message.answer(_("Send the note as text or as a voice message. /cancel to skip."))


@router.message(StateFilter(Note.text), FreeText())
@router.message(StateFilter(Note.text), Magic(F.voice))
async def save_note(message: Message, state: FSMContext, session: AsyncSession, user: User) -> None:
    data = await state.get_data()
    try:
        await InteractionRepository(session, user).add_note(
            data["note_for"],
            text=message.text,
            voice_file_id=message.voice.file_id if message.voice else None,
        )
    except NotFound:
        await state.clear()
        await message.answer(_("Not found, or not yours to change."))
        return
    except NotesFull:
        await state.clear()
        await message.answer(
            _("This contact's notes are full ({max} characters): this note was not added.").format(max=NOTE_MAX * 2)
        )
        return
    except ValueError:
        await message.answer(_("The note must be from 1 to {max} characters. Send it again:").format(max=NOTE_MAX))
        return
    await state.clear()
    await message.answer(_("📝 Note saved."))
