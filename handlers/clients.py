"""Finding a client, the client card with its full history, editing its details."""

from __future__ import annotations

import html

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.settings import Settings
from db.models import AuditKind, Client, ClientStatus, Interaction, Role, Status, User
from db.repositories import NotFound, Repos
from db.repositories.clients import NAME_MAX, ClientRepository, TakenInn, clean_name
from handlers import labels
from handlers.callbacks import ClientCb, EditCb
from handlers.checkin_view import location_line
from handlers.filters import FreeText, MenuButton
from handlers.keyboards import Rows, button
from handlers.limits import within_limit
from handlers.logging_steps import start_for_client
from handlers.parsing import ParseError, parse_inn, plain_digits
from handlers.scores import card_line
from handlers.states import EditClient, FindClient
from handlers.ui import TEXT_LIMIT, fits, found, not_found, send, show
from reports.formatting import when

HISTORY_PAGE = 10  # contacts per page of history, and on the card (notes make lines long)
NOTE_SHOWN = 200  # of a contact's note, the card and history show this much
CARD_PEOPLE_BUDGET = 2600  # of the card's 4,096 characters, contact persons take at most this much


async def ask_query(message: Message, state: FSMContext) -> None:
    await state.set_state(FindClient.query)
    await message.answer(_("Type two or more letters of the client's name, or four or more digits of its INN:"))


async def find(message: Message, repos: Repos, user: User, settings: Settings, i18n: I18n) -> None:
    typed = clean_name(message.text)
    if len(typed) < 2 or len(typed) > NAME_MAX:
        await message.answer(_("Type from 2 to {max} characters of the client's name.").format(max=NAME_MAX))
        return
    if not await within_limit(message, repos, user, settings, i18n, AuditKind.SEARCH, {"q": typed}):
        return
    matches = await repos.clients.search(plain_digits(typed))
    await repos.audit.record("search", {"q": typed, "found": len(matches)})
    if not matches:
        await message.answer(_("Nobody found for «{query}». Try another spelling:").format(query=html.escape(typed)))
        return
    kb = Rows()
    for match in matches:
        kb.row(button(match.name[:60], ClientCb(a="open", id=match.client_id)))
    await message.answer(_("Found for «{query}»:").format(query=html.escape(typed)), reply_markup=kb.as_markup())


async def render_card(repos: Repos, user: User, client: Client, locale: str) -> str:
    tz = user.timezone
    lines = [f"📇 <b>{html.escape(client.name)}</b> · {labels.client_status(client.status)}"]
    details = [
        (_("INN"), client.inn),
        (_("Industry"), client.industry),
        (_("City"), client.city),
        (_("Address"), client.address),
        (_("Manager"), client.owner.full_name),
    ]
    lines += [f"{name}: {html.escape(value)}" for name, value in details if value]
    if located := location_line(client.location_source if client.lat is not None else None):
        lines.append(located)
    if client.notes:
        lines.append(_("Notes: {notes}").format(notes=html.escape(client.notes[:500])))
    lines.append("")
    lines.append(_("<b>Contact persons</b>") if client.contacts else _("No contact persons yet."))
    # The card is one message: what does not fit stays a tap away (👥, 📜), said so, never cut.
    people = ["• " + labels.person(person) for person in client.contacts]
    shown = _fitting(lines, people, CARD_PEOPLE_BUDGET)
    lines += shown
    if len(shown) < len(people):
        more = len(people) - len(shown)
        lines.append(ngettext("…and {count} more in 👤 Contact persons.", "…and {count} more in 👤 Contact persons.",
                              more).format(count=more))
    history, total = await repos.interactions.history(client.id, HISTORY_PAGE)
    upcoming = [i for i in history if i.status == Status.PLANNED]
    if upcoming:
        step = min(upcoming, key=lambda i: i.planned_at)
        lines += ["", _("➡️ Next step: {kind}, {when}").format(kind=labels.kind(step.kind), when=when(step.planned_at, tz, locale))]
    if chance := await card_line(repos, client.id, bool(upcoming)):
        lines += [chance] if upcoming else ["", chance]
    if not total:
        return "\n".join([*lines, "", _("No contacts yet.")])
    heading = _("<b>History</b> ({shown} of {total})")
    past = _fitting([*lines, "", heading.format(shown=total, total=total)], [history_line(i, tz, locale) for i in history])
    return "\n".join([*lines, "", heading.format(shown=len(past), total=total), *past])


def _fitting(above: list[str], lines: list[str], limit: int = TEXT_LIMIT) -> list[str]:
    """As many of `lines`, from the first, as fit under `above` within `limit`."""
    kept: list[str] = []
    for line in lines:
        if not fits([*above, *kept, line], limit):
            break
        kept.append(line)
    return kept


