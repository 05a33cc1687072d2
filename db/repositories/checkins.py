"""Check-ins: which meeting a shared location checks in, recording it with its distance from the
client (the first check-ins placing the client), and an admin placing a client by hand."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from db.models import Client, Interaction, Kind, Role, Status, User
from db.repositories.access import AccessDenied, NotFound
from db.repositories.clients import ClientRepository

ADMIN = "admin"
CHECKIN = "checkin"
SETTLING = 3  # the first check-ins at a client that set its location (reports.checkin.place)


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

    async def settling(self, item: Interaction) -> tuple[tuple[float, float] | None, str | None, list[tuple[float, float]]]:
        """What a check-in on the actor's contact `item` is judged against: the client's location
        (None: none yet), where it came from, and the first `settling` check-ins at the client
        before it, oldest first (none when an admin placed the client). Locks the client's row."""
        if item.manager_id != self.actor.id or item.checkin_at is not None:
            raise NotFound
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

    async def record(self, item: Interaction, point: tuple[float, float], now: datetime, distance_m: float | None,
                     client_location: tuple[float, float] | None) -> None:
        """Record the check-in on `item`; `client_location`: the client's location it sets (or None)."""
        item.checkin_lat, item.checkin_lon = point
        item.checkin_at = now
        item.checkin_distance_m = distance_m
        if client_location is not None:
            client = await self.session.get(Client, item.client_id)
            client.lat, client.lon = client_location
            client.location_source = CHECKIN
        await self.session.flush()

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
