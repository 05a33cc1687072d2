"""A client base from an XLSX or CSV file, read and planned without Telegram or queries.

`read` turns the file's bytes into rows checked as a person's typing is (INN check digits, phones
by libphonenumber, e-mails, birthdays), with every refused row named by its number and reason.
`plan` matches those rows against the clients the company has (by INN, then by normalised name)
and says what importing does: clients created (each with its manager), existing ones updated,
duplicates skipped. The repository applies a plan in one transaction.

A CSV comes as Russian Excel writes it (Windows-1251, ";") or as UTF-8 with or without a BOM, ","
or ";" (or UTF-16 with tabs, Excel's "Unicode text"). Cells are values, never formulas: a name
"=1+2" is those characters.
"""

from __future__ import annotations

import csv
import io
import re
from collections import OrderedDict
from time import monotonic as time_monotonic
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time

from phonenumbers import PhoneMetadata
from rapidfuzz import fuzz, process

from db.repositories.clients import NAME_MAX, name_key
from db.repositories.imports import ClientRow, PersonRow
from handlers.parsing import ParseError, parse_birthday, parse_email, parse_inn, parse_phone, plain_digits

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
MAX_COLUMNS = 60
HEADER_ROWS = 10  # rows searched for the header row
PROGRESS_EVERY = 1000  # rows between progress reports
EXTENSIONS = (".xlsx", ".xlsm", ".csv", ".txt", ".tsv", ".xls")  # taken as a base to import (.xls to be told why not)

# a field and the most characters it keeps (the columns' sizes)
LIMITS = {"name": NAME_MAX, "inn": 40, "industry": 100, "city": 100, "address": 300, "manager": 200,
          "person": 200, "position": 100, "phone": 40, "email": 254, "birthday": 40, "notes": 2000}
FIELDS = tuple(LIMITS)

