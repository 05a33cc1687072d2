"""The morning digest for heads and admins (also /team): the last working day per manager and for
the team against its usual level, today's and tomorrow's plans, what needs attention, and charts."""

from __future__ import annotations

import asyncio
import html
import math
import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from babel.numbers import format_decimal

from db.models import Kind, Role, User
from db.repositories import Repos
from db.repositories.reports import Person
from handlers import checkin_view, labels
from handlers import report_view
from handlers.report_view import Photo, kind_names, outcome_names, per_manager, result_line
from handlers.forecast_view import outlook_line, team_plan
from handlers.ui import pack, u16
from handlers.verified_view import since, verified_line
from db.repositories.callbacks import Marks
from reports import offload
from reports.verified import verified_meetings
from reports.analytics import Figures, Level, Usual
from reports.checkin import DEFAULT_RADIUS_M
from reports.digest import Morning, morning
from reports.forecast import Month, Outlook
from reports.outlook import live
from reports.report import first_workday_of_week, weekly
from reports.formatting import day as day_fmt
from reports.formatting import money, month_title, short_day
from reports.workdays import WorkCalendar

log = logging.getLogger(__name__)
_LEVEL = {Level.ABOVE: " ▲", Level.BELOW: " ▼", Level.USUAL: ""}


@dataclass(frozen=True)
class Digest:
    parts: list[str]  # texts, split between managers
    photos: list[Photo]


async def team_digest(repos: Repos, user: User, now: datetime, locale: str, calendar: WorkCalendar, *, with_charts: bool = True,
                      rank: str = "name", radius_m: int = DEFAULT_RADIUS_M, checkins_required: bool = False) -> Digest | None:
    """The digest for a head (their team) or an admin (everyone); None when nobody is in it.
    `rank`: managers by name, or by verified meetings ("verified", most first)."""
    async with offload.turn():  # a few reports are built at a time, so that the loop keeps answering
        people = await repos.reports.people()
        if not people:
            return None
        data = await morning(repos.reports, people, now, user.timezone, calendar, radius_m, checkins_required)
        marks = await repos.callbacks.marks([p.id for p in people], (since(now), now))
        if rank == "verified":
            weighted = verified_meetings({m.person.id: m.day.meetings for m in data.managers}, marks)
            data.managers.sort(key=lambda m: -weighted[m.person.id])  # stable: by name among equals
        # the chart workers draw yesterday's charts while the forecast (and on a Monday the week)
        # is counted here
        drawn = asyncio.ensure_future(_drawn(_charts(data, locale))) if with_charts and data.team.contacts else None
        try:
            plan = await team_plan(repos, user, now)
            month = (await live(repos.reports, repos.plans, people, now, user.timezone, calendar, plan)).month
            reasons = await repos.reasons.all()
            texts = _texts(data, month, {r.id: labels.reason(r) for r in reasons}, locale,
                           company=user.role == Role.ADMIN, marks=marks)
            week_photos: list[Photo] = []
            if with_charts and first_workday_of_week(data.today, calendar):
                # the first working morning of a week brings the weekly report along, in the same outbox row
                week = await weekly(repos.reports, people, data.today, user.timezone, calendar, radius_m,
                                    checkins_required)
                by_id = {r.id: r for r in reasons}
                scope = _("everyone") if user.role == Role.ADMIN else _("the team")
                texts += report_view.texts(week, scope, by_id, locale)
                week_photos = await _drawn(report_view.photos(week, by_id, locale))
            photos = (await drawn if drawn is not None else []) + week_photos
        finally:
            if drawn is not None and not drawn.done():  # the digest failed: its charts are not wanted
                drawn.cancel()
        return Digest(texts, photos)


def _day_word(data: Morning, locale: str) -> str:
    return _("yesterday") if data.day == data.today - timedelta(days=1) else short_day(data.day, locale)


