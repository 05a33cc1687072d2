"""Per-person hourly limits on reading the base (card views, searches, exports), counted in the
audit trail itself: what a person was shown is there anyway, so the count needs no table of its
own and survives restarts and a second process.

Counting reads the person's entries of the last hour through ix_audit_log_actor_id_id, bounded
below by the last entry older than the hour (found by walking the log back from its end, about
an hour's entries): entries are numbered and stamped in the order the chain is appended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AuditEntry, AuditKind, User
from db.repositories.audit import AuditRepository

WINDOW = timedelta(hours=1)
LIMITED = (AuditKind.CARD, AuditKind.SEARCH, AuditKind.EXPORT)


@dataclass(frozen=True)
class Reached:
    """The person has used up a limit: `limit` of `kind` in the hour before `now`."""

    kind: AuditKind
    limit: int
    until: datetime  # when the oldest of them leaves the window, and one more is allowed


class LimitRepository:
    def __init__(self, session: AsyncSession, actor: User):
        self.session = session
        self.actor = actor

    @staticmethod
    def _after(since: datetime):
        """The id of the newest entry older than the window (0 if none): the window starts after it."""
        return func.coalesce(
            select(AuditEntry.id).where(AuditEntry.at < since).order_by(AuditEntry.id.desc()).limit(1)
            .scalar_subquery(), 0)

    def _mine(self, kind: AuditKind, since: datetime) -> list:
        return [AuditEntry.actor_id == self.actor.id, AuditEntry.id > self._after(since),
                AuditEntry.kind == kind, AuditEntry.at >= since]

    async def reached(self, kind: AuditKind, limit: int, now: datetime) -> Reached | None:
        """Whether `limit` entries of `kind` by the person are already in the last hour (0: no limit)."""
        if limit <= 0:
            return None
        since = now - WINDOW
        oldest = await self.session.scalar(
            select(AuditEntry.at).where(*self._mine(kind, since)).order_by(AuditEntry.id.desc())
            .offset(limit - 1).limit(1)
        )
        return None if oldest is None else Reached(kind, limit, oldest + WINDOW)

    async def refuse(self, reached: Reached, asked: dict[str, Any], now: datetime) -> bool:
        """Record the refused request; True when the admins are to be told, which happens once
        while the person keeps running into this limit: when no refusal of this kind is in the
        hour before. Decided under the audit chain head's lock, so two requests at once (in one
        process or two) cannot both decide to tell."""
        audit = AuditRepository(self.session, self.actor)
        await audit.hold()
        told = await self.session.scalar(select(exists().where(
            *self._mine(AuditKind.LIMIT, now - WINDOW), AuditEntry.what["of"].as_string() == reached.kind.value,
        )))
        await audit.record(AuditKind.LIMIT, {**asked, "of": reached.kind.value, "limit": reached.limit,
                                             "alert": not told})
        return not told
