"""`python -m bot demo-data`: a made-up company with months of history, for trying the heads'
reports and for tests that check the analytics find what was planted.

Two teams, each with a head, managers split between them, ~65 clients per manager with contact
persons, and contacts on working days shaped like real direct sales (seasonality, outcomes per
kind, log-normal amounts, logging minutes after a contact), plus plans for the days ahead. Six
managers each carry one planted pattern (see PATTERNS); the others are ordinary. Across the
company, whether an offer is accepted follows what is known of the client beforehand (see
OFFER_PULL): the signal the nightly scoring model is to learn.

`build()` is pure: rows from a random generator and a clock. `generate()` loads them through
`BulkLoader` in one transaction.
"""

from __future__ import annotations

import bisect
import calendar as _calendar
import itertools
import math
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import Client, ClientStatus, ContactPerson, Interaction, Kind, Outcome, Role, Status, Team, User
from db.repositories.bulk import BulkLoader
from db.repositories.clients import name_key
from reports.workdays import WorkCalendar

# Telegram ids, so the sandbox can act as these people (`:as 8000001`): manager n (1-based) is
# TG_BASE + n, the head of team t (1-based) is TG_BASE + 900 + t.
TG_BASE = 8_000_000
HEAD_TG = TG_BASE + 900
WORK_HOURS = (time(9, 0), time(19, 0))  # every contact happens within these, local time
REASONS = ("budget", "not_interested", "has_supplier", "price", "bad_timing", "no_decision_maker", "other")

# pattern -> what it looks like in the records (the CLI's summary)
PATTERNS = {
    "budget": 'refusals mostly "budget"',
    "not_interested": 'refusals mostly "not interested"',
    "phoner": "phones instead of visiting",
    "night_logger": "logs contacts in late-night batches",
    "trained": "meeting conversion rose after the training",
    "star": "converts twice as well as the team",
}
MIN_MANAGERS = len(PATTERNS) + 1  # and the rest are the yardstick
CONVERSION = 0.12  # an ordinary manager's meetings ending in an agreement
STAR_CONVERSION = 0.25
TRAINED_CONVERSION = (0.07, 0.20)  # before and after the training
DOMINANT_REASON_SHARE = 0.72  # of the budget and not-interested managers' refusals
TRAINING_MONTHS_AGO = 5
BLOCK = 150  # meetings over which a manager's conversion holds (about a quarter)

# The planted signal for the scoring model: a pull on the log-odds that an offer is accepted, from
# what was known of the client before the contact. A manager's meeting conversion stays as planned
# above; the pull decides which of their meetings are the agreed ones.
INDUSTRY_PULL = {"продукты питания и фреш": 0.8, "розничная торговля": 0.4, "e-commerce и фулфилмент": 0.1,
                 "автомобили и запчасти": -0.2, "стройматериалы": -0.4, "производство": -0.8}
OFFER_PULL = {
    "agreed_lately": 1.2,  # a client who bought within AGREED_LATELY buys again
    "agreed_long_ago": 0.5,
    "locked_in": -1.2,  # tied to a supplier: hidden, it shows as "has a supplier" refusals
    "warm": 0.7,  # the last contact was a meeting within 14 days, or ended thinking it over / asking to revise
    "refused_last": -0.5,
    "quiet_month": -0.4,  # 31 to 90 days since the last contact
    "quiet_quarter": -1.0,  # more than 90
}
LOCKED_IN_SHARE = 0.25  # of clients
AGREED_LATELY = timedelta(days=90)
RECENT_OFFERS = 30  # a manager's offers a pull is weighed against: short, so the clients' drift is followed


class DemoDataError(Exception):
    """The database cannot take the demo company (said in the message)."""


class NotEmpty(DemoDataError):
    """The database already has people in it: demo data would mix with a real company's."""


@dataclass(frozen=True)
class DemoFacts:
    """What was generated and planted, for the summary and for tests."""

    now: datetime
    seed: int
    start: date  # the first day of history
    team_ids: tuple[int, ...]
    head_ids: tuple[int, ...]  # head of each team, in team order
    manager_ids: tuple[int, ...]
    names: dict[int, str]  # user id -> full name
    tg_ids: dict[int, int]  # user id -> Telegram id (TG_BASE + n for managers, HEAD_TG + t for heads)
    budget_refuser: int  # refusals mostly "budget"
    uninterested_refuser: int  # refusals mostly "not_interested"
    phoner: int  # meetings a small share of contacts, calls instead
    night_logger: int  # logs at 22:00-02:00 local in batches, hours after
    trained: int  # meeting conversion rose after training_date
    training_date: date
    star: int  # meeting conversion about twice the team's
    counts: dict[str, int]

    @property
    def planted(self) -> dict[str, int]:
        """Pattern (a key of PATTERNS) -> the manager carrying it."""
        return {
            "budget": self.budget_refuser,
            "not_interested": self.uninterested_refuser,
            "phoner": self.phoner,
            "night_logger": self.night_logger,
            "trained": self.trained,
            "star": self.star,
        }

    @property
    def clean(self) -> tuple[int, ...]:
        """Managers without a planted pattern."""
        planted = set(self.planted.values())
        return tuple(m for m in self.manager_ids if m not in planted)


@dataclass
class Company:
    """Rows ready for the loader (in the order they must go in) and the facts about them."""

    teams: list[dict]
    users: list[dict]
    clients: list[dict]
    persons: list[dict]
    interactions: list[dict]
    facts: DemoFacts

    def tables(self):
        return (
            (Team, self.teams),
            (User, self.users),
            (Client, self.clients),
            (ContactPerson, self.persons),
            (Interaction, self.interactions),
        )


