"""Signs that a meeting may not have happened as recorded, each with what it rests on, so a head
reads it in words: logged long after, logged at night in a batch, more meetings in a day than a
person can attend, a note copied from another client's meeting, no check-in where check-ins are
in use. Pure functions over what `CallbackRepository` returns; the night and batch rules are the
logging-discipline ones of `reports.analytics`."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz, utils

from db.models import Kind
from db.repositories.callbacks import Contact, Note
from reports.analytics import BATCH, LATE, is_night
from reports.checkin import IN_USE_LOOKBACK

LONG_AFTER = timedelta(hours=24)  # a same-day write-up is ordinary; a day or more later is not
BATCH_SPAN = timedelta(hours=1)  # contacts logged within this of the batch's first: one batch
PLAUSIBLE_MEETINGS = 6  # face-to-face meetings a day one person can attend, with the road between
MIN_NOTE = 50  # characters: short stock phrases ("no answer") repeat honestly, a long note does not
SIMILAR = 90  # rapidfuzz ratio (0-100) from which two notes are "almost the same"
NOTE_WINDOW = timedelta(days=28)  # a note is compared with the manager's notes this far back
NOTE_LOOKBACK = 60  # and with at most this many of them: bounded work on a long history


class Flag(StrEnum):
    LATE = "late"
    NIGHT_BATCH = "night_batch"
    NO_CHECKIN = "no_checkin"
    TOO_MANY = "too_many"
    COPIED_NOTE = "copied_note"


@dataclass(frozen=True)
class Finding:
    flag: Flag
    delay: timedelta | None = None  # LATE: logged this long after it happened
    count: int = 0  # NIGHT_BATCH: contacts in the batch; TOO_MANY: meetings that day
    first: datetime | None = None  # NIGHT_BATCH: when the batch began and ended (UTC)
    last: datetime | None = None
    day: date | None = None  # TOO_MANY: the manager's local day
    other_client: str | None = None  # COPIED_NOTE: the meeting whose note it repeats
    other_at: datetime | None = None
    ratio: float = 0.0


@dataclass
class Summary:
    """One manager's flags over a span: meetings looked at and how many carry each flag."""

    meetings: int = 0
    flagged: Counter[Flag] = field(default_factory=Counter)
    crowded_days: int = 0  # days with more than PLAUSIBLE_MEETINGS meetings

    @property
    def any(self) -> bool:
        return bool(+self.flagged)


def findings(
    contacts: list[Contact], notes: list[Note], zones: dict[int, str], span: tuple[datetime, datetime], *,
    checkins_in_use: bool, plausible: int = PLAUSIBLE_MEETINGS,
) -> dict[int, list[Finding]]:
    """Meeting id -> its flags, for the done meetings that happened in `span` (others in the rows
    are context: a batch or a day reaching over the span's edge). `zones`: manager -> timezone
    (night and days by the manager's clock)."""
    result: dict[int, list[Finding]] = defaultdict(list)
    meetings = [c for c in contacts if c.kind == Kind.MEETING and span[0] <= c.happened_at < span[1]]
    for item in meetings:
        if item.logged_at is not None and item.logged_at - item.happened_at >= LONG_AFTER:
            result[item.id].append(Finding(Flag.LATE, delay=item.logged_at - item.happened_at))
        if checkins_in_use and not item.checked_in:
            result[item.id].append(Finding(Flag.NO_CHECKIN))
    wanted = {m.id for m in meetings}
    for meeting_id, finding in _batches(contacts, zones):
        if meeting_id in wanted:
            result[meeting_id].append(finding)
    for meeting_id, finding in _crowded(contacts, zones, plausible):
        if meeting_id in wanted:
            result[meeting_id].append(finding)
    for meeting_id, finding in _copies(notes):
        if meeting_id in wanted:
            result[meeting_id].append(finding)
    return dict(result)


