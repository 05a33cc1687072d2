"""Percentiles and the results table."""

from __future__ import annotations

import math
from dataclasses import dataclass, field


def percentile(values: list[int], q: float) -> float:
    """Nearest-rank percentile: an actual observed value, no interpolation."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


@dataclass
class Samples:
    real: list[int] = field(default_factory=list)  # ns per update, the product's dispatcher
    floor: list[int] = field(default_factory=list)  # ns per update, the do-nothing dispatcher
    reply: list[int] = field(default_factory=list)  # ns per update, a bare dispatcher sending the same reply
    durable: list[int] = field(default_factory=list)  # the same, inside a transaction writing one row

    def add(self, real: int, floor: int, reply: int, durable: int) -> None:
        self.real.append(real)
        self.floor.append(floor)
        self.reply.append(reply)
        self.durable.append(durable)

    def __iadd__(self, other: Samples) -> Samples:
        self.real += other.real
        self.floor += other.floor
        self.reply += other.reply
        self.durable += other.durable
        return self


def _summed(parts: list[Samples]) -> Samples:
    """Per pass, the sum of its steps: what one whole logging costs."""
    total = Samples()
    columns = (zip(*(getattr(p, kind) for p in parts)) for kind in ("real", "floor", "reply", "durable"))
    for real, floor, reply, durable in zip(*columns):
        total.add(sum(real), sum(floor), sum(reply), sum(durable))
    return total


def print_table(samples: dict[str, Samples], paths: list[str], goal: float) -> None:
    rows: list[tuple[str, Samples]] = list(samples.items())
    everything = Samples()
    for path in paths:
        steps = [s for name, s in samples.items() if name.startswith(f"{path}: ")]
        pooled = Samples()
        for s in steps:
            pooled += s
        everything += pooled
        rows.append((f"{path}: any update", pooled))
        rows.append((f"{path}: whole path ({len(steps)} updates)", _summed(steps)))
    rows.append(("all updates", everything))

    header = (
        "step", "median µs", "p99 µs", "floor median", "floor p99", "ratio median", "ratio p99",
        "reply floor", "ratio to it", "durable floor", "ratio to it",
    )
    table = []
    for name, s in rows:
        real_med, real_p99 = percentile(s.real, 50) / 1000, percentile(s.real, 99) / 1000
        floor_med, floor_p99 = percentile(s.floor, 50) / 1000, percentile(s.floor, 99) / 1000
        reply_med = percentile(s.reply, 50) / 1000
        durable_med = percentile(s.durable, 50) / 1000
        table.append((
            name, f"{real_med:,.0f}", f"{real_p99:,.0f}", f"{floor_med:,.0f}", f"{floor_p99:,.0f}",
            f"{real_med / floor_med:,.1f}×", f"{real_p99 / floor_p99:,.1f}×",
            f"{reply_med:,.0f}", f"{real_med / reply_med:,.1f}×",
            f"{durable_med:,.0f}", f"{real_med / durable_med:,.1f}×",
        ))
    widths = [max(len(r[i]) for r in (header, *table)) for i in range(len(header))]
    line = lambda cells: " | ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    print(line(header))
    print("-+-".join("-" * w for w in widths))
    for i, row in enumerate(table):
        if i == len(samples):
            print("-+-".join("-" * w for w in widths))
        print(line(row))
    worst = max(percentile(s.real, 50) / percentile(s.floor, 50) for _, s in rows)
    verdict = "within" if worst <= goal else "ABOVE"
    print(f"goal: at most {goal:g}× the floor — worst median ratio {worst:,.1f}×: {verdict} the goal")
    everything_reply = percentile(everything.reply, 50) / percentile(everything.floor, 50)
    print(f"the reply floor alone (aiogram building and sending this reply, nothing else) is {everything_reply:,.1f}× the floor")
    everything_durable = percentile(everything.durable, 50) / percentile(everything.floor, 50)
    print(f"the durable floor (that reply inside a transaction writing one row) is {everything_durable:,.1f}× the floor")
