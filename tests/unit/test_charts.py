"""Charts: PNG a phone can show and Telegram accepts, texts as given, hostile names harmless."""

from __future__ import annotations

import struct
import threading
import warnings
from collections import Counter
from datetime import date, timedelta

from matplotlib.backends.backend_agg import FigureCanvasAgg

from db.models import Kind, Outcome
from reports import charts

KINDS = {k: f"kind {k.value}" for k in Kind}
OUTCOMES = {o: f"outcome {o.value}" for o in Outcome}


def _size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", png[16:24])


def _texts(figure) -> list[str]:
    return [t.get_text() for t in figure.findobj(lambda a: hasattr(a, "get_text"))]


def test_activity_is_stacked_by_kind_with_the_given_names_and_labels() -> None:
    names = ["Ирина Петрова", "Олег Кузнецов"]
    figure = charts.activity("Контакты", names, [Counter({Kind.MEETING: 5, Kind.CALL: 2}), Counter({Kind.CALL: 9})], KINDS, "ru")
    texts = _texts(figure)
    assert "Ирина Петрова" in texts and "Контакты" in texts
    assert "kind meeting" in texts and "kind call" in texts
    assert "kind email" not in texts  # a kind nobody had is not in the legend
    bars = [p for p in figure.axes[0].patches]
    assert sorted(round(b.get_width()) for b in bars) == [0, 2, 5, 9]


async def test_charts_render_off_the_event_loop_as_png_telegram_accepts() -> None:
    seen: list[str] = []

    def build():
        seen.append(threading.current_thread().name)
        return charts.outcomes("Итоги", ["A"], [Counter({Outcome.AGREED: 1})], OUTCOMES, "ru")

    png = await charts.draw(build)
    assert seen[0].startswith("charts") and seen[0] != threading.main_thread().name
    width, height = _size(png)
    assert width == 1200 and 300 < height < 1200


async def test_a_team_of_fifty_stays_within_telegram_photo_limits() -> None:
    names = [f"Менеджер {n}" for n in range(50)]
    png = await charts.draw(charts.activity, "Контакты", names, [Counter({Kind.MEETING: n}) for n in range(50)], KINDS, "en")
    width, height = _size(png)
    assert width + height <= 10_000 and height / width <= 20
    assert height > 50 * 40  # a readable row per manager, not squeezed


async def test_hostile_names_are_drawn_plainly() -> None:
    names = ["$x^2$ <b>Анна</b> & co", "👩‍💼 Ольга", "$", "\u202eevil"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph or a mathtext parse would warn or raise
        figure = charts.activity("T", names, [Counter({Kind.CALL: 1})] * 4, KINDS, "ru")
        png = await charts.draw(lambda: figure)
    assert _size(png)[0] == 1200
    labels = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert labels[0].startswith(r"\$x^2\$ <b>Анна") and labels[1] == "Ольга" and labels[3] == "evil"
    assert charts.plain("x" * 40).endswith("…") and len(charts.plain("x" * 40)) == charts.NAME_MAX


def test_conversion_shows_intervals_and_the_team_line_in_locale_format() -> None:
    figure = charts.conversion("Конверсия", ["A", "B", "C"], [0.1, None, 0.3], [(0.05, 0.2), None, (0.2, 0.4)], 0.15, "команда", "ru")
    FigureCanvasAgg(figure).draw()  # tick labels exist once drawn
    ticks = [t.get_text() for t in figure.axes[0].get_xticklabels()]
    assert any("%" in t for t in ticks) and any("\u00a0%" in t or t == "0\u00a0%" for t in ticks)  # ru: "10 %"
    assert "команда" in _texts(figure)


def test_trend_names_weeks_in_the_person_s_language() -> None:
    weeks = [date(2026, 9, 7) + timedelta(weeks=n) for n in range(12)]
    figure = charts.trend("По неделям", weeks, [Counter({Kind.MEETING: n, Kind.CALL: 1}) for n in range(12)], KINDS, "ru")
    ticks = [t.get_text() for t in figure.axes[0].get_xticklabels()]
    assert ticks[0] == "7 сент." and len(ticks) <= 12
