"""One data handle per update: the session and the acting user, with every repository already
scoped to that user. Handlers take `repos` and never build a repository themselves."""

from __future__ import annotations

from functools import cached_property

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import User
from db.repositories.audit import AuditRepository
from db.repositories.callbacks import CallbackRepository
from db.repositories.checkins import CheckinRepository
from db.repositories.clients import ClientRepository
from db.repositories.imports import ImportRepository
from db.repositories.interactions import InteractionRepository
from db.repositories.limits import LimitRepository
from db.repositories.invites import InviteRepository
from db.repositories.plans import PlanRepository
from db.repositories.preferences import PreferencesRepository
from db.repositories.reasons import RefusalReasonRepository
from db.repositories.reminders import ReminderRepository
from db.repositories.reports import ReportRepository
from db.repositories.scoring import ScoreRepository
from db.repositories.system import SystemRepository
from db.repositories.trainings import TrainingRepository
from db.repositories.users import UserRepository


class Repos:
    def __init__(self, session: AsyncSession, actor: User | None):
        self.session = session
        self.actor = actor  # None for a sender who is not (yet) a user

    def acting_as(self, actor: User) -> Repos:
        """The same session for a user who came to exist during the update (an invite, an admin's first tap)."""
        return Repos(self.session, actor)

    @cached_property
    def clients(self) -> ClientRepository:
        return ClientRepository(self.session, self.actor)

    @cached_property
    def imports(self) -> ImportRepository:
        return ImportRepository(self.session, self.actor)

    @cached_property
    def checkins(self) -> CheckinRepository:
        return CheckinRepository(self.session, self.actor)

    @cached_property
    def interactions(self) -> InteractionRepository:
        return InteractionRepository(self.session, self.actor)

    @cached_property
    def users(self) -> UserRepository:
        return UserRepository(self.session, self.actor)

    @cached_property
    def reasons(self) -> RefusalReasonRepository:
        return RefusalReasonRepository(self.session, self.actor)

    @cached_property
    def invites(self) -> InviteRepository:
        return InviteRepository(self.session, self.actor)

    @cached_property
    def preferences(self) -> PreferencesRepository:
        return PreferencesRepository(self.session, self.actor)

    @cached_property
    def plans(self) -> PlanRepository:
        return PlanRepository(self.session, self.actor)

    @cached_property
    def reports(self) -> ReportRepository:
        return ReportRepository(self.session, self.actor)

    @cached_property
    def reminders(self) -> ReminderRepository:
        return ReminderRepository(self.session)

    @cached_property
    def system(self) -> SystemRepository:
        return SystemRepository(self.session)

    @cached_property
    def trainings(self) -> TrainingRepository:
        return TrainingRepository(self.session, self.actor)

    @cached_property
    def scores(self) -> ScoreRepository:
        return ScoreRepository(self.session, self.actor)

    @cached_property
    def callbacks(self) -> CallbackRepository:
        return CallbackRepository(self.session, self.actor)

    @cached_property
    def audit(self) -> AuditRepository:
        return AuditRepository(self.session, self.actor)

    @cached_property
    def limits(self) -> LimitRepository:
        return LimitRepository(self.session, self.actor)
