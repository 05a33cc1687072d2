"""Check-ins on both backends: undoing a logged meeting takes back its check-in and the client's
location it set, and of two check-ins on one meeting at once only one is recorded."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest

from db.models import Client, Interaction, Kind, Outcome, Status
from db.repositories import ClientRepository, InteractionRepository, Repos
from db.repositories.checkins import AlreadyCheckedIn
from handlers.checkin_view import check_in
from tests.db.test_repositories import _people

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc)
WINDOW = timedelta(minutes=10)
A, B, C = (55.750, 37.610), (55.752, 37.614), (55.754, 37.618)


async def _where(session, client_id: int) -> tuple:
    client = await session.get(Client, client_id, populate_existing=True)
    return client.lat, client.lon, client.location_source


async def test_undoing_a_meeting_takes_back_its_checkin_and_the_client_location_it_set(sessionmaker) -> None:
    async with sessionmaker() as session:
        anna, *_ = await _people(session)
        repos, log = Repos(session, anna), InteractionRepository(session, anna)
        client = await ClientRepository(session, anna).create("Ромашка")
        meeting = dict(client_id=client.id, kind=Kind.MEETING, outcome=Outcome.THINKING)

        first = await log.log(now=NOW, **meeting)
        await check_in(repos, first, A, NOW)
        second = await log.log(now=NOW + timedelta(minutes=1), **meeting)
        await check_in(repos, second, B, NOW + timedelta(minutes=1))
        assert await _where(session, client.id) == pytest.approx((55.751, 37.612, "checkin"))  # the median of two
        await log.undo(first.id, NOW + timedelta(minutes=2), WINDOW)
        assert await _where(session, client.id) == (*B, "checkin")  # placed by the check-in that is left
        await log.undo(second.id, NOW + timedelta(minutes=2), WINDOW)
        assert await _where(session, client.id) == (None, None, None)  # as it was before any

        # a plan checked in on arrival keeps that check-in when the meeting completing it is undone;
        # one made while logging it goes with the meeting
        plan = await log.plan(client_id=client.id, kind=Kind.MEETING, planned_at=NOW + timedelta(hours=1))
        await check_in(repos, plan, C, NOW)
        done = await log.log(now=NOW, planned_id=plan.id, **meeting)
        await log.undo(done.id, NOW, WINDOW)
        assert (plan.status, plan.checkin_lat, plan.checkin_lon) == (Status.PLANNED, *C)
        later = await log.plan(client_id=client.id, kind=Kind.MEETING, planned_at=NOW + timedelta(hours=2))
        done = await log.log(now=NOW, planned_id=later.id, **meeting)
        await check_in(repos, done, A, NOW + timedelta(minutes=3))
        assert await _where(session, client.id) == pytest.approx((55.752, 37.614, "checkin"))  # the median of C and A
        await log.undo(done.id, NOW, WINDOW)
        assert (later.status, later.checkin_at, later.checkin_distance_m) == (Status.PLANNED, None, None)
        assert await _where(session, client.id) == (*C, "checkin")
        await session.commit()


async def test_two_checkins_on_one_meeting_at_once_record_one(sessionmaker) -> None:
    async with sessionmaker() as session:
        anna, *_ = await _people(session)
        client = await ClientRepository(session, anna).create("Ромашка")
        meeting = await InteractionRepository(session, anna).log(
            now=NOW, client_id=client.id, kind=Kind.MEETING, outcome=Outcome.THINKING)
        await session.commit()
    async with sessionmaker() as first, sessionmaker() as second:
        # both found the meeting without a check-in before either recorded one
        mine, theirs = await first.get(Interaction, meeting.id), await second.get(Interaction, meeting.id)
        await check_in(Repos(first, anna), mine, A, NOW)  # not committed yet
        other = asyncio.create_task(check_in(Repos(second, anna), theirs, C, NOW))
        await asyncio.sleep(0.2)  # the second one waits for the meeting's row (the write lock on SQLite)
        await first.commit()
        with pytest.raises(AlreadyCheckedIn):
            await other
        assert (theirs.checkin_lat, theirs.checkin_lon) == A  # it sees the winner's, for what it tells
        await second.commit()
    async with sessionmaker() as session:
        item = await session.get(Interaction, meeting.id)
        assert (item.checkin_lat, item.checkin_lon) == A
        assert await _where(session, client.id) == (*A, "checkin")
