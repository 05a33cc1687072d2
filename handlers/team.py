"""/team (👥 in a head's menu): the team's plan for today and tomorrow, yesterday's results and
what hangs, per manager; the same view the morning summary sends. Heads and admins only (the
router's gate)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from db.models import User
from db.repositories import Repos
from handlers import labels
from handlers.filters import MenuButton
from handlers.digest import team_digest
from handlers.ui import answer_parts
from reports.workdays import WorkCalendar


async def show_team(
    message: Message, repos: Repos, user: User, clock: Callable[[], datetime], i18n: I18n, workdays: WorkCalendar,
) -> None:
    digest = await team_digest(repos, user, clock(), i18n.current_locale, workdays, with_charts=False)
    if digest is None:
        await message.answer(_("There are no active managers in your team yet. /invite brings one in."))
        return
    await answer_parts(message, digest.parts)


def setup() -> Router:
    router = Router(name=__name__)
    router.message.register(show_team, Command("team"))
    router.message.register(show_team, MenuButton(labels.MENU_TEAM))
    return router
