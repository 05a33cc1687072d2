"""Charts: PNG a phone can show and Telegram accepts, drawn in the chart worker's process, a chart
of many managers in parts on one scale, texts as given, hostile names harmless."""

from __future__ import annotations

import asyncio
import os
import pickle
import signal
import struct
import subprocess
import sys
import time
import warnings
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from babel.support import LazyProxy
from matplotlib.backends.backend_agg import FigureCanvasAgg

from db.models import Kind, Outcome
from handlers.report_view import Photo, albums
from reports import charts, drawing

ROOT = Path(__file__).resolve().parents[2]

KINDS = {k: f"kind {k.value}" for k in Kind}
OUTCOMES = {o: f"outcome {o.value}" for o in Outcome}


def _size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", png[16:24])


def _texts(figure) -> list[str]:
    return [t.get_text() for t in figure.findobj(lambda a: hasattr(a, "get_text"))]


def test_palettes_follow_the_kinds_and_outcomes_and_every_builder_is_there() -> None:
    assert list(charts.KIND_COLORS) == [k.value for k in Kind]
    assert set(charts.OUTCOME_COLORS) == {o.value for o in Outcome}
    assert all(callable(getattr(charts, name)) for name in drawing.BUILDERS)


def test_activity_is_stacked_by_kind_with_the_given_names_and_labels() -> None:
    names = ["Ирина Петрова", "Олег Кузнецов"]
    figure = charts.activity("Контакты", names, [Counter({Kind.MEETING: 5, Kind.CALL: 2}), Counter({Kind.CALL: 9})], KINDS, "ru")
    texts = _texts(figure)
    assert "Ирина Петрова" in texts and "Контакты" in texts
    assert "kind meeting" in texts and "kind call" in texts
    assert "kind email" not in texts  # a kind nobody had is not in the legend
    bars = [p for p in figure.axes[0].patches]
    assert sorted(round(b.get_width()) for b in bars) == [0, 2, 5, 9]


def test_fifty_managers_come_in_four_even_parts() -> None:
    assert drawing.spans(50) == [(0, 13), (13, 26), (26, 38), (38, 50)]
    assert drawing.spans(15) == [(0, 15)] and drawing.spans(16) == [(0, 8), (8, 16)] and drawing.spans(0) == [(0, 0)]
    assert all(stop - start <= drawing.PER_CHART for n in range(1, 200) for start, stop in drawing.spans(n))


def test_the_parts_of_a_chart_share_its_scale_legend_and_team_line() -> None:
    names = [f"M{n}" for n in range(30)]
    counts = [Counter({Kind.CALL: n}) for n in range(30)]  # the widest bar, 29, is in the second part
    first = charts.activity("T", names, counts, KINDS, "ru", rows=(0, 15))
    second = charts.activity("T", names, counts, KINDS, "ru", rows=(15, 30))
    assert first.axes[0].get_xlim() == second.axes[0].get_xlim() and first.axes[0].get_xlim()[1] >= 29
    assert [t.get_text() for t in second.axes[0].get_yticklabels()] == names[15:]
    assert "kind call" in _texts(first) and "kind call" in _texts(second)
    rates = [0.1] * 29 + [0.6]
    intervals = [(0.05, 0.2)] * 29 + [(0.3, 0.9)]
    parts = [charts.conversion("C", names, rates, intervals, 0.15, "команда", "ru", rows=rows) for rows in ((0, 15), (15, 30))]
    assert parts[0].axes[0].get_xlim() == parts[1].axes[0].get_xlim()
    assert all("команда" in _texts(p) for p in parts)


def test_albums_keep_the_parts_of_a_chart_together() -> None:
    def chart(parts: int) -> list[Photo]:
        return [Photo(b"", "c", n) for n in range(1, parts + 1)]

    digest = chart(4) + chart(4) + chart(4) + chart(4) + chart(4) + chart(4) + chart(1)
    assert [len(a) for a in albums(digest)] == [8, 8, 9]
    assert [len(a) for a in albums(chart(1) * 12)] == [10, 2]
    assert [len(a) for a in albums(chart(14))] == [10, 4]  # a chart longer than an album: in order


