"""Monthly plans as an XLSX sheet: the template a head fills in, and reading it back row by row
with every refusal named by its row (nothing is applied from a sheet with an error in it)."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from reports import export

MAX_BYTES = 2_000_000  # a sheet of plans is a few KB; anything this big is not one
MAX_ROWS = 2_000


@dataclass(frozen=True)
class PlanRow:
    row: int  # as Excel numbers it
    user_id: int
    amount_minor: int
    deals: int | None
    meetings: int | None


@dataclass
class Reading:
    rows: list[PlanRow] = field(default_factory=list)
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # row, what, the value as read


def template(title: str, headers: list[str], people: list[tuple[int, str, int | None, int | None, int | None]]) -> bytes:
    """`people`: (user id, name, plan in roubles or None, deals, meetings)."""
    rows = [[uid, name, amount, deals, meetings] for uid, name, amount, deals, meetings in people]
    return export.xlsx([export.Sheet(title, headers, rows, {2: export.MONEY})])


def _int(value, *, money: bool = False) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, (int, float, Decimal)):
        number = Decimal(str(value))
    else:
        text = re.sub(r"[\s\u00a0\u202f₽]|руб\.?|rub", "", str(value), flags=re.IGNORECASE).replace(",", ".")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError from None
    if number < 0 or not number.is_finite():
        raise ValueError
    if money:
        return int((number * 100).to_integral_value())
    if number != number.to_integral_value():
        raise ValueError
    return int(number)


def read(data: bytes, known: set[int], amount_max: int, count_max: int) -> Reading:
    """Rows of (ID, name, sum, deals, meetings) under a header row; `known`: the ids the reader may
    set plans for. Raises ValueError when the file is not an XLSX workbook at all."""
    import openpyxl

    if len(data) > MAX_BYTES or not zipfile.is_zipfile(io.BytesIO(data)):
        raise ValueError("not an xlsx file")
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken or foreign file
        raise ValueError("not an xlsx file") from exc
    reading = Reading()
    seen: dict[int, int] = {}
    try:
        sheet = book.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(min_row=2, max_col=5, values_only=True), start=2):
            if number > MAX_ROWS + 1:
                reading.errors.append((number, "too_many", ""))
                break
            values = list(values) + [None] * (5 - len(values))
            uid, _name, amount, deals, meetings = values[:5]
            if all(v is None or str(v).strip() == "" for v in (uid, amount, deals, meetings)):
                continue
            try:
                user_id = _int(uid)
            except ValueError:
                user_id = None
            if user_id is None or user_id not in known:
                reading.errors.append((number, "who", str(uid if uid is not None else "")))
                continue
            if user_id in seen:
                reading.errors.append((number, "twice", str(seen[user_id])))
                continue
            seen[user_id] = number
            try:
                amount_minor = _int(amount, money=True)
                if amount_minor is None or amount_minor > amount_max:
                    raise ValueError
            except ValueError:
                reading.errors.append((number, "amount", str(amount if amount is not None else "")))
                continue
            counts = []
            for value in (deals, meetings):
                try:
                    count = _int(value)
                    if count is not None and count > count_max:
                        raise ValueError
                except ValueError:
                    reading.errors.append((number, "count", str(value)))
                    break
                counts.append(count)
            else:
                reading.rows.append(PlanRow(number, user_id, amount_minor, counts[0], counts[1]))
    finally:
        book.close()
    return reading
