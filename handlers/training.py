"""/training: trainings and whether they worked.

Heads record one for their team's managers (admins for anyone): the day, the topic, who took part,
then a confirmation. Opening one shows its effect: each participant against the colleagues who
did not take part, with a chart. A manager sees only the trainings they took part in, with only
their own figures. Every button is checked again (the repository's scope decides): a forged
training or manager id is answered calmly and reveals nothing.
"""

from __future__ import annotations

import html
import re
import secrets
from collections.abc import Callable
from datetime import date, datetime, timedelta

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from babel.dates import format_date

from db.models import Role, User
from db.repositories import AccessDenied, NotFound, Repos
from db.repositories.trainings import TOPIC_MAX, clean_topic
from handlers.callbacks import TrainCb
from handlers.filters import CurrentFlow, FreeText
from handlers.keyboards import Rows, button
from handlers.report_view import period_title
from handlers.states import TrainingFlow
from handlers.training_view import chart, texts
from handlers.ui import noop, not_found, replace_flow_message, show, show_parts, stale
from reports.dates import local_today
from reports.training import evaluate, windows
from reports.workdays import WorkCalendar

PAGE = 8  # trainings per page of the list
PEOPLE_PAGE = 10  # managers per page of the participants' picker
EARLIER = 5  # day buttons before yesterday
AHEAD = 30  # days: a training planned can be recorded this far ahead
BACK = 730  # days: and one held this long ago
FLOW_STATES = {s.state for s in (TrainingFlow.day, TrainingFlow.topic, TrainingFlow.people, TrainingFlow.confirm)}
_TYPED_DAY = re.compile(r"(\d{1,2})[./](\d{1,2})[./](\d{4})")


def _staff(user: User) -> bool:
    return user.role in (Role.HEAD, Role.ADMIN)


def _today(user: User, clock: Callable[[], datetime]) -> date:
    return local_today(clock(), user.timezone)


def _day(value: date, locale: str) -> str:
    return period_title(value, value, locale)


# ---- the list -----------------------------------------------------------------------------------


