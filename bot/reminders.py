"""Plans reminders into the outbox and delivers the due ones, exactly once, across restarts and processes."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import I18n
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.callbacks import CallbackAudit
from bot.notifier import DeliveryFailed, Notifier, Unreachable
from db.models import Interaction, Kind, Reminder, ReminderKind, ReminderStatus, Role, User
from db.repositories import Repos
from db.repositories.reminders import ReminderRepository
from handlers.notices import Outgoing, render_reminder
from handlers.report_view import albums
from reports.briefs import evening_inputs
from reports.checkin import DEFAULT_RADIUS_M
from reports.workdays import WorkCalendar

log = logging.getLogger(__name__)
MEETING_HORIZON = timedelta(hours=36)
MORNING_NEIGHBOURHOOD = timedelta(minutes=30)  # a brief due this close to the morning plan is not sent
STUCK_AFTER = timedelta(minutes=10)
BATCH = 20_000  # claimed per beat
PREPARE_BATCH = 200  # rendered per database session
FINISH_BATCH = 100  # results recorded per statement


@dataclass
class DeliveryReport:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    dropped: int = 0

    def count(self, status: ReminderStatus) -> None:
        if status == ReminderStatus.SENT:
            self.sent += 1
        elif status == ReminderStatus.SKIPPED:
            self.skipped += 1
        else:  # failed for good, or failed this time and waiting to be tried again
            self.failed += 1


def _at(day: date, tz: str, moment: time) -> datetime:
    return datetime.combine(day, moment, ZoneInfo(tz)).astimezone(ZoneInfo("UTC"))


class ReminderService:
    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        notifier: Notifier,
        i18n: I18n,
        calendar: WorkCalendar,
        clock: Callable[[], datetime],
        grace: timedelta = timedelta(hours=2),
        senders: int = 4,
        worker: str | None = None,
        callbacks: CallbackAudit | None = None,
        digest_rank: str = "name",
        checkin_radius_m: int = DEFAULT_RADIUS_M,
        checkin_required: bool = False,
    ):
        self.sessionmaker = sessionmaker
        self.notifier = notifier
        self.i18n = i18n
        self.calendar = calendar
        self.clock = clock
        self.grace = grace
        self.senders = senders
        self.worker = worker or secrets.token_hex(6)
        self.callbacks = callbacks  # the weekly call-back audit, sampled from this beat
        self.digest_rank = digest_rank
        self.checkin_radius_m = checkin_radius_m  # what the digest calls checked in
        self.checkin_required = checkin_required  # the digest counts check-ins even before anyone made one
        self._lock = asyncio.Lock()

    async def tick(self) -> DeliveryReport:
        """One scheduler beat; overlapping beats in one process wait for each other."""
        async with self._lock:
            now = self.clock()
            await self.plan(now)
            if self.callbacks is not None:
                try:
                    await self.callbacks.run_if_due(now)
                except Exception:  # the reminders go out regardless; the audit is tried on the next beat
                    log.exception("Call-back audit sampling failed")
            return await self.deliver(now)

    # ---- planning ----------------------------------------------------------------------------

    def _daily(self, user: User, day: date) -> list[dict]:
        if not self.calendar.is_workday(day):
            return []
        wanted = [
            (ReminderKind.MORNING, user.morning_at, not user.mute_morning),
            (ReminderKind.EVENING, user.evening_at, not user.mute_evening),
            (ReminderKind.SUMMARY, user.morning_at, user.role in (Role.HEAD, Role.ADMIN) and not user.mute_summary),
        ]
        return [
            {
                "key": f"{kind.value}:{user.id}:{day.isoformat()}",
                "user_id": user.id,
                "kind": kind,
                "due_at": _at(day, user.timezone, moment),
                "local_date": day,
                "status": ReminderStatus.PENDING,
            }
            for kind, moment, on in wanted
            if on
        ]

    async def plan(self, now: datetime) -> None:
        async with self.sessionmaker() as session:
            repo = ReminderRepository(session)
            rows: list[dict] = []
            for user in await repo.active_users():
                today = now.astimezone(ZoneInfo(user.timezone)).date()
                rows += self._daily(user, today) + self._daily(user, today + timedelta(days=1))
            for item, user in await repo.planned_meetings(now, now + MEETING_HORIZON):
                if not self._brief_wanted(item, user):
                    continue
                rows.append({
                    "key": f"meeting:{item.id}:{int(item.planned_at.timestamp())}",
                    "user_id": user.id,
                    "kind": ReminderKind.MEETING,
                    "due_at": item.planned_at - timedelta(minutes=user.meeting_lead_min),
                    "interaction_id": item.id,
                    "status": ReminderStatus.PENDING,
                })
            # what would be dropped at once is not worth creating (a newcomer's missed morning)
            since = now - self.grace
            if await repo.ensure([r for r in rows if r["due_at"] >= since], since):
                await session.commit()

    # ---- delivery ----------------------------------------------------------------------------
    #
    # A pipeline, so the pacer never waits on the database: a producer renders claimed reminders
    # in batches (a few bulk queries each), a handful of senders hold no database session while
    # they send, and a finisher records results in bulk. The sender count stays small because a
    # burst of in-flight requests after a pause is what trips Telegram's flood limit. A person's
    # reminders go out whole, one after another, in due order: a sender that finds the chat busy
    # hands the reminder to the sender already on it instead of waiting (see _sender).

    async def deliver(self, now: datetime) -> DeliveryReport:
        report = DeliveryReport()
        async with self.sessionmaker() as session:
            repo = ReminderRepository(session)
            for row in await repo.drop_stale(now - self.grace):
                if row.error:
                    log.error("Gave up on reminder %s after %s of failures: %s", row.key, self.grace, row.error)
                else:
                    log.warning("Dropped reminder %s: due %s, more than %s ago", row.key, row.due_at.isoformat(), self.grace)
                report.dropped += 1
            for row in await repo.abandon_stuck(now - STUCK_AFTER):
                log.error("Reminder %s was left mid-send by a stopped process; not resending", row.key)
            due = await repo.claim_due(now, self.worker, BATCH)
            await session.commit()
        if not due:
            return report
        due = _digests_last(due)
        outbox: asyncio.Queue[_Prepared | None] = asyncio.Queue(maxsize=PREPARE_BATCH * 2)
        results: asyncio.Queue[_Result | None] = asyncio.Queue()
        chats: dict[int, deque[_Prepared]] = {}  # chats a sender is on: what it sends there next
        senders = [asyncio.create_task(self._sender(outbox, results, chats)) for _ in range(self.senders)]
        finisher = asyncio.create_task(self._finisher(results, report))
        try:
            for start in range(0, len(due), PREPARE_BATCH):
                batch = due[start : start + PREPARE_BATCH]
                try:
                    ready = await self._prepare(batch, now)
                except Exception as exc:  # e.g. the database, for a moment: these go back to wait
                    log.exception("Could not prepare %d reminders; they will be tried again", len(batch))
                    for reminder in batch:
                        item = _Prepared(reminder.id, reminder.user_id, None, None)
                        await results.put(_Result(item, ReminderStatus.PENDING, f"prepare: {type(exc).__name__}"))
                    continue
                for prepared in ready:
                    await outbox.put(prepared)
        finally:
            for _ in senders:
                await outbox.put(None)
            await asyncio.gather(*senders, return_exceptions=True)
            await results.put(None)
            await finisher
        return report

    async def _prepare(self, batch: list[Reminder], now: datetime) -> list[_Prepared]:
        """Render a batch from what the database says now; nothing to say means skipped."""
        prepared: list[_Prepared] = []
        async with self.sessionmaker() as session:
            users = await ReminderRepository(session).users(list({r.user_id for r in batch}))
            wanted = [(r, users.get(r.user_id)) for r in batch]
            # someone who blocked the bot would only answer 403: skip until they come back
            wanted = [
                (r, u) for r, u in wanted
                if u is not None and u.is_active and u.unreachable_at is None and self._still_wanted(u, r)
            ]
            evening_users = [u for r, u in wanted if r.kind == ReminderKind.EVENING]
            evenings = await evening_inputs(ReminderRepository(session), evening_users, now) if evening_users else {}
            rendered: dict[int, _Prepared] = {}
            for reminder, user in wanted:
                try:
                    with self.i18n.context(), self.i18n.use_locale(user.language):
                        outgoing = await render_reminder(
                            Repos(session, user), reminder, now, user.language, self.calendar, evenings.get(user.id),
                            rank=self.digest_rank,
                            radius_m=self.checkin_radius_m,
                            checkins_required=self.checkin_required,
                        )
                except Exception as exc:
                    log.exception("Could not render reminder %s; it will be tried again", reminder.key)
                    rendered[reminder.id] = _Prepared(reminder.id, user.id, user.tg_id, None, f"render: {type(exc).__name__}")
                    continue
                rendered[reminder.id] = _Prepared(reminder.id, user.id, user.tg_id, outgoing)
        for reminder in batch:
            prepared.append(rendered.get(reminder.id) or _Prepared(reminder.id, reminder.user_id, None, None))
        return prepared

    async def _sender(self, outbox: asyncio.Queue, results: asyncio.Queue, chats: dict[int, deque[_Prepared]]) -> None:
        """Sends whole reminders. One for a chat another sender is on joins that sender's line
        rather than going out alongside (a checklist's parts with a digest between them) or
        holding this sender idle: the chat gets its reminders in queue order, the rest keep going."""
        while (item := await outbox.get()) is not None:
            if item.failure is not None:  # back to wait for the next beat, within the grace window
                await results.put(_Result(item, ReminderStatus.PENDING, item.failure))
                continue
            if item.outgoing is None:
                await results.put(_Result(item, ReminderStatus.SKIPPED))
                continue
            if (line := chats.get(item.chat_id)) is not None:
                line.append(item)
                continue
            chats[item.chat_id] = line = deque((item,))
            while line:  # no await between the last check and the removal: nothing joins a line left behind
                await results.put(await self._send(line[0]))
                line.popleft()
            del chats[item.chat_id]

    async def _send(self, item: _Prepared) -> _Result:
        try:
            for text, markup in item.outgoing.parts:
                await self.notifier.send_message(item.chat_id, text, markup)
            for album in albums(item.outgoing.photos):
                await self.notifier.send_photos(item.chat_id, [(p.png, p.caption) for p in album])
            return _Result(item, ReminderStatus.SENT)
        except Unreachable as exc:
            log.info("User %s has blocked the bot; marked unreachable", item.user_id)
            return _Result(item, ReminderStatus.FAILED, f"unreachable: {exc}", unreachable=True)
        except DeliveryFailed as exc:
            log.error("Reminder %s failed: %s", item.reminder_id, exc)
            return _Result(item, ReminderStatus.FAILED, str(exc))
        except Exception as exc:  # one odd failure must not stop the others
            log.exception("Reminder %s failed", item.reminder_id)
            return _Result(item, ReminderStatus.FAILED, type(exc).__name__)

    async def _finisher(self, results: asyncio.Queue, report: DeliveryReport) -> None:
        batch: list[_Result] = []
        while True:
            item = await results.get()
            if item is not None:
                batch.append(item)
            if batch and (item is None or len(batch) >= FINISH_BATCH or results.empty()):
                await self._record(batch)
                for result in batch:
                    report.count(result.status)
                batch = []
            if item is None:
                return

    async def _record(self, batch: list[_Result]) -> None:
        for attempt in range(3):  # SQLite may be busy with another writer for a moment
            try:
                async with self.sessionmaker() as session:
                    repo = ReminderRepository(session)
                    now = self.clock()
                    await repo.finish([(r.item.reminder_id, r.status, r.error) for r in batch], at=now)
                    await repo.mark_unreachable([r.item.user_id for r in batch if r.unreachable], now)
                    await session.commit()
                return
            except OperationalError:
                if attempt == 2:
                    # left as "sending": never resent, reported once the claim is stale
                    log.exception("Could not record %d reminder results", len(batch))
                    return
                await asyncio.sleep(0.5 * (attempt + 1))

    def _brief_wanted(self, item: Interaction, user: User) -> bool:
        """A brief before a meeting (before a call only for who asked for it in /settings), and
        never within half an hour of the morning plan that already lists the contact."""
        if user.mute_meeting or item.kind not in (Kind.MEETING, Kind.CALL):
            return False
        if item.kind == Kind.CALL and not user.remind_calls:
            return False
        due = item.planned_at - timedelta(minutes=user.meeting_lead_min)
        day = item.planned_at.astimezone(ZoneInfo(user.timezone)).date()
        if user.mute_morning or not self.calendar.is_workday(day):
            return True
        return abs(due - _at(day, user.timezone, user.morning_at)) > MORNING_NEIGHBOURHOOD

    def _still_wanted(self, user: User, reminder: Reminder) -> bool:
        """Settings may have changed since the reminder was planned."""
        if reminder.kind == ReminderKind.MEETING:
            return not user.mute_meeting
        if reminder.kind == ReminderKind.CALLBACKS:
            return user.role in (Role.HEAD, Role.ADMIN)
        return any(row["key"] == reminder.key and row["due_at"] == reminder.due_at
                   for row in self._daily(user, reminder.local_date))


def _digests_last(due: list[Reminder]) -> list[Reminder]:
    """Digests draw charts (most of a second each): everyone's plans and briefs go out first. A
    person's reminders keep their due order (`due` is in it), so what falls due after their
    digest waits with it."""
    first: list[Reminder] = []
    last: list[Reminder] = []
    held: set[int] = set()
    for reminder in due:
        if reminder.kind == ReminderKind.SUMMARY or reminder.user_id in held:
            held.add(reminder.user_id)
            last.append(reminder)
        else:
            first.append(reminder)
    return first + last


@dataclass(frozen=True)
class _Prepared:
    reminder_id: int
    user_id: int
    chat_id: int | None
    outgoing: Outgoing | None
    failure: str | None = None  # why it could not be prepared: it is tried again


@dataclass(frozen=True)
class _Result:
    item: _Prepared
    status: ReminderStatus
    error: str | None = None
    unreachable: bool = False
