"""Last in line: whatever no other handler took gets a hint, and every callback gets an answer."""

from __future__ import annotations

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from db.models import User
from handlers.keyboards import main_menu
from handlers.states import TEXT_STEPS, Note
from handlers.ui import stale


async def unknown_button(query: CallbackQuery) -> None:
    await stale(query)


async def unknown_message(message: Message, state: FSMContext, user: User) -> None:
    current = await state.get_state()
    if current is not None:
        if current == Note.text.state:
            hint = _("Send the note as text or as a voice message. /cancel to skip.")
        elif current in TEXT_STEPS and not message.text:
            hint = _("I need a text answer here. Type it, or /cancel to stop.")
        else:
            hint = _("Please use the buttons above, or /cancel to stop.")
        await message.answer(hint)
        return
    await message.answer(_("Use the menu below, or /help."), reply_markup=main_menu(user))


def setup() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(unknown_button)
    router.message.register(unknown_message)
    return router
