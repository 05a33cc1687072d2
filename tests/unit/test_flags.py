"""Flags on constructed meetings: each rule fires on what it names and not on ordinary work."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from db.models import Kind
from reports.flags import Contact, Flag, Note, findings, summaries

MSK = "Europe/Moscow"  # UTC+3
SPAN = (datetime(2026, 3, 9, tzinfo=timezone.utc), datetime(2026, 3, 16, tzinfo=timezone.utc))


def _at(day: int, hour: float) -> datetime:
    """Moscow local time on a day of March 2026, in UTC."""
    return datetime(2026, 3, day, tzinfo=timezone.utc) + timedelta(hours=hour - 3)


def _meeting(id_: int, day: int, hour: float, logged_after: float = 0.3, manager: int = 1, client: int | None = None,
             kind: Kind = Kind.MEETING, checked_in: bool = False) -> Contact:
    happened = _at(day, hour)
    return Contact(id_, manager, kind, client or id_, happened, happened + timedelta(hours=logged_after), checked_in)


def _flags(found, meeting_id: int) -> set[Flag]:
    return {f.flag for f in found.get(meeting_id, [])}


def test_late_night_batches_and_long_delays_are_flagged_by_the_manager_s_clock() -> None:
    contacts = [
        # Tuesday: three meetings and a call of the day logged between 23:10 and 23:25
        _meeting(1, 10, 10, logged_after=13 + 1 / 6), _meeting(2, 10, 12, logged_after=11.25),
        _meeting(3, 10, 15, logged_after=8.3), _meeting(4, 10, 16, logged_after=7.4, kind=Kind.CALL),
        # Wednesday: written up in the evening, not at night; Thursday: two days later
        _meeting(5, 11, 10, logged_after=9), _meeting(6, 12, 10, logged_after=50),
        # a colleague in Yekaterinburg (UTC+5) logs at 21:30 Moscow time: 23:30 by her clock, but one a night
        _meeting(7, 10, 9, logged_after=12.5, manager=2),
    ]
    found = findings(contacts, [], {1: MSK, 2: "Asia/Yekaterinburg"}, SPAN, checkins_in_use=False)
    batch = found[1][0]
    assert batch.flag == Flag.NIGHT_BATCH and batch.count == 4
    assert (batch.first, batch.last) == (_at(10, 23 + 1 / 6), _at(10, 23.4))
    assert _flags(found, 2) == _flags(found, 3) == {Flag.NIGHT_BATCH}
    assert 4 not in found  # a call is part of the batch but only meetings are flagged
    assert 5 not in found and 7 not in found
    assert _flags(found, 6) == {Flag.LATE} and found[6][0].delay == timedelta(hours=50)
    summary = summaries([1, 2], contacts, found, SPAN)
    assert summary[1].meetings == 5 and summary[1].flagged == {Flag.NIGHT_BATCH: 3, Flag.LATE: 1}
    assert not summary[2].any


def test_more_meetings_a_day_than_plausible_and_copied_notes() -> None:
    crowded = [_meeting(n, 10, 9 + n * 0.7) for n in range(1, 9)]  # eight meetings on Tuesday
    usual = [_meeting(20 + n, 11, 9 + n * 1.5, manager=2) for n in range(6)]  # six: a busy, possible day
    text = "Встретились с директором по закупкам, обсудили объёмы на второй квартал и отсрочку 30 дней"
    notes = [
        Note(1, 1, 1, "Вектор", _at(10, 9.7), text),
        Note(2, 1, 2, "Альфа", _at(10, 10.4), text.replace("30 дней", "45 дней") + "."),  # another client: copied
        Note(20, 2, 20, "Бета", _at(11, 9), text),
        Note(21, 2, 20, "Бета", _at(11, 11), text),  # the same client's follow-up: not a copy
        Note(22, 2, 22, "Гамма", _at(11, 12), "Не удалось дозвониться"),
        Note(23, 2, 23, "Дельта", _at(11, 13), "Не удалось дозвониться"),  # short stock phrases repeat honestly
    ]
    found = findings(crowded + usual, notes, {1: MSK, 2: MSK}, SPAN, checkins_in_use=False)
    too_many = next(f for f in found[5] if f.flag == Flag.TOO_MANY)
    assert too_many.count == 8 and too_many.day.isoformat() == "2026-03-10"
    assert all(Flag.TOO_MANY in _flags(found, n) for n in range(1, 9))
    copied = next(f for f in found[2] if f.flag == Flag.COPIED_NOTE)
    assert copied.other_client == "Вектор" and copied.ratio >= 90
    assert next(f for f in found[1] if f.flag == Flag.COPIED_NOTE).other_client == "Альфа"
    assert not any(found.get(20 + n) for n in range(6))
    assert summaries([1], crowded, found, SPAN)[1].crowded_days == 1


def test_a_missing_check_in_counts_only_where_check_ins_are_in_use() -> None:
    contacts = [_meeting(1, 10, 10), _meeting(2, 10, 12, checked_in=True), _meeting(3, 1, 10)]  # 3: before the span
    assert findings(contacts, [], {1: MSK}, SPAN, checkins_in_use=False) == {}
    found = findings(contacts, [], {1: MSK}, SPAN, checkins_in_use=True)
    assert set(found) == {1} and _flags(found, 1) == {Flag.NO_CHECKIN}
