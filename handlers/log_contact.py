"""Logging a contact in a few taps: client → kind → outcome → (reason | amount) → next step → saved.

Every tap of the flow passes `CurrentFlow`: a button of an earlier run falls through to the
fallback. What the steps show, and the ways into the flow from elsewhere, are in `logging_steps`;
what the saved card does afterwards is in `saved_card`.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime, time

from aiogram import F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.settings import Settings
from db.models import AuditKind, Kind, Outcome, User
from db.repositories import NotFound, Repos
from db.repositories.checkins import AlreadyCheckedIn
from db.repositories.clients import NAME_MAX, clean_name
from db.repositories.interactions import NOTE_MAX, PHOTOS_MAX, CheckinMissing, Conflict, NextStep, NotesFull
from bot.settings import Settings
from handlers import checkin_view, labels
from handlers.calendar import calendar_kb, read_tap
from handlers.callbacks import CalCb, LogCb, id_of
from handlers.filters import CurrentFlow, FreeText, Magic, MenuButton
from handlers.keyboards import Rows, button
from handlers.limits import within_limit
from handlers.logging_steps import (
    back_button,
    end_run,
    back_from,
    begin,
    cancel_button,
    grid,
    kind_markup,
    next_kind,
    next_line,
    next_step_markup,
    outcome_markup,
    plan_lines,
    saved_markup,
    summary,
    when_markup,
)
from handlers.parsing import ParseError, parse_amount, parse_time, plain_digits
from handlers.plan_list import LISTS, refresh_plan
from handlers.states import LogContact
from handlers.ui import not_found, replace_flow_message, send, show, stale
from reports.dates import PLAN_HOUR, at_local, day_bounds, local_today, quick_step, usual_time
from reports.formatting import when
from reports.workdays import WorkCalendar

OTHER_REASON = "other"  # the built-in reason after which the flow asks what it was


async def _client_picker(repos: Repos, flow: str, query: str | None = None):
    kb = Rows()
    if query is None:
        recent = await repos.clients.recent()
        for client in recent:
            kb.row(button(client.name[:60], LogCb(f=flow, a="cl", v=str(client.id))))
        if recent:
            text = _("Who was the contact with? Tap a recent client or type two or more letters of the name.")
        else:
            text = _("Who was the contact with? Type two or more letters of the client's name, or add a new client.")
        kb.row(button(_("➕ New client"), LogCb(f=flow, a="new")), cancel_button(flow))
        return text, kb.as_markup()
    matches = await repos.clients.search(plain_digits(query))
    await repos.audit.record("search", {"q": query, "found": len(matches)})
    for match in matches:
        kb.row(button(match.name[:60], LogCb(f=flow, a="cl", v=str(match.client_id))))
    if matches:
        text = _("Found for «{query}». Tap the client, or type again:").format(query=html.escape(query))
    else:
        text = _("Nobody found for «{query}». Type again, or add a new client:").format(query=html.escape(query))
    kb.row(button(_("➕ New client «{name}»").format(name=query[:30]), LogCb(f=flow, a="new", v="q")))
    kb.row(cancel_button(flow))
    return text, kb.as_markup()


def _calendar(flow: str, month, today, locale: str, workdays: WorkCalendar):
    back = [[button(_("‹ Back"), LogCb(f=flow, a="ns", v="back")), cancel_button(flow)]]
    return calendar_kb("ns", flow, month, today, locale, back, workdays)


def _question(data: dict, step: str | None = None) -> str:
    """The next-step question under the contact's summary and what the next step will be."""
    if step == LogContact.amount.state:
        ask = _("Deal amount? Type it (50 000, 50k, 1,5 млн), or skip it and choose the next contact:")
    else:
        ask = _("Next contact?")
    return summary(data) + next_line(data) + "\n" + ask


