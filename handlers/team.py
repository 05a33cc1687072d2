"""/team (👥 in a head's menu): the team's plan for today and tomorrow, yesterday's results and
what hangs, per manager; the same view the morning summary sends."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime, timedelta

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Role, User
from handlers import labels
from handlers.dates import day_bounds, local_today
from handlers.filters import MenuButton
from handlers.ui import fit
from reports.formatting import day as day_fmt
from reports.team import team_day

router = Router(name=__name__)


async def team_summary(session: AsyncSession, user: User, now: datetime, locale: str) -> str | None:
    """The team view for a head (their team) or an admin (everyone); None when nobody is in it."""
    today = local_today(now, user.timezone)
    days = await team_day(
        session,
        user,
        today=day_bounds(today, user.timezone),
        yesterday=day_bounds(today - timedelta(days=1), user.timezone),
        tomorrow=day_bounds(today + timedelta(days=1), user.timezone),
    )
    if not days:
        return None
    lines = [_("📊 <b>Team</b>, {day}").format(day=day_fmt(today, locale)), ""]
    for day in days:
        line = _("<b>{name}</b>: today {planned} planned, tomorrow {tomorrow} · yesterday {logged} logged").format(
            name=html.escape(day.name), planned=day.planned_today, tomorrow=day.planned_tomorrow,
            logged=day.logged_yesterday,
        )
        if day.by_kind:
            line += "\n   " + ", ".join(f"{labels.kind(k)} {n}" for k, n in day.by_kind.most_common())
        if day.by_outcome:
            line += "\n   " + ", ".join(f"{labels.outcome(o)} {n}" for o, n in day.by_outcome.most_common())
        if day.without_result:
            line += "\n   " + ngettext(
                "⚠️ {count} planned contact left without a result",
                "⚠️ {count} planned contacts left without a result",
                day.without_result,
            ).format(count=day.without_result)
        if day.unreachable:
            line += "\n   " + _("🚫 has blocked the bot: reminders do not reach them")
        lines.append(line)
    return fit(lines)


@router.message(Command("team"))
@router.message(MenuButton(labels.MENU_TEAM))
async def show_team(message: Message, session: AsyncSession, user: User, clock: Callable[[], datetime], i18n: I18n) -> None:
    if user.role not in (Role.HEAD, Role.ADMIN):
        await message.answer(_("The team view is for heads and administrators."))
        return
    text = await team_summary(session, user, clock(), i18n.current_locale)
    await message.answer(text or _("There are no active managers in your team yet. /invite brings one in."))
