"""Telegram tells the bot when a person blocks or restarts it: reminders stop or resume at once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from aiogram import Router
from aiogram.filters import KICKED, MEMBER, ChatMemberUpdatedFilter
from aiogram.types import ChatMemberUpdated
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import User
from db.repositories import UserRepository

router = Router(name=__name__)


@router.my_chat_member(ChatMemberUpdatedFilter(member_status_changed=KICKED))
async def blocked(event: ChatMemberUpdated, session: AsyncSession, user: User, clock: Callable[[], datetime]) -> None:
    await UserRepository(session).set_reachable(user, False, clock())


@router.my_chat_member(ChatMemberUpdatedFilter(member_status_changed=MEMBER))
async def restarted(event: ChatMemberUpdated, session: AsyncSession, user: User, clock: Callable[[], datetime]) -> None:
    await UserRepository(session).set_reachable(user, True, clock())
