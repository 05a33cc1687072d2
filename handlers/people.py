"""A client's contact persons: adding one step by step, correcting a detail, removing one who left."""

from __future__ import annotations

import html
from collections.abc import Callable
from contextlib import suppress
from datetime import date, datetime

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from db.models import ContactPerson, User
from db.repositories import NotFound, Repos
from handlers import labels
from handlers.callbacks import ClientCb, PersonCb, SkipCb
from handlers.filters import FreeText
from handlers.keyboards import Rows, button
from handlers.parsing import ParseError, parse_birthday, parse_email, parse_phone
from handlers.states import AddPerson, EditPerson
from handlers.ui import found, not_found, send, show

PERSON_NAME_MAX, POSITION_MAX = 200, 100
FIELDS = ("name", "position", "phone", "email", "birthday")
PERSON_STEPS = (
    (AddPerson.position, "position"),
    (AddPerson.phone, "phone"),
    (AddPerson.email, "email"),
    (AddPerson.birthday, "birthday"),
)


def parse_field(field: str, text: str, today: date) -> str | date:
    """A typed detail of a person, checked; ParseError with the text when it is not one."""
    text = text.strip()
    if field in ("name", "position"):
        limit = PERSON_NAME_MAX if field == "name" else POSITION_MAX
        if not text or len(text) > limit or text.startswith("/"):
            raise ParseError(text)
        return text
    if field == "phone":
        return parse_phone(text)
    if field == "email":
        return parse_email(text)
    return parse_birthday(text, today)


def field_error(field: str, skip: str) -> str:
    """What to say when a typed detail does not parse; `skip` ends it (Skip, or - to clear)."""
    return {
        "name": _("The person's name must be from 1 to {max} characters. Type it again:").format(max=PERSON_NAME_MAX),
        "position": _("The position must be from 1 to {max} characters. Type it again or {skip}:").format(
            max=POSITION_MAX, skip=skip),
        "phone": _("That does not look like a phone number (e.g. +7 912 345-67-89, or 8 912 345-67-89). Again or {skip}:").format(skip=skip),
        "email": _("That does not look like an e-mail address. Again or {skip}:").format(skip=skip),
        "birthday": _("I could not read the date. Use 25.12 or 25.12.1980. Again or {skip}:").format(skip=skip),
    }[field]


def _field_names() -> dict[str, str]:
    return {
        "name": _("Full name"),
        "position": _("Position"),
        "phone": _("Phone"),
        "email": _("E-mail"),
        "birthday": _("Birthday"),
    }


# ---- adding: name → position → phone → email → birthday, each but the name skippable --------------


def _prompt(step: str) -> str:
    return {
        "name": _("Contact person's name:"),
        "position": _("Position (or Skip):"),
        "phone": _("Phone (or Skip):"),
        "email": _("E-mail (or Skip):"),
        "birthday": _("Birthday, e.g. 25.12 or 25.12.1980 (or Skip):"),
    }[step]


async def add_person(query: CallbackQuery, callback_data: ClientCb, repos: Repos, user: User, state: FSMContext) -> None:
    client = await found(query, repos.clients.get(callback_data.id))
    if client is None:
        return
    await query.answer()
    await state.set_state(AddPerson.name)
    # from a saved contact's "👤 Who was it with?": the new person is linked to that contact too
    link = {"link_to": callback_data.p} if callback_data.p else {}
    await state.set_data({"person_client": client.id, "person": {}, "flow": str(client.id), **link})
    await send(query, _("New contact person for <b>{client}</b>.").format(client=html.escape(client.name)) + "\n" + _prompt("name"))


async def _advance(message: Message, state: FSMContext, repos: Repos, user: User) -> None:
    current = await state.get_state()
    names = [s.state for s, _n in PERSON_STEPS]
    following = PERSON_STEPS[names.index(current) + 1] if current in names[:-1] else None
    if current == AddPerson.name.state:
        following = PERSON_STEPS[0]
    data = await state.get_data()
    if following is None:
        person = data["person"]
        birthday = datetime.fromisoformat(person["birthday"]).date() if person.get("birthday") else None
        try:
            saved = await repos.clients.add_contact_person(
                data["person_client"],
                name=person["name"],
                position=person.get("position"),
                phone=person.get("phone"),
                email=person.get("email"),
                birthday=birthday,
            )
        except NotFound:
            await state.clear()
            await message.answer(_("Not found, or not yours to change."))
            return
        await state.clear()
        text = _("👤 {name} added.").format(name=html.escape(saved.name))
        if data.get("link_to"):
            with suppress(NotFound):  # the contact may have been undone meanwhile
                await repos.interactions.set_person(data["link_to"], saved.id)
                text = _("👤 {name} added; the contact is marked as with them.").format(name=html.escape(saved.name))
        card = Rows().row(button(_("📇 Client card"), ClientCb(a="open", id=data["person_client"])))
        await message.answer(text, reply_markup=card.as_markup())
        return
    step_state, step = following
    await state.set_state(step_state)
    kb = Rows()
    kb.row(button(_("Skip"), SkipCb(f=data["flow"], s=step)))
    await message.answer(_prompt(step), reply_markup=kb.as_markup())


