from __future__ import annotations

from sqlalchemy import Row, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import RefusalReason, User
from db.repositories.access import NotFound, require_admin

TITLE_MAX = 100
ADVICE_MAX = 500
LAST_CODE = "other"  # the catch-all reason, kept at the end of the list

# read at every refusal logged: built once, plain rows (id, code, title), no ORM objects
_ACTIVE = (
    select(RefusalReason.id, RefusalReason.code, RefusalReason.title)
    .where(RefusalReason.is_active.is_(True))
    .order_by(RefusalReason.position, RefusalReason.id)
)
_ACTIVE_ONE = _ACTIVE.where(RefusalReason.id == bindparam("reason"))


class RefusalReasonRepository:
    """Everyone reads the active list; only admins edit it (reasons are hidden, never deleted,
    so past refusals keep their reason)."""

    def __init__(self, session: AsyncSession, actor: User | None = None):
        self.session = session
        self.actor = actor

    async def active(self) -> list[Row]:
        """(id, code, title) of the reasons offered, in their order."""
        return list(await self.session.execute(_ACTIVE))

    async def all(self) -> list[RefusalReason]:
        rows = await self.session.scalars(select(RefusalReason).order_by(RefusalReason.position, RefusalReason.id))
        return list(rows)

    async def get_active(self, reason_id: int) -> Row | None:
        """(id, code, title) of an offered reason, None for a hidden or unknown one."""
        return (await self.session.execute(_ACTIVE_ONE, {"reason": reason_id})).first()

    @staticmethod
    def clean(title: str) -> str:
        title = " ".join(title.split())
        if not title or len(title) > TITLE_MAX:
            raise ValueError("reason title length")
        return title

    async def add(self, title: str) -> RefusalReason:
        """A new reason goes before "Other" (the catch-all stays last), or last if there is none."""
        require_admin(self.actor)
        title = self.clean(title)
        reasons = await self.all()
        other = next((r for r in reasons if r.code == LAST_CODE), None)
        if other is None:
            position = max((r.position for r in reasons), default=0) + 1
        else:
            position = other.position
            for later in reasons:
                if later.position >= position:
                    later.position += 1
        reason = RefusalReason(title=title, position=position, is_active=True)
        self.session.add(reason)
        await self.session.flush()
        return reason

    async def rename(self, reason_id: int, title: str) -> RefusalReason:
        """A new name, shown as typed in every language (a built-in reason keeps its code)."""
        require_admin(self.actor)
        title = self.clean(title)
        reason = await self.session.get(RefusalReason, reason_id)
        if reason is None:
            raise NotFound
        reason.title = title
        await self.session.flush()
        return reason

    async def set_advice(self, reason_id: int, advice: str | None) -> RefusalReason:
        """An admin's advice for the reason; None brings the built-in one back."""
        require_admin(self.actor)
        if advice is not None and not 1 <= len(advice) <= ADVICE_MAX:
            raise ValueError("advice length")
        reason = await self.session.get(RefusalReason, reason_id)
        if reason is None:
            raise NotFound
        reason.advice = advice
        await self.session.flush()
        return reason

    async def move_up(self, reason_id: int) -> None:
        """One place up in the list the flow offers."""
        require_admin(self.actor)
        reasons = await self.all()
        index = next((i for i, r in enumerate(reasons) if r.id == reason_id), None)
        if index is None:
            raise NotFound
        if index == 0:
            return
        for position, reason in enumerate(reasons):  # renumber: positions may repeat in old data
            reason.position = position
        above, this = reasons[index - 1], reasons[index]
        above.position, this.position = this.position, above.position
        await self.session.flush()

    async def set_active(self, reason_id: int, active: bool) -> RefusalReason:
        require_admin(self.actor)
        reason = await self.session.get(RefusalReason, reason_id)
        if reason is None:
            raise NotFound
        reason.is_active = active
        await self.session.flush()
        return reason
