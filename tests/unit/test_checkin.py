"""Check-ins' arithmetic: distance, how the first check-ins place a client, what counts as checked
in, and coordinates typed by an admin."""

from __future__ import annotations

import pytest

from handlers.parsing import ParseError, parse_point
from reports.checkin import Share, distance_m, place, shares, valid, within

MOSCOW = (55.7558, 37.6173)
SPB = (59.9386, 30.3141)


def test_distance_is_the_great_circle_one() -> None:
    assert distance_m(MOSCOW, MOSCOW) == 0
    assert distance_m(MOSCOW, SPB) == pytest.approx(634_000, rel=0.005)  # Moscow to St Petersburg
    assert distance_m((0, 0), (0, 1)) == pytest.approx(111_195, rel=0.001)  # a degree of the equator
    assert distance_m((0, 179.9), (0, -179.9)) == pytest.approx(22_239, rel=0.001)  # across the date line
    assert distance_m((90, 0), (-90, 0)) == pytest.approx(20_015_000, rel=0.001)  # pole to pole


def test_valid_points_are_those_telegram_sends() -> None:
    assert valid(90, 180) and valid(-90, -180)
    assert not valid(90.01, 0) and not valid(0, -180.5) and not valid(float("nan"), 0)


def test_the_first_checkins_place_the_client_by_their_median_and_then_it_stays() -> None:
    office = (55.70, 37.50)  # one check-in made elsewhere
    first = place(office, None, None, [])
    assert first.distance_m is None and first.location == office  # nothing to measure against yet
    second = place(MOSCOW, office, "checkin", [office])
    assert second.distance_m == pytest.approx(distance_m(MOSCOW, office)) and second.location is not None
    near = (MOSCOW[0] + 0.001, MOSCOW[1])
    third = place(near, second.location, "checkin", [office, MOSCOW])
    assert third.location == (MOSCOW[0], MOSCOW[1])  # the odd one out does not place the client
    settled = place(SPB, third.location, "checkin", [office, MOSCOW, near])
    assert settled.location is None and settled.distance_m > 600_000  # later ones cannot drag it


def test_an_admins_location_is_never_moved() -> None:
    result = place(SPB, MOSCOW, "admin", [])
    assert result.location is None and result.distance_m == pytest.approx(distance_m(SPB, MOSCOW))


def test_within_the_radius_or_placing_the_client_counts_as_checked_in() -> None:
    assert within(None, 500) and within(500, 500) and not within(500.1, 500)


def test_shares_per_manager() -> None:
    result = shares([(1, 10, 8, 1), (2, 0, 0, 0)])
    assert result == {1: Share(10, 8, 1)}  # nobody without meetings
    assert result[1].share == 0.8 and result[1].missing == 1


@pytest.mark.parametrize(("typed", "point"), [
    ("55.7558, 37.6173", (55.7558, 37.6173)),
    ("55,7558 37,6173", (55.7558, 37.6173)),
    ("55,7558; 37,6173", (55.7558, 37.6173)),
    ("-33.86 151.21", (-33.86, 151.21)),
    ("55.7558° 37.6173°", (55.7558, 37.6173)),
])
def test_typed_coordinates(typed: str, point: tuple[float, float]) -> None:
    assert parse_point(typed) == point


@pytest.mark.parametrize("typed", ["95, 37", "55.75", "55.75, 37.62, 10", "Moscow", "55.75, 200", ""])
def test_coordinates_that_are_refused(typed: str) -> None:
    with pytest.raises(ParseError):
        parse_point(typed)
