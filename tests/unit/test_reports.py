"""reports/ computes over what repositories return, so it is tested on constructed rows, without a database."""

from __future__ import annotations

from collections import Counter

from db.models import Kind, Outcome
from db.repositories.reports import TeamCounts
from reports.team import team_day


def test_team_day_puts_each_count_on_its_manager() -> None:
    counts = TeamCounts(
        managers=[(7, "Анна", False), (9, "Борис", True), (4, "Вера", False)],
        planned=[(7, False, 3), (7, True, 1), (9, True, 2)],
        logged=[
            (7, Kind.MEETING, Outcome.AGREED, 2),
            (7, Kind.CALL, Outcome.REFUSED, 1),
            (7, Kind.CALL, None, 1),
            (9, Kind.MEETING, Outcome.REFUSED, 1),
        ],
        hanging=[(9, 5)],
    )
    anna, boris, vera = team_day(counts)
    assert [d.name for d in (anna, boris, vera)] == ["Анна", "Борис", "Вера"]  # the repository's order
    assert (anna.planned_today, anna.planned_tomorrow, anna.logged_yesterday) == (3, 1, 4)
    assert anna.by_kind == Counter({Kind.MEETING: 2, Kind.CALL: 2})
    assert anna.by_outcome == Counter({Outcome.AGREED: 2, Outcome.REFUSED: 1})  # a contact without outcome counts as logged only
    assert (boris.planned_today, boris.planned_tomorrow, boris.without_result, boris.unreachable) == (0, 2, 5, True)
    assert (vera.logged_yesterday, vera.without_result, vera.by_kind) == (0, 0, Counter())


def test_team_day_of_nobody_is_empty() -> None:
    assert team_day(TeamCounts([], [], [], [])) == []


def test_the_usual_time_is_the_most_frequent_local_time_once_it_is_a_habit() -> None:
    from datetime import datetime, time, timezone

    from reports.dates import usual_time

    utc = timezone.utc
    at = lambda h, m=0: datetime(2026, 11, 20, h, m, tzinfo=utc)  # noqa: E731
    assert usual_time([], "Europe/Moscow") == time(10, 0)
    assert usual_time([at(11), at(11)], "Europe/Moscow") == time(10, 0)  # twice is not yet a habit
    # 11:00 UTC is 14:00 in Moscow; ties go to the earlier time
    assert usual_time([at(11), at(11), at(11), at(6), at(6), at(6), at(8)], "Europe/Moscow") == time(9, 0)
    assert usual_time([at(11, 30)] * 4 + [at(6)] * 3, "Asia/Yekaterinburg") == time(16, 30)
