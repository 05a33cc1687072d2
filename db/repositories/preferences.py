from __future__ import annotations

from datetime import time

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import User
from db.repositories.reminders import ReminderRepository

MUTABLE = ("mute_morning", "mute_evening", "mute_meeting", "mute_summary", "remind_calls")


class PreferencesRepository:
    """A person's own reminder settings; any change re-plans their pending reminders."""

    def __init__(self, session: AsyncSession, actor: User):
        self.session = session
        self.actor = actor

    async def _changed(self) -> None:
        await ReminderRepository(self.session).forget_pending(self.actor.id)
        await self.session.flush()

    async def set_timezone(self, tz: str) -> None:
        self.actor.timezone = tz
        await self._changed()

    async def set_time(self, which: str, value: time) -> None:
        if which not in ("morning_at", "evening_at"):
            raise ValueError(which)
        setattr(self.actor, which, value)
        await self._changed()

    async def set_lead(self, minutes: int) -> None:
        if not 5 <= minutes <= 24 * 60:
            raise ValueError(minutes)
        self.actor.meeting_lead_min = minutes
        await self._changed()

    async def toggle(self, flag: str) -> bool:
        if flag not in MUTABLE:
            raise ValueError(flag)
        setattr(self.actor, flag, not getattr(self.actor, flag))
        await self._changed()
        return getattr(self.actor, flag)
