"""The call-back sampler: per manager quotas, oversampling of flagged meetings, reproducible."""

from __future__ import annotations

import random

from reports.callback_sample import MINIMUM, Candidate, quota, sample
from reports.flags import Flag


def _company(seed: int = 0) -> list[Candidate]:
    rng = random.Random(seed)
    items, next_id = [], 1
    for manager, meetings in ((1, 1), (2, 3), (3, 40), (4, 120)):
        for n in range(meetings):
            flags = (Flag.NIGHT_BATCH,) if manager == 4 and n % 10 == 0 else ()
            items.append(Candidate(next_id, manager, flags))
            next_id += 1
    rng.shuffle(items)
    return items


def test_quotas_are_stratified_by_manager_with_a_floor_of_two() -> None:
    picks = sample(_company(), seed=7)
    by_manager = {m: [p for p in picks if p.manager_id == m] for m in (1, 2, 3, 4)}
    assert [len(by_manager[m]) for m in (1, 2, 3, 4)] == [1, MINIMUM, quota(40), quota(120)] == [1, 2, 3, 8]
    assert len({p.id for p in picks}) == len(picks)  # never the same meeting twice
    assert 0.05 <= len(by_manager[3] + by_manager[4]) / 160 <= 0.10  # managers with enough meetings: ~7%


def test_the_same_seed_gives_the_same_sample_in_any_order_and_another_seed_another() -> None:
    first = sample(_company(0), seed=42)
    assert sample(list(reversed(_company(0))), seed=42) == first == sample(_company(5), seed=42)
    assert sample(_company(0), seed=43) != first


def test_flagged_meetings_are_drawn_far_more_often_and_always_one_when_there_are_any() -> None:
    items = [Candidate(n, 1, (Flag.COPIED_NOTE,) if n < 5 else ()) for n in range(100)]  # 5% flagged
    drawn = {True: 0, False: 0}
    for seed in range(200):
        picks = sample(items, seed=seed)
        assert len(picks) == 7 and any(p.flags for p in picks)
        for pick in picks:
            drawn[bool(pick.flags)] += 1
    # a flagged meeting's chance of being called back against an unflagged one's
    assert (drawn[True] / 5) / (drawn[False] / 95) > 4
    clean = [Candidate(n, 1) for n in range(100)]
    assert not any(p.flags for p in sample(clean, seed=1))


def test_the_verified_rate_leaves_the_unreachable_out_and_ranks_meetings_by_it() -> None:
    from db.repositories.callbacks import Marks
    from reports.verified import interval, rate, verified_meetings

    anna, boris = Marks(confirmed=9, not_happened=1, unreachable=5), Marks(confirmed=2, not_happened=6)
    assert rate(anna) == 0.9 and rate(Marks(unreachable=3)) is None
    low, high = interval(anna)
    assert 0.55 < low < 0.9 < high < 1
    ranked = verified_meetings({1: 10, 2: 12, 3: 4}, {1: anna, 2: boris})
    assert ranked == {1: 9.0, 2: 3.0, 3: 4 * 11 / 18}  # 3 has no checks: everyone's rate
