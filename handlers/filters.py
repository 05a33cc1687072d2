"""Filters shared by routers."""

from __future__ import annotations

from aiogram.filters import Filter
from aiogram.types import Message
from magic_filter import MagicFilter

from handlers import labels

MENU = (
    labels.MENU_LOG,
    labels.MENU_TODAY,
    labels.MENU_TOMORROW,
    labels.MENU_CLIENTS,
    labels.MENU_INVITE,
    labels.MENU_HELP,
    labels.MENU_TEAM,
)


class FreeText(Filter):
    """Typed text that is an answer: not a command and not a main-menu button (those win at any step)."""

    async def __call__(self, message: Message) -> bool:
        text = message.text
        if not text or text.startswith("/"):
            return False
        return all(text != str(label) for label in MENU)


# aiogram runs a filter that is not a coroutine (a bare magic filter such as F.text == ..., or a
# State) in a worker thread, one round trip per check and per handler tried: so ours are async.


class MenuButton(Filter):
    """The main-menu button with this label, in the person's language."""

    def __init__(self, label) -> None:
        self.label = label

    async def __call__(self, message: Message) -> bool:
        return message.text == str(self.label)


class Magic(Filter):
    """A magic filter evaluated in place rather than in a worker thread."""

    def __init__(self, magic: MagicFilter) -> None:
        self.magic = magic

    async def __call__(self, event) -> bool:
        return bool(self.magic.resolve(event))
