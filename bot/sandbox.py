"""`python -m bot sandbox`: the real bot against the local emulator, chatted with from the terminal.

No token, no Telegram, no network beyond 127.0.0.1; a throwaway SQLite database with the demo
company. Reminders run as in the bot, on a clock the person can move (`:time`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Callable
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import select, update

from bot.app import prepare
from bot.demo import Colleague, seed_sandbox
from bot.emulated import SETTLE_TIMEOUT, BotRunner
from bot.emulator import BotAPIEmulator, SentMessage
from bot.logs import setup_logging
from bot.reminders import DeliveryReport, ReminderService
from bot.scheduler import create_scheduler
from bot.settings import LANGUAGES, Settings
from db.base import utcnow
from db.models import Reminder, ReminderStatus, Role, User
from reports import drawing
from reports.workdays import WorkCalendar

log = logging.getLogger(__name__)

ME = 1001
FIRST_GUEST = 5001
TOKEN = "7000000001:SANDBOX-loopback-only"
BOT_USERNAME = "ladon_sandbox_bot"
NAMES = {"ru": "Алексей", "en": "Alex"}
INDENT = "   "
UNSEEN = 12  # messages shown when opening a chat with `:as`; older ones are counted
EARLIEST, LATEST = datetime(2000, 1, 1, tzinfo=timezone.utc), datetime(2100, 1, 1, tzinfo=timezone.utc)
SHIFT = re.compile(r"([+-])(?:([0-9]{1,5})d)?(?:([0-9]{1,6})h)?(?:([0-9]{1,7})m)?")
TIME_USAGE = ":time 09:00 (today, your timezone), :time +1d, +2h, -30m, :time 2026-12-01 18:30, :time now"

HERE = (55.7558, 37.6173)  # :here without a point: central Moscow

HELP = """Type as you would in Telegram:
  any text, /command     sent to the bot (try /today /tomorrow /clients /team /report /invite /users /lang /help)
  3                      tap inline button [3] of the latest message with buttons
  m1                     tap button (m1) of the menu under the chat
  '50000                 send a line that looks like a number as text (the quote is dropped)
  :join [name]           a new person writes to the bot (give them an invite: /start CODE)
  :as <id>, :as me       act as someone of the demo company (ids below), anyone else by id, or as you again
  :time [when]           show the sandbox clock, or move it: 09:00 (today), +1d, +2h, -30m, 2026-12-01 18:30, now
                         (back to real time); the reminders due then arrive at once: morning plan and heads'
                         digest at 09:00, evening reminder at 18:30 on working days, a brief before a meeting
  :photo [caption], :voice, :sticker   send those
  :file PATH             send a file from this computer as a document (an .xlsx or .csv imports clients)
  :here [lat lon]        tap the menu's 📍 location button, as a phone at that point (default: central Moscow)
  :menu, :help, :quit    (Ctrl+D or Ctrl+C quit too)"""


def banner(name: str) -> str:
    return (
        "Ladon sandbox: the real bot on a local Telegram emulator; nothing leaves this computer.\n"
        f"You are {name} (id {ME}), an admin who sees the whole demo company: two teams, their heads and "
        "12 managers with months of history, and a few clients of your own. "
        "Everything is kept in a temporary database and is gone when you quit.\n" + HELP
    )


def who_is_who(colleagues: list[Colleague]) -> str:
    """The heads and the managers with a planted pattern by id; the others in a range."""
    lines = ["The demo company (:as <id>):"]
    lines += [f"  {c.tg_id}  {c.name}, {c.about}" for c in colleagues if c.role == Role.HEAD or c.planted]
    others = sorted(c.tg_id for c in colleagues if c.role != Role.HEAD and not c.planted)
    if others:
        lines.append(f"  and {len(others)} more managers: {', '.join(map(str, others))}")
    return "\n".join(lines)


class SandboxClock:
    """Real time plus an offset that `:time` moves; it keeps running between moves. The bot's
    handlers (workflow data `clock`) and the reminder service both read it."""

    def __init__(self, real: Callable[[], datetime] = utcnow) -> None:
        self._real = real
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return self._real() + self.offset

    def set(self, moment: datetime) -> None:
        self.offset = moment - self._real()

    def reset(self) -> None:
        self.offset = timedelta(0)


def moved(arg: str, now: datetime, zone: str) -> datetime:
    """Where `:time <arg>` puts a clock that reads `now`; local times are in `zone`.
    ValueError, saying why, for anything else."""
    tz = ZoneInfo(zone)
    if (shift := SHIFT.fullmatch(arg.replace(" ", "").lower())) and any(shift.groups()[1:]):
        sign, days, hours, minutes = shift.groups()
        delta = timedelta(days=int(days or 0), hours=int(hours or 0), minutes=int(minutes or 0))
        if delta > LATEST - EARLIEST:  # would overflow datetime before the range check
            raise ValueError(f"{arg} is too far.")
        target = now + delta if sign == "+" else now - delta
    elif clock := re.fullmatch(r"([0-9]{1,2}):([0-9]{2})", arg):
        target = datetime.combine(now.astimezone(tz).date(), _time_of_day(*clock.groups()), tz)
    elif moment := re.fullmatch(r"([0-9]{4})-([0-9]{2})-([0-9]{2})[ T]+([0-9]{1,2}):([0-9]{2})", arg):
        year, month, day, hour, minute = moment.groups()
        try:
            day_ = datetime(int(year), int(month), int(day))
        except ValueError:
            raise ValueError(f"There is no day {year}-{month}-{day}.") from None
        target = datetime.combine(day_.date(), _time_of_day(hour, minute), tz)
    else:
        raise ValueError(f"Cannot read {arg!r} as a time.")
    if not EARLIEST <= target < LATEST:
        raise ValueError(f"{arg} is too far: the sandbox clock stays within {EARLIEST.year}-{LATEST.year - 1}.")
    return target.astimezone(timezone.utc)


def _time_of_day(hour: str, minute: str) -> time:
    if int(hour) > 23 or int(minute) > 59:
        raise ValueError(f"{hour}:{minute} is not a time of day.")
    return time(int(hour), int(minute))


def _span(delta: timedelta) -> str:
    """3 d 2 h 5 min, to the minute."""
    minutes = round(abs(delta).total_seconds() / 60)
    days, rest = divmod(minutes, 24 * 60)
    parts = ((days, "d"), (rest // 60, "h"), (rest % 60, "min"))
    return " ".join(f"{n} {unit}" for n, unit in parts if n) or "0 min"


class Sandbox:
    """The bot polling an emulator in this event loop; `act()` does one thing as a person and renders what changed."""

    def __init__(
        self,
        language: str = "ru",
        name: str | None = None,
        *,
        tick_seconds: int | None = None,
        on_output: Callable[[str], None] | None = None,
    ) -> None:
        """tick_seconds: the scheduler's beat (SCHEDULER_TICK_SECONDS by default); on_output gets
        what a scheduled beat delivers while nobody types."""
        self.language = language if language in LANGUAGES else "ru"
        self.people: dict[int, str] = {ME: name or NAMES[self.language]}  # the chats shown
        self.colleagues: list[Colleague] = []
        self.actor = ME
        self.finished = False
        self.clock = SandboxClock()
        self.on_output = on_output
        self._tick_seconds = tick_seconds
        self.scheduler: AsyncIOScheduler | None = None
        self._turn = asyncio.Lock()  # one thing at a time renders: a line typed, or a scheduled beat
        self.emu: BotAPIEmulator | None = None
        self.settings: Settings | None = None
        self.sessionmaker = None
        self._engine = None
        self._runner: BotRunner | None = None
        self._tmp: str | None = None
        self._shown_errors = 0
        self._seen: dict[int, dict[int, tuple]] = {}  # chat -> message_id -> what was printed
        self._menus: dict[int, list[list[str]] | None] = {}  # chat -> the menu last printed
        self._targets: dict[int, int | None] = {}  # chat -> message whose buttons the numbers tap
        self._reminded: dict[int, int] = {}  # chat -> target already pointed out once

    # lifecycle ---------------------------------------------------------

    async def start(self) -> str:
        """Start everything, seed the demo company, start the reminders and greet the bot; returns
        the bot's first answer."""
        try:
            self._tmp = tempfile.mkdtemp(prefix="ladon-sandbox-")
            self.emu = BotAPIEmulator(token=TOKEN, bot_username=BOT_USERNAME)
            await self.emu.start()
            db_file = Path(self._tmp, "ladon.db").as_posix()
            # explicit values win over the environment; no .env: the sandbox must not touch real data
            self.settings = Settings(
                _env_file=None, bot_token=TOKEN, redis_url=None,
                database_url=f"sqlite+aiosqlite:///{db_file}", admin_ids=frozenset({ME}),
                # the emulator has no flood limits: a head's digest need not trickle in at 1 message a second
                notify_per_chat_per_second=30,
            )
            self._engine, self.sessionmaker = await prepare(self.settings)
            self.colleagues = await seed_sandbox(self.sessionmaker, ME, self.clock(), name=self.people[ME],
                                                 language=self.language, timezone=self.settings.default_timezone)
            for colleague in self.colleagues:  # reminders reach their chats, shown once the person acts as them
                self.emu.add_user(colleague.tg_id, first_name=colleague.name, language_code=self.language)
            self._runner = BotRunner(self.emu, self.settings, self.sessionmaker, self.clock, lifecycle=True)
            await self._runner.start()
            self._add_person(ME, self.people[ME])
            # the bot's own scheduler job, beating through `tick()` so what arrives is printed
            self.scheduler = create_scheduler(self, self._tick_seconds or self.settings.scheduler_tick_seconds)
            self.scheduler.start()
        except BaseException:
            await self.stop()
            raise
        return await self.act("/start")

    async def stop(self) -> None:
        """Idempotent; safe after a partial start."""
        if self.scheduler is not None:
            if self.scheduler.running:
                self.scheduler.shutdown(wait=False)
            self.scheduler = None
            with contextlib.suppress(TimeoutError):  # a beat under way finishes before the bot goes
                async with asyncio.timeout(SETTLE_TIMEOUT), self._turn:
                    pass
        if self._runner is not None:
            try:
                await self._runner.stop()
            except Exception:
                log.exception("The bot's polling failed")
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None
        if self.emu is not None:
            with contextlib.suppress(Exception):
                await self.emu.stop()
            self.emu = None
        await asyncio.sleep(0)  # let aiohttp finish closing its connections
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    @property
    def errors(self) -> list[BaseException]:
        """What handlers raised (the bot went on)."""
        return self._runner.errors if self._runner else []

    @property
    def reminders(self) -> ReminderService:
        return self._runner.reminders

    # reminders ---------------------------------------------------------

    async def tick(self) -> DeliveryReport:
        """A scheduled beat on the sandbox clock; what it delivers goes to `on_output`."""
        async with self._turn:
            report = await self.reminders.tick()
            # with nobody to show them to now, they wait for the next line typed
            changes = self._render_changes() if self.on_output is not None else []
        if changes:
            self.on_output("\n".join([f"⏰ {self._now_label(self.settings.default_timezone)}", *changes]))
        return report

    async def _time(self, arg: str) -> str:
        zone, user = await self._zone()
        if not arg:
            return self._clock_line(zone)
        if arg.lower() == "now":
            self.clock.reset()
        else:
            try:
                target = moved(arg, self.clock(), zone)
            except ValueError as error:
                return f"{error} The clock stays at {self._now_label(zone)}.\nUsage: {TIME_USAGE}"
            self.clock.set(target)
        lines = [self._clock_line(zone)]
        if self.on_output is not None:  # a Monday's digest with the weekly report takes seconds to draw
            self.on_output(lines.pop() + " Delivering what is due...")
        await self._reopen_dropped()
        report = await self.reminders.tick()
        return "\n".join([*lines, *self._render_changes(), self._beat_line(report, zone, user)])

    async def _zone(self) -> tuple[str, User | None]:
        """The acting person's timezone (the company's for a stranger), and who they are to the bot."""
        async with self.sessionmaker() as session:
            user = await session.scalar(select(User).where(User.tg_id == self.actor))
        return (user.timezone if user else self.settings.default_timezone), user

    async def _reopen_dropped(self) -> None:
        """Moving the clock back: reminders dropped because it jumped past them are due again once
        it is before them, so 09:00 of a day brings that day's morning however the clock got there.
        (The real outbox never goes back in time; what was sent stays sent.)"""
        since = self.clock() - self.reminders.grace
        async with self.sessionmaker() as session:
            await session.execute(
                update(Reminder)
                .where(Reminder.status == ReminderStatus.DROPPED, Reminder.due_at >= since)
                .values(status=ReminderStatus.PENDING)
            )
            await session.commit()

    def _now_label(self, zone: str) -> str:
        return self.clock().astimezone(ZoneInfo(zone)).strftime("%a %d %b %Y %H:%M")

    def _clock_line(self, zone: str) -> str:
        offset = self.clock.offset
        if abs(offset) < timedelta(seconds=30):
            relation = "real time"
        else:
            relation = f"{_span(offset)} {'ahead of' if offset > timedelta(0) else 'behind'} real time"
        return f"🕘 Sandbox time: {self._now_label(zone)} ({zone}), {relation}."

    def _beat_line(self, report: DeliveryReport, zone: str, user: User | None) -> str:
        """What the beat did for the whole company (only the chats shown are printed above it)."""
        done = [f"{count} {what}" for count, what in
                ((report.sent, "sent"), (report.skipped, "with nothing to say"), (report.failed, "failed")) if count]
        line = "⏰ Reminders due by now, across the company: " + (", ".join(done) or "none")
        if report.dropped:
            line += (f"; {report.dropped} dropped, due more than {_span(self.reminders.grace)} earlier, as after "
                     "downtime (moving the clock back to them brings them back)")
        if not done and user is not None:
            day = self.clock().astimezone(ZoneInfo(zone)).date()
            if not WorkCalendar.from_settings(self.settings).is_workday(day):
                line += f". {day:%a %d %b} is not a working day: no morning plan, digest or evening reminder"
            else:
                digest = " and team digest" if user.role in (Role.HEAD, Role.ADMIN) else ""
                line += (f". Yours: morning plan{digest} at {user.morning_at:%H:%M}, evening reminder at "
                         f"{user.evening_at:%H:%M}, each once a day")
        return line + "."

    # acting ------------------------------------------------------------

    async def act(self, line: str) -> str:
        """One line of input (see HELP); returns what the person sees change."""
        async with self._turn:
            return await self._act(line.strip())

    async def _act(self, line: str) -> str:
        if not line:
            return ""
        if line.startswith("'"):
            return await self._deliver(self.emu.send_text(self.actor, line[1:]))
        if line.startswith(":"):
            return await self._command(line)
        if re.fullmatch(r"[0-9]{1,6}", line):
            return await self._tap(int(line))
        if re.fullmatch(r"m[0-9]{1,6}", line):
            return await self._menu_tap(int(line[1:]))
        return await self._deliver(self.emu.send_text(self.actor, line))

    async def _command(self, line: str) -> str:
        name, _, arg = line.partition(" ")
        arg = arg.strip()
        if name in (":quit", ":q", ":exit"):
            self.finished = True
            return "Bye."
        if name == ":help":
            return HELP + "\n" + who_is_who(self.colleagues)
        if name == ":time":
            return await self._time(arg)
        if name == ":menu":
            return self._render_menu(self.actor, force=True) or "No menu yet: send /start."
        if name == ":join":
            tg_id = max(FIRST_GUEST - 1, *self.people) + 1
            self._add_person(tg_id, arg or f"Guest {tg_id - FIRST_GUEST + 1}")
            return self._switch(tg_id) + "\nA stranger to the bot: an admin's /invite link lets them in (/start CODE)."
        if name == ":as":
            if arg in ("me", str(ME)):
                return self._switch(ME)
            if not re.fullmatch(r"[0-9]{1,15}", arg) or int(arg) <= 0:
                return "Usage: :as <telegram id> or :as me"
            tg_id = int(arg)
            if tg_id not in self.people:
                known = {c.tg_id: c.name for c in self.colleagues}
                self._add_person(tg_id, known.get(tg_id, f"User {tg_id}"))
            return self._switch(tg_id)
        if name == ":photo":
            return await self._deliver(self.emu.send_photo(self.actor, caption=arg or None))
        if name == ":voice":
            return await self._deliver(self.emu.send_voice(self.actor))
        if name == ":sticker":
            return await self._deliver(self.emu.send_sticker(self.actor))
        if name == ":file":
            path = Path(arg).expanduser()
            if not arg or not path.is_file():
                return "Usage: :file PATH (a file on this computer, e.g. clients.xlsx)"
            return await self._deliver(self.emu.send_document(self.actor, file_name=path.name, data=path.read_bytes()))
        if name == ":here":
            try:
                lat, lon = (float(part) for part in arg.replace(",", " ").split()) if arg else HERE
                return await self._deliver(self.emu.share_location(self.actor, lat, lon), echo=f"📍 {lat}, {lon}")
            except (ValueError, LookupError) as error:
                return f"Usage: :here [lat lon], with the menu's location button shown ({error})."
        return f"Unknown command {name}. :help lists them."

    def _add_person(self, tg_id: int, name: str) -> None:
        self.people[tg_id] = name
        if not any(c.tg_id == tg_id for c in self.colleagues):  # those are in the emulator from the start
            self.emu.add_user(tg_id, first_name=name, language_code=self.language)

    def _switch(self, tg_id: int) -> str:
        self.actor = tg_id
        lines = [f"Now you are {self.people[tg_id]} (id {tg_id})."]
        # opening the chat shows what arrived meanwhile (a colleague's reminders), the latest few
        unseen = self._chat_changes(tg_id)
        if len(unseen) > UNSEEN:
            lines.append(f"({len(unseen) - UNSEEN} earlier messages not shown)")
        lines += unseen[-UNSEEN:]
        target = self._target(tg_id)
        if target is not None and not unseen:
            lines.append(self._render_message(target, "(latest with buttons)", numbered=True, brief=True))
        lines.append(self._render_menu(tg_id, force=True) or "(no menu yet: send /start)")
        return "\n".join(lines)

    async def _tap(self, number: int) -> str:
        target = self._target(self.actor)
        if target is None:
            return f"There are no buttons to tap. To send the number as text: '{number}"
        buttons = [b for row in target.inline_keyboard for b in row]
        if not 1 <= number <= len(buttons):
            return f"No button [{number}] (the latest ones are 1-{len(buttons)}). To send it as text: '{number}"
        button = buttons[number - 1]
        if button.callback_data is None:
            return f"Button {number} opens a link: {button.url}"
        update_id = self.emu.press(self.actor, target.message_id, button.callback_data)
        return await self._deliver(update_id, echo=f"👆 {button.text.strip() or '·'}", callback=True)

    def _location_button(self) -> str | None:
        markup = self.emu.reply_markup_state(self.actor) or {}
        return next((b["text"] for row in markup.get("keyboard", []) for b in row
                     if isinstance(b, dict) and b.get("request_location")), None)

    async def _menu_tap(self, number: int) -> str:
        buttons = [text for row in self.emu.reply_keyboard(self.actor) or [] for text in row]
        if not buttons:
            return "No menu yet: send /start."
        if not 1 <= number <= len(buttons):
            return f"No menu button m{number}: there are m1-m{len(buttons)}."
        text = buttons[number - 1]
        if text == self._location_button():
            return "That button shares where the phone is: type :here [lat lon]."
        return await self._deliver(self.emu.send_text(self.actor, text), echo=f"👆 {text}")

    async def _deliver(self, update_id: int, echo: str | None = None, callback: bool = False) -> str:
        self._runner.sent(update_id)
        try:
            await self._runner.settle()
            trouble = None
        except (RuntimeError, TimeoutError) as error:
            trouble = str(error)
        lines = [echo] if echo else []
        if callback:
            answer = self.emu.callback_answer(update_id)
            if answer is None:
                lines.append("⚠️ the bot left this tap unanswered (the button would keep spinning)")
            elif answer.text:
                lines.append(f"⟨{'alert' if answer.show_alert else 'toast'}⟩ {answer.text}")
        changes = self._render_changes()
        if trouble:
            changes.append(f"⚠️ {trouble}")
        lines += changes or ["(no reply)"]
        return "\n".join(lines)

    # rendering ---------------------------------------------------------

    def _target(self, chat_id: int) -> SentMessage | None:
        """The message whose buttons `N` taps, as the emulator picks it: the latest one with buttons."""
        for msg in reversed(self.emu.messages(chat_id)):
            if not msg.deleted and msg.inline_keyboard:
                return msg
        return None

    def _render_changes(self) -> list[str]:
        out: list[str] = []
        for chat_id in [self.actor, *(p for p in self.people if p != self.actor)]:
            lines = self._chat_changes(chat_id)
            if lines and chat_id != self.actor:
                lines.insert(0, f"── in the chat of {self.people[chat_id]} (id {chat_id}) ──")
            out += lines
        if menu := self._render_menu(self.actor):
            out.append(menu)
        for error in self.errors[self._shown_errors:]:
            out.append(f"⚠️ the bot failed: {type(error).__name__}: {error}")
        self._shown_errors = len(self.errors)
        return out

    def _chat_changes(self, chat_id: int) -> list[str]:
        seen = self._seen.setdefault(chat_id, {})
        target = self._target(chat_id)
        out, printed = [], False
        for msg in self.emu.messages(chat_id):
            state = (msg.text, tuple(map(tuple, msg.inline_keyboard)), msg.deleted)
            before = seen.get(msg.message_id)
            seen[msg.message_id] = state
            if before == state:
                continue
            if before is None:
                label = ""
            elif msg.deleted:
                label = "(deleted)"
            elif before[0] == msg.text and not msg.inline_keyboard:
                continue  # only its buttons were taken away: the conversation moved on
            else:
                label = "(edited)"
            out.append(self._render_message(msg, label, numbered=msg is target))
            printed = printed or msg is target
        if printed:
            self._reminded.pop(chat_id, None)
        # numbers tap an older message: say which, or `3` would be a blind tap
        if target is not None and not printed and out:
            if self._targets.get(chat_id) != target.message_id:
                out.append(self._render_message(target, "(earlier message; numbers now tap its buttons)",
                                                numbered=True, brief=True))
            elif self._reminded.get(chat_id) != target.message_id:
                self._reminded[chat_id] = target.message_id
                count = sum(map(len, target.inline_keyboard))
                first = (target.text or "").splitlines()[0] if target.text else target.kind
                out.append(f"{INDENT}(numbers 1-{count} still tap the buttons of «{first[:60]}»)")
        self._targets[chat_id] = target.message_id if target else None
        return out

    def _render_message(self, msg: SentMessage, label: str, numbered: bool, brief: bool = False) -> str:
        head = "🤖 " + (label + " " if label else "")
        if msg.kind != "text":
            head += self._media_label(msg)
        body = (msg.text or "").splitlines() or [""]
        lines = [(head + body[0]).rstrip() + (" …" if brief and len(body) > 1 else "")]
        lines += [] if brief else [INDENT + line for line in body[1:]]
        if msg.deleted:
            return lines[0]
        n = 0
        for row in msg.inline_keyboard:
            cells = []
            for button in row:
                n += 1
                text = button.text.strip() or "·"
                if button.url:
                    text += f" <{button.url}>"
                cells.append(f"[{n}] {text}" if numbered else f"[·] {text}")
            lines.append(INDENT + "  ".join(cells))
        return "\n".join(lines)

    def _media_label(self, msg: SentMessage) -> str:
        """A photo shows as its size, its place in an album and a file the person can open; a
        document (an export) as its name and a file to open too."""
        if msg.kind == "document" and msg.file_bytes:
            return f"[document: {msg.file_name or 'file'}, saved to {self._save_document(msg)}] "
        if msg.kind != "photo" or not msg.file_bytes:
            return f"[{msg.kind}{': ' + msg.file_name if msg.file_name else ''}] "
        size = msg.photo_size
        parts = [f"photo {size[0]}×{size[1]}" if size else "photo"]
        if msg.media_group_id:
            album = self.emu.album(msg.chat_id, msg.media_group_id)
            place = next(i for i, item in enumerate(album, 1) if item is msg)
            parts.append(f"album {place}/{len(album)}")
        parts.append(f"saved to {self._save_photo(msg)}")
        return f"[{', '.join(parts)}] "

    def _save_photo(self, msg: SentMessage) -> Path:
        """Into the sandbox's temporary folder, which goes when the sandbox quits."""
        data = msg.file_bytes or b""
        kinds = ((b"\x89PNG", ".png"), (b"\xff\xd8", ".jpg"), (b"GIF8", ".gif"), (b"RIFF", ".webp"))
        suffix = next((ext for magic, ext in kinds if data.startswith(magic)), ".bin")
        return _kept(Path(self._tmp, "photos", f"{msg.chat_id}-{msg.message_id}{suffix}"), data)

    def _save_document(self, msg: SentMessage) -> Path:
        """Under its own name (made safe for the disk), in a folder per message."""
        name = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in (msg.file_name or "file"))[:100] or "file"
        return _kept(Path(self._tmp, "files", f"{msg.chat_id}-{msg.message_id}", name), msg.file_bytes or b"")

    def _render_menu(self, chat_id: int, force: bool = False) -> str | None:
        menu = self.emu.reply_keyboard(chat_id)
        if not force and menu == self._menus.get(chat_id, None):
            return None
        self._menus[chat_id] = menu
        if not menu:
            return None if force else "⌨ (the menu is gone)"
        n = 0
        rows = []
        for row in menu:
            cells = []
            for text in row:
                n += 1
                cells.append(f"(m{n}) {text}")
            rows.append("  ".join(cells))
        return "⌨ " + ("\n" + INDENT).join(rows)


