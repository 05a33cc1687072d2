"""A training's effect as the person reads it: the text with a verdict per metric, and its chart.

Heads and admins read every participant they may see, the group and the colleagues compared with;
a manager reads only their own figures: the others' are used, pooled, for the verdict and never
shown (in a small team their sum would be one colleague's figures)."""

from __future__ import annotations

import html

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from babel.numbers import format_decimal, format_percent

from db.repositories.trainings import TrainingInfo
from handlers.report_view import period_title
from handlers.ui import pack
from reports import drawing
from reports.analytics import MIN_MEETINGS
from reports.formatting import money
from reports.training import MIN_CONTACTS, MIN_DEALS, Effect, Metric, TrainingEffect, Verdict


def metric_name(metric: Metric) -> str:
    return {
        Metric.CONVERSION: _("Meetings that became deals"),
        Metric.AVERAGE_DEAL: _("Average deal"),
        Metric.MEETINGS: _("Meetings per working day"),
    }[metric]


_ICONS = {Metric.CONVERSION: "🎯", Metric.AVERAGE_DEAL: "💰", Metric.MEETINGS: "🤝"}


def verdict_text(effect: Effect) -> str:
    if effect.verdict == Verdict.IMPROVED:
        return _("improved")
    if effect.verdict == Verdict.WORSENED:
        return _("worsened")
    if effect.verdict == Verdict.NO_CHANGE:
        return _("no measurable change")
    return _("not enough data yet")


def _why_too_few(metric: Metric) -> str:
    if metric == Metric.CONVERSION:
        return ngettext("fewer than {count} meeting before or after", "fewer than {count} meetings before or after",
                        MIN_MEETINGS).format(count=MIN_MEETINGS)
    if metric == Metric.AVERAGE_DEAL:
        return ngettext("fewer than {count} deal with a sum before or after", "fewer than {count} deals with a sum before or after",
                        MIN_DEALS).format(count=MIN_DEALS)
    return ngettext("fewer than {count} contact before or after", "fewer than {count} contacts before or after",
                    MIN_CONTACTS).format(count=MIN_CONTACTS)


def value(metric: Metric, number: float | None, locale: str) -> str:
    if number is None:
        return "—"
    if metric == Metric.CONVERSION:
        return format_percent(number, "#,##0%", locale=locale)
    if metric == Metric.AVERAGE_DEAL:
        return money(round(number / 100) * 100, locale)  # whole roubles: kopecks of an average are noise
    return format_decimal(number, "#,##0.0", locale=locale)


def _change(metric: Metric, number: float, locale: str) -> str:
    """An effect with its sign: percentage points for conversion, a relative change for the rest."""
    if metric == Metric.CONVERSION:
        return _("{value} pp").format(value=format_decimal(number * 100, "+#,##0.0;−#,##0.0", locale=locale))
    return format_percent(number, "+#,##0%;−#,##0%", locale=locale)


def _p(p: float, locale: str) -> str:
    if p < 0.001:
        return "p < " + format_decimal(0.001, "0.###", locale=locale)
    return "p = " + format_decimal(p, "0.0##", locale=locale)


def _verdict_line(effect: Effect, alone: bool) -> str:
    mark = {Verdict.IMPROVED: "✅ ", Verdict.WORSENED: "🔻 "}.get(effect.verdict, "")
    if effect.verdict == Verdict.TOO_FEW:
        why = _("nobody to compare with") if alone else _why_too_few(effect.metric)
        return _upper(_("{verdict} ({why})").format(verdict=verdict_text(effect), why=why))
    return mark + _upper(verdict_text(effect))


def _upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _line(effect: Effect, locale: str, *, others: bool, alone: bool) -> str:
    """'🎯 Meetings that became deals: 6% → 19% (the others 13% → 12%), net of their change +13.9 pp (95% interval
    +4.1 pp … +23.7 pp, p = 0.002). ✅ Improved'"""
    m = effect.metric
    text = _("{icon} {metric}: {before} → {after}").format(
        icon=_ICONS[m], metric=metric_name(m), before=value(m, effect.before, locale), after=value(m, effect.after, locale))
    if others:
        text += " " + _("(the others {before} → {after})").format(
            before=value(m, effect.others_before, locale), after=value(m, effect.others_after, locale))
        if effect.estimate is not None and effect.low is not None and effect.high is not None and effect.p is not None:
            text += ", " + _("net of their change {change} (95% interval {low} … {high}, {p})").format(
                change=_change(m, effect.estimate, locale), low=_change(m, effect.low, locale),
                high=_change(m, effect.high, locale), p=_p(effect.p, locale))
    return text + ". " + _verdict_line(effect, alone)