async def person_field(message: Message, state: FSMContext, repos: Repos, user: User, clock: Callable[[], datetime]) -> None:
    field = (await state.get_state()).split(":")[-1]
    if field != "name" and message.text.strip() in ("-", "—", "–"):  # "-" means none, as everywhere
        await _advance(message, state, repos, user)
        return
    try:
        value = parse_field(field, message.text, clock().date())
    except ParseError:
        await message.answer(field_error(field, _("tap Skip")))
        return
    data = await state.get_data()
    stored = value.isoformat() if isinstance(value, date) else value
    await state.update_data(person={**data.get("person", {}), field: stored})
    await _advance(message, state, repos, user)


async def skip_field(query: CallbackQuery, callback_data: SkipCb, state: FSMContext, repos: Repos, user: User) -> None:
    current = await state.get_state()
    data = await state.get_data()
    if current != f"{AddPerson.__name__}:{callback_data.s}" or data.get("flow") != callback_data.f:
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    await query.answer()
    await query.message.edit_reply_markup(reply_markup=None)
    await _advance(query.message, state, repos, user)


# ---- correcting and removing ------------------------------------------------------------------


def _person_view(person: ContactPerson) -> tuple[str, InlineKeyboardMarkup]:
    names = _field_names()
    kb = Rows()
    kb.row(*(button(names[f], PersonCb(a="field", id=person.id, f=f)) for f in FIELDS[:3]))
    kb.row(*(button(names[f], PersonCb(a="field", id=person.id, f=f)) for f in FIELDS[3:]),
           button(_("🗑 Remove"), PersonCb(a="rm", id=person.id)))
    kb.row(button(_("‹ Back"), PersonCb(a="list", id=person.client_id)))
    return "👤 " + labels.person(person) + "\n" + _("What to change?"), kb.as_markup()


async def list_people(query: CallbackQuery, callback_data: ClientCb | PersonCb, repos: Repos, user: User) -> None:
    """From the card, the list comes as a message of its own; from a person, it replaces that view."""
    client = await found(query, repos.clients.card(callback_data.id))
    if client is None:
        return
    await query.answer()
    kb = Rows()
    for person in client.contacts[:40]:
        kb.row(button(person.name[:40] + (f" · {person.position[:20]}" if person.position else ""),
                      PersonCb(a="open", id=person.id)))
    kb.row(button(_("➕ Contact person"), ClientCb(a="person", id=client.id)))
    text = _("Contact persons of <b>{client}</b>: tap one to correct or remove it.").format(client=html.escape(client.name))
    await (send if isinstance(callback_data, ClientCb) else show)(query, text, kb.as_markup())


async def person_action(query: CallbackQuery, callback_data: PersonCb, repos: Repos, user: User, state: FSMContext) -> None:
    repo = repos.clients
    try:
        if callback_data.a == "field" and callback_data.f not in FIELDS:
            raise NotFound
        if callback_data.a == "rmok":
            person, client = await repo.remove_person(callback_data.id)
        else:
            person, client = await repo.person(callback_data.id)
    except NotFound:
        await not_found(query)
        return
    await query.answer()
    if callback_data.a == "open":
        await show(query, *_person_view(person))
    elif callback_data.a == "field":
        await state.set_state(EditPerson.value)
        await state.set_data({"edit_person": person.id, "edit_field": callback_data.f})
        hint = _("Type the new value, or a single dash (-) to clear it:") if callback_data.f != "name" else _("Type the new name:")
        await show(query, f"👤 {html.escape(person.name)} · {_field_names()[callback_data.f]}\n{hint}")
    elif callback_data.a == "rm":
        kb = Rows().row(button(_("🗑 Remove"), PersonCb(a="rmok", id=person.id)),
                        button(_("‹ Back"), PersonCb(a="open", id=person.id)))
        text = _("Remove {name} from {client}? Contacts already logged with them stay in the history.")
        await show(query, text.format(name=html.escape(person.name), client=html.escape(client.name)), kb.as_markup())
    else:
        await show(query, _("🗑 {name} removed.").format(name=html.escape(person.name)),
                   Rows().row(button(_("‹ Back"), PersonCb(a="list", id=client.id))).as_markup())


async def save_person_field(message: Message, state: FSMContext, repos: Repos, user: User,
                            clock: Callable[[], datetime]) -> None:
    data = await state.get_data()
    field = data["edit_field"]
    value = None
    try:
        if message.text.strip() != "-" or field == "name":
            value = parse_field(field, message.text, clock().date())
        person = await repos.clients.set_person_field(data["edit_person"], field, value)
    except ParseError:
        await message.answer(field_error(field, _("- to clear")))
        return
    except NotFound:
        await state.clear()
        await message.answer(_("Not found, or not yours to change."))
        return
    await state.clear()
    text, markup = _person_view(person)
    await message.answer(text, reply_markup=markup)


def setup() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(add_person, ClientCb.filter(F.a == "person"))
    router.message.register(person_field, StateFilter(AddPerson.name), FreeText())
    router.message.register(person_field, StateFilter(AddPerson.position), FreeText())
    router.message.register(person_field, StateFilter(AddPerson.phone), FreeText())
    router.message.register(person_field, StateFilter(AddPerson.email), FreeText())
    router.message.register(person_field, StateFilter(AddPerson.birthday), FreeText())
    router.callback_query.register(skip_field, SkipCb.filter())
    router.callback_query.register(list_people, ClientCb.filter(F.a == "people"))
    router.callback_query.register(list_people, PersonCb.filter(F.a == "list"))
    router.callback_query.register(person_action, PersonCb.filter(F.a.in_({"open", "field", "rm", "rmok"})))
    router.message.register(save_person_field, StateFilter(EditPerson.value), FreeText())
    return router