async def generate(
    sessionmaker: async_sessionmaker[AsyncSession],
    now: datetime,
    *,
    managers: int = 12,
    months: int = 18,
    seed: int = 1,
    force: bool = False,
    calendar: WorkCalendar | None = None,
) -> DemoFacts:
    """Fill a migrated database with the demo company, history ending at `now`, in one transaction.

    NotEmpty when it has users already (unless `force`); DemoDataError when the demo people are
    there already or a built-in refusal reason is missing."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    async with sessionmaker() as session:
        loader = BulkLoader(session)
        users = await loader.user_count()
        if users and not force:
            raise NotEmpty(
                f"The database already has {users} user(s): demo data would mix with a real company's. "
                "Use an empty database, or --force to add the demo company anyway."
            )
        tg_ids = [TG_BASE + n for n in range(1, managers + 1)] + [HEAD_TG + t for t in range(1, len(TEAMS) + 1)]
        if taken := await loader.taken_tg_ids(tg_ids):
            raise DemoDataError(f"Demo people are there already (Telegram ids {taken[0]}...): nothing was added.")
        reasons = await loader.reason_ids()
        if missing := [code for code in REASONS if code not in reasons]:
            raise DemoDataError(f"Built-in refusal reasons missing or switched off: {', '.join(missing)}.")
        company = build(
            now, managers=managers, months=months, seed=seed, reasons=reasons,
            first_ids=await loader.next_ids(), calendar=calendar or WorkCalendar(),
            taken_inns=await loader.taken_inns(), taken_teams=await loader.team_names(),
        )
        for model, rows in company.tables():
            await loader.insert(model, rows)
        await loader.sync_ids()
        await session.commit()
    return company.facts


# ---- the company --------------------------------------------------------------------------------

MOSCOW = "Europe/Moscow"
URALS = "Asia/Yekaterinburg"
TEAMS = (("Продажи Москва", MOSCOW), ("Продажи Регионы", URALS))

# city -> (weight, tax office prefixes of its INNs)
CITIES = {
    MOSCOW: {
        "Москва": (45, ("7701", "7705", "7707", "7710", "7714", "7718", "7720", "7724", "7727", "7730", "7736", "7743")),
        "Химки": (6, ("5047",)),
        "Подольск": (6, ("5036",)),
        "Мытищи": (6, ("5029",)),
        "Балашиха": (5, ("5001",)),
        "Люберцы": (5, ("5027",)),
        "Красногорск": (4, ("5024",)),
        "Тверь": (5, ("6950", "6952")),
        "Тула": (5, ("7104", "7105", "7107")),
        "Калуга": (4, ("4027", "4028")),
        "Рязань": (3, ("6229", "6230")),
        "Владимир": (3, ("3327", "3328")),
    },
    URALS: {
        "Екатеринбург": (40, ("6658", "6659", "6660", "6661", "6670", "6671", "6679", "6685", "6686")),
        "Челябинск": (15, ("7447", "7448", "7449", "7451", "7453")),
        "Пермь": (12, ("5902", "5903", "5904", "5906", "5908")),
        "Тюмень": (10, ("7202", "7203", "7204")),
        "Уфа": (10, ("0273", "0274", "0276", "0278")),
        "Магнитогорск": (5, ("7444", "7445", "7446")),
        "Курган": (4, ("4501",)),
        "Нижний Тагил": (4, ("6623", "6668")),
        "Сургут": (3, ("8602",)),
    },
}
STREETS = (
    "ул. Ленина", "ул. Мира", "ул. Советская", "ул. Гагарина", "ул. Садовая", "ул. Промышленная",
    "ул. Заводская", "ул. Строителей", "ул. Молодёжная", "ул. Лесная", "ул. Октябрьская",
    "ул. Первомайская", "ул. Комсомольская", "ул. Железнодорожная", "пр-т Победы", "пр-т Космонавтов",
    "ул. Складская", "ш. Энтузиастов", "ул. Транспортная", "ул. Индустриальная",
)

# industry -> (share of clients, relative size of deals, CamelCase share, first halves, second halves,
# whole names)
INDUSTRIES = {
    "производство": (
        20, 1.4, 0.2,
        ("Пром", "Тех", "Металл", "Станко", "Энерго", "Полимер", "Гидро", "Электро", "Термо", "Спец"),
        ("маш", "профиль", "комплект", "деталь", "прибор", "пласт", "сервис", "ресурс", "монтаж", "снаб"),
        ("Прогресс", "Импульс", "Вектор", "Гефест", "Атлант", "Меридиан", "Орион", "Кристалл"),
    ),
    "розничная торговля": (
        18, 0.8, 0.2,
        ("Дом", "Хоз", "Уют", "Эконом", "Мега", "Гипер"),
        ("торг", "маркет", "сервис", "центр"),
        ("Хозяюшка", "Домовой", "Лавка у дома", "Мир посуды", "Всё для дома", "Домашний очаг", "Планета товаров",
         "Городок", "Копеечка", "Семейный", "Универсам на Садовой"),
    ),
    "автомобили и запчасти": (
        15, 1.0, 0.3,
        ("Авто", "Мотор", "Транс", "Шин", "Дизель", "Грузо"),
        ("деталь", "сервис", "лидер", "центр", "снаб", "комплект"),
        ("Колесо", "Автодвор", "Запчасть-Сервис", "Форсаж", "Магистраль", "Тягач", "Автоцентр Север"),
    ),
    "e-commerce и фулфилмент": (
        15, 0.8, 1.0,
        ("Склад", "Логист", "Опт", "Маркет", "Курьер", "Посылка"),
        ("лайн", "сервис", "хаб", "трейд", "про", "экспресс"),
        ("Быстрая доставка", "ИнтерШоп", "Маркетплейс Сервис", "Склад24", "Пункт выдачи", "ЭкоПак",
         "ФулфилментПро"),
    ),
    "продукты питания и фреш": (
        17, 0.7, 0.2,
        ("Агро", "Мясо", "Хлеб", "Мол", "Рыб", "Овощ", "Фрукт", "Эко"),
        ("продукт", "торг", "снаб", "маркет", "фреш", "пром"),
        ("Зелёная лавка", "Фермерское подворье", "Свежие продукты", "Хлебный дом", "Мясной двор", "Вкусный день",
         "Рыбный ряд", "Сыроварня", "Зорька", "Берёзка"),
    ),
    "стройматериалы": (
        15, 1.3, 0.2,
        ("Строй", "Бетон", "Тепло", "Кровля", "Кирпич", "Лес", "Металло", "Изо"),
        ("двор", "база", "снаб", "комплект", "торг", "сервис"),
        ("Гранит", "Стройбаза", "Кирпичный двор", "Профнастил", "Фундамент", "Кровельный центр", "Доска и брус"),
    ),
}
SUFFIXES = ("", "", "", "", "-М", " Плюс", " Групп", "-Трейд", " и К°")
REGION_SUFFIX = {MOSCOW: ("-Центр", "-Подмосковье", "-Столица"), URALS: ("-Урал", "-Восток", "-Исеть")}
CITY_ADJECTIVES = {
    "Москва": "Московский", "Химки": "Химкинский", "Подольск": "Подольский", "Мытищи": "Мытищинский",
    "Балашиха": "Балашихинский", "Люберцы": "Люберецкий", "Красногорск": "Красногорский", "Тверь": "Тверской",
    "Тула": "Тульский", "Калуга": "Калужский", "Рязань": "Рязанский", "Владимир": "Владимирский",
    "Екатеринбург": "Уральский", "Челябинск": "Челябинский", "Пермь": "Пермский", "Тюмень": "Тюменский",
    "Уфа": "Уфимский", "Магнитогорск": "Магнитогорский", "Курган": "Курганский", "Нижний Тагил": "Тагильский",
    "Сургут": "Сургутский",
}
FACTORIES = ("завод металлоконструкций", "завод ЖБИ", "завод упаковки", "механический завод",
             "завод пластиковых изделий", "кабельный завод", "завод металлоизделий")

MALE = ("Алексей", "Андрей", "Дмитрий", "Сергей", "Павел", "Михаил", "Иван", "Николай", "Артём", "Максим",
        "Евгений", "Владимир", "Роман", "Денис", "Игорь", "Константин", "Олег", "Антон", "Кирилл", "Виктор",
        "Юрий", "Александр", "Илья", "Григорий", "Вадим")
FEMALE = ("Анна", "Мария", "Елена", "Ольга", "Ирина", "Наталья", "Татьяна", "Светлана", "Екатерина", "Юлия",
          "Марина", "Дарья", "Ксения", "Алина", "Виктория", "Надежда", "Людмила", "Галина", "Вера", "Полина")
PATRONYMICS = ("Алексеевич", "Андреевич", "Дмитриевич", "Сергеевич", "Павлович", "Михайлович", "Иванович",
               "Николаевич", "Владимирович", "Викторович", "Олегович", "Игоревич", "Юрьевич", "Александрович",
               "Евгеньевич", "Петрович", "Геннадьевич", "Анатольевич", "Борисович", "Валерьевич")
SURNAMES = (
    "Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков", "Фёдоров",
    "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов", "Степанов", "Николаев",
    "Орлов", "Андреев", "Макаров", "Никитин", "Захаров", "Зайцев", "Соловьёв", "Борисов", "Яковлев", "Григорьев",
    "Романов", "Воробьёв", "Сергеев", "Кузьмин", "Фролов", "Александров", "Дмитриев", "Королёв", "Гусев",
    "Киселёв", "Ильин", "Максимов", "Поляков", "Сорокин", "Виноградов", "Ковалёв", "Белов", "Медведев",
    "Антонов", "Тарасов", "Жуков", "Баранов", "Филиппов", "Комаров", "Давыдов", "Беляев", "Герасимов",
    "Богданов", "Осипов", "Сидоров", "Матвеев", "Титов", "Марков", "Миронов", "Крылов", "Куликов", "Карпов",
    "Власов", "Мельников", "Денисов", "Гаврилов", "Тихонов", "Казаков", "Афанасьев", "Данилов", "Савельев",
    "Тимофеев", "Фомин", "Чернов", "Абрамов", "Мартынов", "Ефимов", "Федотов", "Щербаков", "Назаров",
    "Калинин", "Исаев", "Быков", "Маслов", "Родионов", "Коновалов", "Лазарев", "Воронин", "Климов", "Филатов",
    "Голубев", "Кудрявцев", "Прохоров", "Наумов", "Потапов", "Журавлёв", "Трофимов", "Леонов", "Соболев",
    "Ермаков", "Колесников", "Гончаров", "Никифоров", "Котов", "Гришин", "Архипов", "Громов", "Кириллов",
    "Малышев", "Панов", "Моисеев", "Румянцев", "Акимов", "Бирюков", "Горбунов", "Галкин", "Лукьянов",
    "Скворцов", "Белоусов", "Нестеров", "Симонов", "Князев", "Цветков", "Мальцев", "Логинов", "Горшков",
    "Краснов", "Демидов", "Елисеев", "Рыбаков", "Плотников", "Жданов", "Зуев", "Островский", "Вишневский",
    "Покровский", "Шевченко", "Ковальчук", "Бондаренко", "Кравченко", "Ткаченко", "Мищенко",
)
POSITIONS = ("Генеральный директор", "Коммерческий директор", "Директор по закупкам", "Менеджер по закупкам",
             "Руководитель отдела снабжения", "Финансовый директор", "Заместитель директора", "Главный бухгалтер")
INDUSTRY_POSITIONS = {
    "производство": ("Главный инженер", "Начальник производства", "Технолог"),
    "розничная торговля": ("Категорийный менеджер", "Управляющий магазином", "Товаровед"),
    "автомобили и запчасти": ("Главный механик", "Руководитель сервиса", "Начальник склада"),
    "e-commerce и фулфилмент": ("Операционный директор", "Начальник склада", "Руководитель логистики"),
    "продукты питания и фреш": ("Категорийный менеджер", "Технолог", "Товаровед"),
    "стройматериалы": ("Прораб", "Начальник склада", "Руководитель отдела продаж"),
}
MOBILE_CODES = ("903", "905", "906", "909", "910", "912", "915", "916", "917", "919", "922", "925", "926", "929",
                "950", "951", "952", "953", "958", "960", "961", "962", "963", "964", "965", "967", "968", "977",
                "985", "987", "989", "999")
CLIENT_NOTES = (
    "Ключевой клиент, отгрузки раз в месяц", "Склад в промзоне, въезд со стороны Промышленной",
    "Оплата только по факту поставки", "Решения принимает собственник", "Работают с отсрочкой 30 дней",
    "Закупки по тендерам, следить за площадкой", "Сезонный спрос, пик весной", "Просили звонить после 11:00",
)
NOTES = {
    Outcome.AGREED: ("Подписали договор поставки", "Согласовали первую партию, счёт выставлен",
                     "Заказ на месяц подтверждён", "Договорились о пробной поставке",
                     "Согласовали спецификацию и сроки", "Продлили договор на год"),
    Outcome.THINKING: ("Обсудят с директором и дадут ответ", "Взяли паузу до конца недели",
                       "Ждут согласования бюджета", "Сравнивают с предложением конкурента"),
    Outcome.REVISED_OFFER: ("Просят скидку за объём", "Нужно КП с отсрочкой платежа",
                            "Пересчитать с доставкой до склада", "Просят другие условия оплаты"),
    Outcome.RESCHEDULED: ("Перенесли: директор на выезде", "Попросили перезвонить на следующей неделе",
                          "Перенос на после инвентаризации"),
    Outcome.NO_ANSWER: ("Не удалось дозвониться", "Трубку не берут", "Письмо пока без ответа"),
}
REFUSAL_NOTES = {
    "budget": ("Бюджет на этот год уже распределён", "Денег нет до следующего квартала"),
    "not_interested": ("Сказали, что не актуально", "Не видят смысла что-то менять"),
    "has_supplier": ("Работают с давним поставщиком, менять не хотят", "Договор с поставщиком до конца года"),
    "price": ("У конкурента дешевле на 10–15%", "Не устроила цена даже со скидкой"),
    "bad_timing": ("Просили вернуться после праздников", "Сейчас ремонт склада, не до того",
                   "Вернуться в следующем сезоне"),
    "no_decision_maker": ("Решает собственник, до него не дойти", "Без директора не решают, он в отъезде"),
    # "Other" always comes with a comment: the bot asks for one
    "other": ("Закрывают точку в нашем городе", "Сменился собственник, всё заморожено",
              "Переходят на собственное производство", "Переезжают в другой регион"),
}


def _table(weights: dict) -> tuple[list, list[float]]:
    """Labels and cumulative weights, built once: drawing from them is cheap."""
    return list(weights), list(itertools.accumulate(weights.values()))


def _draw(rng: random.Random, table: tuple[list, list[float]]):
    labels, cumulative = table
    return labels[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])]


# contacts per working day of an ordinary manager: (low, high) of their personal mean
RATES = {Kind.MEETING: (1.7, 2.3), Kind.CALL: (3.0, 4.4), Kind.EMAIL: (0.5, 0.9), Kind.MESSAGE: (0.6, 1.1),
         Kind.OTHER: (0.05, 0.15)}
PHONER_MEETINGS = 0.55
# outcomes of contacts that are not meetings; a meeting is agreed by plan, else one of MEETING_OTHER
OUTCOMES = {
    Kind.CALL: {Outcome.AGREED: 4, Outcome.REFUSED: 12, Outcome.THINKING: 18, Outcome.REVISED_OFFER: 8,
                Outcome.RESCHEDULED: 13, Outcome.NO_ANSWER: 45},
    Kind.EMAIL: {Outcome.AGREED: 2, Outcome.REFUSED: 6, Outcome.THINKING: 22, Outcome.REVISED_OFFER: 15,
                 Outcome.RESCHEDULED: 5, Outcome.NO_ANSWER: 50},
    Kind.MESSAGE: {Outcome.AGREED: 2, Outcome.REFUSED: 6, Outcome.THINKING: 25, Outcome.REVISED_OFFER: 10,
                   Outcome.RESCHEDULED: 12, Outcome.NO_ANSWER: 45},
    Kind.OTHER: {Outcome.AGREED: 5, Outcome.REFUSED: 10, Outcome.THINKING: 30, Outcome.REVISED_OFFER: 20,
                 Outcome.RESCHEDULED: 15, Outcome.NO_ANSWER: 20},
}
MEETING_OTHER = {Outcome.REFUSED: 25, Outcome.THINKING: 32, Outcome.REVISED_OFFER: 26, Outcome.RESCHEDULED: 17}
_OUTCOMES = {kind: _table(weights) for kind, weights in OUTCOMES.items()}
_MEETING_UNDECIDED = _table({k: w for k, w in MEETING_OTHER.items() if k != Outcome.REFUSED})
REFUSED_SHARE = MEETING_OTHER[Outcome.REFUSED] / sum(MEETING_OTHER.values())  # of meetings not agreed
BASE_REASONS = {"budget": 19, "not_interested": 17, "has_supplier": 18, "price": 19, "bad_timing": 13,
                "no_decision_maker": 9, "other": 5}
# a done contact of this kind had been planned (a next step, or put in the plan) this often
PLANNED_SHARE = {Kind.MEETING: 0.8, Kind.CALL: 0.35, Kind.EMAIL: 0.2, Kind.MESSAGE: 0.15, Kind.OTHER: 0.2,
                 Kind.GREETING: 0.0}
# of the contacts a day n working days ahead will have, the share already in the plan
AHEAD = (1.0, 0.95, 0.7, 0.55, 0.4, 0.3, 0.2, 0.15, 0.15, 0.1, 0.1)
WEEKDAY = (1.05, 1.0, 1.0, 1.0, 0.9)
# when in the day (seconds after local midnight) contacts of a kind happen
SPANS = {Kind.CALL: (9 * 3600 + 300, 18 * 3600 + 3300), Kind.EMAIL: (9 * 3600, 18 * 3600 + 3300),
         Kind.MESSAGE: (9 * 3600, 18 * 3600 + 3300), Kind.OTHER: (9 * 3600 + 1800, 18 * 3600)}
WITH_PERSON = {Kind.MEETING: 0.75, Kind.CALL: 0.85, Kind.EMAIL: 0.9, Kind.MESSAGE: 0.8}  # share naming whom
STATE_WEIGHT = {ClientStatus.ACTIVE: 1.0, ClientStatus.LEAD: 0.8, ClientStatus.LOST: 0.04}
MEDIAN_DEAL = 50_000  # roubles


def season(day: date) -> float:
    """Business activity through the year: a dip after the New Year holidays and in August, a
    peak in March and from November to the last week of December."""
    if day.month == 1:
        return 0.55 if day.day <= 20 else 0.85
    if day.month == 12:
        return 1.25 if day.day <= 25 else 0.9
    return {2: 1.0, 3: 1.25, 4: 1.05, 5: 0.9, 6: 0.95, 7: 0.85, 8: 0.65, 9: 1.0, 10: 1.05, 11: 1.2}[day.month]


def inn_check(digits: list[int], weights: tuple[int, ...]) -> int:
    return sum(d * w for d, w in zip(digits, weights)) % 11 % 10


def make_inn(rng: random.Random, prefix: str, personal: bool) -> str:
    """A taxpayer number with valid check digits: 10 digits for a company, 12 for a person."""
    digits = [int(c) for c in prefix] + [rng.randrange(10) for _ in range(6 if personal else 5)]
    if personal:
        digits.append(inn_check(digits, (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)))
        digits.append(inn_check(digits, (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)))
    else:
        digits.append(inn_check(digits, (2, 4, 10, 3, 5, 9, 4, 6, 8)))
    return "".join(map(str, digits))


_LATIN = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                  ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s",
                   "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"]))


def latin(text: str) -> str:
    return "".join(_LATIN.get(c, c) for c in text.lower() if c.isalnum() or c == "-")


def feminine(surname: str) -> str:
    if surname.endswith("ский"):
        return surname[:-2] + "ая"
    if surname.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return surname + "а"
    return surname  # Шевченко, Ковальчук


# ---- building -----------------------------------------------------------------------------------


@dataclass
class _Person:
    id: int
    name: str
    email: str | None


@dataclass
class _Client:
    id: int
    created_at: datetime
    weight: float
    industry: str
    persons: list[_Person] = field(default_factory=list)
    birthdays: list[tuple[_Person, date]] = field(default_factory=list)
    state: ClientStatus = ClientStatus.LEAD
    ever_agreed: bool = False
    open_plan: bool = False
    locked_in: bool = False  # works with a supplier it will not leave (see OFFER_PULL)
    agreed_at: datetime | None = None  # its latest agreement
    last: _Contact | None = None  # its latest done contact, greetings aside
    contacts: list[_Contact] = field(default_factory=list)


@dataclass
class _Manager:
    id: int
    tg_id: int
    name: str
    tz: str
    rates: dict[Kind, float]
    reasons: dict[str, float]
    pattern: str | None = None
    full_names: bool = False  # writes contact persons as "Фамилия Имя Отчество"
    clients: list[_Client] = field(default_factory=list)
    # e^pull and e^-pull averaged over the manager's recent offers: what a pull is measured against
    pulls: list[float] | None = None


@dataclass(slots=True)
class _Contact:
    manager: _Manager
    kind: Kind
    at: datetime  # UTC: when it happened, or is planned for
    day: date  # the local working day
    plan_at: datetime  # when it was (or is) planned for, if it was
    logged: datetime | None = None
    status: Status = Status.DONE
    was_planned: bool = False
    client: _Client | None = None
    person: _Person | None = None
    outcome: Outcome | None = None
    reason: str | None = None
    amount: int | None = None
    note: str | None = None
    created_at: datetime | None = None
    planned_at: datetime | None = None
    next_step: _Contact | None = None
    new_year: bool = False  # a New Year greeting: goes to an active client picked on the day
    quota: _Quota | None = None  # a done meeting's stretch of agreements to share out
    id: int = 0


@dataclass(slots=True)
class _Quota:
    """A stretch of a manager's meetings and how many of them are still to be agreed."""

    left: int
    agreed: int

    def take(self, chance: float, draw: float) -> bool:
        """One meeting of the stretch: agreed with `chance` unless the quota forces it either way."""
        agreed = self.left > 0 and (self.agreed >= self.left or (self.agreed > 0 and draw < chance))
        self.left -= 1
        self.agreed -= agreed
        return agreed

    def skip(self) -> None:
        """A meeting that found no client: the stretch is one shorter."""
        self.left -= 1
        self.agreed = min(self.agreed, self.left)


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _apportion(rng: random.Random, total: int, weights: dict) -> list:
    """`total` labels in the weights' exact proportions (largest remainders), shuffled: a manager's
    whole history shows their profile, any stretch of it the noise of sampling."""
    whole = sum(weights.values())
    shares = {k: total * w / whole for k, w in weights.items()}
    counts = {k: int(s) for k, s in shares.items()}
    for k in sorted(shares, key=lambda k: counts[k] - shares[k])[: total - sum(counts.values())]:
        counts[k] += 1
    deck = [k for k, n in counts.items() for _ in range(n)]
    rng.shuffle(deck)
    return deck


