"""What every update reads before its handler runs, in one statement instead of three.

Whether it is a redelivery, who sent it, and (with the database FSM) their conversation state:
each was a round trip of its own, and on SQLite a round trip costs far more than the lookup.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import FsmRecord, ProcessedUpdate, User
from db.repositories.fsm import FsmRepository
from db.repositories.system import SystemRepository

_FSM = FsmRecord.__table__
_SEEN = exists().where(ProcessedUpdate.__table__.c.update_id == bindparam("update_id")).label("seen")
_STATE = select(_FSM.c.state).where(_FSM.c.key == bindparam("key")).scalar_subquery().label("state")
_DATA = select(_FSM.c.data).where(_FSM.c.key == bindparam("key")).scalar_subquery().label("data")
_BY_SENDER = select(User, _SEEN).where(User.tg_id == bindparam("tg_id"))
_BY_SENDER_WITH_FSM = select(User, _SEEN, _STATE, _DATA).where(User.tg_id == bindparam("tg_id"))


@dataclass(frozen=True)
class UpdateContext:
    seen: bool
    user: User | None
    fsm: tuple[str | None, dict[str, Any]] | None  # None when not read: no key given, or no such user


async def load_context(session: AsyncSession, update_id: int, tg_id: int | None, fsm_key: str | None) -> UpdateContext:
    """The update's context; a sender who is not a user (or no sender) costs a second, cheap read."""
    row = None
    if tg_id is not None:
        if fsm_key is None:
            row = (await session.execute(_BY_SENDER, {"tg_id": tg_id, "update_id": update_id})).first()
        else:
            params = {"tg_id": tg_id, "update_id": update_id, "key": fsm_key}
            row = (await session.execute(_BY_SENDER_WITH_FSM, params)).first()
    if row is None:
        return UpdateContext(seen=await SystemRepository(session).seen(update_id), user=None, fsm=None)
    fsm = FsmRepository.from_row(row.state, row.data) if fsm_key is not None else None
    return UpdateContext(seen=bool(row.seen), user=row.User, fsm=fsm)
