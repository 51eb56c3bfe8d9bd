"""Workbook bytes → rows with their sheet/cell addresses (no judgement: that is validate/)."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

from defusedxml import ElementTree
from python_calamine import CalamineWorkbook, SheetVisibleEnum

from branchflow.templates.definitions import TEMPLATES, Field, Sheet, Table, TemplateDef
from branchflow.validate.issues import Issue, cell_address


class Cell(NamedTuple):
    """A value exactly as the workbook holds it (str, int, float, bool, datetime, date, time).

    A NamedTuple rather than a dataclass: a 100k-row workbook makes millions of these.
    """

    sheet: str
    row: int  # 1-based
    col: int  # 1-based
    value: Any

    @property
    def address(self) -> str:
        return cell_address(self.row, self.col)


@dataclass(frozen=True)
class ParsedRow:
    sheet: str
    row: int
    cells: Mapping[str, Cell]  # field key → cell, for the fields whose column is present
    hidden: bool = False
    merged: frozenset[str] = frozenset()  # field keys whose value came from a vertical merge


@dataclass(frozen=True)
class ParsedTable:
    key: str
    sheet: str
    header_row: int  # 0 when the header row was not found
    columns: Mapping[str, int]  # field key → 1-based column
    missing: tuple[str, ...]  # keys of required fields with no column
    extra: tuple[str, ...]  # staff's own column titles, ignored
    rows: tuple[ParsedRow, ...]


@dataclass(frozen=True)
class ParsedWorkbook:
    kind: str  # customers / monthly / market / weekly / hq_briefing / unknown
    version: int | None  # the template version from the embedded marker
    values: Mapping[str, Cell | None]  # value field key → the cell right of its label
    tables: Mapping[str, ParsedTable]
    sheets: tuple[str, ...]
    issues: tuple[Issue, ...] = field(
        default=()
    )  # structural: missing sheet/column, merges, hidden


# ── reading ──────────────────────────────────────────────────────────────────────────────────────

MARKER_KIND = "branchflow_kind"
MARKER_VERSION = "branchflow_version"
HEADER_SCAN_ROWS = 400  # a table's header row must appear within this many rows of the sheet top
GUIDE_SHEETS = frozenset({"填写说明", "下拉选项", "错误清单"})  # instructions and dropdown lists


def read_workbook(data: bytes) -> ParsedWorkbook:
    """Parse workbook bytes (already checked by intake) into values and table rows."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        marker = _read_marker(archive)
        xml_parts = _sheet_parts(archive)
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        visible = [
            m.name
            for m in book.sheets_metadata
            if m.visible == SheetVisibleEnum.Visible and m.name not in GUIDE_SHEETS
        ]
        sheets = _LazySheets(book, archive, xml_parts)
        kind, version = marker if marker else (_kind_from_structure(sheets, visible), None)
        if kind not in TEMPLATES:
            return ParsedWorkbook("unknown", version, {}, {}, tuple(visible), (_unknown_kind(),))
        return _read_definition(TEMPLATES[kind], version, sheets, visible)


def _read_definition(
    definition: TemplateDef, version: int | None, sheets: _LazySheets, visible: list[str]
) -> ParsedWorkbook:
    issues: list[Issue] = []
    values: dict[str, Cell | None] = {}
    tables: dict[str, ParsedTable] = {}
    for sheet_def in definition.sheets:
        order = _sheet_order(sheet_def.name, visible)
        for value_field in sheet_def.values:
            values[value_field.key] = _find_value(value_field, order, sheets)
        for table_def in sheet_def.tables:
            table, table_issues = _find_table(table_def, sheet_def, order, sheets)
            tables[table_def.key] = table
            issues.extend(table_issues)
    issues.extend(_missing_values(definition, values))
    return ParsedWorkbook(definition.kind, version, values, tables, tuple(visible), tuple(issues))


def _sheet_order(preferred: str, visible: list[str]) -> list[str]:
    """Look in the sheet of that name first, then every other sheet (staff rename sheets)."""
    return [preferred, *(n for n in visible if n != preferred)] if preferred in visible else visible


