"""Charts for the heads' reports, as PNG bytes readable on a phone.

Each chart is a matplotlib `Figure` on the Agg canvas (no pyplot, so no global state), built and
rendered by `render` in the chart worker's process (reports/drawing.py: the bot itself never
imports this module). Every chart uses one palette for kinds and one for outcomes, so a colour
means the same thing everywhere; kinds and outcomes arrive as their values ("meeting"), texts
already translated. A chart of managers can be drawn in parts (`rows`): each part shows its rows,
on the scale of all of them, so a bar means the same length in every part.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache

import matplotlib

matplotlib.use("Agg")

from babel.dates import format_date  # noqa: E402
from babel.numbers import format_decimal, format_percent  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

# keyed by db.models.Kind and Outcome's values, in their order (not imported: the worker would
# load SQLAlchemy for two enums)
KIND_COLORS = {
    "meeting": "#2e7d32",
    "call": "#1e88e5",
    "email": "#8e24aa",
    "message": "#00acc1",
    "greeting": "#fbc02d",
    "other": "#9e9e9e",
}
OUTCOME_COLORS = {
    "agreed": "#43a047",
    "refused": "#e53935",
    "revised_offer": "#fb8c00",
    "rescheduled": "#fdd835",
    "thinking": "#5c6bc0",
    "no_answer": "#bdbdbd",
}
REASON_COLORS = ("#e53935", "#8e24aa", "#1e88e5", "#fb8c00", "#00897b", "#6d4c41", "#c0ca33", "#d81b60", "#546e7a", "#9e9e9e")
WIDTH = 8.0  # inches; at DPI that is 1,200 px, what a phone shows full width
DPI = 150
FONT = 13
NAME_MAX = 22
BAR = 0.7  # a bar's thickness, of its row
Rows = tuple[int, int] | None  # [start, stop) of the rows a part shows; None: all of them


def render(build: Callable[..., Figure], *args, **kwargs) -> bytes:
    figure = build(*args, **kwargs)
    buffer = io.BytesIO()
    # zlib's fastest level: a tall chart encodes in half the time (a fifth of the whole chart at
    # 50 managers) for a file about a fifth bigger, a few hundred KB either way
    FigureCanvasAgg(figure).print_png(buffer, pil_kwargs={"compress_level": 1})
    return buffer.getvalue()


_INVISIBLE = ("Cc", "Cf", "Co", "Cs")  # controls, joiners, direction overrides: nothing to draw


@cache
def _glyphs() -> frozenset[int]:
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    path = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"))
    return frozenset(FT2Font(path).get_charmap())


def plain(text: str, limit: int = NAME_MAX) -> str:
    """A person's text made safe to draw: characters the font lacks dropped (emoji), "$" not
    taken for mathematics, long names shortened."""
    glyphs = _glyphs()
    kept = " ".join("".join(
        ch for ch in text if ord(ch) in glyphs and unicodedata.category(ch) not in _INVISIBLE
    ).split()) or "?"
    if len(kept) > limit:
        kept = kept[: limit - 1].rstrip() + "…"
    return kept.replace("$", r"\$")


@dataclass(frozen=True)
class Bars:
    """Horizontal stacked bars, one row per person: what most charts here are."""

    title: str
    names: Sequence[str]
    series: Sequence[tuple[str, str, Sequence[float]]]  # label, colour, a value per name
    locale: str
    percent: bool = False
    rows: Rows = None


def _placed(axes) -> None:
    """Where the axis labels and the title go, said once. Left to find it themselves, matplotlib
    measures every tick label again for each of them on every draw (at 50 managers, a fifth of
    the chart's time); there are no axis labels, and with ticks below nothing rises above the
    axes, so the title sits where it would have gone anyway (y=1.0 in `set_title`)."""
    axes.xaxis.set_label_coords(0.5, -0.1)
    axes.yaxis.set_label_coords(-0.1, 0.5)


def _figure(rows: int, *, legend_rows: int = 1) -> tuple[Figure, object]:
    height = 1.6 + 0.5 * max(rows, 2) + 0.35 * legend_rows
    figure = Figure(figsize=(WIDTH, height), dpi=DPI, layout="constrained")
    axes = figure.add_subplot()
    _placed(axes)
    axes.tick_params(labelsize=FONT)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    return figure, axes


def _number(locale: str) -> FuncFormatter:
    return FuncFormatter(lambda value, _pos: format_decimal(value, format="#,##0.#", locale=locale))


def stacked(bars: Bars) -> Figure:
    # the series and the scale of all the rows, so that every part has the same legend and axis
    shown = [(label, colour, values) for label, colour, values in bars.series if any(values)]
    widest = max((sum(row) for row in zip(*(values for _l, _c, values in shown))), default=0)
    first, stop = bars.rows or (0, len(bars.names))
    names = bars.names[first:stop]
    figure, axes = _figure(len(names), legend_rows=(len(shown) + 2) // 3)
    positions = range(len(names))
    left = [0.0] * len(names)
    for label, colour, values in shown:
        # the bars barh would draw, added as they are: barh fits the data limits to each bar in
        # turn, which for 50 managers costs more than drawing them; the limits are set once below
        values = values[first:stop]
        for row, (start, value) in enumerate(zip(left, values)):
            bar = Rectangle((start, row - BAR / 2), value, BAR, facecolor=colour,
                            label=plain(label, 30) if row == 0 else "_nolegend_")
            bar.sticky_edges.x.append(start)  # as barh: no margin left of zero
            axes.add_artist(bar)
        left = [a + b for a, b in zip(left, values)]
    if shown:  # the corners of all the bars (of every part), as barh would have gathered them
        axes.update_datalim([(0, -BAR / 2), (widest, len(names) - 1 + BAR / 2)])
        axes.autoscale_view()
    axes.set_yticks(list(positions), [plain(n) for n in names])
    axes.invert_yaxis()  # the first name on top, as in the text
    if bars.percent:
        axes.set_xlim(0, 1)
        axes.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: format_percent(v, locale=bars.locale)))
    else:
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.xaxis.set_major_formatter(_number(bars.locale))
    axes.set_title(plain(bars.title, 80), fontsize=FONT + 3, loc="left", y=1.0)  # y given: see _placed
    if shown:
        figure.legend(loc="outside lower center", ncols=min(3, len(shown)), fontsize=FONT - 1, frameon=False)
    return figure


def activity(title: str, names: Sequence[str], counts: Sequence[Mapping[str, int]], labels: Mapping[str, str], locale: str,
             rows: Rows = None) -> Figure:
    """Contacts per manager, stacked by kind: who visits and who phones."""
    series = [(labels[k], KIND_COLORS[k], [c.get(k, 0) for c in counts]) for k in KIND_COLORS]
    return stacked(Bars(title, names, series, locale, rows=rows))


def outcomes(title: str, names: Sequence[str], counts: Sequence[Mapping[str, int]], labels: Mapping[str, str], locale: str,
             rows: Rows = None) -> Figure:
    series = [(labels[o], OUTCOME_COLORS[o], [c.get(o, 0) for c in counts]) for o in OUTCOME_COLORS]
    return stacked(Bars(title, names, series, locale, rows=rows))


def reasons(title: str, names: Sequence[str], shares: Sequence[Mapping[str, float]], order: Sequence[str], locale: str,
            rows: Rows = None) -> Figure:
    """Each manager's refusals split by reason (shares of their refusals), reasons in `order`."""
    series = [
        (reason, REASON_COLORS[i % len(REASON_COLORS)], [s.get(reason, 0.0) for s in shares])
        for i, reason in enumerate(order)
    ]
    return stacked(Bars(title, names, series, locale, percent=True, rows=rows))


def conversion(
    title: str, names: Sequence[str], rates: Sequence[float | None], intervals: Sequence[tuple[float, float] | None],
    team: float | None, team_label: str, locale: str, rows: Rows = None, none_label: str | None = None,
) -> Figure:
    """Meeting-to-deal conversion per manager with its 95% interval, and the team's line (in every
    part); a manager with no meetings gets `none_label` in place of a point."""
    top = max([i[1] for i in intervals if i] + [team or 0, 0.1])  # of all the rows: every part on one scale
    first, stop = rows or (0, len(names))
    names, rates, intervals = names[first:stop], rates[first:stop], intervals[first:stop]
    figure, axes = _figure(len(names))
    for row, (rate, interval) in enumerate(zip(rates, intervals)):
        if rate is None or interval is None:
            if none_label:
                axes.text(0.01, row, plain(none_label, 30), va="center", fontsize=FONT - 2, color="#757575",
                          transform=axes.get_yaxis_transform())
            continue
        # not clipped: a point at 100% sits on the axes' edge and would be cut in half
        axes.errorbar(rate, row, xerr=[[rate - interval[0]], [interval[1] - rate]], fmt="o", color=OUTCOME_COLORS["agreed"],
                      ecolor="#555555", elinewidth=2, capsize=5, markersize=8, clip_on=False)
    if team is not None:
        axes.axvline(team, color="#e53935", linestyle="--", linewidth=1.5, label=plain(team_label, 40))
        figure.legend(loc="outside lower center", fontsize=FONT - 1, frameon=False)
    axes.set_yticks(list(range(len(names))), [plain(n) for n in names])
    axes.set_ylim(len(names) - 0.5, -0.5)
    axes.set_xlim(0, min(1.0, top * 1.1))
    axes.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: format_percent(v, locale=locale)))
    axes.grid(axis="x", alpha=0.3)
    axes.set_title(plain(title, 80), fontsize=FONT + 3, loc="left", y=1.0)  # y given: see _placed
    return figure