async def _next_defaults(repos: Repos, user: User, data: dict, outcome: Outcome, now: datetime) -> dict:
    """The next step's kind (what usually follows the outcome, unless the person chose one) and
    time (the person's usual hour: read from their plans once a day, kept in the conversation's
    data between runs of the flow, so most runs read nothing for it)."""
    change = {}
    if not data.get("next_kind_chosen"):
        change["next_kind"] = next_kind(outcome, Kind(data["kind"])).value
    if not data.get("next_time"):
        today = local_today(now, user.timezone).isoformat()
        usual = data.get("usual") or {}
        if usual.get("day") != today:
            at = usual_time(await repos.interactions.recent_plan_times(), user.timezone).strftime("%H:%M")
            usual = change["usual"] = {"day": today, "time": at}
        change["next_time"] = usual["time"]
    return change


def _at(data: dict) -> time:
    return parse_time(data.get("next_time") or "") or PLAN_HOUR


def _next_markup(flow: str, user: User, now: datetime, workdays: WorkCalendar, data: dict) -> InlineKeyboardMarkup:
    return next_step_markup(flow, user, now, workdays, back_from("next", data))


def _reasons_markup(flow: str, reasons) -> InlineKeyboardMarkup:
    buttons = [button(labels.reason(r), LogCb(f=flow, a="rs", v=str(r.id))) for r in reasons]
    return grid(buttons, last=[back_button(flow, "outcome"), cancel_button(flow)])


# ---- the way in from the menu ------------------------------------------------------------------


async def start_logging(message: Message, state: FSMContext, repos: Repos) -> None:
    old = (await state.get_data()).get("mid")
    flow = await begin(state, entry="menu", mid=old)
    await state.set_state(LogContact.client)  # state changes before the reply: saved when shown
    await replace_flow_message(message, state, *await _client_picker(repos, flow))


# ---- taps --------------------------------------------------------------------------------------


async def cancel_flow(query: CallbackQuery, state: FSMContext) -> None:
    await end_run(state)
    await query.answer()
    await show(query, _("Cancelled. Nothing was saved."))


async def pick_client(query: CallbackQuery, callback_data: LogCb, state: FSMContext, repos: Repos) -> None:
    try:
        client_id = id_of(callback_data.v)
        name = await repos.clients.name_of(client_id)
    except (NotFound, ValueError):
        await not_found(query)
        return
    await query.answer()
    await state.update_data(client_id=client_id, client_name=name, new_name=None)
    await state.set_state(LogContact.kind)
    await show(query, summary(await state.get_data()) + "\n" + _("What kind of contact?"), kind_markup(callback_data.f, "client"))


async def new_client(query: CallbackQuery, callback_data: LogCb, state: FSMContext, flow_data: dict) -> None:
    await query.answer()
    typed = flow_data.get("query") if callback_data.v == "q" else None
    if typed:
        await state.update_data(client_id=None, client_name=typed, new_name=typed)
        await state.set_state(LogContact.kind)
        await show(query, summary(await state.get_data()) + "\n" + _("New client. What kind of contact?"), kind_markup(callback_data.f, "client"))
        return
    await state.set_state(LogContact.new_client)
    await show(query, _("Type the new client's name (the company):"), grid([cancel_button(callback_data.f)]))


async def pick_kind(query: CallbackQuery, callback_data: LogCb, state: FSMContext, flow_data: dict) -> None:
    if callback_data.v not in Kind._value2member_map_ or not (flow_data.get("client_id") or flow_data.get("new_name")):
        await stale(query)
        return
    await query.answer()
    await state.update_data(kind=callback_data.v)
    await state.set_state(LogContact.outcome)
    flow_data["kind"] = callback_data.v
    await show(query, summary(flow_data) + "\n" + _("How did it go?"), outcome_markup(callback_data.f, Kind(callback_data.v), back_from("outcome", flow_data)))


