"""Telegram tells the bot when a person blocks or restarts it: reminders stop or resume at once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from aiogram import Router
from aiogram.filters import KICKED, MEMBER, ChatMemberUpdatedFilter
from aiogram.types import ChatMemberUpdated

from db.models import User
from db.repositories import Repos


async def blocked(event: ChatMemberUpdated, repos: Repos, user: User, clock: Callable[[], datetime]) -> None:
    await repos.users.set_reachable(user, False, clock())


async def restarted(event: ChatMemberUpdated, repos: Repos, user: User, clock: Callable[[], datetime]) -> None:
    await repos.users.set_reachable(user, True, clock())


def setup() -> Router:
    router = Router(name=__name__)
    router.my_chat_member.register(blocked, ChatMemberUpdatedFilter(member_status_changed=KICKED))
    router.my_chat_member.register(restarted, ChatMemberUpdatedFilter(member_status_changed=MEMBER))
    return router
