"""The forecast as people read it: a month's outlook and the factors behind it, in one line each."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _
from babel.numbers import format_decimal, format_percent

from db.models import Role, User
from db.repositories import Repos
from reports.dates import local_today
from reports.forecast import Factors, Outlook
from reports.formatting import money


def pct(value: float, locale: str) -> str:
    return format_percent(value, "#,##0%", locale=locale)


def _range(view: Outlook, locale: str) -> str:
    return _("{expected} (80%: {low}–{high})").format(
        expected=money(round(view.expected) * 100, locale), low=money(round(view.low) * 100, locale),
        high=money(round(view.high) * 100, locale))


def outlook_line(view: Outlook, locale: str) -> str:
    """'done 400,000 ₽ · forecast 520,000 ₽ (80%: 450,000–600,000 ₽) · plan 500,000 ₽, chance 61% ·
    needs 50,000 ₽ a working day'"""
    text = _("done {done} · forecast {forecast}").format(done=money(round(view.actual) * 100, locale), forecast=_range(view, locale))
    if view.plan:
        text += " · " + _("plan {plan}, chance {chance}").format(plan=money(round(view.plan) * 100, locale),
                                                                 chance=pct(view.chance or 0.0, locale))
        if view.actual < view.plan and view.pace_needed:
            text += " · " + _("needs {sum} a working day").format(sum=money(round(view.pace_needed) * 100, locale))
    return text


def factors_line(f: Factors, locale: str) -> str:
    if f.deal_rate <= 0:
        line = _("no deals in the window the forecast reads")
    else:
        line = _("meetings per deal: {meetings} · average deal {average} · meetings a working day: {pace}").format(
            meetings=format_decimal(round(1 / f.deal_rate, 1), locale=locale), average=money(round(f.average) * 100, locale),
            pace=format_decimal(round(f.pace, 1), locale=locale))
    if not f.own:
        line += " " + _("(the team's figures: too little history of their own yet)")
    return line


async def team_plan(repos: Repos, user: User, now) -> int | None:
    """A head's team plan, or for an admin the teams' plans together (each when every team has one)."""
    month = local_today(now, user.timezone).replace(day=1)
    plans = [p for p in await repos.plans.of_month(month) if p.team_id is not None]
    if user.role == Role.HEAD:
        return next((p.amount_minor for p in plans if p.team_id == user.team_id), None)
    if user.role == Role.ADMIN:
        teams = await repos.reports.teams()
        return sum(p.amount_minor for p in plans) if plans and len(plans) == len(teams) else None
    return None
