"""Check-ins as people read them: the result of a check-in, a meeting card's line, the required
mode's explanation, and the per-manager shares in reports and the digest."""

from __future__ import annotations

import html
from datetime import datetime

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from babel.numbers import format_decimal, format_percent

from db.models import Interaction, Kind
from db.repositories import Repos
from reports.checkin import Placement, Point, Share, place, within


def distance(metres: float, locale: str) -> str:
    if metres < 1000:
        return _("{count} m").format(count=format_decimal(round(metres), locale=locale))
    return _("{count} km").format(count=format_decimal(round(metres / 1000, 1), format="#,##0.#", locale=locale))


async def check_in(repos: Repos, item: Interaction, point: Point, now: datetime) -> Placement:
    """Record a check-in on the person's meeting `item`, judged against its client's location;
    AlreadyCheckedIn when it got one meanwhile."""
    await repos.checkins.claim(item, point, now)
    placement = place(point, *await repos.checkins.settling(item))
    await repos.checkins.record(item, placement.distance_m, placement.location)
    return placement


def result(placement: Placement, client: str, radius_m: int, locale: str) -> str:
    """What a check-in came to, for the person who made it."""
    name = html.escape(client)
    if placement.distance_m is None:
        return _("📍 Checked in at «{client}». It is the first check-in there: it marks where the client is.").format(client=name)
    if within(placement.distance_m, radius_m):
        return _("📍 Checked in at «{client}»: {distance} from the client.").format(
            client=name, distance=distance(placement.distance_m, locale))
    return _("📍 Check-in recorded, but {distance} from «{client}», farther than {radius}: it is marked as away from "
             "the client. If the client has moved, ask an admin to update its location.").format(
        client=name, distance=distance(placement.distance_m, locale), radius=distance(radius_m, locale))


def card_line(item: Interaction, radius_m: int, locale: str) -> str | None:
    """A saved meeting's line about its check-in: the one made, or how to make it."""
    if item.kind != Kind.MEETING:
        return None
    if item.checkin_at is None:
        return _("📍 At the client? Tap «📍 I'm at the client» in the menu below to check in.")
    if item.checkin_distance_m is None:
        return _("📍 Checked in; the first check-in at this client marks where it is.")
    if within(item.checkin_distance_m, radius_m):
        return _("📍 Checked in: {distance} from the client.").format(distance=distance(item.checkin_distance_m, locale))
    return _("📍 Checked in {distance} from the client: marked as away from it.").format(
        distance=distance(item.checkin_distance_m, locale))


def not_kept(kind: Kind) -> str:
    """The saved card's line on a location shared while logging that did not become the check-in."""
    if kind != Kind.MEETING:
        return _("📍 The location you shared was not kept: only a meeting is checked in, and this contact is not one.")
    return _("📍 The location you shared was not used: this meeting was already checked in.")


def shared_in_flow(kind: str | None) -> str:
    """The answer to a location shared while a contact is being logged, true whatever comes next."""
    if kind is None:
        return _("📍 Location received: if this contact is a meeting, it will be its check-in when you save it. "
                 "Carry on with the buttons above.")
    return _("📍 Location received: it will be this meeting's check-in when you save it. Carry on with the buttons above.")


def required() -> str:
    return _("📍 A meeting is saved only with a check-in. Tap «📍 I'm at the client» in the menu below, then choose "
             "the next contact above again.\n"
             "It works in the Telegram app on a phone, with location (GPS) on and Telegram allowed to use it. "
             "Telegram on a computer cannot send a location: log this meeting from your phone.")


def _pct(value: float, locale: str) -> str:
    return format_percent(value, "#,##0%", locale=locale)


def share_line(item: Share, radius_m: int, locale: str) -> str:
    """'8 of 10 meetings checked in at the client (80%), 1 away (farther than 500 m)'."""
    line = ngettext("{within} of {count} meeting checked in at the client ({share})",
                    "{within} of {count} meetings checked in at the client ({share})", item.meetings).format(
        within=item.within, count=item.meetings, share=_pct(item.share, locale))
    if item.beyond:
        line += ", " + ngettext("{count} away (farther than {radius})", "{count} away (farther than {radius})",
                                item.beyond).format(count=item.beyond, radius=distance(radius_m, locale))
    return line


def location_line(source: str | None) -> str | None:
    """The client card's line on where its location came from."""
    if source == "admin":
        return _("📍 Location: set by an admin")
    if source == "checkin":
        return _("📍 Location: from check-ins")
    return None
