"""Developer tool for the gettext catalogs.

    python -m bot.catalog          extract the msgids from the code and update every locale's .po
    python -m bot.catalog check    list msgids without a (non-fuzzy) Russian translation; exit 1 if any

Msgids are the English strings in `_("...")`, `__("...")` and `N_("...")` calls.
"""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from bot.i18n import DOMAIN, LOCALES

ROOT = LOCALES.resolve().parent.parent
SOURCES = ("bot", "handlers", "reports")
SKIP = ("bot/emulator",)
KEYWORDS = {"_": None, "__": None, "N_": None, "ngettext": (1, 2)}
REFERENCE = "ru"


def _wanted(directory: str) -> bool:
    path = Path(directory)
    return not path.name.startswith((".", "_")) and path.relative_to(ROOT).as_posix() not in SKIP


def extract() -> Catalog:
    """A template catalog of every msgid in the code, with its locations relative to the project root."""
    template = Catalog(project="Ladon", domain=DOMAIN)
    for source in SOURCES:
        base = ROOT / source
        if not base.is_dir():
            continue
        for filename, lineno, message, comments, context in extract_from_dir(
            base, [("**.py", "python")], keywords=KEYWORDS, comment_tags=("TRANSLATORS:",),
            strip_comment_tags=True, directory_filter=_wanted,
        ):
            template.add(message, None, [(f"{source}/{filename}", lineno)], auto_comments=comments, context=context)
    return template


def _version() -> str:
    try:
        return metadata.version("ladon")
    except metadata.PackageNotFoundError:
        return "dev"


def po_path(locale: str, path: Path = LOCALES) -> Path:
    return path / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def read(locale: str, path: Path = LOCALES) -> Catalog:
    po = po_path(locale, path)
    if not po.exists():
        return Catalog(locale=locale, project="Ladon", domain=DOMAIN)
    with po.open("rb") as src:
        return read_po(src, locale=locale, domain=DOMAIN)


def write(catalog: Catalog, path: Path = LOCALES) -> None:
    with po_path(str(catalog.locale), path).open("wb") as out:
        write_po(out, catalog, width=0, sort_by_file=True, include_lineno=False, ignore_obsolete=True, include_previous=True)


def update(path: Path = LOCALES) -> dict[str, int]:
    """Bring every locale's .po in line with the code: keep translations, add new msgids, drop removed ones."""
    template = extract()
    counts = {}
    for po in sorted(path.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        locale = po.parent.parent.name
        catalog = read(locale, path)
        catalog.update(template, update_creation_date=False)
        for message in catalog:
            if not message.fuzzy:
                message.previous_id = []  # the "#|" hint only helps a translator with a fuzzy entry
        catalog.project, catalog.version = "Ladon", _version()
        write(catalog, path)
        counts[locale] = len(catalog)
    return counts


def problems(locale: str = REFERENCE, path: Path = LOCALES) -> list[str]:
    """Msgids in the code that the locale's .po lacks, leaves empty or marks fuzzy."""
    catalog = read(locale, path)
    found = []
    for message in extract():
        if not message.id:
            continue
        entry = catalog.get(message.id, message.context)
        if entry is None:
            found.append(f"missing: {message.id!r}")
        elif entry.fuzzy:
            found.append(f"fuzzy: {message.id!r}")
        elif not all(entry.string if isinstance(entry.string, (list, tuple)) else [entry.string]):
            found.append(f"untranslated: {message.id!r}")
    return found


def main(argv: list[str]) -> int:
    if argv[:1] == ["check"]:
        found = problems()
        print("\n".join(found) if found else f"OK: every msgid has a {REFERENCE} translation.")
        return 1 if found else 0
    if argv:
        print(__doc__)
        return 2
    for locale, count in update().items():
        print(f"{locale}: {count} msgids")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
