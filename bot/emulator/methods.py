"""Bot-side Bot API methods. Each takes the World and the request's Params."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from .errors import NOT_MODIFIED, QUERY_TOO_OLD, ApiError, bad_request
from .files import MAX_PHOTO_SIZE, photo_refusal
from .html import parse_html
from .markup import Markup, inline_only, parse_markup
from .models import CallbackAnswer, SentMessage, StoredFile
from .params import Params, Upload
from .state import World

Handler = Callable[[World, Params], Awaitable[Any]]
METHODS: dict[str, tuple[str, Handler]] = {}  # lower-case name -> (canonical name, handler)
SENDING_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument", "sendVoice", "sendMediaGroup"})

_CHAT_ACTIONS = frozenset({
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
})
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_MAX_DOWNLOAD = 20 * 1024 * 1024
_MAX_CAPTION = 1024
_MAX_ALBUM = 10
# Telegram takes these in albums; the emulator has no such files, so it says so instead of faking them.
_ALBUM_NOT_EMULATED = ("video", "audio", "live_photo")
# Nothing leaves this machine, so every URL is one Telegram could not fetch.
_URL_FAILED = "Failed to get HTTP URL content"


def api_method(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        METHODS[name.lower()] = (name, handler)
        return handler
    return register


def lookup(name: str) -> tuple[str, Handler] | None:
    # Telegram matches method names case-insensitively.
    return METHODS.get(name.lower())


# helpers -------------------------------------------------------------------

def _u16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _trim(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Telegram drops leading/trailing whitespace and shifts entities to match."""
    lead = _u16(text[: len(text) - len(text.lstrip())])
    body = text.strip()
    size = _u16(body)
    out = []
    for entity in entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, size)
        if end > start:
            out.append({**entity, "offset": start, "length": end - start})
    return body, out


def _parse_text(raw: str, mode: str | None, entities: Any) -> tuple[str, list[dict[str, Any]]]:
    """(plain text, entities) of a text or caption, trimmed; what Telegram can't parse is a 400."""
    if mode:
        if mode.lower() == "html":
            text, entities = parse_html(raw)
        elif mode.lower() in ("markdown", "markdownv2"):
            text, entities = raw, []  # Markdown is not emulated: kept verbatim
        else:
            raise bad_request("unsupported parse_mode")
    else:
        text, entities = raw, entities or []
        if not isinstance(entities, list) or not all(isinstance(e, dict) for e in entities):
            raise bad_request("can't parse entities JSON object")
    try:
        return _trim(text, entities)
    except (KeyError, TypeError):
        raise bad_request("can't parse entities JSON object") from None


def _formatted(p: Params, field: str, entities_field: str, *, limit: int,
               too_long: str) -> tuple[str, str | None, str | None, list[dict[str, Any]]]:
    """(plain text, raw html-or-markdown, parse_mode, entities) for a text or caption."""
    raw = p.string(field) or ""
    mode = p.string("parse_mode") or None
    given = None if mode else p.structured(entities_field, invalid="can't parse entities JSON object")
    text, entities = _parse_text(raw, mode, given)
    # code points, as len() counts them: TDLib measures a caption so (utf8_length)
    if len(text) > limit:
        raise bad_request(too_long)
    return text, (raw if mode else None), mode, entities


def _markup(p: Params) -> Markup | None:
    return parse_markup(p.structured("reply_markup", invalid="can't parse reply keyboard markup JSON object"))


def _reply_to(world: World, chat_id: int, p: Params) -> int | None:
    params = p.structured("reply_parameters", invalid="can't parse reply parameters JSON object") or {}
    if not isinstance(params, dict):
        raise bad_request("can't parse reply parameters JSON object")
    target = params.get("message_id") or p.integer("reply_to_message_id")
    if not target:
        return None
    allow = params.get("allow_sending_without_reply") or p.flag("allow_sending_without_reply")
    if world.find_any(chat_id, int(target)) is None:
        if allow:
            return None
        raise bad_request("message to be replied not found")
    return int(target)


def _same(a: Any, b: Any) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _reason(message: str) -> str:
    """An error as the Bot API words it: first letter lower-cased, unless it is a CODE_LIKE_THIS."""
    if len(message) >= 2 and (message[1] == "_" or message[1].isupper()):
        return message
    return message[:1].lower() + message[1:]


