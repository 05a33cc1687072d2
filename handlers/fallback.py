"""Last in line: whatever no other handler took gets a hint, and every callback gets an answer."""

from __future__ import annotations

import html

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.settings import Settings
from db.models import AuditKind, User
from db.repositories import Repos
from db.repositories.clients import NAME_MAX, clean_name
from handlers.callbacks import ClientCb
from handlers.keyboards import Rows, button, main_menu
from handlers.limits import within_limit
from handlers.parsing import plain_digits
from handlers.states import TEXT_STEPS, Note
from handlers.ui import stale


async def unknown_button(query: CallbackQuery) -> None:
    await stale(query)


async def unknown_message(message: Message, state: FSMContext, user: User, repos: Repos, settings: Settings,
                          i18n: I18n) -> None:
    current = await state.get_state()
    if current is not None:
        if current == Note.text.state:
            hint = _("Send the note as text, a voice message or a photo. /cancel to skip.")
        elif current in TEXT_STEPS and not message.text:
            hint = _("I need a text answer here. Type it, or /cancel to stop.")
        else:
            hint = _("Please use the buttons above, or /cancel to stop.")
        await message.answer(hint)
        return
    if message.photo or message.document:
        await message.answer(_("To keep a photo with a contact, send it while you log the contact, or after "
                               "📝 Add a note on its saved card."), reply_markup=main_menu(user))
        return
    if message.contact:
        await message.answer(_("To add a contact person, open the client's card (🔎 Clients) and tap "
                               "➕ Contact person; the name and phone are typed there."), reply_markup=main_menu(user))
        return
    typed = clean_name(message.text or "")
    if 2 <= len(typed) <= NAME_MAX and not typed.startswith("/"):
        if not await within_limit(message, repos, user, settings, i18n, AuditKind.SEARCH, {"q": typed}):
            return
        matches = await repos.clients.search(plain_digits(typed), limit=5)
        await repos.audit.record("search", {"q": typed, "found": len(matches)})
        if matches:  # a client's name typed outside any step: offer the card
            kb = Rows()
            for match in matches:
                kb.row(button(match.name[:60], ClientCb(a="open", id=match.client_id)))
            await message.answer(_("Looking for a client? Found for «{query}»:").format(query=html.escape(typed)),
                                 reply_markup=kb.as_markup())
            return
    await message.answer(_("Use the menu below, or /help."), reply_markup=main_menu(user))


def setup() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(unknown_button)
    router.message.register(unknown_message)
    return router
