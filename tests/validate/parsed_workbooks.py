"""ParsedWorkbook objects built by hand, laid out the way parse would report them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from branchflow.parse import Cell, ParsedRow, ParsedTable, ParsedWorkbook
from branchflow.templates.definitions import TEMPLATES, Table
from branchflow.validate.batch import ValidatedBatch, ValidationContext
from branchflow.validate.issues import Issue

HEADER_ROW = 4  # the table's title row; data starts on row 5
TODAY = date(2026, 11, 26)
PROJECTS = ("黔龙阳光·湄江府", "黔龙阳光·凤冈城")


def context(**changes: Any) -> ValidationContext:
    base: dict[str, Any] = {"branch": "东莞分中心", "today": TODAY, "projects": PROJECTS}
    return ValidationContext(**{**base, **changes})


def make_table(
    table: Table,
    sheet: str,
    rows: Sequence[Mapping[str, Any]],
    columns: Iterable[str] | None = None,
    hidden: Iterable[int] = (),
    merged: Mapping[int, frozenset[str]] | None = None,
) -> ParsedTable:
    """Columns A, B, … in definition order: the given ones, else every field used or required."""
    wanted = set(columns) if columns is not None else {k for r in rows for k in r}
    if columns is None:
        wanted |= {f.key for f in table.fields if f.required}
    keys = [f.key for f in table.fields if f.key in wanted]
    cols = {key: index for index, key in enumerate(keys, start=1)}
    parsed_rows = []
    for number, values in enumerate(rows, start=HEADER_ROW + 1):
        cells = {k: Cell(sheet, number, c, values.get(k)) for k, c in cols.items()}
        parsed_rows.append(
            ParsedRow(
                sheet,
                number,
                cells,
                hidden=number in set(hidden),
                merged=(merged or {}).get(number, frozenset()),
            )
        )
    missing = tuple(f.key for f in table.fields if f.required and f.key not in cols)
    return ParsedTable(table.key, sheet, HEADER_ROW, cols, missing, (), tuple(parsed_rows))


def make_parsed(
    kind: str,
    values: Mapping[str, Any] | None = None,
    tables: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    columns: Mapping[str, Iterable[str]] | None = None,
    issues: Sequence[Issue] = (),
    absent: Iterable[str] = (),
) -> ParsedWorkbook:
    """Single values go in column B of rows 1, 2, … of their sheet (labels in column A);
    `absent` names value fields whose label parse did not find."""
    template = TEMPLATES[kind]
    cells: dict[str, Cell | None] = {}
    parsed_tables: dict[str, ParsedTable] = {}
    for sheet in template.sheets:
        for number, fld in enumerate(sheet.values, start=1):
            given = (values or {}).get(fld.key)
            absent_label = fld.key in set(absent)
            cells[fld.key] = None if absent_label else Cell(sheet.name, number, 2, given)
        for table in sheet.tables:
            rows = (tables or {}).get(table.key, ())
            parsed_tables[table.key] = make_table(
                table, sheet.name, rows, (columns or {}).get(table.key)
            )
    names = tuple(s.name for s in template.sheets)
    return ParsedWorkbook(kind, template.version, cells, parsed_tables, names, tuple(issues))


def flat(batch: ValidatedBatch) -> list[tuple[str, str, str]]:
    return [(i.sheet, i.cell, i.code) for i in batch.issues]
