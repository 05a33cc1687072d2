"""The verified-meeting rate: of the call-back checks where the client was reached, the share
confirmed, with its Wilson interval (clients who could not be reached are counted, not judged)."""

from __future__ import annotations

from db.repositories.callbacks import Marks
from reports.analytics import wilson

WEEKS = 13  # the digest's rate: the checks of about a quarter's meetings


def rate(marks: Marks) -> float | None:
    return marks.confirmed / marks.reached if marks.reached else None


def interval(marks: Marks) -> tuple[float, float] | None:
    return wilson(marks.confirmed, marks.reached)


def pooled(marks: dict[int, Marks]) -> float | None:
    confirmed = sum(m.confirmed for m in marks.values())
    reached = sum(m.reached for m in marks.values())
    return confirmed / reached if reached else None


def verified_meetings(meetings: dict[int, int], marks: dict[int, Marks]) -> dict[int, float]:
    """Meetings weighted by their manager's verified rate: what a ranking on verified meetings
    reads. A manager without reached checks yet is weighted by everyone's rate (or 1 with none)."""
    everyone = pooled(marks)
    default = 1.0 if everyone is None else everyone
    result = {}
    for manager_id, count in meetings.items():
        mine = rate(marks[manager_id]) if manager_id in marks else None
        result[manager_id] = count * (default if mine is None else mine)
    return result
