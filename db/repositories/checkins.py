"""Check-ins: which meeting a shared location checks in, recording it with its distance from the
client (the first check-ins placing the client), taking back the one a logged meeting made when
it is undone, and an admin placing a client by hand."""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from db.models import Client, Interaction, Kind, Role, Status, User
from db.repositories.access import AccessDenied, NotFound
from db.repositories.clients import ClientRepository

ADMIN = "admin"
CHECKIN = "checkin"
SETTLING = 3  # the first check-ins at a client that set its location (reports.checkin.place)
UNDO = "checkin"  # a logged meeting's `undo` entry: the check-in it made, and the client's location before it

Point = tuple[float, float]  # (latitude, longitude) in degrees


class AlreadyCheckedIn(Exception):
    """The meeting got its check-in meanwhile (another one at the same moment won)."""


def settled(points: list[Point]) -> Point:
    """A client's location from its first check-ins: the median of latitudes and of longitudes
    apart, so one check-in made somewhere else cannot drag it."""
    return statistics.median(p[0] for p in points), statistics.median(p[1] for p in points)


class CheckinRepository:
    def __init__(self, session: AsyncSession, actor: User):
        self.session = session
        self.actor = actor

    def _mine(self):
        return (
            select(Interaction)
            .where(Interaction.manager_id == self.actor.id, Interaction.kind == Kind.MEETING,
                   Interaction.checkin_at.is_(None))
            .options(selectinload(Interaction.client))
        )

    async def target(self, now: datetime, window: timedelta, today: tuple[datetime, datetime]) -> Interaction | None:
        """The meeting a location shared now checks in: the actor's latest meeting logged (and
        happened) within `window` without a check-in; else their meeting planned for today
        (`today`, in UTC) nearest to now without one; else None."""
        since = now - window
        logged = await self.session.scalar(
            self._mine()
            .where(Interaction.status == Status.DONE, Interaction.logged_at >= since, Interaction.happened_at >= since)
            .order_by(Interaction.logged_at.desc(), Interaction.id.desc())
            .limit(1)
        )
        if logged is not None:
            return logged
        planned = list(await self.session.scalars(
            self._mine().where(Interaction.status == Status.PLANNED, Interaction.planned_at >= today[0],
                               Interaction.planned_at < today[1])
        ))
        return min(planned, key=lambda i: (abs(i.planned_at - now), i.id), default=None)

    async def claim(self, item: Interaction, point: Point, now: datetime) -> None:
        """Check in the actor's contact `item` at `point`, unless it got a check-in meanwhile
        (AlreadyCheckedIn): of two at once, the one whose conditional UPDATE comes first wins, the
        other's waits for its row (PostgreSQL) or the write lock (SQLite) and then matches nothing."""
        if item.manager_id != self.actor.id:
            raise NotFound
        values = {"checkin_lat": point[0], "checkin_lon": point[1], "checkin_at": now}
        done = await self.session.execute(
            update(Interaction).where(Interaction.id == item.id, Interaction.checkin_at.is_(None)).values(**values),
            execution_options={"synchronize_session": False},
        )
        if done.rowcount != 1:
            await self.session.refresh(item, ["checkin_lat", "checkin_lon", "checkin_at", "checkin_distance_m"])
            raise AlreadyCheckedIn
        for name, value in values.items():
            set_committed_value(item, name, value)

    async def settling(self, item: Interaction) -> tuple[Point | None, str | None, list[Point]]:
        """What the check-in just claimed on `item` is judged against: the client's location
        (None: none yet), where it came from, and the first `settling` check-ins at the client
        before it, oldest first (none when an admin placed the client). Locks the client's row."""
        client = await self.session.get(Client, item.client_id, with_for_update=True)
        known = (client.lat, client.lon) if client.lat is not None and client.lon is not None else None
        if client.location_source == ADMIN:
            return known, client.location_source, []
        rows = await self.session.execute(
            select(Interaction.checkin_lat, Interaction.checkin_lon)
            .where(Interaction.client_id == client.id, Interaction.checkin_at.is_not(None), Interaction.id != item.id)
            .order_by(Interaction.checkin_at, Interaction.id)
            .limit(SETTLING)
        )
        return known, client.location_source, [(lat, lon) for lat, lon in rows]

    async def record(self, item: Interaction, distance_m: float | None, client_location: Point | None) -> None:
        """Complete the check-in claimed on `item`: its distance, and `client_location`, the
        client's location it sets (or None). A logged meeting notes it in its `undo`."""
        item.checkin_distance_m = distance_m
        entry: dict = {}
        if client_location is not None:
            client = await self.session.get(Client, item.client_id)
            entry["client"] = {"lat": client.lat, "lon": client.lon, "source": client.location_source}
            client.lat, client.lon = client_location
            client.location_source = CHECKIN
        if item.status == Status.DONE:
            item.undo = {**(item.undo or {}), UNDO: entry}
        await self.session.flush()

    async def take_back(self, item: Interaction, entry: dict, client: Client) -> None:
        """Undo the check-in a logged meeting made (its `undo` entry): the check-in goes, and a
        client it placed is placed again by its remaining first check-ins, or as it was before
        any when none is left (only check-ins and admins place a client); an admin's stays."""
        item.checkin_lat = item.checkin_lon = item.checkin_at = item.checkin_distance_m = None
        await self.session.flush()
        before = entry.get("client")
        if before is None or client.location_source != CHECKIN:
            return
        rows = await self.session.execute(
            select(Interaction.checkin_lat, Interaction.checkin_lon)
            .where(Interaction.client_id == client.id, Interaction.checkin_at.is_not(None), Interaction.id != item.id)
            .order_by(Interaction.checkin_at, Interaction.id)
            .limit(SETTLING)
        )
        left = [(lat, lon) for lat, lon in rows]
        if left:
            client.lat, client.lon = settled(left)
        elif before["source"] == CHECKIN:  # placed by check-ins undone before this one: as before them all
            client.lat = client.lon = client.location_source = None
        else:
            client.lat, client.lon, client.location_source = before["lat"], before["lon"], before["source"]

    async def set_client_location(self, client_id: int, point: Point) -> tuple[Client, str | None]:
        """An admin places a client (their location wins over check-ins from then on); the client
        and where its location came from before (None: it had none)."""
        if self.actor.role != Role.ADMIN:
            raise AccessDenied
        client = await ClientRepository(self.session, self.actor).get(client_id)
        before = client.location_source if client.lat is not None else None
        client.lat, client.lon = point
        client.location_source = ADMIN
        await self.session.flush()
        return client, before
