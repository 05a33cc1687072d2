"""BotAPIEmulator: a loopback Telegram Bot API server with an in-process control API."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any

from .limits import RateLimiter
from .models import CallbackAnswer, CallbackQueryRecord, RecordedRequest, SentMessage
from .server import ApiServer, Fault, Hold
from .state import World
from .users import UserActions

if TYPE_CHECKING:
    from aiogram.client.session.aiohttp import AiohttpSession


class BotAPIEmulator(UserActions):
    """Speaks the Bot API over HTTP on 127.0.0.1 and lets tests act as Telegram users.

    Everything runs on the caller's event loop; nothing here is thread-safe.
    """

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "ladon_test_bot",
        bot_id: int | None = None,
        global_per_second: float | None = None,
        per_chat_per_second: float | None = None,
        *,
        per_group_per_minute: int | None = None,
        bot_name: str = "Ladon",
        callback_ttl: float | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """bot_id defaults to the token's numeric prefix, as in Telegram.

        Rate limits are off unless given. callback_ttl: seconds after which
        answerCallbackQuery fails as "query is too old" (None: never).
        clock: source of message dates (Unix seconds) and rate-limit time.
        """
        prefix = token.split(":", 1)[0]
        resolved_id = bot_id if bot_id is not None else (int(prefix) if prefix.isdigit() else 123456)
        self.token = token
        self.world = World(
            bot_user={
                "id": resolved_id, "is_bot": True, "first_name": bot_name, "username": bot_username,
                "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False, "can_connect_to_business": False,
                "has_main_web_app": False,
            },
            limiter=RateLimiter(global_per_second, per_chat_per_second, per_group_per_minute),
            clock=clock,
            callback_ttl=callback_ttl,
        )
        self._server = ApiServer(self.world, token)
        self._base_url: str | None = None

    # lifecycle ---------------------------------------------------------

    async def start(self, port: int = 0, host: str = "127.0.0.1") -> str:
        """Serve on host:port (0 picks a free port); returns the base URL."""
        if self._base_url is not None:
            raise RuntimeError("emulator already started")
        self.world.updates.reopen()
        self._base_url = await self._server.start(host, port)
        return self._base_url

    async def stop(self) -> None:
        """Answer waiting long polls with [] and shut the server down."""
        self.world.updates.close()
        await self._server.stop()
        self._base_url = None

    async def __aenter__(self) -> BotAPIEmulator:
        await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        if self._base_url is None:
            raise RuntimeError("emulator not started")
        return self._base_url

    def session(self) -> AiohttpSession:
        """A fresh aiogram session aimed at this emulator: Bot(emu.token, session=emu.session())."""
        from aiogram.client.session.aiohttp import AiohttpSession
        from aiogram.client.telegram import TelegramAPIServer

        return AiohttpSession(api=TelegramAPIServer.from_base(self.base_url))

    @property
    def bot_user(self) -> dict[str, Any]:
        return dict(self.world.bot_user)

    # fault injection ---------------------------------------------------

    def fail_next(self, method: str, error_code: int, description: str, *, times: int = 1,
                  retry_after: int | None = None, chat_id: int | None = None) -> None:
        """The next `times` calls of `method` (optionally only for chat_id) fail as given."""
        self._server.faults.append(Fault(method.lower(), error_code, description, times, retry_after, chat_id))

    def hold(self, chat_id: int) -> Hold:
        """Requests naming this chat wait (a slow network to that person) until `release()`;
        `arrived` tells that one is waiting. Released holds are forgotten."""
        hold = self._server.holds[str(chat_id)] = Hold()
        return hold

    def release(self, chat_id: int) -> None:
        hold = self._server.holds.pop(str(chat_id), None)
        if hold is not None:
            hold.release()

    def has_left(self, chat_id: int) -> bool:
        """Whether the bot has left this group (leaveChat)."""
        return chat_id in self.world.left

    def block(self, user_id: int, *, notify: bool = True) -> int | None:
        """The user blocks the bot: sends to their private chat answer 403, and, as Telegram does,
        the bot gets a my_chat_member update (kicked). Returns its update_id (None if already
        blocked, or with notify=False: an update the bot never saw, e.g. lost in downtime)."""
        if user_id in self.world.blocked:
            return None
        self.world.blocked.add(user_id)
        return self._membership(user_id, "member", "kicked") if notify else None

    def unblock(self, user_id: int) -> int | None:
        """The user restarts the bot: a my_chat_member update (member) follows."""
        if user_id not in self.world.blocked:
            return None
        self.world.blocked.discard(user_id)
        return self._membership(user_id, "kicked", "member")

    def _membership(self, user_id: int, old: str, new: str) -> int:
        user = self._user(user_id)
        bot = dict(self.world.bot_user)

        def member(status: str) -> dict[str, Any]:
            return {"status": status, "user": bot, **({"until_date": 0} if status == "kicked" else {})}

        return self.world.updates.put({"my_chat_member": {
            "chat": dict(self.world.chats[user_id]), "from": dict(user), "date": self.world.now(),
            "old_chat_member": member(old), "new_chat_member": member(new),
        }})

    def is_blocked(self, user_id: int) -> bool:
        return user_id in self.world.blocked

    # observing ---------------------------------------------------------

    def messages(self, chat_id: int) -> list[SentMessage]:
        """All bot messages in the chat, oldest first, as they are now (deleted ones flagged)."""
        return list(self.world.sent.get(chat_id, {}).values())

    def last_message(self, chat_id: int) -> SentMessage | None:
        live = [m for m in self.messages(chat_id) if not m.deleted]
        return live[-1] if live else None

    def message(self, chat_id: int, message_id: int) -> SentMessage:
        msg = self.world.sent.get(chat_id, {}).get(message_id)
        if msg is None:
            raise LookupError(f"no bot message {message_id} in chat {chat_id}")
        return msg

    def album(self, chat_id: int, media_group_id: str | None = None) -> list[SentMessage]:
        """The messages of one album (sendMediaGroup), in order; by default the chat's latest album."""
        grouped = [m for m in self.messages(chat_id) if m.media_group_id]
        if media_group_id is None and grouped:
            media_group_id = grouped[-1].media_group_id
        found = [m for m in grouped if m.media_group_id == media_group_id]
        if not found:
            raise LookupError(f"no album {media_group_id} in chat {chat_id}" if media_group_id
                              else f"no album in chat {chat_id}")
        return found

    def reply_keyboard(self, chat_id: int) -> list[list[str]] | None:
        """Button texts of the chat's current reply keyboard (None if none or removed)."""
        markup = self.world.reply_keyboards.get(chat_id)
        return [list(row) for row in markup.keyboard] if markup and markup.kind == "keyboard" else None

    def reply_markup_state(self, chat_id: int) -> dict[str, Any] | None:
        """The latest non-inline reply_markup sent to the chat (keyboard, removal or force_reply)."""
        markup = self.world.reply_markups.get(chat_id)
        return markup.raw if markup else None

    def callback_queries(self) -> list[CallbackQueryRecord]:
        return list(self.world.callbacks.values())

    def callback_query(self, ref: int | str) -> CallbackQueryRecord:
        """A callback query by its id (str) or by the update_id press() returned (int)."""
        if isinstance(ref, str):
            record = self.world.callbacks.get(ref)
        else:
            record = next((r for r in self.world.callbacks.values() if r.update_id == ref), None)
        if record is None:
            raise LookupError(f"no callback query {ref!r}")
        return record

    def callback_query_id(self, update_id: int) -> str:
        return self.callback_query(update_id).id

    def callback_answer(self, ref: int | str) -> CallbackAnswer | None:
        """The answerCallbackQuery given to the query, or None if unanswered."""
        return self.callback_query(ref).answer

    def unanswered_callbacks(self) -> list[CallbackQueryRecord]:
        return [r for r in self.world.callbacks.values() if not r.answered]

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every Bot API call so far (the token is never recorded)."""
        return self._server.requests

    def calls(self, method: str) -> list[RecordedRequest]:
        return [r for r in self._server.requests if r.method.lower() == method.lower()]

    @property
    def sent_count(self) -> int:
        """Messages the bot sent (each item of an album counts)."""
        return self.world.sent_count

    @property
    def rate_limited_count(self) -> int:
        """429 answers (flood limits and injected ones)."""
        return self.world.rate_limited_count

    def chat_actions(self, chat_id: int) -> list[str]:
        return list(self.world.chat_actions.get(chat_id, []))

    def commands(self, scope: dict[str, Any] | None = None, language_code: str = "") -> list[dict[str, str]]:
        key = (json.dumps(scope or {"type": "default"}, sort_keys=True), language_code)
        return list(self.world.commands.get(key, []))

    def file_bytes(self, file_id: str) -> bytes:
        stored = self.world.files.get(file_id)
        if stored is None:
            raise LookupError(f"no file {file_id!r}")
        return stored.data

    @property
    def waiting_polls(self) -> int:
        """getUpdates requests currently held open waiting for updates."""
        return self.world.updates.waiting

    def user_messages(self, chat_id: int) -> list[dict[str, Any]]:
        """Messages emulated users sent in the chat (Bot API shape), oldest first; deleted ones gone."""
        return list(self.world.incoming.get(chat_id, {}).values())

    def is_fetched(self, update_id: int) -> bool:
        return update_id in self.world.updates.fetched

    def is_confirmed(self, update_id: int) -> bool:
        return update_id in self.world.updates.confirmed

    def pending_updates(self) -> int:
        return self.world.updates.pending_count

    def update(self, update_id: int) -> dict[str, Any]:
        return self.world.updates.get_update(update_id)

    def was_dropped(self, update_id: int) -> bool:
        """True if allowed_updates filtered the update out (Telegram never delivers it)."""
        return update_id in self.world.updates.dropped

    # waiting -----------------------------------------------------------

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 5.0,
                         what: str = "condition") -> None:
        """Re-check predicate after every request/update until it holds; TimeoutError otherwise."""
        if not await self.world.changes.wait_for(predicate, timeout):
            recent = ", ".join(
                r.method + ("" if r.ok else f"->{r.error_code}") for r in self.requests[-8:]
                if r.method != "getUpdates"
            )
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}; recent calls: [{recent}]")

    async def wait_fetched(self, update_id: int, timeout: float = 5.0) -> None:
        """Until the bot received the update through getUpdates."""
        await self.wait_until(lambda: update_id in self.world.updates.fetched, timeout,
                              f"update {update_id} to be fetched")

    async def wait_confirmed(self, update_id: int, timeout: float = 5.0) -> None:
        """Until a later getUpdates offset confirmed the update."""
        await self.wait_until(lambda: update_id in self.world.updates.confirmed, timeout,
                              f"update {update_id} to be confirmed")

    async def wait_answered(self, ref: int | str, timeout: float = 5.0) -> CallbackAnswer:
        record = self.callback_query(ref)
        await self.wait_until(lambda: record.answered, timeout, f"callback query {record.id} to be answered")
        assert record.answer is not None
        return record.answer

    async def wait_for_message(self, chat_id: int, *, after: int | None = None,
                               predicate: Callable[[SentMessage], bool] | None = None,
                               timeout: float = 5.0) -> SentMessage:
        """The first bot message in the chat newer than `after` (default: the user's latest message)."""
        if after is None:
            after = max(self.world.incoming.get(chat_id, {}), default=0)
        found: list[SentMessage] = []

        def check() -> bool:
            found[:] = [m for m in self.messages(chat_id)
                        if m.message_id > after and (predicate is None or predicate(m))]
            return bool(found)

        await self.wait_until(check, timeout, f"a bot message in chat {chat_id} after #{after}")
        return found[0]

    async def wait_for_request(self, method: str, *, since: int = 0,
                               predicate: Callable[[RecordedRequest], bool] | None = None,
                               timeout: float = 5.0) -> RecordedRequest:
        """The first recorded call of `method` at index >= since in `requests`."""
        found: list[RecordedRequest] = []

        def check() -> bool:
            found[:] = [r for r in self.requests[since:]
                        if r.method.lower() == method.lower() and (predicate is None or predicate(r))]
            return bool(found)

        await self.wait_until(check, timeout, f"a {method} call")
        return found[0]
