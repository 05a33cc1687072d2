"""/forecast: will the month's plan be met? What is done, the forecast with its 80% range and the
chance of the plan, and the factors it rests on, for the person's scope (a head: their team; an
admin: everyone; a manager: themselves), with a chart. `/forecast accuracy`: how far it has been
right in past months, at each month's start and middle."""

from __future__ import annotations

import html
from datetime import date, timedelta

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from db.models import Role, User
from db.repositories import Repos
from handlers.forecast_view import factors_line, outlook_line, pct, team_plan
from handlers.ui import pack
from reports import drawing, offload
from reports.forecast import score
from reports.formatting import money, month_name, month_title
from reports.outlook import accuracy, live
from reports.workdays import WorkCalendar


async def forecast(message: Message, command: CommandObject, repos: Repos, user: User, clock, i18n: I18n,
                   workdays: WorkCalendar) -> None:
    if (command.args or "").strip().casefold() in ("accuracy", "точность"):
        await _accuracy(message, repos, user, clock, i18n, workdays)
        return
    locale = i18n.current_locale
    people = await repos.reports.people()
    if not people:
        await message.answer(_("There are no active managers in your team yet. /invite brings one in."))
        return
    now = clock()
    async with offload.turn():
        view = await live(repos.reports, repos.plans, people, now, user.timezone, workdays,
                          await team_plan(repos, user, now))
    month = view.month
    blocks = [_("🔮 <b>Forecast</b>, {month} · working days left: {left} of {all}").format(
        month=month_name(month.first, locale), left=month.total.days_left, all=month.workdays)]
    if len(people) > 1:
        whole = _("The company: {line}") if user.role == Role.ADMIN else _("The team: {line}")
        blocks.append(whole.format(line=outlook_line(month.total, locale)))
    for person in people:
        one = month.people[person.id]
        lines = [f"<b>{html.escape(person.name)}</b>: {outlook_line(one, locale)}"]
        if one.factors is not None:
            lines.append("   " + factors_line(one.factors, locale))
        blocks.append("\n" + "\n".join(lines))
    blocks.append("\n" + _("How it is reckoned: meetings a working day × working days left ÷ meetings per deal × average "
                           "deal, each from the last 90 days (every deal counts, a call's too), plus what is done. "
                           "/forecast accuracy shows how right it has been."))
    for part in pack(blocks):
        await message.answer(part)
    past, future, plan = _fan(view)
    title = (_("{month}: done, forecast and plan") if plan else _("{month}: done and forecast")).format(
        month=month_title(month.first, locale))
    png = await drawing.draw("month_fan", title, past, future, plan, _fan_names(), locale)
    caption = (_("Sales this month so far, the forecast to its end in its 80% band, and the plan.") if plan else
               _("Sales this month so far, and the forecast to its end in its 80% band."))
    await message.answer_photo(BufferedInputFile(png, "forecast.png"), caption=caption)


def _fan_names() -> dict[str, str]:
    return {"done": _("done"), "forecast": _("forecast"), "range": _("80% range"), "plan": _("plan")}


def _fan(view) -> tuple[list, list, float | None]:
    """The month so far, a point a day up to today, and the forecast from today to the month's last
    day, opening from what is done to the month-end range."""
    month, sales = view.month, view.sales
    first, today = month.first, view.today
    past, total = [], 0.0
    day = first
    while day < today:
        past.append((day, total))
        total += sum(days[day].amount for days in sales.values() if day in days)
        day += timedelta(days=1)
    past.append((today, total))
    end = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    t = month.total
    steps = (end - today).days
    future = []
    for n in range(steps + 1):
        share = n / steps if steps else 1.0
        future.append((today + timedelta(days=n), t.actual + (t.expected - t.actual) * share,
                       t.actual + (t.low - t.actual) * share, t.actual + (t.high - t.actual) * share))
    return past, future, t.plan


async def _accuracy(message: Message, repos: Repos, user: User, clock, i18n: I18n, workdays: WorkCalendar) -> None:
    locale = i18n.current_locale
    people = await repos.reports.people()
    async with offload.turn():
        tests = await accuracy(repos.reports, people, clock(), user.timezone, workdays) if people else []
    start, middle = score(tests, None, False), score(tests, None, True)
    if not middle.months:
        await message.answer(_("Too little history yet: accuracy is measured on whole past months with 90 days of "
                               "records before each."))
        return

    def summary(label: str, s) -> str:
        return _("{label}: accuracy {accuracy} · mean error {mape} · bias {bias} (months: {months})").format(
            label=label, accuracy=pct(s.accuracy, locale), mape=pct(s.mape, locale),
            bias=("+" if s.bias > 0 else "") + pct(s.bias, locale), months=s.months)

    blocks = [_("🎯 <b>How right the forecast has been</b>"),
              summary(_("Made at the month's start"), start), summary(_("Made at the month's middle"), middle),
              _("Bias above zero: the forecast promised more than came.")]
    blocks.append("\n" + _("<b>By month</b> (forecast at the start / at the middle → what came)"))
    by_month: dict[date, dict[bool, float]] = {}
    actual: dict[date, float] = {}
    for t in tests:
        by_month.setdefault(t.month, {})[t.cutoff.day != 1] = t.forecast[None]
        actual[t.month] = t.actual[None]
    for month, values in by_month.items():
        blocks.append(f"{month_title(month, locale)}: {money(round(values.get(False, 0)) * 100, locale)} / "
                      f"{money(round(values.get(True, 0)) * 100, locale)} → {money(round(actual[month]) * 100, locale)}")
    if len(people) > 1:
        blocks.append("\n" + _("<b>By manager</b>, made at the month's middle"))
        for person in people:
            s = score(tests, person.id, True)
            if s.months:
                blocks.append(_("{name}: mean error {mape}, bias {bias}").format(
                    name=html.escape(person.name), mape=pct(s.mape, locale), bias=("+" if s.bias > 0 else "") + pct(s.bias, locale)))
    for part in pack(blocks):
        await message.answer(part)
    months = list(by_month)
    series = [
        (_("made at the start"), [_acc(actual[m], by_month[m].get(False)) for m in months]),
        (_("made at the middle"), [_acc(actual[m], by_month[m].get(True)) for m in months]),
    ]
    png = await drawing.draw("accuracy_bars", _("Forecast accuracy by month"), months, series, locale)
    await message.answer_photo(BufferedInputFile(png, "accuracy.png"),
                               caption=_("Accuracy of the forecast each month: 1 − |actual − forecast| / actual."))


def _acc(actual: float, forecast: float | None) -> float | None:
    if forecast is None or actual <= 0:
        return None
    return 1 - abs(actual - forecast) / actual


def setup() -> Router:
    router = Router(name=__name__)
    router.message.register(forecast, Command("forecast"))
    return router
