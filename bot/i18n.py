"""gettext catalogs (msgids are English; `ru` is the full translation) and the locale middleware."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aiogram.types import TelegramObject, User as TgUser
from aiogram.utils.i18n import I18n, I18nMiddleware
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.settings import LANGUAGES

LOCALES = Path(__file__).with_name("locales")
DOMAIN = "messages"


def cache_dir() -> Path:
    """Where compiled catalogs go: the user's cache (the package may be installed read-only),
    else the temporary directory."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ladon" / "locales"
    try:
        base.mkdir(parents=True, exist_ok=True)
        probe = base / ".writable"
        probe.touch()
        return base
    except OSError:
        return Path(tempfile.gettempdir()) / f"ladon-locales-{os.getuid() if hasattr(os, 'getuid') else 'user'}"


def compile_catalogs(source: Path = LOCALES, target: Path | None = None) -> Path:
    """Build .mo files from the committed .po sources into `target` (the cache by default) when
    they are missing or older; the source directory is only read. Returns `target`."""
    sources = sorted(source.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    if target is None:
        # one folder per catalogs' content: checkouts sharing the cache never use each other's
        digest = hashlib.sha256(b"".join(po.read_bytes() for po in sources)).hexdigest()[:16]
        target = cache_dir() / digest
    for po in sources:
        mo = target / po.relative_to(source).with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        mo.parent.mkdir(parents=True, exist_ok=True)
        with po.open("rb") as src:
            catalog = read_po(src, locale=po.parent.parent.name)
        tmp = mo.with_name(f"{mo.name}.{os.getpid()}.tmp")  # two processes starting at once
        with tmp.open("wb") as out:
            write_mo(out, catalog)
        tmp.replace(mo)
    return target


def create_i18n(default_locale: str) -> I18n:
    return I18n(path=compile_catalogs(), default_locale=default_locale, domain=DOMAIN)


def N_(text: str) -> str:
    """Marks a msgid for extraction; translated later, per locale."""
    return text


def pick_language(code: str | None, default: str) -> str:
    """Telegram's language_code ("ru", "en-US", ...) to one of ours."""
    if code:
        base = code.split("-")[0].lower()
        if base in LANGUAGES:
            return base
    return default


def locale_for(data: Mapping[str, Any], default: str) -> str:
    """An update's language: the stored user's, else the stranger's Telegram language."""
    user = data.get("user")
    if user is not None:
        return user.language
    tg_user: TgUser | None = data.get("event_from_user")
    return pick_language(tg_user.language_code if tg_user else None, default)


class LocaleMiddleware(I18nMiddleware):
    """The stored user's language wins; strangers get their Telegram language."""

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        # kept as a plain string too: a failed step's apology must not depend on its session
        locale = data["locale"] = locale_for(data, self.i18n.default_locale)
        return locale