def trend(title: str, weeks: Sequence[date], counts: Sequence[Mapping[str, int]], labels: Mapping[str, str], locale: str) -> Figure:
    """Contacts per week, stacked by kind, weeks named by their Monday."""
    shown = [k for k in KIND_COLORS if any(c.get(k, 0) for c in counts)]
    figure = Figure(figsize=(WIDTH, 5.0), dpi=DPI, layout="constrained")
    axes = figure.add_subplot()
    _placed(axes)
    axes.tick_params(labelsize=FONT - 1)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    bottom = [0] * len(weeks)
    positions = list(range(len(weeks)))
    for kind in shown:
        values = [c.get(kind, 0) for c in counts]
        axes.bar(positions, values, bottom=bottom, color=KIND_COLORS[kind], label=plain(labels[kind], 30), width=0.8)
        bottom = [a + b for a, b in zip(bottom, values)]
    step = max(1, len(weeks) // 8)  # at most about eight dates under the bars
    axes.set_xticks(positions[::step], [format_date(w, "d MMM", locale=locale) for w in weeks[::step]])
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.yaxis.set_major_formatter(_number(locale))
    axes.set_title(plain(title, 80), fontsize=FONT + 3, loc="left", y=1.0)  # y given: see _placed
    if shown:
        figure.legend(loc="outside lower center", ncols=min(3, len(shown)), fontsize=FONT - 1, frameon=False)
    return figure


TRAINING_COLORS = ("#2e7d32", "#1e88e5")  # the participants, the others


def before_after(
    title: str, panels: Sequence[tuple[str, str, Sequence[tuple[float | None, float | None]], Sequence[tuple[str, str]]]],
    series: Sequence[str], periods: tuple[str, str],
) -> Figure:
    """Side by side, one panel per metric: bars before and after for each series (the
    participants, the others), each bar labelled with its value as the caller printed it.
    A panel is (name, verdict, values per series, printed values per series); None: no bar."""
    figure = Figure(figsize=(WIDTH, 5.0), dpi=DPI, layout="constrained")
    axes_row = figure.subplots(1, max(1, len(panels)), squeeze=False)[0]
    width = 0.8 / max(1, len(series))
    for axes, (name, verdict, values, printed) in zip(axes_row, panels):
        for side in ("top", "right", "left"):
            axes.spines[side].set_visible(False)
        axes.set_yticks([])
        top = max([v for pair in values for v in pair if v is not None] + [0.0])
        for n, (label, pair, texts) in enumerate(zip(series, values, printed)):
            for x, (value, text) in enumerate(zip(pair, texts)):
                position = x + (n - (len(series) - 1) / 2) * width
                if value is None:
                    axes.text(position, 0, "—", ha="center", va="bottom", fontsize=FONT - 3)
                    continue
                axes.bar(position, value, width=width * 0.92, color=TRAINING_COLORS[n % len(TRAINING_COLORS)],
                         alpha=0.55 if x == 0 else 1.0, label=plain(label, 30) if x == 1 else "_nolegend_")
                axes.text(position, value + top * 0.02, plain(text, 12), ha="center", va="bottom", fontsize=FONT - 4)
        axes.set_ylim(0, top * 1.18 if top > 0 else 1)
        axes.set_xlim(-0.5, 1.5)
        axes.set_xticks([0, 1], [plain(periods[0], 14), plain(periods[1], 14)], fontsize=FONT - 2)
        axes.set_title(plain(name, 24) + "\n" + plain(verdict, 24), fontsize=FONT - 1)
    figure.suptitle(plain(title, 80), fontsize=FONT + 3, x=0.02, ha="left")
    legend = {}
    for axes in axes_row:
        for handle, label in zip(*axes.get_legend_handles_labels()):
            legend.setdefault(label, handle)
    if len(series) > 1 and legend:
        figure.legend(list(legend.values()), list(legend), loc="outside lower center", ncols=len(legend), fontsize=FONT - 1, frameon=False)
    return figure


def month_fan(
    title: str, past: Sequence[tuple[date, float]], future: Sequence[tuple[date, float, float, float]],
    plan: float | None, names: Mapping[str, str], locale: str,
) -> Figure:
    """The month so far (sales to date, a step a day) and the forecast from today to its end:
    the expected line in the 80% band, and the plan's line. `future`: (day, expected, low, high);
    `names`: the legend's "done", "forecast", "range" and "plan"."""
    figure = Figure(figsize=(WIDTH, 5.0), dpi=DPI, layout="constrained")
    axes = figure.add_subplot()
    axes.tick_params(labelsize=FONT - 1)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    if past:
        axes.step([d for d, _v in past], [v for _d, v in past], where="post", color=OUTCOME_COLORS["agreed"],
                  linewidth=2.5, label=plain(names["done"], 30))
    if future:
        days = [d for d, *_ in future]
        axes.fill_between(days, [f[2] for f in future], [f[3] for f in future], color="#90caf9", alpha=0.5,
                          label=plain(names["range"], 30))
        axes.plot(days, [f[1] for f in future], color=KIND_COLORS["call"], linewidth=2, linestyle="--",
                  label=plain(names["forecast"], 30))
    if plan:
        axes.axhline(plan, color="#e53935", linewidth=1.5, label=plain(names["plan"], 30))
    axes.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: format_decimal(v, format="#,##0", locale=locale) + " ₽"))
    axes.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: format_date(_from_ordinal(v), "d MMM", locale=locale)))
    axes.set_ylim(bottom=0)
    days = [d for d, _v in past] + [f[0] for f in future]
    if days:
        axes.set_xlim(min(days), max(days))
    axes.grid(axis="y", alpha=0.3)
    axes.set_title(plain(title, 80), fontsize=FONT + 3, loc="left")
    figure.legend(loc="outside lower center", ncols=4, fontsize=FONT - 2, frameon=False)
    return figure


