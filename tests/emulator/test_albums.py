"""Photos and albums (sendMediaGroup) through real aiogram: what Telegram takes and what it refuses."""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Awaitable, Callable
from io import BytesIO
from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter, TelegramServerError
from aiogram.types import (
    BufferedInputFile,
    InputMediaAudio,
    InputMediaDocument,
    InputMediaPhoto,
    InputMediaVideo,
    ReplyParameters,
)

from bot.emulator import BotAPIEmulator
from bot.emulator.files import image_size

USER = 1001
FIXED_NOW = 1_700_000_000.0  # the clock the conftest gives every emulator
Spawn = Callable[..., Awaitable[tuple[BotAPIEmulator, Bot]]]


def png(width: int, height: int, padding: int = 0) -> bytes:
    """A valid grey PNG made by hand (fast); `padding` adds a private chunk of that many bytes."""
    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    rows = (b"\x00" + b"\x80" * width) * height
    extra = chunk(b"pdDg", bytes(padding)) if padding else b""
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + extra + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


def chart(width_in: float, height_in: float) -> bytes:
    """A real matplotlib chart, drawn the way reports draw theirs (object API, Agg, no pyplot)."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width_in, height_in), dpi=100)
    axes = figure.add_subplot()
    axes.bar(["Mon", "Tue", "Wed"], [3, 5, 2])
    buffer = BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def photo(data: bytes, name: str = "chart.png", **options: Any) -> InputMediaPhoto:
    return InputMediaPhoto(media=BufferedInputFile(data, name), **options)


async def refused(call: Awaitable[Any]) -> str:
    """The description of the 400 the call gets."""
    with pytest.raises(TelegramBadRequest) as caught:
        await call
    return caught.value.message


async def raw_call(emu: BotAPIEmulator, method: str, *, files: dict[str, bytes] | None = None,
                   **fields: Any) -> dict[str, Any]:
    """A request aiogram would not build: multipart when files are given, else JSON."""
    url = f"{emu.base_url}/bot{emu.token}/{method}"
    async with aiohttp.ClientSession() as http:
        if files is None:
            async with http.post(url, json=fields) as response:
                return await response.json()
        form = aiohttp.FormData()
        for name, value in fields.items():
            form.add_field(name, value if isinstance(value, str) else json.dumps(value))
        for name, data in files.items():
            form.add_field(name, data, filename=f"{name}.png", content_type="image/png")
        async with http.post(url, data=form) as response:
            return await response.json()


# what goes through ----------------------------------------------------------------------

async def test_an_album_of_charts_is_seen_message_by_message(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.add_user(USER)
    asked = emu.send_text(USER, "/report")
    week, month = chart(12, 7), png(800, 600)
    sent = await bot.send_media_group(USER, [
        photo(week, "week.png", caption="<b>Week</b> &amp; plan", parse_mode="HTML"),
        photo(month, "month.png", caption="Month"),
    ], reply_parameters=ReplyParameters(message_id=emu.update(asked)["message"]["message_id"]))
    assert [m.message_id for m in sent] == [2, 3]
    assert sent[0].media_group_id is not None and sent[0].media_group_id == sent[1].media_group_id
    assert [m.caption for m in sent] == ["Week & plan", "Month"]
    assert sent[0].caption_entities and sent[0].caption_entities[0].type == "bold"
    assert (sent[0].photo[-1].width, sent[0].photo[-1].height) == (1200, 700)  # type: ignore[index]
    assert sent[0].reply_to_message is not None and sent[0].reply_to_message.text == "/report"

    album = emu.album(USER)
    assert [(m.kind, m.caption, m.media_group_id) for m in album] == [
        ("photo", "Week & plan", sent[0].media_group_id), ("photo", "Month", sent[0].media_group_id),
    ]
    assert album[0].html == "<b>Week</b> &amp; plan" and album[0].reply_markup is None
    assert album[0].file_bytes == week and album[0].file_bytes[:8] == b"\x89PNG\r\n\x1a\n"
    assert album[0].photo_size == image_size(week) == (1200, 700)
    assert album[1].photo_size == (800, 600)
    assert emu.sent_count == 2

    downloaded = await bot.download(sent[1].photo[-1].file_id)  # type: ignore[index]
    assert downloaded is not None and downloaded.read() == month
    file_ids = [m.photo[-1].file_id for m in sent]  # type: ignore[index]
    again = await bot.send_media_group(USER, [InputMediaPhoto(media=file_id) for file_id in file_ids])
    assert again[0].media_group_id not in (None, sent[0].media_group_id)
    assert [m.file_bytes for m in emu.album(USER)] == [week, month]
    assert len(emu.album(USER, sent[0].media_group_id)) == 2


async def test_one_item_is_an_ordinary_message_outside_any_album(emu: BotAPIEmulator, bot: Bot) -> None:
    """TDLib sends a lone item as a plain message, though the docs ask for 2-10 items."""
    emu.add_user(USER)
    (sent,) = await bot.send_media_group(USER, [photo(png(10, 10))])
    assert sent.photo and sent.media_group_id is None
    assert emu.last_message(USER).media_group_id is None  # type: ignore[union-attr]
    with pytest.raises(LookupError):
        emu.album(USER)


async def test_an_album_of_documents(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.add_user(USER)
    sent = await bot.send_media_group(USER, [
        InputMediaDocument(media=BufferedInputFile(b"a,b\n1,2\n", "deals.csv"), caption="Deals"),
        InputMediaDocument(media=BufferedInputFile(png(20, 10), "chart.png")),  # stays a document
    ])
    assert [m.document.file_name for m in sent] == ["deals.csv", "chart.png"]  # type: ignore[union-attr]
    assert [m.kind for m in emu.album(USER)] == ["document", "document"]
    assert emu.album(USER)[0].caption == "Deals" and emu.album(USER)[1].caption is None


async def test_reply_markup_is_ignored_on_albums(emu: BotAPIEmulator) -> None:
    emu.add_user(USER)
    keyboard = {"inline_keyboard": [[{"text": "Open", "callback_data": "open"}]]}
    media = [{"type": "photo", "media": "attach://one"}, {"type": "photo", "media": "attach://two"}]
    body = await raw_call(emu, "sendMediaGroup", files={"one": png(30, 20), "two": png(20, 30)},
                          chat_id=str(USER), media=media, reply_markup=keyboard)
    assert body["ok"] and all("reply_markup" not in m for m in body["result"])
    assert [m.inline_keyboard for m in emu.album(USER)] == [[], []]


async def test_caption_limit_counts_the_text_after_parsing(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.add_user(USER)
    caption = "<b>" + "a" * 1024 + "</b>"  # 1,031 characters sent, 1,024 shown
    sent = await bot.send_media_group(USER, [photo(png(10, 10), caption=caption, parse_mode="HTML"),
                                             photo(png(10, 10))])
    assert len(sent[0].caption or "") == 1024


# what Telegram refuses ------------------------------------------------------------------

async def test_album_refusals_carry_telegrams_words(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.add_user(USER)
    tiny, big = png(10, 10), png(10, 10, padding=10 * 1024 * 1024)
    cases: list[tuple[list[Any], str]] = [
        ([], "there are no messages to send"),
        ([photo(tiny) for _ in range(11)], "too many messages to send as an album"),
        ([photo(tiny), InputMediaDocument(media=BufferedInputFile(b"x", "x.txt"))],
         "document can't be mixed with other media types"),
        ([InputMediaAudio(media=BufferedInputFile(b"ID3", "a.mp3")), photo(tiny)],
         "audio can't be mixed with other media types"),
        ([photo(tiny), photo(tiny, caption="c" * 1025)], "message caption is too long"),
        ([photo(tiny, caption="<p>Q3</p>", parse_mode="HTML"), photo(tiny)],
         'can\'t parse InputMedia: Can\'t parse entities: Unsupported start tag "p" at byte offset 0'),
        ([photo(tiny, caption="x", parse_mode="Fancy"), photo(tiny)],
         "can't parse InputMedia: Unsupported parse_mode"),
        ([photo(tiny, show_caption_above_media=True), photo(tiny)],
         "parameter show_caption_above_media must be the same for all messages"),
        ([photo(tiny), InputMediaPhoto(media="no-such-file-id")], "wrong file identifier/HTTP URL specified"),
        ([photo(tiny), InputMediaPhoto(media="https://example.com/chart.png")],
         'failed to send message #2 with the error message "Failed to get HTTP URL content"'),
        ([photo(b"not an image"), photo(tiny)],
         'failed to send message #1 with the error message "IMAGE_PROCESS_FAILED"'),
        ([photo(tiny), photo(png(9000, 1001))],
         'failed to send message #2 with the error message "PHOTO_INVALID_DIMENSIONS"'),
        ([photo(png(2100, 100)), photo(tiny)],  # one side 21 times the other
         'failed to send message #1 with the error message "PHOTO_INVALID_DIMENSIONS"'),
        ([photo(tiny), photo(big)],
         f"file of size {len(big)} bytes is too big for a photo; the maximum size is 10485760 bytes"),
    ]
    for media, description in cases:
        assert await refused(bot.send_media_group(USER, media)) == f"Bad Request: {description}"
    assert emu.messages(USER) == [] and emu.sent_count == 0  # a refused album sends nothing

    with pytest.raises(TelegramServerError, match="Not Implemented"):  # Telegram takes these; the emulator can't
        await bot.send_media_group(USER, [InputMediaVideo(media=BufferedInputFile(b"v", "v.mp4")), photo(tiny)])
    # the limits' edges pass: 20 times the other side, 10000 in all
    assert len(await bot.send_media_group(USER, [photo(png(2000, 100)), photo(png(5000, 5000))])) == 2


async def test_album_requests_aiogram_would_not_build(emu: BotAPIEmulator) -> None:
    emu.add_user(USER)
    one = {"type": "photo", "media": "attach://one"}
    cases: list[tuple[dict[str, Any], str]] = [
        ({}, 'parameter "media" is required'),
        ({"media": "[{"}, "can't parse media JSON object"),
        ({"media": {"type": "photo"}}, "expected an Array of InputMedia"),
        ({"media": [one, "attach://one"]}, "can't parse InputMedia: expected an Object"),
        ({"media": [one, {"media": "attach://one"}]}, 'can\'t parse InputMedia: Can\'t find field "type"'),
        ({"media": [one, {"type": "photo", "media": "attach://missing"}]}, "can't parse InputMedia: media not found"),
        ({"media": [one, {"type": "animation", "media": "attach://one"}]},
         'can\'t parse InputMedia: type "animation" can\'t be used in sendMediaGroup'),
        ({"media": [one, {"type": "sticker", "media": "attach://one"}]},
         'can\'t parse InputMedia: type "sticker" is unsupported'),
    ]
    for fields, description in cases:
        body = await raw_call(emu, "sendMediaGroup", files={"one": png(10, 10)}, chat_id=str(USER), **fields)
        assert body == {"ok": False, "error_code": 400, "description": f"Bad Request: {description}"}, fields
    assert emu.messages(USER) == []


async def test_send_photo_applies_the_same_checks(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.add_user(USER)
    big = png(10, 10, padding=10 * 1024 * 1024)
    cases = [
        (BufferedInputFile(png(9000, 1001), "wide.png"), "PHOTO_INVALID_DIMENSIONS"),
        (BufferedInputFile(png(10, 210), "tall.png"), "PHOTO_INVALID_DIMENSIONS"),
        (BufferedInputFile(b"GIF8", "broken.gif"), "IMAGE_PROCESS_FAILED"),
        (BufferedInputFile(big, "big.png"),
         f"file of size {len(big)} bytes is too big for a photo; the maximum size is 10485760 bytes"),
        ("https://example.com/chart.png", "failed to get HTTP URL content"),
    ]
    for media, description in cases:
        assert await refused(bot.send_photo(USER, media)) == f"Bad Request: {description}"
    assert emu.messages(USER) == [] and emu.sent_count == 0
    sent = await bot.send_photo(USER, BufferedInputFile(png(1200, 700), "chart.png"), caption="Q3")
    assert emu.last_message(USER).photo_size == (1200, 700)  # type: ignore[union-attr]
    assert sent.media_group_id is None


# flood limits ---------------------------------------------------------------------------

async def test_an_album_counts_each_item_toward_the_chat_limit(spawn: Spawn) -> None:
    now = [FIXED_NOW]
    emu, bot = await spawn(per_chat_per_second=1, clock=lambda: now[0])
    emu.add_user(USER)
    await bot.send_media_group(USER, [photo(png(10, 10)) for _ in range(3)])
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(USER, "right after the album")
    assert caught.value.retry_after == 3  # three messages at one a second
    now[0] += 2
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_media_group(USER, [photo(png(10, 10)) for _ in range(2)])
    assert caught.value.retry_after == 1
    now[0] += 1
    await bot.send_message(USER, "now")
    assert emu.sent_count == 4 and emu.rate_limited_count == 2


async def test_an_album_counts_each_item_toward_the_group_limit(spawn: Spawn) -> None:
    emu, bot = await spawn(per_group_per_minute=20)
    emu.add_group(-500, "Team")
    await bot.send_media_group(-500, [photo(png(10, 10)) for _ in range(10)])
    await bot.send_media_group(-500, [photo(png(10, 10)) for _ in range(10)])
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_media_group(-500, [photo(png(10, 10)) for _ in range(2)])
    assert caught.value.retry_after == 60
    assert len(emu.messages(-500)) == 20


# the terminal sandbox -------------------------------------------------------------------

async def test_the_sandbox_prints_photos_and_saves_them(emu: BotAPIEmulator, bot: Bot, tmp_path: Any) -> None:
    from bot.sandbox import ME, Sandbox

    box = Sandbox(language="en")
    box.emu, box._tmp = emu, str(tmp_path)  # only the rendering is under test: no bot, no database
    emu.add_user(ME)
    await bot.send_media_group(ME, [photo(png(1200, 700), caption="Week"), photo(png(800, 600))])
    shown = "\n".join(box._render_changes())
    saved = sorted((tmp_path / "photos").iterdir())
    assert f"[photo 1200×700, album 1/2, saved to {saved[0]}] Week" in shown
    assert f"[photo 800×600, album 2/2, saved to {saved[1]}]" in shown
    assert saved[0].read_bytes() == emu.album(ME)[0].file_bytes and saved[0].suffix == ".png"
