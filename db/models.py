"""The CRM's tables. Times are UTC; enums are stored as checked strings so both backends agree."""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, BigIntPK, UTCDateTime, utcnow


class Role(enum.StrEnum):
    MANAGER = "manager"
    HEAD = "head"
    ADMIN = "admin"


class ClientStatus(enum.StrEnum):
    LEAD = "lead"
    ACTIVE = "active"
    LOST = "lost"


class Kind(enum.StrEnum):
    MEETING = "meeting"
    CALL = "call"
    EMAIL = "email"
    MESSAGE = "message"
    GREETING = "greeting"
    OTHER = "other"


class Status(enum.StrEnum):
    PLANNED = "planned"
    DONE = "done"
    CANCELLED = "cancelled"


class Outcome(enum.StrEnum):
    AGREED = "agreed"
    REFUSED = "refused"
    RESCHEDULED = "rescheduled"
    REVISED_OFFER = "revised_offer"
    THINKING = "thinking"
    NO_ANSWER = "no_answer"


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=lambda e: [m.value for m in e],
    )


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tg_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    username: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[Role] = mapped_column(_enum(Role, "role"), default=Role.MANAGER)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"), index=True)
    timezone: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # reminders: local times, lead time, what is muted; set when Telegram says the bot is blocked
    morning_at: Mapped[time] = mapped_column(Time, default=time(9, 0))
    evening_at: Mapped[time] = mapped_column(Time, default=time(18, 30))
    meeting_lead_min: Mapped[int] = mapped_column(Integer, default=60)
    mute_morning: Mapped[bool] = mapped_column(Boolean, default=False)
    mute_evening: Mapped[bool] = mapped_column(Boolean, default=False)
    mute_meeting: Mapped[bool] = mapped_column(Boolean, default=False)
    mute_summary: Mapped[bool] = mapped_column(Boolean, default=False)
    remind_calls: Mapped[bool] = mapped_column(Boolean, default=False)  # calls get the pre-meeting reminder too
    unreachable_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    team: Mapped[Team | None] = relationship(lazy="raise")


class Invite(Base):
    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Client(Base):
    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # casefolded, "ё" folded to "е": the key for case-insensitive Cyrillic search
    name_key: Mapped[str] = mapped_column(String(200))
    inn: Mapped[str | None] = mapped_column(String(12))
    industry: Mapped[str | None] = mapped_column(String(100))
    city: Mapped[str | None] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(String(300))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    status: Mapped[ClientStatus] = mapped_column(
        _enum(ClientStatus, "client_status"), default=ClientStatus.LEAD
    )
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # where the client is: set by the first check-ins there or by an admin ("checkin" / "admin")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    location_source: Mapped[str | None] = mapped_column(String(16))

    owner: Mapped[User] = relationship(lazy="raise")
    contacts: Mapped[list[ContactPerson]] = relationship(
        lazy="raise", order_by="ContactPerson.id", cascade="all, delete-orphan"
    )


class ContactPerson(Base):
    __tablename__ = "contact_persons"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    birthday: Mapped[date | None] = mapped_column(Date)


class RefusalReason(Base):
    __tablename__ = "refusal_reasons"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    # built-in reasons carry a code and are shown translated; custom ones carry a title
    code: Mapped[str | None] = mapped_column(String(32), unique=True)
    title: Mapped[str | None] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # what a head is advised when a manager's refusals are mostly this reason, as an admin wrote
    # it; None: the built-in advice for the code, in the reader's language
    advice: Mapped[str | None] = mapped_column(Text)


