"""A report as the person reads it: texts split between managers, charts, and the XLSX sheets."""

from __future__ import annotations

import asyncio
import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from babel.dates import format_date, format_interval
from babel.numbers import format_percent

from db.models import Kind, Outcome, RefusalReason
from handlers import checkin_view, labels
from handlers.ui import pack
from reports import drawing, export
from reports.analytics import MIN_MEETINGS, Coaching, Figures, week_start
from reports.formatting import money
from reports.report import Report

TREND_AFTER = 14  # days: a shorter period has no weekly trend worth a chart


@dataclass(frozen=True)
class Photo:
    png: bytes
    caption: str
    part: int = 1  # of its chart: a chart of many managers comes in parts, kept in one album


async def per_manager(builder: str, title: str, caption: str, names: Sequence[str], *args, **extra) -> list[Photo]:
    """A chart with a row per manager (`args` after the names, as the builder takes them), in
    images of at most drawing.PER_CHART managers, each titled with its part, on one scale."""
    spans = drawing.spans(len(names))
    if len(spans) == 1:
        return [Photo(await drawing.draw(builder, title, names, *args, **extra), caption)]
    pngs = await asyncio.gather(*(
        drawing.draw(builder, _("{title} ({part}/{parts})").format(title=title, part=n, parts=len(spans)), names, *args,
                     rows=span, **extra)
        for n, span in enumerate(spans, 1)
    ))
    return [Photo(png, caption, n) for n, png in enumerate(pngs, 1)]


async def one_chart(builder: str, caption: str, *args) -> list[Photo]:
    return [Photo(await drawing.draw(builder, *args), caption)]


def albums(photos: Sequence[Photo], most: int = drawing.ALBUM) -> list[list[Photo]]:
    """Photos in albums of at most `most`, in order; the parts of a chart share an album when they fit in one."""
    charts: list[list[Photo]] = []
    for photo in photos:
        if photo.part == 1 or not charts:
            charts.append([])
        charts[-1].append(photo)
    result: list[list[Photo]] = []
    for chart in charts:
        if result and len(result[-1]) + len(chart) <= most:
            result[-1] += chart
            continue
        result += [chart[start : start + most] for start in range(0, len(chart), most)]
    return result


def result_line(fig: Figures, reasons: dict[int, str], locale: str) -> str:
    """'🤝 3 · 📞 5 · ✅ 1 for 150,000 ₽ · ❌ 3 (Price — 2, Other — 1)': a manager's contacts and results
    (a single reason goes without its count: '❌ 2 (Price)')."""
    if not fig.contacts:
        return _("nothing")
    parts = [f"{labels.kind(k).split()[0]} {n}" for k, n in sorted(fig.by_kind.items(), key=lambda kv: list(Kind).index(kv[0])) if n]
    if fig.deals:  # deals logged without an amount are not "for 0 ₽"
        parts.append(_("✅ {count} for {sum}").format(count=fig.deals, sum=money(fig.deals_sum, locale))
                     if fig.deals_sum else f"✅ {fig.deals}")
    refused = fig.by_outcome[Outcome.REFUSED]
    if refused:
        ranked = sorted(fig.refusals.items(), key=lambda kv: -kv[1])
        names = [html.escape(reasons.get(reason_id, "?") if reason_id else _("no reason")) for reason_id, _n in ranked]
        named = names[0] if len(ranked) == 1 else ", ".join(f"{name} — {n}" for name, (_r, n) in zip(names, ranked))
        parts.append(f"❌ {refused} ({named})" if named else f"❌ {refused}")
    return " · ".join(parts)


def kind_names() -> dict[Kind, str]:
    return {k: labels.kind_plural(k) for k in Kind}


def outcome_names() -> dict[Outcome, str]:
    return {o: labels.outcome(o).split(" ", 1)[-1] for o in Outcome}


def period_title(start: date, end: date, locale: str) -> str:
    if start == end:
        return format_date(start, "long", locale=locale)
    return format_interval(start, end, "yMMMd", locale=locale)


def _pct(value: float, locale: str) -> str:
    return format_percent(value, "#,##0%", locale=locale)


def _roubles(amount_minor: int, locale: str) -> str:
    """An average to the whole rouble: kopecks of a mean are noise (and integer division cut them down)."""
    return money(round(amount_minor / 100) * 100, locale)


def average_deal(fig: Figures, locale: str) -> str:
    """The average over the deals with a sum, saying how many had none (they are not deals for 0 ₽)."""
    average = _roubles(fig.average_deal, locale)
    if not fig.unpriced:
        return average
    return ngettext("{average} ({count} deal without a sum)", "{average} ({count} deals without a sum)",
                    fig.unpriced).format(average=average, count=fig.unpriced)


