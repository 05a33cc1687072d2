"""User-side actions: what people do in Telegram, turned into updates."""

from __future__ import annotations

import math
import re
from typing import Any

from .files import TINY_OGG, TINY_PNG
from .models import CallbackQueryRecord, SentMessage
from .state import GROUP_TYPES, World, photo_sizes

_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
_TINY_WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"


class UserActions:
    """Mixin for BotAPIEmulator: each action enqueues one update and returns its update_id."""

    world: World

    # people and chats --------------------------------------------------

    def add_user(self, user_id: int, first_name: str = "Anna", last_name: str | None = None,
                 username: str | None = None, language_code: str | None = "ru") -> dict[str, Any]:
        """Register a user and their private chat (chat id == user id)."""
        if user_id <= 0:
            raise ValueError("user ids are positive")
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        chat: dict[str, Any] = {"id": user_id, "type": "private", "first_name": first_name}
        for key, value in (("last_name", last_name), ("username", username)):
            if value is not None:
                user[key] = chat[key] = value
        if language_code is not None:
            user["language_code"] = language_code
        self.world.users[user_id] = user
        self.world.chats[user_id] = chat
        return dict(user)

    def add_group(self, chat_id: int, title: str, type: str = "group") -> dict[str, Any]:
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        if type not in GROUP_TYPES:
            raise ValueError(f"type must be one of {GROUP_TYPES}")
        chat = {"id": chat_id, "type": type, "title": title}
        self.world.chats[chat_id] = chat
        return dict(chat)

    def _user(self, user_id: int) -> dict[str, Any]:
        # Writing to the bot is what creates the chat in Telegram.
        if user_id not in self.world.users:
            self.add_user(user_id, first_name=f"User {user_id}")
        return self.world.users[user_id]

    def _chat(self, user_id: int, chat_id: int | None) -> dict[str, Any]:
        if chat_id is None or chat_id == user_id:
            self._user(user_id)
            # A blocked bot can only be written to after "Restart", which unblocks it.
            self.world.blocked.discard(user_id)
            return self.world.chats[user_id]
        chat = self.world.chats.get(chat_id)
        if chat is None or chat["type"] == "private":
            raise LookupError(f"unknown group {chat_id}; call add_group() first")
        if chat_id in self.world.left:
            raise LookupError(f"the bot has left group {chat_id}: nothing written there reaches it")
        return chat

    def _post(self, user_id: int, chat_id: int | None, content: dict[str, Any]) -> int:
        user = self._user(user_id)
        chat = self._chat(user_id, chat_id)
        message_id = self.world.next_message_id(chat["id"])
        message = {"message_id": message_id, "from": dict(user), "chat": dict(chat),
                   "date": self.world.now(), **content}
        self.world.incoming.setdefault(chat["id"], {})[message_id] = message
        return self.world.updates.put({"message": message})

    # messages ----------------------------------------------------------

    def send_text(self, user_id: int, text: str, chat_id: int | None = None) -> int:
        """A text message; a leading /command gets its bot_command entity."""
        if not text.strip():
            raise ValueError("Telegram clients do not send empty messages")
        content: dict[str, Any] = {"text": text}
        match = _COMMAND_RE.match(text)
        if match:
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": match.end()}]
        return self._post(user_id, chat_id, content)

    def send_sticker(self, user_id: int, chat_id: int | None = None, emoji: str = "👍") -> int:
        file = self.world.files.add(_TINY_WEBP, kind="sticker")
        return self._post(user_id, chat_id, {"sticker": {
            "file_id": file.file_id, "file_unique_id": file.file_unique_id, "type": "regular",
            "width": 512, "height": 512, "is_animated": False, "is_video": False,
            "emoji": emoji, "file_size": file.size,
        }})

    def send_photo(self, user_id: int, caption: str | None = None, chat_id: int | None = None,
                   data: bytes = TINY_PNG) -> int:
        file = self.world.files.add(data, kind="photo")
        content: dict[str, Any] = {"photo": photo_sizes(file)}
        if caption:
            content["caption"] = caption
        return self._post(user_id, chat_id, content)

    def send_voice(self, user_id: int, duration: int = 3, chat_id: int | None = None) -> int:
        file = self.world.files.add(TINY_OGG, kind="voice")
        return self._post(user_id, chat_id, {"voice": {
            "file_id": file.file_id, "file_unique_id": file.file_unique_id,
            "duration": duration, "mime_type": file.mime_type, "file_size": file.size,
        }})

    def send_document(self, user_id: int, file_name: str = "file.pdf", data: bytes = b"%PDF-1.4\n",
                      chat_id: int | None = None, caption: str | None = None) -> int:
        file = self.world.files.add(data, kind="document", file_name=file_name)
        document = {"file_id": file.file_id, "file_unique_id": file.file_unique_id,
                    "file_name": file_name, "file_size": file.size}
        if file.mime_type:
            document["mime_type"] = file.mime_type
        content: dict[str, Any] = {"document": document}
        if caption:
            content["caption"] = caption
        return self._post(user_id, chat_id, content)

    def send_contact(self, user_id: int, phone_number: str, first_name: str | None = None,
                     chat_id: int | None = None, *, own: bool = True) -> int:
        """own=True: the user shares their own contact (as via a request_contact button)."""
        user = self._user(user_id)
        contact: dict[str, Any] = {"phone_number": phone_number,
                                   "first_name": first_name or user["first_name"]}
        if own:
            contact["user_id"] = user_id
        return self._post(user_id, chat_id, {"contact": contact})

    @staticmethod
    def _location(latitude: float, longitude: float, horizontal_accuracy: float | None = None,
                  live_period: int | None = None) -> dict[str, Any]:
        # clients only produce points on the globe: a fake that sent others would test nothing real
        if not (math.isfinite(latitude) and -90 <= latitude <= 90):
            raise ValueError("latitude must be within [-90, 90]")
        if not (math.isfinite(longitude) and -180 <= longitude <= 180):
            raise ValueError("longitude must be within [-180, 180]")
        location: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
        if horizontal_accuracy is not None:
            if not 0 <= horizontal_accuracy <= 1500:
                raise ValueError("horizontal_accuracy is 0..1500 metres")
            location["horizontal_accuracy"] = horizontal_accuracy
        if live_period is not None:
            location["live_period"] = live_period
        return location

    def send_location(self, user_id: int, latitude: float, longitude: float, chat_id: int | None = None, *,
                      horizontal_accuracy: float | None = None, live_period: int | None = None,
                      forwarded_from: int | None = None) -> int:
        """A location from the attachment menu (or, with `forwarded_from`, one forwarded from
        another user's chat: it carries forward_origin)."""
        content: dict[str, Any] = {"location": self._location(latitude, longitude, horizontal_accuracy, live_period)}
        if forwarded_from is not None:
            content["forward_origin"] = {"type": "user", "date": self.world.now() - 60,
                                         "sender_user": dict(self._user(forwarded_from))}
        return self._post(user_id, chat_id, content)

    def send_venue(self, user_id: int, latitude: float, longitude: float, title: str, address: str,
                   chat_id: int | None = None) -> int:
        """A place chosen from the attachment menu's list: a venue, which carries its location too."""
        location = self._location(latitude, longitude)
        return self._post(user_id, chat_id, {"location": location, "venue": {
            "location": location, "title": title, "address": address}})

    def share_location(self, user_id: int, latitude: float, longitude: float, *,
                       horizontal_accuracy: float | None = 10.0) -> int:
        """Tap the current reply keyboard's request_location button: the phone's position is sent.
        Only a private chat's keyboard can have one that works, and only if the bot sent it."""
        markup = self.world.reply_keyboards.get(user_id)
        buttons = [b for row in (markup.raw.get("keyboard", []) if markup and markup.kind == "keyboard" else [])
                   for b in row if isinstance(b, dict) and b.get("request_location") is True]
        if not buttons:
            raise LookupError(f"no request_location button in the reply keyboard of chat {user_id}")
        return self.send_location(user_id, latitude, longitude, horizontal_accuracy=horizontal_accuracy)

    # buttons -----------------------------------------------------------

    def press(self, user_id: int, message_id: int, callback_data: str | None,
              chat_id: int | None = None) -> int:
        """A callback_query on a bot message; any data is allowed, to forge stale or odd presses."""
        user = self._user(user_id)
        chat_id = user_id if chat_id is None else chat_id
        msg = self.world.sent.get(chat_id, {}).get(message_id)
        if msg is None or msg.deleted:
            raise LookupError(f"no live bot message {message_id} in chat {chat_id}")
        query_id = str(4_000_000_000_000_000 + len(self.world.callbacks) + 1)
        query: dict[str, Any] = {
            "id": query_id, "from": dict(user), "message": self.world.render(msg),
            "chat_instance": str((chat_id * 1_000_003) ^ self.world.bot_user["id"]),
        }
        if callback_data is not None:
            query["data"] = callback_data
        update_id = self.world.updates.put({"callback_query": query})
        self.world.callbacks[query_id] = CallbackQueryRecord(
            id=query_id, update_id=update_id, user_id=user_id, chat_id=chat_id,
            message_id=message_id, data=callback_data, created_at=self.world.clock(),
        )
        return update_id

    def press_button(self, user_id: int, text_or_index: str | int, message_id: int | None = None,
                     chat_id: int | None = None) -> int:
        """Press a real inline button, by exact text or flat index.

        Without message_id: the latest live message in the chat that has an inline keyboard.
        """
        chat_id = user_id if chat_id is None else chat_id
        msg = self._keyboard_message(chat_id, message_id)
        buttons = [b for row in msg.inline_keyboard for b in row]
        if isinstance(text_or_index, int):
            button = buttons[text_or_index] if -len(buttons) <= text_or_index < len(buttons) else None
        else:
            button = next((b for b in buttons if b.text == text_or_index), None)
        if button is None:
            raise LookupError(
                f"no button {text_or_index!r} on message {msg.message_id}; available: {msg.buttons()}"
            )
        if button.callback_data is None:
            raise ValueError(f"button {button.text!r} opens a URL; it sends no callback query")
        return self.press(user_id, msg.message_id, button.callback_data, chat_id)

    def _keyboard_message(self, chat_id: int, message_id: int | None) -> SentMessage:
        messages = self.world.sent.get(chat_id, {})
        if message_id is not None:
            msg = messages.get(message_id)
            if msg is None or msg.deleted:
                raise LookupError(f"no live bot message {message_id} in chat {chat_id}")
            return msg
        for msg in reversed(messages.values()):
            if not msg.deleted and msg.inline_keyboard:
                return msg
        raise LookupError(f"no message with an inline keyboard in chat {chat_id}")

    # raw updates -------------------------------------------------------

    def redeliver(self, update_id: int) -> None:
        """Queue the same update (same update_id) again: a duplicate delivery."""
        self.world.updates.redeliver(update_id)

    def inject_raw(self, update: dict[str, Any]) -> int:
        """Queue an arbitrary update; update_id is assigned unless given."""
        return self.world.updates.put(dict(update))
