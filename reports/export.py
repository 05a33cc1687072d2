"""Report tables as an XLSX workbook: typed cells, safe text, one pure function.

    from reports.export import MONEY, PERCENT, Sheet, xlsx

    data = xlsx([
        Sheet(
            title="Team, March",
            headers=["Manager", "Meetings", "Revenue, ₽", "Conversion", "Last contact"],
            rows=[["Анна", 12, Decimal("150000.00"), 0.25, last_contact_utc]],
            number_formats={2: MONEY, 3: PERCENT},
        ),
    ], tz="Europe/Moscow")
    await message.answer_document(BufferedInputFile(data, "team.xlsx"))

Values are stored as what they are: numbers as numbers, dates as dates, text as text. Text is
never evaluated: a client named "=HYPERLINK(...)" stays those characters in a text cell.
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from itertools import chain, islice
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

Value = str | int | float | Decimal | date | datetime | None

# Built-in Excel formats (ids 14, 22, 4, 3): Excel shows the first two in the reader's regional
# date style and all of them with the reader's separators.
DATE = "mm-dd-yy"
DATETIME = "m/d/yy h:mm"
MONEY = "#,##0.00"
INTEGER = "#,##0"
PERCENT = "0.0%"

CELL_LIMIT = 32_767  # characters (UTF-16 units) in one cell
TITLE_LIMIT = 31
ELLIPSIS = "…"


@dataclass(frozen=True)
class Sheet:
    """One table. `rows` may be a generator (it is read once); every row has len(headers) values.

    `number_formats` maps a 0-based column index to an Excel number format for that column's
    numbers, dates and datetimes; use the constants above. Money goes in as a number with MONEY
    and its currency in the header ("Revenue, ₽"); a percentage goes in as a fraction (0.25) with
    PERCENT. Dates and datetimes without a format get DATE and DATETIME.
    """

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Value]]
    number_formats: Mapping[int, str] = field(default_factory=dict)


def xlsx(sheets: Sequence[Sheet], *, tz: str | None = None) -> bytes:
    """The workbook as the bytes of an .xlsx file, one worksheet per Sheet, in order.

    Datetimes must be timezone-aware (UTC from the database is fine); they are written as naive
    local times in `tz`, because an Excel cell has no zone. A naive datetime raises TypeError: it
    could be UTC or local, and guessing would shift it by the offset without anyone noticing.

    Text: characters XML cannot hold are removed, line breaks become "\\n", text longer than a
    cell holds is cut and ends with "…", an empty string is an empty cell. Text that a spreadsheet
    would read as a formula or an error code ("=", "+", "-", "@", "#N/A", ...) is stored as a text
    cell and also quote-prefixed, so Excel keeps it text even after someone edits the cell.
    NaN and infinities, which Excel cannot store, are written as empty cells.

    Sheet titles are made legal for Excel: forbidden characters replaced, at most 31 characters,
    unique regardless of case. The header row is bold and frozen; column widths follow the
    header and the first rows. Written in openpyxl's write-only mode, so a large table is streamed
    rather than held as cell objects; it still takes seconds for tens of thousands of rows, so a
    handler calls this in a worker thread.
    """
    if not sheets:
        raise ValueError("a workbook needs at least one sheet")
    zone = ZoneInfo(tz) if tz is not None else None
    workbook = Workbook(write_only=True)
    workbook.properties.creator = "Ladon"
    try:
        for sheet, title in zip(sheets, sheet_titles([s.title for s in sheets]), strict=True):
            _write_sheet(workbook, sheet, title, zone)
    except BaseException:
        # Write-only sheets stream into temporary files that only saving closes and removes.
        with suppress(Exception):
            workbook.save(io.BytesIO())
        raise
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# XML 1.0 forbids these, and a lone surrogate cannot be encoded; openpyxl raises on the controls.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# OOXML reads "_xHHHH_" in text as an escaped character; "_x005F" keeps such text literal.
_ESCAPE_LIKE = re.compile("(?=_x[0-9A-Fa-f]{4}_)")
# What spreadsheets take as the start of a formula; the full-width forms too, to be safe.
_FORMULA_START = tuple("=+-@\t\n＝＋－＠")  # "\r" is "\n" by then


def clean_text(text: str, limit: int = CELL_LIMIT) -> str:
    """Text a cell can hold: no XML-illegal characters, "\\n" line breaks, at most `limit`
    UTF-16 units (Excel counts those) with an ellipsis where it was cut."""
    text = _ILLEGAL.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    return _fit(text, limit)


def _fit(text: str, limit: int) -> str:
    if len(text) * 2 <= limit or _units(text) <= limit:
        return text
    budget, used, cut = limit - _units(ELLIPSIS), 0, 0
    while used + _char_units(text[cut]) <= budget:
        used += _char_units(text[cut])
        cut += 1
    return text[:cut] + ELLIPSIS


def _char_units(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


_TITLE_CHARS = str.maketrans({"/": "-", "\\": "-", ":": "-", "[": "(", "]": ")", "*": "", "?": ""})


def sheet_titles(titles: Sequence[str]) -> list[str]:
    """Titles Excel accepts, in order: forbidden characters replaced, no apostrophe at either end,
    at most 31 characters, not "History" (Excel reserves it), unique ignoring case ("Plan (2)")."""
    taken = {"history"}
    result = []
    for raw in titles:
        base = _ILLEGAL.sub("", raw).translate(_TITLE_CHARS)
        base = " ".join(base.split()).strip("'").strip() or "Sheet"
        title = _fit_title(base, "")
        number = 1
        while title.casefold() in taken:
            number += 1
            title = _fit_title(base, f" ({number})")
        taken.add(title.casefold())
        result.append(title)
    return result


def _fit_title(base: str, suffix: str) -> str:
    budget = TITLE_LIMIT - len(suffix)
    while _units(base) > budget:
        base = base[:-1]
    return base.rstrip().rstrip("'") + suffix


_HEADER_FONT = Font(bold=True)
_SAMPLE_ROWS = 1000  # rows looked at for column widths; the rest stream through unseen
_MIN_WIDTH, _MAX_WIDTH = 6, 60


def _write_sheet(workbook: Workbook, sheet: Sheet, title: str, zone: ZoneInfo | None) -> None:
    width = len(sheet.headers)
    formats = dict(sheet.number_formats)
    if any(not 0 <= column < width for column in formats):
        raise ValueError(f"sheet {sheet.title!r}: a number format for a column it does not have")
    rows = iter(sheet.rows)
    sample = [_local(row, zone) for row in islice(rows, _SAMPLE_ROWS)]

    ws = workbook.create_sheet(title)
    # Write-only sheets take column widths and panes only before the first row.
    for column, letter_width in enumerate(_widths(sheet.headers, sample, formats)):
        ws.column_dimensions[get_column_letter(column + 1)].width = letter_width
    ws.freeze_panes = "A2"

    cells = _Cells(ws, formats)
    header = []
    for text in sheet.headers:
        cell = _as_text(WriteOnlyCell(ws), _safe_text(str(text)))
        if cell.value.startswith(_FORMULA_START):
            cell.quotePrefix = True
        cell.font = _HEADER_FONT
        header.append(cell)
    ws.append(header)

    for number, row in enumerate(chain(sample, (_local(row, zone) for row in rows)), start=2):
        if len(row) != width:
            raise ValueError(f"sheet {sheet.title!r}, row {number}: {len(row)} values for {width} columns")
        ws.append(cells.row(row))


def _local(row: Sequence[Value], zone: ZoneInfo | None) -> Sequence[Value]:
    if not any(isinstance(value, datetime) for value in row):
        return row
    return [_naive(value, zone) if isinstance(value, datetime) else value for value in row]


def _naive(moment: datetime, zone: ZoneInfo | None) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise TypeError(f"naive datetime {moment.isoformat()}: pass aware datetimes and tz")
    if zone is None:
        raise ValueError("the table has datetimes: pass tz, the zone to show them in")
    return moment.astimezone(zone).replace(tzinfo=None)


class _Cells:
    """Turns a row's values into what the write-only sheet appends.

    Styled cells are made once per column and kind and reused row after row: a write-only sheet
    writes each appended row out before append returns (openpyxl reuses its own cell the same
    way), and a new styled cell for every value made a 50,000-row export about a third slower.
    """

    def __init__(self, ws, formats: Mapping[int, str]) -> None:
        self._ws = ws
        self._formats = formats
        self._made: dict[tuple[int, str], object] = {}

    def row(self, values: Sequence[Value]) -> list:
        return [self._value(column, value) for column, value in enumerate(values)]

    def _value(self, column: int, value: Value):
        if value is None:
            return None
        if isinstance(value, str):
            text = _safe_text(value)
            return _as_text(self._cell(column, "quoted" if text.startswith(_FORMULA_START) else "text"), text)
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, float, Decimal)):
            if not _finite(value):
                return None
            if column not in self._formats:
                return value
            kind = "number"
        elif isinstance(value, datetime):  # already naive local
            kind = "datetime"
        elif isinstance(value, date):
            kind = "date"
        else:
            raise TypeError(f"cannot export a {type(value).__name__} ({value!r})")
        cell = self._cell(column, kind)
        cell.value = value
        return cell

    def _cell(self, column: int, kind: str):
        cell = self._made.get((column, kind))
        if cell is None:
            cell = self._made[column, kind] = WriteOnlyCell(self._ws)
            if kind == "quoted":
                # Excel keeps a quote-prefixed cell text even when someone edits it later.
                cell.quotePrefix = True
            elif kind != "text":
                # A "number" cell exists only for a column with a format.
                cell.number_format = self._formats.get(column) or {"date": DATE, "datetime": DATETIME}[kind]
        return cell


def _safe_text(value: str) -> str:
    return _ESCAPE_LIKE.sub("_x005F", clean_text(value))


def _as_text(cell, text: str):
    cell.value = text
    # openpyxl takes "=..." for a formula and "#N/A" for an error; a report's text is neither.
    cell.data_type = "s"
    return cell


def _finite(number: int | float | Decimal) -> bool:
    if isinstance(number, Decimal):
        return number.is_finite()  # float(Decimal("sNaN")) would raise
    return isinstance(number, int) or math.isfinite(number)


def _widths(headers: Sequence[str], rows: list[Sequence[Value]], formats: Mapping[int, str]) -> list[float]:
    widths = []
    for column, header in enumerate(headers):
        shown = max(
            (_shown_width(row[column], formats.get(column)) for row in rows if column < len(row)),
            default=0,
        )
        # Bold header letters are a little wider.
        needed = max(shown, _text_width(str(header)) * 1.1) + 2
        widths.append(round(min(max(needed, _MIN_WIDTH), _MAX_WIDTH), 1))
    return widths


def _shown_width(value: Value, number_format: str | None) -> float:
    if value is None:
        return 0
    if isinstance(value, str):
        return _text_width(value[:1000])
    if isinstance(value, bool):
        return 5
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    if isinstance(value, (int, float, Decimal)):
        if not _finite(value):
            return 0
        if number_format is None:
            return min(len(str(value)), 11)  # Excel's General shows at most 11 characters
        places = _decimal_places(number_format)
        percent = "%" in number_format
        return len(f"{float(value) * (100 if percent else 1):,.{places}f}") + percent
    return 0


def _decimal_places(number_format: str) -> int:
    positive = number_format.split(";")[0]
    _, _, fraction = positive.partition(".")
    return sum(1 for char in fraction if char in "0#")


def _text_width(text: str) -> int:
    return max((_line_width(line) for line in text.split("\n")), default=0)


def _line_width(line: str) -> int:
    if line.isascii():
        return len(line)
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in line)
