"""Decoding Bot API requests: query string, JSON, urlencoded form and multipart.

Form encodings carry every value as a string (nested objects as JSON strings),
so values are normalised by field name; after that all three look the same.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .errors import ApiError, bad_request

_JSON_FIELDS = frozenset({
    "reply_markup", "entities", "caption_entities", "allowed_updates", "commands", "scope",
    "menu_button", "reply_parameters", "link_preview_options", "media",
})
_INT_FIELDS = frozenset({
    "message_id", "offset", "limit", "timeout", "user_id", "cache_time", "duration",
    "message_thread_id", "reply_to_message_id", "from_chat_id",
})
_BOOL_FIELDS = frozenset({
    "show_alert", "drop_pending_updates", "disable_notification", "protect_content",
    "allow_sending_without_reply", "disable_content_type_detection", "has_spoiler",
    "show_caption_above_media", "disable_web_page_preview",
})
_INT_RE = re.compile(r"-?\d+")


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request."""

    filename: str | None
    content_type: str | None
    data: bytes


def _normalise(name: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if name in _JSON_FIELDS:
        try:
            return json.loads(value)
        except ValueError:
            return value  # the method reports it with Telegram's wording
    if (name in _INT_FIELDS or name == "chat_id") and _INT_RE.fullmatch(value):
        return int(value)
    if name in _BOOL_FIELDS and value in ("true", "false"):
        return value == "true"
    return value


class Params:
    """Typed access to one request's parameters."""

    def __init__(self, values: dict[str, Any], uploads: dict[str, Upload] | None = None) -> None:
        self.values = {k: _normalise(k, v) for k, v in values.items()}
        self.uploads = uploads or {}

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)

    def string(self, name: str) -> str | None:
        value = self.values.get(name)
        return None if value is None else str(value)

    def integer(self, name: str, *, missing: str | None = None, invalid: str | None = None) -> int | None:
        """The value as int; `missing`/`invalid` are Bad Request reasons (None: allow absence)."""
        value = self.values.get(name)
        if value is None or value == "":
            if missing:
                raise bad_request(missing)
            return None
        if isinstance(value, bool) or not isinstance(value, (int, str)) or (
            isinstance(value, str) and not _INT_RE.fullmatch(value)
        ):
            raise bad_request(invalid or f"invalid {name} specified")
        return int(value)

    def flag(self, name: str) -> bool:
        value = self.values.get(name)
        return value is True or value in ("true", "1", 1)

    def structured(self, name: str, *, invalid: str) -> Any:
        """A JSON object/array field; a string that is not valid JSON is a Bad Request."""
        value = self.values.get(name)
        if isinstance(value, str):
            raise bad_request(invalid)
        return value

    def chat_id(self) -> int | str:
        value = self.values.get("chat_id")
        if value is None or value == "":
            raise bad_request("chat_id is empty")
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise bad_request("chat not found")
        return value

    def recorded(self) -> dict[str, Any]:
        """A copy for RecordedRequest; uploads are described, not copied."""
        out = dict(self.values)
        for name, upload in self.uploads.items():
            out.setdefault(name, f"<upload {upload.filename or name}: {len(upload.data)} bytes>")
        return out


async def read_params(request: web.Request) -> Params:
    values: dict[str, Any] = dict(request.query)
    uploads: dict[str, Upload] = {}
    if request.body_exists:
        ctype = request.content_type
        if ctype == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise bad_request("can't parse JSON request body") from None
            if not isinstance(body, dict):
                raise bad_request("request body must be a JSON object")
            values.update(body)
        elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            try:
                form = await request.post()
            except web.HTTPRequestEntityTooLarge:
                raise ApiError(413, "Request Entity Too Large") from None
            for name, value in form.items():
                if isinstance(value, web.FileField):
                    with value.file as stream:
                        uploads[name] = Upload(value.filename, value.content_type, stream.read())
                else:
                    values[name] = value
    return Params(values, uploads)
