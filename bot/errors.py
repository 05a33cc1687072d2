"""When a handler fails, the person is told in their language instead of facing a silent spinner.

The exception is not swallowed: the handler passes it on (SkipHandler), to any other error
handler and then to aiogram, which logs it with its traceback (the log filter keeps the token out).
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ErrorEvent
from aiogram.types import User as TgUser
from aiogram.utils.i18n import I18n

from bot.i18n import N_, pick_language

SORRY = N_(
    "⚠️ Something went wrong on our side, and this step may not have been saved. "
    "Please try again; if it happens again, tell your administrator."
)


async def tell_the_person(event: ErrorEvent, i18n: I18n, event_from_user: TgUser | None = None, **data: Any) -> None:
    update = event.update
    user = data.get("user")
    locale = user.language if user is not None else pick_language(
        event_from_user.language_code if event_from_user else None, i18n.default_locale
    )
    text = i18n.gettext(SORRY, locale=locale)
    query, message = update.callback_query, update.message
    with suppress(TelegramAPIError):  # the reply may fail too: the failure may have been Telegram's
        if query is not None:
            try:
                await query.answer(text, show_alert=True)
            except TelegramAPIError:  # already answered by the handler: say it in the chat instead
                if query.message is not None and query.message.chat.type == "private":
                    await query.message.answer(text)
        elif message is not None and message.chat.type == "private":
            await message.answer(text)
    raise SkipHandler
