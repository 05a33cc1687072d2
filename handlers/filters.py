"""Filters shared by routers."""

from __future__ import annotations

from aiogram.filters import Filter
from aiogram.types import Message

from handlers import labels

MENU = (
    labels.MENU_LOG,
    labels.MENU_TODAY,
    labels.MENU_TOMORROW,
    labels.MENU_CLIENTS,
    labels.MENU_INVITE,
    labels.MENU_HELP,
)


class FreeText(Filter):
    """Typed text that is an answer: not a command and not a main-menu button (those win at any step)."""

    async def __call__(self, message: Message) -> bool:
        text = message.text
        if not text or text.startswith("/"):
            return False
        return all(text != str(label) for label in MENU)
