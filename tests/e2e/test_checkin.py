"""'📍 I'm at the client': check-ins inside and outside the radius, the first ones placing the
client, an admin placing one by hand, the required mode, and locations that are not check-ins."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from db.models import AuditEntry, AuditKind, Client, Interaction, Kind, Outcome, Status
from db.repositories import ClientRepository, InteractionRepository, UserRepository
from tests.conftest import ADMIN_TG
from tests.e2e.harness import Person, seed_user

ANNA = 2001
KREMLIN = (55.7520, 37.6175)
NORTH_150_M = (KREMLIN[0] + 150 / 111_195, KREMLIN[1])
EAST_2_KM = (KREMLIN[0], KREMLIN[1] + 2000 / (111_195 * 0.5634))  # cos(55.75°) ≈ 0.5634


@pytest.fixture
async def anna(ladon, sessionmaker, clock) -> Person:
    user = await seed_user(sessionmaker, ANNA, "Anna")
    async with sessionmaker() as session:
        for name in ("Vector", "Romashka LLC"):
            client = await ClientRepository(session, user).create(name)
            await InteractionRepository(session, user).log(
                now=clock() - timedelta(days=3), client_id=client.id, kind=Kind.CALL, outcome=Outcome.THINKING)
        await session.commit()
    person = Person(ladon, ANNA, "Anna")
    await person.say("/start")
    person.taps = 0
    return person


async def _log_meeting(person: Person, client: str, share: tuple[float, float] | None = None) -> None:
    """The budgeted path (📝 → client → 🤝 → ✅ → In a week), sharing the location before the last tap if given."""
    await person.menu("📝 Log a contact")
    await person.tap(client)
    await person.tap("🤝 Meeting")
    await person.tap("✅ Agreed")
    if share:
        [kept] = await person.share_location(*share)
        assert "Location received" in kept.text
    await person.tap("In a week", person.find("In a week"))


async def _client(sessionmaker, name: str) -> Client:
    async with sessionmaker() as session:
        return await session.scalar(select(Client).where(Client.name == name))


async def _meetings(sessionmaker) -> list[Interaction]:
    """Done meetings (their next steps are planned ones)."""
    async with sessionmaker() as session:
        query = select(Interaction).where(Interaction.kind == Kind.MEETING, Interaction.status == Status.DONE)
        query = query.order_by(Interaction.id)
        return list(await session.scalars(query))


async def test_first_checkin_places_the_client_and_an_arrival_checkin_inside_the_radius_counts(
    anna: Person, sessionmaker, clock
) -> None:
    await _log_meeting(anna, "Vector")
    assert anna.taps == 5  # the offer adds no tap
    assert "✅ Saved" in anna.last.text and "Tap «📍 I'm at the client» in the menu below" in anna.last.text
    # neither a forwarded location nor a venue says where she is; the label typed is not a location
    [forwarded] = await anna.send_location(*KREMLIN, forwarded_from=7777)
    assert "This is not a check-in" in forwarded.text
    [venue] = await anna.send("venue", latitude=KREMLIN[0], longitude=KREMLIN[1], title="Vector HQ", address="Tverskaya 1")
    assert "This is not a check-in" in venue.text
    [typed] = await anna.say("📍 I'm at the client")
    assert "only from the Telegram app on a phone" in typed.text
    assert (await _meetings(sessionmaker))[0].checkin_at is None and (await _client(sessionmaker, "Vector")).lat is None
    [placed] = await anna.share_location(*KREMLIN)
    assert "first check-in there" in placed.text
    vector = await _client(sessionmaker, "Vector")
    assert (vector.lat, vector.lon, vector.location_source) == (*KREMLIN, "checkin")
    [first] = await _meetings(sessionmaker)
    assert first.checkin_at is not None and first.checkin_distance_m is None
    [again] = await anna.share_location(*KREMLIN)  # checked in already, nothing else logged or planned
    assert "no meeting to check in" in again.text

    # on arrival for today's planned meeting, then completed in the 3-tap path: the check-in stays with it
    async with sessionmaker() as session:
        owner = await UserRepository(session).by_tg_id(ANNA)
        planned = await InteractionRepository(session, owner).plan(
            client_id=vector.id, kind=Kind.MEETING, planned_at=clock() + timedelta(hours=2))
        await session.commit()
    clock.advance(hours=1)  # the logged meeting is out of the check-in window
    [arrived] = await anna.share_location(*NORTH_150_M)
    assert "Checked in at «Vector»: 150 m from the client." in arrived.text
    [plan] = await anna.say("/today")
    anna.taps = 0
    await anna.tap("✅ 1 Done", plan)
    await anna.tap("✅ Agreed")
    await anna.tap("In a week", anna.find("In a week"))
    assert anna.taps == 3
    assert "📍 Checked in: 150 m from the client." in anna.last.text
    async with sessionmaker() as session:
        done = await session.get(Interaction, planned.id)
    assert done.status == Status.DONE and round(done.checkin_distance_m) == 150
    vector = await _client(sessionmaker, "Vector")
    assert vector.lat == pytest.approx((KREMLIN[0] + NORTH_150_M[0]) / 2)  # the median of the first check-ins


async def test_an_admin_places_a_client_and_a_checkin_beyond_the_radius_is_flagged(
    anna: Person, ladon, sessionmaker
) -> None:
    admin = Person(ladon, ADMIN_TG, "Boss")
    await admin.say("/start")
    await admin.say("/clients")
    await admin.say("Romashka")
    await admin.tap("Romashka LLC")
    await admin.tap("✏️ Edit details")
    await admin.tap("📍 Location")
    [wrong] = await admin.say("95, 37")
    assert "could not read a location" in wrong.text
    [saved] = await admin.say("55,7520 37,6175")  # decimal commas, as Russians type them
    assert "Location of Romashka LLC saved: 55.75200, 37.61750" in saved.text
    romashka = await _client(sessionmaker, "Romashka LLC")
    assert (romashka.lat, romashka.lon, romashka.location_source) == (*KREMLIN, "admin")
    async with sessionmaker() as session:
        [entry] = await session.scalars(select(AuditEntry).where(AuditEntry.kind == AuditKind.LOCATION))
    assert entry.what["client"] == romashka.id and entry.what["before"] is None

    await _log_meeting(anna, "Romashka LLC", share=EAST_2_KM)  # shared while logging: kept with the meeting
    assert anna.taps == 6  # the path's 5 and the optional check-in
    assert "📍 Checked in 2 km from the client: marked as away from it." in anna.find("↩️ Undo").text
    [meeting] = await _meetings(sessionmaker)
    assert meeting.checkin_distance_m == pytest.approx(2000, rel=0.01)
    romashka = await _client(sessionmaker, "Romashka LLC")
    assert (romashka.lat, romashka.lon) == KREMLIN  # an admin's location is never moved by check-ins


async def test_required_checkin_refuses_the_meeting_explains_and_saves_it_once_shared(
    anna: Person, ladon, sessionmaker
) -> None:
    ladon.settings.checkin_required = True
    await anna.menu("📝 Log a contact")
    await anna.tap("Vector")
    await anna.tap("🤝 Meeting")
    await anna.tap("✅ Agreed")
    [refused] = await anna.tap("In a week")
    assert "saved only with a check-in" in refused.text and "on a computer cannot send a location" in refused.text
    assert await _meetings(sessionmaker) == []  # nothing saved
    await anna.share_location(*KREMLIN)
    await anna.tap("In a week", anna.find("In a week"))
    assert "✅ Saved" in anna.find("↩️ Undo").text
    [meeting] = await _meetings(sessionmaker)
    assert meeting.status == Status.DONE and meeting.checkin_at is not None
    # a call needs none; a location shared before the kind is chosen is said not to be kept on the card
    await anna.menu("📝 Log a contact")
    await anna.tap("Romashka LLC")
    [kept] = await anna.share_location(*EAST_2_KM)
    assert "if this contact is a meeting, it will be its check-in" in kept.text
    await anna.tap("📞 Call", anna.find("📞 Call"))
    [refused] = await anna.share_location(*EAST_2_KM)
    assert "This contact is not a meeting: the location is not kept" in refused.text
    await anna.tap("✅ Agreed", anna.find("✅ Agreed"))
    await anna.tap("In a week", anna.find("In a week"))
    card = anna.find("↩️ Undo").text
    assert "✅ Saved" in card and "The location you shared was not kept: only a meeting is checked in" in card
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).where(Interaction.checkin_at.is_not(None))) == 1
        assert (await _client(sessionmaker, "Romashka LLC")).lat is None