def _find_value(field: Field, order: list[str], sheets: _LazySheets) -> Cell | None:
    titles = _titles(field)
    for name in order:
        grid = sheets.grid(name)
        for r, row in enumerate(grid.rows[:HEADER_SCAN_ROWS]):
            for c, raw in enumerate(row):
                if isinstance(raw, str) and raw and _norm_title(raw) in titles:
                    col = grid.merge_end_col(r, c) + 1
                    value = row[col] if col < len(row) else None
                    return Cell(name, r + 1, col + 1, _blank_to_none(value))
    return None


def _missing_values(definition: TemplateDef, values: dict[str, Cell | None]) -> list[Issue]:
    return [
        Issue(
            "label.missing",
            f"没有找到“{field.title}”这一栏：请在标签“{field.title}：”右边的格子里填写"
            "（可从空白模板复制该标签）",
            sheet=sheet.name,
            field=field.title,
        )
        for sheet in definition.sheets
        for field in sheet.values
        if field.required and values.get(field.key) is None
    ]


def _find_table(
    table: Table, sheet_def: Sheet, order: list[str], sheets: _LazySheets
) -> tuple[ParsedTable, list[Issue]]:
    titles = {t: f.key for f in table.fields for t in _titles(f)}
    for name in order:
        grid = sheets.grid(name)
        header = _header_row(grid, titles, table)
        if header is not None:
            return _read_table(table, sheet_def, grid, header, titles)
    empty = ParsedTable(table.key, order[0] if order else "", 0, {}, (), (), ())
    if table.optional:
        return empty, []
    expected = "、".join(f.title for f in table.fields if f.required)
    issue = Issue(
        "table.missing",
        f"没有找到“{table.title}”表的表头行（应含 {expected} 等列）：请用空白模板填写，"
        "表头行的列名不要改动",
        sheet=order[0] if order else "",
        field=table.title,
    )
    return empty, [issue]


def _header_row(grid: _Grid, titles: dict[str, str], table: Table) -> int | None:
    """The 0-based row holding most of the table's column titles, including a key column."""
    needed = min(2, len(table.fields))
    best, best_score = None, 0
    for r, row in enumerate(grid.rows[:HEADER_SCAN_ROWS]):
        found = {
            titles[t]
            for t in (_norm_title(v) for v in row if isinstance(v, str) and v)
            if t in titles
        }
        if len(found) > best_score and found & set(table.key_fields):
            best, best_score = r, len(found)
    return best if best_score >= needed else None


def _read_table(
    table: Table, sheet_def: Sheet, grid: _Grid, header: int, titles: dict[str, str]
) -> tuple[ParsedTable, list[Issue]]:
    columns: dict[str, int] = {}
    extra: list[str] = []
    for c, raw in enumerate(grid.rows[header]):
        if raw is None or raw == "":
            continue
        key = titles.get(_norm_title(str(raw)))
        if key is None:
            extra.append(str(raw).strip())
        elif key not in columns:
            columns[key] = c
    issues = [
        Issue(
            "column.missing",
            f"缺少必填列“{f.title}”：请在表头行（第 {header + 1} 行）加上这一列，列名与模板一致",
            sheet=grid.name,
            cell=cell_address(header + 1, 1),
            field=f.title,
        )
        for f in table.fields
        if f.required and f.key not in columns
    ]
    first, last = _data_area(table, sheet_def, grid, header, columns)
    filled = grid.vertical_fill(first, last, set(columns.values()))
    rows: list[ParsedRow] = []
    hidden_rows: list[int] = []
    for r in range(first, last + 1):
        raw_row = grid.rows[r]
        values = {k: _blank_to_none(_at(raw_row, c, filled, r)) for k, c in columns.items()}
        if all(v is None for v in values.values()):
            continue
        cells = {k: Cell(grid.name, r + 1, c + 1, values[k]) for k, c in columns.items()}
        merged = frozenset(k for k, c in columns.items() if (r, c) in filled)
        hidden = r in grid.hidden
        if hidden:
            hidden_rows.append(r + 1)
        rows.append(ParsedRow(grid.name, r + 1, cells, hidden, merged))
    issues += grid.merge_notes(first, last, columns, table)
    if hidden_rows:
        issues.append(_hidden_note(grid.name, hidden_rows))
    parsed = ParsedTable(
        table.key,
        grid.name,
        header + 1,
        {k: c + 1 for k, c in columns.items()},
        tuple(f.key for f in table.fields if f.required and f.key not in columns),
        tuple(extra),
        tuple(rows),
    )
    return parsed, issues


