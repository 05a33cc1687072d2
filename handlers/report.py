"""/report (📊 in a head's menu): period → scope → the text, its charts, and an XLSX export.

A manager's report is about themselves; a head's about their team or one of its managers; an
admin's about everyone, a team or one manager. Every button is re-checked: a forged period, team
or manager id gets the calm "not available" and reveals nothing (the repository's scope decides).
"""

from __future__ import annotations

import re
import calendar as months
from collections.abc import Callable
from datetime import date, datetime, timedelta

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, InputMediaPhoto, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from bot.settings import Settings
from db.models import AuditKind, Role, User
from db.repositories import Repos
from db.repositories.reports import Person
from handlers import labels
from handlers.callbacks import RepCb
from handlers.filters import MenuButton
from handlers.keyboards import Rows, button
from handlers.limits import within_limit
from handlers.report_view import Plans, albums, period_title, photos, rows_in, sheets, texts
from reports.forecast import month_end, workdays_between
from handlers.ui import noop, pack, show, show_parts, stale
from reports import export, offload, period
from reports.dates import day_bounds, local_today
from reports.flags import REPORT_DAYS, assess, summaries
from handlers.verified_view import report_blocks
from reports.formatting import month_title, weekday_initials
from reports.report import build
from reports.workdays import WorkCalendar

PAGE = 10  # managers per page of the picker
_PERIOD_LABELS = {
    "today": __("Today"),
    "yesterday": __("Yesterday"),
    "week": __("This week"),
    "last_week": __("Last week"),
    "month": __("This month"),
    "last_month": __("Last month"),
}


def _periods() -> InlineKeyboardMarkup:
    kb = Rows()
    codes = list(_PERIOD_LABELS)
    for first, second in zip(codes[::2], codes[1::2]):
        kb.row(button(str(_PERIOD_LABELS[first]), RepCb(a="p", p=first)), button(str(_PERIOD_LABELS[second]), RepCb(a="p", p=second)))
    kb.row(button(_("📅 Pick the days"), RepCb(a="cal")))
    return kb.as_markup()


async def start(message: Message) -> None:
    await message.answer(_("📊 <b>Report</b>. For which period?"), reply_markup=_periods())


def _today(user: User, clock: Callable[[], datetime]) -> date:
    return local_today(clock(), user.timezone)


async def back(query: CallbackQuery) -> None:
    await query.answer()
    await show(query, _("📊 <b>Report</b>. For which period?"), _periods())


# ---- a range picked on a calendar: past days only, two taps ------------------------------------


def _month_grid(shown: date, today: date, first: date | None, locale: str) -> InlineKeyboardMarkup:
    kb = Rows()
    noop = RepCb(a="noop")
    picked = f"{first:%Y%m%d}" if first else ""
    earlier = (shown.replace(day=1) - timedelta(days=1)).replace(day=1)
    later = (shown.replace(day=28) + timedelta(days=4)).replace(day=1)
    kb.row(
        button("‹", RepCb(a="cal", d=f"{earlier:%Y%m}", p=picked)),
        button(month_title(shown, locale), noop),
        button("›", RepCb(a="cal", d=f"{later:%Y%m}", p=picked)) if later <= today else button(" ", noop),
    )
    kb.row(*(button(name, noop) for name in weekday_initials(locale)))
    for week in months.Calendar().monthdatescalendar(shown.year, shown.month):
        cells = []
        for day in week:
            if day.month != shown.month or day > today:
                cells.append(button(" ", noop))
            else:
                label = f"[{day.day}]" if day == first else str(day.day)
                cells.append(button(label, RepCb(a="day", d=f"{day:%Y%m%d}", p=picked)))
        kb.row(*cells)
    kb.row(button(_("‹ Back"), RepCb(a="back")))
    return kb.as_markup()


def _read_day(value: str) -> date:
    if len(value) != 8 or not value.isdigit() or not value.isascii():
        raise ValueError(value)
    return date(int(value[:4]), int(value[4:6]), int(value[6:]))