def history_line(item: Interaction, tz: str, locale: str) -> str:
    moment = item.happened_at or item.planned_at or item.created_at
    line = f"{when(moment, tz, locale)} · {labels.kind(item.kind)}"
    if item.status == Status.PLANNED:
        line += " · " + _("planned")
    elif item.status == Status.CANCELLED:
        line += " · " + _("cancelled")
    line += labels.result(item, locale)
    if item.contact_person:
        line += f" · 👤 {html.escape(item.contact_person.name[:60])}"
    if item.note:
        line += f"\n   📝 {html.escape(item.note[:NOTE_SHOWN])}" + ("…" if len(item.note) > NOTE_SHOWN else "")
    if item.voice_file_id:
        line += " 🎤"
    if item.photo_file_ids:
        line += f" 📷 {len(item.photo_file_ids)}"
    return line


def render_history(client: Client, items: list[Interaction], total: int, page: int, user: User, locale: str):
    """One page of a client's whole history, newest first, with buttons to page through it."""
    pages = max(1, -(-total // HISTORY_PAGE))
    head = f"📜 <b>{html.escape(client.name)}</b>"
    if not total:
        lines = [head, _("No contacts yet.")]
    else:
        first = page * HISTORY_PAGE + 1
        lines = [head + " · " + _("contacts {first}–{last} of {total}, newest first").format(
            first=first, last=first + len(items) - 1, total=total)]
        lines += [history_line(item, user.timezone, locale) for item in items]
    kb = Rows()
    nav = []
    if page > 0:
        nav.append(button(_("‹ Newer"), ClientCb(a="hpage", id=client.id, p=page - 1)))
    if page < pages - 1:
        nav.append(button(_("Older ›"), ClientCb(a="hpage", id=client.id, p=page + 1)))
    if nav:
        kb.row(*nav)
    if any(item.photo_file_ids for item in items):
        kb.row(button(_("📷 Show the photos"), ClientCb(a="photos", id=client.id)))
    kb.row(button(_("📇 Client card"), ClientCb(a="open", id=client.id)))
    return "\n".join(lines), kb.as_markup()  # ten lines of bounded length: always fits


STATUS_ACTIONS = {"s_lead": ClientStatus.LEAD, "s_active": ClientStatus.ACTIVE, "s_lost": ClientStatus.LOST}


def card_markup(client: Client):
    kb = Rows()
    kb.row(button(_("📝 Log a contact"), ClientCb(a="log", id=client.id)))
    kb.row(
        button(_("➕ Contact person"), ClientCb(a="person", id=client.id)),
        button(_("📜 Full history"), ClientCb(a="history", id=client.id)),
    )
    kb.row(*(
        button(("• " if client.status == status else "") + labels.client_status(status), ClientCb(a=action, id=client.id))
        for action, status in STATUS_ACTIONS.items()
    ))
    edit = [button(_("✏️ Edit details"), ClientCb(a="edit", id=client.id))]
    if client.contacts:
        edit.append(button(_("👤 Contact persons"), ClientCb(a="people", id=client.id)))
    kb.row(*edit)
    return kb.as_markup()


def _field_names() -> dict[str, str]:
    return {
        "name": _("Name"),
        "inn": _("INN"),
        "industry": _("Industry"),
        "city": _("City"),
        "address": _("Address"),
        "notes": _("Notes"),
    }


async def pick_field(query: CallbackQuery, callback_data: ClientCb, repos: Repos, user: User) -> None:
    client = await found(query, repos.clients.get(callback_data.id))
    if client is None:
        return
    await query.answer()
    kb = InlineKeyboardBuilder()
    for field, name in _field_names().items():
        kb.button(text=name, callback_data=EditCb(f=field, id=client.id))
    if user.role == Role.ADMIN:  # where the client is: check-ins are measured from it
        kb.button(text=_("📍 Location"), callback_data=ClientCb(a="loc", id=client.id))
    kb.adjust(3)
    await send(query, _("What to change for <b>{client}</b>?").format(client=html.escape(client.name)), kb.as_markup())


async def ask_value(query: CallbackQuery, callback_data: EditCb, repos: Repos, user: User, state: FSMContext) -> None:
    if callback_data.f not in ClientRepository.EDITABLE:
        await not_found(query)
        return
    client = await found(query, repos.clients.get(callback_data.id))
    if client is None:
        return
    await query.answer()
    await state.set_state(EditClient.value)
    await state.set_data({"edit_client": client.id, "edit_field": callback_data.f})
    hint = _("Type the new value, or a single dash (-) to clear it:") if callback_data.f != "name" else _("Type the new name:")
    await show(query, f"<b>{html.escape(client.name)}</b> · {_field_names()[callback_data.f]}\n{hint}")


async def save_value(message: Message, repos: Repos, user: User, state: FSMContext, i18n: I18n) -> None:
    data = await state.get_data()
    field = data["edit_field"]
    # notes keep their line breaks; other details are one line
    text = message.text.strip() if field == "notes" else " ".join(message.text.split())
    limit = ClientRepository.EDITABLE[field]
    value: str | None = None if text == "-" and field != "name" else text
    try:
        if value is not None and field == "inn":
            value = parse_inn(value)
        if value is not None and not 1 <= len(value) <= limit:
            raise ParseError(text)
        client = await repos.clients.set_field(data["edit_client"], field, value)
    except TakenInn as taken:
        await message.answer(await _inn_taken(repos, user, taken))
        return
    except ParseError:
        if field == "inn":
            await message.answer(_("That is not a valid INN: 10 digits for a company, 12 for a person, with correct check digits. Again, or - to clear:"))
        else:
            await message.answer(_("From 1 to {max} characters, please. Type it again:").format(max=limit))
        return
    except (NotFound, ValueError):
        await state.clear()
        await message.answer(_("Not found, or not yours to change."))
        return
    await state.clear()
    client = await repos.clients.card(client.id)
    await message.answer(await render_card(repos, user, client, i18n.current_locale), reply_markup=card_markup(client))


async def _inn_taken(repos: Repos, user: User, taken: TakenInn) -> str:
    """Whoever may see the other card is told which it is; a manager only that the company has it."""
    if taken.holder is not None:
        return _("This INN is already on «{name}» (manager: {owner}): one company should have one card, so check "
                 "with your head who keeps it. Another INN, or - to clear:").format(
            name=html.escape(taken.holder.name), owner=html.escape(taken.holder.owner.full_name))
    heads = await repos.users.heads_of(user)
    if heads:
        return _("This INN is already in the company's base, on a colleague's card: one company should have one "
                 "card. Ask {head} who keeps it. Another INN, or - to clear:").format(
            head=", ".join(html.escape(h.full_name) for h in heads[:3]))
    return _("This INN is already in the company's base, on a colleague's card: one company should have one "
             "card. Ask your head who keeps it. Another INN, or - to clear:")


async def set_status(query: CallbackQuery, callback_data: ClientCb, repos: Repos, user: User, i18n: I18n) -> None:
    repo = repos.clients
    try:
        client = await repo.set_status(callback_data.id, STATUS_ACTIONS[callback_data.a])
        client = await repo.card(client.id)
    except NotFound:
        await not_found(query)
        return
    await query.answer(labels.client_status(client.status))
    await show(query, await render_card(repos, user, client, i18n.current_locale), card_markup(client))


async def open_card(query: CallbackQuery, callback_data: ClientCb, repos: Repos, user: User, i18n: I18n,
                    state: FSMContext, settings: Settings) -> None:
    if not await within_limit(query, repos, user, settings, i18n, AuditKind.CARD, {"client": callback_data.id}):
        return
    client = await found(query, repos.clients.card(callback_data.id))
    if client is None:
        return
    await repos.audit.record("card", {"client": client.id})
    await query.answer()
    if await state.get_state() == FindClient.query.state:
        await state.clear()  # found: later text is not another search
    await send(query, await render_card(repos, user, client, i18n.current_locale), card_markup(client))


async def open_history(query: CallbackQuery, callback_data: ClientCb, repos: Repos, user: User, i18n: I18n) -> None:
    """From the card, the history comes as a message of its own; paging then redraws it in place."""
    history = repos.interactions.history_page(callback_data.id, callback_data.p, HISTORY_PAGE)
    found_page = await found(query, history)
    if found_page is None:
        return
    await query.answer()
    text, markup = render_history(*found_page, user, i18n.current_locale)
    await (send if callback_data.a == "history" else show)(query, text, markup)


async def show_photos(query: CallbackQuery, callback_data: ClientCb, repos: Repos, user: User, i18n: I18n) -> None:
    """The photos kept with a client's contacts, sent again by their Telegram file ids."""
    photos = await found(query, repos.interactions.photos_of(callback_data.id))
    if photos is None:
        return
    if not photos:
        await query.answer(_("No photos are kept with this client's contacts."), show_alert=True)
        return
    await query.answer()
    for item, photo in photos:
        moment = item.happened_at or item.planned_at or item.created_at
        caption = f"{when(moment, user.timezone, i18n.current_locale)} · {labels.kind(item.kind)}"
        await query.bot.send_photo(query.from_user.id, photo, caption=caption)


async def log_for_client(query: CallbackQuery, callback_data: ClientCb, repos: Repos, user: User, state: FSMContext) -> None:
    client = await found(query, repos.clients.get(callback_data.id))
    if client is None:
        return
    await query.answer()
    await start_for_client(query, state, client.id, client.name)


def setup() -> Router:
    router = Router(name=__name__)
    router.message.register(ask_query, Command("clients"))
    router.message.register(ask_query, MenuButton(labels.MENU_CLIENTS))
    router.message.register(find, StateFilter(FindClient.query), FreeText())
    router.callback_query.register(pick_field, ClientCb.filter(F.a == "edit"))
    router.callback_query.register(ask_value, EditCb.filter())
    router.message.register(save_value, StateFilter(EditClient.value), FreeText())
    router.callback_query.register(set_status, ClientCb.filter(F.a.in_(set(STATUS_ACTIONS))))
    router.callback_query.register(open_card, ClientCb.filter(F.a == "open"))
    router.callback_query.register(open_history, ClientCb.filter(F.a.in_({"history", "hpage"})))
    router.callback_query.register(log_for_client, ClientCb.filter(F.a == "log"))
    router.callback_query.register(show_photos, ClientCb.filter(F.a == "photos"))
    return router
