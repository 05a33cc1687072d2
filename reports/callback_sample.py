"""Which done meetings a head calls back this week: a random sample stratified by manager, leaning
on suspicious meetings, reproducible from its seed. Pure: candidates in, picks out."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass

from reports.flags import Flag

SHARE = 0.07  # of each manager's meetings: "about 5-10% overall"
MINIMUM = 2  # per manager with meetings, however few they had
# how much more likely than an unflagged meeting a flagged one is drawn: each flag adds its weight
WEIGHTS = {Flag.LATE: 3.0, Flag.NIGHT_BATCH: 3.0, Flag.TOO_MANY: 3.0, Flag.COPIED_NOTE: 4.0, Flag.NO_CHECKIN: 1.5}


@dataclass(frozen=True)
class Candidate:
    id: int  # the meeting
    manager_id: int
    flags: tuple[Flag, ...] = ()


@dataclass(frozen=True)
class Pick:
    id: int
    manager_id: int
    flags: tuple[Flag, ...]


def quota(meetings: int, share: float = SHARE, minimum: int = MINIMUM) -> int:
    """How many of a manager's `meetings` are drawn: their share, rounded, and never fewer than
    `minimum` (nor more than there are)."""
    return min(meetings, max(minimum, round(meetings * share)))


def weight(flags: tuple[Flag, ...]) -> float:
    return 1.0 + sum(WEIGHTS[f] for f in set(flags))


def sample(candidates: list[Candidate], seed: int, *, share: float = SHARE, minimum: int = MINIMUM) -> list[Pick]:
    """Each manager's quota drawn from their own meetings (the strata), without replacement, each
    meeting with probability growing with its weight (Efraimidis-Spirakis keys u^(1/w)); when a
    manager has flagged meetings, at least one of them is drawn. The same candidates and seed
    give the same picks, whatever order the candidates came in."""
    rng = random.Random(seed)
    strata: dict[int, list[Candidate]] = defaultdict(list)
    for item in sorted(candidates, key=lambda c: (c.manager_id, c.id)):
        strata[item.manager_id].append(item)
    picks: list[Pick] = []
    for manager_id in sorted(strata):
        items = strata[manager_id]
        keys = {c.id: math.log(rng.random() or 1e-300) / weight(c.flags) for c in items}
        ranked = sorted(items, key=lambda c: keys[c.id], reverse=True)
        chosen = ranked[: quota(len(items), share, minimum)]
        flagged = [c for c in ranked if c.flags]
        if flagged and not any(c.flags for c in chosen):
            chosen[-1] = flagged[0]  # the heaviest-keyed flagged one replaces the last drawn
        picks += [Pick(c.id, manager_id, tuple(sorted(set(c.flags)))) for c in chosen]
    return picks