# headers as people write them, folded by _header_key
_HEADERS = {
    "name": ("наименование", "название", "клиент", "компания", "организация", "контрагент", "наименование клиента",
             "название компании", "наименование организации", "название организации", "наименование компании",
             "название клиента", "юрлицо", "юридическое лицо", "name", "client", "company", "company name",
             "client name", "organization", "organisation", "account", "account name"),
    "inn": ("инн", "инн клиента", "инн организации", "инн компании", "inn", "tax id", "taxpayer id", "tin"),
    "industry": ("отрасль", "сфера", "сфера деятельности", "вид деятельности", "направление", "сегмент",
                 "industry", "sector", "segment"),
    "city": ("город", "населенный пункт", "нас пункт", "city", "town"),
    "address": ("адрес", "фактический адрес", "адрес офиса", "юридический адрес", "address", "office address"),
    "manager": ("менеджер", "ответственный", "ответственный менеджер", "ответственный сотрудник", "менеджер клиента",
                "сотрудник", "manager", "owner", "account manager", "responsible", "sales rep", "salesperson"),
    "person": ("контактное лицо", "контакт", "фио", "фио контакта", "фио контактного лица", "контактное лицо фио",
               "contact", "contact person", "contact name", "full name"),
    "position": ("должность", "должность контакта", "position", "job title", "title", "role"),
    "phone": ("телефон", "тел", "телефон контакта", "контактный телефон", "мобильный", "мобильный телефон", "phone",
              "telephone", "phone number", "mobile", "tel"),
    "email": ("email", "e mail", "почта", "электронная почта", "эл почта", "емейл", "имейл", "mail", "email address"),
    "birthday": ("день рождения", "дата рождения", "др", "birthday", "date of birth", "birth date", "dob"),
    "notes": ("примечание", "примечания", "комментарий", "комментарии", "заметки", "заметка", "описание", "notes",
              "note", "comment", "comments", "description"),
}
_FIELD_OF = {header: name for name, headers in _HEADERS.items() for header in headers}
_NOT_LETTERS = re.compile(r"[^\w]+|_")
_SPACES = re.compile(r"[ \t\u00a0\u202f]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TEXT_FIELDS = ("name", "industry", "city", "address", "manager", "person", "position")


class FileRefused(ValueError):
    """The whole file is refused; `code` says why: type, xls, size, corrupt, encoding, empty,
    no_name, too_many."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True, slots=True)
class Refusal:
    row: int  # as the file numbers it (Excel's row number; a CSV's record, the header being 1)
    code: str  # no_name, long, inn, phone, email, birthday, lonely_birthday, no_manager, who, ambiguous
    value: str  # what was read (for long: the column's header)
    more: tuple[tuple[str, str], ...] = ()  # the row's other problems (code, value): all are told at once

    @property
    def problems(self) -> tuple[tuple[str, str], ...]:
        return ((self.code, self.value), *self.more)


@dataclass(frozen=True, slots=True)
class Row:
    number: int
    name: str
    key: str
    inn: str | None = None
    industry: str | None = None
    city: str | None = None
    address: str | None = None
    manager: str | None = None
    person: str | None = None
    position: str | None = None
    phone: str | None = None
    email: str | None = None
    birthday: date | None = None
    notes: str | None = None


@dataclass
class Sheet:
    kind: str  # xlsx | csv
    columns: dict[str, str]  # field -> its header in the file
    ignored: list[str]  # headers not recognised
    rows: list[Row] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    read: int = 0  # data rows that were not empty


def _header_key(value: object) -> str:
    text = name_key(_text(value))
    return _SPACES.sub(" ", _NOT_LETTERS.sub(" ", text)).strip()


def field_of(header: object) -> str | None:
    """The field a header names: as written ("ИНН", "E-mail"), or starting with one ("Телефон моб.")."""
    key = _header_key(header)
    if not key:
        return None
    if key in _FIELD_OF:
        return _FIELD_OF[key]
    words = key.split(" ")
    for size in range(len(words) - 1, 0, -1):
        found = _FIELD_OF.get(" ".join(words[:size]))
        if found:
            return found
    return None


def _text(value: object) -> str:
    """A cell as text: whole numbers without ".0", dates as ISO dates, everything else as written."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# ---- the file as rows of cells -------------------------------------------------------------------

def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[object]]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken or foreign file
        raise FileRefused("corrupt") from exc
    try:
        sheets = book.worksheets
        # the first sheet whose first rows hold a name column (most files have one sheet)
        chosen = sheets[0] if sheets else None
        for sheet in sheets:
            head = sheet.iter_rows(max_row=HEADER_ROWS, max_col=MAX_COLUMNS, values_only=True)
            if any(field_of(v) == "name" for values in head for v in values):
                chosen = sheet
                break
        if chosen is None:
            raise FileRefused("empty")
        for number, values in enumerate(chosen.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1):
            yield number, list(values)
    except FileRefused:
        raise
    except Exception as exc:  # a sheet's XML broken past its first rows
        raise FileRefused("corrupt") from exc
    finally:
        book.close()


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding): a BOM says; else UTF-8 if it is valid UTF-8, else Windows-1251."""
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError:
                raise FileRefused("encoding") from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1251"), "cp1251"
    except UnicodeDecodeError:
        raise FileRefused("encoding") from None


def delimiter(line: str) -> str:
    """The separator of a CSV's header line: the most frequent of ; , and tab outside quotes."""
    outside = re.sub(r'"[^"]*"', "", line)
    counts = {d: outside.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[object]]]:
    text, _encoding = decode(data)
    if "\x00" in text:
        raise FileRefused("corrupt")
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    sep = None
    if re.fullmatch(r'"?sep=(.)"?', first.strip()):  # Excel's hint line: "sep=;"
        sep = first.strip().strip('"')[4]
        text = text.split("\n", 1)[1] if "\n" in text else ""
        first = next((line for line in text.splitlines() if line.strip()), "")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep or delimiter(first))
    try:
        for number, values in enumerate(reader, start=1):
            yield number, values[:MAX_COLUMNS]
    except csv.Error as exc:  # a field past the csv module's size limit, a NUL
        raise FileRefused("corrupt") from exc