async def _list(repos: Repos, user: User, page: int, locale: str) -> tuple[str, InlineKeyboardMarkup]:
    page = min(max(page, 0), 10**6)  # a forged page must not overflow the OFFSET
    items, total = await repos.trainings.recent(limit=PAGE, offset=page * PAGE)
    pages = max(1, -(-total // PAGE))
    if page >= pages:  # a page that is gone: the last one there is
        page = pages - 1
        items, total = await repos.trainings.recent(limit=PAGE, offset=page * PAGE)
    kb = Rows()
    for item in items:
        label = f"{format_date(item.day, 'medium', locale=locale)} · {item.topic[:40]}"
        kb.row(button(label, TrainCb(a="open", i=item.id)))
    if pages > 1:
        noop = TrainCb(a="noop")
        kb.row(
            button("‹", TrainCb(a="list", i=page - 1)) if page else button(" ", noop),
            button(f"{page + 1}/{pages}", noop),
            button("›", TrainCb(a="list", i=page + 1)) if page + 1 < pages else button(" ", noop),
        )
    if _staff(user):
        kb.row(button(_("➕ Record a training"), TrainCb(a="new")))
    if total:
        text = _("🎓 <b>Trainings</b>: {count}. Tap one to see whether it worked.").format(count=total)
    elif _staff(user):
        text = _("🎓 No trainings recorded yet. Record one, and two weeks after it its effect shows up here.")
    else:
        text = _("🎓 No trainings with you recorded yet.")
    return text, kb.as_markup()


async def start(message: Message, repos: Repos, user: User, state: FSMContext, i18n: I18n) -> None:
    if await state.get_state() in FLOW_STATES:  # a training half recorded is dropped; other flows stay
        await state.clear()
    text, markup = await _list(repos, user, 0, i18n.current_locale)
    await message.answer(text, reply_markup=markup)


async def page(query: CallbackQuery, callback_data: TrainCb, repos: Repos, user: User, i18n: I18n) -> None:
    await query.answer()
    text, markup = await _list(repos, user, callback_data.i, i18n.current_locale)
    await show(query, text, markup)


# ---- a training's effect -------------------------------------------------------------------------


async def open_training(query: CallbackQuery, callback_data: TrainCb, repos: Repos, user: User, clock, i18n: I18n,
                        workdays: WorkCalendar) -> None:
    try:
        info = await repos.trainings.get(callback_data.i)
    except NotFound:
        await query.answer(_("Not found, or not yours to see."), show_alert=True)
        return
    await query.answer()
    today = _today(user, clock)
    found = windows(info.day, today)
    others = await repos.trainings.comparison(info.id, found.before[0], found.after[1]) if found else []
    effect = await evaluate(repos.reports, info.day, [p.id for p in info.participants], others, today, user.timezone, workdays)
    locale = i18n.current_locale
    own = user.role == Role.MANAGER
    parts = texts(info, effect, locale, own=own)
    markup = Rows().row(button(_("‹ All trainings"), TrainCb(a="list"))).as_markup()
    await show_parts(query, parts, markup)
    png = await chart(info, effect, locale, own=own)
    if png is not None:
        caption = _("Before and after the training: those who took part against colleagues who did not.") if not own else \
            _("Your figures before and after the training.")
        await query.message.answer_photo(BufferedInputFile(png, "training.png"), caption=caption)


# ---- recording one: day → topic → participants → confirmation -------------------------------------


def _nav(flow: str, *rows) -> InlineKeyboardMarkup:
    kb = Rows()
    for row in rows:
        kb.row(*row)
    kb.row(button(_("‹ Back"), TrainCb(a="back", f=flow)), button(_("✖ Cancel"), TrainCb(a="cx", f=flow)))
    return kb.as_markup()


def _day_screen(flow: str, today: date, locale: str) -> tuple[str, InlineKeyboardMarkup]:
    def pick(day: date, label: str):
        return button(label, TrainCb(a="day", f=flow, d=f"{day:%Y%m%d}"))

    earlier = [today - timedelta(days=n) for n in range(2, 2 + EARLIER)]
    markup = _nav(
        flow,
        [pick(today, _("Today")), pick(today - timedelta(days=1), _("Yesterday"))],
        [pick(day, format_date(day, "d MMM", locale=locale)) for day in reversed(earlier)],
    )
    text = _("➕ <b>New training</b>\nWhen was it? Tap the day, or type it as DD.MM.YYYY.")
    return text, markup


def _topic_screen(flow: str, topic: str | None) -> tuple[str, InlineKeyboardMarkup]:
    text = _("What was the topic? Type it (up to {max} characters).").format(max=TOPIC_MAX)
    rows = []
    if topic:
        text += "\n" + _("Now: «{topic}».").format(topic=html.escape(topic))
        rows.append([button(_("➡️ Keep it"), TrainCb(a="keep", f=flow))])
    return text, _nav(flow, *rows)


async def _people_screen(repos: Repos, data: dict) -> tuple[str, InlineKeyboardMarkup]:
    flow = data["flow"]
    candidates = await repos.trainings.candidates()
    if not candidates:
        return _("There are no active managers in your team yet. /invite brings one in."), _nav(flow)
    marked = set(data.get("people", []))
    pages = max(1, -(-len(candidates) // PEOPLE_PAGE))
    page = min(max(data.get("page", 0), 0), pages - 1)
    rows = [[button(("✅ " if p.id in marked else "▫️ ") + p.name[:50], TrainCb(a="tog", f=flow, i=p.id))]
            for p in candidates[page * PEOPLE_PAGE:(page + 1) * PEOPLE_PAGE]]
    if pages > 1:
        noop = TrainCb(a="noop")
        rows.append([
            button("‹", TrainCb(a="pp", f=flow, i=page - 1)) if page else button(" ", noop),
            button(f"{page + 1}/{pages}", noop),
            button("›", TrainCb(a="pp", f=flow, i=page + 1)) if page + 1 < pages else button(" ", noop),
        ])
    rows.append([button(_("✅ Done ({count})").format(count=len(marked)), TrainCb(a="done", f=flow))])
    text = _("«{topic}»\nWho took part? Tap the names, then ✅ Done.").format(topic=html.escape(data["topic"]))
    return text, _nav(flow, *rows)


async def _confirm_screen(repos: Repos, data: dict, locale: str) -> tuple[str, InlineKeyboardMarkup] | None:
    """None when a marked participant is no longer one the actor may name."""
    candidates = {p.id: p for p in await repos.trainings.candidates()}
    marked = data.get("people", [])
    if not marked or any(m not in candidates for m in marked):
        return None
    names = ", ".join(html.escape(candidates[m].name) for m in sorted(marked, key=lambda m: (candidates[m].name, m)))
    text = _("Record this training?\n📅 {day}\n📝 {topic}\n👥 {names}").format(
        day=_day(date.fromisoformat(data["day"]), locale), topic=html.escape(data["topic"]), names=names)
    return text, _nav(data["flow"], [button(_("✅ Save"), TrainCb(a="save", f=data["flow"]))])


def _read_day(value: str) -> date:
    if len(value) != 8 or not value.isdigit() or not value.isascii():
        raise ValueError(value)
    return date(int(value[:4]), int(value[4:6]), int(value[6:]))


def _allowed(day: date, today: date) -> bool:
    return today - timedelta(days=BACK) <= day <= today + timedelta(days=AHEAD)


async def new(query: CallbackQuery, user: User, state: FSMContext, clock, i18n: I18n) -> None:
    if not _staff(user):
        await query.answer(_("Only heads and admins record trainings."), show_alert=True)
        return
    flow = secrets.token_hex(3)
    await state.set_state(TrainingFlow.day)
    await state.set_data({"flow": flow, "mid": query.message.message_id if query.message else None})
    await query.answer()
    await show(query, *_day_screen(flow, _today(user, clock), i18n.current_locale))


async def _to_topic(state: FSMContext, data: dict, day: date) -> tuple[str, InlineKeyboardMarkup]:
    await state.set_state(TrainingFlow.topic)
    await state.update_data(day=day.isoformat())
    return _topic_screen(data["flow"], data.get("topic"))


async def tapped_day(query: CallbackQuery, callback_data: TrainCb, user: User, state: FSMContext, flow_data: dict,
                     clock) -> None:
    if await state.get_state() != TrainingFlow.day.state:
        await stale(query)
        return
    try:
        day = _read_day(callback_data.d)
    except ValueError:
        await stale(query)
        return
    if not _allowed(day, _today(user, clock)):
        await stale(query)
        return
    await query.answer()
    await show(query, *await _to_topic(state, flow_data, day))


async def typed_day(message: Message, user: User, state: FSMContext, clock, i18n: I18n) -> None:
    data = await state.get_data()
    today = _today(user, clock)
    locale = i18n.current_locale
    match = _TYPED_DAY.fullmatch(message.text.strip())
    try:
        day = date(int(match[3]), int(match[2]), int(match[1])) if match else None
    except ValueError:
        day = None
    text, markup = _day_screen(data["flow"], today, locale)
    if day is None:
        example = (today - timedelta(days=3)).strftime("%d.%m.%Y")
        await replace_flow_message(message, state, _("That is not a date. Type it as DD.MM.YYYY, for example {example}.").format(
            example=example) + "\n\n" + text, markup)
        return
    if not _allowed(day, today):
        await replace_flow_message(message, state, _("A training can be recorded from {first} to {last}. Type a day in between.").format(
            first=_day(today - timedelta(days=BACK), locale), last=_day(today + timedelta(days=AHEAD), locale)) + "\n\n" + text, markup)
        return
    await replace_flow_message(message, state, *await _to_topic(state, data, day))


async def typed_topic(message: Message, repos: Repos, state: FSMContext) -> None:
    data = await state.get_data()
    try:
        topic = clean_topic(message.text)
    except ValueError:
        text, markup = _topic_screen(data["flow"], data.get("topic"))
        await replace_flow_message(message, state, _("The topic must be from 1 to {max} characters.").format(max=TOPIC_MAX)
                                   + "\n" + text, markup)
        return
    await state.set_state(TrainingFlow.people)
    await state.update_data(topic=topic, page=0)
    await replace_flow_message(message, state, *await _people_screen(repos, {**data, "topic": topic, "page": 0}))


async def keep_topic(query: CallbackQuery, repos: Repos, state: FSMContext, flow_data: dict) -> None:
    if await state.get_state() != TrainingFlow.topic.state or not flow_data.get("topic"):
        await stale(query)
        return
    await state.set_state(TrainingFlow.people)
    await query.answer()
    await show(query, *await _people_screen(repos, flow_data))


async def toggle(query: CallbackQuery, callback_data: TrainCb, repos: Repos, state: FSMContext, flow_data: dict) -> None:
    if await state.get_state() != TrainingFlow.people.state:
        await stale(query)
        return
    if callback_data.i not in {p.id for p in await repos.trainings.candidates()}:
        await not_found(query)
        return
    marked = set(flow_data.get("people", []))
    marked ^= {callback_data.i}
    await state.update_data(people=sorted(marked))
    await query.answer()
    await show(query, *await _people_screen(repos, {**flow_data, "people": sorted(marked)}))


async def people_page(query: CallbackQuery, callback_data: TrainCb, repos: Repos, state: FSMContext, flow_data: dict) -> None:
    if await state.get_state() != TrainingFlow.people.state:
        await stale(query)
        return
    await state.update_data(page=callback_data.i)
    await query.answer()
    await show(query, *await _people_screen(repos, {**flow_data, "page": callback_data.i}))


async def done(query: CallbackQuery, repos: Repos, state: FSMContext, flow_data: dict, i18n: I18n) -> None:
    if await state.get_state() != TrainingFlow.people.state:
        await stale(query)
        return
    if not flow_data.get("people"):
        await query.answer(_("Tap at least one participant."), show_alert=True)
        return
    screen = await _confirm_screen(repos, flow_data, i18n.current_locale)
    if screen is None:
        await not_found(query)
        return
    await state.set_state(TrainingFlow.confirm)
    await query.answer()
    await show(query, *screen)


async def save(query: CallbackQuery, repos: Repos, user: User, state: FSMContext, flow_data: dict, clock, i18n: I18n) -> None:
    if await state.get_state() != TrainingFlow.confirm.state:
        await stale(query)
        return
    day = date.fromisoformat(flow_data["day"])
    try:
        training = await repos.trainings.record(day, flow_data["topic"], flow_data.get("people", []), clock())
    except (NotFound, AccessDenied, ValueError):
        await not_found(query)
        return
    await repos.audit.record("training", {"training": training.id, "day": f"{day}", "people": len(flow_data.get("people", []))})
    await state.clear()
    await query.answer(_("Recorded"))
    count = len(flow_data["people"])
    text = _("✅ Recorded: «{topic}», {day}; took part: {count}.").format(
        topic=html.escape(training.topic), day=_day(day, i18n.current_locale), count=count)
    if windows(day, _today(user, clock)) is None:
        text += "\n" + _("Its effect can be judged two weeks after the training.")
    markup = Rows().row(button(_("📈 Did it work?"), TrainCb(a="open", i=training.id))).row(
        button(_("‹ All trainings"), TrainCb(a="list"))).as_markup()
    await show(query, text, markup)


async def back(query: CallbackQuery, repos: Repos, user: User, state: FSMContext, flow_data: dict, clock,
               i18n: I18n) -> None:
    current = await state.get_state()
    locale = i18n.current_locale
    await query.answer()
    if current == TrainingFlow.day.state:
        await state.clear()
        await show(query, *await _list(repos, user, 0, locale))
    elif current == TrainingFlow.topic.state:
        await state.set_state(TrainingFlow.day)
        await show(query, *_day_screen(flow_data["flow"], _today(user, clock), locale))
    elif current == TrainingFlow.people.state:
        await state.set_state(TrainingFlow.topic)
        await show(query, *_topic_screen(flow_data["flow"], flow_data.get("topic")))
    else:
        await state.set_state(TrainingFlow.people)
        await show(query, *await _people_screen(repos, flow_data))


async def cancel(query: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await query.answer()
    await show(query, _("Cancelled. Nothing was saved."))


def setup() -> Router:
    """For everyone: a manager reads (their own), heads and admins record too; the repository decides what each may see."""
    router = Router(name=__name__)
    router.message.register(start, Command("training"))
    router.callback_query.register(noop, TrainCb.filter(F.a == "noop"))
    router.callback_query.register(page, TrainCb.filter(F.a == "list"))
    router.callback_query.register(open_training, TrainCb.filter(F.a == "open"))
    router.callback_query.register(new, TrainCb.filter(F.a == "new"))
    # the steps of a recording: only the run that is going on (else the fallback's "no longer active")
    steps = {"day": tapped_day, "keep": keep_topic, "tog": toggle, "pp": people_page, "done": done, "save": save,
             "back": back, "cx": cancel}
    for action, handler in steps.items():
        router.callback_query.register(handler, TrainCb.filter(F.a == action), CurrentFlow())
    router.message.register(typed_day, StateFilter(TrainingFlow.day), FreeText())
    router.message.register(typed_topic, StateFilter(TrainingFlow.topic), FreeText())
    return router