async def pick_outcome(
    query: CallbackQuery, callback_data: LogCb, state: FSMContext, flow_data: dict, repos: Repos, user: User,
    clock: Callable[[], datetime], workdays: WorkCalendar,
) -> None:
    if callback_data.v not in Outcome._value2member_map_ or not flow_data.get("kind"):
        await stale(query)
        return
    await query.answer()
    outcome = Outcome(callback_data.v)
    change = dict(outcome=outcome.value, reason_id=None, reason_name=None, amount=None)
    change.update(await _next_defaults(repos, user, flow_data, outcome, clock()))
    flow_data.update(change)
    await state.update_data(**change)
    head = summary(flow_data)
    flow = callback_data.f
    if outcome == Outcome.REFUSED:
        reasons = await repos.reasons.active()
        markup = _reasons_markup(flow, reasons)
        await state.set_state(LogContact.reason)
        await show(query, head + "\n" + _("Why did they refuse?"), markup)
    elif outcome == Outcome.AGREED:
        await state.set_state(LogContact.amount)
        await show(query, _question(flow_data, LogContact.amount.state), _next_markup(flow, user, clock(), workdays, flow_data))
    else:
        await state.set_state(LogContact.next_step)
        await show(query, _question(flow_data), _next_markup(flow, user, clock(), workdays, flow_data))


async def pick_reason(
    query: CallbackQuery, callback_data: LogCb, state: FSMContext, flow_data: dict, repos: Repos, user: User,
    clock: Callable[[], datetime], workdays: WorkCalendar,
) -> None:
    reason = None
    with suppress(ValueError):
        if flow_data.get("outcome") == Outcome.REFUSED.value:
            reason = await repos.reasons.get_active(id_of(callback_data.v))
    if reason is None:
        await stale(query)
        return
    await query.answer()
    flow_data.update(reason_id=reason.id, reason_name=labels.reason(reason))
    await state.update_data(reason_id=reason.id, reason_name=flow_data["reason_name"])
    if reason.code == OTHER_REASON and not flow_data.get("comment"):
        ask = _("What was the reason? Type it in a few words, or choose the next contact:")
    else:
        ask = _("Next contact?")
    await state.set_state(LogContact.next_step)
    await show(query, summary(flow_data) + next_line(flow_data) + "\n" + ask,
               _next_markup(callback_data.f, user, clock(), workdays, flow_data))


async def pick_next_step(
    query: CallbackQuery,
    callback_data: LogCb,
    state: FSMContext,
    flow_data: dict,
    repos: Repos,
    user: User,
    clock: Callable[[], datetime],
    i18n: I18n,
    workdays: WorkCalendar,
    settings: Settings,
) -> None:
    if not flow_data.get("outcome") or (flow_data["outcome"] == Outcome.REFUSED.value and not flow_data.get("reason_id")):
        await stale(query)
        return
    now = clock()
    choice = callback_data.v
    if choice == "cal":
        await query.answer()
        today = local_today(now, user.timezone)
        markup = _calendar(callback_data.f, today, today, i18n.current_locale, workdays)
        await show(query, summary(flow_data) + "\n" + _("Pick the day of the next contact:"), markup)
        return
    if choice == "back":
        await query.answer()
        back_to = flow_data.get("back_to") or LogContact.next_step.state
        await state.set_state(back_to)
        await show(query, _question(flow_data, back_to), _next_markup(callback_data.f, user, now, workdays, flow_data))
        return
    if choice == "none":
        planned_at = None
    elif choice in ("1d", "3d", "7d"):
        planned_at = quick_step(choice, now, user.timezone, workdays, _at(flow_data))
    else:
        await stale(query)
        return
    await _save(query, state, repos, user, now, flow_data, planned_at, i18n.current_locale, workdays, settings)


async def calendar_step(
    query: CallbackQuery,
    callback_data: CalCb,
    state: FSMContext,
    flow_data: dict,
    repos: Repos,
    user: User,
    clock: Callable[[], datetime],
    i18n: I18n,
    workdays: WorkCalendar,
    settings: Settings,
) -> None:
    now = clock()
    today = local_today(now, user.timezone)
    try:
        tap = read_tap(callback_data, today)
    except ValueError:
        await stale(query)
        return
    if tap.day is None:
        await query.answer()
        if tap.start is not None:
            await show(query, summary(flow_data) + "\n" + _("Pick the day of the next contact:"),
                       _calendar(callback_data.f, tap.start, today, i18n.current_locale, workdays))
        return
    await _save(query, state, repos, user, now, flow_data, at_local(tap.day, user.timezone, _at(flow_data)),
                i18n.current_locale, workdays, settings)


