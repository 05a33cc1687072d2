"""Numbers in the heads' texts read as a Russian head of sales writes them: a usual range of whole
meetings, averages to the rouble, "из 21 встречи", and no deal "на 0 ₽"."""

from __future__ import annotations

from collections import Counter

from aiogram.utils.i18n import I18n

from bot.i18n import compile_catalogs
from db.models import Kind, Outcome
from handlers.digest import _usual
from handlers.report_view import _conversion, _roubles, average_deal, result_line
from reports.analytics import Figures, Level, Usual


def test_russian_numbers() -> None:
    i18n = I18n(path=compile_catalogs(), default_locale="ru", domain="messages")
    with i18n.context(), i18n.use_locale("ru"):
        line = _usual("🤝 Встречи", "26", Usual(26, 21, 18.75, 23.5, Level.ABOVE), "ru")
        assert line == "🤝 Встречи: 26 ▲ (обычно 19–24)"  # quartiles 18.75 and 23.5: nobody holds 0.75 of a meeting
        assert _usual("✅ Сделки", "2", Usual(2, 2, 1.25, 2.25, Level.USUAL), "ru") == "✅ Сделки: 2 (обычно 1–2)"
        assert _usual("✅ Сделки", "1", Usual(1, 1, 0.5, 1.25, Level.USUAL), "ru") == "✅ Сделки: 1 (обычно 1)"
        assert _roubles(1_316_666, "ru") == "13\u00a0167\u00a0₽"  # 39 500 ₽ / 3, rounded, not cut
        assert _conversion(Figures(None, meetings=21, meeting_deals=3), "ru").startswith("14% из 21 встречи (")
        assert _conversion(Figures(None, meetings=22, meeting_deals=3), "ru").startswith("14% из 22 встреч (")
        unpriced = Figures(None, by_kind=Counter({Kind.MEETING: 1}), by_outcome=Counter({Outcome.AGREED: 1}), deals=1)
        assert result_line(unpriced, {}, "ru") == "🤝 1 · ✅ 1"
        # the average is over the deals with a sum and says how many had none
        some = Figures(None, deals=4, priced=2, deals_sum=80_000_00)
        assert average_deal(some, "ru") == "40\u00a0000\u00a0₽ (у 2 сделок сумма не указана)"
        assert average_deal(Figures(None, deals=2, priced=1, deals_sum=5_000_00), "ru").endswith("(у 1 сделки сумма не указана)")
        assert average_deal(Figures(None, deals=2, priced=2, deals_sum=5_000_00), "ru") == "2\u00a0500\u00a0₽"