def looks_like_a_base(file_name: str | None) -> bool:
    """A file an admin sends to import (by its name): others are not this flow's business."""
    return (file_name or "").lower().endswith(EXTENSIONS)


def kind_of(data: bytes, file_name: str) -> str:
    """xlsx or csv, by the name and by the bytes; FileRefused for anything else."""
    name = file_name.lower()
    if data.startswith(b"\xd0\xcf\x11\xe0") or name.endswith(".xls"):
        raise FileRefused("xls")  # Excel 97-2003: openpyxl cannot read it
    if name.endswith((".xlsx", ".xlsm")):
        if not zipfile.is_zipfile(io.BytesIO(data)):
            raise FileRefused("corrupt")
        return "xlsx"
    if name.endswith((".csv", ".txt", ".tsv")):
        if data.startswith(b"PK\x03\x04"):
            raise FileRefused("corrupt")
        return "csv"
    raise FileRefused("type")


# ---- rows checked ----------------------------------------------------------------------------------

def _clean(value: str, *, lines: bool = False) -> str:
    if value.isprintable() and "  " not in value and value == value.strip():
        return value  # most cells: nothing to fold (the regexes below cost more than the check)
    value = _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    if lines:
        return "\n".join(_SPACES.sub(" ", line).strip() for line in value.split("\n")).strip()
    return _SPACES.sub(" ", value.replace("\n", " ")).strip()


def _inn(value: object) -> str:
    """An INN from a cell; a number Excel lost the leading zero of (9 or 11 digits) gets it back."""
    text = re.sub(r"[\s\-]", "", plain_digits(_text(value)))
    if text.isascii() and text.isdigit() and len(text) in (9, 11):
        text = "0" + text
    return parse_inn(text)


_RU_MOBILE = re.compile(PhoneMetadata.metadata_for_region("RU").mobile.national_number_pattern)  # type: ignore[union-attr]
_RU_DIGITS = re.compile(r"(?:\+7|8|7)?(\d{10})")


def _phone(text: str) -> str:
    """parse_phone, with a short cut for what most cells hold: a Russian mobile number, taken
    when it matches libphonenumber's own pattern for them (a third of the cost of parsing)."""
    if text.isascii():
        match = _RU_DIGITS.fullmatch(re.sub(r"[\s\-().]", "", text))
        if match and _RU_MOBILE.fullmatch(match[1]):
            return "+7" + match[1]
    return parse_phone(text)


def _birthday(value: object, today: date) -> date:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        if value > today or value.year < 1900:
            raise ParseError(str(value))
        return value
    text = _text(value).strip()
    text = re.sub(r"[ T]0?0:00(:00)?$", "", text)  # a date cell written out with its midnight
    return parse_birthday(text, today)


def _row(number: int, cells: dict[str, object], headers: dict[str, str], today: date,
         unnamed: str) -> Row | Refusal:
    """A row checked whole: a refused one names every problem it has, so one upload tells them all."""
    problems: list[tuple[str, str]] = []
    texts: dict[str, str] = {}
    long: set[str] = set()
    for name, value in cells.items():
        text = _clean(_text(value), lines=name == "notes") if name != "birthday" else _text(value).strip()
        if len(text) > LIMITS[name]:
            problems.append(("long", headers[name]))
            long.add(name)
            continue
        texts[name] = text
    client = texts.get("name", "")
    if not client and "name" not in long:
        problems.append(("no_name", ""))
    found: dict[str, object] = {}
    for name, parse, code in (("inn", lambda: _inn(cells["inn"]), "inn"),
                              ("phone", lambda: _phone(texts["phone"]), "phone"),
                              ("email", lambda: parse_email(texts["email"]), "email"),
                              ("birthday", lambda: _birthday(cells["birthday"], today), "birthday")):
        if texts.get(name):
            try:
                found[name] = parse()
            except ParseError:
                problems.append((code, texts[name]))
    person = texts.get("person") or None
    if person is None and "person" not in long and found.get("birthday"):
        problems.append(("lonely_birthday", texts["birthday"]))
    if problems:
        (code, value), *more = problems
        return Refusal(number, code, value, tuple(more))
    if person is None and (found.get("phone") or found.get("email") or texts.get("position")):
        person = unnamed  # a phone with no name beside it is still the client's phone
    return Row(
        number=number, name=client, key=match_key(client), inn=found.get("inn"),  # type: ignore[arg-type]
        industry=texts.get("industry") or None, city=texts.get("city") or None,
        address=texts.get("address") or None, manager=texts.get("manager") or None, person=person,
        position=texts.get("position") or None if person else None, phone=found.get("phone"),  # type: ignore[arg-type]
        email=found.get("email"), birthday=found.get("birthday"),  # type: ignore[arg-type]
        notes=texts.get("notes") or None,
    )


