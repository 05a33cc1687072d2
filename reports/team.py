"""A head's view of the team: per manager, today's and tomorrow's plan, yesterday's results, what hangs."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from db.models import Kind, Outcome
from db.repositories.reports import TeamCounts


@dataclass
class ManagerDay:
    user_id: int
    name: str
    planned_today: int = 0
    planned_tomorrow: int = 0
    logged_yesterday: int = 0
    by_kind: Counter[Kind] = field(default_factory=Counter)
    by_outcome: Counter[Outcome] = field(default_factory=Counter)
    without_result: int = 0  # planned before today and still open
    unreachable: bool = False


def team_day(counts: TeamCounts) -> list[ManagerDay]:
    """One ManagerDay per manager, in the order the counts list them."""
    days = {i: ManagerDay(i, name, unreachable=blocked) for i, name, blocked in counts.managers}
    for manager_id, on_tomorrow, count in counts.planned:
        if on_tomorrow:
            days[manager_id].planned_tomorrow = count
        else:
            days[manager_id].planned_today = count
    for manager_id, kind, outcome, count in counts.logged:
        day = days[manager_id]
        day.logged_yesterday += count
        day.by_kind[kind] += count
        if outcome is not None:
            day.by_outcome[outcome] += count
    for manager_id, count in counts.hanging:
        days[manager_id].without_result = count
    return list(days.values())