class LineReader:
    """input() in a daemon thread, one line at a time: Ctrl+C must not wait for Enter to exit."""

    def __init__(self) -> None:
        self._pending: asyncio.Future | None = None
        self._interrupted = False
        self.interactive = sys.stdin.isatty()

    @property
    def waiting(self) -> bool:
        """The prompt is on screen, waiting for a line."""
        return self._pending is not None and not self._pending.done()

    async def read(self, prompt: str) -> str | None:
        """The next line, or None on end of input or interruption."""
        if self._interrupted:
            return None
        loop = asyncio.get_running_loop()
        future = self._pending = loop.create_future()

        def work() -> None:
            try:
                line: str | None = input(prompt if self.interactive else "")
            except (EOFError, OSError, ValueError):
                line = None
            loop.call_soon_threadsafe(lambda: future.done() or future.set_result(line))

        threading.Thread(target=work, name="sandbox-stdin", daemon=True).start()
        line = await future
        if line is not None and not self.interactive:
            print(prompt + line, flush=True)  # piped input: keep the transcript readable
        return line

    def interrupt(self) -> None:
        self._interrupted = True
        if self._pending is not None and not self._pending.done():
            self._pending.set_result(None)


async def run_sandbox() -> int:
    setup_logging("WARNING", TOKEN)
    # the clock jumps about: the line after each `:time` counts what the outbox dropped
    logging.getLogger("bot.reminders").setLevel(logging.ERROR)
    with contextlib.suppress(AttributeError, ValueError):
        sys.stdout.reconfigure(errors="replace")  # a non-UTF-8 console must not crash on emoji
    language = os.environ.get("LADON_SANDBOX_LANG", "ru").strip().lower() or "ru"
    if language not in LANGUAGES:
        print(f"LADON_SANDBOX_LANG={language!r} is not one of {', '.join(LANGUAGES)}; using ru.", file=sys.stderr)
        language = "ru"
    reader = LineReader()

    def show(text: str) -> None:
        """What a scheduled beat delivered: on lines of its own, then the prompt again."""
        prompt = reader.waiting and reader.interactive
        print(("\n" if prompt else "") + text, flush=True)
        if prompt:
            print("› ", end="", flush=True)

    sandbox = Sandbox(language, on_output=show)
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows: Ctrl+C stays a KeyboardInterrupt
        loop.add_signal_handler(signal.SIGINT, reader.interrupt)  # even during start-up: quit once it is up
    print(banner(sandbox.people[ME]), flush=True)
    print("Loading the demo company...", flush=True)
    try:
        greeting = await sandbox.start()
        print(who_is_who(sandbox.colleagues), flush=True)
        print(await sandbox.act(":time"), flush=True)
        print(greeting, flush=True)
        while not sandbox.finished:
            line = await reader.read("› ")
            if line is None:
                print()
                break
            output = await sandbox.act(line)
            if output:
                print(output, flush=True)
    except Exception:
        log.exception("The sandbox failed")
        return 1
    finally:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(signal.SIGINT)
        await sandbox.stop()
        await asyncio.to_thread(drawing.shutdown)
    return 0


def _kept(path: Path, data: bytes) -> Path:
    """`data` at `path`, written once (a message shown again is not saved again)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return path
