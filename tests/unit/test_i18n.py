"""The Russian catalog covers every string in the code and keeps its placeholders, tags and menu labels intact."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path
from string import Formatter

import pytest
from aiogram.utils.i18n import I18n

from bot.catalog import extract, problems, read
from bot.i18n import DOMAIN, LOCALES, compile_catalogs
from handlers import labels

TAG = re.compile(r"</?[a-zA-Z][^>]*>")
MENU = {name: value for name, value in vars(labels).items() if name.startswith("MENU_")}


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in Formatter().parse(text) if field is not None}


def translated_pairs() -> list[tuple[str, str]]:
    """(msgid, msgstr) pairs; a plural entry gives one pair per Russian form, against the plural msgid."""
    pairs = []
    for m in read("ru"):
        if not m.id or not m.string:
            continue
        if isinstance(m.id, tuple):
            pairs += [(m.id[1], form) for form in m.string]
        else:
            pairs.append((m.id, m.string))
    return pairs


def test_every_msgid_in_the_code_has_a_russian_translation() -> None:
    assert len(extract()) > 0
    assert problems("ru") == []


@pytest.mark.parametrize(("msgid", "msgstr"), translated_pairs())
def test_translation_keeps_placeholders_and_tags(msgid: str, msgstr: str) -> None:
    assert placeholders(msgstr) == placeholders(msgid)
    assert Counter(TAG.findall(msgstr)) == Counter(TAG.findall(msgid))
    assert msgstr.count("\n") == msgid.count("\n")


def test_main_menu_labels_are_distinct_in_russian(tmp_path: Path) -> None:
    assert len(MENU) >= 5
    i18n = I18n(path=_compiled(tmp_path), default_locale="ru", domain=DOMAIN)
    with i18n.context(), i18n.use_locale("ru"):
        texts = {name: str(value) for name, value in MENU.items()}
    assert len(set(texts.values())) == len(texts), texts
    with i18n.context(), i18n.use_locale("en"):
        english = {name: str(value) for name, value in MENU.items()}
    assert all(texts[name] != english[name] for name in MENU), "a menu label is left in English"
    assert all(texts[name].split()[0] == english[name].split()[0] for name in MENU), "the leading emoji must stay"


def test_catalogs_compile_and_translate(tmp_path: Path) -> None:
    i18n = I18n(path=_compiled(tmp_path), default_locale="ru", domain=DOMAIN)
    assert {"ru", "en"} <= set(i18n.available_locales)
    assert i18n.gettext("📝 Log a contact", locale="ru") == "📝 Записать контакт"
    assert i18n.gettext("📝 Log a contact", locale="en") == "📝 Log a contact"


def _compiled(tmp_path: Path) -> Path:
    source = tmp_path / "package" / "locales"
    shutil.copytree(LOCALES, source, ignore=shutil.ignore_patterns("*.mo", "*.mo.tmp"))
    before = sorted(p.relative_to(source) for p in source.rglob("*"))
    target = compile_catalogs(source, tmp_path / "cache")
    assert sorted(p.parent.parent.name for p in target.glob(f"*/LC_MESSAGES/{DOMAIN}.mo")) == ["en", "ru"]
    # the package's directory is only read: an install on a read-only file system works
    assert sorted(p.relative_to(source) for p in source.rglob("*")) == before
    return target


def test_catalogs_compile_into_the_users_cache(tmp_path: Path, monkeypatch) -> None:
    from bot.i18n import cache_dir, create_i18n

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "ladon" / "locales"
    i18n = create_i18n("ru")
    assert i18n.gettext("📝 Log a contact", locale="ru") == "📝 Записать контакт"
    assert list((tmp_path / "xdg" / "ladon" / "locales").glob(f"*/ru/LC_MESSAGES/{DOMAIN}.mo"))
