"""Trainings and who took part, scoped by the acting user: heads record them for their team's
managers, admins for anyone; a manager reads only the trainings they took part in, and sees only
themselves among the participants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Role, Training, TrainingParticipant, User
from db.repositories.access import AccessDenied, NotFound, owned_by_scope
from db.repositories.reports import Person

TOPIC_MAX = 200


@dataclass(frozen=True)
class TrainingItem:
    """A line of the list: the training and how many of its participants the actor may see."""

    id: int
    day: date
    topic: str
    participants: int


@dataclass(frozen=True)
class TrainingInfo:
    id: int
    day: date
    topic: str
    participants: list[Person]  # those the actor may see, by name


def clean_topic(text: str) -> str:
    """Whitespace collapsed; ValueError when empty or longer than TOPIC_MAX."""
    topic = " ".join(text.split())
    if not topic or len(topic) > TOPIC_MAX:
        raise ValueError("topic length")
    return topic


class TrainingRepository:
    def __init__(self, session: AsyncSession, actor: User):
        self.session = session
        self.actor = actor

    def _visible(self):
        """Trainings with a participant in the actor's scope (every training for an admin)."""
        if self.actor.role == Role.ADMIN:
            return Training.id.is_not(None)
        return exists().where(
            TrainingParticipant.training_id == Training.id,
            owned_by_scope(self.actor, TrainingParticipant.user_id),
        )

    async def recent(self, *, limit: int, offset: int = 0) -> tuple[list[TrainingItem], int]:
        """A page of the trainings the actor may see, the latest first, and how many there are."""
        visible = self._visible()
        total = await self.session.scalar(select(func.count()).select_from(Training).where(visible))
        seen = (
            select(func.count())
            .select_from(TrainingParticipant)
            .where(TrainingParticipant.training_id == Training.id, owned_by_scope(self.actor, TrainingParticipant.user_id))
            .correlate(Training)
            .scalar_subquery()
        )
        rows = await self.session.execute(
            select(Training.id, Training.day, Training.topic, seen)
            .where(visible)
            .order_by(Training.day.desc(), Training.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return [TrainingItem(i, d, t, n) for i, d, t, n in rows], int(total or 0)

    async def get(self, training_id: int) -> TrainingInfo:
        """NotFound for a training that does not exist or is not the actor's to see (alike)."""
        training = await self.session.scalar(select(Training).where(Training.id == training_id, self._visible()))
        if training is None:
            raise NotFound
        rows = await self.session.execute(
            select(User.id, User.full_name, User.team_id, User.unreachable_at, User.timezone)
            .join(TrainingParticipant, TrainingParticipant.user_id == User.id)
            .where(TrainingParticipant.training_id == training_id, owned_by_scope(self.actor, User.id))
            .order_by(User.full_name, User.id)
        )
        people = [Person(i, name, team, blocked is not None, zone) for i, name, team, blocked, zone in rows]
        return TrainingInfo(training.id, training.day, training.topic, people)

    async def candidates(self) -> list[Person]:
        """Who the actor may record as participants: active managers of a head's team, any for an
        admin, nobody for a manager."""
        if self.actor.role not in (Role.HEAD, Role.ADMIN):
            return []
        rows = await self.session.execute(
            select(User.id, User.full_name, User.team_id, User.unreachable_at, User.timezone)
            .where(owned_by_scope(self.actor, User.id), User.is_active.is_(True), User.role == Role.MANAGER)
            .order_by(User.full_name, User.id)
        )
        return [Person(i, name, team, blocked is not None, zone) for i, name, team, blocked, zone in rows]

    async def record(self, day: date, topic: str, participant_ids: list[int], at: datetime) -> Training:
        """AccessDenied for a manager; NotFound when a participant is not one of the candidates
        (nothing is written then); ValueError for a topic out of bounds or nobody named."""
        if self.actor.role not in (Role.HEAD, Role.ADMIN):
            raise AccessDenied
        topic = clean_topic(topic)
        wanted = set(participant_ids)
        if not wanted:
            raise ValueError("no participants")
        allowed = {p.id for p in await self.candidates()}
        if not wanted <= allowed:
            raise NotFound
        training = Training(day=day, topic=topic, created_by_id=self.actor.id, created_at=at)
        self.session.add(training)
        await self.session.flush()
        self.session.add_all(TrainingParticipant(training_id=training.id, user_id=u) for u in sorted(wanted))
        await self.session.flush()
        return training

    async def comparison(self, training_id: int, since: date, until: date) -> list[int]:
        """The managers a training's effect is measured against: active managers of the teams
        its participants are in who did not take part, nor in another training held within
        [since, until] (their own training would pass for a change in the yardstick).

        Only for pooled figures: for a manager these are colleagues whose figures they may not
        see one by one, so callers show nothing of them but a sum over all of them."""
        if await self.session.scalar(select(Training.id).where(Training.id == training_id, self._visible())) is None:
            raise NotFound
        took_part = select(TrainingParticipant.user_id).where(TrainingParticipant.training_id == training_id)
        teams = select(User.team_id).where(User.id.in_(took_part), User.team_id.is_not(None))
        trained_then = (
            select(TrainingParticipant.user_id)
            .join(Training, Training.id == TrainingParticipant.training_id)
            .where(Training.day >= since, Training.day <= until)
        )
        rows = await self.session.scalars(
            select(User.id)
            .where(
                User.team_id.in_(teams), User.role == Role.MANAGER, User.is_active.is_(True),
                User.id.not_in(took_part), User.id.not_in(trained_then),
            )
            .order_by(User.id)
        )
        return list(rows)
