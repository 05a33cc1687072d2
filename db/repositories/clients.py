from __future__ import annotations

import re
from dataclasses import dataclass
from calendar import isleap as _leap
from datetime import date, timedelta

from rapidfuzz import fuzz, process
from sqlalchemy import Row, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from db.models import Client, ClientStatus, ContactPerson, Interaction, User
from db.repositories.access import NotFound, owned_by_scope, scope_key, scope_params, scopes_by_key

NAME_MAX = 200
_SPACES = re.compile(r"\s+")
_WORDS = re.compile(r"[^\w]+")
_QUOTES = str.maketrans({c: " " for c in "\"'«»“”„`"})


def name_key(name: str) -> str:
    """Search key: casefolded (Cyrillic too), "ё" as "е", quotes dropped, spaces collapsed."""
    return _SPACES.sub(" ", name.translate(_QUOTES).casefold().replace("ё", "е")).strip()


def clean_name(name: str) -> str:
    return _SPACES.sub(" ", name).strip()


class TakenInn(Exception):
    """Another client of the company already has this INN: one company, one record. `holder` is
    that card when the actor may see it, else None (a manager learns no one else's client)."""

    def __init__(self, holder: Client | None):
        super().__init__(holder.id if holder else None)
        self.holder = holder


@dataclass(frozen=True)
class Match:
    client_id: int
    name: str
    score: float


def rank(query: str, candidates: list[tuple[int, str, str]], limit: int = 8) -> list[Match]:
    """Substring hits first (prefix of a word best), then typo-tolerant fuzzy hits."""
    key = name_key(query)
    if len(key) < 2:
        return []
    exact: list[Match] = []
    rest: list[tuple[int, str, str]] = []
    for client_id, name, nkey in candidates:
        pos = nkey.find(key)
        if pos < 0:
            rest.append((client_id, name, nkey))
            continue
        word_start = pos == 0 or not nkey[pos - 1].isalnum()
        exact.append(Match(client_id, name, 200.0 - pos if word_start else 150.0 - pos))
    exact.sort(key=lambda m: (-m.score, m.name))
    if len(exact) >= limit or len(key) < 3:
        return exact[:limit]
    fuzzy = process.extract(
        key,
        {i: c[2] for i, c in enumerate(rest)},
        scorer=fuzz.partial_ratio,
        score_cutoff=75 if len(key) >= 5 else 80,
        limit=(limit - len(exact)) * 3,
    )
    # partial_ratio finds the candidates fast (C, over every name); the few found are ranked by
    # the closest whole word, so "вектр" puts "Вектор-М" before "Северный ветер"
    ranked = sorted(
        (Match(rest[i][0], rest[i][1], max(score * 0.9, _closest_word(key, rest[i][2]))) for _, score, i in fuzzy),
        key=lambda m: (-m.score, m.name),
    )
    return exact + ranked[: limit - len(exact)]


def _closest_word(key: str, name_key_: str) -> float:
    return max((fuzz.ratio(key, word) for word in _WORDS.split(name_key_) if word), default=0.0)


RECENT = 6


def _recent_statements() -> dict[str, object]:
    # the actor's newest logged contacts (an index range), grouped by client: the menu's list,
    # read on every "log a contact", so built once per scope with the actor as parameters
    latest = (
        select(Interaction.client_id, Interaction.logged_at)
        .where(Interaction.manager_id == bindparam("scope_actor"), Interaction.logged_at.is_not(None))
        .order_by(Interaction.logged_at.desc())
        .limit(RECENT * 8)
        .subquery()
    )
    last = select(latest.c.client_id, func.max(latest.c.logged_at).label("last")).group_by(latest.c.client_id).subquery()
    return {
        key: select(Client.id, Client.name)
        .where(scope)
        .join(last, last.c.client_id == Client.id)
        .order_by(last.c.last.desc(), Client.id.desc())
        .limit(RECENT)
        for key, scope in scopes_by_key(Client.owner_id).items()
    }


_RECENT = _recent_statements()
_NAME = {key: select(Client.name).where(scope, Client.id == bindparam("client")) for key, scope in scopes_by_key(Client.owner_id).items()}
_STATUS = {key: select(Client.status).where(scope, Client.id == bindparam("client")) for key, scope in scopes_by_key(Client.owner_id).items()}
_SET_STATUS = (
    update(Client).where(Client.id == bindparam("client")).values(status=bindparam("status"))
    .execution_options(synchronize_session=False)  # no loaded card to keep in step: read by id
)