def _from_ordinal(value: float) -> date:
    from matplotlib.dates import num2date

    return num2date(value).date()


def accuracy_bars(title: str, months: Sequence[date], series: Sequence[tuple[str, Sequence[float | None]]], locale: str) -> Figure:
    """Accuracy per month (1 − |actual − forecast| / actual), a bar per series (the forecast made at
    the month's start, at its middle); below zero is cut at zero."""
    figure = Figure(figsize=(WIDTH, 5.0), dpi=DPI, layout="constrained")
    axes = figure.add_subplot()
    axes.tick_params(labelsize=FONT - 1)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    width = 0.8 / max(len(series), 1)
    colours = (KIND_COLORS["call"], OUTCOME_COLORS["agreed"])
    for n, (label, values) in enumerate(series):
        positions = [i + (n - (len(series) - 1) / 2) * width for i in range(len(months))]
        axes.bar(positions, [max(v, 0.0) if v is not None else 0.0 for v in values], width=width,
                 color=colours[n % len(colours)], label=plain(label, 40))
    step = max(1, len(months) // 8)
    axes.set_xticks(list(range(len(months)))[::step], [format_date(m, "LLL yy", locale=locale) for m in months][::step])
    axes.set_ylim(0, 1)
    axes.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: format_percent(v, locale=locale)))
    axes.grid(axis="y", alpha=0.3)
    axes.set_title(plain(title, 80), fontsize=FONT + 3, loc="left")
    figure.legend(loc="outside lower center", ncols=len(series), fontsize=FONT - 1, frameon=False)
    return figure
