"""The chart floor of the reports benchmark, run in a process of its own as the product's charts
are (the benchmark's own process never imports matplotlib, as the bot's does not)."""

from __future__ import annotations

import io
import struct


def empty_png(width_px: int, height_px: int) -> bytes:
    """matplotlib's own PNG of an empty Figure of that size, with its defaults (not the product's
    settings, so the floor stays put when the product changes)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from reports.charts import DPI

    buffer = io.BytesIO()
    FigureCanvasAgg(Figure(figsize=(width_px / DPI, height_px / DPI), dpi=DPI)).print_png(buffer)
    if struct.unpack(">II", buffer.getvalue()[16:24]) != (width_px, height_px):
        raise RuntimeError("the empty figure is not the chart's size")
    return buffer.getvalue()
