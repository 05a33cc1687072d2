"""The call-back audit: what the weekly sample is drawn from, the checks it makes, the heads'
marks on them, and the verified-meeting counts per manager.

Reading and marking checks is for heads (their team's) and admins (everyone's): the scope is the
acting user's, as everywhere; a manager is never in it, not even for their own meetings. The
sampling job acts without a user (`actor=None`) and may only read candidates and insert checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from db.models import CallbackCheck, CallbackMark, Client, Interaction, Kind, Role, Status, User
from db.repositories.access import AccessDenied, NotFound, owned_by_scope
from db.repositories.upsert import insert_for

Span = tuple[datetime, datetime]


@dataclass(frozen=True)
class Contact:
    """A done contact as the flags read it (any kind: batches and days count them all)."""

    id: int
    manager_id: int
    kind: Kind
    client_id: int
    happened_at: datetime
    logged_at: datetime | None
    checked_in: bool = False


@dataclass(frozen=True)
class Note:
    """A done meeting's note, with whose meeting it was (to name the one it was copied from)."""

    id: int
    manager_id: int
    client_id: int
    client_name: str
    happened_at: datetime
    text: str


@dataclass(frozen=True)
class Manager:
    id: int
    team_id: int | None
    timezone: str


@dataclass(frozen=True)
class Marks:
    """A manager's marked checks: how many were confirmed, did not happen, could not be reached."""

    confirmed: int = 0
    not_happened: int = 0
    unreachable: int = 0

    @property
    def reached(self) -> int:
        return self.confirmed + self.not_happened


@dataclass(frozen=True)
class Item:
    """A check with everything its line in a checklist shows."""

    check: CallbackCheck
    meeting: Interaction  # with its client (and the client's contact persons), person and reason
    manager_name: str


