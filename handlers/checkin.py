"""'📍 I'm at the client': a location shared from the menu's request_location button checks in a
meeting. While a contact is being logged it is kept with that contact; else it checks in the
person's meeting logged in the last CHECKIN_WINDOW, or their meeting planned for today nearest in
time (a check-in on arrival, kept when the meeting is logged). An admin places a client by hand.

Refused: a forwarded location (someone else's, or an old one) and a venue (a place picked from a
list or the map): neither says where the person is now. Telegram cannot tell a point picked on the
map from the phone's own position when sent as a bare location; the request_location button sends
the phone's position, and a live location counts by its first point (its later edits are not read).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime, timedelta

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.filters import StateFilter
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.settings import Settings
from db.models import AuditKind, Kind, Role, User
from db.repositories import NotFound, Repos
from db.repositories.checkins import AlreadyCheckedIn
from handlers import checkin_view, labels
from handlers.callbacks import ClientCb
from handlers.filters import FreeText, Magic, MenuButton, RoleIn
from handlers.keyboards import main_menu
from handlers.parsing import ParseError, parse_point
from handlers.states import ClientLocation, LogContact
from handlers.ui import found
from reports.checkin import valid
from reports.dates import day_bounds, local_today

CHECKIN_WINDOW = timedelta(minutes=30)  # a location shared this long after logging a meeting checks it in
_FLOW = frozenset(s.state for s in LogContact.__all_states__)


def _point(message: Message) -> tuple[float, float] | None:
    loc = message.location
    return (loc.latitude, loc.longitude) if valid(loc.latitude, loc.longitude) else None


async def shared(message: Message, state: FSMContext, repos: Repos, user: User, clock: Callable[[], datetime],
                 settings: Settings, i18n: I18n) -> None:
    if message.forward_origin is not None or message.venue is not None:
        await message.answer(_("📍 This is not a check-in: a forwarded location or a place chosen from a list does not "
                               "show where you are. At the client, tap «📍 I'm at the client» in the menu below."))
        return
    point = _point(message)
    if point is None:
        await message.answer(_("📍 I could not read this location. Tap «📍 I'm at the client» in the menu below again."))
        return
    now = clock()
    if await state.get_state() in _FLOW:
        kind = (await state.get_data()).get("kind")
        if kind is not None and kind != Kind.MEETING.value:
            await message.answer(_("📍 This contact is not a meeting: the location is not kept, only a meeting is "
                                   "checked in. Carry on with the buttons above."))
            return
        await state.update_data(checkin={"lat": point[0], "lon": point[1], "at": now.isoformat()})
        await message.answer(checkin_view.shared_in_flow(kind))
        return
    today = day_bounds(local_today(now, user.timezone), user.timezone)
    item = await repos.checkins.target(now, CHECKIN_WINDOW, today)
    if item is None:
        await message.answer(_("📍 There is no meeting to check in: none logged in the last {minutes} minutes and none "
                               "planned for today. Log the meeting (📝 Log a contact), and share the location while "
                               "logging it or right after.").format(minutes=int(CHECKIN_WINDOW.total_seconds() // 60)),
                             reply_markup=main_menu(user))
        return
    try:
        placement = await checkin_view.check_in(repos, item, point, now)
    except AlreadyCheckedIn:  # another check-in at the same moment won
        await message.answer(_("📍 The meeting at «{client}» is already checked in.").format(
            client=html.escape(item.client.name)))
        return
    await message.answer(checkin_view.result(placement, item.client.name, settings.checkin_radius_m, i18n.current_locale))


async def typed_label(message: Message) -> None:
    """The button's label arrived as text: typed, or from a client that cannot send a location."""
    await message.answer(_("📍 The «📍 I'm at the client» button sends your location, and only from the Telegram app "
                           "on a phone, with location (GPS) on. Telegram on a computer cannot send it: check in from "
                           "your phone."))


# ---- an admin places a client ---------------------------------------------------------------


async def ask_location(query: CallbackQuery, callback_data: ClientCb, repos: Repos, state: FSMContext) -> None:
    client = await found(query, repos.clients.get(callback_data.id))
    if client is None:
        return
    await query.answer()
    await state.set_state(ClientLocation.point)
    await state.set_data({"loc_client": client.id})
    await query.message.answer(_("📍 Where is <b>{client}</b>? Send its location (📎 → Location, a point on the map), "
                                 "or type its coordinates: 55.7558, 37.6173. /cancel to keep it as it is.").format(
        client=html.escape(client.name)))


async def set_location(message: Message, state: FSMContext, repos: Repos, user: User) -> None:
    if message.location is not None:  # an admin may pick a point on the map, or forward one
        point = _point(message)
    else:
        try:
            point = parse_point(message.text)
        except ParseError:
            point = None
    if point is None:
        await message.answer(_("I could not read a location. Send it (📎 → Location), or type latitude and longitude: "
                               "55.7558, 37.6173. /cancel to keep it as it is."))
        return
    client_id = (await state.get_data()).get("loc_client")
    try:
        client, before = await repos.checkins.set_client_location(client_id, point)
    except NotFound:
        await state.clear()
        await message.answer(_("Not found, or not yours to change."))
        return
    await repos.audit.record(AuditKind.LOCATION, {"client": client.id, "lat": round(point[0], 6), "lon": round(point[1], 6),
                                                  "before": before})
    await state.clear()
    await message.answer(_("📍 Location of <b>{client}</b> saved: {lat:.5f}, {lon:.5f}. Check-ins there are measured "
                           "from it from now on.").format(client=html.escape(client.name), lat=point[0], lon=point[1]),
                         reply_markup=main_menu(user))


def setup() -> Router:
    router = Router(name=__name__)
    admin = RoleIn(Role.ADMIN)
    router.callback_query.register(ask_location, ClientCb.filter(F.a == "loc"), admin)
    router.message.register(set_location, StateFilter(ClientLocation.point), admin, Magic(F.location))
    router.message.register(set_location, StateFilter(ClientLocation.point), admin, FreeText())
    router.message.register(shared, Magic(F.location))
    router.message.register(typed_label, MenuButton(labels.MENU_CHECKIN))
    return router