def _batches(contacts: list[Contact], zones: dict[int, str]):
    """Contacts logged at night (the manager's clock), hours after they happened, BATCH or more
    within BATCH_SPAN of each other's first: every meeting among them."""
    night: dict[int, list[Contact]] = defaultdict(list)
    for item in contacts:
        if item.logged_at is None or item.logged_at - item.happened_at < LATE:
            continue
        if is_night(item.logged_at.astimezone(ZoneInfo(zones.get(item.manager_id, "UTC")))):
            night[item.manager_id].append(item)
    for items in night.values():
        items.sort(key=lambda c: c.logged_at)
        groups: list[list[Contact]] = []
        for item in items:
            if groups and item.logged_at - groups[-1][0].logged_at <= BATCH_SPAN:
                groups[-1].append(item)
            else:
                groups.append([item])
        for group in groups:
            if len(group) < BATCH:
                continue
            finding = Finding(Flag.NIGHT_BATCH, count=len(group), first=group[0].logged_at, last=group[-1].logged_at)
            for item in group:
                if item.kind == Kind.MEETING:
                    yield item.id, finding


def _crowded(contacts: list[Contact], zones: dict[int, str], plausible: int):
    days: dict[tuple[int, date], list[int]] = defaultdict(list)
    for item in contacts:
        if item.kind == Kind.MEETING:
            day = item.happened_at.astimezone(ZoneInfo(zones.get(item.manager_id, "UTC"))).date()
            days[(item.manager_id, day)].append(item.id)
    for (_manager, day), ids in days.items():
        if len(ids) > plausible:
            finding = Finding(Flag.TOO_MANY, count=len(ids), day=day)
            for meeting_id in ids:
                yield meeting_id, finding


def _copies(notes: list[Note]):
    """A long note almost the same as one of the manager's notes on another client's meeting in the
    NOTE_WINDOW before it (each compared with at most NOTE_LOOKBACK earlier ones): both flagged."""
    mine: dict[int, list[tuple[Note, str]]] = defaultdict(list)
    for note in notes:
        text = utils.default_process(note.text)
        if len(text) >= MIN_NOTE:
            mine[note.manager_id].append((note, text))
    for items in mine.values():
        items.sort(key=lambda pair: (pair[0].happened_at, pair[0].id))
        for n, (note, text) in enumerate(items):
            for other, other_text in reversed(items[max(0, n - NOTE_LOOKBACK):n]):
                if note.happened_at - other.happened_at > NOTE_WINDOW:
                    break
                if other.client_id == note.client_id:
                    continue  # the same client's follow-ups may well repeat
                ratio = fuzz.ratio(text, other_text, score_cutoff=SIMILAR)
                if ratio:
                    yield note.id, Finding(Flag.COPIED_NOTE, other_client=other.client_name, other_at=other.happened_at, ratio=ratio)
                    yield other.id, Finding(Flag.COPIED_NOTE, other_client=note.client_name, other_at=note.happened_at, ratio=ratio)
                    break


def summaries(manager_ids: list[int], contacts: list[Contact], found: dict[int, list[Finding]],
              span: tuple[datetime, datetime]) -> dict[int, Summary]:
    """Per manager: meetings in the span and how many carry each flag (a meeting copied from
    several counts once), and the days with more meetings than plausible."""
    result = {m: Summary() for m in manager_ids}
    crowded: dict[int, set[date]] = defaultdict(set)
    for item in contacts:
        if item.kind != Kind.MEETING or not span[0] <= item.happened_at < span[1] or item.manager_id not in result:
            continue
        summary = result[item.manager_id]
        summary.meetings += 1
        mine = found.get(item.id, ())
        summary.flagged.update({f.flag for f in mine})
        crowded[item.manager_id].update(f.day for f in mine if f.flag == Flag.TOO_MANY)
    for manager_id, days in crowded.items():
        result[manager_id].crowded_days = len(days)
    return result


CHECKINS_LOOKBACK = IN_USE_LOOKBACK  # check-ins are "in use" when anyone checked in this recently
REPORT_DAYS = 31  # a report's flags cover at most its last month: bounded work on a year's report


async def assess(repo, zones: dict[int, str], span: tuple[datetime, datetime]) -> tuple[list[Contact], dict[int, list[Finding]]]:
    """The done contacts of the managers in `zones` around the span, and the flags of the meetings
    that happened in it (`repo`: a `CallbackRepository`)."""
    ids = list(zones)
    contacts = await repo.contacts(ids, (span[0] - timedelta(days=1), span[1] + timedelta(days=1)))
    notes = await repo.notes(ids, (span[0] - NOTE_WINDOW, span[1]), MIN_NOTE, 4 * NOTE_LOOKBACK)
    in_use = await repo.checkins_since(span[0] - CHECKINS_LOOKBACK)
    return contacts, findings(contacts, notes, zones, span, checkins_in_use=in_use)
