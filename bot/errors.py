"""When a handler fails, the person is told, in their language, what is true about their step.

- Records of the step already committed (a saved contact whose card then failed to show): they
  are told it is saved, so they do not log it twice.
- Nothing committed: that it was not saved and to try again; the step can be retried (the
  transaction took back a conversation state they never saw, see `bot.transaction`).
- They have blocked the bot (403 on a reply): marked unreachable, as the notifier does; nothing
  is said, nothing could be.

The apology depends on nothing of the failed session (its objects may be expired or detached):
the language comes from the locale the update was handled in. The exception is not swallowed:
the handler passes it on (SkipHandler) to aiogram, which logs it with its traceback (the log
filter keeps the token out).
"""

from __future__ import annotations

import logging
from contextlib import suppress
from typing import Any

from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.types import ErrorEvent
from aiogram.utils.i18n import I18n
from sqlalchemy.exc import SQLAlchemyError

from bot.i18n import N_
from db.base import utcnow
from db.repositories import UserRepository

log = logging.getLogger(__name__)

SORRY = N_(
    "⚠️ Something went wrong on our side, and this step may not have been saved. "
    "Please try again; if it happens again, tell your administrator."
)
SAVED = N_(
    "✅ Saved, but I could not show it here because of a problem on Telegram's side. "
    "It is on the client's card; there is no need to log it again."
)


async def tell_the_person(event: ErrorEvent, i18n: I18n, **data: Any) -> None:
    update, error = event.update, event.exception
    source = update.callback_query or update.message
    sender = source.from_user if source is not None else None
    if isinstance(error, TelegramForbiddenError):
        if sender is not None:
            await _unreachable(data, sender.id)
        raise SkipHandler
    work = data.get("work")
    text = i18n.gettext(SAVED if work is not None and work.saved else SORRY, locale=data.get("locale") or i18n.default_locale)
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


async def _unreachable(data: dict[str, Any], tg_id: int) -> None:
    """They blocked the bot mid-conversation: reminders stop until they write again."""
    sessionmaker = data.get("sessionmaker")
    if sessionmaker is None:
        return
    try:
        async with sessionmaker() as session:
            await UserRepository(session).mark_unreachable(tg_id, utcnow())
            await session.commit()
    except SQLAlchemyError:
        log.exception("Could not mark user %s unreachable", tg_id)
