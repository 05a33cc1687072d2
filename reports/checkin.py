"""Check-ins ("📍 I'm at the client"): how far a shared location is from the client, how the first
check-ins at a client set its location, and each manager's share of meetings checked in within the
radius. Pure functions over plain numbers and what `CheckinRepository` returns."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from db.repositories.checkins import ADMIN, SETTLING, Point, settled

EARTH_RADIUS_M = 6_371_008.8  # the mean radius (IUGG): haversine's error against WGS-84 stays under 0.5%
DEFAULT_RADIUS_M = 500  # a meeting within this distance of the client is checked in (settings: CHECKIN_RADIUS_M)
IN_USE_LOOKBACK = timedelta(days=28)  # check-ins are "in use" when someone checked in this recently

def valid(lat: float, lon: float) -> bool:
    """A point Telegram could send: finite, latitude in [-90, 90], longitude in [-180, 180]."""
    return math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180


def distance_m(a: Point, b: Point) -> float:
    """Great-circle distance in metres (haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True)
class Placement:
    distance_m: float | None  # from the client's location as known before this check-in; None: there was none
    location: Point | None  # the client's location after it, when this check-in moves it (else None)


def place(point: Point, client: Point | None, source: str | None, earlier: list[Point]) -> Placement:
    """Where a check-in at `point` stands against the client: its distance from the location known
    so far, and the client's new location while it is still being settled.

    An admin's location is never moved. Otherwise the client's location is the median (latitude and
    longitude apart) of its first SETTLING check-ins (`earlier`: those before this one, oldest
    first): one check-in made somewhere else (the office, the car park across town) cannot place the
    client there for good, and once settled no later check-in can drag it."""
    distance = distance_m(point, client) if client is not None else None
    if source == ADMIN or len(earlier) >= SETTLING:
        return Placement(distance, None)
    return Placement(distance, settled([*earlier, point]))


def within(distance: float | None, radius: float) -> bool:
    """Checked in at the client: within the radius, or the check-in that first placed the client."""
    return distance is None or distance <= radius


@dataclass(frozen=True)
class Share:
    """One manager's done meetings over a period: how many, checked in within the radius, and
    checked in beyond it (flagged)."""

    meetings: int
    within: int
    beyond: int

    @property
    def share(self) -> float | None:
        return self.within / self.meetings if self.meetings else None

    @property
    def missing(self) -> int:
        return self.meetings - self.within - self.beyond


def shares(rows: list[tuple[int, int, int, int]]) -> dict[int, Share]:
    """(manager, meetings, within, beyond) rows by manager; a manager without meetings is absent."""
    return {manager: Share(n, w, b) for manager, n, w, b in rows if n}


async def counted(repo, ids: list[int], span: tuple[datetime, datetime], radius_m: int, required: bool) -> dict[int, Share]:
    """The managers' shares over the span, only where check-ins are in use: required, or someone
    of `ids` checked in during it or IN_USE_LOOKBACK before. Elsewhere "0 of 3 checked in" would
    read as nobody visiting clients when nobody has started checking in (`repo`: a ReportRepository)."""
    if not ids or not (required or await repo.checked_in(ids, (span[0] - IN_USE_LOOKBACK, span[1]))):
        return {}
    return shares(await repo.checkins(ids, span, radius_m))