async def go_back(
    query: CallbackQuery, callback_data: LogCb, state: FSMContext, flow_data: dict, repos: Repos
) -> None:
    """‹ Back to an earlier step of the run: what was chosen there can be chosen again."""
    flow, to = callback_data.f, callback_data.v
    later = {"client": ("kind", "outcome", "reason_id", "reason_name", "amount"),
             "kind": ("outcome", "reason_id", "reason_name", "amount"),
             "outcome": ("reason_id", "reason_name", "amount"), "reason": ()}.get(to, ())
    if later:  # what came after the step gone back to is chosen again
        await state.update_data(**dict.fromkeys(later))
        flow_data.update(dict.fromkeys(later))
    if to == "client" and flow_data.get("entry") == "menu":
        await query.answer()
        await state.set_state(LogContact.client)
        await show(query, *await _client_picker(repos, flow))
    elif to == "kind" and not flow_data.get("planned_id") and (flow_data.get("client_id") or flow_data.get("new_name")):
        await query.answer()
        await state.set_state(LogContact.kind)
        await show(query, summary(flow_data) + "\n" + _("What kind of contact?"), kind_markup(flow, back_from("kind", flow_data)))
    elif to == "outcome" and flow_data.get("kind"):
        await query.answer()
        await state.set_state(LogContact.outcome)
        await show(query, summary(flow_data) + "\n" + _("How did it go?"),
                   outcome_markup(flow, Kind(flow_data["kind"]), back_from("outcome", flow_data)))
    elif to == "reason" and flow_data.get("outcome") == Outcome.REFUSED.value:
        await query.answer()
        await state.set_state(LogContact.reason)
        await show(query, summary(flow_data) + "\n" + _("Why did they refuse?"), _reasons_markup(flow, await repos.reasons.active()))
    else:
        await stale(query)


async def _save(
    query: CallbackQuery,
    state: FSMContext,
    repos: Repos,
    user: User,
    now: datetime,
    data: dict,
    planned_at: datetime | None,
    locale: str,
    workdays: WorkCalendar,
    settings: Settings,
) -> None:
    kind = Kind(data["kind"])
    shared = data.get("checkin")  # a location shared while logging: a check-in only for a meeting
    checkin = shared if kind == Kind.MEETING else None
    step_kind = Kind(data.get("next_kind") or kind)
    next_step = NextStep(kind=step_kind, planned_at=planned_at) if planned_at else None
    try:
        item = await repos.interactions.log(
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
            photos=data.get("photos"),
            due_before=day_bounds(local_today(now, user.timezone), user.timezone)[1],
            needs_checkin=settings.checkin_required and checkin is None,
        )
        kept = False
        if checkin:  # shared while logging (a plan checked in on arrival keeps that one)
            with suppress(AlreadyCheckedIn):
                await checkin_view.check_in(repos, item, (checkin["lat"], checkin["lon"]), datetime.fromisoformat(checkin["at"]))
                kept = True
    except CheckinMissing:
        await query.answer()
        await send(query, checkin_view.required())
        return
    except NotFound:
        await end_run(state)
        await not_found(query)
        return
    except Conflict:
        await end_run(state)
        await query.answer(_("This contact is no longer open: it has a result or was cancelled."), show_alert=True)
        return
    except NotesFull:  # completing a planned contact whose notes are already full: save it without the comment
        await state.update_data(comment=None)
        await query.answer(
            _("This contact's notes are full ({max} characters): this note was not added.").format(max=NOTE_MAX * 2),
            show_alert=True,
        )
        return
    await end_run(state)
    # From here the contact is saved (committed before the first request below): a failure of
    # Telegram must not make the person believe otherwise and log it twice.
    with suppress(TelegramAPIError):
        await query.answer(_("Saved"))  # if this fails, the card below says it
    lines = [_("✅ Saved"), summary(data)]
    if planned_at:
        lines.append(_("Next: {kind}, {when}").format(kind=labels.kind(step_kind), when=when(planned_at, user.timezone, locale))
                     + labels.day_off(local_today(planned_at, user.timezone), workdays, locale))
    lines += plan_lines(item, user.timezone, locale)
    if checked := checkin_view.card_line(item, settings.checkin_radius_m, locale):
        lines.append(checked)
    if shared and not kept:
        lines.append(checkin_view.not_kept(kind))
    try:
        await show(query, "\n".join(lines), saved_markup(item))
    except TelegramAPIError:
        await send(query, "\n".join(lines), saved_markup(item))  # the card as a new message
    if data.get("list_mid") and data.get("list") in LISTS:
        await refresh_plan(
            query.bot, repos, user, data["list"], query.from_user.id, data["list_mid"], now, locale, data.get("list_page", 0)
        )


