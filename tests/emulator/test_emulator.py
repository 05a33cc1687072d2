"""The Bot API emulator driven by real aiogram over HTTP."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CallbackQuery,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.emulator import BotAPIEmulator
from bot.emulator.files import TINY_PNG

USER = 1001
FIXED_NOW = 1_700_000_000.0  # the clock the conftest gives every emulator
Spawn = Callable[..., Awaitable[tuple[BotAPIEmulator, Bot]]]


def keyboard(*buttons: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=t, callback_data=d)] for t, d in buttons]
    )


# identity and transport -------------------------------------------------------------

async def test_get_me_returns_bot_user(bot: Bot) -> None:
    me = await bot.get_me()
    assert me.is_bot and me.id == 123456
    assert me.username == "ladon_test_bot"
    assert me.can_join_groups is True


async def test_unknown_token_is_unauthorized(emu: BotAPIEmulator) -> None:
    stranger = Bot("999:WRONG", session=emu.session())
    try:
        with pytest.raises(TelegramUnauthorizedError):
            await stranger.get_me()
    finally:
        await stranger.session.close()


async def test_json_form_and_query_encodings(emu: BotAPIEmulator) -> None:
    emu.add_user(USER)
    markup = {"inline_keyboard": [[{"text": "Open", "callback_data": "open:1"}]]}
    base = f"{emu.base_url}/bot{emu.token}"
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{base}/sendMessage",
                             json={"chat_id": USER, "text": "json", "reply_markup": markup}) as r:
            body = await r.json()
            assert r.status == 200 and body["ok"] and body["result"]["reply_markup"] == markup
        form = {"chat_id": str(USER), "text": "form", "reply_markup": json.dumps(markup)}
        async with http.post(f"{base}/sendMessage", data=form) as r:
            assert (await r.json())["result"]["text"] == "form"
        async with http.get(f"{base}/sendMessage", params={"chat_id": str(USER), "text": "query"}) as r:
            assert (await r.json())["result"]["text"] == "query"
        async with http.post(f"{base}/noSuchMethod") as r:
            assert r.status == 404
            assert await r.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
        async with http.post(f"{emu.base_url}/bot1:bad/getMe") as r:
            assert r.status == 401
            assert await r.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    assert [m.text for m in emu.messages(USER)] == ["json", "form", "query"]
    assert emu.messages(USER)[1].button_data("Open") == "open:1"


async def test_token_is_never_recorded_or_logged(
    emu: BotAPIEmulator, bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    emu.add_user(USER)
    await bot.get_me()
    await bot.send_message(USER, "hi")
    assert [r.method for r in emu.requests] == ["getMe", "sendMessage"]
    assert emu.token not in repr(emu.requests)
    assert emu.token not in caplog.text


# messages and keyboards -------------------------------------------------------------

async def test_send_message_shape_and_shared_message_ids(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.add_user(USER, first_name="Anna", username="anna")
    emu.send_text(USER, "hello")  # message 1 is the user's
    sent = await bot.send_message(USER, "Pick one", reply_markup=keyboard(("Yes", "y"), ("No", "n")))
    assert sent.message_id == 2
    assert sent.chat.id == USER and sent.chat.type == "private" and sent.chat.username == "anna"
    assert sent.from_user is not None and sent.from_user.is_bot
    assert sent.date == datetime.fromtimestamp(FIXED_NOW, timezone.utc)
    assert sent.reply_markup is not None
    stored = emu.last_message(USER)
    assert stored is not None and stored.buttons() == ["Yes", "No"]
    assert stored.button_data("No") == "n"
    emu.send_text(USER, "next")
    assert [m["message_id"] for m in emu.user_messages(USER)] == [1, 3]


async def test_edit_without_markup_removes_keyboard_and_noop_edit_fails(
    emu: BotAPIEmulator, bot: Bot
) -> None:
    emu.add_user(USER)
    sent = await bot.send_message(USER, "Deal #1", reply_markup=keyboard(("Close", "close:1")))
    edited = await bot.edit_message_text(text="Deal #1 closed", chat_id=USER, message_id=sent.message_id)
    assert isinstance(edited, Message) and edited.reply_markup is None
    stored = emu.message(USER, sent.message_id)
    assert stored.text == "Deal #1 closed" and stored.inline_keyboard == [] and stored.edited == 1
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(text="Deal #1 closed", chat_id=USER, message_id=sent.message_id)
    assert await bot.edit_message_reply_markup(
        chat_id=USER, message_id=sent.message_id, reply_markup=keyboard(("Reopen", "reopen:1"))
    )
    assert emu.message(USER, sent.message_id).buttons() == ["Reopen"]
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text(text="x", chat_id=USER, message_id=999)


async def test_delete_message(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.add_user(USER)
    sent = await bot.send_message(USER, "temp")
    assert await bot.delete_message(USER, sent.message_id) is True
    assert emu.messages(USER)[0].deleted and emu.last_message(USER) is None
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(USER, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text(text="again", chat_id=USER, message_id=sent.message_id)


async def test_validation_errors(emu: BotAPIEmulator, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(USER, "nobody wrote to the bot yet")
    emu.add_user(USER)
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(USER, "x", reply_markup=keyboard(("Long", "я" * 33)))  # 66 bytes
    await bot.send_message(USER, "ok", reply_markup=keyboard(("Fits", "я" * 32)))
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(USER, "a" * 4097)
    await bot.send_message(USER, "a" * 4096)
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(USER, "   ")
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await bot.send_photo(USER, BufferedInputFile(TINY_PNG, "p.png"), caption="c" * 1025)
    with pytest.raises(TelegramBadRequest, match="IMAGE_PROCESS_FAILED"):
        await bot.send_photo(USER, BufferedInputFile(b"not an image", "p.png"))
    assert emu.sent_count == 2


async def test_html_parse_mode(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.add_user(USER)
    sent = await bot.send_message(USER, "<b>Deal</b> &amp; <i>co</i>", parse_mode="HTML")
    assert sent.text == "Deal & co"
    stored = emu.last_message(USER)
    assert stored is not None and stored.html == "<b>Deal</b> &amp; <i>co</i>"
    assert [(e["type"], e["offset"], e["length"]) for e in stored.entities] == [
        ("bold", 0, 4), ("italic", 7, 2)
    ]
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(USER, "<b>unclosed", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match='Unsupported start tag "p"'):
        await bot.send_message(USER, "<p>para</p>", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(USER, "5 < 6", parse_mode="HTML")


async def test_reply_keyboard_state(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.add_user(USER)
    assert emu.reply_keyboard(USER) is None
    menu = ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text="Deals"), KeyboardButton(text="Tasks")]],
                               resize_keyboard=True)
    await bot.send_message(USER, "Menu", reply_markup=menu)
    assert emu.reply_keyboard(USER) == [["Deals", "Tasks"]]
    assert emu.last_message(USER).inline_keyboard == []  # type: ignore[union-attr]
    await bot.send_message(USER, "Your name?", reply_markup=ForceReply())
    assert emu.reply_keyboard(USER) == [["Deals", "Tasks"]]
    assert emu.reply_markup_state(USER) == {"force_reply": True}
    await bot.send_message(USER, "Bye", reply_markup=ReplyKeyboardRemove())
    assert emu.reply_keyboard(USER) is None


async def test_files_multipart_and_file_id_reuse(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.add_user(USER)
    photo = await bot.send_photo(USER, BufferedInputFile(TINY_PNG, "chart.png"), caption="Q3")
    assert photo.photo and photo.caption == "Q3"
    size = photo.photo[-1]
    assert (size.width, size.height, size.file_size) == (1, 1, len(TINY_PNG))
    stored = emu.last_message(USER)
    assert stored is not None and stored.has_photo and stored.file_size == len(TINY_PNG)
    again = await bot.send_photo(USER, size.file_id)  # plain file_id, form-encoded
    assert again.photo and again.photo[-1].file_id == size.file_id
    file = await bot.get_file(size.file_id)
    downloaded = await bot.download(file)
    assert downloaded is not None and downloaded.read() == TINY_PNG

    doc = await bot.send_document(USER, BufferedInputFile(b"a,b\n1,2\n", "deals.csv"))
    assert doc.document and doc.document.file_name == "deals.csv"
    assert doc.document.mime_type == "text/csv"
    assert emu.file_bytes(doc.document.file_id) == b"a,b\n1,2\n"
    voice = await bot.send_voice(USER, BufferedInputFile(b"OggS-voice", "v.ogg"), duration=4)
    assert voice.voice and voice.voice.duration == 4
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_photo(USER, "no-such-file-id")


async def test_service_methods(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.add_user(USER)
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.set_my_commands([BotCommand(command="start", description="Start")])
    assert [c.command for c in await bot.get_my_commands()] == ["start"]
    assert emu.commands() == [{"command": "start", "description": "Start"}]
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Start!", description="x")])
    assert await bot.delete_my_commands()
    assert await bot.get_my_commands() == []
    assert await bot.set_chat_menu_button() is True
    assert await bot.send_chat_action(USER, "typing") is True
    assert emu.chat_actions(USER) == ["typing"]
    chat = await bot.get_chat(USER)
    assert chat.id == USER and chat.type == "private"


# failures ---------------------------------------------------------------------------

async def test_blocked_user_gets_403_until_they_write_again(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.add_user(USER)
    emu.block(USER)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(USER, "ping")
    emu.send_text(USER, "/start")  # "Restart" unblocks
    await bot.send_message(USER, "welcome back")


async def test_a_bot_that_left_a_group_is_out_of_it(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.add_user(USER)
    emu.add_group(-100700, "Sales chat")
    with pytest.raises(TelegramBadRequest, match="private chats"):
        await bot.leave_chat(USER)
    assert await bot.leave_chat(-100700) is True
    assert emu.has_left(-100700)
    with pytest.raises(TelegramForbiddenError, match="not a member"):
        await bot.send_message(-100700, "still here?")
    with pytest.raises(TelegramForbiddenError):
        await bot.leave_chat(-100700)
    with pytest.raises(LookupError):  # nobody's message there reaches the bot any more
        emu.send_text(USER, "hello", chat_id=-100700)


async def test_fail_next_injects_errors(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.add_user(USER)
    emu.add_user(1002)
    emu.fail_next("sendMessage", 502, "Bad Gateway")
    with pytest.raises(TelegramServerError):
        await bot.send_message(USER, "one")
    await bot.send_message(USER, "two")
    emu.fail_next("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7, chat_id=1002)
    await bot.send_message(USER, "other chat passes")
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(1002, "three")
    assert caught.value.retry_after == 7
    assert emu.rate_limited_count == 1
    assert [r.error_code for r in emu.calls("sendMessage")] == [502, None, None, 429]


async def test_a_held_chat_waits_and_others_pass(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.add_user(USER)
    emu.add_user(1002)
    hold = emu.hold(USER)
    pending = asyncio.ensure_future(bot.send_message(USER, "slow network"))
    await asyncio.wait_for(hold.arrived.wait(), 10)
    await bot.send_message(1002, "meanwhile")
    assert not pending.done() and emu.messages(USER) == []
    emu.release(USER)
    assert (await pending).text == "slow network"
    assert [m.text for m in emu.messages(USER)] == ["slow network"]


async def test_rate_limits(spawn: Spawn) -> None:
    now = [FIXED_NOW]
    emu, bot = await spawn(per_chat_per_second=1, global_per_second=3, clock=lambda: now[0])
    for user in (1, 2, 3, 4):
        emu.add_user(user)
    await bot.send_message(1, "first")
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(1, "second in the same second")
    assert caught.value.retry_after == 1
    await bot.send_message(2, "another chat")
    await bot.send_message(3, "third overall")
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(4, "fourth overall")
    now[0] += 1.0
    await bot.send_message(1, "a second later")
    assert emu.sent_count == 4
    assert emu.rate_limited_count == 2


# updates ----------------------------------------------------------------------------

async def test_long_poll_returns_update_put_in_while_waiting(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.add_user(USER)
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await emu.wait_until(lambda: emu.waiting_polls == 1)
    update_id = emu.send_text(USER, "hello")
    updates = await asyncio.wait_for(poll, 10)
    assert [u.update_id for u in updates] == [update_id]
    assert updates[0].message is not None and updates[0].message.text == "hello"
    await emu.wait_fetched(update_id)


async def test_offset_confirms_and_drops_earlier_updates(emu: BotAPIEmulator, bot: Bot) -> None:
    first = emu.send_text(USER, "one")
    second = emu.send_text(USER, "two")
    assert [u.update_id for u in await bot.get_updates()] == [first, second]
    assert [u.update_id for u in await bot.get_updates()] == [first, second]  # not confirmed yet
    assert [u.update_id for u in await bot.get_updates(offset=first + 1)] == [second]
    await emu.wait_confirmed(first)
    assert not emu.is_confirmed(second)
    assert await bot.get_updates(offset=second + 1) == []
    await emu.wait_confirmed(second)


async def test_redeliver_repeats_the_same_update_id(emu: BotAPIEmulator, bot: Bot) -> None:
    update_id = emu.send_text(USER, "create deal")
    delivered = await bot.get_updates()
    assert await bot.get_updates(offset=update_id + 1) == []
    emu.redeliver(update_id)
    again = await bot.get_updates(offset=update_id + 1)
    assert [u.update_id for u in delivered] == [u.update_id for u in again] == [update_id]
    assert again[0].message is not None and again[0].message.text == "create deal"


async def test_second_poller_terminates_the_first(emu: BotAPIEmulator, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=30))
    await emu.wait_until(lambda: emu.waiting_polls == 1)
    assert await bot.get_updates(timeout=0) == []
    with pytest.raises(TelegramConflictError):
        await asyncio.wait_for(first, 10)


async def test_stop_releases_an_idle_long_poll(spawn: Spawn) -> None:
    emu, bot = await spawn()
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await emu.wait_until(lambda: emu.waiting_polls == 1)
    await asyncio.wait_for(emu.stop(), 10)
    assert await asyncio.wait_for(poll, 10) == []


async def test_allowed_updates_filters_new_updates(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.add_user(USER)
    sent = await bot.send_message(USER, "menu", reply_markup=keyboard(("Go", "go")))
    assert await bot.get_updates(allowed_updates=["message"]) == []
    pressed = emu.press(USER, sent.message_id, "go")
    written = emu.send_text(USER, "text")
    assert emu.was_dropped(pressed)
    assert [u.update_id for u in await bot.get_updates()] == [written]


async def test_start_payload_and_group_update_shape(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.add_user(USER, first_name="Anna", last_name="K", username="anna_k")
    emu.add_group(-1001234567890, "Sales team", type="supergroup")
    deep_link = emu.send_text(USER, "/start ref_42")
    in_group = emu.send_text(USER, "/report@ladon_test_bot week", chat_id=-1001234567890)
    by_id = {u.update_id: u.message for u in await bot.get_updates()}
    start = by_id[deep_link]
    assert start is not None and start.text == "/start ref_42"
    assert [(e.type, e.offset, e.length) for e in start.entities or []] == [("bot_command", 0, 6)]
    group = by_id[in_group]
    assert group is not None and group.chat.type == "supergroup" and group.chat.title == "Sales team"
    assert group.from_user is not None and group.from_user.username == "anna_k"
    assert group.entities and group.entities[0].length == len("/report@ladon_test_bot")
    reply = await bot.send_message(-1001234567890, "Weekly report")
    assert reply.chat.type == "supergroup"


async def test_a_document_sent_by_a_user_is_downloaded_as_telegram_serves_it(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.add_user(USER)
    sheet = b"PK\x03\x04 an xlsx"
    emu.send_document(USER, file_name="Клиенты.xlsx", data=sheet)
    emu.send_document(USER, file_name="big.csv", data=bytes(20 * 1024 * 1024 + 1))
    small, big = (u.message.document for u in await bot.get_updates())  # type: ignore[union-attr]
    assert small is not None and big is not None
    assert (small.file_name, small.file_size) == ("Клиенты.xlsx", len(sheet))
    assert small.mime_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert small.file_unique_id and small.file_unique_id != small.file_id
    file = await bot.get_file(small.file_id)
    assert file.file_path and file.file_path.startswith("documents/") and file.file_path.endswith(".xlsx")
    downloaded = await bot.download(small)  # aiogram builds /file/bot<token>/<file_path> from the session's server
    assert downloaded is not None and downloaded.read() == sheet
    with pytest.raises(TelegramBadRequest, match="file is too big"):
        await bot.get_file(big.file_id)
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{emu.base_url}/file/bot123:wrong/{file.file_path}") as response:
            assert response.status == 404


async def test_user_media_updates(emu: BotAPIEmulator, bot: Bot) -> None:
    ids = [
        emu.send_sticker(USER), emu.send_photo(USER, caption="card"), emu.send_voice(USER, duration=5),
        emu.send_contact(USER, "+79990001122"), emu.send_location(USER, 55.75, 37.62),
    ]
    updates = await bot.get_updates()
    assert [u.update_id for u in updates] == ids
    sticker, photo, voice, contact, location = (u.message for u in updates)
    assert sticker and sticker.sticker and sticker.sticker.emoji
    assert photo and photo.photo and photo.caption == "card"
    downloaded = await bot.download(photo.photo[-1].file_id)
    assert downloaded is not None and downloaded.read() == TINY_PNG
    assert voice and voice.voice and voice.voice.duration == 5
    assert contact and contact.contact and contact.contact.user_id == USER
    assert location and location.location and location.location.latitude == 55.75


async def test_locations_as_telegram_clients_send_them(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.add_user(USER)
    for lat, lon in ((90.5, 0), (0, -180.5), (float("nan"), 0)):
        with pytest.raises(ValueError):  # no client sends a point off the globe
            emu.send_location(USER, lat, lon)
    with pytest.raises(LookupError):  # no request_location button sent yet
        emu.share_location(USER, 55.75, 37.62)
    await bot.send_message(USER, "Where are you?", reply_markup=ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text="📍 Here", request_location=True)]], resize_keyboard=True))
    ids = [emu.share_location(USER, 55.75, 37.62), emu.send_location(USER, 55.75, 37.62, forwarded_from=7),
           emu.send_venue(USER, 55.75, 37.62, "Office", "Tverskaya 1"), emu.send_location(USER, 1, 2, live_period=900)]
    updates = await bot.get_updates()
    shared, forwarded, venue, live = (u.message for u in updates if u.update_id in ids)
    assert shared.location.horizontal_accuracy == 10 and shared.forward_origin is None
    assert forwarded.forward_origin is not None and forwarded.forward_origin.sender_user.id == 7
    assert venue.venue.title == "Office" and venue.location.latitude == 55.75
    assert live.location.live_period == 900


# callback queries -------------------------------------------------------------------

async def test_callback_query_shape_and_single_answer(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.add_user(USER)
    sent = await bot.send_message(USER, "Stage?", reply_markup=keyboard(("Won", "stage:won"), ("Lost", "stage:lost")))
    with pytest.raises(LookupError, match="Won"):
        emu.press_button(USER, "Nope")
    update_id = emu.press_button(USER, "Lost")
    (update,) = await bot.get_updates()
    query = update.callback_query
    assert update.update_id == update_id and query is not None
    assert query.data == "stage:lost" and query.from_user.id == USER and query.chat_instance
    assert query.message is not None and query.message.message_id == sent.message_id
    assert query.message.reply_markup is not None  # the message as the user sees it
    assert emu.unanswered_callbacks()[0].id == query.id
    assert await bot.answer_callback_query(query.id, text="Saved") is True
    assert emu.callback_answer(update_id) == emu.callback_answer(query.id)
    assert emu.callback_answer(update_id).text == "Saved"  # type: ignore[union-attr]
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query.id)
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query("123")
    assert emu.unanswered_callbacks() == []


async def test_press_forged_data_on_any_live_message(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.add_user(USER)
    sent = await bot.send_message(USER, "plain")
    update_id = emu.press(USER, sent.message_id, "forged:1")
    (update,) = await bot.get_updates()
    assert update.update_id == update_id and update.callback_query and update.callback_query.data == "forged:1"
    await bot.delete_message(USER, sent.message_id)
    with pytest.raises(LookupError):
        emu.press(USER, sent.message_id, "forged:2")


async def test_dispatcher_polling_end_to_end(spawn: Spawn) -> None:
    emu, bot = await spawn()
    dp = Dispatcher()

    @dp.message(CommandStart())
    async def start(message: Message, command: CommandObject) -> None:
        await message.answer(f"Deal {command.args}", reply_markup=keyboard(("Confirm", f"confirm:{command.args}")))

    @dp.callback_query(F.data.startswith("confirm:"))
    async def confirm(query: CallbackQuery) -> None:
        assert isinstance(query.message, Message)
        await query.message.edit_text(f"Confirmed {query.data}")
        await query.answer("Done")

    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=1))
    try:
        emu.add_user(USER)
        emu.send_text(USER, "/start 42")
        shown = await emu.wait_for_message(USER, timeout=10)
        assert shown.text == "Deal 42" and shown.buttons() == ["Confirm"]
        pressed = emu.press_button(USER, "Confirm")
        answer = await emu.wait_answered(pressed, timeout=10)
        assert answer.text == "Done"
        final = emu.message(USER, shown.message_id)
        assert final.text == "Confirmed confirm:42" and final.inline_keyboard == []
        assert emu.unanswered_callbacks() == []
    finally:
        await dp.stop_polling()
        await asyncio.wait_for(polling, 10)


async def test_group_limit_and_callback_expiry(spawn: Spawn) -> None:
    now = [FIXED_NOW]
    emu, bot = await spawn(per_group_per_minute=2, callback_ttl=15, clock=lambda: now[0])
    emu.add_group(-500, "Team")
    await bot.send_message(-500, "one")
    await bot.send_message(-500, "two")
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(-500, "three")
    assert caught.value.retry_after == 60
    emu.add_user(USER)
    sent = await bot.send_message(USER, "hi")
    update_id = emu.press(USER, sent.message_id, "late")
    now[0] += 16
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(emu.callback_query_id(update_id))
    assert [r.id for r in emu.unanswered_callbacks()] == [emu.callback_query_id(update_id)]


async def test_user_messages_cannot_be_edited_but_can_be_deleted(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.send_text(USER, "my note")
    with pytest.raises(TelegramBadRequest, match="message can't be edited"):
        await bot.edit_message_text(text="changed", chat_id=USER, message_id=1)
    assert await bot.delete_message(USER, 1) is True
    assert emu.user_messages(USER) == []
