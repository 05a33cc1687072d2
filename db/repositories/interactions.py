from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from db.models import Client, ClientStatus, ContactPerson, Interaction, Kind, Outcome, Status, User
from db.repositories.access import NotFound, owned_by_scope
from db.repositories.checkins import UNDO as CHECKIN_UNDO
from db.repositories.checkins import CheckinRepository
from db.repositories.clients import ClientRepository
from db.repositories.reasons import RefusalReasonRepository

NOTE_MAX = 2000
PHOTOS_MAX = 10  # photos kept with one contact


class PhotosFull(ValueError):
    """A contact keeps at most PHOTOS_MAX photos."""


# read on every logged contact: built once
_OPEN_PLANS = (
    select(Interaction)
    .where(
        Interaction.manager_id == bindparam("manager"),
        Interaction.status == Status.PLANNED,
        Interaction.client_id == bindparam("client"),
        Interaction.id != bindparam("exclude"),
    )
    .order_by(Interaction.planned_at, Interaction.id)
    # a client's few plans, not a manager's many: SQLite has no statistics to choose by
    .with_hint(Interaction, "INDEXED BY ix_interactions_client_status_planned", "sqlite")
)
_PLAN_TIMES = (
    select(Interaction.planned_at)
    .where(Interaction.manager_id == bindparam("manager"), Interaction.status == Status.PLANNED)
    .order_by(Interaction.planned_at.desc())
    .limit(50)
)


class NotesFull(ValueError):
    """A contact's notes are kept up to twice NOTE_MAX characters; this one would not fit."""


class Conflict(Exception):
    """The record is no longer in a state that allows this (already logged, undo window passed...)."""


class CheckinMissing(Exception):
    """Check-ins are required and this meeting has none (nor has the plan it would complete)."""


class AlreadyUndone(Conflict):
    """This logged contact was undone already (a second tap on Undo)."""


@dataclass(frozen=True)
class Undone:
    replanned: bool  # the contact went back into the plan (else it is gone)
    client: str | None = None  # the name of the client it had created...
    client_removed: bool = False  # ...and whether that went too (not when it has contact persons now)


HAPPENED_EDITABLE = timedelta(days=1)  # how long after logging "it was earlier" can be said
HAPPENED_BACK = timedelta(days=8)  # and how far back it can say


@dataclass(frozen=True)
class NextStep:
    kind: Kind
    planned_at: datetime