async def pick_days(query: CallbackQuery, callback_data: RepCb, repos: Repos, user: User, clock, i18n: I18n,
                    workdays: WorkCalendar, settings: Settings) -> None:
    today = _today(user, clock)
    try:
        first = _read_day(callback_data.p) if callback_data.p else None
        if callback_data.a == "cal":
            d = callback_data.d or f"{today:%Y%m}"
            if len(d) != 6 or not d.isdigit():
                raise ValueError(d)
            shown = date(int(d[:4]), int(d[4:]), 1)
            if shown > today or today - shown > period.LONGEST * 3:
                raise ValueError(d)
        else:
            day = _read_day(callback_data.d)
            if day > today:
                raise ValueError(day)
            if first is None:
                first, shown = day, day.replace(day=1)
            else:
                start, end = sorted((first, day))
                if end - start > period.LONGEST:
                    await query.answer(_("A report covers at most a year: pick a shorter range."), show_alert=True)
                    return
                await _after_period(query, period.encode(start, end), repos, user, clock, i18n, workdays, settings)
                return
    except ValueError:
        await stale(query)
        return
    await query.answer()
    prompt = _("Tap the first and the last day of the period.") if first is None else \
        _("First day: {day}\nNow tap the last one.").format(day=period_title(first, first, i18n.current_locale))
    await show(query, prompt, _month_grid(shown, today, first, i18n.current_locale))


# ---- scope ----------------------------------------------------------------------------------


async def chose_period(query: CallbackQuery, callback_data: RepCb, repos: Repos, user: User, clock, i18n: I18n,
                       workdays: WorkCalendar, settings: Settings) -> None:
    """A period (or, from the manager picker's ‹ Back, the period again): on to whom it is about."""
    try:
        period.decode(callback_data.p, _today(user, clock))
    except (ValueError, KeyError):
        await stale(query)
        return
    await _after_period(query, callback_data.p, repos, user, clock, i18n, workdays, settings)


async def _after_period(query: CallbackQuery, code: str, repos: Repos, user: User, clock, i18n: I18n,
                        workdays: WorkCalendar, settings: Settings) -> None:
    if user.role == Role.MANAGER:  # a manager's report is about themselves: no scope to choose
        await _report(query, repos, user, clock, i18n, workdays, settings, code, "me", 0)
        return
    await query.answer()
    kb = Rows()
    if user.role == Role.ADMIN:
        kb.row(button(_("🏢 Everyone"), RepCb(a="s", p=code, s="all")))
    for team in await repos.reports.teams():
        kb.row(button(_("👥 Team: {name}").format(name=team.name[:40]), RepCb(a="s", p=code, s="team", i=team.id)))
    kb.row(button(_("👤 One manager"), RepCb(a="who", p=code)))
    kb.row(button(_("‹ Back"), RepCb(a="back")))
    start, end = period.decode(code, _today(user, clock))
    title = period_title(start, end, i18n.current_locale)
    await show(query, _("📊 <b>Report</b>: {period}\nWhom about?").format(period=title), kb.as_markup())