async def ask_when(query: CallbackQuery, callback_data: LogCb, state: FSMContext, flow_data: dict) -> None:
    """The optional screen: the next step's kind and time."""
    if not flow_data.get("next_kind"):
        await stale(query)
        return
    await query.answer()
    current = await state.get_state()
    if current != LogContact.next_time.state:
        await state.update_data(back_to=current)
    await state.set_state(LogContact.next_time)
    await show(query, _when_text(flow_data), when_markup(callback_data.f, flow_data))


def _when_text(data: dict) -> str:
    return summary(data) + next_line(data) + "\n" + _("Tap the kind and the time of the next contact, or type the time (14:30):")


async def pick_when(query: CallbackQuery, callback_data: LogCb, state: FSMContext, flow_data: dict) -> None:
    if callback_data.a == "nk" and callback_data.v in Kind._value2member_map_:
        change = {"next_kind": callback_data.v, "next_kind_chosen": True}
    elif callback_data.a == "nt" and (at := parse_time(callback_data.v)) is not None:
        change = {"next_time": at.strftime("%H:%M")}
    else:
        await stale(query)
        return
    await query.answer()
    flow_data.update(change)
    await state.update_data(**change)
    await show(query, _when_text(flow_data), when_markup(callback_data.f, flow_data))


async def type_time(message: Message, state: FSMContext) -> None:
    at = parse_time(message.text)
    if at is None:
        await message.answer(_("I could not read the time. Examples: 14:30, 9.00, 19, 7 вечера. Or tap a time above."))
        return
    data = await state.get_data()
    await state.update_data(next_time=at.strftime("%H:%M"))
    data["next_time"] = at.strftime("%H:%M")
    await replace_flow_message(message, state, _when_text(data), when_markup(data["flow"], data))


# ---- typed input -------------------------------------------------------------------------------


async def search_client(message: Message, state: FSMContext, repos: Repos, user: User, settings: Settings,
                        i18n: I18n) -> None:
    typed = clean_name(message.text)
    data = await state.get_data()
    if len(typed) < 2 or len(typed) > NAME_MAX:
        await message.answer(_("Type from 2 to {max} characters of the client's name.").format(max=NAME_MAX))
        return
    if not await within_limit(message, repos, user, settings, i18n, AuditKind.SEARCH, {"q": typed}):
        return
    await state.update_data(query=typed)
    await replace_flow_message(message, state, *await _client_picker(repos, data["flow"], typed))


async def new_client_name(message: Message, state: FSMContext) -> None:
    name = clean_name(message.text)
    if not name or len(name) > NAME_MAX or name.startswith("/"):
        await message.answer(_("The name must be from 1 to {max} characters. Type it again:").format(max=NAME_MAX))
        return
    data = await state.get_data()
    await state.update_data(client_id=None, client_name=name, new_name=name)
    await state.set_state(LogContact.kind)
    data.update(client_name=name)
    await replace_flow_message(message, state, summary(data) + "\n" + _("New client. What kind of contact?"),
                               kind_markup(data["flow"], "client"))