def read(data: bytes, file_name: str, today: date, *, unnamed: str = "—",
         progress: Callable[[int], None] | None = None) -> Sheet:
    """The file's rows under its header row (found among the first ten: the first with a name
    column). `unnamed`: the contact person's name for a phone or e-mail given without one.
    Raises FileRefused for a file that cannot be imported at all."""
    if len(data) > MAX_BYTES:
        raise FileRefused("size")
    kind = kind_of(data, file_name)
    rows = _xlsx_rows(data) if kind == "xlsx" else _csv_rows(data)
    sheet: Sheet | None = None
    columns: dict[int, str] = {}
    for number, values in rows:
        if sheet is None:
            fields = [field_of(v) for v in values]
            if "name" not in fields:
                if number >= HEADER_ROWS:
                    break
                continue
            headers: dict[str, str] = {}
            ignored: list[str] = []
            for index, (value, name) in enumerate(zip(values, fields)):
                label = _clean(_text(value))[:60]
                if name is None or name in headers:  # a second "Телефон" column: the first one counts
                    if label:
                        ignored.append(label)
                    continue
                columns[index] = name
                headers[name] = label
            sheet = Sheet(kind, headers, ignored)
            continue
        cells = {name: values[i] for i, name in columns.items() if i < len(values)}
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells.values()):
            continue
        sheet.read += 1
        if sheet.read > MAX_ROWS:
            raise FileRefused("too_many")
        checked = _row(number, cells, sheet.columns, today, unnamed)
        (sheet.refused if isinstance(checked, Refusal) else sheet.rows).append(checked)  # type: ignore[arg-type]
        if progress is not None and sheet.read % PROGRESS_EVERY == 0:
            progress(sheet.read)
    if sheet is None:
        raise FileRefused("no_name")
    if not sheet.read:
        raise FileRefused("empty")
    return sheet


class RecentSheets:
    """Files read for a preview, kept for its import so that it reads nothing twice: the newest
    two, for half an hour (20,000 full rows take some 25 MB). A restart forgets them: the import
    then downloads and reads the file again, and gets the same rows."""

    def __init__(self, size: int = 2, ttl: float = 1800.0, clock: Callable[[], float] = time_monotonic):
        self.size, self.ttl, self.clock = size, ttl, clock
        self._kept: OrderedDict[tuple, tuple[float, Sheet]] = OrderedDict()

    def put(self, key: tuple, sheet: Sheet) -> None:
        self._kept.pop(key, None)
        self._kept[key] = (self.clock(), sheet)
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)

    def get(self, key: tuple) -> Sheet | None:
        kept = self._kept.get(key)
        if kept is None or self.clock() - kept[0] > self.ttl:
            self._kept.pop(key, None)
            return None
        return kept[1]


# ---- managers named in rows --------------------------------------------------------------------------

@dataclass(frozen=True)
class Person:
    """Someone who can be given clients: an active user."""

    id: int
    name: str
    username: str | None = None


_LEGAL = re.compile(r"^(?:(?:ооо|оао|зао|пао|ао|нао|ип|чп|нко|ано|гуп|муп|фгуп|llc|ltd|inc|jsc|gmbh)\b\s*)+"
                    r"|(?:\s*\b(?:ооо|оао|зао|пао|ао|ип|llc|ltd|inc|jsc|gmbh))+$")


