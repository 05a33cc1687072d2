"""What the steps of logging a contact show, and the ways into the flow that other routers use
(a client card's "Log a contact", a planned contact's "Done")."""

from __future__ import annotations

import html
import secrets
from datetime import datetime

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _

from db.models import Interaction, Kind, Outcome, User
from handlers import labels
from handlers.callbacks import CardCb, ClientCb, LogCb
from handlers.keyboards import button
from handlers.states import LogContact
from handlers.ui import send
from reports.dates import local_today
from reports.formatting import money, when
from reports.workdays import WorkCalendar

COMMENT_SHOWN = 200  # of a typed comment, the flow's messages show this much (all of it is saved)

KIND_ORDER = (Kind.MEETING, Kind.CALL, Kind.EMAIL, Kind.MESSAGE, Kind.GREETING, Kind.OTHER)
OUTCOME_ORDER = (
    Outcome.AGREED,
    Outcome.REFUSED,
    Outcome.RESCHEDULED,
    Outcome.REVISED_OFFER,
    Outcome.THINKING,
    Outcome.NO_ANSWER,
)


def rows(buttons, width: int = 2) -> list[list]:
    buttons = list(buttons)
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]


def grid(buttons, width: int = 2, last: list | None = None) -> InlineKeyboardMarkup:
    # built directly, once: the builder deep-copies every button, and each model built is validated,
    # a cost paid on each tap
    return InlineKeyboardMarkup(inline_keyboard=rows(buttons, width) + ([last] if last else []))


def cancel_button(flow: str):
    return button(_("✖ Cancel"), LogCb(f=flow, a="x"))


def summary(data: dict) -> str:
    """The contact as logged so far: client · kind · outcome · reason · amount, and the comment."""
    parts = [f"<b>{html.escape(data.get('client_name', ''))}</b>"]
    if data.get("kind"):
        parts.append(labels.kind(Kind(data["kind"])))
    if data.get("outcome"):
        parts.append(labels.outcome(Outcome(data["outcome"])))
    if data.get("reason_name"):
        parts.append(html.escape(data["reason_name"]))
    if data.get("amount"):
        parts.append(money(data["amount"], get_i18n().current_locale))
    if data.get("photos"):
        parts.append(f"📷 {len(data['photos'])}")
    text = " · ".join(parts)
    if data.get("comment"):
        comment = data["comment"]
        text += "\n💬 " + html.escape(comment if len(comment) <= COMMENT_SHOWN else comment[:COMMENT_SHOWN] + "…")
    return text


def back_button(flow: str, to: str):
    return button(_("‹ Back"), LogCb(f=flow, a="bk", v=to))


def _last_row(flow: str, back: str | None) -> list:
    return [back_button(flow, back), cancel_button(flow)] if back else [cancel_button(flow)]


def kind_markup(flow: str, back: str | None = None) -> InlineKeyboardMarkup:
    buttons = [button(labels.kind(k), LogCb(f=flow, a="kd", v=k.value)) for k in KIND_ORDER]
    return grid(buttons, last=_last_row(flow, back))


def outcome_markup(flow: str, kind: Kind | None = None, back: str | None = None) -> InlineKeyboardMarkup:
    # a meeting that happened was answered: "no answer" is for calls, e-mails and messages
    outcomes = [o for o in OUTCOME_ORDER if not (o == Outcome.NO_ANSWER and kind == Kind.MEETING)]
    buttons = [button(labels.outcome(o), LogCb(f=flow, a="oc", v=o.value)) for o in outcomes]
    return grid(buttons, last=_last_row(flow, back))


# the kind of contact that usually follows an outcome; else the same kind again
FOLLOWS = {Outcome.REFUSED: Kind.CALL, Outcome.REVISED_OFFER: Kind.EMAIL, Outcome.THINKING: Kind.CALL}
TIME_CHIPS = ("09:00", "11:00", "14:00", "16:00")


def next_kind(outcome: Outcome, kind: Kind) -> Kind:
    return FOLLOWS.get(outcome, kind)


def next_line(data: dict) -> str:
    """What the next step will be if a day is tapped now."""
    if not data.get("next_kind"):
        return ""
    return "\n" + _("➡️ Next: {kind} at {time}").format(kind=labels.kind(Kind(data["next_kind"])), time=data["next_time"])


def next_step_markup(flow: str, user: User, now: datetime, workdays: WorkCalendar,
                     back: str | None = None) -> InlineKeyboardMarkup:
    today = local_today(now, user.timezone)
    quick = labels.quick_steps(today, workdays, get_i18n().current_locale)
    buttons = [
        *(button(label, LogCb(f=flow, a="ns", v=code)) for code, label in quick),
        button(_("📅 Pick a date"), LogCb(f=flow, a="ns", v="cal")),
        button(_("⚙️ Kind and time"), LogCb(f=flow, a="nx")),
        button(_("No next step"), LogCb(f=flow, a="ns", v="none")),
    ]
    return grid(buttons, last=_last_row(flow, back))


