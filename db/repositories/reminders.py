"""The reminder outbox: planning is idempotent by key, delivery claims rows atomically."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from db.models import Interaction, Reminder, ReminderStatus, Status, User
from db.repositories.upsert import insert_for


class ReminderRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def ensure(self, rows: list[dict[str, Any]], since: datetime) -> int:
        """Create the reminders among `rows` (all due at or after `since`) that do not exist yet,
        and move a pending one whose time no longer matches (settings changed while it was being
        planned: the planned time follows the setting).

        What exists is read first, so a beat that finds everything in place writes nothing and
        takes no write lock (on SQLite, one lock for the whole database); a key already sent or
        failed is left as it is. Returns how many rows were written.
        """
        existing = {
            key: (due_at, status)
            for key, due_at, status in await self.session.execute(
                select(Reminder.key, Reminder.due_at, Reminder.status).where(Reminder.due_at >= since)
            )
        }
        missing = [row for row in rows if row["key"] not in existing]
        moved = [
            {"k": row["key"], "due": row["due_at"]}
            for row in rows
            if row["key"] in existing
            and existing[row["key"]][1] == ReminderStatus.PENDING
            and existing[row["key"]][0] != row["due_at"]
        ]
        if missing:
            stmt = insert_for(self.session, Reminder).on_conflict_do_nothing(index_elements=[Reminder.key])
            await self.session.execute(stmt, missing)
        if moved:
            table = Reminder.__table__
            await self.session.execute(
                update(table)
                .where(table.c.key == bindparam("k"), table.c.status == ReminderStatus.PENDING)
                .values(due_at=bindparam("due")),
                moved,
            )
        return len(missing) + len(moved)

    async def active_users(self) -> list[User]:
        return list(await self.session.scalars(select(User).where(User.is_active.is_(True))))

    async def planned_meetings(self, start: datetime, end: datetime) -> list[tuple[Interaction, User]]:
        rows = await self.session.execute(
            select(Interaction, User)
            .join(User, User.id == Interaction.manager_id)
            .where(
                Interaction.status == Status.PLANNED,
                Interaction.planned_at >= start,
                Interaction.planned_at < end,
                User.is_active.is_(True),
            )
        )
        return [(i, u) for i, u in rows]

    async def users(self, user_ids: list[int]) -> dict[int, User]:
        return {u.id: u for u in await self.session.scalars(select(User).where(User.id.in_(user_ids)))}

    async def open_and_logged(
        self, user_ids: list[int], start: datetime, end: datetime
    ) -> tuple[dict[int, list[Interaction]], dict[int, int]]:
        """For many managers at once: contacts planned in [start, end) still open, and how many they logged then."""
        open_items: dict[int, list[Interaction]] = {}
        rows = await self.session.scalars(
            select(Interaction)
            .where(
                Interaction.manager_id.in_(user_ids),
                Interaction.status == Status.PLANNED,
                Interaction.planned_at >= start,
                Interaction.planned_at < end,
            )
            .options(selectinload(Interaction.client))
            .order_by(Interaction.planned_at, Interaction.id)
        )
        for item in rows:
            open_items.setdefault(item.manager_id, []).append(item)
        counts = await self.session.execute(
            select(Interaction.manager_id, func.count())
            .where(Interaction.manager_id.in_(user_ids), Interaction.logged_at >= start, Interaction.logged_at < end)
            .group_by(Interaction.manager_id)
        )
        return open_items, {manager_id: count for manager_id, count in counts}

    async def drop_stale(self, before: datetime) -> list[Reminder]:
        """Pending reminders that fell due before `before` (downtime): dropped, never sent late.
        One that failed while it was tried (its error is kept) ends as failed instead."""
        rows = list(
            await self.session.scalars(
                select(Reminder).where(Reminder.status == ReminderStatus.PENDING, Reminder.due_at < before)
            )
        )
        for status, ids in (
            (ReminderStatus.DROPPED, [r.id for r in rows if not r.error]),
            (ReminderStatus.FAILED, [r.id for r in rows if r.error]),
        ):
            if ids:
                await self.session.execute(
                    update(Reminder)
                    .where(Reminder.id.in_(ids), Reminder.status == ReminderStatus.PENDING)
                    .values(status=status)
                    .execution_options(synchronize_session=False)
                )
        return rows

    async def claim_due(self, now: datetime, worker: str, limit: int) -> list[Reminder]:
        """Take due reminders for this worker; a row another worker took is not returned."""
        ids = list(
            await self.session.scalars(
                select(Reminder.id)
                .where(Reminder.status == ReminderStatus.PENDING, Reminder.due_at <= now)
                .order_by(Reminder.due_at, Reminder.id)
                .limit(limit)
            )
        )
        if not ids:
            return []
        claimed = await self.session.scalars(
            update(Reminder)
            .where(Reminder.id.in_(ids), Reminder.status == ReminderStatus.PENDING)
            .values(status=ReminderStatus.SENDING, claimed_by=worker, claimed_at=now)
            .returning(Reminder.id)
            .execution_options(synchronize_session=False)
        )
        mine = list(claimed)
        if not mine:
            return []
        return list(
            await self.session.scalars(
                select(Reminder).where(Reminder.id.in_(mine)).order_by(Reminder.due_at, Reminder.id)
                .execution_options(populate_existing=True)
            )
        )

    async def abandon_stuck(self, claimed_before: datetime) -> list[Reminder]:
        """Rows left `sending` by a crashed process: whether they went out is unknown, so never resend."""
        rows = list(
            await self.session.scalars(
                select(Reminder).where(
                    Reminder.status == ReminderStatus.SENDING, Reminder.claimed_at < claimed_before
                )
            )
        )
        for row in rows:
            row.status = ReminderStatus.FAILED
            row.error = "abandoned: the sending process stopped"
        await self.session.flush()
        return rows

    async def finish(self, results: list[tuple[int, ReminderStatus, str | None]], *, at: datetime) -> None:
        """Record how many reminders ended, in one statement: (id, status, error) each."""
        if not results:
            return
        await self.session.execute(
            update(Reminder).execution_options(synchronize_session=False),
            [
                {"id": rid, "status": status, "sent_at": at if status == ReminderStatus.SENT else None,
                 "error": error[:200] if error else None}
                for rid, status, error in results
            ],
        )

    async def forget_pending(self, user_id: int) -> None:
        """After a person changes their settings, planned rows are made again with the new times."""
        await self.session.execute(
            delete(Reminder).where(and_(Reminder.user_id == user_id, Reminder.status == ReminderStatus.PENDING))
        )

    async def mark_unreachable(self, user_ids: list[int], at: datetime) -> None:
        if user_ids:
            await self.session.execute(update(User).where(User.id.in_(user_ids)).values(unreachable_at=at))