def _usual(name: str, value: str, level: Usual | None, locale: str, is_money: bool = False) -> str:
    if level is None:
        return f"{name}: {value}"
    if is_money:
        low, high = money(int(level.low) // 100 * 100, locale), money(int(level.high) // 100 * 100, locale)
    else:
        # quartiles of counts end in .25/.5/.75, but nobody holds 0.8 meetings: whole ones, halves up
        low, high = (format_decimal(math.floor(v + 0.5), format="#,##0", locale=locale) for v in (level.low, level.high))
    usual = low if low == high else f"{low}–{high}"
    return _("{name}: {value}{mark} (usually {usual})").format(name=name, value=value, mark=_LEVEL[level.level], usual=usual)


def _team_lines(data: Morning, month: Month, locale: str) -> list[str]:
    team, usual = data.team, data.usual
    return [
        _("🎯 <b>{month}</b>: {line}").format(month=month_title(month.first, locale), line=outlook_line(month.total, locale)),
        _("📈 <b>Results of {day}</b>").format(day=day_fmt(data.day, locale)),
        _usual(_("🤝 Meetings"), str(team.meetings), usual["meetings"], locale),
        _usual(_("📞 Calls"), str(team.by_kind[Kind.CALL]), usual["calls"], locale),
        _usual(_("✅ Deals"), str(team.deals), usual["deals"], locale),
        _usual(_("💰 Sum of deals"), money(team.deals_sum, locale), usual["deals_sum"], locale, is_money=True),
    ]


IDLE_LINE = 1000  # characters of names on one line of the idle list


def _alerts(data: Morning, day_word: str, locale: str) -> list[str]:
    lines: list[str] = []
    idle = [f"<b>{html.escape(m.person.name)}</b>" for m in data.managers if m.idle]
    if idle:  # one list, however many: a Monday after a quiet Friday would give the whole team a line each
        rows: list[list[str]] = [[]]
        for name in idle:  # a long list goes on in lines of its own: a message splits between lines, never in a name
            if rows[-1] and u16(", ".join([*rows[-1], name])) > IDLE_LINE:
                rows.append([])
            rows[-1].append(name)
        lines.append(_("• {day}, not a single contact: {names}").format(day=day_word.capitalize(), names=", ".join(rows[0])))
        lines += ["   " + ", ".join(row) for row in rows[1:]]
    for m in data.managers:
        name = f"<b>{html.escape(m.person.name)}</b>"
        if m.hanging:
            lines.append(ngettext(
                "• {name}: {count} overdue plan ({day})",
                "• {name}: {count} overdue plans, the oldest from {day}", m.hanging,
            ).format(name=name, count=m.hanging, day=short_day(m.hanging_since, locale)))
        if m.night_batch:
            lines.append(ngettext(
                "• {name}: {count} contact logged late at night in one go",
                "• {name}: {count} contacts logged late at night in one go", m.night_batch,
            ).format(name=name, count=m.night_batch))
        if m.checkins and m.checkins.beyond:
            lines.append(ngettext(
                "• {name}: {count} meeting checked in farther than {radius} from the client",
                "• {name}: {count} meetings checked in farther than {radius} from the client", m.checkins.beyond,
            ).format(name=name, count=m.checkins.beyond, radius=checkin_view.distance(data.radius_m, locale)))
        if m.person.unreachable:
            lines.append(_("• {name}: has blocked the bot, reminders do not reach them").format(name=name))
    return lines


def manager_block(person: Person, fig: Figures, planned: tuple[int, int], outlook: Outlook | None, day_word: str,
                  reasons: dict[int, str], locale: str, marks: Marks | None = None) -> str:
    lines = [
        f"<b>{html.escape(person.name)}</b>",
        "   " + _("{day}: {results}").format(day=day_word.capitalize(), results=result_line(fig, reasons, locale)),
        "   " + _("Plan: today {today}, tomorrow {tomorrow}").format(today=planned[0], tomorrow=planned[1]),
    ]
    if outlook is not None:
        lines.append("   🎯 " + outlook_line(outlook, locale))
    if marks is not None:
        lines.append("   🔎 " + _("Call-backs: {line}").format(line=verified_line(marks, locale)))
    return "\n".join(lines)


def _texts(data: Morning, month: Month, reasons: dict[int, str], locale: str, company: bool,
           marks: dict[int, Marks] | None = None) -> list[str]:
    day_word = _day_word(data, locale)
    title = _("☀️ <b>Company digest</b>, {today}") if company else _("☀️ <b>Team digest</b>, {today}")
    blocks = [title.format(today=day_fmt(data.today, locale)), "\n".join(_team_lines(data, month, locale))]
    alerts = _alerts(data, day_word, locale)
    if alerts:
        blocks.append("\n" + _("⚠️ <b>Needs attention</b>"))
        blocks += alerts
    blocks.append("\n" + _("👤 <b>By manager</b>"))
    for m in data.managers:
        block = manager_block(m.person, m.day, (m.today, m.tomorrow), month.people.get(m.person.id), day_word,
                              reasons, locale, (marks or {}).get(m.person.id))
        if m.checkins:
            block += "\n   📍 " + checkin_view.share_line(m.checkins, data.radius_m, locale)
        blocks.append("\n" + block)
    return pack(blocks)


async def _charts(data: Morning, locale: str) -> list[Photo]:
    names = [m.person.name for m in data.managers]
    day = short_day(data.day, locale)
    one = len(names) == 1
    activity, results = await asyncio.gather(
        per_manager("activity", _("{day}: contacts by kind").format(day=day),
                    (_("{day}: meetings, calls and the rest") if one else
                     _("{day}: meetings, calls and the rest, per manager")).format(day=day),
                    names, [m.day.by_kind for m in data.managers], kind_names(), locale),
        per_manager("outcomes", _("{day}: results").format(day=day),
                    (_("{day}: results") if one else _("{day}: results per manager")).format(day=day),
                    names, [m.day.by_outcome for m in data.managers], outcome_names(), locale),
    )
    return activity + results


async def _drawn(charts: Awaitable[list[Photo]]) -> list[Photo]:
    """The charts, or none if drawing them failed: the digest's texts go out all the same."""
    try:
        return await charts
    except Exception:
        log.exception("Could not draw the digest's charts; its texts go without them")
        return []
