"""Texts the bot shows in places with their own rules."""

from __future__ import annotations

from handlers.ui import TOAST_LIMIT, toast


def test_a_toast_is_plain_text_within_telegrams_limit() -> None:
    assert toast("📅 <b>Tom &amp; Jerry &lt;3</b>: moved.") == "📅 Tom & Jerry <3: moved."
    long = toast("<b>" + "я" * 300 + "</b>")
    assert len(long) == TOAST_LIMIT and long.endswith("…") and "<" not in long
