"""The training chart draws for a head (participants against the others) and for a manager (only
their own), with missing values and names the font cannot draw."""

from __future__ import annotations

from reports.charts import before_after, render

PNG = b"\x89PNG"


def test_the_before_after_chart_draws_both_views() -> None:
    panels = [
        ("Meetings that became deals", "improved", [(0.06, 0.19), (0.13, 0.12)], [("6%", "19%"), ("13%", "12%")]),
        ("Average deal", "no measurable change", [(52_111.0, None), (None, 72_863.0)], [("52K ₽", "—"), ("—", "73K ₽")]),
        ("Meetings per working day", "not enough data yet", [(0.0, 0.0), (0.0, 0.0)], [("0.0", "0.0"), ("0.0", "0.0")]),
    ]
    head = render(before_after, "Objections 🎯 $x$", panels, ["Took part", "The others"], ("before", "after"))
    mine = render(before_after, "Objections", [(n, v, values[:1], printed[:1]) for n, v, values, printed in panels],
                   ["You"], ("before", "after"))
    assert head.startswith(PNG) and mine.startswith(PNG) and head != mine
