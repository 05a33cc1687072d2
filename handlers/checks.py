"""The call-back audit as a head sees it: the weekly checklist (sent by the outbox), /checks for
the meetings still to call back, and the marks ✅ confirmed / ❌ did not happen / 📵 could not
reach, with an optional comment. Heads and admins only (the router's gate); the repository's
scope keeps a head to their team's checks. Managers are never told anything about it."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date, datetime, timedelta

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from db.models import CallbackMark, Outcome, User
from db.repositories import NotFound, Repos
from db.repositories.callbacks import Item
from handlers import labels
from handlers.callbacks import CheckCb
from handlers.filters import FreeText
from handlers.keyboards import Rows, button
from handlers.parsing import phone_for_display
from handlers.states import CheckComment
from handlers.ui import fits, noop, show, stale
from reports.flags import PLAUSIBLE_MEETINGS, Flag
from reports.formatting import clock as clock_fmt
from reports.formatting import money, when

PAGE = 5  # meetings a message: each with a row of four buttons
NOTE_EXCERPT = 200
COMMENT_MAX = 500
_MARKS = {"c": CallbackMark.CONFIRMED, "n": CallbackMark.NOT_HAPPENED, "u": CallbackMark.UNREACHABLE}


def mark_label(mark: CallbackMark) -> str:
    return {
        CallbackMark.CONFIRMED: _("✅ Confirmed"),
        CallbackMark.NOT_HAPPENED: _("❌ Did not happen"),
        CallbackMark.UNREACHABLE: _("📵 Could not reach"),
    }[mark]


def _duration(delta: timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    if hours >= 48:
        return ngettext("{count} day", "{count} days", hours // 24).format(count=hours // 24)
    return ngettext("{count} hour", "{count} hours", hours).format(count=hours)


def flag_words(flag: str, item: Item, tz: str, locale: str) -> str:
    """Why the sampler leaned on this meeting, in words (what the manager will never see)."""
    meeting = item.meeting
    if flag == Flag.LATE and meeting.logged_at is not None:
        return _("logged {delay} after the meeting").format(delay=_duration(meeting.logged_at - meeting.happened_at))
    if flag == Flag.NIGHT_BATCH and meeting.logged_at is not None:
        return _("logged at {time} at night, in a batch with other contacts").format(
            time=clock_fmt(meeting.logged_at, tz, locale))
    if flag == Flag.TOO_MANY:
        return _("that day more than {count} meetings were logged: hardly possible").format(count=PLAUSIBLE_MEETINGS)
    if flag == Flag.COPIED_NOTE:
        return _("the note is almost the same as on a meeting with another client")
    if flag == Flag.NO_CHECKIN:
        return _("no check-in at the client")
    return flag


def render_item(n: int, item: Item, tz: str, locale: str) -> str:
    meeting, client = item.meeting, item.meeting.client
    lines = [_("<b>{n}. {client}</b> · {manager}").format(
        n=n, client=html.escape(client.name), manager=html.escape(item.manager_name))]
    what = [when(meeting.happened_at, tz, locale)]
    if meeting.outcome is not None:
        result = labels.outcome(meeting.outcome)
        if meeting.outcome == Outcome.REFUSED and meeting.refusal_reason is not None:
            result += f" ({html.escape(labels.reason(meeting.refusal_reason))})"
        what.append(result)
    if meeting.amount_minor:
        what.append(money(meeting.amount_minor, locale))
    lines.append("🤝 " + " · ".join(what))
    people = [meeting.contact_person] if meeting.contact_person is not None else \
        [p for p in client.contacts if p.phone][:2] or client.contacts[:1]
    for person in people:
        phone = f", {phone_for_display(person.phone)}" if person.phone else ""
        lines.append(f"👤 {html.escape(person.name)}{html.escape(phone)}")
    if not people:
        lines.append(_("👤 no contact person on the card"))
    if meeting.note:
        note = meeting.note if len(meeting.note) <= NOTE_EXCERPT else meeting.note[:NOTE_EXCERPT - 1] + "…"
        lines.append("📝 «" + html.escape(note) + "»")
    for flag in item.check.reasons or []:
        lines.append("🚩 " + flag_words(flag, item, tz, locale))
    if item.check.mark is not None:
        lines.append(_("Marked: {mark}").format(mark=mark_label(item.check.mark)))
    if item.check.comment:
        lines.append("💬 " + html.escape(item.check.comment))
    return "\n".join(lines)


def _buttons(kb: Rows, n: int, item: Item, week: int, page: int) -> None:
    check = item.check
    marks = [(_("✅ {n}"), "c"), (_("❌ {n}"), "n"), (_("📵 {n}"), "u")]
    row = [button(label.format(n=n), CheckCb(a="m", id=check.id, v=v, w=week, p=page))
           for label, v in marks if check.mark != _MARKS[v]]
    row.append(button(_("💬 {n}").format(n=n), CheckCb(a="cm", id=check.id, w=week, p=page)))
    kb.row(*row)


def _page_message(items: list[Item], first: int, head: list[str], tz: str, locale: str, week: int, page: int,
                  pager: list | None = None) -> tuple[str, InlineKeyboardMarkup | None]:
    lines, kb = list(head), Rows()
    for n, item in enumerate(items, first):
        block = render_item(n, item, tz, locale)
        lines.append("\n" + block if lines else block)
        _buttons(kb, n, item, week, page)
    if pager:
        kb.row(*pager)
    return "\n".join(lines), kb.as_markup() if kb else None


def _legend() -> str:
    """What the four buttons under each meeting mean: their labels are only an emoji and a number."""
    return _("Buttons: ✅ it took place · ❌ it did not · 📵 could not reach the client · 💬 a comment.")


def _week_title(week: date, locale: str) -> str:
    from handlers.report_view import period_title

    return period_title(week, week + timedelta(days=6), locale)


async def checklist(repos: Repos, user: User, week: date, locale: str) -> list[tuple[str, InlineKeyboardMarkup | None]]:
    """The week's checklist for its reviewer: messages of PAGE meetings each (split at meetings),
    the ones not marked yet; nothing when all are marked."""
    items = await repos.callbacks.week(week)
    if not any(i.check.mark is None for i in items):
        return []
    head = [
        _("📞 <b>Call-back check</b>, meetings of {week}").format(week=_week_title(week, locale)),
        _("Call these clients and ask whether the meeting took place, then mark each one. "
          "The managers do not see this list, nor which of their meetings are in it. /checks shows what is left."),
        _legend(),
    ]
    return [_page_message(items[p * PAGE:(p + 1) * PAGE], p * PAGE + 1, head if p == 0 else [], user.timezone, locale,
                          week.toordinal(), p)
            for p in range(-(-len(items) // PAGE))]


async def _open_view(repos: Repos, user: User, page: int, locale: str) -> tuple[str, InlineKeyboardMarkup | None]:
    items, total = await repos.callbacks.open_page(page, PAGE)
    pages = max(1, -(-total // PAGE))
    if not items and page:
        page = min(page, pages - 1)
        items, total = await repos.callbacks.open_page(page, PAGE)
    if not total:
        return _("📞 Nothing to call back now. The next checklist comes with the week."), None
    head = [ngettext("📞 <b>{count} meeting to call back</b>", "📞 <b>{count} meetings to call back</b>", total).format(count=total),
            _legend()]
    pager = None
    if pages > 1:
        noop = CheckCb(a="noop")
        pager = [
            button("‹", CheckCb(a="o", p=page - 1)) if page else button(" ", noop),
            button(f"{page + 1}/{pages}", noop),
            button("›", CheckCb(a="o", p=page + 1)) if page + 1 < pages else button(" ", noop),
        ]
    return _page_message(items, page * PAGE + 1, head, user.timezone, locale, 0, page, pager)


async def _view(repos: Repos, user: User, week: int, page: int, locale: str) -> tuple[str, InlineKeyboardMarkup | None]:
    """The message a button sits on, drawn again: a page of a week's checklist, or of /checks."""
    if not week:
        return await _open_view(repos, user, page, locale)
    day = date.fromordinal(week)
    items = (await repos.callbacks.week(day))[page * PAGE:(page + 1) * PAGE]
    head = [_("📞 <b>Call-back check</b>, meetings of {week}").format(week=_week_title(day, locale))] if page == 0 else []
    return _page_message(items, page * PAGE + 1, head, user.timezone, locale, week, page)