def test_what_goes_to_the_worker_is_plain_data() -> None:
    sent = drawing.plain_data(([Counter({Kind.CALL: 2})], {Outcome.AGREED: LazyProxy(lambda: "да")}, date(2026, 1, 5), None))
    assert sent == ([{"call": 2}], {"agreed": "да"}, date(2026, 1, 5), None)
    assert type(next(iter(sent[0][0]))) is str and b"db.models" not in pickle.dumps(sent)
    with pytest.raises(TypeError):
        drawing.plain_data(object())


async def test_charts_are_drawn_in_another_process_as_png_telegram_accepts() -> None:
    png = await drawing.draw("outcomes", "Итоги", ["A"], [Counter({Outcome.AGREED: 1})], OUTCOMES, "ru")
    assert len(drawing.workers()) == drawing.WORKERS and os.getpid() not in drawing.workers()
    width, height = _size(png)
    assert width == 1200 and 300 < height < 1200


async def test_a_part_of_fifteen_managers_fits_telegram_s_photo_size() -> None:
    names = [f"Менеджер {n}" for n in range(50)]
    png = await drawing.draw("activity", "Контакты", names, [Counter({Kind.MEETING: n}) for n in range(50)], KINDS, "en",
                             rows=(0, 15))
    width, height = _size(png)
    assert width == 1200 and 15 * 60 < height <= 1500  # a readable row per manager; Telegram shows 1,280 px


async def test_a_chart_is_drawn_again_when_its_worker_died() -> None:
    await drawing.draw("outcomes", "A", ["A"], [{}], OUTCOMES, "ru")
    dead = drawing.workers()
    for pid in dead:
        os.kill(pid, signal.SIGKILL)
    png = await drawing.draw("outcomes", "B", ["A"], [{}], OUTCOMES, "ru")
    assert _size(png)[0] == 1200 and drawing.workers() and not set(dead) & set(drawing.workers())


async def test_a_hung_worker_is_killed_and_the_next_chart_has_a_new_one(monkeypatch) -> None:
    await drawing.draw("outcomes", "A", ["A"], [{}], OUTCOMES, "ru")
    hung = drawing.workers()
    for pid in hung:
        os.kill(pid, signal.SIGSTOP)  # alive, answering nothing
    monkeypatch.setattr(drawing, "TIMEOUT", 1.0)
    with pytest.raises(drawing.ChartFailed):
        await drawing.draw("outcomes", "B", ["A"], [{}], OUTCOMES, "ru")
    monkeypatch.setattr(drawing, "TIMEOUT", 60.0)
    png = await drawing.draw("outcomes", "C", ["A"], [{}], OUTCOMES, "ru")
    assert _size(png)[0] == 1200 and drawing.workers() and not set(hung) & set(drawing.workers())
    for _ in range(50):  # killed (gone, or a zombie until reaped), not left stopped
        if all(_process_state(pid) in ("gone", "Z", "X") for pid in hung):
            break
        await asyncio.sleep(0.1)
    assert all(_process_state(pid) in ("gone", "Z", "X") for pid in hung)