def match_key(name: str) -> str:
    """The name as duplicates are found by: `name_key` without a legal form before or after it
    ("ООО «Ромашка»" and "Ромашка" are one client unless their INNs differ)."""
    key = name_key(name).replace(",", " ").strip()
    bare = _LEGAL.sub("", key).strip(" .,-")
    return re.sub(r"\s+", " ", bare) or key


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[\s.,]+", name_key(text)) if w]


class Managers:
    """Finds the user a row names: by @username, by full name in any word order (a patronymic too),
    by surname and initials ("Иванов И.И."), or by a name with a typo when only one fits."""

    def __init__(self, people: Iterable[Person]):
        self.people = list(people)
        self._usernames = {p.username.casefold(): p.id for p in self.people if p.username}
        self._words = {p.id: _words(p.name) for p in self.people}
        self._keys = {p.id: " ".join(sorted(words)) for p, words in zip(self.people, self._words.values())}
        self._cache: dict[str, int | str] = {}

    def find(self, text: str) -> int | str:
        """A user id, or "who" (nobody fits) or "ambiguous" (several do)."""
        if text not in self._cache:
            self._cache[text] = self._find(text)
        return self._cache[text]

    def _find(self, text: str) -> int | str:
        handle = text.strip().lstrip("@").casefold()
        if handle in self._usernames:
            return self._usernames[handle]
        words = _words(text)
        if not words:
            return "who"
        full = [w for w in words if len(w) > 1]
        initials = [w for w in words if len(w) == 1]
        tiers = [
            # the same words, in any order
            lambda ws: sorted(ws) == sorted(words),
            # all of the user's words in the cell (the cell adds a patronymic), at least two
            lambda ws: len(ws) >= 2 and set(ws) <= set(words),
            # surname (and first name) in full, the rest as initials
            lambda ws: bool(initials) and bool(full) and set(full) <= set(ws)
            and {w[0] for w in ws if w not in full} >= {initials[0]},
        ]
        for fits in tiers:
            hits = [pid for pid, ws in self._words.items() if ws and fits(ws)]
            if len(hits) == 1:
                return hits[0]
            if len(hits) > 1:
                return "ambiguous"
        key = " ".join(sorted(words))
        close = process.extract(key, self._keys, scorer=fuzz.token_sort_ratio, score_cutoff=88, limit=2)
        if len(close) == 1 or (len(close) == 2 and close[0][1] - close[1][1] >= 8):
            return close[0][2]
        return "ambiguous" if close else "who"


# ---- what importing does ------------------------------------------------------------------------------

@dataclass
class NewPerson:
    name: str
    position: str | None = None
    phone: str | None = None
    email: str | None = None
    birthday: date | None = None


PERSON_FIELDS = ("position", "phone", "email", "birthday")
CLIENT_FIELDS = ("inn", "industry", "city", "address", "notes")
NOTES_MAX = LIMITS["notes"]


@dataclass
class Target:
    """A client the import writes to: one it creates (`id` None) or one that exists."""

    row: int  # the first row that names it
    id: int | None
    name: str
    key: str
    values: dict[str, object]  # the client's fields as the import leaves them
    owner_id: int | None = None
    changed: dict[str, object] = field(default_factory=dict)  # of an existing client
    persons: dict[str, NewPerson | PersonRow] = field(default_factory=dict)  # by name key
    new_persons: list[NewPerson] = field(default_factory=list)
    fills: dict[int, dict[str, object]] = field(default_factory=dict)  # existing person id -> fields


@dataclass
class Plan:
    create: list[Target] = field(default_factory=list)
    update: list[Target] = field(default_factory=list)
    updated: int = 0  # rows that change an existing client
    skipped: int = 0  # rows that match a client (existing or of an earlier row) and add nothing
    merged: int = 0  # rows that add to the client of an earlier row
    refused: list[Refusal] = field(default_factory=list)
    people: int = 0  # contact persons added

    @property
    def changes(self) -> bool:
        return bool(self.create or self.update)


