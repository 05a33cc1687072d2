"""A Telegram Bot API emulator for end-to-end tests and the terminal sandbox.

    async with BotAPIEmulator() as emu:
        bot = Bot(emu.token, session=emu.session())
        emu.add_user(1001)
        emu.send_text(1001, "/start")
        reply = await emu.wait_for_message(1001)

Faithful where simple fakes are not: real HTTP with JSON, form and multipart
bodies; Telegram's error wording and status codes; long polling with offset
confirmation; edits without reply_markup drop the inline keyboard; each
callback query can be answered once; photos and albums (sendMediaGroup) checked and
refused as Telegram does; optional flood limits (an album counts each item) and injected faults.
Not emulated: webhooks, inline mode, channels, Markdown parsing (kept verbatim).
"""

from .emulator import BotAPIEmulator
from .errors import ApiError
from .models import (
    CallbackAnswer,
    CallbackQueryRecord,
    InlineButton,
    RecordedRequest,
    SentMessage,
    StoredFile,
)

__all__ = [
    "ApiError",
    "BotAPIEmulator",
    "CallbackAnswer",
    "CallbackQueryRecord",
    "InlineButton",
    "RecordedRequest",
    "SentMessage",
    "StoredFile",
]
