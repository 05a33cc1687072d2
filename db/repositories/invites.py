from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AuditKind, Invite, Role, Team, User
from db.repositories.access import AccessDenied, NotFound, invitable_roles
from db.repositories.audit import AuditRepository


class InviteError(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "unknown" | "used" | "expired" | "revoked"


class InviteRepository:
    def __init__(self, session: AsyncSession, actor: User | None = None):
        self.session = session
        self.actor = actor

    async def create(self, role: Role, team_id: int | None, now: datetime, ttl: timedelta) -> Invite:
        actor = self.actor
        if actor is None or role not in invitable_roles(actor):
            raise AccessDenied
        if actor.role == Role.HEAD:
            team_id = actor.team_id  # heads grow their own team only
        elif team_id is not None and await self.session.get(Team, team_id) is None:
            raise NotFound
        invite = Invite(
            code=secrets.token_urlsafe(18),  # 24 url-safe chars: fits a deep-link payload
            role=role,
            team_id=team_id,
            created_by_id=actor.id,
            created_at=now,
            expires_at=now + ttl,
        )
        self.session.add(invite)
        await self.session.flush()
        await AuditRepository(self.session, actor).record(
            AuditKind.INVITE, {"invite": invite.id, "act": "created", "role": role.value, "team": team_id})
        return invite

    async def claim(self, code: str, now: datetime) -> Invite:
        """Atomically mark the invite used; a second claim of the same code fails.

        The caller creates the user and calls `set_user` in the same transaction.
        """
        invite = await self.session.scalar(select(Invite).where(Invite.code == code))
        if invite is None:
            raise InviteError("unknown")
        if invite.used_at is not None:
            raise InviteError("used")
        if invite.revoked_at is not None:
            raise InviteError("revoked")
        if invite.expires_at <= now:
            raise InviteError("expired")
        await self._close(invite, used_at=now)
        return invite

    async def revoke(self, invite_id: int, now: datetime) -> Invite:
        """Make an unused link stop working; for the person who made it, and for admins.

        NotFound for someone else's invite; InviteError("used" / "revoked" / "expired") when
        there is nothing left to revoke. Atomic against a claim at the same moment.
        """
        invite = await self.session.get(Invite, invite_id)
        actor = self.actor
        if invite is None or actor is None or (invite.created_by_id != actor.id and actor.role != Role.ADMIN):
            raise NotFound
        if invite.used_at is None and invite.revoked_at is None and invite.expires_at <= now:
            raise InviteError("expired")
        await self._close(invite, revoked_at=now)
        await AuditRepository(self.session, actor).record(AuditKind.INVITE, {"invite": invite.id, "act": "revoked"})
        return invite

    async def _close(self, invite: Invite, **change) -> None:
        """Mark an open invite used or revoked; atomic, so a claim and a revoke at the same moment
        cannot both win. InviteError when the other one did."""
        result = await self.session.execute(
            update(Invite)
            .where(Invite.id == invite.id, Invite.used_at.is_(None), Invite.revoked_at.is_(None))
            .values(**change)
            .execution_options(synchronize_session=False)
        )
        await self.session.refresh(invite)
        if result.rowcount != 1:
            raise InviteError("used" if invite.used_at is not None else "revoked")

    async def set_user(self, invite: Invite, user: User) -> None:
        invite.used_by_id = user.id
        await self.session.flush()
        await AuditRepository(self.session, user).record(AuditKind.INVITE, {
            "invite": invite.id, "act": "used", "role": invite.role.value, "team": invite.team_id, "by": invite.created_by_id})
