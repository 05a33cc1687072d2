"""The call-back audit in heads' reports and digests: each manager's verified-meeting rate with its
interval, and the flags counted per manager, in words. Never in a manager's own report."""

from __future__ import annotations

import html
from datetime import datetime, timedelta

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from babel.numbers import format_percent

from db.repositories.callbacks import Marks
from db.repositories.reports import Person
from reports.flags import PLAUSIBLE_MEETINGS, Flag, Summary
from reports.verified import WEEKS, interval, rate


def _pct(value: float, locale: str) -> str:
    return format_percent(value, "#,##0%", locale=locale)


def verified_line(marks: Marks, locale: str) -> str:
    """'9 of 10 confirmed (90%, 95% interval 60–98%), 2 not reached'."""
    if marks.reached:
        low, high = interval(marks)
        line = _("{confirmed} of {reached} confirmed ({rate}, 95% interval {low}–{high})").format(
            confirmed=marks.confirmed, reached=marks.reached, rate=_pct(rate(marks), locale),
            low=_pct(low, locale), high=_pct(high, locale))
    else:
        line = _("no client reached yet")
    if marks.unreachable:
        line += ", " + ngettext("{count} not reached", "{count} not reached", marks.unreachable).format(count=marks.unreachable)
    return line


def report_blocks(people: list[Person], marks: dict[int, Marks], flags: dict[int, Summary] | None,
                  flags_period: str, locale: str) -> list[str]:
    blocks: list[str] = []
    if marks:
        blocks.append("\n" + _("🔎 <b>Verified meetings</b> (call-back checks)"))
        for person in people:
            if person.id in marks:
                blocks.append(f"• <b>{html.escape(person.name)}</b>: " + verified_line(marks[person.id], locale))
    lines = []
    for person in people:
        summary = (flags or {}).get(person.id)
        if summary is None or not summary.any:
            continue
        notes = []
        counted = summary.flagged
        if counted[Flag.LATE]:
            notes.append(ngettext("{count} logged a day or more after", "{count} logged a day or more after",
                                  counted[Flag.LATE]).format(count=counted[Flag.LATE]))
        if counted[Flag.NIGHT_BATCH]:
            notes.append(ngettext("{count} logged at night in a batch", "{count} logged at night in batches",
                                  counted[Flag.NIGHT_BATCH]).format(count=counted[Flag.NIGHT_BATCH]))
        if summary.crowded_days:
            notes.append(ngettext("{count} day with more than {max} meetings", "{count} days with more than {max} meetings",
                                  summary.crowded_days).format(count=summary.crowded_days, max=PLAUSIBLE_MEETINGS))
        if counted[Flag.COPIED_NOTE]:
            notes.append(ngettext("{count} note almost the same as at another client's",
                                  "{count} notes almost the same as at another client's",
                                  counted[Flag.COPIED_NOTE]).format(count=counted[Flag.COPIED_NOTE]))
        if counted[Flag.NO_CHECKIN]:
            notes.append(ngettext("{count} without a check-in", "{count} without a check-in",
                                  counted[Flag.NO_CHECKIN]).format(count=counted[Flag.NO_CHECKIN]))
        lines.append(ngettext("• <b>{name}</b>, {count} meeting: ", "• <b>{name}</b>, {count} meetings: ", summary.meetings).format(
            name=html.escape(person.name), count=summary.meetings) + "; ".join(notes))
    if lines:
        blocks.append("\n" + _("🚩 <b>Meetings worth a second look</b>, {period}").format(period=flags_period))
        blocks += lines
    return blocks


def since(now: datetime) -> datetime:
    """Where the digest's verified rate starts: the meetings of about the last quarter."""
    return now - timedelta(weeks=WEEKS)