class InteractionRepository:
    def __init__(self, session: AsyncSession, actor: User):
        self.session = session
        self.actor = actor

    def _scoped(self):
        return (
            select(Interaction)
            .where(owned_by_scope(self.actor, Interaction.manager_id))
            .options(selectinload(Interaction.client), selectinload(Interaction.refusal_reason))
        )

    async def get(self, interaction_id: int) -> Interaction:
        found = await self.session.scalar(self._scoped().where(Interaction.id == interaction_id))
        if found is None:
            raise NotFound
        return found

    async def own(self, interaction_id: int) -> Interaction:
        """Changing a contact is for the manager who owns it, whatever the actor can see."""
        found = await self.get(interaction_id)
        if found.manager_id != self.actor.id:
            raise NotFound
        return found

    async def log(
        self,
        *,
        now: datetime,
        client_id: int,
        kind: Kind,
        outcome: Outcome,
        reason_id: int | None = None,
        amount_minor: int | None = None,
        next_step: NextStep | None = None,
        planned_id: int | None = None,
        new_client_name: str | None = None,
        note: str | None = None,
        due_before: datetime | None = None,
        photos: list[str] | None = None,
        needs_checkin: bool = False,
    ) -> Interaction:
        """Record a done contact (new, or completing a planned one) and its next step, in one go.

        Every check comes before the first write, so a refusal leaves nothing behind; with
        `new_client_name` the client is created here too. `due_before` (the end of the person's
        today) lets a new contact complete a plan of the client that fell due, and a next step
        move a later one: what it did is in `undo` ("closed", "moved") for the card to say.
        `needs_checkin`: a meeting is refused (CheckinMissing) unless the plan it completes was
        checked in already (a check-in that comes with the contact is the caller's to record).
        """
        meeting_unchecked = needs_checkin and kind == Kind.MEETING
        if outcome == Outcome.REFUSED:
            if not reason_id or await RefusalReasonRepository(self.session).get_active(reason_id) is None:
                raise NotFound
        else:
            reason_id = None
        if amount_minor is not None and (outcome != Outcome.AGREED or amount_minor <= 0):
            raise ValueError("amount only for an agreement, and positive")
        note = note.strip() if note else None
        if note is not None and len(note) > NOTE_MAX:
            raise ValueError("note length")
        clients = ClientRepository(self.session, self.actor)
        item = None
        undo: dict = {}
        created = None
        if planned_id is not None:
            item = await self.own(planned_id)
            if item.status != Status.PLANNED:
                raise Conflict
            client_id = item.client_id
            status = await clients.status_of(client_id)
        elif new_client_name is None:
            status = await clients.status_of(client_id)
        else:
            if meeting_unchecked:  # before the client is created: a refusal writes nothing
                raise CheckinMissing
            created = await clients.create(new_client_name)
            client_id, status = created.id, created.status
            undo["created_client"] = True
        # a client has at most one open next step per manager: the contact completes one that
        # fell due, and a new next step moves one that lies ahead instead of adding another
        opened = [] if created is not None else await self._open_plans(client_id, exclude=planned_id)
        due = [p for p in opened if p.planned_at < due_before] if item is None and due_before is not None else []
        completing = due[0] if due else item
        if meeting_unchecked and (completing is None or completing.checkin_at is None):
            raise CheckinMissing
        if due:
            item = due[0]
            opened.remove(item)
            undo["closed"] = {"kind": item.kind.value}
            item.kind = kind  # what happened, whatever was planned
        if item is not None and note:
            undo["note"] = item.note
            if item.note:
                note = f"{item.note}\n{note}"
                if len(note) > NOTE_MAX * 2:
                    raise NotesFull
        step = None
        if next_step is not None:
            ahead = [p for p in opened if due_before is None or p.planned_at >= due_before]
            if ahead:
                step = ahead[0]
                undo["moved"] = {"id": step.id, "kind": step.kind.value, "planned_at": step.planned_at.isoformat()}
                step.kind, step.planned_at = next_step.kind, next_step.planned_at
            else:
                # the next step goes in first, so the done contact is written once, already pointing at it
                step = Interaction(
                    client_id=client_id,
                    manager_id=self.actor.id,
                    kind=next_step.kind,
                    status=Status.PLANNED,
                    planned_at=next_step.planned_at,
                )
                self.session.add(step)
            await self.session.flush()
        if outcome == Outcome.AGREED and status != ClientStatus.ACTIVE:
            undo["client_status"] = status.value
            # a deal makes a lead (or a lost one) a client
            if created is not None:
                created.status = ClientStatus.ACTIVE
            else:
                await clients.set_status(client_id, ClientStatus.ACTIVE)
        if item is None:
            item = Interaction(client_id=client_id, manager_id=self.actor.id, kind=kind)
            self.session.add(item)
        item.status = Status.DONE
        item.happened_at = now
        item.logged_at = now
        item.outcome = outcome
        item.refusal_reason_id = reason_id
        item.amount_minor = amount_minor
        item.next_step_id = step.id if step is not None else None
        if photos:
            undo.setdefault("photos", item.photo_file_ids)
            item.photo_file_ids = [*(item.photo_file_ids or []), *photos][:PHOTOS_MAX]
        item.undo = undo or None
        if note:
            item.note = note
        await self.session.flush()
        return item

    async def _open_plans(self, client_id: int, exclude: int | None) -> list[Interaction]:
        """The actor's open planned contacts with a client, earliest first."""
        params = {"manager": self.actor.id, "client": client_id, "exclude": exclude or 0}
        return list(await self.session.scalars(_OPEN_PLANS, params))

    async def log_greeting(self, person_id: int, now: datetime, since: datetime) -> Interaction | None:
        """A done greeting to a contact person; None if one was already logged since `since`."""
        person, client = await ClientRepository(self.session, self.actor).person(person_id)
        already = await self.session.scalar(
            select(Interaction.id).where(
                Interaction.contact_person_id == person.id,
                Interaction.kind == Kind.GREETING,
                Interaction.status == Status.DONE,
                Interaction.happened_at >= since,
            )
        )
        if already is not None:
            return None
        item = Interaction(
            client_id=client.id,
            contact_person_id=person.id,
            manager_id=self.actor.id,
            kind=Kind.GREETING,
            status=Status.DONE,
            happened_at=now,
            logged_at=now,
        )
        self.session.add(item)
        await self.session.flush()
        return item

    async def plan(self, *, client_id: int, kind: Kind, planned_at: datetime) -> Interaction:
        client = await ClientRepository(self.session, self.actor).get(client_id)
        item = Interaction(
            client_id=client.id, manager_id=self.actor.id, kind=kind, status=Status.PLANNED, planned_at=planned_at
        )
        self.session.add(item)
        await self.session.flush()
        return item

    async def undo(self, interaction_id: int, now: datetime, window: timedelta) -> Undone:
        """Take back a just-logged contact and everything it did: its next step goes, a completed
        plan is planned again with its notes as they were, a client it made active is a lead
        again, a check-in made with it goes (and the client's location it set), and a client it
        created goes too (unless it has contact persons by now).

        AlreadyUndone for a contact back in the plan; Conflict once the window has passed.
        """
        item = await self.own(interaction_id)
        if item.status == Status.PLANNED and item.planned_at is not None and item.logged_at is None:
            raise AlreadyUndone
        if item.status != Status.DONE or item.logged_at is None or now - item.logged_at > window:
            raise Conflict
        undo = item.undo or {}
        if item.next_step_id is not None:
            step = await self.session.get(Interaction, item.next_step_id)
            if step is not None and step.status == Status.PLANNED:
                if undo.get("moved", {}).get("id") == step.id:
                    self._unmove(step, undo["moved"])  # it was a plan of its own: put it back
                else:
                    await self.session.delete(step)
        client = await self.session.get(Client, item.client_id)
        if "client_status" in undo:
            client.status = ClientStatus(undo["client_status"])
        if CHECKIN_UNDO in undo:  # a check-in on arrival stays with the plan; one made with the contact goes
            await CheckinRepository(self.session, self.actor).take_back(item, undo[CHECKIN_UNDO], client)
        replanned = item.planned_at is not None
        if replanned:
            item.status = Status.PLANNED
            item.happened_at = item.logged_at = item.outcome = None
            item.refusal_reason_id = item.amount_minor = item.next_step_id = None
            if "note" in undo:
                item.note = undo["note"]
            if "closed" in undo:
                item.kind = Kind(undo["closed"]["kind"])
            if "photos" in undo:
                item.photo_file_ids = undo["photos"]
            item.undo = None
        else:
            await self.session.execute(delete(Interaction).where(Interaction.id == item.id))
        removed = False
        if undo.get("created_client"):
            await self.session.flush()
            others = await self.session.scalar(select(func.count()).where(Interaction.client_id == client.id))
            people = await self.session.scalar(select(func.count()).where(ContactPerson.client_id == client.id))
            if not others and not people:
                await self.session.delete(client)
                removed = True
        await self.session.flush()
        return Undone(replanned, client.name if undo.get("created_client") else None, removed)

    @staticmethod
    def _unmove(step: Interaction, moved: dict) -> None:
        step.kind, step.planned_at = Kind(moved["kind"]), datetime.fromisoformat(moved["planned_at"])

    async def _undoable(self, interaction_id: int, now: datetime, window: timedelta, what: str) -> Interaction:
        item = await self.own(interaction_id)
        if item.status != Status.DONE or item.logged_at is None or now - item.logged_at > window:
            raise Conflict
        if what not in (item.undo or {}):
            raise AlreadyUndone
        return item

    async def reopen(self, interaction_id: int, now: datetime, window: timedelta) -> Interaction:
        """Undo just the closing of a plan by a logged contact: the plan is open again as it was,
        and the contact is kept as a record of its own (returned: the card's buttons follow it)."""
        item = await self._undoable(interaction_id, now, window, "closed")
        undo = dict(item.undo)
        closed = undo.pop("closed")
        note, photos = item.note, item.photo_file_ids
        if "photos" in undo:  # photos sent with the contact go with it
            before_photos = undo.pop("photos") or []
            photos, item.photo_file_ids = photos[len(before_photos):] or None, before_photos or None
        if "note" in undo:  # what the contact's comment added to the plan's notes goes with the contact
            before = undo.pop("note") or ""
            note = note[len(before):].lstrip("\n") if before and note and note.startswith(before) else note
            item.note = before or None
        done = Interaction(
            client_id=item.client_id, manager_id=item.manager_id, contact_person_id=item.contact_person_id,
            kind=item.kind, status=Status.DONE, happened_at=item.happened_at, logged_at=item.logged_at,
            outcome=item.outcome, refusal_reason_id=item.refusal_reason_id, amount_minor=item.amount_minor,
            note=note or None, voice_file_id=item.voice_file_id, next_step_id=item.next_step_id, undo=undo or None,
            photo_file_ids=photos,
        )
        if CHECKIN_UNDO in undo:  # made with the contact: it goes with the contact, not the reopened plan
            done.checkin_lat, done.checkin_lon, done.checkin_at, done.checkin_distance_m = (
                item.checkin_lat, item.checkin_lon, item.checkin_at, item.checkin_distance_m)
            item.checkin_lat = item.checkin_lon = item.checkin_at = item.checkin_distance_m = None
        self.session.add(done)
        item.kind, item.status = Kind(closed["kind"]), Status.PLANNED
        item.happened_at = item.logged_at = item.outcome = item.contact_person_id = None
        item.refusal_reason_id = item.amount_minor = item.next_step_id = item.voice_file_id = item.undo = None
        await self.session.flush()
        return await self.get(done.id)

    async def keep_plan(self, interaction_id: int, now: datetime, window: timedelta) -> Interaction:
        """Undo just the move of a later plan by a logged contact's next step: the plan is back at
        its time and kind, and stays the contact's next step. Returns the plan."""
        item = await self._undoable(interaction_id, now, window, "moved")
        undo = dict(item.undo)
        moved = undo.pop("moved")
        step = await self.get(moved["id"])
        if step.status != Status.PLANNED:
            raise Conflict
        self._unmove(step, moved)
        item.undo = undo or None
        await self.session.flush()
        return step

    async def add_note(
        self, interaction_id: int, *, text: str | None = None, voice_file_id: str | None = None,
        photo_file_id: str | None = None,
    ) -> Interaction:
        item = await self.own(interaction_id)
        if photo_file_id is not None and len(item.photo_file_ids or []) >= PHOTOS_MAX:
            raise PhotosFull
        if text is not None:
            text = text.strip()
            if not text or len(text) > NOTE_MAX:
                raise ValueError("note length")
            combined = f"{item.note}\n{text}" if item.note else text
            if len(combined) > NOTE_MAX * 2:
                raise NotesFull  # checked before the change: a refused note must not be flushed later
            item.note = combined
        if voice_file_id is not None:
            item.voice_file_id = voice_file_id
        if photo_file_id is not None:
            item.photo_file_ids = [*(item.photo_file_ids or []), photo_file_id]
        await self.session.flush()
        return item

    async def photos_of(self, client_id: int, limit: int = PHOTOS_MAX) -> list[tuple[Interaction, str]]:
        """The photos kept with a client's contacts, newest contacts first."""
        client = await ClientRepository(self.session, self.actor).get(client_id)
        rows = await self.session.scalars(
            select(Interaction)
            .where(Interaction.client_id == client.id, Interaction.photo_file_ids.is_not(None))
            .order_by(Interaction.id.desc())
            .limit(limit)
        )
        return [(item, photo) for item in rows for photo in (item.photo_file_ids or [])][:limit]

    async def people_of(self, interaction_id: int) -> tuple[Interaction, list[ContactPerson]]:
        """A contact of the actor's own, and its client's contact persons (whom it may have been with)."""
        item = await self.own(interaction_id)
        people = await self.session.scalars(
            select(ContactPerson).where(ContactPerson.client_id == item.client_id).order_by(ContactPerson.name)
        )
        return item, list(people)

    async def set_person(self, interaction_id: int, person_id: int) -> tuple[Interaction, ContactPerson]:
        """Whom the contact was with: one of its client's contact persons."""
        item = await self.own(interaction_id)
        person = await self.session.get(ContactPerson, person_id)
        if person is None or person.client_id != item.client_id:
            raise NotFound
        item.contact_person_id = person.id
        await self.session.flush()
        return item, person

    async def set_happened(self, interaction_id: int, at: datetime, now: datetime) -> Interaction:
        """When a logged contact really happened (it was earlier): the manager's own, done, logged
        within the last day, and at a moment no later than now and no more than a week before."""
        item = await self.own(interaction_id)
        if item.status != Status.DONE or item.logged_at is None or item.logged_at < now - HAPPENED_EDITABLE:
            raise Conflict
        if at > now or at < item.logged_at - HAPPENED_BACK:
            raise ValueError("happened_at out of range")
        item.happened_at = at
        await self.session.flush()
        return item

    async def reschedule(
        self, interaction_id: int, planned_at: datetime | Callable[[datetime], datetime]
    ) -> Interaction:
        """Move an open contact; `planned_at` is the new time or a function of the old one."""
        item = await self.own(interaction_id)
        if item.status != Status.PLANNED:
            raise Conflict
        item.planned_at = planned_at(item.planned_at) if callable(planned_at) else planned_at
        await self.session.flush()
        return item

    async def cancel(self, interaction_id: int) -> Interaction:
        item = await self.own(interaction_id)
        if item.status != Status.PLANNED:
            raise Conflict
        item.status = Status.CANCELLED
        await self.session.flush()
        return item

    async def recent_plan_times(self) -> list[datetime]:
        """When the actor's furthest open plans are planned for: their usual hour (an index range)."""
        return list(await self.session.scalars(_PLAN_TIMES, {"manager": self.actor.id}))

    async def planned_between(self, start: datetime, end: datetime, *, overdue_from: datetime | None = None) -> list[Interaction]:
        """The actor's own planned contacts due in [start, end); with overdue_from, also older open ones."""
        lower = overdue_from if overdue_from is not None else start
        rows = await self.session.scalars(
            self._scoped()
            .where(
                Interaction.manager_id == self.actor.id,
                Interaction.status == Status.PLANNED,
                Interaction.planned_at >= lower,
                Interaction.planned_at < end,
            )
            .order_by(Interaction.planned_at, Interaction.id)
        )
        return list(rows)

    async def logged_between(self, start: datetime, end: datetime) -> list[Interaction]:
        rows = await self.session.scalars(
            self._scoped()
            .where(
                Interaction.manager_id == self.actor.id,
                Interaction.logged_at >= start,
                Interaction.logged_at < end,
            )
            .order_by(Interaction.logged_at, Interaction.id)
        )
        return list(rows)

    async def of_manager(self, manager_id: int, start: datetime, end: datetime, limit: int = 300) -> list[Interaction]:
        """A manager's day as a head sees it: contacts planned in [start, end) and still open, and
        those done in it, by time; nothing for a manager outside the actor's scope."""
        moment = func.coalesce(Interaction.happened_at, Interaction.planned_at)
        rows = await self.session.scalars(
            self._scoped()
            .where(
                Interaction.manager_id == manager_id,
                or_(
                    and_(Interaction.status == Status.PLANNED, Interaction.planned_at >= start, Interaction.planned_at < end),
                    and_(Interaction.status == Status.DONE, Interaction.happened_at >= start, Interaction.happened_at < end),
                ),
            )
            .order_by(moment, Interaction.id)
            .limit(limit)
        )
        return list(rows)

    async def history(self, client_id: int, limit: int = 20) -> tuple[list[Interaction], int]:
        """A client's newest contacts, and how many there are in all."""
        _client, items, total, _page = await self.history_page(client_id, 0, limit)
        return items, total

    async def history_page(self, client_id: int, page: int, size: int) -> tuple[Client, list[Interaction], int, int]:
        """A page of a client's contacts, newest first: (client, items, total, page). A page number
        out of range (a forged or outdated button) gives the nearest real page."""
        client = await ClientRepository(self.session, self.actor).get(client_id)
        total = int(
            await self.session.scalar(
                select(func.count()).select_from(Interaction).where(Interaction.client_id == client_id)
            ) or 0
        )
        page = min(max(page, 0), max(0, (total - 1) // size))
        moment = func.coalesce(Interaction.happened_at, Interaction.planned_at, Interaction.created_at)
        rows = await self.session.scalars(
            select(Interaction)
            .where(Interaction.client_id == client_id)
            .options(selectinload(Interaction.refusal_reason), selectinload(Interaction.contact_person))
            .order_by(moment.desc(), Interaction.id.desc())
            .offset(page * size)
            .limit(size)
        )
        return client, list(rows), total, page