def _months_back(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, _calendar.monthrange(year, month + 1)[1]))


class _Builder:
    def __init__(self, rng, now, *, managers, months, seed, reasons, first_ids, calendar, taken_inns, taken_teams):
        self.rng = rng
        # the scoring signal draws from its own stream, so the rest of the company keeps its shape
        self.signal = random.Random(seed * 1_000_003 + 17)
        self.now = now.astimezone(timezone.utc)
        self.seed = seed
        self.reason_ids = reasons
        self.ids = dict(first_ids)
        self.calendar = calendar
        self.inns = set(taken_inns)
        self.taken_teams = set(taken_teams)
        self.managers_count = managers
        self.today = self.now.astimezone(ZoneInfo(MOSCOW)).date()
        self.start = _months_back(self.today, months)
        # the training: a Monday about five months ago (half the history when that is shorter)
        back = min(TRAINING_MONTHS_AGO * 30, (self.today - self.start).days // 2)
        training = self.today - timedelta(days=back)
        training -= timedelta(days=training.weekday())
        while not calendar.is_workday(training):
            training += timedelta(days=1)
        self.training = training
        self.names_used: set[str] = set()  # staff surnames
        self.midnights: dict[tuple[date, str], datetime] = {}
        self.company_names: set[str] = set()
        self.contacts: list[_Contact] = []

    def local(self, day: date, minutes: float, tz: str) -> datetime:
        """Minutes after local midnight of `day`, in UTC. Counted from midnight's UTC moment,
        which is exact in zones that do not change their clocks (Russia's, since 2014)."""
        midnight = self.midnights.get((day, tz))
        if midnight is None:
            midnight = datetime.combine(day, time(0), ZoneInfo(tz)).astimezone(timezone.utc)
            self.midnights[(day, tz)] = midnight
        return midnight + timedelta(minutes=minutes)

    def next_id(self, table: str) -> int:
        value = self.ids[table]
        self.ids[table] += 1
        return value

    # people -------------------------------------------------------------------

    def staff_name(self, female: bool) -> str:
        """A colleague's name; no two colleagues share a surname, so each is easy to tell apart."""
        while True:
            surname = self.rng.choice(SURNAMES)
            if surname not in self.names_used:
                self.names_used.add(surname)
                return f"{self.rng.choice(FEMALE if female else MALE)} {feminine(surname) if female else surname}"

    def people(self) -> tuple[list[dict], list[dict], list[_Manager], list[int]]:
        rng = self.rng
        teams, users, heads = [], [], []
        created = datetime.combine(self.start - timedelta(days=900), time(9), timezone.utc)
        for name, _tz in TEAMS:
            if name in self.taken_teams:
                name = f"{name} (демо)"
            teams.append({"id": self.next_id("teams"), "name": name, "created_at": created})
        team_tz = [tz for _name, tz in TEAMS]
        for number, team in enumerate(teams, 1):
            female = rng.random() < 0.4
            head = {
                "id": self.next_id("users"), "tg_id": HEAD_TG + number, "full_name": self.staff_name(female),
                "username": None, "role": Role.HEAD, "team_id": team["id"], "timezone": team_tz[number - 1],
                "language": "ru", "is_active": True,
                "created_at": created + timedelta(days=rng.randrange(30, 200)),
            }
            users.append(head)
            heads.append(head["id"])
        managers = []
        in_moscow = (self.managers_count + 1) // 2
        for n in range(1, self.managers_count + 1):
            team = 0 if n <= in_moscow else 1
            female = rng.random() < 0.45
            rates = {kind: rng.uniform(*span) for kind, span in RATES.items()}
            reasons = {code: w * rng.uniform(0.8, 1.25) for code, w in BASE_REASONS.items()}
            manager = _Manager(
                id=self.next_id("users"), tg_id=TG_BASE + n, name=self.staff_name(female),
                tz=team_tz[team], rates=rates, reasons=reasons, full_names=rng.random() < 0.5,
            )
            managers.append(manager)
            users.append({
                "id": manager.id, "tg_id": manager.tg_id, "full_name": manager.name, "username": None,
                "role": Role.MANAGER, "team_id": teams[team]["id"], "timezone": manager.tz, "language": "ru",
                "is_active": True,
                "created_at": datetime.combine(self.start, time(7), timezone.utc) - timedelta(days=rng.randrange(30, 700)),
            })
        for manager, pattern in zip(rng.sample(managers, len(PATTERNS)), PATTERNS):
            manager.pattern = pattern
            if pattern in ("budget", "not_interested"):
                others = {k: w for k, w in manager.reasons.items() if k != pattern}
                scale = (1 - DOMINANT_REASON_SHARE) / sum(others.values())
                manager.reasons = {k: DOMINANT_REASON_SHARE if k == pattern else w * scale for k, w in manager.reasons.items()}
            elif pattern == "phoner":
                # the same total activity: the meetings not made are calls
                usual = sum(sum(span) / 2 for kind, span in RATES.items() if kind in (Kind.MEETING, Kind.CALL))
                manager.rates[Kind.MEETING] = PHONER_MEETINGS
                manager.rates[Kind.CALL] = usual - PHONER_MEETINGS + rng.uniform(-0.2, 0.2)
        return teams, users, managers, heads

    # clients ------------------------------------------------------------------

    def company_name(self, industry: str, city: str, tz: str) -> tuple[str, tuple[str, str, str, bool] | None]:
        """A name, and for a sole trader (ИП) its owner: first name, patronymic, surname, female."""
        rng = self.rng
        _share, _size, camel, heads, tails, wholes = INDUSTRIES[industry]

        def compound(ending: str) -> str:
            head, tail = rng.choice(heads), rng.choice(tails)
            core = head + (tail.capitalize() if rng.random() < camel else tail)
            # no "Торгторг" or "ОптТрейд-Трейд"
            return core if ending.strip(" -").lower() in core.lower() else core + ending

        for attempt in itertools.count():
            owner = None
            if industry in ("розничная торговля", "автомобили и запчасти", "продукты питания и фреш") and rng.random() < 0.2:
                female = rng.random() < 0.45
                surname = feminine(rng.choice(SURNAMES)) if female else rng.choice(SURNAMES)
                first, patronymic = rng.choice(FEMALE if female else MALE), rng.choice(PATRONYMICS)
                if female:
                    patronymic = patronymic[:-2] + "на"
                owner = (first, patronymic, surname, female)
                name = f"ИП {surname} {first[0]}. {patronymic[0]}."
            else:
                form = "АО" if rng.random() < 0.12 else "ООО"
                pattern = rng.random()
                if industry == "производство" and pattern < 0.2:
                    form, core = "АО", f"{CITY_ADJECTIVES[city]} {rng.choice(FACTORIES)}"
                elif pattern < 0.55:
                    core = compound(rng.choice(SUFFIXES))
                elif pattern < 0.8:
                    core = rng.choice(wholes) + rng.choice(SUFFIXES)
                else:
                    core = compound(rng.choice(REGION_SUFFIX[tz]))
                if attempt > 20:  # a crowded base: a number tells them apart, as in real registers
                    core = f"{core} {attempt}"
                name = f"{form} «{core}»"
            if name not in self.company_names:
                self.company_names.add(name)
                return name, owner

    def inn(self, prefixes: tuple[str, ...], personal: bool) -> str:
        while True:
            value = make_inn(self.rng, self.rng.choice(prefixes), personal)
            if value not in self.inns:
                self.inns.add(value)
                return value

    def address(self) -> str:
        rng = self.rng
        office = f", оф. {rng.randrange(1, 40) * 10 + rng.randrange(1, 10)}" if rng.random() < 0.3 else ""
        return f"{rng.choice(STREETS)}, д. {rng.randrange(1, 120)}{office}"

    def phone(self) -> str:
        return f"+7{self.rng.choice(MOBILE_CODES)}{self.rng.randrange(10**7):07d}"

    def clients(self, manager: _Manager, days: list[date]) -> tuple[list[dict], list[dict]]:
        rng = self.rng
        rows, persons = [], []
        cities = CITIES[manager.tz]
        industries = _table({k: v[0] for k, v in INDUSTRIES.items()})
        places = _table({c: w for c, (w, _p) in cities.items()})
        for _ in range(round(65 * rng.uniform(0.85, 1.15))):
            industry = _draw(rng, industries)
            city = _draw(rng, places)
            name, owner = self.company_name(industry, city, manager.tz)
            if rng.random() < 0.45:  # in the base before the history starts
                created = datetime.combine(self.start, time(7), timezone.utc) - timedelta(
                    days=rng.randrange(20, 900), minutes=rng.randrange(600))
            else:
                created = self.local(rng.choice(days), rng.uniform(9 * 60, 18 * 60), manager.tz)
            client = _Client(self.next_id("clients"), created, rng.lognormvariate(0, 0.9), industry,
                             locked_in=self.signal.random() < LOCKED_IN_SHARE)
            manager.clients.append(client)
            # a company's own mail domain from the first word of its name; a sole trader has none
            domain = None if owner else latin(name.split("«")[1].split()[0]).strip("-") + ".ru"
            for number in range(rng.choices((1, 2, 3), weights=(45, 35, 20))[0]):
                person, row = self.contact_person(manager, client, industry, domain, owner if number == 0 else None)
                client.persons.append(person)
                persons.append(row)
                if row["birthday"]:
                    client.birthdays.append((person, row["birthday"]))
            rows.append({
                "id": client.id, "name": name, "name_key": name_key(name), "industry": industry, "city": city,
                "owner_id": manager.id, "created_at": created, "sole": owner is not None, "prefixes": cities[city][1],
                "address": self.address() if rng.random() < 0.7 else None,
                "notes": rng.choice(CLIENT_NOTES) if rng.random() < 0.12 else None,
            })
        return rows, persons

    def contact_person(self, manager, client, industry, domain, owner) -> tuple[_Person, dict]:
        rng = self.rng
        # managers write names their own way, mostly: "Фамилия Имя Отчество" or "Имя Фамилия"
        full = manager.full_names if rng.random() < 0.8 else not manager.full_names
        if owner:  # a sole trader is their own first contact
            first, patronymic, surname, _female = owner
            position = "Владелец"
        else:
            female = rng.random() < 0.45
            first, patronymic = rng.choice(FEMALE if female else MALE), rng.choice(PATRONYMICS)
            if female:
                patronymic = patronymic[:-2] + "на"
            surname = feminine(rng.choice(SURNAMES)) if female else rng.choice(SURNAMES)
            position = rng.choice(POSITIONS + INDUSTRY_POSITIONS[industry]) if rng.random() < 0.85 else None
        name = f"{surname} {first} {patronymic}" if full else f"{first} {surname}"
        email = None
        if rng.random() < 0.55:
            r = rng.random()
            if domain is None or r < 0.15:
                year = rng.randrange(1960, 2000) if rng.random() < 0.5 else ""
                email = f"{latin(surname)}{year}@{rng.choice(('mail.ru', 'yandex.ru', 'gmail.com', 'bk.ru'))}"
            elif position and "закуп" in position.lower() and r < 0.4:
                email = f"zakupki@{domain}"
            else:
                email = f"{latin(first)[0]}.{latin(surname)}@{domain}"
        birthday = None
        if rng.random() < 0.35:
            birthday = date(rng.randrange(1962, 1997), 1, 1) + timedelta(days=rng.randrange(365))
        person = _Person(self.next_id("contact_persons"), name, email)
        row = {"id": person.id, "client_id": client.id, "name": name, "position": position,
               "phone": self.phone(), "email": email, "birthday": birthday}
        return person, row

    # the schedule ---------------------------------------------------------------

    def schedule(self, manager: _Manager, days: list[date], ahead: list[date], today: date) -> list[_Contact]:
        """Every contact of a manager's working days, with its time and, if done, when logged."""
        rng = self.rng
        contacts: list[_Contact] = []
        for day in days + ahead:
            factor = season(day) * WEEKDAY[day.weekday()]
            counts = {kind: _poisson(rng, rate * factor) for kind, rate in manager.rates.items()}
            if day < today and not any(counts.values()):
                counts[Kind.CALL] = 1  # nobody in sales has a day with nothing at all
            day_contacts = []
            midnight = self.local(day, 0, manager.tz)
            for minute in self.meeting_slots(counts[Kind.MEETING]):
                at = midnight + timedelta(minutes=minute + rng.choice((0, 0, 0, 5, 10, 15)))
                day_contacts.append(_Contact(manager, Kind.MEETING, at, day, midnight + timedelta(minutes=minute)))
            for kind in (Kind.CALL, Kind.EMAIL, Kind.MESSAGE, Kind.OTHER):
                for _ in range(counts[kind]):
                    second = rng.randrange(*SPANS[kind])
                    at = midnight + timedelta(seconds=second)
                    # planned for the half hour it began in
                    day_contacts.append(_Contact(manager, kind, at, day, midnight + timedelta(seconds=second // 1800 * 1800)))
            if day > today:
                depth = ahead.index(day) + 1
                share = AHEAD[min(depth, len(AHEAD) - 1)]
                for item in day_contacts:
                    if rng.random() < PLANNED_SHARE[item.kind] * share:
                        item.status, item.was_planned = Status.PLANNED, True
                        contacts.append(item)
                continue
            self.log_times(manager, day, day_contacts)
            for item in day_contacts:
                item.was_planned = rng.random() < PLANNED_SHARE[item.kind]
                if item.logged is not None and item.logged <= self.now:
                    contacts.append(item)
                elif item.was_planned:  # still in the plan: ahead today, or not logged yet
                    item.status, item.logged = Status.PLANNED, None
                    contacts.append(item)
        return contacts

    def meeting_slots(self, count: int) -> list[int]:
        """Start minutes of a day's meetings, on the half hour from 09:30 to 17:30, 1.5 hours apart."""
        grid = list(range(9 * 60 + 30, 17 * 60 + 31, 30))
        self.rng.shuffle(grid)
        chosen: list[int] = []
        for minute in grid:
            if len(chosen) >= min(count, 5):
                break
            if all(abs(minute - other) >= 90 for other in chosen):
                chosen.append(minute)
        return sorted(chosen)

    def log_times(self, manager: _Manager, day: date, contacts: list[_Contact]) -> None:
        rng = self.rng
        zone = ZoneInfo(manager.tz)
        cap = self.local(day, 21 * 60 + 30, manager.tz)
        for item in contacts:
            if item.kind == Kind.MEETING:
                delay = 5 + rng.lognormvariate(math.log(20), 0.7)
                if rng.random() < 0.03:  # written up at the end of the day
                    evening = self.local(day, rng.uniform(18.5 * 60, 20.5 * 60), manager.tz)
                    delay = max(delay, (evening - item.at).total_seconds() / 60)
            elif item.kind == Kind.CALL:
                delay = rng.lognormvariate(math.log(3), 0.9)
            elif item.kind in (Kind.EMAIL, Kind.MESSAGE):
                delay = rng.uniform(0.2, 3)
            elif item.kind == Kind.GREETING:
                delay = rng.uniform(0.5, 5)
            else:
                delay = rng.lognormvariate(math.log(10), 0.8)
            item.logged = min(item.at + timedelta(minutes=delay, seconds=rng.randrange(60)), cap)
        if manager.pattern == "night_logger" and rng.random() < 0.8:
            batch = sorted((c for c in contacts if c.kind == Kind.MEETING or rng.random() < 0.7), key=lambda c: c.at)
            split = len(batch) > 3 and rng.random() < 0.25
            starts = ([rng.uniform(22 * 60 + 5, 23 * 60), rng.uniform(24 * 60 + 5, 25 * 60 + 30)] if split
                      else [rng.uniform(22 * 60 + 5, 24 * 60 + 30)])
            halves = [batch[: len(batch) // 2], batch[len(batch) // 2:]] if split else [batch]
            for start, part in zip(starts, halves):
                moment = datetime.combine(day, time(0), zone) + timedelta(minutes=start)
                for item in part:
                    item.logged = moment.astimezone(timezone.utc).replace(microsecond=0)
                    moment += timedelta(seconds=rng.randrange(20, 180))

    def greetings(self, manager: _Manager, days: list[date], today: date) -> list[_Contact]:
        """Birthday greetings to contact persons, New Year greetings to active clients."""
        rng = self.rng
        workdays = set(days)
        found = []
        for client in manager.clients:
            for person, born in client.birthdays:
                for year in range(self.start.year, today.year + 1):
                    birthday = date(year, born.month, min(born.day, _calendar.monthrange(year, born.month)[1]))
                    day = birthday
                    while day not in workdays and birthday - day < timedelta(days=3):
                        day -= timedelta(days=1)  # a birthday at the weekend is greeted on Friday
                    if day not in workdays or day >= today or rng.random() > 0.7:
                        continue
                    at = self.local(day, rng.uniform(9 * 60 + 15, 11 * 60 + 45), manager.tz).replace(microsecond=0)
                    if at <= client.created_at:
                        continue
                    greeting = _Contact(manager, Kind.GREETING, at, day, at, client=client, person=person)
                    found.append(greeting)
        for year in range(self.start.year, today.year + 1):
            season_days = [d for d in days if d.year == year and d.month == 12 and d.day >= 24 and d < today][-4:]
            for day in season_days:
                for _ in range(_poisson(rng, 4)):
                    at = self.local(day, rng.uniform(9 * 60 + 15, 17 * 60), manager.tz).replace(microsecond=0)
                    found.append(_Contact(manager, Kind.GREETING, at, day, at, new_year=True))
        for item in found:
            item.logged = item.at + timedelta(minutes=rng.uniform(0.5, 5))
        return found

    # outcomes and clients --------------------------------------------------------

    def plant_agreements(self, manager: _Manager, contacts: list[_Contact]) -> None:
        """How many done meetings end in an agreement: the manager's conversion with less spread
        than pure chance, held before and after the training date and in each stretch of about
        BLOCK meetings, so that a verdict on a manager, or on a change at the training, is about the
        planted pattern and not luck. Which ones within a stretch is decided as clients are
        assigned, by the offer's pull (`offer_pull`)."""
        meetings = [c for c in contacts if c.kind == Kind.MEETING and c.status == Status.DONE]
        rates = {"trained": TRAINED_CONVERSION, "star": (STAR_CONVERSION,) * 2}.get(manager.pattern, (CONVERSION,) * 2)
        segments = [([c for c in meetings if c.day < self.training], rates[0]),
                    ([c for c in meetings if c.day >= self.training], rates[1])]
        for items, rate in segments:
            items.sort(key=lambda c: c.at)
            n = len(items)
            spread = 0.4 * math.sqrt(n * rate * (1 - rate))
            k = max(0, min(n, round(n * rate + spread * max(-2.0, min(2.0, self.rng.gauss(0, 1))))))
            blocks = max(1, round(n / BLOCK))
            bounds = [n * b // blocks for b in range(blocks + 1)]
            shares = {b: bounds[b + 1] - bounds[b] for b in range(blocks)}
            counts = Counter(_apportion(self.rng, k, shares))
            for b in range(blocks):
                quota = _Quota(bounds[b + 1] - bounds[b], counts[b])
                for item in items[bounds[b]:bounds[b + 1]]:
                    item.quota = quota

    def assign(self, manager: _Manager, contacts: list[_Contact]) -> None:
        """Clients and outcomes in time order; a client's status follows what happens with it."""
        rng = self.rng
        contacts.sort(key=lambda c: c.at)
        clients = sorted(manager.clients, key=lambda c: c.created_at)
        created = [c.created_at for c in clients]
        day, shape, cumulative, pool = None, None, [], []
        greeted: set[tuple[int, int]] = set()
        for item in contacts:
            if item.day != day:
                day = item.day
                # the clients known by the day's first contact, those of the last month four times as busy
                known = bisect.bisect_left(created, item.at)
                fresh = bisect.bisect_left(created, item.at - timedelta(days=30))
                if (known, fresh) != shape:
                    shape, pool = (known, fresh), clients[:known]
                    cumulative = list(itertools.accumulate(c.weight * (4 if n >= fresh else 1) for n, c in enumerate(pool)))
            if item.kind == Kind.GREETING and not item.new_year:
                self.record(item)
                continue
            if item.new_year:
                candidates = [c for c in pool if c.state == ClientStatus.ACTIVE and (c.id, day.year) not in greeted]
                if not candidates:
                    continue
                client = rng.choice(candidates)
                greeted.add((client.id, day.year))
                item.client, item.person = client, client.persons[0]
                self.record(item)
                continue
            client = None
            for _ in range(50 if pool else 0):
                candidate = pool[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])]
                if candidate.open_plan or candidate.created_at >= item.at:
                    continue
                # leads a little less often than clients; a lost one now and then (winning it back)
                if item.status == Status.PLANNED and candidate.state == ClientStatus.LOST:
                    continue
                if rng.random() >= STATE_WEIGHT[candidate.state]:
                    continue
                client = candidate
                break
            if client is None:
                if item.quota is not None:
                    item.quota.skip()
                continue
            item.client = client
            if item.status == Status.PLANNED:
                client.open_plan = True
            else:
                self.outcome(item)
            if rng.random() < WITH_PERSON.get(item.kind, 0.5):
                with_email = [p for p in client.persons if p.email] if item.kind == Kind.EMAIL else []
                item.person = rng.choice(with_email or client.persons)
            self.record(item)

    def record(self, item: _Contact) -> None:
        item.client.contacts.append(item)
        self.contacts.append(item)

    def offer_pull(self, item: _Contact) -> float:
        """The planted log-odds pull on an offer at `item`, from the client's history before it."""
        client, last = item.client, item.client.last
        pull = INDUSTRY_PULL[client.industry]
        if client.agreed_at is not None:
            pull += OFFER_PULL["agreed_lately" if item.at - client.agreed_at <= AGREED_LATELY else "agreed_long_ago"]
        if client.locked_in:
            pull += OFFER_PULL["locked_in"]
        if last is not None:
            days = (item.at - last.at).days
            if days > 90:
                pull += OFFER_PULL["quiet_quarter"]
            elif days > 30:
                pull += OFFER_PULL["quiet_month"]
            if (last.kind == Kind.MEETING and days <= 14) or last.outcome in (Outcome.THINKING, Outcome.REVISED_OFFER):
                pull += OFFER_PULL["warm"]
            elif last.outcome == Outcome.REFUSED:
                pull += OFFER_PULL["refused_last"]
        return pull

    @staticmethod
    def weigh(manager: _Manager, pull: float) -> tuple[float, float]:
        """How much an offer's pull raises its odds of a yes, and of a no, against the manager's
        recent offers: normalised so that the usual share of yeses (and of noes) stays as planned."""
        up, down = math.exp(pull), math.exp(-pull)
        if manager.pulls is None:
            manager.pulls = [up, down]
        else:  # an exponential average over about the last RECENT_OFFERS
            manager.pulls[0] += (up - manager.pulls[0]) / RECENT_OFFERS
            manager.pulls[1] += (down - manager.pulls[1]) / RECENT_OFFERS
        return up / manager.pulls[0], down / manager.pulls[1]

    @staticmethod
    def chance(base: float, factor: float) -> float:
        odds = base / (1 - base) * factor
        return odds / (1 + odds)

    def outcome(self, item: _Contact) -> None:
        rng = self.rng
        client = item.client
        if item.kind == Kind.MEETING:
            quota = item.quota
            yes, no = self.weigh(item.manager, self.offer_pull(item))
            base = min(0.99, max(0.01, quota.agreed / quota.left)) if quota.left else 0.01
            outcome = Outcome.AGREED
            if not quota.take(self.chance(base, yes), self.signal.random()):
                # a client drawn to the offer seldom says a flat no
                refused = self.signal.random() < self.chance(REFUSED_SHARE, no)
                outcome = Outcome.REFUSED if refused else _draw(rng, _MEETING_UNDECIDED)
        else:
            outcome = _draw(rng, _OUTCOMES[item.kind])
            if outcome in (Outcome.AGREED, Outcome.REFUSED):  # which of the two: by the offer's pull
                weights = OUTCOMES[item.kind]
                base = weights[Outcome.AGREED] / (weights[Outcome.AGREED] + weights[Outcome.REFUSED])
                yes, _no = self.weigh(item.manager, self.offer_pull(item))
                accepted = self.signal.random() < self.chance(base, yes)
                outcome = Outcome.AGREED if accepted else Outcome.REFUSED
        item.outcome = outcome
        client.last = item
        if outcome == Outcome.AGREED:
            client.state, client.ever_agreed, client.agreed_at = ClientStatus.ACTIVE, True, item.at
            if rng.random() < 0.85:
                size = INDUSTRIES[client.industry][1]
                roubles = MEDIAN_DEAL * size * rng.lognormvariate(0, 0.9)
                step = 500 if roubles < 100_000 else 5_000
                item.amount = max(5_000, round(roubles / step) * step) * 100
        elif outcome == Outcome.REFUSED:
            churn = 0.03 if client.state == ClientStatus.ACTIVE else 0.25
            if client.state != ClientStatus.LOST and rng.random() < churn:
                client.state = ClientStatus.LOST
        elif outcome != Outcome.NO_ANSWER and client.state == ClientStatus.LOST:
            client.state = ClientStatus.ACTIVE if client.ever_agreed else ClientStatus.LEAD  # back in talks
        if outcome in NOTES and rng.random() < 0.12:
            item.note = rng.choice(NOTES[outcome])

    def reasons(self, manager: _Manager) -> None:
        """Each refusal's reason, in the manager's exact proportions; "has a supplier" goes to the
        refusals of clients locked in with one first, so that it is a clue to them."""
        refused = [c for c in self.contacts if c.manager is manager and c.outcome == Outcome.REFUSED]
        deck = _apportion(self.rng, len(refused), manager.reasons)
        locked = [c for c in refused if c.client.locked_in]
        supplier = self.signal.sample(locked, min(len(locked), deck.count("has_supplier")))
        for item in supplier:
            item.reason = "has_supplier"
            deck.remove("has_supplier")
        for item, code in zip([c for c in refused if c.reason is None], deck):
            item.reason = code
        for item in refused:
            if item.reason == "other" or self.rng.random() < 0.15:
                item.note = self.rng.choice(REFUSAL_NOTES[item.reason])

    # plans ------------------------------------------------------------------------

    def chain(self, manager: _Manager, today: date) -> None:
        """Plans and next steps: a planned contact was set as the next step of the client's
        contact before it, at the moment that one was logged; a few plans were left hanging or
        cancelled."""
        rng = self.rng
        for client in manager.clients:
            previous = None
            for item in client.contacts:
                if item.kind == Kind.GREETING:
                    continue  # a greeting neither closes nor makes a plan
                if item.was_planned:
                    item.planned_at = item.plan_at
                    if (previous is not None and previous.next_step is None and previous.logged is not None
                            and previous.logged < item.planned_at - timedelta(minutes=30) and rng.random() < 0.85):
                        previous.next_step = item
                        item.created_at = previous.logged
                    else:
                        earliest = previous.logged if previous is not None and previous.logged else client.created_at
                        latest = min(item.planned_at, self.now) - timedelta(hours=1)
                        moment = max(earliest, latest - timedelta(days=rng.uniform(0.5, 6)))
                        item.created_at = min(moment, latest) if latest > earliest else earliest
                else:
                    item.created_at = item.logged
                previous = item
            for item in client.contacts:
                if item.created_at is None:  # greetings
                    item.created_at = item.logged
        self.hanging(manager, today)

    def hanging(self, manager: _Manager, today: date) -> None:
        """A few next steps that fell due before today and have no result yet, and a few cancelled."""
        rng = self.rng
        start_today = self.local(today, 0, manager.tz)
        candidates = []
        for client in manager.clients:
            done = [c for c in client.contacts if c.kind != Kind.GREETING and c.status == Status.DONE]
            if not done or client.open_plan or client.state == ClientStatus.LOST:
                continue
            last = done[-1]
            if last.next_step is None and timedelta(days=3) < start_today - last.at < timedelta(days=45):
                candidates.append((client, last))
        hanging = min(len(candidates), 2 + _poisson(rng, 3))
        for client, last in rng.sample(candidates, hanging):
            day = last.day + timedelta(days=rng.randrange(1, 8))
            while not self.calendar.is_workday(day):
                day += timedelta(days=1)
            plan_at = self.local(day, rng.choice((10, 11, 14, 15)) * 60, manager.tz)
            if plan_at >= start_today:
                continue
            kind = Kind.CALL if last.outcome in (Outcome.REFUSED, Outcome.THINKING) else last.kind
            plan = _Contact(manager, kind, plan_at, day, plan_at, status=Status.PLANNED, client=client,
                            planned_at=plan_at, created_at=last.logged)
            last.next_step = plan
            client.open_plan = True
            self.record(plan)
        # cancelled plans: a next step that did not happen, the client came back later
        gaps = []
        for client in manager.clients:
            done = [c for c in client.contacts if c.kind != Kind.GREETING and c.status == Status.DONE]
            gaps += [(a, b) for a, b in zip(done, done[1:]) if a.next_step is None and b.at - a.at > timedelta(days=14)]
        for a, _b in rng.sample(gaps, min(len(gaps), 1 + _poisson(rng, 3))):
            day = a.day + timedelta(days=rng.randrange(3, 8))
            while not self.calendar.is_workday(day):
                day += timedelta(days=1)
            plan_at = self.local(day, rng.choice((10, 11, 14, 16)) * 60, manager.tz)
            plan = _Contact(manager, a.kind, plan_at, day, plan_at, status=Status.CANCELLED, client=a.client,
                            planned_at=plan_at, created_at=a.logged)
            a.next_step = plan
            self.record(plan)

    # everything ---------------------------------------------------------------------

    def build(self) -> Company:
        teams, users, managers, heads = self.people()
        client_rows, person_rows = [], []
        for manager in managers:
            zone = ZoneInfo(manager.tz)
            today = self.now.astimezone(zone).date()
            days = [self.start + timedelta(days=n) for n in range((today - self.start).days + 1)]
            days = [d for d in days if self.calendar.is_workday(d)]
            ahead = []
            day = today
            while len(ahead) < len(AHEAD) - 1:
                day += timedelta(days=1)
                if self.calendar.is_workday(day):
                    ahead.append(day)
            rows, persons = self.clients(manager, [d for d in days if d < today] or days)
            client_rows += rows
            person_rows += persons
            contacts = self.schedule(manager, [d for d in days if d <= today], ahead, today)
            contacts += self.greetings(manager, days, today)
            self.plant_agreements(manager, contacts)
            self.assign(manager, contacts)
            self.reasons(manager)
            self.chain(manager, today)
        return self.finish(teams, users, managers, heads, client_rows, person_rows)

    def finish(self, teams, users, managers, heads, client_rows, person_rows) -> Company:
        rng = self.rng
        clients = {c.id: c for m in managers for c in m.clients}
        for row in client_rows:
            client = clients[row["id"]]
            first = min((c.created_at for c in client.contacts), default=None)
            if first is not None and first < row["created_at"]:
                row["created_at"] = first - timedelta(minutes=rng.randrange(5, 240))
            row["status"] = client.state
            prefixes, sole = row.pop("prefixes"), row.pop("sole")
            # a lead met lately may not have told its INN yet
            missing = 0.3 if client.state == ClientStatus.LEAD else 0.03
            row["inn"] = None if rng.random() < missing else self.inn(prefixes, personal=sole)
        # ids follow time, as in a base that grew; rows go in latest first, so a next step exists
        # before the contact that points at it
        self.contacts.sort(key=lambda c: (c.created_at, c.at))
        for item in self.contacts:
            item.id = self.next_id("interactions")
        rows = [self.interaction_row(c) for c in sorted(self.contacts, key=lambda c: (c.at, c.id), reverse=True)]
        done = [c for c in self.contacts if c.status == Status.DONE]
        planned = [c for c in self.contacts if c.status == Status.PLANNED]
        counts = {
            "teams": len(teams), "heads": len(heads), "managers": len(managers), "clients": len(client_rows),
            "contact_persons": len(person_rows), "contacts": len(self.contacts), "done": len(done),
            "planned_ahead": sum(c.planned_at > self.now for c in planned),
            "planned_overdue": sum(c.planned_at <= self.now for c in planned),
            "cancelled": sum(c.status == Status.CANCELLED for c in self.contacts),
            "agreed": sum(c.outcome == Outcome.AGREED for c in done),
            "amount_minor": sum(c.amount or 0 for c in done),
        }
        by_pattern = {m.pattern: m.id for m in managers if m.pattern}
        facts = DemoFacts(
            now=self.now, seed=self.seed, start=self.start, team_ids=tuple(t["id"] for t in teams),
            head_ids=tuple(heads), manager_ids=tuple(m.id for m in managers),
            names={u["id"]: u["full_name"] for u in users}, tg_ids={u["id"]: u["tg_id"] for u in users},
            budget_refuser=by_pattern["budget"], uninterested_refuser=by_pattern["not_interested"],
            phoner=by_pattern["phoner"], night_logger=by_pattern["night_logger"], trained=by_pattern["trained"],
            training_date=self.training, star=by_pattern["star"], counts=counts,
        )
        return Company(teams, users, client_rows, person_rows, rows, facts)

    def interaction_row(self, item: _Contact) -> dict:
        done = item.status == Status.DONE
        return {
            "id": item.id, "client_id": item.client.id, "contact_person_id": item.person.id if item.person else None,
            "manager_id": item.manager.id, "kind": item.kind, "status": item.status,
            "planned_at": item.planned_at,
            "happened_at": item.at if done else None, "logged_at": item.logged if done else None,
            "outcome": item.outcome, "refusal_reason_id": self.reason_ids[item.reason] if item.reason else None,
            "amount_minor": item.amount, "note": item.note,
            "next_step_id": item.next_step.id if item.next_step else None, "created_at": item.created_at,
        }


def build(
    now: datetime,
    *,
    managers: int = 12,
    months: int = 18,
    seed: int = 1,
    reasons: dict[str, int],
    first_ids: dict[str, int],
    calendar: WorkCalendar,
    taken_inns: set[str] = frozenset(),
    taken_teams: set[str] = frozenset(),
) -> Company:
    """The demo company as rows, from the seed and a clock alone (nothing read or written).

    `reasons`: refusal reason code -> id; `first_ids`: table name -> the first id to hand out."""
    if managers < MIN_MANAGERS:
        raise ValueError(f"at least {MIN_MANAGERS} managers: six carry a pattern, the rest are the yardstick")
    if months < 1:
        raise ValueError("at least one month of history")
    return _Builder(
        random.Random(seed), now, managers=managers, months=months, seed=seed, reasons=reasons, first_ids=first_ids,
        calendar=calendar, taken_inns=taken_inns, taken_teams=taken_teams,
    ).build()
