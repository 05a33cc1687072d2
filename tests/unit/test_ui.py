"""Texts the bot shows in places with their own rules."""

from __future__ import annotations

from handlers.ui import TOAST_LIMIT, toast


def test_a_toast_is_plain_text_within_telegrams_limit() -> None:
    assert toast("📅 <b>Tom &amp; Jerry &lt;3</b>: moved.") == "📅 Tom & Jerry <3: moved."
    long = toast("<b>" + "я" * 300 + "</b>")
    assert len(long) == TOAST_LIMIT and long.endswith("…") and "<" not in long


def test_a_base_is_described_without_empty_parts() -> None:
    from aiogram.utils.i18n import I18n

    from bot.i18n import compile_catalogs
    from db.repositories.users import Base
    from handlers.admin import describe

    i18n = I18n(path=compile_catalogs(), default_locale="en", domain="messages")
    with i18n.context(), i18n.use_locale("ru"):
        assert describe(Base(clients=1)) == "1 клиент"
        assert describe(Base(planned=5)) == "5 запланированных контактов"
        assert describe(Base(clients=3, planned=1)) == "3 клиента и 1 запланированный контакт"