def _at(row: list[Any], c: int, filled: dict[tuple[int, int], Any], r: int) -> Any:
    if filled and (r, c) in filled:
        return filled[(r, c)]
    return row[c] if c < len(row) else None


def _data_area(
    table: Table, sheet_def: Sheet, grid: _Grid, header: int, columns: dict[str, int]
) -> tuple[int, int]:
    """Rows below the header up to the last one with a key value, stopping at the next block."""
    boundary = _boundary_titles(table, sheet_def)
    key_cols = [columns[k] for k in table.key_fields if k in columns]
    first, last = header + 1, header
    filled = grid.vertical_fill(first, len(grid.rows) - 1, set(key_cols))
    for r in range(first, len(grid.rows)):
        row = grid.rows[r]
        keys = [_at(row, c, filled, r) for c in key_cols]
        if any(isinstance(v, str) and _norm_title(v) in boundary for v in keys):
            break
        if any(v is not None and v != "" for v in keys):
            last = r
    return first, last


def _boundary_titles(table: Table, sheet_def: Sheet) -> frozenset[str]:
    """Titles that mark where a table's data ends: the sheet's other headers, captions, labels."""
    own = {t for f in table.fields for t in _titles(f)}
    others = {t for f in sheet_def.values for t in _titles(f)}
    for other in sheet_def.tables:
        others.add(_norm_title(other.title))
        if other.key != table.key:
            others.update(t for f in other.fields for t in _titles(f))
    return frozenset(others - own)


def _hidden_note(sheet: str, rows: list[int]) -> Issue:
    shown = "、".join(str(r) for r in rows[:10]) + (" 等" if len(rows) > 10 else "")
    return Issue(
        "row.hidden",
        f"第 {shown} 行是隐藏行，已照常读取；如果这些行不应报送，请删除它们",
        sheet=sheet,
        cell=cell_address(rows[0], 1),
        severity="warning",
    )


def _unknown_kind() -> Issue:
    kinds = "、".join(t.title for t in TEMPLATES.values())
    return Issue(
        "kind.unknown",
        f"无法识别这是哪一种报表（{kinds}）：请用本文件夹“空白模板”里的模板填写后再放入",
    )


@lru_cache(maxsize=4096)
def _norm_title(text: str) -> str:
    """Compare titles the way a person reads them: width, spaces, * marks and colons ignored."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in folded if not ch.isspace()).strip("*").rstrip(":").strip("*")


def _titles(field: Field) -> frozenset[str]:
    return frozenset(_norm_title(t) for t in (field.title, *field.aliases))


def _blank_to_none(value: Any) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value


class _Grid:
    """One sheet's values (0-based rows and columns), merged ranges and hidden rows."""

    def __init__(self, name: str, rows: list[list[Any]], merges: list[Any], xml: bytes) -> None:
        self.name = name
        self.rows = rows
        self.merges = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in merges or ()]
        self._xml = xml
        self._hidden: frozenset[int] | None = None

    @property
    def hidden(self) -> frozenset[int]:
        if self._hidden is None:
            self._hidden = _hidden_rows(self._xml)
            self._xml = b""
        return self._hidden

    def merge_end_col(self, r: int, c: int) -> int:
        return next((c1 for r0, c0, _, c1 in self.merges if (r0, c0) == (r, c)), c)

    def _vertical(self, first: int, last: int, cols: set[int]) -> list[tuple[int, int, int, int]]:
        return [m for m in self.merges if m[1] in cols and first <= m[0] < m[2] and m[0] <= last]

    def vertical_fill(self, first: int, last: int, cols: set[int]) -> dict[tuple[int, int], Any]:
        """Cells covered by a vertical merge inside the data area → the merge's top-left value."""
        filled: dict[tuple[int, int], Any] = {}
        for r0, c0, r1, _ in self._vertical(first, last, cols):
            top = self.rows[r0][c0] if c0 < len(self.rows[r0]) else None
            for r in range(r0 + 1, min(r1, len(self.rows) - 1) + 1):
                filled[(r, c0)] = top
        return filled

    def merge_notes(
        self, first: int, last: int, columns: dict[str, int], table: Table
    ) -> list[Issue]:
        by_col = {c: k for k, c in columns.items()}
        notes = []
        for r0, c0, r1, c1 in self._vertical(first, last, set(by_col)):
            title = table.field(by_col[c0]).title
            value = _blank_to_none(self.rows[r0][c0] if c0 < len(self.rows[r0]) else None)
            span = f"{cell_address(r0 + 1, c0 + 1)}:{cell_address(r1 + 1, c1 + 1)}"
            notes.append(
                Issue(
                    "cell.merged",
                    f"{span} 是合并单元格，已把“{value if value is not None else ''}”"
                    f"用于第 {r0 + 1}–{r1 + 1} 行；建议取消合并、每行分别填写“{title}”",
                    sheet=self.name,
                    cell=cell_address(r0 + 1, c0 + 1),
                    field=title,
                    severity="warning",
                )
            )
        return notes