async def open_checks(message: Message, repos: Repos, user: User, i18n) -> None:
    text, markup = await _open_view(repos, user, 0, i18n.current_locale)
    await message.answer(text, reply_markup=markup)


async def turn_page(query: CallbackQuery, callback_data: CheckCb, repos: Repos, user: User, i18n) -> None:
    await query.answer()
    text, markup = await _open_view(repos, user, max(0, callback_data.p), i18n.current_locale)
    await show(query, text, markup)


def _valid_week(value: int) -> bool:
    return value == 0 or date(2000, 1, 1).toordinal() <= value <= date(2100, 1, 1).toordinal()


async def set_mark(query: CallbackQuery, callback_data: CheckCb, repos: Repos, user: User, clock: Callable[[], datetime],
                   i18n) -> None:
    mark = _MARKS.get(callback_data.v)
    if mark is None or not _valid_week(callback_data.w) or not 0 <= callback_data.p < 10_000:
        await stale(query)
        return
    try:
        item = await repos.callbacks.mark(callback_data.id, mark, clock())
    except NotFound:
        await query.answer(_("Not found, or not yours to change."), show_alert=True)
        return
    await repos.audit.record("verify", {"check": item.check.id, "meeting": item.meeting.id, "manager": item.check.manager_id,
                                        "mark": mark.value})
    await query.answer(mark_label(mark))
    text, markup = await _view(repos, user, callback_data.w, callback_data.p, i18n.current_locale)
    await show(query, text, markup)


