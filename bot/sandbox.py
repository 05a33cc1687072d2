"""`python -m bot sandbox`: the real bot against the local emulator, chatted with from the terminal.

No token, no Telegram, no network beyond 127.0.0.1; a throwaway SQLite database with demo data.
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
from pathlib import Path

from bot.app import prepare
from bot.demo import MANAGERS, seed_demo
from bot.emulated import BotRunner
from bot.emulator import BotAPIEmulator, SentMessage
from bot.logs import setup_logging
from bot.settings import LANGUAGES, Settings
from db.base import utcnow

log = logging.getLogger(__name__)

ME = 1001
FIRST_GUEST = 5001
TOKEN = "7000000001:SANDBOX-loopback-only"
BOT_USERNAME = "ladon_sandbox_bot"
NAMES = {"ru": "Алексей", "en": "Alex"}
INDENT = "   "

HELP = f"""Type as you would in Telegram:
  any text, /command     sent to the bot (try /today /tomorrow /yesterday /clients /invite /users /lang /help)
  3                      tap inline button [3] of the latest message with buttons
  m1                     tap button (m1) of the menu under the chat
  '50000                 send a line that looks like a number as text (the quote is dropped)
  :join [name]           a new person writes to the bot (give them an invite: /start CODE)
  :as <id>, :as me       act as someone else (demo managers: {", ".join(map(str, MANAGERS))}), or as you again
  :photo [caption], :voice, :sticker   send those
  :menu, :help, :quit    (Ctrl+D or Ctrl+C quit too)"""


def banner(name: str) -> str:
    return (
        "Ladon sandbox: the real bot on a local Telegram emulator; nothing leaves this computer.\n"
        f"You are {name} (id {ME}), an admin, with a demo team and clients. "
        "Everything is kept in a temporary database and is gone when you quit.\n" + HELP
    )


class Sandbox:
    """The bot polling an emulator in this event loop; `act()` does one thing as a person and renders what changed."""

    def __init__(self, language: str = "ru", name: str | None = None) -> None:
        self.language = language if language in LANGUAGES else "ru"
        self.people: dict[int, str] = {ME: name or NAMES[self.language]}
        self.actor = ME
        self.finished = False
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
        """Start everything, seed demo data and greet the bot; returns the bot's first answer."""
        try:
            self._tmp = tempfile.mkdtemp(prefix="ladon-sandbox-")
            self.emu = BotAPIEmulator(token=TOKEN, bot_username=BOT_USERNAME)
            await self.emu.start()
            db_file = Path(self._tmp, "ladon.db").as_posix()
            # explicit values win over the environment; no .env: the sandbox must not touch real data
            self.settings = Settings(
                _env_file=None, bot_token=TOKEN, redis_url=None,
                database_url=f"sqlite+aiosqlite:///{db_file}", admin_ids=frozenset({ME}),
            )
            self._engine, self.sessionmaker = await prepare(self.settings)
            await seed_demo(self.sessionmaker, ME, utcnow(), name=self.people[ME], language=self.language,
                            timezone=self.settings.default_timezone)
            self._runner = BotRunner(self.emu, self.settings, self.sessionmaker, lifecycle=True)
            await self._runner.start()
            self._add_person(ME, self.people[ME])
        except BaseException:
            await self.stop()
            raise
        return await self.act("/start")

    async def stop(self) -> None:
        """Idempotent; safe after a partial start."""
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

    # acting ------------------------------------------------------------

    async def act(self, line: str) -> str:
        """One line of input (see HELP); returns what the person sees change."""
        line = line.strip()
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
            return HELP
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
                self._add_person(tg_id, MANAGERS.get(tg_id, f"User {tg_id}"))
            return self._switch(tg_id)
        if name == ":photo":
            return await self._deliver(self.emu.send_photo(self.actor, caption=arg or None))
        if name == ":voice":
            return await self._deliver(self.emu.send_voice(self.actor))
        if name == ":sticker":
            return await self._deliver(self.emu.send_sticker(self.actor))
        return f"Unknown command {name}. :help lists them."

    def _add_person(self, tg_id: int, name: str) -> None:
        self.people[tg_id] = name
        self.emu.add_user(tg_id, first_name=name, language_code=self.language)

    def _switch(self, tg_id: int) -> str:
        self.actor = tg_id
        lines = [f"Now you are {self.people[tg_id]} (id {tg_id})."]
        target = self._target(tg_id)
        if target is not None:
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

    async def _menu_tap(self, number: int) -> str:
        buttons = [text for row in self.emu.reply_keyboard(self.actor) or [] for text in row]
        if not buttons:
            return "No menu yet: send /start."
        if not 1 <= number <= len(buttons):
            return f"No menu button m{number}: there are m1-m{len(buttons)}."
        text = buttons[number - 1]
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
        """A photo shows as its size, its place in an album and a file the person can open."""
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
        path = Path(self._tmp, "photos", f"{msg.chat_id}-{msg.message_id}{suffix}")
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        return path

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
    with contextlib.suppress(AttributeError, ValueError):
        sys.stdout.reconfigure(errors="replace")  # a non-UTF-8 console must not crash on emoji
    language = os.environ.get("LADON_SANDBOX_LANG", "ru").strip().lower() or "ru"
    if language not in LANGUAGES:
        print(f"LADON_SANDBOX_LANG={language!r} is not one of {', '.join(LANGUAGES)}; using ru.", file=sys.stderr)
        language = "ru"
    sandbox = Sandbox(language)
    reader = LineReader()
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows: Ctrl+C stays a KeyboardInterrupt
        loop.add_signal_handler(signal.SIGINT, reader.interrupt)  # even during start-up: quit once it is up
    print(banner(sandbox.people[ME]), flush=True)
    try:
        print(await sandbox.start(), flush=True)
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
    return 0
