"""Importing a client base (admins): what the company has, read once for matching, and a planned
import written in bulk, in the caller's transaction (nothing of it is committed here)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import Client, ClientStatus, ContactPerson, User
from db.repositories.access import NotFound, require_admin
from db.repositories.clients import name_key

CLIENT_FIELDS = ("inn", "industry", "city", "address", "notes")
PERSON_FIELDS = ("name", "position", "phone", "email", "birthday")
BATCH = 2_000  # rows per statement: SQLite allows 32,766 parameters, and 2,000 rows of clients use 18,000

_clients, _persons = Client.__table__, ContactPerson.__table__


@dataclass(frozen=True)
class ClientRow:
    id: int
    name: str
    inn: str | None
    industry: str | None
    city: str | None
    address: str | None
    notes: str | None


@dataclass(frozen=True)
class PersonRow:
    id: int
    client_id: int
    name: str
    position: str | None
    phone: str | None
    email: str | None
    birthday: date | None


@dataclass
class NewClient:
    name: str
    owner_id: int
    fields: dict[str, Any]  # of CLIENT_FIELDS
    persons: list[dict[str, Any]] = field(default_factory=list)  # of PERSON_FIELDS


@dataclass
class ClientChange:
    id: int
    fields: dict[str, Any]  # only what changes
    persons: list[dict[str, Any]] = field(default_factory=list)  # new contact persons
    fills: dict[int, dict[str, Any]] = field(default_factory=dict)  # contact person id -> fields


@dataclass(frozen=True)
class Applied:
    created: int
    updated: int
    persons: int


class ImportRepository:
    def __init__(self, session: AsyncSession, actor: User | None):
        self.session = session
        self.actor = actor

    async def clients(self) -> list[ClientRow]:
        """Every client of the company: duplicates are found company-wide, whoever owns them."""
        require_admin(self.actor)
        rows = await self.session.execute(select(
            _clients.c.id, _clients.c.name, _clients.c.inn, _clients.c.industry, _clients.c.city,
            _clients.c.address, _clients.c.notes))
        return [ClientRow(*row) for row in rows]

    async def persons(self) -> list[PersonRow]:
        require_admin(self.actor)
        rows = await self.session.execute(select(
            _persons.c.id, _persons.c.client_id, _persons.c.name, _persons.c.position, _persons.c.phone,
            _persons.c.email, _persons.c.birthday))
        return [PersonRow(*row) for row in rows]

    async def owners(self) -> list[User]:
        """Who can be given clients: people whose access is on."""
        require_admin(self.actor)
        return list(await self.session.scalars(select(User).where(User.is_active.is_(True)).order_by(User.full_name)))

    async def owner(self, user_id: int) -> User:
        require_admin(self.actor)
        user = await self.session.get(User, user_id)
        if user is None or not user.is_active:
            raise NotFound
        return user

    async def apply(self, new: Sequence[NewClient], changes: Sequence[ClientChange]) -> Applied:
        """Creates and changes clients in bulk. Every owner must be someone whose access is on
        (NotFound otherwise, before anything is written)."""
        require_admin(self.actor)
        owners = {c.owner_id for c in new}
        if owners:
            active = set(await self.session.scalars(
                select(User.id).where(User.id.in_(owners), User.is_active.is_(True))))
            if active != owners:
                raise NotFound
        now = utcnow()
        persons: list[dict[str, Any]] = []
        # ids in the order given, on both databases (INSERT ... RETURNING in batches of rows)
        returning = insert(_clients).returning(_clients.c.id, sort_by_parameter_order=True)
        for start in range(0, len(new), BATCH):
            batch = new[start:start + BATCH]
            rows = [{"name": c.name, "name_key": name_key(c.name), "owner_id": c.owner_id, "status": ClientStatus.LEAD,
                     "created_at": now, **{f: c.fields.get(f) for f in CLIENT_FIELDS}} for c in batch]
            ids = list(await self.session.scalars(returning, rows))
            for client, client_id in zip(batch, ids, strict=True):
                persons += [_person(client_id, p) for p in client.persons]
        for group in _by_keys((c.id, c.fields) for c in changes if c.fields).values():
            await self._update(_clients, group)
        fills = [(person_id, values) for c in changes for person_id, values in c.fills.items() if values]
        for group in _by_keys(fills).values():
            await self._update(_persons, group)
        persons += [_person(c.id, p) for c in changes for p in c.persons]
        for start in range(0, len(persons), BATCH):
            await self.session.execute(insert(_persons), persons[start:start + BATCH])
        return Applied(len(new), len(changes), len(persons))

    async def _update(self, table, rows: list[dict[str, Any]]) -> None:
        names = [k for k in rows[0] if k != "b_id"]
        statement = update(table).where(table.c.id == bindparam("b_id")).values(
            {name: bindparam(f"b_{name}") for name in names})
        bound = [{"b_id": row["b_id"], **{f"b_{n}": row[n] for n in names}} for row in rows]
        for start in range(0, len(bound), BATCH):
            await self.session.execute(statement, bound[start:start + BATCH])


def _person(client_id: int, values: dict[str, Any]) -> dict[str, Any]:
    return {"client_id": client_id, **{f: values.get(f) for f in PERSON_FIELDS}}


def _by_keys(items) -> dict[tuple[str, ...], list[dict[str, Any]]]:
    """Rows to update grouped by which columns they set: one executemany per group."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for row_id, values in items:
        keys = tuple(sorted(values))
        groups[keys].append({"b_id": row_id, **values})
    return groups
