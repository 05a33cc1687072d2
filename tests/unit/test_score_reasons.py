"""A score's reasons read as words, also for a client whose industry or city is not recorded."""

from __future__ import annotations

from bot.i18n import create_i18n
from handlers.scores import reason
from reports.scoring import NONE


def test_a_missing_industry_or_city_is_said_in_words_not_as_a_code() -> None:
    i18n = create_i18n("ru")
    with i18n.context(), i18n.use_locale("ru"):
        assert reason({"f": "industry", "v": NONE, "pull": 0.4}) == "клиенты без указанной отрасли часто соглашаются"
        assert reason({"f": "city", "v": NONE, "pull": -0.2}) == "клиенты без указанного города редко соглашаются"
        assert reason({"f": "industry", "v": "Розница", "pull": 0.4}) == "Розница: клиенты часто соглашаются"
