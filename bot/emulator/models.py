"""Plain records the emulator exposes to tests and the sandbox."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class InlineButton:
    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    kind: str  # photo | document | voice | sticker
    file_path: str
    data: bytes
    file_name: str | None = None
    mime_type: str | None = None
    width: int | None = None
    height: int | None = None

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class SentMessage:
    """A bot message as the user currently sees it (after edits)."""

    message_id: int
    chat_id: int
    date: int
    kind: str  # text | photo | document | voice
    text: str | None  # text, or caption for media; HTML tags already stripped
    html: str | None = None  # raw text as sent when parse_mode was given
    parse_mode: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    inline_keyboard: list[list[InlineButton]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None  # inline markup as sent
    file: StoredFile | None = None
    duration: int | None = None
    reply_to_message_id: int | None = None
    media_group_id: str | None = None  # shared by the messages of one album
    edited: int = 0  # number of successful edits
    edit_date: int | None = None
    deleted: bool = False

    @property
    def caption(self) -> str | None:
        return None if self.kind == "text" else self.text

    @property
    def has_photo(self) -> bool:
        return self.kind == "photo"

    @property
    def has_document(self) -> bool:
        return self.kind == "document"

    @property
    def has_voice(self) -> bool:
        return self.kind == "voice"

    @property
    def file_name(self) -> str | None:
        return self.file.file_name if self.file else None

    @property
    def file_size(self) -> int | None:
        return self.file.size if self.file else None

    @property
    def file_bytes(self) -> bytes | None:
        """The bytes the bot uploaded (a photo as sent, not re-encoded as Telegram would)."""
        return self.file.data if self.file else None

    @property
    def photo_size(self) -> tuple[int, int] | None:
        """(width, height) of a photo."""
        if self.kind != "photo" or self.file is None or self.file.width is None or self.file.height is None:
            return None
        return self.file.width, self.file.height

    def buttons(self) -> list[str]:
        """Flat list of inline button texts, row by row."""
        return [b.text for row in self.inline_keyboard for b in row]

    def button_data(self, text: str) -> str | None:
        """callback_data of the button with this exact text (None for URL buttons)."""
        for row in self.inline_keyboard:
            for button in row:
                if button.text == text:
                    return button.callback_data
        raise LookupError(f"no button {text!r}; buttons: {self.buttons()}")


@dataclass(frozen=True)
class RecordedRequest:
    """One Bot API call. The token is never recorded."""

    method: str
    params: dict[str, Any]
    at: float  # time.time() when the call finished
    error_code: int | None = None
    description: str | None = None

    @property
    def ok(self) -> bool:
        return self.error_code is None


@dataclass(frozen=True)
class CallbackAnswer:
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int


@dataclass
class CallbackQueryRecord:
    id: str
    update_id: int
    user_id: int
    chat_id: int
    message_id: int
    data: str | None
    created_at: float = 0.0
    answer: CallbackAnswer | None = None

    @property
    def answered(self) -> bool:
        return self.answer is not None
