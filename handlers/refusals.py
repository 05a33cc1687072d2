"""What someone hears who reaches for a command or button of an audience they are not in (a
manager's /team, a head's /reasons, a forged admin button). It sits after the gated routers:
whatever reaches it was refused by their gates."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers import labels
from handlers.import_sheet import looks_like_a_base
from handlers.callbacks import AuditCb, ImportCb, ReasonCb, UserCb
from handlers.filters import Magic, MenuButton
from handlers.states import AddReason
from handlers.ui import not_found, stale


async def team(message: Message) -> None:
    await message.answer(_("The team view is for heads and administrators."))


async def users(message: Message) -> None:
    await message.answer(_("Only heads and admins can see the team."))


async def invite(message: Message) -> None:
    await message.answer(_("Only heads and admins can invite people."))


async def reasons(message: Message, state: FSMContext) -> None:
    await state.clear()  # someone whose role changed while typing a new reason
    await message.answer(_("Only admins can edit the refusal reasons."))


async def audit(message: Message) -> None:
    await message.answer(_("Only admins can read the audit trail."))


async def base_import(message: Message) -> None:
    await message.answer(_("Only admins import client bases. Ask an admin to send the file to the bot."))


async def button(query: CallbackQuery) -> None:
    await not_found(query)


def setup() -> Router:
    router = Router(name=__name__)
    router.message.register(team, Command("team"))
    router.message.register(team, MenuButton(labels.MENU_TEAM))
    router.message.register(users, Command("users"))
    router.message.register(invite, Command("invite"))
    router.message.register(invite, MenuButton(labels.MENU_INVITE))
    router.message.register(reasons, Command("reasons"))
    router.message.register(reasons, StateFilter(AddReason.title))
    router.callback_query.register(button, UserCb.filter())
    router.callback_query.register(button, ReasonCb.filter())
    router.message.register(audit, Command("audit"))
    router.callback_query.register(button, AuditCb.filter())
    router.message.register(base_import, Command("import"))
    router.message.register(base_import, StateFilter(None), Magic(F.document.file_name.func(looks_like_a_base)))
    router.callback_query.register(stale, ImportCb.filter())
    return router
