"""Filters shared by routers."""

from __future__ import annotations

from aiogram.filters import Filter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from magic_filter import MagicFilter

from db.models import Role, User
from handlers import labels

MENU = (
    labels.MENU_LOG,
    labels.MENU_TODAY,
    labels.MENU_TOMORROW,
    labels.MENU_CLIENTS,
    labels.MENU_INVITE,
    labels.MENU_HELP,
    labels.MENU_TEAM,
    labels.MENU_REPORT,
    labels.MENU_CHECKIN,
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


class CurrentFlow(Filter):
    """A tap on a step of the run of a flow that is still going on (the button's `f` is the
    run's): the handler gets the run's data as `flow_data`. A button of an earlier or finished run
    does not pass, and falls through to the fallback, which says it is no longer active."""

    async def __call__(self, query: CallbackQuery, callback_data, state: FSMContext) -> bool | dict:
        data = await state.get_data()
        if not data.get("flow") or data["flow"] != callback_data.f or await state.get_state() is None:
            return False
        return {"flow_data": data}


class RoleIn(Filter):
    """The acting user has one of these roles: the gate of an audience's router."""

    def __init__(self, *roles: Role) -> None:
        self.roles = frozenset(roles)

    async def __call__(self, event, user: User | None = None) -> bool:
        return user is not None and user.role in self.roles
