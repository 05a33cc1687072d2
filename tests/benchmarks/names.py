"""Russian-looking company and people names, deterministic for a given random generator."""

from __future__ import annotations

import random

_ROOTS = (
    "Север", "Восток", "Урал", "Сибирь", "Волга", "Байкал", "Алтай", "Кубань", "Балтика", "Енисей",
    "Техно", "Строй", "Пром", "Агро", "Торг", "Энерго", "Транс", "Инвест", "Снаб", "Лес",
    "Нефте", "Газ", "Хим", "Фарм", "Мед", "Авто", "Дор", "Инж", "Металл", "Сталь",
)
_TAILS = ("Сервис", "Комплект", "Групп", "Трейд", "Холдинг", "Ресурс", "Проект", "Маш", "Снаб", "Систем")
_WORDS = (
    "Вектор", "Гранит", "Кедр", "Ромашка", "Заря", "Рассвет", "Меридиан", "Гелиос", "Аврора", "Орион",
    "Феникс", "Атлант", "Ёлки-Палки", "Берёзка", "Спектр", "Импульс", "Прогресс", "Созвездие", "Магистраль", "Старт",
)
_ADJECTIVES = (
    "Сибирская", "Уральская", "Северная", "Южная", "Центральная", "Волжская", "Первая", "Объединённая",
    "Национальная", "Региональная",
)
_NOUNS = (
    "Торговая Компания", "Строительная Компания", "Логистическая Группа", "Промышленная Группа",
    "Энергетическая Компания", "Агропромышленная Компания", "Инжиниринговая Компания", "Сбытовая Компания",
)
_SUFFIXES = ("", "", "", "-М", "-Н", " Плюс", " Про", "-2000", " и Ко", "-Юг")
_FIRST = ("Анна", "Мария", "Елена", "Ольга", "Ирина", "Алексей", "Дмитрий", "Сергей", "Андрей", "Павел", "Фёдор", "Артём")
_LAST = ("Иванов", "Смирнов", "Кузнецов", "Попов", "Соколов", "Лебедев", "Козлов", "Новиков", "Морозов", "Волков", "Соловьёв")
_FEMININE = ("Анна", "Мария", "Елена", "Ольга", "Ирина")


def company(rng: random.Random, serial: int) -> str:
    """E.g. ООО «СеверСтройСервис», АО «Сибирская Торговая Компания-М», ООО «Гранит 17»."""
    prefix = "ООО" if rng.random() < 0.8 else "АО"
    pattern = rng.random()
    if pattern < 0.45:
        core = rng.choice(_ROOTS) + rng.choice(_ROOTS).lower() + rng.choice(_TAILS).lower()
    elif pattern < 0.75:
        core = f"{rng.choice(_WORDS)}{rng.choice(_SUFFIXES)}"
    else:
        core = f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)}{rng.choice(_SUFFIXES)}"
    # a serial keeps 20,000 names mostly distinct, as real client bases are
    if rng.random() < 0.5:
        core = f"{core} {serial % 997}"
    return f"{prefix} «{core}»"


def person(rng: random.Random) -> str:
    first = rng.choice(_FIRST)
    last = rng.choice(_LAST) + ("а" if first in _FEMININE else "")
    return f"{first} {last}"
