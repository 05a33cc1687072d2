"""reply_markup validation and normalisation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from .errors import bad_request
from .models import InlineButton

_CANT_PARSE = "can't parse reply keyboard markup JSON object"
_ACTIONS = ("callback_data", "url", "login_url", "switch_inline_query",
            "switch_inline_query_current_chat", "switch_inline_query_chosen_chat",
            "callback_game", "pay", "web_app", "copy_text")
_URL_SCHEMES = ("http://", "https://", "tg://")


@dataclass
class Markup:
    kind: Literal["inline", "keyboard", "remove", "force_reply"]
    raw: dict[str, Any]
    inline: list[list[InlineButton]] = field(default_factory=list)
    keyboard: list[list[str]] = field(default_factory=list)


def _inline_button(raw: Any) -> InlineButton:
    if not isinstance(raw, dict) or not isinstance(raw.get("text"), str):
        raise bad_request("can't parse inline keyboard button: Text is not specified")
    if not any(raw.get(key) is not None for key in _ACTIONS):
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    data = raw.get("callback_data")
    if data is not None and (not isinstance(data, str) or not 1 <= len(data.encode()) <= 64):
        raise bad_request("BUTTON_DATA_INVALID")
    url = raw.get("url")
    if url is not None and (not isinstance(url, str) or not url.startswith(_URL_SCHEMES)):
        raise bad_request("BUTTON_URL_INVALID")
    return InlineButton(text=raw["text"], callback_data=data, url=url)


def _rows(raw: Any) -> list[list[Any]]:
    if not isinstance(raw, list) or not all(isinstance(row, list) for row in raw):
        raise bad_request(_CANT_PARSE)
    return raw


def parse_markup(raw: Any) -> Markup | None:
    """Validate a reply_markup value (already JSON-decoded) the way Telegram does."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise bad_request(_CANT_PARSE)
    if "inline_keyboard" in raw:
        rows = [[_inline_button(b) for b in row] for row in _rows(raw["inline_keyboard"])]
        return Markup("inline", raw, inline=rows)
    if "keyboard" in raw:
        texts = []
        for row in _rows(raw["keyboard"]):
            line = []
            for button in row:
                text = button.get("text") if isinstance(button, dict) else button
                if not isinstance(text, str):
                    raise bad_request(_CANT_PARSE)
                line.append(text)
            texts.append(line)
        return Markup("keyboard", raw, keyboard=texts)
    if raw.get("remove_keyboard") is True:
        return Markup("remove", raw)
    if raw.get("force_reply") is True:
        return Markup("force_reply", raw)
    raise bad_request(_CANT_PARSE)


def inline_only(markup: Markup | None) -> Markup | None:
    """Edits accept only inline keyboards."""
    if markup is not None and markup.kind != "inline":
        raise bad_request("inline keyboard expected")
    return markup