async def type_amount(message: Message, state: FSMContext, user: User, clock: Callable[[], datetime],
                      workdays: WorkCalendar) -> None:
    try:
        amount = parse_amount(message.text)
    except ParseError:
        await message.answer(_("I could not read an amount. Examples: 50000, 50 000, 50k, 50 тыс, 1,5 млн. Type it again or tap a next step above."))
        return
    await state.set_state(LogContact.next_step)
    await _ask_next_step(message, state, user, clock(), workdays, amount=amount)


async def type_comment(message: Message, state: FSMContext, user: User, clock: Callable[[], datetime],
                       workdays: WorkCalendar) -> None:
    """Text typed while the next step is asked for is a comment on the contact, saved as its note;
    a second line is added to the first, never replacing it. After an agreement, an amount typed
    here corrects the deal's amount instead."""
    typed = message.text.strip()
    data = await state.get_data()
    if data.get("outcome") == Outcome.AGREED.value:
        try:
            amount = parse_amount(typed)
        except ParseError:
            pass
        else:
            await _ask_next_step(message, state, user, clock(), workdays, amount=amount)
            return
    comment = f"{data['comment']}\n{typed}" if data.get("comment") else typed
    if len(comment) > NOTE_MAX:
        await message.answer(
            _("A comment can be up to {max} characters. Type it again, or choose the next contact above.").format(max=NOTE_MAX)
        )
        return
    await _ask_next_step(message, state, user, clock(), workdays, comment=comment)


async def keep_photo(message: Message, state: FSMContext) -> None:
    """A photo sent while logging (a business card, a shelf, a signed offer) is kept with the contact."""
    data = await state.get_data()
    photos = data.get("photos") or []
    if len(photos) >= PHOTOS_MAX:
        await message.answer(_("This contact keeps {max} photos already: this one was not added.").format(max=PHOTOS_MAX))
        return
    await state.update_data(photos=[*photos, message.photo[-1].file_id])
    await message.answer(_("📷 Kept: it is saved with this contact. Carry on with the buttons above."))


async def _ask_next_step(
    message: Message, state: FSMContext, user: User, now: datetime, workdays: WorkCalendar, **typed
) -> None:
    """After a typed answer: it joins the flow's data, and the next-step question comes again below
    it (the earlier message loses its buttons)."""
    data = await state.get_data()
    await state.update_data(**typed)  # before the reply: what it shows is saved when it is shown
    data.update(typed)
    await replace_flow_message(message, state, _question(data), _next_markup(data["flow"], user, now, workdays, data))


def setup() -> Router:
    router = Router(name=__name__)
    router.message.register(start_logging, Command("log"))
    router.message.register(start_logging, MenuButton(labels.MENU_LOG))
    current = CurrentFlow()
    router.callback_query.register(cancel_flow, LogCb.filter(F.a == "x"), current)
    router.callback_query.register(pick_client, LogCb.filter(F.a == "cl"), current)
    router.callback_query.register(new_client, LogCb.filter(F.a == "new"), current)
    router.callback_query.register(pick_kind, LogCb.filter(F.a == "kd"), current)
    router.callback_query.register(pick_outcome, LogCb.filter(F.a == "oc"), current)
    router.callback_query.register(pick_reason, LogCb.filter(F.a == "rs"), current)
    router.callback_query.register(pick_next_step, LogCb.filter(F.a == "ns"), current)
    router.callback_query.register(ask_when, LogCb.filter(F.a == "nx"), current)
    router.callback_query.register(go_back, LogCb.filter(F.a == "bk"), current)
    router.callback_query.register(pick_when, LogCb.filter(F.a.in_({"nk", "nt"})), current)
    router.callback_query.register(calendar_step, CalCb.filter(F.to == "ns"), current)
    router.message.register(search_client, StateFilter(LogContact.client), FreeText())
    router.message.register(new_client_name, StateFilter(LogContact.new_client), FreeText())
    router.message.register(type_amount, StateFilter(LogContact.amount), FreeText())
    router.message.register(type_comment, StateFilter(LogContact.next_step), FreeText())
    router.message.register(type_time, StateFilter(LogContact.next_time), FreeText())
    router.message.register(keep_photo, StateFilter(LogContact), Magic(F.photo))
    return router