@dataclass
class _File:
    """A file a request names, past TDLib's checks; stored only once the message is sent."""

    kind: str
    stored: StoredFile | None = None
    upload: Upload | None = None
    url: str | None = None

    def refusal(self) -> str | None:
        """What Telegram's servers answer when they fetch or process the file, or None."""
        if self.url is not None:
            return _URL_FAILED
        if self.upload is not None and self.kind == "photo":
            return photo_refusal(self.upload.data)
        return None

    def store(self, world: World) -> StoredFile:
        if self.stored is None:
            assert self.upload is not None
            self.stored = world.files.add(self.upload.data, kind=self.kind, file_name=self.upload.filename,
                                          mime_type=self.upload.content_type)
        return self.stored


def _file(world: World, value: Any, upload: Upload | None, kind: str) -> _File:
    """TDLib's checks, made before anything is sent: a failure refuses the whole request."""
    if upload is not None:
        if not upload.data:
            raise bad_request("file must be non-empty")
        if kind == "photo" and len(upload.data) > MAX_PHOTO_SIZE:
            raise bad_request(f"file of size {len(upload.data)} bytes is too big for a photo; "
                              f"the maximum size is {MAX_PHOTO_SIZE} bytes")
        return _File(kind, upload=upload)
    if str(value).startswith(("http://", "https://")):
        return _File(kind, url=str(value))
    stored = world.files.get(str(value))
    if stored is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    if stored.kind != kind and kind != "document":
        raise bad_request(f"can't use file of type {stored.kind.title()} as {kind.title()}")
    return _File(kind, stored=stored)


def _input_file(world: World, p: Params, field: str, kind: str) -> _File:
    value = p.get(field)
    upload = p.uploads.get(field)
    if isinstance(value, str) and value.startswith("attach://"):
        upload = p.uploads.get(value.removeprefix("attach://"))
        if upload is None:
            raise bad_request(f"there is no {field} in the request")
    if upload is None and not value:
        raise bad_request(f"there is no {field} in the request")
    return _file(world, value, upload, kind)


def _editable(world: World, p: Params) -> SentMessage:
    if p.get("inline_message_id"):
        raise bad_request("MESSAGE_ID_INVALID")  # inline messages are not emulated
    chat = world.resolve_chat(p.chat_id())
    message_id = p.integer("message_id", missing="message identifier is not specified")
    assert message_id is not None
    world.ensure_reachable(chat)
    return world.bot_message(chat["id"], message_id, not_found="message to edit not found")


def _touch(world: World, msg: SentMessage) -> dict[str, Any]:
    msg.edited += 1
    msg.edit_date = world.now()
    return world.render(msg)


def _commands_key(p: Params) -> tuple[str, str]:
    scope = p.structured("scope", invalid="can't parse BotCommandScope JSON object") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), p.string("language_code") or ""


# service methods -----------------------------------------------------------

@api_method("getMe")
async def get_me(world: World, p: Params) -> Any:
    return world.bot_user


@api_method("getUpdates")
async def get_updates(world: World, p: Params) -> Any:
    allowed = p.structured("allowed_updates", invalid="can't parse allowed_updates JSON object")
    if allowed is not None and not isinstance(allowed, list):
        raise bad_request("can't parse allowed_updates JSON object")
    return await world.updates.get(
        offset=p.integer("offset"), limit=p.integer("limit"),
        timeout=p.integer("timeout") or 0, allowed=allowed,
    )


@api_method("deleteWebhook")
async def delete_webhook(world: World, p: Params) -> Any:
    if p.flag("drop_pending_updates"):
        world.updates.drop_pending()
    return True


@api_method("getWebhookInfo")
async def get_webhook_info(world: World, p: Params) -> Any:
    return {"url": "", "has_custom_certificate": False, "pending_update_count": world.updates.pending_count}


