"""Fill a blank template the way branch staff do, through openpyxl (the demo and the tests use it).

Staff type into our templates by hand; this reproduces what their files then look like: phone
numbers that Excel stored as floats, dates typed as text (2026年11月3日), a township merged over
neighbours, their own extra column, rows hidden, blank formatted rows far below the data.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.styles import PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from branchflow.templates.definitions import TEMPLATES, Table


@dataclass(frozen=True)
class Drop:
    """A file as it lands in a drop folder at a given moment."""

    at: datetime
    folder: str
    name: str
    data: bytes


@dataclass
class Quirks:
    """The habits of one member of staff; all off by default."""

    phones_as_float: bool = False  # Excel turned the 手机号码 column into numbers
    text_dates: bool = False  # dates typed as 2026年11月3日
    extra_column: str | None = None  # a column of their own, inserted before the first column
    merge_townships: bool = False  # neighbours from one township: 户籍乡镇 merged vertically
    hide_rows: Sequence[int] = ()  # 0-based data rows hidden
    formatted_tail: int = 0  # yellow-filled empty rows this far below the data
    drop_columns: Sequence[str] = ()  # optional column titles deleted


@dataclass
class Filling:
    """What goes into one workbook: single values by field key, table rows by table key."""

    kind: str
    values: Mapping[str, Any] = field(default_factory=dict)
    tables: Mapping[str, Sequence[Mapping[str, Any]]] = field(default_factory=dict)


def fill_template(blank: Path, filling: Filling, quirks: Quirks | None = None) -> bytes:
    """Open a blank template, type the values in as staff would, and return the saved bytes."""
    quirks = quirks or Quirks()
    book = load_workbook(blank)
    definition = TEMPLATES[filling.kind]
    for sheet_def in definition.sheets:
        sheet = book[sheet_def.name]
        for value_field in sheet_def.values:
            if value_field.key in filling.values:
                _put_value(
                    sheet, value_field.title, _typed(filling.values[value_field.key], quirks)
                )
        for table in sheet_def.tables:
            rows = filling.tables.get(table.key, ())
            if rows or table.row_labels:
                _put_table(sheet, table, rows, quirks)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def norm(text: Any) -> str:
    """Header/label text as compared by people: width, spaces, * and colons ignored."""
    folded = unicodedata.normalize("NFKC", str(text or ""))
    return "".join(ch for ch in folded if not ch.isspace()).strip("*").rstrip(":").strip("*")


def find_label(sheet: Worksheet, title: str) -> tuple[int, int] | None:
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and norm(cell.value) == norm(title):
                return cell.row, cell.column
    return None


def find_header(sheet: Worksheet, table: Table) -> tuple[int, dict[str, int]]:
    """The header row of a table and each field's column (1-based)."""
    titles = {norm(f.title): f.key for f in table.fields}
    best: tuple[int, dict[str, int]] = (0, {})
    for row in sheet.iter_rows():
        found = {titles[norm(c.value)]: c.column for c in row if norm(c.value) in titles}
        if len(found) > len(best[1]) and set(table.key_fields) & set(found):
            best = (row[0].row, found)
    if not best[0]:
        raise ValueError(f"no header row for {table.key} in {sheet.title}")
    return best


def _put_value(sheet: Worksheet, title: str, value: Any) -> None:
    found = find_label(sheet, title)
    if found is None:
        raise ValueError(f"no label {title} in {sheet.title}")
    row, col = found
    for merged in sheet.merged_cells.ranges:
        if merged.min_row == row and merged.min_col == col:
            col = merged.max_col
    _type_in(sheet.cell(row, col + 1), value)


def _put_table(
    sheet: Worksheet, table: Table, rows: Sequence[Mapping[str, Any]], quirks: Quirks
) -> None:
    if table.key == "customers":
        _reshape_columns(sheet, table, quirks)
    header, columns = find_header(sheet, table)
    if table.row_labels:
        _put_labelled(sheet, header, columns, table, rows)
        return
    for i, record in enumerate(rows):
        r = header + 1 + i
        for key, value in record.items():
            if key in columns:
                _type_in(sheet.cell(r, columns[key]), _typed(value, quirks, key))
    last = header + len(rows)
    if table.key == "customers":
        _apply_quirks(sheet, header, last, columns, quirks)
        if quirks.extra_column:
            for r in range(header + 1, last + 1):
                sheet.cell(r, 1).value = f"第{r - header}批"


def _put_labelled(
    sheet: Worksheet,
    header: int,
    columns: dict[str, int],
    table: Table,
    rows: Sequence[Mapping[str, Any]],
) -> None:
    """KPI tables: find each KPI's row by the label already in the first column."""
    label_col = columns[table.key_fields[0]]
    by_label = {norm(r[table.key_fields[0]]): r for r in rows}
    for r in range(header + 1, header + 1 + len(table.row_labels) + 5):
        record = by_label.get(norm(sheet.cell(r, label_col).value))
        if record is None:
            continue
        for key, value in record.items():
            if key in columns and key not in table.key_fields:
                sheet.cell(r, columns[key]).value = value


def _type_in(cell: Any, value: Any) -> None:
    """What a person types is text: "=HYPERLINK(...)" typed after a ' stays text, as in Excel."""
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"


def _typed(value: Any, quirks: Quirks, key: str = "") -> Any:
    if quirks.phones_as_float and key == "phone" and isinstance(value, str) and value.isdigit():
        return float(value)
    if quirks.text_dates and hasattr(value, "isoformat") and hasattr(value, "day"):
        return f"{value.year}年{value.month}月{value.day}日"
    return value


def _apply_quirks(
    sheet: Worksheet, header: int, last: int, columns: dict[str, int], quirks: Quirks
) -> None:
    for offset in quirks.hide_rows:
        sheet.row_dimensions[header + 1 + offset].hidden = True
    if quirks.merge_townships and last - header >= 3 and "township" in columns:
        col = columns["township"]
        value = sheet.cell(header + 1, col).value
        for r in (header + 2, header + 3):
            sheet.cell(r, col).value = value
            sheet.cell(r, columns["county"]).value = sheet.cell(header + 1, columns["county"]).value
        sheet.merge_cells(
            start_row=header + 1, start_column=col, end_row=header + 3, end_column=col
        )
    if quirks.formatted_tail:
        fill = PatternFill("solid", fgColor="FFF2CC")
        for c in range(1, 5):
            sheet.cell(last + quirks.formatted_tail, c).fill = fill


def _reshape_columns(sheet: Worksheet, table: Table, quirks: Quirks) -> None:
    """Staff delete optional columns and insert their own (before any data is typed)."""
    header, columns = find_header(sheet, table)
    for title in quirks.drop_columns:
        key = next(f.key for f in table.fields if f.title == title)
        if key in columns:
            sheet.delete_cols(columns[key])
            header, columns = find_header(sheet, table)
    if quirks.extra_column:
        sheet.insert_cols(1)
        sheet.cell(header, 1).value = quirks.extra_column