_ROW_TAG = re.compile(rb"<(?:\w+:)?row\b([^>]*)>")
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_HIDDEN = re.compile(rb'\bhidden="(?:1|true)"')


def _hidden_rows(xml: bytes) -> frozenset[int]:
    """0-based indexes of rows marked hidden in a worksheet part (calamine does not report them)."""
    if not _HIDDEN.search(xml):
        return frozenset()
    hidden = set()
    for match in _ROW_TAG.finditer(xml):
        attrs = match.group(1)
        number = _ROW_NUMBER.search(attrs)
        if number and _HIDDEN.search(attrs):
            hidden.add(int(number.group(1)) - 1)
    return frozenset(hidden)


class _LazySheets:
    """Load a sheet's grid only when something looks in it."""

    def __init__(self, book: CalamineWorkbook, archive: zipfile.ZipFile, parts: dict[str, str]):
        self._book = book
        self._archive = archive
        self._parts = parts
        self._grids: dict[str, _Grid] = {}

    def grid(self, name: str) -> _Grid:
        if name not in self._grids:
            sheet = self._book.get_sheet_by_name(name)
            part = self._parts.get(name)
            xml = self._archive.read(part) if part and part in self._archive.namelist() else b""
            self._grids[name] = _Grid(
                name, sheet.to_python(skip_empty_area=False), sheet.merged_cell_ranges or [], xml
            )
        return self._grids[name]


_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its worksheet part inside the zip (for the hidden-row scan)."""
    names = set(archive.namelist())
    if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
        return {}
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {
        rel.get("Id"): rel.get("Target", "") for rel in rels.iter(f"{_NS_PKG_REL}Relationship")
    }
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    parts = {}
    for sheet in book.iter(f"{_NS_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_NS_REL}id"), "")
        parts[sheet.get("name", "")] = (
            target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        )
    return parts


def _read_marker(archive: zipfile.ZipFile) -> tuple[str, int | None] | None:
    """The template kind and version our generator stores as custom document properties."""
    if "docProps/custom.xml" not in archive.namelist():
        return None
    props: dict[str, str] = {}
    for prop in ElementTree.fromstring(archive.read("docProps/custom.xml")):
        value = next(iter(prop), None)
        props[prop.get("name", "")] = (value.text or "").strip() if value is not None else ""
    kind = props.get(MARKER_KIND)
    if not kind:
        return None
    version = props.get(MARKER_VERSION, "")
    return kind, int(version) if version.isdigit() else None


def _kind_from_structure(sheets: _LazySheets, visible: list[str]) -> str:
    """No marker (a workbook made from scratch): pick the template whose sheets or tables it has."""
    by_sheets = {kind: sum(s.name in visible for s in d.sheets) for kind, d in TEMPLATES.items()}
    best = max(by_sheets.values())
    if best:
        return max(by_sheets, key=lambda k: by_sheets[k])
    for kind, definition in TEMPLATES.items():
        for table in definition.tables:
            titles = {t: f.key for f in table.fields for t in _titles(f)}
            if len(table.fields) >= 4 and any(
                _header_row(sheets.grid(n), titles, table) is not None for n in visible
            ):
                return kind
    return "unknown"