class ClientRepository:
    def __init__(self, session: AsyncSession, actor: User):
        self.session = session
        self.actor = actor

    def _scoped(self):
        return select(Client).where(owned_by_scope(self.actor, Client.owner_id))

    async def get(self, client_id: int) -> Client:
        client = await self.session.scalar(self._scoped().where(Client.id == client_id))
        if client is None:
            raise NotFound
        return client

    async def card(self, client_id: int) -> Client:
        client = await self.session.scalar(
            self._scoped()
            .where(Client.id == client_id)
            .options(selectinload(Client.contacts), selectinload(Client.owner))
        )
        if client is None:
            raise NotFound
        return client

    async def recent(self) -> list[Row]:
        """(id, name) of the actor's most recently contacted clients, then of their newest ones."""
        params = scope_params(self.actor)
        result = list(await self.session.execute(_RECENT[scope_key(self.actor)], params))
        if len(result) < RECENT:
            newest = await self.session.execute(
                select(Client.id, Client.name)
                .where(Client.owner_id == self.actor.id, Client.id.not_in([c.id for c in result]))
                .order_by(Client.created_at.desc(), Client.id.desc())
                .limit(RECENT - len(result))
            )
            result.extend(newest)
        return result

    async def status_of(self, client_id: int) -> ClientStatus:
        """The status of a client the actor may see (NotFound otherwise)."""
        status = await self.session.scalar(_STATUS[scope_key(self.actor)], {**scope_params(self.actor), "client": client_id})
        if status is None:
            raise NotFound
        return status

    async def set_status(self, client_id: int, status: ClientStatus) -> None:
        """Of a client `status_of` let the actor see."""
        await self.session.execute(_SET_STATUS, {"client": client_id, "status": status})

    async def name_of(self, client_id: int) -> str:
        """The name of a client the actor may see (NotFound otherwise)."""
        name = await self.session.scalar(_NAME[scope_key(self.actor)], {**scope_params(self.actor), "client": client_id})
        if name is None:
            raise NotFound
        return name

    async def search(self, query: str, limit: int = 8) -> list[Match]:
        """By name (see `rank`); four or more digits also find the clients whose INN has them."""
        scope = owned_by_scope(self.actor, Client.owner_id)
        by_inn: list[Match] = []
        digits = query.replace(" ", "")
        if len(digits) >= 4 and digits.isdigit():
            rows = await self.session.execute(
                select(Client.id, Client.name).where(scope, Client.inn.contains(digits)).order_by(Client.name).limit(limit)
            )
            by_inn = [Match(client_id, name, 300.0) for client_id, name in rows]
        rows = await self.session.execute(select(Client.id, Client.name, Client.name_key).where(scope))
        found = {m.client_id for m in by_inn}
        by_name = [m for m in rank(query, [tuple(r) for r in rows], limit) if m.client_id not in found]
        return (by_inn + by_name)[:limit]

    async def birthdays(self, today: date, days: int) -> list[tuple[ContactPerson, Client, date]]:
        """Contact persons of the actor's own clients whose birthday falls in [today, today + days)."""
        rows = await self.session.execute(
            select(ContactPerson, Client)
            .join(Client, Client.id == ContactPerson.client_id)
            .where(Client.owner_id == self.actor.id, ContactPerson.birthday.is_not(None))
        )
        upcoming = []
        for person, client in rows:
            for offset in range(days):
                day = today + timedelta(days=offset)
                born = person.birthday
                # 29 February birthdays are celebrated on 28 February in common years
                if (born.month, born.day) == (day.month, day.day) or (
                    (born.month, born.day) == (2, 29) and (day.month, day.day) == (2, 28) and not _leap(day.year)
                ):
                    upcoming.append((person, client, day))
                    break
        return sorted(upcoming, key=lambda row: (row[2], row[0].name))

    async def person(self, person_id: int) -> tuple[ContactPerson, Client]:
        row = (
            await self.session.execute(
                select(ContactPerson, Client)
                .join(Client, Client.id == ContactPerson.client_id)
                .where(ContactPerson.id == person_id, owned_by_scope(self.actor, Client.owner_id))
            )
        ).first()
        if row is None:
            raise NotFound
        return row[0], row[1]

    EDITABLE = {"name": NAME_MAX, "inn": 12, "industry": 100, "city": 100, "address": 300, "notes": 2000}

    async def set_field(self, client_id: int, field: str, value: str | None) -> Client:
        """Change one detail of a client; the caller has validated the value's form."""
        if field not in self.EDITABLE or (value is not None and len(value) > self.EDITABLE[field]):
            raise ValueError(field)
        client = await self.get(client_id)
        if field == "name":
            if not value:
                raise ValueError(field)
            client.name_key = name_key(value)
        if field == "inn" and value:
            # company-wide, whoever owns it: a second record would split the company's history
            holder = await self.session.scalar(
                select(Client).where(Client.inn == value, Client.id != client.id).options(selectinload(Client.owner))
            )
            if holder is not None:
                visible = await self.session.scalar(self._scoped().where(Client.id == holder.id).with_only_columns(Client.id))
                raise TakenInn(holder if visible is not None else None)
        setattr(client, field, value)
        await self.session.flush()
        return client

    async def set_status(self, client_id: int, status: ClientStatus) -> Client:
        client = await self.get(client_id)
        client.status = status
        await self.session.flush()
        return client

    async def create(self, name: str) -> Client:
        name = clean_name(name)
        if not name or len(name) > NAME_MAX:
            raise ValueError("client name length")
        client = Client(name=name, name_key=name_key(name), owner_id=self.actor.id)
        self.session.add(client)
        await self.session.flush()
        return client

    PERSON_FIELDS = ("name", "position", "phone", "email", "birthday")

    async def set_person_field(self, person_id: int, field: str, value: str | date | None) -> ContactPerson:
        """Correct one detail of a contact person of a client the actor may change; the name stays."""
        if field not in self.PERSON_FIELDS or (field == "name" and not value):
            raise ValueError(field)
        person, _client = await self.person(person_id)
        setattr(person, field, value)
        await self.session.flush()
        return person

    async def remove_person(self, person_id: int) -> tuple[ContactPerson, Client]:
        """A contact person who left; contacts logged with them keep their history (the link is cleared)."""
        person, client = await self.person(person_id)
        await self.session.delete(person)
        await self.session.flush()
        return person, client

    async def add_contact_person(
        self,
        client_id: int,
        *,
        name: str,
        position: str | None = None,
        phone: str | None = None,
        email: str | None = None,
        birthday: date | None = None,
    ) -> ContactPerson:
        client = await self.get(client_id)
        person = ContactPerson(
            client_id=client.id, name=name, position=position, phone=phone, email=email, birthday=birthday
        )
        self.session.add(person)
        await self.session.flush()
        return person