async def ask_comment(query: CallbackQuery, callback_data: CheckCb, repos: Repos, state: FSMContext) -> None:
    try:
        item = await repos.callbacks.get(callback_data.id)
    except NotFound:
        await query.answer(_("Not found, or not yours to change."), show_alert=True)
        return
    await query.answer()
    await state.set_state(CheckComment.text)
    await state.set_data({"check": item.check.id})
    await query.message.answer(_("💬 A comment on the meeting with <b>{client}</b> (up to {max} characters), or /cancel:").format(
        client=html.escape(item.meeting.client.name), max=COMMENT_MAX))


async def save_comment(message: Message, repos: Repos, user: User, state: FSMContext, clock: Callable[[], datetime],
                       i18n) -> None:
    text = (message.text or "").strip()
    if not text or len(text) > COMMENT_MAX:
        await message.answer(_("A comment is from 1 to {max} characters. Type it again, or /cancel:").format(max=COMMENT_MAX))
        return
    check_id = (await state.get_data()).get("check")
    await state.clear()
    try:
        item = await repos.callbacks.comment(int(check_id or 0), text, clock())
    except NotFound:
        await message.answer(_("Not found, or not yours to change."))
        return
    await repos.audit.record("verify", {"check": item.check.id, "meeting": item.meeting.id, "manager": item.check.manager_id,
                                        "comment": len(text)})
    block = render_item(1, item, user.timezone, i18n.current_locale).split("\n", 1)
    body = block[1] if len(block) > 1 else ""
    reply = _("💬 Comment saved.") + "\n\n" + _("<b>{client}</b> · {manager}").format(
        client=html.escape(item.meeting.client.name), manager=html.escape(item.manager_name)) + "\n" + body
    if not fits([reply]):
        reply = _("💬 Comment saved.")
    kb = Rows()
    _buttons(kb, 1, item, 0, 0)
    await message.answer(reply, reply_markup=kb.as_markup())


def setup() -> Router:
    router = Router(name=__name__)
    router.message.register(open_checks, Command("checks"))
    router.callback_query.register(noop, CheckCb.filter(F.a == "noop"))
    router.callback_query.register(turn_page, CheckCb.filter(F.a == "o"))
    router.callback_query.register(set_mark, CheckCb.filter(F.a == "m"))
    router.callback_query.register(ask_comment, CheckCb.filter(F.a == "cm"))
    router.message.register(save_comment, StateFilter(CheckComment.text), FreeText())
    return router
