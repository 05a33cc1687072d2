"""What the nightly model of accepted offers reads and writes, and the scores people see.

`ScoringRepository` is the job's (no acting user: it learns from the whole company); the reads
people make go through `ScoreRepository`, scoped like every other record.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, delete, exists, func, insert, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from db.buckets import epoch_days
from db.models import Client, ClientScore, Interaction, Kind, Outcome, RefusalReason, Status, User
from db.repositories.access import owned_by_scope

STREAM_BATCH = 20_000  # rows per fetch: the job's memory stays flat however long the history


# (client id, day, kind, outcome or None, refusal reason id or None, manager id), in client and time order
ContactRow = tuple[int, float, str, str | None, int | None, int]


@dataclass(frozen=True)
class OpenPlan:
    """A client's earliest open planned contact: whom the next offer is up to, how, and when."""

    client_id: int
    manager_id: int
    kind: str
    day: float  # epoch days


@dataclass(frozen=True)
class BestPlan:
    """One of a person's open planned contacts with its client's score."""

    interaction_id: int
    client_id: int
    client_name: str
    kind: Kind
    planned_at: datetime
    probability: float
    reasons: list[Any]


class ScoringRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def decisions(self) -> tuple[int, int]:
        """How many done contacts ended in an agreement and in a refusal, company-wide."""
        rows = await self.session.execute(
            select(Interaction.outcome, func.count())
            .where(Interaction.status == Status.DONE, Interaction.outcome.in_((Outcome.AGREED, Outcome.REFUSED)))
            .group_by(Interaction.outcome)
        )
        counts = dict(rows.all())
        return counts.get(Outcome.AGREED, 0), counts.get(Outcome.REFUSED, 0)

    async def clients(self) -> dict[int, tuple[str | None, str | None]]:
        """Client id -> (industry, city)."""
        rows = await self.session.execute(select(Client.id, Client.industry, Client.city))
        return {i: (industry, city) for i, industry, city in rows}

    async def reasons(self) -> dict[int, str]:
        """Refusal reason id -> its code, or its title for a reason an admin added."""
        rows = await self.session.execute(select(RefusalReason.id, RefusalReason.code, RefusalReason.title))
        return {i: code or title or str(i) for i, code, title in rows}

    async def contacts(self, batch: int = STREAM_BATCH) -> AsyncIterator[list[ContactRow]]:
        """Every done contact but greetings, client by client in the order they happened, in
        batches: raw strings and day numbers, no ORM objects (a million rows pass through)."""
        query = (
            select(
                Interaction.client_id,
                epoch_days(Interaction.happened_at),
                type_coerce(Interaction.kind, String),
                type_coerce(Interaction.outcome, String),
                Interaction.refusal_reason_id,
                Interaction.manager_id,
            )
            .where(Interaction.status == Status.DONE, Interaction.happened_at.is_not(None),
                   Interaction.kind != Kind.GREETING)
            .order_by(Interaction.client_id, Interaction.happened_at, Interaction.id)
            .execution_options(yield_per=batch)
        )
        # Core, not the ORM: these are plain tuples, and the ORM's row handling costs as much again
        connection = await self.session.connection()
        result = await connection.stream(query)
        async for rows in result.partitions(batch):
            yield rows

    async def open_plans(self) -> list[OpenPlan]:
        """Each client's earliest open planned contact (greetings are never planned)."""
        rows = await self.session.execute(
            select(Interaction.client_id, Interaction.manager_id, type_coerce(Interaction.kind, String),
                   epoch_days(Interaction.planned_at))
            .where(Interaction.status == Status.PLANNED, Interaction.planned_at.is_not(None))
            .order_by(Interaction.client_id, Interaction.planned_at, Interaction.id)
        )
        plans: dict[int, OpenPlan] = {}
        for client, manager, kind, day in rows:
            if client not in plans:
                plans[client] = OpenPlan(client, manager, kind, day)
        return list(plans.values())

    async def replace(self, scores: list[dict[str, Any]], model: str, at: datetime) -> None:
        """All scores replaced by these (client_id, probability, reasons), in the caller's transaction."""
        await self.session.execute(delete(ClientScore))
        if scores:
            await self.session.execute(
                insert(ClientScore), [{**row, "model": model, "computed_at": at} for row in scores]
            )

    async def computed_at(self) -> datetime | None:
        """When the scores there are were computed (None: there are none)."""
        return await self.session.scalar(select(func.max(ClientScore.computed_at)))


class ScoreRepository:
    """Scores as people see them: of the clients in their scope, and of their own plans."""

    def __init__(self, session: AsyncSession, actor: User):
        self.session = session
        self.actor = actor

    async def of_client(self, client_id: int) -> ClientScore | None:
        return await self.session.scalar(
            select(ClientScore)
            .join(Client, Client.id == ClientScore.client_id)
            .where(ClientScore.client_id == client_id, owned_by_scope(self.actor, Client.owner_id))
        )

    async def any(self) -> bool:
        """Whether the model scored anyone (it does not below the minimum history)."""
        return bool(await self.session.scalar(select(exists().where(ClientScore.client_id.is_not(None)))))

    async def best(self, limit: int = 3) -> list[BestPlan]:
        """The actor's open planned contacts whose clients are likeliest to accept, best first."""
        rows = await self.session.execute(
            select(Interaction.id, Interaction.client_id, Client.name, Interaction.kind, Interaction.planned_at,
                   ClientScore.probability, ClientScore.reasons)
            .join(Client, Client.id == Interaction.client_id)
            .join(ClientScore, ClientScore.client_id == Interaction.client_id)
            .where(Interaction.manager_id == self.actor.id, Interaction.status == Status.PLANNED)
            .order_by(ClientScore.probability.desc(), Interaction.planned_at, Interaction.id)
            .limit(limit)
        )
        return [BestPlan(*row) for row in rows]