class Interaction(Base):
    __tablename__ = "interactions"
    __table_args__ = (
        Index("ix_interactions_manager_status_planned", "manager_id", "status", "planned_at"),
        # the reports read whole months of a team's contacts from these two alone (no row of the
        # table itself): on a million contacts, SQLite's months of 50 managers in a quarter of the time
        Index("ix_interactions_manager_logged_cover", "manager_id", "logged_at", "status", "happened_at"),
        Index("ix_interactions_client_happened", "client_id", "happened_at"),
        Index("ix_interactions_client_status_planned", "client_id", "status", "planned_at"),
        Index("ix_interactions_manager_status_happened_cover", "manager_id", "status", "happened_at", "kind", "outcome",
              "amount_minor", "refusal_reason_id"),
        # "are check-ins in use?" asks for the few rows that have one: without it, a scan of every
        # contact of the managers asked about (1.5 s for 50 managers on a million contacts)
        Index("ix_interactions_manager_checkin", "manager_id", "checkin_at", sqlite_where=text("checkin_at IS NOT NULL"),
              postgresql_where=text("checkin_at IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    contact_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact_persons.id", ondelete="SET NULL")
    )
    manager_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    kind: Mapped[Kind] = mapped_column(_enum(Kind, "kind"))
    status: Mapped[Status] = mapped_column(_enum(Status, "status"))
    planned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    happened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    logged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[Outcome | None] = mapped_column(_enum(Outcome, "outcome"))
    refusal_reason_id: Mapped[int | None] = mapped_column(
        ForeignKey("refusal_reasons.id", ondelete="RESTRICT")
    )
    # money in minor units (kopecks): exact on both backends, no Decimal quirks in SQLite
    amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    note: Mapped[str | None] = mapped_column(Text)
    voice_file_id: Mapped[str | None] = mapped_column(String(200))
    # photos kept as notes (a business card, a shelf, a signed offer): Telegram file ids, sent again by id
    photo_file_ids: Mapped[list[str] | None] = mapped_column(JSON)
    next_step_id: Mapped[int | None] = mapped_column(
        ForeignKey("interactions.id", ondelete="SET NULL")
    )
    # what undoing this logged contact puts back besides itself: {"created_client": true} (the client
    # was created with it), {"client_status": "lead"} (it made a lead a client), {"note": ...} (the
    # planned contact's notes before its comment was appended)
    undo: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # "📍 I'm at the client": where and when the manager shared their location for this contact,
    # and how far that was from the client's known location (None while the client has none)
    checkin_lat: Mapped[float | None] = mapped_column(Float)
    checkin_lon: Mapped[float | None] = mapped_column(Float)
    checkin_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checkin_distance_m: Mapped[float | None] = mapped_column(Float)

    client: Mapped[Client] = relationship(lazy="raise")
    refusal_reason: Mapped[RefusalReason | None] = relationship(lazy="raise")
    contact_person: Mapped[ContactPerson | None] = relationship(lazy="raise")


class ReminderKind(enum.StrEnum):
    MORNING = "morning"
    EVENING = "evening"
    MEETING = "meeting"
    SUMMARY = "summary"
    CALLBACKS = "callbacks"  # a head's weekly call-back checklist (migration 0012)


class ReminderStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    SKIPPED = "skipped"  # nothing to say when it fell due, or no longer wanted
    DROPPED = "dropped"  # fell due longer ago than the grace window (downtime)
    FAILED = "failed"


class Reminder(Base):
    """The outbox of what the bot says on its own. The unique key makes each reminder exist once;
    claiming a row (pending -> sending) is atomic, so two processes never send it twice."""

    __tablename__ = "reminders"
    __table_args__ = (Index("ix_reminders_status_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ReminderKind] = mapped_column(_enum(ReminderKind, "reminder_kind"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)  # the planner reads what exists by it
    status: Mapped[ReminderStatus] = mapped_column(
        _enum(ReminderStatus, "reminder_status"), default=ReminderStatus.PENDING
    )
    local_date: Mapped[date | None] = mapped_column(Date)
    interaction_id: Mapped[int | None] = mapped_column(ForeignKey("interactions.id", ondelete="CASCADE"))
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SalesPlan(Base):
    """A month's sales plan for one manager or one team: the sum of deals, and optionally how many
    deals and meetings. One row per month and person, or month and team."""

    __tablename__ = "sales_plans"
    __table_args__ = (
        UniqueConstraint("month", "user_id", name="uq_sales_plans_month_user"),
        UniqueConstraint("month", "team_id", name="uq_sales_plans_month_team"),
        CheckConstraint("(user_id IS NULL) <> (team_id IS NULL)", name="one_owner"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    month: Mapped[date] = mapped_column(Date)  # its first day
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    deals: Mapped[int | None] = mapped_column(Integer)
    meetings: Mapped[int | None] = mapped_column(Integer)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Training(Base):
    """A training a head recorded: when, on what, and who took part (for its measured effect)."""

    __tablename__ = "trainings"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    topic: Mapped[str] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TrainingParticipant(Base):
    __tablename__ = "training_participants"

    training_id: Mapped[int] = mapped_column(ForeignKey("trainings.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)


class ClientScore(Base):
    """The chance that a client's next offer is accepted, from the nightly model, with the main
    reasons (feature names and their pull) to say why."""

    __tablename__ = "client_scores"

    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True)
    probability: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list[Any]] = mapped_column(JSON)
    model: Mapped[str] = mapped_column(String(64))  # which training run scored it
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Export(Base):
    """A report exported as a file: who took what, when (the base must not leave unnoticed)."""

    __tablename__ = "exports"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    report: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)  # period and scope, as asked
    rows: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AccessAttempt(Base):
    """An update from someone who is not (or no longer) a user."""

    __tablename__ = "access_attempts"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tg_id: Mapped[int] = mapped_column(BigInteger, index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    username: Mapped[str | None] = mapped_column(String(64))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    text: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProcessedUpdate(Base):
    """Update ids already handled: a redelivered update is skipped."""

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class FsmRecord(Base):
    """aiogram FSM state and data, so a conversation survives a restart."""

    __tablename__ = "fsm_records"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    state: Mapped[str | None] = mapped_column(String(100))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AuditKind(enum.StrEnum):
    CARD = "card"  # a client card opened
    SEARCH = "search"
    REPORT = "report"
    EXPORT = "export"
    IMPORT = "import"  # plans taken from a sheet
    PLAN = "plan"  # a plan set, removed or copied
    TRAINING = "training"
    ROLE = "role"
    ACCESS = "access"
    HANDOVER = "handover"
    INVITE = "invite"  # created, used or revoked
    REFUSED = "refused"  # a stranger, someone whose access is off, a wrong invite code
    LIMIT = "limit"  # a per-hour limit reached (card views, searches, exports)
    VERIFY = "verify"  # a call-back audit mark on a meeting
    LOCATION = "location"  # a client's location set or changed


class CallbackMark(enum.StrEnum):
    CONFIRMED = "confirmed"
    NOT_HAPPENED = "not_happened"
    UNREACHABLE = "unreachable"


class CallbackCheck(Base):
    """A done meeting drawn into a week's call-back audit: its head calls the client and marks it.
    "Did not happen" stays here against the meeting; the meeting itself is never deleted."""

    __tablename__ = "callback_checks"
    __table_args__ = (
        UniqueConstraint("interaction_id", name="uq_callback_checks_interaction"),
        Index("ix_callback_checks_manager_week", "manager_id", "week_start"),
        Index("ix_callback_checks_reviewer_mark", "reviewer_id", "mark"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    interaction_id: Mapped[int] = mapped_column(ForeignKey("interactions.id", ondelete="CASCADE"))
    manager_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    # the head (or admin) the checklist went to
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    week_start: Mapped[date] = mapped_column(Date)  # the Monday of the sampled week
    # why the sampler leaned on it: ["late", "night_batch", "no_checkin", "too_many", "copied_note"]
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    mark: Mapped[CallbackMark | None] = mapped_column(_enum(CallbackMark, "callback_mark"))
    comment: Mapped[str | None] = mapped_column(Text)
    marked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditEntry(Base):
    """The audit trail: append-only, each entry sealed with a hash over its fields and the hash of
    the one before, so an entry edited, removed or moved breaks the chain (`python -m bot audit
    verify`). Ids are the chain's positions, given out under the chain head's lock: no gaps."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_actor_id_id", "actor_id", "id"),
        Index("ix_audit_log_kind_id", "kind", "id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    # a user who is gone keeps their entries: users are turned off, never deleted
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    actor_tg_id: Mapped[int | None] = mapped_column(BigInteger)
    kind: Mapped[AuditKind] = mapped_column(_enum(AuditKind, "audit_kind"))
    what: Mapped[dict[str, Any]] = mapped_column(JSON)  # ids and short parameters, never whole texts
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The chain's one head row: the last entry's id and hash. Appending updates it first, which
    serializes appenders on both backends, and it tells a verifier if entries at the end went."""

    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("id = 1", name="single"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