def back_from(step: str, data: dict) -> str | None:
    """Where "‹ Back" leads from a step of the flow, given how the run began."""
    if step == "kind":
        return "client" if data.get("entry") == "menu" else None
    if step == "outcome":
        return None if data.get("planned_id") else "kind"
    if step == "next":
        return "reason" if data.get("outcome") == Outcome.REFUSED.value else "outcome"
    return "outcome"  # the reason


def when_markup(flow: str, data: dict) -> InlineKeyboardMarkup:
    """The next step's kind and time: a tap on each changes it; the time can also be typed."""
    chosen_kind, chosen_time = data.get("next_kind"), data.get("next_time")
    kinds = [button(("• " if k.value == chosen_kind else "") + labels.kind(k), LogCb(f=flow, a="nk", v=k.value))
             for k in KIND_ORDER]
    chips = TIME_CHIPS if not chosen_time or chosen_time in TIME_CHIPS else tuple(sorted({*TIME_CHIPS, chosen_time}))
    times = [button(("• " if t == chosen_time else "") + t, LogCb(f=flow, a="nt", v=t.replace(":", ""))) for t in chips]
    return InlineKeyboardMarkup(inline_keyboard=rows(kinds, 3) + rows(times, 5)
                                + [[button(_("✅ Ready"), LogCb(f=flow, a="ns", v="back")), cancel_button(flow)]])


def saved_markup(item: Interaction, person: str | None = None) -> InlineKeyboardMarkup:
    """The saved card's buttons: note, undo, whom it was with, the client's card, when it really
    happened, and taking back just the plan it closed or moved."""
    who = "👤 " + person[:40] if person else _("👤 Who was it with?")
    buttons = [
        button(_("📝 Add a note"), CardCb(a="note", id=item.id)),
        button(_("↩️ Undo"), CardCb(a="undo", id=item.id)),
        button(who, CardCb(a="who", id=item.id)),
        button(_("📇 Client card"), ClientCb(a="open", id=item.client_id)),
        button(_("🕐 It was earlier"), CardCb(a="when", id=item.id)),
    ]
    undo = item.undo or {}
    if "closed" in undo:
        buttons.append(button(_("↩️ Keep the plan open"), CardCb(a="reopen", id=item.id)))
    if "moved" in undo:
        buttons.append(button(_("↩️ Keep the plan as it was"), CardCb(a="keep", id=item.id)))
    return grid(buttons)


def plan_lines(item: Interaction, tz: str, locale: str) -> list[str]:
    """What a saved contact did to the client's plans, for its card."""
    undo = item.undo or {}
    lines = []
    if "closed" in undo:
        lines.append(_("📌 It closes the planned {kind} of {when}.").format(
            kind=labels.kind(Kind(undo["closed"]["kind"])), when=when(item.planned_at, tz, locale)))
    if "moved" in undo:
        moved = undo["moved"]
        lines.append(_("📅 It replaces the plan that was ahead: {kind}, {when}.").format(
            kind=labels.kind(Kind(moved["kind"])), when=when(datetime.fromisoformat(moved["planned_at"]), tz, locale)))
    return lines


# ---- ways in -----------------------------------------------------------------------------------


KEPT_ACROSS_RUNS = ("undone", "usual")  # what was undone lately, the person's usual hour (see log_contact)


async def end_run(state: FSMContext) -> None:
    """The run is over (saved or cancelled): no step is current, what lasts between runs stays."""
    earlier = await state.get_data()
    await state.set_state(None)
    await state.set_data({key: earlier[key] for key in KEPT_ACROSS_RUNS if earlier.get(key)})


async def begin(state: FSMContext, **data) -> str:
    """Start a fresh run of the flow; buttons of any earlier run become stale (what was undone
    lately is kept: a late second tap on an Undo is still told so; so is the usual hour)."""
    flow = secrets.token_hex(3)
    earlier = await state.get_data()
    kept = {key: earlier[key] for key in KEPT_ACROSS_RUNS if earlier.get(key)}
    await state.set_data({"flow": flow, **kept, **data})
    return flow


async def start_for_client(query: CallbackQuery, state: FSMContext, client_id: int, client_name: str) -> None:
    flow = await begin(state, client_id=client_id, client_name=client_name)
    await state.set_state(LogContact.kind)
    sent = await send(query, summary(await state.get_data()) + "\n" + _("What kind of contact?"), kind_markup(flow))
    await state.update_data(mid=sent.message_id)


async def start_for_planned(
    query: CallbackQuery, state: FSMContext, item: Interaction, from_list: str | None = None, page: int = 0
) -> None:
    """Complete a planned contact; `from_list` names the plan list it was tapped on (and `page` its
    page), redrawn once saved."""
    listed = {"list": from_list, "list_mid": query.message.message_id, "list_page": page} if from_list and query.message else {}
    flow = await begin(
        state, planned_id=item.id, client_id=item.client_id, client_name=item.client.name, kind=item.kind.value, **listed
    )
    data = await state.get_data()
    await state.set_state(LogContact.outcome)
    sent = await send(query, summary(data) + "\n" + _("How did it go?"), outcome_markup(flow, item.kind))
    await state.update_data(mid=sent.message_id)