def _conversion(fig: Figures, locale: str) -> str | None:
    if not fig.meetings:
        return None
    low, high = fig.interval
    return ngettext("{rate} of {meetings} meeting (95% interval {low}–{high})",
                    "{rate} of {meetings} meetings (95% interval {low}–{high})", fig.meetings).format(
        rate=_pct(fig.conversion, locale), meetings=fig.meetings, low=_pct(low, locale), high=_pct(high, locale),
    )


def advice(reason: RefusalReason) -> str:
    return reason.advice or labels.reason_advice(reason)


@dataclass(frozen=True)
class Plans:
    """The month's plans when a report covers one calendar month: per manager (kopecks), for all of
    them together, and the working days left in it (0 for a month that is over)."""

    people: dict[int, int]
    total: int | None
    days_left: int


def _plan_line(done: int, plan: int, days_left: int, locale: str) -> str:
    line = _("plan {plan}, done {share}").format(plan=money(plan, locale), share=_pct(done / plan, locale))
    if days_left and done < plan:
        line += " · " + _("needs {sum} a working day").format(sum=money((plan - done) // days_left // 100 * 100, locale))
    return line


def texts(report: Report, scope: str, reasons: dict[int, RefusalReason], locale: str, plans: Plans | None = None) -> list[str]:
    names = {i: labels.reason(r) for i, r in reasons.items()}
    whole = report.whole
    head = [
        _("📊 <b>Report</b>: {scope}, {period}").format(scope=html.escape(scope), period=period_title(report.start, report.end, locale)),
        _("Contacts: {count}").format(count=whole.contacts) + (" · " + result_line(whole, names, locale) if whole.contacts else ""),
    ]
    if whole.priced:
        head.append(_("✅ Deals: {count} for {sum}, on average {average}").format(
            count=whole.deals, sum=money(whole.deals_sum, locale), average=average_deal(whole, locale)))
    elif whole.deals:
        head.append(ngettext("✅ Deals: {count}, without a sum", "✅ Deals: {count}, none with a sum", whole.deals).format(
            count=whole.deals))
    conversion = _conversion(whole, locale)
    if conversion:
        head.append(_("🎯 Meetings that became deals: {conversion}").format(conversion=conversion))
    if plans is not None and plans.total:
        head.append("📅 " + _plan_line(whole.deals_sum, plans.total, plans.days_left, locale))
    blocks = ["\n".join(head)]
    blocks += _coaching(report, locale)
    blocks += _refusals(report, names, reasons, locale)
    blocks += _discipline(report)
    blocks += _checkins(report, locale)
    if len(report.managers) > 1:
        blocks.append("\n" + _("👤 <b>By manager</b>"))
        for fig in report.managers:
            lines = [f"<b>{html.escape(fig.person.name)}</b>", "   " + result_line(fig, names, locale)]
            if plans is not None and plans.people.get(fig.person.id):
                lines.append("   📅 " + _plan_line(fig.deals_sum, plans.people[fig.person.id], plans.days_left, locale))
            conversion = _conversion(fig, locale)
            if conversion:
                lines.append("   " + _("🎯 {conversion}").format(conversion=conversion))
            if fig.priced:
                lines.append("   " + _("Average deal: {sum}").format(sum=average_deal(fig, locale)))
            blocks.append("\n" + "\n".join(lines))
    return pack(blocks)


def _coaching(report: Report, locale: str) -> list[str]:
    if len(report.managers) < 2:
        return []
    by_verdict: dict[Coaching, list[Figures]] = {}
    for fig in report.managers:  # a verdict quotes the figures it was judged on (the quarter's, weekly)
        judged = report.judged_figures.get(fig.person.id, fig)
        by_verdict.setdefault(report.coaching[fig.person.id], []).append(judged)
    title = _("🎓 <b>Training and mentoring</b>")
    if report.judged is not None:
        title += " " + _("(judged over {period})").format(period=period_title(*report.judged, locale))
    blocks = ["\n" + title]
    for fig in by_verdict.get(Coaching.TRAIN, []):
        blocks.append(_("• {name} converts meetings significantly worse than the rest: {conversion}. Worth training.").format(
            name=f"<b>{html.escape(fig.person.name)}</b>", conversion=_conversion(fig, locale)))
    for fig in by_verdict.get(Coaching.MENTOR, []):
        blocks.append(_("• {name} converts meetings significantly better than the rest: {conversion}. Could mentor colleagues.").format(
            name=f"<b>{html.escape(fig.person.name)}</b>", conversion=_conversion(fig, locale)))
    if len(blocks) == 1 and by_verdict.get(Coaching.USUAL):
        blocks.append(_("Nobody converts significantly better or worse than the rest."))
    few = by_verdict.get(Coaching.FEW, [])
    if few:
        blocks.append(ngettext(
            "Not enough meetings yet to judge (fewer than {min}): {names}.",
            "Not enough meetings yet to judge (fewer than {min}): {names}.", MIN_MEETINGS,
        ).format(min=MIN_MEETINGS, names=", ".join(html.escape(f.person.name) for f in few)))
    return blocks


def _refusals(report: Report, names: dict[int, str], reasons: dict[int, RefusalReason], locale: str) -> list[str]:
    if not report.whole.refusals:
        return []
    blocks = ["\n" + _("❌ <b>Why clients refuse</b>")]
    ranked = report.whole.refusals.most_common()
    count = sum(report.whole.refusals.values())
    blocks.append(", ".join(f"{html.escape(names.get(r, '?') if r else _('no reason'))} {_pct(n / count, locale)}" for r, n in ranked))
    for fig in report.managers:
        profile = report.reasons[fig.person.id]
        if profile.dominant is None:
            continue
        reason = reasons[profile.dominant]
        blocks.append(ngettext("• {name}: mostly «{reason}» ({share} of {count} refusal). {advice}",
                               "• {name}: mostly «{reason}» ({share} of {count} refusals). {advice}", profile.total).format(
            name=f"<b>{html.escape(fig.person.name)}</b>", reason=html.escape(labels.reason(reason)),
            share=_pct(profile.share, locale), count=profile.total, advice=html.escape(advice(reason))))
    return blocks


def _discipline(report: Report) -> list[str]:
    lines = []
    for fig in report.managers:
        item = report.discipline[fig.person.id]
        notes = []
        if item.batched:
            notes.append(ngettext("{count} contact logged late at night in batches", "{count} contacts logged late at night in batches",
                                  item.batched).format(count=item.batched))
        if item.late and item.late_share and item.late_share >= 0.2:
            notes.append(_("{late} of {logged} logged hours after they happened").format(late=item.late, logged=item.logged))
        if item.idle_days:
            notes.append(ngettext("no contacts on {count} working day", "no contacts on {count} working days",
                                  len(item.idle_days)).format(count=len(item.idle_days)))
        if notes:
            lines.append(f"• <b>{html.escape(fig.person.name)}</b>: " + "; ".join(notes))
    return ["\n" + _("🕑 <b>How contacts are logged</b>"), *lines] if lines else []


def _checkins(report: Report, locale: str) -> list[str]:
    """Each manager's meetings checked in at the client (within the radius), and those checked in away."""
    lines = [f"• <b>{html.escape(fig.person.name)}</b>: " + checkin_view.share_line(report.checkins[fig.person.id], report.radius_m, locale)
             for fig in report.managers if fig.person.id in report.checkins]
    return ["\n" + _("📍 <b>Check-ins at the client</b>"), *lines] if lines else []


async def photos(report: Report, reasons: dict[int, RefusalReason], locale: str) -> list[Photo]:
    """The report's charts, a chart of many managers in several parts; drawn all at once."""
    if not report.whole.contacts:
        return []
    names = [f.person.name for f in report.managers]
    period = period_title(report.start, report.end, locale)
    one = len(names) == 1  # a report on one manager: nobody to compare with, no "per manager"
    if one and report.start == report.end:  # one person's day: a bar per chart says nothing the text does not
        return []
    wanted = [
        per_manager("activity", _("Contacts by kind"),
                    (_("Contacts by kind: visits against calls and the rest. {period}") if one else
                     _("Contacts by kind, per manager: who visits and who phones. {period}")).format(period=period),
                    names, [f.by_kind for f in report.managers], kind_names(), locale),
        per_manager("outcomes", _("Results"),
                    (_("Results of contacts. {period}") if one else _("Results of contacts, per manager. {period}")).format(period=period),
                    names, [f.by_outcome for f in report.managers], outcome_names(), locale),
    ]
    if report.whole.refusals:
        order = [labels.reason(reasons[r]) if r in reasons else _("no reason") for r, _n in report.whole.refusals.most_common()]
        shares = []
        for fig in report.managers:
            count = sum(fig.refusals.values())
            shares.append({(labels.reason(reasons[r]) if r in reasons else _("no reason")): n / count for r, n in fig.refusals.items()} if count else {})
        wanted.append(per_manager("reasons", _("Refusal reasons"),
                                  (_("Why clients refuse, as shares of the refusals. {period}") if one else
                                   _("Why clients refuse, as shares of each manager's refusals. {period}")).format(period=period),
                                  names, shares, order, locale))
    if report.whole.meetings:
        wanted.append(per_manager(
            "conversion", _("Meetings that became deals"),
            (_("Meeting-to-deal conversion with its 95% interval. {period}") if one else
             _("Meeting-to-deal conversion with 95% intervals; the dashed line is everyone in the report. {period}")).format(period=period),
            names, [f.conversion for f in report.managers], [f.interval for f in report.managers], report.whole.conversion,
            _("everyone in the report"), locale, none_label=_("no meetings"),
        ))
    start, end = report.judged or (report.start, report.end)
    if (end - start).days + 1 >= TREND_AFTER and len(report.weeks) > 1:
        weeks = list(report.weeks)
        wanted.append(one_chart("trend", _("Contacts per week, by kind. {period}").format(period=period_title(start, end, locale)),
                                _("Contacts per week"), weeks, [report.weeks[w] for w in weeks], kind_names(), locale))
    return [photo for chart in await asyncio.gather(*wanted) for photo in chart]


def sheets(report: Report, reasons: dict[int, RefusalReason], tz: str) -> list[export.Sheet]:
    """The report's tables for XLSX: per manager, refusal reasons, and by day."""
    kinds = list(Kind)
    summary = export.Sheet(
        _("Managers"),
        [_("Manager"), *[labels.kind_plural(k) for k in kinds], _("Deals"), _("Deals without a sum"), _("Sum of deals, ₽"),
         _("Average deal, ₽"), _("Conversion"), _("Lower bound (95%)"), _("Upper bound (95%)"), _("Refusals")],
        [  # the conversion is over the meetings already in the kinds' columns: no second "Meetings";
            # the average is over the deals with a sum
            [f.person.name, *[f.by_kind[k] for k in kinds], f.deals, f.unpriced, f.deals_sum / 100,
             round(f.deals_sum / f.priced / 100, 2) if f.priced else None, f.conversion,
             *(f.interval or (None, None)), f.by_outcome[Outcome.REFUSED]]
            for f in report.managers
        ],
        {len(kinds) + 3: export.MONEY, len(kinds) + 4: export.MONEY, len(kinds) + 5: export.PERCENT,
         len(kinds) + 6: export.PERCENT, len(kinds) + 7: export.PERCENT},
    )
    order = [r for r, _n in report.whole.refusals.most_common()]
    refusals = export.Sheet(
        _("Refusal reasons"),
        [_("Manager"), *[labels.reason(reasons[r]) if r in reasons else _("no reason") for r in order]],
        [[f.person.name, *[f.refusals[r] for r in order]] for f in report.managers],
    )
    names = {p.id: p.name for p in report.people}
    days = sorted((d, m) for (m, d) in report.days if m is not None)
    by_day = export.Sheet(
        _("By day"),
        [_("Day"), _("Manager"), *[labels.kind_plural(k) for k in kinds], _("Deals"), _("Sum of deals, ₽")],
        [[d, names.get(m, "?"), *[report.days[(m, d)].by_kind[k] for k in kinds], report.days[(m, d)].deals,
          report.days[(m, d)].deals_sum / 100] for d, m in days],
        {0: export.DATE, len(kinds) + 3: export.MONEY},
    )
    weeks: dict[tuple[date, int], list[int]] = {}
    for (m, d), fig in report.days.items():
        if m is None:
            continue
        row = weeks.setdefault((week_start(d), m), [0] * (len(kinds) + 2))
        for n, k in enumerate(kinds):
            row[n] += fig.by_kind[k]
        row[-2] += fig.deals
        row[-1] += fig.deals_sum
    by_week = export.Sheet(
        _("By week"),
        [_("Week from"), _("Manager"), *[labels.kind_plural(k) for k in kinds], _("Deals"), _("Sum of deals, ₽")],
        [[w, names.get(m, "?"), *values[:-1], values[-1] / 100] for (w, m), values in sorted(weeks.items())],
        {0: export.DATE, len(kinds) + 3: export.MONEY},
    )
    checkins = export.Sheet(
        _("Check-ins"),
        [_("Manager"), _("Meetings"), _("Checked in at the client"), _("Share"), _("Checked in away from the client"),
         _("Without a check-in")],
        [[f.person.name, c.meetings, c.within, c.share, c.beyond, c.missing]
         for f in report.managers if (c := report.checkins.get(f.person.id))],
        {3: export.PERCENT},
    )
    # no sheet of zeros where nobody checks in yet (nor an empty one for a period without meetings)
    return [summary, refusals, by_day, by_week, *([checkins] if report.checkins else [])]


def rows_in(tables: list[export.Sheet]) -> int:
    return sum(len(t.rows) for t in tables)

