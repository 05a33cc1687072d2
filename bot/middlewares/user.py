"""Completes the acting user (read with the update's context): people listed in ADMIN_IDS become
admins on first contact, and a user who writes again is reachable again."""

from __future__ import annotations

from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import User as TgUser

from bot.i18n import pick_language
from bot.settings import Settings
from db.models import Role
from db.repositories import Repos


class UserMiddleware(BaseMiddleware):
    def __init__(self, settings: Settings):
        self.settings = settings

    async def __call__(self, handler, event, data: dict[str, Any]) -> Any:
        tg_user: TgUser | None = data.get("event_from_user")
        repos: Repos = data["repos"]
        user = data.get("user")
        if tg_user is not None and not tg_user.is_bot:
            if user is None and tg_user.id in self.settings.admin_ids:
                user = await repos.users.create(
                    tg_id=tg_user.id,
                    full_name=tg_user.full_name,
                    username=tg_user.username,
                    role=Role.ADMIN,
                    team_id=None,
                    timezone=self.settings.default_timezone,
                    language=pick_language(tg_user.language_code, self.settings.default_language),
                )
                data["repos"] = repos.acting_as(user)
                await data["repos"].audit.record("role", {"user": user.id, "role": Role.ADMIN.value, "via": "ADMIN_IDS"})
            elif user is not None and user.unreachable_at is not None:
                user.unreachable_at = None  # they wrote to us: the bot is not blocked any more
        data["user"] = user
        return await handler(event, data)