def _merge(target: Target, row: Row, *, replace: bool) -> bool:
    """Row's values into the target: empty fields filled (`replace`: different ones replaced too),
    a note appended, a new contact person added or an existing one completed. Whether it changed."""
    changed = False
    for name in CLIENT_FIELDS:
        value = getattr(row, name)
        current = target.values.get(name)
        if value is None or value == current:
            continue
        if name == "notes":
            if current and value in str(current):
                continue
            value = f"{current}\n{value}" if current else value
            if len(value) > NOTES_MAX:
                continue
        elif current is not None and (not replace or name == "inn"):
            continue
        target.values[name] = value
        if target.id is not None:
            target.changed[name] = value
        changed = True
    if row.person:
        pkey = name_key(row.person)
        person = target.persons.get(pkey)
        if person is None:
            person = NewPerson(row.person, row.position, row.phone, row.email, row.birthday)
            target.persons[pkey] = person
            target.new_persons.append(person)
            return True
        for name in PERSON_FIELDS:
            value = getattr(row, name)
            if value is None or getattr(person, name) is not None:
                continue
            if isinstance(person, PersonRow):
                fills = target.fills.setdefault(person.id, {})
                if name in fills:
                    continue
                fills[name] = value
            else:
                setattr(person, name, value)
            changed = True
    return changed


def plan(sheet: Sheet, existing: Iterable[ClientRow], persons: Iterable[PersonRow], managers: Managers,
         chosen: int | None = None) -> Plan:
    """What importing the sheet does. A row is matched to a client by INN, else by its normalised
    name (not to one with another INN: that is another company); matched, it fills the client's
    empty fields and replaces different ones (industry, city, address; the name and the manager
    stay), appends its note and adds its contact person. Unmatched, it creates a client for the
    manager it names, or for `chosen` when an admin picked one for all rows."""
    result = Plan(refused=list(sheet.refused))
    by_inn: dict[str, Target] = {}
    by_key: dict[str, list[Target]] = {}
    targets: dict[int, Target] = {}
    for client in existing:
        key = match_key(client.name)
        target = Target(0, client.id, client.name, key, {
            "inn": client.inn, "industry": client.industry, "city": client.city, "address": client.address,
            "notes": client.notes})
        targets[client.id] = target
        if client.inn:
            by_inn.setdefault(client.inn, target)
        by_key.setdefault(key, []).append(target)
    for person in persons:
        target = targets.get(person.client_id)
        if target is not None:
            target.persons.setdefault(name_key(person.name), person)
    touched: dict[int, Target] = {}
    for row in sheet.rows:
        target = by_inn.get(row.inn) if row.inn else None
        if target is None:
            target = next((t for t in by_key.get(row.key, ()) if not row.inn or not t.values.get("inn")), None)
        if target is not None:
            had_inn = target.values.get("inn")
            changed = _merge(target, row, replace=target.id is not None)
            if target.values.get("inn") and not had_inn:
                by_inn.setdefault(target.values["inn"], target)  # type: ignore[index]
            if not changed:
                result.skipped += 1
            elif target.id is None:
                result.merged += 1
            else:
                result.updated += 1
                touched[target.id] = target
            continue
        owner = chosen
        if owner is None:
            if not row.manager:
                result.refused.append(Refusal(row.number, "no_manager", ""))
                continue
            found = managers.find(row.manager)
            if isinstance(found, str):
                result.refused.append(Refusal(row.number, found, row.manager))
                continue
            owner = found
        target = Target(row.number, None, row.name, row.key, {}, owner_id=owner)
        _merge(target, row, replace=False)
        result.create.append(target)
        if row.inn:
            by_inn[row.inn] = target
        by_key.setdefault(row.key, []).append(target)
    result.update = list(touched.values())
    result.refused.sort(key=lambda r: r.row)
    result.people = sum(len(t.new_persons) for t in result.create) + sum(len(t.new_persons) for t in result.update)
    return result