@api_method("setMyCommands")
async def set_my_commands(world: World, p: Params) -> Any:
    commands = p.structured("commands", invalid="can't parse commands JSON object")
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    stored = []
    for item in commands:
        if not isinstance(item, dict) or not _COMMAND_RE.fullmatch(str(item.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        description = str(item.get("description", ""))
        if not 1 <= len(description) <= 256:
            raise bad_request("command description is empty" if not description else "BOT_COMMAND_INVALID")
        stored.append({"command": item["command"], "description": description})
    world.commands[_commands_key(p)] = stored
    return True


@api_method("deleteMyCommands")
async def delete_my_commands(world: World, p: Params) -> Any:
    world.commands.pop(_commands_key(p), None)
    return True


@api_method("getMyCommands")
async def get_my_commands(world: World, p: Params) -> Any:
    return world.commands.get(_commands_key(p), [])


@api_method("setChatMenuButton")
async def set_chat_menu_button(world: World, p: Params) -> Any:
    chat_id = world.resolve_chat(p.chat_id())["id"] if p.get("chat_id") is not None else None
    button = p.structured("menu_button", invalid="can't parse menu button JSON object")
    world.menu_buttons[chat_id] = button or {"type": "default"}
    return True


@api_method("getChatMenuButton")
async def get_chat_menu_button(world: World, p: Params) -> Any:
    chat_id = world.resolve_chat(p.chat_id())["id"] if p.get("chat_id") is not None else None
    return world.menu_buttons.get(chat_id) or world.menu_buttons.get(None) or {"type": "commands"}


async def _accept(world: World, p: Params) -> Any:
    return True


for _name in ("setMyDescription", "setMyShortDescription", "setMyName"):
    api_method(_name)(_accept)


@api_method("getChat")
async def get_chat(world: World, p: Params) -> Any:
    return world.chat_full_info(world.resolve_chat(p.chat_id()))


@api_method("leaveChat")
async def leave_chat(world: World, p: Params) -> Any:
    chat = world.resolve_chat(p.chat_id())
    if chat["type"] == "private":
        raise bad_request("chat member status can't be changed in private chats")
    world.ensure_reachable(chat)  # a group already left answers 403, as Telegram does
    world.left.add(chat["id"])
    return True


@api_method("getFile")
async def get_file(world: World, p: Params) -> Any:
    file_id = p.string("file_id")
    if not file_id:
        raise bad_request("file_id is empty")
    stored = world.files.get(file_id)
    if stored is None:
        raise bad_request("wrong file_id or the file is temporarily unavailable")
    if stored.size > _MAX_DOWNLOAD:
        raise bad_request("file is too big")
    return {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
            "file_size": stored.size, "file_path": stored.file_path}


# messages ------------------------------------------------------------------

@api_method("sendMessage")
async def send_message(world: World, p: Params) -> Any:
    chat = world.resolve_chat(p.chat_id())
    world.ensure_reachable(chat)
    if not (p.string("text") or "").strip():
        raise bad_request("message text is empty")
    text, raw, mode, entities = _formatted(p, "text", "entities", limit=4096, too_long="message is too long")
    if not text:
        raise bad_request("message text is empty")
    markup = _markup(p)
    reply_to = _reply_to(world, chat["id"], p)
    world.admit_send(chat)
    msg = SentMessage(
        message_id=world.next_message_id(chat["id"]), chat_id=chat["id"], date=world.now(),
        kind="text", text=text, html=raw, parse_mode=mode, entities=entities,
        reply_to_message_id=reply_to,
    )
    world.store(msg, markup)
    return world.render(msg)


async def _send_media(world: World, p: Params, kind: str) -> Any:
    chat = world.resolve_chat(p.chat_id())
    world.ensure_reachable(chat)
    file = _input_file(world, p, kind, kind)
    caption, raw, mode, entities = _formatted(
        p, "caption", "caption_entities", limit=_MAX_CAPTION, too_long="message caption is too long"
    )
    markup = _markup(p)
    reply_to = _reply_to(world, chat["id"], p)
    refusal = file.refusal()
    if refusal:
        raise bad_request(_reason(refusal))
    world.admit_send(chat)
    msg = SentMessage(
        message_id=world.next_message_id(chat["id"]), chat_id=chat["id"], date=world.now(),
        kind=kind, text=caption or None, html=raw, parse_mode=mode, entities=entities,
        file=file.store(world), duration=p.integer("duration") if kind == "voice" else None,
        reply_to_message_id=reply_to,
    )
    world.store(msg, markup)
    return world.render(msg)


@api_method("sendPhoto")
async def send_photo(world: World, p: Params) -> Any:
    return await _send_media(world, p, "photo")


@api_method("sendDocument")
async def send_document(world: World, p: Params) -> Any:
    return await _send_media(world, p, "document")


@api_method("sendVoice")
async def send_voice(world: World, p: Params) -> Any:
    return await _send_media(world, p, "voice")


# albums --------------------------------------------------------------------

@dataclass
class _AlbumItem:
    type: str
    media: str
    upload: Upload | None
    caption: str
    html: str | None
    mode: str | None
    entities: list[dict[str, Any]] = field(default_factory=list)
    above: bool = False


def _media_error(reason: str) -> ApiError:
    # The Bot API prefixes what it can't read in an item; the inner message is left as it was.
    return bad_request(f"can't parse InputMedia: {reason}")


def _item_field(raw: dict[str, Any], name: str, kind: type, *, required: bool = False) -> Any:
    """A field of an InputMedia, type-checked as TDLib's JSON reader does."""
    value = raw.get(name)
    if value is None:
        if required:
            raise _media_error(f'Can\'t find field "{name}"')
        return None
    if kind is str and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)  # a number is taken where a string is expected
    if not isinstance(value, kind):
        raise _media_error(f'Field "{name}" must be of type {"String" if kind is str else "Boolean"}')
    return value


def _album_item(p: Params, raw: Any) -> _AlbumItem:
    """One InputMedia read as the Bot API reads it (telegram-bot-api's get_input_media)."""
    if not isinstance(raw, dict):
        raise _media_error("expected an Object")
    source = _item_field(raw, "caption", str) or ""
    mode = _item_field(raw, "parse_mode", str) or None
    try:
        # like the Bot API, an empty caption is not parsed, so its parse_mode is not checked
        parsed = mode if source else None
        caption, entities = _parse_text(source, parsed, None if parsed else raw.get("caption_entities"))
    except ApiError as error:  # TDLib's own wording starts with a capital ("Can't parse entities: ...")
        reason = error.description.removeprefix("Bad Request: ")
        raise _media_error(reason[:1].upper() + reason[1:]) from None
    above = bool(_item_field(raw, "show_caption_above_media", bool))
    _item_field(raw, "has_spoiler", bool)
    kind = _item_field(raw, "type", str, required=True)
    media = _item_field(raw, "media", str) or ""
    upload = p.uploads.get(media.removeprefix("attach://")) if media.startswith("attach://") else None
    if not media or (media.startswith("attach://") and upload is None):
        raise _media_error("media not found")
    if kind == "animation":
        raise _media_error(f'type "{kind}" can\'t be used in sendMediaGroup')
    if kind not in ("photo", "document", *_ALBUM_NOT_EMULATED):
        raise _media_error(f'type "{kind}" is unsupported')
    return _AlbumItem(kind, media, upload, caption, source if mode else None, mode, entities, above)


@api_method("sendMediaGroup")
async def send_media_group(world: World, p: Params) -> Any:
    """An album: one message per item, sharing a media_group_id; refused whole or sent whole.

    The checks come in Telegram's order: the Bot API reads every item, TDLib checks files,
    captions, count and mix, then the servers process each file (their error names the item).
    reply_markup is never read: the Bot API ignores it for albums.
    """
    media = p.get("media")
    if media is None or media == "":
        raise bad_request('parameter "media" is required')
    if isinstance(media, str):
        raise bad_request("can't parse media JSON object")
    if not isinstance(media, list):
        raise bad_request("expected an Array of InputMedia")
    items = [_album_item(p, raw) for raw in media]
    chat = world.resolve_chat(p.chat_id())
    reply_to = _reply_to(world, chat["id"], p)
    if not items:
        raise bad_request("there are no messages to send")
    world.ensure_reachable(chat)
    files: list[_File | None] = []
    for item in items:
        emulated = item.type not in _ALBUM_NOT_EMULATED
        files.append(_file(world, item.media, item.upload, item.type) if emulated else None)
        if len(item.caption) > _MAX_CAPTION:
            raise bad_request("message caption is too long")
    # One item is sent as an ordinary message, outside any album: TDLib allows it, whatever the docs say.
    if len(items) > _MAX_ALBUM:
        raise bad_request("too many messages to send as an album")
    if any(item.above != items[0].above for item in items):
        raise bad_request("parameter show_caption_above_media must be the same for all messages")
    if len({item.type for item in items}) > 1:
        for item in items:
            if item.type in ("document", "audio"):
                raise bad_request(f"{item.type} can't be mixed with other media types")
    if any(file is None for file in files):
        raise ApiError(501, "Not Implemented: the emulator sends albums of photos or of documents only")
    for number, file in enumerate(files, 1):
        refusal = file.refusal() if file else None
        if refusal:
            raise bad_request(f'failed to send message #{number} with the error message "{refusal}"')
    world.admit_send(chat, count=len(items))
    group = world.next_media_group_id() if len(items) > 1 else None
    sent = []
    for item, file in zip(items, files, strict=True):
        assert file is not None
        msg = SentMessage(
            message_id=world.next_message_id(chat["id"]), chat_id=chat["id"], date=world.now(),
            kind=item.type, text=item.caption or None, html=item.html, parse_mode=item.mode,
            entities=item.entities, file=file.store(world), reply_to_message_id=reply_to,
            media_group_id=group,
        )
        world.store(msg, None)
        sent.append(world.render(msg))
    return sent


@api_method("sendChatAction")
async def send_chat_action(world: World, p: Params) -> Any:
    chat = world.resolve_chat(p.chat_id())
    world.ensure_reachable(chat)
    action = p.string("action")
    if action not in _CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    world.chat_actions.setdefault(chat["id"], []).append(action)
    return True


@api_method("editMessageText")
async def edit_message_text(world: World, p: Params) -> Any:
    msg = _editable(world, p)
    if msg.kind != "text":
        raise bad_request("there is no text in the message to edit")
    if not (p.string("text") or "").strip():
        raise bad_request("message text is empty")
    text, raw, mode, entities = _formatted(p, "text", "entities", limit=4096, too_long="message is too long")
    if not text:
        raise bad_request("message text is empty")
    markup = inline_only(_markup(p))
    new_markup = markup.raw if markup and markup.inline else None
    if text == msg.text and _same(entities, msg.entities) and _same(new_markup, msg.reply_markup):
        raise bad_request(NOT_MODIFIED)
    msg.text, msg.html, msg.parse_mode, msg.entities = text, raw, mode, entities
    world.set_inline(msg, markup)  # no reply_markup removes the keyboard, as in Telegram
    return _touch(world, msg)


@api_method("editMessageCaption")
async def edit_message_caption(world: World, p: Params) -> Any:
    msg = _editable(world, p)
    if msg.kind == "text":
        raise bad_request("there is no caption in the message to edit")
    caption, raw, mode, entities = _formatted(
        p, "caption", "caption_entities", limit=1024, too_long="message caption is too long"
    )
    markup = inline_only(_markup(p))
    new_markup = markup.raw if markup and markup.inline else None
    if (caption or None) == msg.text and _same(entities, msg.entities) and _same(new_markup, msg.reply_markup):
        raise bad_request(NOT_MODIFIED)
    msg.text, msg.html, msg.parse_mode, msg.entities = caption or None, raw, mode, entities
    world.set_inline(msg, markup)
    return _touch(world, msg)


@api_method("editMessageReplyMarkup")
async def edit_message_reply_markup(world: World, p: Params) -> Any:
    msg = _editable(world, p)
    markup = inline_only(_markup(p))
    new_markup = markup.raw if markup and markup.inline else None
    if _same(new_markup, msg.reply_markup):
        raise bad_request(NOT_MODIFIED)
    world.set_inline(msg, markup)
    return _touch(world, msg)


@api_method("deleteMessage")
async def delete_message(world: World, p: Params) -> Any:
    chat = world.resolve_chat(p.chat_id())
    message_id = p.integer("message_id", missing="message identifier is not specified")
    msg = world.sent.get(chat["id"], {}).get(message_id or 0)
    if msg is not None and not msg.deleted:
        msg.deleted = True
        return True
    if world.incoming.get(chat["id"], {}).pop(message_id or 0, None) is not None:
        return True  # bots may delete incoming messages in private chats
    raise bad_request("message to delete not found")


@api_method("answerCallbackQuery")
async def answer_callback_query(world: World, p: Params) -> Any:
    record = world.callbacks.get(p.string("callback_query_id") or "")
    expired = record is not None and world.callback_ttl is not None and (
        world.clock() - record.created_at > world.callback_ttl
    )
    if record is None or record.answered or expired:
        raise bad_request(QUERY_TOO_OLD)
    text = p.string("text")
    if text and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    record.answer = CallbackAnswer(
        text=text, show_alert=p.flag("show_alert"), url=p.string("url"),
        cache_time=p.integer("cache_time") or 0,
    )
    return True
