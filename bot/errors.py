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
from aiogram.utils.i18n import I18n

from bot.i18n import N_, locale_for

SORRY = N_(
    "⚠️ Something went wrong on our side, and this step may not have been saved. "
    "Please try again; if it happens again, tell your administrator."
)


async def tell_the_person(event: ErrorEvent, i18n: I18n, **data: Any) -> None:
    update = event.update
    text = i18n.gettext(SORRY, locale=locale_for(data, i18n.default_locale))
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
