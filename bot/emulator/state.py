"""Everything the emulated Telegram knows: users, chats, messages, files, queries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .errors import BLOCKED, NOT_A_MEMBER, ApiError, bad_request, too_many_requests
from .files import FileStore
from .limits import RateLimiter
from .markup import Markup
from .models import CallbackQueryRecord, SentMessage, StoredFile
from .updates import Signal, UpdateQueue

GROUP_TYPES = ("group", "supergroup")


def photo_sizes(file: StoredFile) -> list[dict[str, Any]]:
    return [{
        "file_id": file.file_id, "file_unique_id": file.file_unique_id,
        "width": file.width or 1, "height": file.height or 1, "file_size": file.size,
    }]


class World:
    def __init__(self, *, bot_user: dict[str, Any], limiter: RateLimiter,
                 clock: Callable[[], float], callback_ttl: float | None) -> None:
        self.bot_user = bot_user
        self.clock = clock
        self.callback_ttl = callback_ttl
        self.changes = Signal()
        self.updates = UpdateQueue(self.changes)
        self.files = FileStore()
        self.limiter = limiter
        self.users: dict[int, dict[str, Any]] = {}
        self.chats: dict[int, dict[str, Any]] = {}
        self.blocked: set[int] = set()
        self.left: set[int] = set()  # groups the bot has left
        self.sent: dict[int, dict[int, SentMessage]] = {}
        self.incoming: dict[int, dict[int, dict[str, Any]]] = {}
        self.reply_markups: dict[int, Markup] = {}  # latest non-inline markup per chat
        self.reply_keyboards: dict[int, Markup] = {}  # latest keyboard or keyboard removal
        self.callbacks: dict[str, CallbackQueryRecord] = {}
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.chat_actions: dict[int, list[str]] = {}
        self.sent_count = 0
        self.rate_limited_count = 0
        self._last_message_id: dict[int, int] = {}
        self._media_groups = 0

    def now(self) -> int:
        return int(self.clock())

    # chats -------------------------------------------------------------

    def resolve_chat(self, ref: int | str) -> dict[str, Any]:
        if isinstance(ref, str):
            # "@username" addresses public groups and channels only, never users.
            name = ref.removeprefix("@").lower()
            found = [c for c in self.chats.values()
                     if c["type"] != "private" and str(c.get("username", "")).lower() == name]
            if ref.startswith("@") and found:
                return found[0]
            raise bad_request("chat not found")
        chat = self.chats.get(ref)
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def ensure_reachable(self, chat: dict[str, Any]) -> None:
        if chat["type"] == "private" and chat["id"] in self.blocked:
            raise ApiError(403, BLOCKED)
        if chat["id"] in self.left:
            raise ApiError(403, NOT_A_MEMBER)

    def admit_send(self, chat: dict[str, Any], count: int = 1) -> None:
        """Apply flood limits to `count` outgoing messages sent at once (an album counts each item)."""
        retry = self.limiter.acquire(chat["id"], is_group=chat["type"] in GROUP_TYPES, now=self.clock(),
                                     count=count)
        if retry is not None:
            self.rate_limited_count += 1
            raise too_many_requests(retry)

    def next_message_id(self, chat_id: int) -> int:
        # One sequence per chat, shared by user and bot messages, as in Telegram.
        self._last_message_id[chat_id] = self._last_message_id.get(chat_id, 0) + 1
        return self._last_message_id[chat_id]

    def next_media_group_id(self) -> str:
        # Telegram's are long numbers sent as strings.
        self._media_groups += 1
        return str(13_000_000_000_000_000 + self._media_groups)

    # messages ----------------------------------------------------------

    def store(self, msg: SentMessage, markup: Markup | None) -> None:
        self.sent.setdefault(msg.chat_id, {})[msg.message_id] = msg
        self.sent_count += 1
        if markup is not None and markup.kind != "inline":
            self.reply_markups[msg.chat_id] = markup
            if markup.kind in ("keyboard", "remove"):  # force_reply leaves the keyboard alone
                self.reply_keyboards[msg.chat_id] = markup
        self.set_inline(msg, markup)

    @staticmethod
    def set_inline(msg: SentMessage, markup: Markup | None) -> None:
        if markup is not None and markup.kind == "inline" and markup.inline:
            msg.reply_markup, msg.inline_keyboard = markup.raw, markup.inline
        else:  # an empty inline keyboard removes it, as in Telegram
            msg.reply_markup, msg.inline_keyboard = None, []

    def bot_message(self, chat_id: int, message_id: int, *, not_found: str) -> SentMessage:
        msg = self.sent.get(chat_id, {}).get(message_id)
        if msg is None or msg.deleted:
            if not_found == "message to edit not found" and message_id in self.incoming.get(chat_id, {}):
                raise bad_request("message can't be edited")
            raise bad_request(not_found)
        return msg

    def find_any(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        """A live message of either side, rendered, for reply_to_message."""
        msg = self.sent.get(chat_id, {}).get(message_id)
        if msg is not None and not msg.deleted:
            return self.render(msg, nested=False)
        incoming = self.incoming.get(chat_id, {}).get(message_id)
        if incoming is not None:
            return {k: v for k, v in incoming.items() if k != "reply_to_message"}
        return None

    def bot_from(self) -> dict[str, Any]:
        keys = ("id", "is_bot", "first_name", "username")
        return {k: self.bot_user[k] for k in keys}

    def render(self, msg: SentMessage, *, nested: bool = True) -> dict[str, Any]:
        """The Bot API Message object for a bot message."""
        out: dict[str, Any] = {
            "message_id": msg.message_id,
            "from": self.bot_from(),
            "chat": dict(self.chats[msg.chat_id]),
            "date": msg.date,
        }
        if msg.edit_date:
            out["edit_date"] = msg.edit_date
        if msg.media_group_id:
            out["media_group_id"] = msg.media_group_id
        if nested and msg.reply_to_message_id:
            target = self.find_any(msg.chat_id, msg.reply_to_message_id)
            if target:
                out["reply_to_message"] = target
        if msg.kind == "text":
            out["text"] = msg.text
            if msg.entities:
                out["entities"] = msg.entities
        else:
            if msg.text:
                out["caption"] = msg.text
                if msg.entities:
                    out["caption_entities"] = msg.entities
            out.update(self.render_media(msg))
        if msg.reply_markup:
            out["reply_markup"] = msg.reply_markup
        return out

    @staticmethod
    def render_media(msg: SentMessage) -> dict[str, Any]:
        file = msg.file
        assert file is not None
        base = {"file_id": file.file_id, "file_unique_id": file.file_unique_id, "file_size": file.size}
        if msg.kind == "photo":
            return {"photo": photo_sizes(file)}
        if msg.kind == "voice":
            return {"voice": {**base, "duration": msg.duration or 0, "mime_type": file.mime_type}}
        doc = dict(base)
        if file.file_name:
            doc["file_name"] = file.file_name
        if file.mime_type:
            doc["mime_type"] = file.mime_type
        return {"document": doc}

    def chat_full_info(self, chat: dict[str, Any]) -> dict[str, Any]:
        info = dict(chat)
        info.update(accent_color_id=0, max_reaction_count=11, accepted_gift_types={
            "unlimited_gifts": True, "limited_gifts": True, "unique_gifts": True,
            "premium_subscription": True, "gifts_from_channels": True,
        })
        return info