def _process_state(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return "gone"


async def test_the_worker_is_replaced_after_its_charts_even_with_charts_waiting(monkeypatch) -> None:
    monkeypatch.setattr(drawing, "MAX_CHARTS", 2)
    await drawing.draw("outcomes", "A", ["A"], [{}], OUTCOMES, "ru")
    before = set(drawing.workers())
    pngs = await asyncio.wait_for(asyncio.gather(*(drawing.draw("outcomes", "B", ["A"], [{}], OUTCOMES, "ru") for _ in range(5))), 60)
    assert all(_size(png)[0] == 1200 for png in pngs)  # drawn by the old workers while the new ones start
    for _ in range(300):  # the new workers are started beside the old ones, then put in their place
        if drawing.workers() and not before & set(drawing.workers()):
            break
        await asyncio.sleep(0.05)
    assert drawing.workers() and not before & set(drawing.workers())
    png = await asyncio.wait_for(drawing.draw("outcomes", "C", ["A"], [{}], OUTCOMES, "ru"), 60)
    assert _size(png)[0] == 1200
    for _ in range(100):  # the old ones leave once they have drawn what they were asked
        if all(_process_state(pid) in ("gone", "Z", "X") for pid in before):
            break
        await asyncio.sleep(0.05)
    assert all(_process_state(pid) in ("gone", "Z", "X") for pid in before)


async def test_only_the_builders_are_drawn() -> None:
    with pytest.raises(ValueError):
        await drawing.draw("_render", "x")


def test_hostile_names_are_drawn_plainly() -> None:
    names = ["$x^2$ <b>Анна</b> & co", "👩‍💼 Ольга", "$", "\u202eevil"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph or a mathtext parse would warn or raise
        figure = charts.activity("T", names, [Counter({Kind.CALL: 1})] * 4, KINDS, "ru")
        FigureCanvasAgg(figure).draw()
    labels = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert labels[0].startswith(r"\$x^2\$ <b>Анна") and labels[1] == "Ольга" and labels[3] == "evil"
    assert charts.plain("x" * 40).endswith("…") and len(charts.plain("x" * 40)) == charts.NAME_MAX


def test_conversion_shows_intervals_and_the_team_line_in_locale_format() -> None:
    figure = charts.conversion("Конверсия", ["A", "B", "C"], [0.1, None, 0.3], [(0.05, 0.2), None, (0.2, 0.4)], 0.15, "команда", "ru")
    FigureCanvasAgg(figure).draw()  # tick labels exist once drawn
    ticks = [t.get_text() for t in figure.axes[0].get_xticklabels()]
    assert any("%" in t for t in ticks) and any("\u00a0%" in t or t == "0\u00a0%" for t in ticks)  # ru: "10 %"
    assert "команда" in _texts(figure)
    # B has no meetings: said so on its row, not an empty row
    named = charts.conversion("Конверсия", ["A", "B"], [1.0, None], [(0.6, 1.0), None], 0.5, "команда", "ru",
                              none_label="нет встреч")
    assert "нет встреч" in _texts(named) and "нет встреч" not in _texts(figure)


def test_trend_names_weeks_in_the_person_s_language() -> None:
    weeks = [date(2026, 9, 7) + timedelta(weeks=n) for n in range(12)]
    figure = charts.trend("По неделям", weeks, [Counter({Kind.MEETING: n, Kind.CALL: 1}) for n in range(12)], KINDS, "ru")
    ticks = [t.get_text() for t in figure.axes[0].get_xticklabels()]
    assert ticks[0] == "7 сент." and len(ticks) <= 12


def test_the_chart_workers_leave_when_the_bot_is_killed() -> None:
    """SIGKILL leaves the bot no chance to stop its workers: they notice and leave on their own."""
    script = (
        "from reports import drawing\n"
        "drawing.start()\n"
        "print(' '.join(map(str, drawing.workers())), flush=True)\n"
        "import time\n"
        "time.sleep(120)\n"
    )
    bot = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        workers = [int(pid) for pid in bot.stdout.readline().split()]
        assert workers and all(_process_state(pid) not in ("gone", "Z", "X") for pid in workers)
    finally:
        bot.kill()
        bot.wait()
    for _ in range(100):
        if all(_process_state(pid) in ("gone", "Z", "X") for pid in workers):
            break
        time.sleep(0.1)
    assert all(_process_state(pid) in ("gone", "Z", "X") for pid in workers)