def _spillover() -> str:
    return _("ℹ️ Colleagues who did not attend may learn from those who did: that shrinks the measured effect, so a real "
             "one may be larger than what is shown here.")


def texts(info: TrainingInfo, effect: TrainingEffect, locale: str, *, own: bool) -> list[str]:
    """The report; `own`: a manager's, with only their own figures."""
    head = [_("🎓 <b>{topic}</b>, {day}").format(topic=html.escape(info.topic), day=period_title(info.day, info.day, locale))]
    if not own:
        head.append(_("Took part: {names}.").format(names=", ".join(html.escape(p.name) for p in info.participants)))
    windows = effect.windows
    if windows is None:
        head.append(_("Too early to measure: the effect can be judged from {day}, two weeks after the training.").format(
            day=period_title(effect.ready, effect.ready, locale)))
        return pack(["\n".join(head)])
    head.append(_("Compared: {before} before the training and {after} after it.").format(
        before=period_title(*windows.before, locale), after=period_title(*windows.after, locale)))
    if not own:
        if effect.others:
            head.append(ngettext("Against {count} colleague who did not take part, over the same days.",
                                 "Against {count} colleagues who did not take part, over the same days.",
                                 effect.others).format(count=effect.others))
        else:
            head.append(_("Nobody to compare with: every colleague in the team took part in this or another training at the time, so "
                        "there is no verdict."))
    blocks = ["\n".join(head)]
    if own:
        [mine] = effect.people.values()
        lines = ["", _("<b>Your figures</b>, against the change among colleagues who did not take part:")]
        lines += [_line(mine[m], locale, others=False, alone=not effect.others) for m in mine]
        blocks.append("\n".join(lines))
    else:
        if effect.group is not None:
            lines = ["", _("<b>All participants together</b>")]
            lines += [_line(e, locale, others=bool(effect.others), alone=not effect.others) for e in effect.group.values()]
            blocks.append("\n".join(lines))
        for person in info.participants:
            mine = effect.people.get(person.id)
            if mine is None:
                continue
            lines = ["", f"<b>{html.escape(person.name)}</b>"]
            lines += [_line(e, locale, others=bool(effect.others), alone=not effect.others) for e in mine.values()]
            blocks.append("\n".join(lines))
    notes = ["", _spillover()]
    if not own:
        notes.append(_("The three intervals hold together at 95%, and p-values are adjusted for the three figures, so a "
                       "false alarm comes for about one person in twenty."))
    blocks.append("\n".join(notes))
    return pack(blocks)


async def chart(info: TrainingInfo, effect: TrainingEffect, locale: str, *, own: bool) -> bytes | None:
    """Before and after per metric: the participants (or the group) against the others; a manager's only theirs."""
    if effect.windows is None or not effect.people:
        return None
    shown = effect.group if effect.group is not None else next(iter(effect.people.values()))
    panels = []
    for metric, item in shown.items():
        mine = (item.before, item.after)
        theirs = (item.others_before, item.others_after)
        pairs = [mine] if own or not effect.others else [mine, theirs]
        printed = [tuple(value(metric, v, locale) for v in pair) for pair in pairs]
        if metric == Metric.AVERAGE_DEAL:  # roubles in thousands fit under a narrow bar
            pairs = [tuple(None if v is None else v / 100 for v in pair) for pair in pairs]
            printed = [tuple(_thousands(v, locale) for v in pair) for pair in pairs]
        panels.append((metric_name(metric), verdict_text(item), pairs, printed))
    series = [_("You")] if own else ([_("Took part")] + ([_("The others")] if effect.others else []))
    title = f"{info.topic}, {period_title(info.day, info.day, locale)}"
    return await drawing.draw("before_after", title, panels, series, (_("before"), _("after")))


def _thousands(roubles: float | None, locale: str) -> str:
    if roubles is None:
        return "—"
    return _("{value}K ₽").format(value=format_decimal(roubles / 1000, "#,##0", locale=locale))
