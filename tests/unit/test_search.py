from db.repositories.clients import name_key, rank

CLIENTS = [
    (1, "ООО «Ромашка»", name_key("ООО «Ромашка»")),
    (2, "Ёлки-Палки", name_key("Ёлки-Палки")),
    (3, "Stroy Invest", name_key("Stroy Invest")),
    (4, "Ромашка-Опт", name_key("Ромашка-Опт")),
    (5, "Вектор", name_key("Вектор")),
]


def ids(query: str) -> list[int]:
    return [m.client_id for m in rank(query, CLIENTS)]


def test_case_insensitive_cyrillic_and_yo() -> None:
    assert set(ids("РОМАШ")) == {1, 4}
    assert ids("елки") == [2]
    assert ids("stroy") == [3]


def test_word_prefix_ranks_first() -> None:
    assert ids("ромашка")[0] == 4  # "Ромашка-Опт" starts with it; "ООО «Ромашка»" has it later


def test_typos_are_tolerated() -> None:
    assert 1 in ids("рамашка")
    assert 5 in ids("вектар")


def test_one_letter_finds_nothing() -> None:
    assert ids("р") == []


def test_the_closest_name_comes_first_among_typos() -> None:
    names = ["Северный ветер", "Ветеринарная клиника", "ООО Вектор-М", "Вектор"]
    clients = [(i, n, name_key(n)) for i, n in enumerate(names)]
    found = [m.name for m in rank("вектр", clients)]
    assert found[:2] == ["Вектор", "ООО Вектор-М"]  # a whole word one letter off beats a partial look-alike
    assert found.index("ООО Вектор-М") < found.index("Северный ветер")
