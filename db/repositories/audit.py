"""The audit trail: who opened, searched, exported or changed what, and who was refused, when.

Append-only and hash-chained: an entry's hash covers its fields and the hash of the entry before
it, so an entry edited, removed or moved breaks the chain, and `verify()` names the first that
does. Appending bumps the single chain-head row first (UPDATE ... RETURNING): PostgreSQL's row
lock, SQLite's database write lock, makes concurrent appenders take turns, so no two entries
chain to the same predecessor. The entry is written in the caller's transaction and commits, or
not, with what it records.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import String, Text, bindparam, cast, exists, insert, select, type_coerce, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import AuditEntry, AuditHead, AuditKind, Client, Team, User
from db.repositories.access import require_admin

GENESIS = "0" * 64  # the hash "before" the first entry
# Execution option on the log's writes: the update's transaction commits them, but does not count
# them as the person's records (a card that failed to show was not "saved", see bot/transaction.py).
BOOKKEEPING = "ladon_bookkeeping"
TEXT_MAX = 64  # of any text in an entry (a search's query, a stranger's name), the log keeps this much
BATCH = 1000  # entries per read while verifying

_log, _head = AuditEntry.__table__, AuditHead.__table__
_BUMP = (
    update(_head).where(_head.c.id == 1).values(seq=_head.c.seq + 1)
    .returning(_head.c.seq, _head.c.hash).execution_options(**{BOOKKEEPING: True})
)
_APPEND = insert(_log).execution_options(**{BOOKKEEPING: True})
# takes the head's lock and changes nothing: what is decided after it, one appender decides at a time
_HOLD = (
    update(_head).where(_head.c.id == 1).values(seq=_head.c.seq).execution_options(**{BOOKKEEPING: True})
)
_SEAL = (
    update(_head).where(_head.c.id == 1).values(hash=bindparam("sealed")).execution_options(**{BOOKKEEPING: True})
)


def seal(entry_id: int, at: datetime, actor_id: int | None, actor_tg_id: int | None, kind: str,
         what: Any, prev_hash: str) -> str:
    """sha256 over a canonical serialization of an entry's fields and the hash before it."""
    moment = at.astimezone(timezone.utc).isoformat(timespec="microseconds")
    payload = json.dumps(
        [entry_id, moment, actor_id, actor_tg_id, str(kind), what, prev_hash],
        sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Filter:
    """Whose entries (a user id; `strangers`: people who are not users) and of what kind."""

    actor_id: int | None = None
    strangers: bool = False
    kind: AuditKind | None = None


@dataclass(frozen=True)
class Line:
    id: int
    at: datetime
    actor_id: int | None
    actor_tg_id: int | None
    actor_name: str | None
    kind: AuditKind
    what: dict[str, Any]


@dataclass(frozen=True)
class Page:
    lines: list[Line]  # newest first
    newer: bool  # there are newer entries than the first line
    older: bool  # and older ones than the last


@dataclass(frozen=True)
class Verdict:
    count: int  # entries checked
    bad_id: int | None = None  # the first entry that breaks the chain (or is missing)
    why: str = ""
    head: str = ""  # the chain head's hash: noted elsewhere, it shows a chain rewritten since

    @property
    def ok(self) -> bool:
        return self.bad_id is None and not self.why


class AuditRepository:
    def __init__(self, session: AsyncSession, actor: User | None = None):
        self.session = session
        self.actor = actor

    async def record(self, kind: AuditKind | str, what: dict[str, Any], *, tg_id: int | None = None,
                     at: datetime | None = None) -> int:
        """Append an entry by the acting user (or, with no user, by the Telegram id given); its id."""
        kind = AuditKind(kind)  # a kind no entry may carry fails before the chain moves
        what = {key: value[:TEXT_MAX] if isinstance(value, str) else value for key, value in what.items()}
        what = json.loads(json.dumps(what))  # as the database will hand it back: what is hashed is what is read
        row = (await self.session.execute(_BUMP)).one_or_none()
        if row is None:
            raise RuntimeError("the audit chain head is missing: run `python -m bot audit verify`")
        seq, prev = row
        at = at or utcnow()
        actor_id = self.actor.id if self.actor is not None else None
        actor_tg_id = self.actor.tg_id if self.actor is not None else tg_id
        digest = seal(seq, at, actor_id, actor_tg_id, kind, what, prev)
        await self.session.execute(_APPEND, {
            "id": seq, "at": at, "actor_id": actor_id, "actor_tg_id": actor_tg_id, "kind": kind,
            "what": what, "prev_hash": prev, "hash": digest,
        })
        await self.session.execute(_SEAL, {"sealed": digest})
        return seq

    async def hold(self) -> None:
        """Wait for the chain head's lock and keep it to the end of the transaction, appending
        nothing: a decision read from the log after this (say, "no alert sent yet") cannot be
        made twice by two appenders at once. On PostgreSQL a row lock (and each later statement
        sees what committed before it); on SQLite the database's write lock."""
        await self.session.execute(_HOLD)

    # ---- reading, for admins -----------------------------------------------------------------

    @staticmethod
    def _where(wanted: Filter) -> list:
        clauses = []
        if wanted.strangers:
            clauses.append(AuditEntry.actor_id.is_(None))
        elif wanted.actor_id is not None:
            clauses.append(AuditEntry.actor_id == wanted.actor_id)
        if wanted.kind is not None:
            clauses.append(AuditEntry.kind == wanted.kind)
        return clauses

    async def page(self, wanted: Filter, *, before: int | None = None, after: int | None = None,
                   size: int = 20) -> Page:
        """Up to `size` entries, newest first: the newest ones, those older than `before`, or those
        just newer than `after` (when fewer than a page are newer, the newest page)."""
        require_admin(self.actor)
        where = self._where(wanted)
        query = (
            select(AuditEntry, User.full_name).outerjoin(User, User.id == AuditEntry.actor_id).where(*where)
            .limit(size + 1)
        )
        rows: list = []
        if after is not None:
            rows = list(await self.session.execute(query.where(AuditEntry.id > after).order_by(AuditEntry.id)))
            if len(rows) <= size:
                rows = []  # not a whole page newer: show the newest
            else:
                rows = rows[:size][::-1]
        if not rows:
            if after is None and before is not None:
                query = query.where(AuditEntry.id < before)
            rows = list(await self.session.execute(query.order_by(AuditEntry.id.desc())))[:size]
        lines = [Line(e.id, e.at, e.actor_id, e.actor_tg_id, name, e.kind, e.what) for e, name in rows]
        if not lines:
            return Page([], False, False)
        newer = await self.session.scalar(select(exists().where(*where, AuditEntry.id > lines[0].id)))
        older = await self.session.scalar(select(exists().where(*where, AuditEntry.id < lines[-1].id)))
        return Page(lines, bool(newer), bool(older))

    async def actors(self) -> list[User]:
        """Everyone who may appear in the log, to filter by: all users, by name."""
        require_admin(self.actor)
        return list(await self.session.scalars(select(User).order_by(User.full_name, User.id)))

    async def names(self, clients: set[int], users: set[int], teams: set[int]) -> tuple[dict, dict, dict]:
        """Current names of the clients, users and teams the entries on a page refer to."""
        require_admin(self.actor)

        async def of(model, ids: set[int], column) -> dict[int, str]:
            if not ids:
                return {}
            return dict((await self.session.execute(select(model.id, column).where(model.id.in_(ids)))).all())

        return (await of(Client, clients, Client.name), await of(User, users, User.full_name),
                await of(Team, teams, Team.name))

    # ---- checking the chain ------------------------------------------------------------------

    async def _entries(self, last: int) -> AsyncIterator[tuple]:
        # kind and what read raw: a value no model accepts is a finding, not a crash
        columns = (_log.c.id, _log.c.at, _log.c.actor_id, _log.c.actor_tg_id, type_coerce(_log.c.kind, String),
                   cast(_log.c.what, Text), _log.c.prev_hash, _log.c.hash)
        after = 0
        while True:
            rows = (await self.session.execute(
                select(*columns).where(_log.c.id > after, _log.c.id <= last).order_by(_log.c.id).limit(BATCH)
            )).all()
            for row in rows:
                yield tuple(row)
            if len(rows) < BATCH:
                return
            after = rows[-1][0]

    async def verify(self) -> Verdict:
        """Walk the chain from its first entry to the head (in batches): the first entry that is
        missing, moved or edited, or that the head does not match; entries appended while it
        runs are left for the next run."""
        head = (await self.session.execute(select(_head.c.seq, _head.c.hash).where(_head.c.id == 1))).one_or_none()
        if head is None:
            return Verdict(0, None, "the chain head (audit_head) is missing")
        last_id, prev_hash, count = 0, GENESIS, 0
        async for entry_id, at, actor_id, actor_tg_id, kind, what_text, prev, digest in self._entries(head.seq):
            if entry_id != last_id + 1:
                gap = f"{last_id + 1}" if entry_id == last_id + 2 else f"{last_id + 1}–{entry_id - 1}"
                return Verdict(count, last_id + 1, f"removed: entry {entry_id} follows entry {last_id} (missing: {gap})")
            if prev != prev_hash:
                return Verdict(count, entry_id, f"out of place: it does not follow entry {last_id} "
                                                "(entries were reordered, or the one before was replaced)")
            try:
                what = json.loads(what_text)
            except (TypeError, ValueError):
                return Verdict(count, entry_id, "edited: its details are not valid JSON")
            if kind not in AuditKind._value2member_map_ or seal(entry_id, at, actor_id, actor_tg_id, kind, what, prev) != digest:
                return Verdict(count, entry_id, "edited: its fields do not match its hash")
            last_id, prev_hash, count = entry_id, digest, count + 1
        if last_id != head.seq:
            return Verdict(count, last_id + 1, f"removed: the chain head says {head.seq} entries, the log ends at {last_id}")
        if head.hash != prev_hash:
            return Verdict(count, last_id or None, "the chain head does not match the last entry's hash")
        first = await self.session.scalar(select(_log.c.id).where(_log.c.id > head.seq).order_by(_log.c.id).limit(1))
        now = await self.session.scalar(select(_head.c.seq).where(_head.c.id == 1))
        if first is not None and (now is None or now < first):  # not appended since the walk began
            return Verdict(count, first, "not chained: written past the chain head")
        return Verdict(count, head=head.hash)