async def who(query: CallbackQuery, callback_data: RepCb, repos: Repos, user: User, clock, i18n: I18n) -> None:
    try:
        period.decode(callback_data.p, _today(user, clock))
    except (ValueError, KeyError):
        await stale(query)
        return
    people = await repos.reports.people()
    pages = max(1, -(-len(people) // PAGE))
    page = min(max(callback_data.i, 0), pages - 1)
    kb = Rows()
    for person in people[page * PAGE:(page + 1) * PAGE]:
        kb.row(button(person.name[:60], RepCb(a="s", p=callback_data.p, s="mgr", i=person.id)))
    if pages > 1:
        kb.row(
            button("‹", RepCb(a="who", p=callback_data.p, i=page - 1)) if page else button(" ", RepCb(a="noop")),
            button(f"{page + 1}/{pages}", RepCb(a="noop")),
            button("›", RepCb(a="who", p=callback_data.p, i=page + 1)) if page + 1 < pages else button(" ", RepCb(a="noop")),
        )
    kb.row(button(_("‹ Back"), RepCb(a="pp", p=callback_data.p)))
    await query.answer()
    text = _("Which manager?") if people else _("There are no active managers in your team yet. /invite brings one in.")
    await show(query, text, kb.as_markup())


# ---- the report -------------------------------------------------------------------------------


async def _scope(repos: Repos, user: User, scope: str, ident: int) -> tuple[list[Person], str] | None:
    """The managers a scope covers and its name; None for a scope that is not the person's."""
    reports = repos.reports
    if scope == "me" and user.role == Role.MANAGER:
        return await reports.people(), _("you")
    if scope == "all" and user.role == Role.ADMIN:
        return await reports.people(), _("everyone")
    if scope == "team" and user.role in (Role.HEAD, Role.ADMIN):
        team = next((t for t in await reports.teams() if t.id == ident), None)
        if team is None:
            return None
        return await reports.people(team_id=team.id), _("team {name}").format(name=team.name)
    if scope == "mgr" and user.role in (Role.HEAD, Role.ADMIN):
        people = await reports.people(manager_id=ident)
        return (people, people[0].name) if people else None
    return None


async def show_report(query: CallbackQuery, callback_data: RepCb, repos: Repos, user: User, clock, i18n: I18n,
                      workdays: WorkCalendar, settings: Settings) -> None:
    await _report(query, repos, user, clock, i18n, workdays, settings, callback_data.p, callback_data.s, callback_data.i)


async def _report(query: CallbackQuery, repos: Repos, user: User, clock, i18n: I18n, workdays: WorkCalendar, settings: Settings,
                  code: str, scope: str, ident: int) -> None:
    today = _today(user, clock)
    try:
        start, end = period.decode(code, today)
    except (ValueError, KeyError):
        await stale(query)
        return
    found = await _scope(repos, user, scope, ident)
    if found is None:
        await query.answer(_("Not found, or not yours to see."), show_alert=True)
        return
    people, name = found
    await query.answer()
    if not people:
        await show(query, _("There are no active managers in your team yet. /invite brings one in."))
        return
    locale = i18n.current_locale
    async with offload.turn():
        report = await build(repos.reports, people, start, end, today, user.timezone, workdays, settings.checkin_radius_m,
                             settings.checkin_required)
    await repos.audit.record("report", {"from": f"{start}", "to": f"{end}", "scope": scope, "id": ident, "people": len(people)})
    reasons = {r.id: r for r in await repos.reasons.all()}
    parts = texts(report, name, reasons, locale, await _plans(repos, people, start, end, today, workdays))
    if user.role in (Role.HEAD, Role.ADMIN):  # a manager learns nothing of the call-back audit
        parts = pack([*parts, *await _audit_blocks(repos, people, start, end, user.timezone, locale)])
    kb = Rows()
    if user.role in (Role.HEAD, Role.ADMIN):
        kb.row(button(_("📥 Excel"), RepCb(a="x", p=code, s=scope, i=ident)))
    kb.row(button(_("📊 Another report"), RepCb(a="back")))
    await show_parts(query, parts, kb.as_markup())
    for album in albums(await photos(report, reasons, locale)):
        if len(album) == 1:
            await query.message.answer_photo(BufferedInputFile(album[0].png, "chart.png"), caption=album[0].caption)
        else:
            await query.message.answer_media_group([
                InputMediaPhoto(media=BufferedInputFile(c.png, f"chart-{n}.png"), caption=c.caption) for n, c in enumerate(album, 1)
            ])


async def _audit_blocks(repos: Repos, people: list[Person], start: date, end: date, tz: str, locale: str) -> list[str]:
    """Verified meetings over the period, and flags over its last REPORT_DAYS (bounded work)."""
    span = (day_bounds(start, tz)[0], day_bounds(end, tz)[1])
    marks = await repos.callbacks.marks([p.id for p in people], span)
    first = max(start, end - timedelta(days=REPORT_DAYS - 1))
    flag_span = (day_bounds(first, tz)[0], span[1])
    zones = {p.id: p.timezone or tz for p in people}
    contacts, found = await assess(repos.callbacks, zones, flag_span)
    return report_blocks(people, marks, summaries(list(zones), contacts, found, flag_span),
                         period_title(first, end, locale), locale)


async def _plans(repos: Repos, people, start: date, end: date, today: date, workdays: WorkCalendar) -> Plans | None:
    """The month's plans, when the report covers one calendar month (to today, for this one)."""
    last = month_end(start)
    if start.day != 1 or end not in (last, today) or end > last:
        return None
    ids = {p.id for p in people}
    plans = [p for p in await repos.plans.of_month(start) if p.user_id in ids]
    if not plans:
        return None
    left = workdays_between(today, last, workdays) if end == today else 0  # today is not over yet
    return Plans({p.user_id: p.amount_minor for p in plans}, sum(p.amount_minor for p in plans), left)


async def export_xlsx(query: CallbackQuery, callback_data: RepCb, repos: Repos, user: User, clock, i18n: I18n,
                      workdays: WorkCalendar, settings: Settings) -> None:
    if user.role not in (Role.HEAD, Role.ADMIN):
        await stale(query)
        return
    today = _today(user, clock)
    try:
        start, end = period.decode(callback_data.p, today)
    except (ValueError, KeyError):
        await stale(query)
        return
    asked = {"from": f"{start}", "to": f"{end}", "scope": callback_data.s, "id": callback_data.i}
    if not await within_limit(query, repos, user, settings, i18n, AuditKind.EXPORT, asked):
        return
    found = await _scope(repos, user, callback_data.s, callback_data.i)
    if found is None or not found[0]:
        await query.answer(_("Not found, or not yours to see."), show_alert=True)
        return
    people, name = found
    await query.answer(_("Preparing the file…"))
    async with offload.turn():
        report = await build(repos.reports, people, start, end, today, user.timezone, workdays, settings.checkin_radius_m,
                             settings.checkin_required)
        tables = sheets(report, {r.id: r for r in await repos.reasons.all()}, user.timezone)
        data = await offload.run(export.xlsx, tables, tz=user.timezone)
    # recorded before the file leaves: an export that was sent is never missing from the log
    await repos.reports.record_export(
        "report", {"period": callback_data.p, "scope": callback_data.s, "id": callback_data.i, "people": len(people)},
        rows_in(tables), clock(),
    )
    await repos.audit.record("export", {"from": f"{start}", "to": f"{end}", "scope": callback_data.s, "id": callback_data.i, "rows": rows_in(tables)})
    # whom it is about in the name too: a team's and a manager's files of one period stay apart
    about = "-".join(re.findall(r"\w+", name))[:40].strip("-_") or "report"
    filename = f"ladon-{about}-{start:%Y-%m-%d}-{end:%Y-%m-%d}.xlsx"
    caption = _("📥 {scope}, {period}").format(scope=name, period=period_title(start, end, i18n.current_locale))
    await query.message.answer_document(BufferedInputFile(data, filename), caption=caption[:1000])


def setup() -> Router:
    router = Router(name=__name__)
    router.message.register(start, Command("report"))
    router.message.register(start, MenuButton(labels.MENU_REPORT))
    router.callback_query.register(noop, RepCb.filter(F.a == "noop"))
    router.callback_query.register(back, RepCb.filter(F.a == "back"))
    router.callback_query.register(pick_days, RepCb.filter(F.a == "cal"))
    router.callback_query.register(pick_days, RepCb.filter(F.a == "day"))
    router.callback_query.register(chose_period, RepCb.filter(F.a == "p"))
    router.callback_query.register(chose_period, RepCb.filter(F.a == "pp"))
    router.callback_query.register(who, RepCb.filter(F.a == "who"))
    router.callback_query.register(show_report, RepCb.filter(F.a == "s"))
    router.callback_query.register(export_xlsx, RepCb.filter(F.a == "x"))
    return router