class CallbackRepository:
    def __init__(self, session: AsyncSession, actor: User | None):
        self.session = session
        self.actor = actor

    # ---- what the sample is drawn from (the job, no actor) ----------------------------------------

    async def managers(self) -> list[Manager]:
        rows = await self.session.execute(
            select(User.id, User.team_id, User.timezone)
            .where(User.is_active.is_(True), User.role == Role.MANAGER).order_by(User.id)
        )
        return [Manager(*row) for row in rows]

    async def reviewers(self) -> tuple[dict[int, int], int | None]:
        """Who gets a team's checklist: its active head (the longest-standing, when several), by
        team; and the admin who gets the rest (the first by id), if any."""
        heads: dict[int, int] = {}
        rows = await self.session.execute(
            select(User.team_id, User.id)
            .where(User.role == Role.HEAD, User.is_active.is_(True), User.team_id.is_not(None)).order_by(User.id)
        )
        for team_id, user_id in rows:
            heads.setdefault(team_id, user_id)
        admin = await self.session.scalar(
            select(User.id).where(User.role == Role.ADMIN, User.is_active.is_(True)).order_by(User.id).limit(1)
        )
        return heads, admin

    async def sampled_managers(self, week: date) -> set[int]:
        rows = await self.session.scalars(select(CallbackCheck.manager_id).where(CallbackCheck.week_start == week).distinct())
        return set(rows)

    async def contacts(self, ids: list[int], span: Span) -> list[Contact]:
        """Done contacts of these managers that happened in the span (any kind: batches and days
        count them all)."""
        if not ids:
            return []
        rows = await self.session.execute(
            select(Interaction.id, Interaction.manager_id, Interaction.kind, Interaction.client_id,
                   Interaction.happened_at, Interaction.logged_at, Interaction.checkin_at.is_not(None))
            .where(Interaction.manager_id.in_(ids), Interaction.status == Status.DONE,
                   Interaction.happened_at >= span[0], Interaction.happened_at < span[1])
        )
        return [Contact(i, m, k, c, h, lg, bool(ci)) for i, m, k, c, h, lg, ci in rows]

    async def notes(self, ids: list[int], span: Span, min_length: int, cap: int) -> list[Note]:
        """Done meetings' notes of at least `min_length` characters that happened in the span:
        each manager's latest `cap` (bounded work on a long history)."""
        if not ids:
            return []
        rank = func.row_number().over(partition_by=Interaction.manager_id, order_by=Interaction.happened_at.desc())
        inner = (
            select(Interaction.id, Interaction.manager_id, Interaction.client_id, Client.name.label("client_name"),
                   Interaction.happened_at, Interaction.note, rank.label("rank"))
            .join(Client, Client.id == Interaction.client_id)
            .where(Interaction.manager_id.in_(ids), Interaction.status == Status.DONE, Interaction.kind == Kind.MEETING,
                   Interaction.happened_at >= span[0], Interaction.happened_at < span[1],
                   func.length(Interaction.note) >= min_length)
            .subquery()
        )
        rows = await self.session.execute(
            select(inner.c.id, inner.c.manager_id, inner.c.client_id, inner.c.client_name, inner.c.happened_at,
                   inner.c.note).where(inner.c.rank <= cap)
        )
        return [Note(*row) for row in rows]

    async def checkins_since(self, since: datetime) -> bool:
        """Whether anyone in the company has checked in at a client since then: only then is a
        meeting without a check-in worth a second look."""
        return bool(await self.session.scalar(select(exists().where(Interaction.checkin_at >= since))))

    async def already_checked(self, meeting_ids: list[int]) -> set[int]:
        found: set[int] = set()
        for start in range(0, len(meeting_ids), 1000):
            chunk = meeting_ids[start:start + 1000]
            found.update(await self.session.scalars(
                select(CallbackCheck.interaction_id).where(CallbackCheck.interaction_id.in_(chunk))))
        return found

    async def insert(self, rows: list[dict]) -> None:
        """New checks; a meeting already drawn (by another process) stays as it was."""
        if rows:
            stmt = insert_for(self.session, CallbackCheck).on_conflict_do_nothing(index_elements=[CallbackCheck.interaction_id])
            await self.session.execute(stmt, rows)

    # ---- the heads' side ------------------------------------------------------------------------

    def _staff(self) -> User:
        if self.actor is None or self.actor.role not in (Role.HEAD, Role.ADMIN):
            raise AccessDenied
        return self.actor

    def _scoped(self):
        actor = self._staff()
        return (owned_by_scope(actor, CallbackCheck.manager_id), CallbackCheck.manager_id != actor.id)

    def _items(self):
        return (
            select(CallbackCheck, Interaction, User.full_name)
            .join(Interaction, Interaction.id == CallbackCheck.interaction_id)
            .join(User, User.id == CallbackCheck.manager_id)
            .where(*self._scoped())
            .options(selectinload(Interaction.client).selectinload(Client.contacts),
                     selectinload(Interaction.contact_person), selectinload(Interaction.refusal_reason))
        )

    async def week(self, week: date, *, reviewer_only: bool = True) -> list[Item]:
        """A week's checks in the actor's scope (by default only those sent to the actor), in order."""
        query = self._items().where(CallbackCheck.week_start == week)
        if reviewer_only:
            query = query.where(CallbackCheck.reviewer_id == self._staff().id)
        rows = await self.session.execute(query.order_by(User.full_name, CallbackCheck.manager_id, Interaction.happened_at, CallbackCheck.id))
        return [Item(c, i, name) for c, i, name in rows]

    async def open_page(self, page: int, size: int) -> tuple[list[Item], int]:
        """Checks not marked yet in the actor's scope, oldest week first: one page, and how many in all."""
        total = await self.session.scalar(
            select(func.count()).select_from(CallbackCheck).where(*self._scoped(), CallbackCheck.mark.is_(None)))
        rows = await self.session.execute(
            self._items().where(CallbackCheck.mark.is_(None))
            .order_by(CallbackCheck.week_start, User.full_name, CallbackCheck.manager_id, Interaction.happened_at, CallbackCheck.id)
            .offset(page * size).limit(size)
        )
        return [Item(c, i, name) for c, i, name in rows], int(total or 0)

    async def get(self, check_id: int) -> Item:
        row = (await self.session.execute(self._items().where(CallbackCheck.id == check_id))).first()
        if row is None:
            raise NotFound(check_id)
        return Item(*row)

    async def mark(self, check_id: int, mark: CallbackMark, now: datetime) -> Item:
        """The actor's mark on a check in their scope (a mark may be changed: the audit trail keeps
        every one). The meeting itself is never touched."""
        item = await self.get(check_id)
        item.check.mark, item.check.marked_at, item.check.marked_by_id = mark, now, self.actor.id
        await self.session.flush()
        return item

    async def comment(self, check_id: int, text: str, now: datetime) -> Item:
        item = await self.get(check_id)
        item.check.comment = text
        if item.check.mark is None:
            item.check.marked_by_id = self.actor.id
        await self.session.flush()
        return item

    async def marks(self, ids: list[int], span: Span) -> dict[int, Marks]:
        """Per manager, the marks on checks of meetings that happened in the span."""
        if not ids:
            return {}
        self._staff()

        def counted(mark: CallbackMark):
            return func.sum(case((CallbackCheck.mark == mark, 1), else_=0))

        rows = await self.session.execute(
            select(CallbackCheck.manager_id, counted(CallbackMark.CONFIRMED), counted(CallbackMark.NOT_HAPPENED),
                   counted(CallbackMark.UNREACHABLE))
            .join(Interaction, Interaction.id == CallbackCheck.interaction_id)
            .where(CallbackCheck.manager_id.in_(ids), CallbackCheck.mark.is_not(None), *self._scoped(),
                   Interaction.happened_at >= span[0], Interaction.happened_at < span[1])
            .group_by(CallbackCheck.manager_id)
        )
        return {m: Marks(int(c or 0), int(n or 0), int(u or 0)) for m, c, n, u in rows}
