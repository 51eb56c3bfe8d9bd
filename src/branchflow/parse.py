"""Workbook bytes → rows with their sheet/cell addresses (no judgement: that is validate/)."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from operator import itemgetter
from typing import Any, NamedTuple

from branchflow.readers import Book, open_book
from branchflow.sheet_order import SEVERAL_TABLES, hidden_sheet_note, newest_last, several_note
from branchflow.sheets import Grid, blank_to_none
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


@dataclass(frozen=True, slots=True)
class ParsedRow:
    sheet: str
    row: int
    cells: Mapping[str, Cell]  # field key → cell, for the fields whose column is present
    hidden: bool = False
    merged: frozenset[str] = frozenset()  # field keys whose value came from a vertical merge
    # The same values in ParsedTable.columns order (blanks None), so validation can read a
    # table column by column; parse fills it, rows built by hand may leave it empty.
    values: tuple[Any, ...] = ()


class RowCells(Mapping[str, Cell]):
    """A parsed row's cells by field key, made when asked: a 100k-row table would otherwise
    hold 2.5 million Cell tuples that only the rows with problems are ever asked for."""

    __slots__ = ("_columns", "_row", "_sheet", "_values")

    def __init__(
        self, sheet: str, row: int, columns: Mapping[str, tuple[int, int]], values: tuple[Any, ...]
    ) -> None:
        self._sheet = sheet
        self._row = row
        self._columns = columns  # field key → (index in values, 1-based column), one per table
        self._values = values

    def __getitem__(self, key: str) -> Cell:
        index, col = self._columns[key]
        return Cell(self._sheet, self._row, col, self._values[index])

    def __iter__(self) -> Iterator[str]:
        return iter(self._columns)

    def __len__(self) -> int:
        return len(self._columns)

    def __repr__(self) -> str:
        return repr(dict(self))


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
    # Every sheet's table for a key read from several sheets (one per month…), oldest first;
    # `tables` holds the newest. Empty where a table came from one sheet.
    sheet_tables: Mapping[str, tuple[ParsedTable, ...]] = field(default_factory=dict)

    def tables_of(self, key: str) -> tuple[ParsedTable, ...]:
        """The table's parts, oldest sheet first (one part for most workbooks)."""
        if key in self.sheet_tables:
            return self.sheet_tables[key]
        return (self.tables[key],) if key in self.tables else ()


# ── reading ──────────────────────────────────────────────────────────────────────────────────────

HEADER_SCAN_ROWS = 400  # a table's header row must appear within this many rows of the sheet top
GUIDE_SHEETS = frozenset({"填写说明", "下拉选项", "错误清单"})  # instructions and dropdown lists


def read_workbook(data: bytes, fmt: str = "xlsx") -> ParsedWorkbook:
    """Parse workbook bytes (already checked by intake, `fmt` as it found) into values and
    table rows; what reading itself had to say (stray cells, a sheet too big) comes along."""
    book = open_book(data, fmt)
    # Hidden sheets are read too, after the visible ones (an old copy kept out of sight).
    sheets = sorted(book.sheets, key=lambda sheet: sheet.hidden)
    names = [s.name for s in sheets if s.name not in GUIDE_SHEETS]
    kind, version = book.marker if book.marker else (_kind_from_structure(book, names), None)
    if kind not in TEMPLATES:
        notes = tuple(book.notes) or (_unknown_kind(),)
        return ParsedWorkbook("unknown", version, {}, {}, tuple(names), notes)
    parsed = _read_definition(TEMPLATES[kind], version, book, names)
    if not book.notes:
        return parsed
    return replace(parsed, issues=(*book.notes, *parsed.issues))


def _read_definition(
    definition: TemplateDef, version: int | None, book: Book, names: list[str]
) -> ParsedWorkbook:
    issues: list[Issue] = []
    values: dict[str, Cell | None] = {}
    tables: dict[str, ParsedTable] = {}
    several: dict[str, tuple[ParsedTable, ...]] = {}
    hidden = {s.name for s in book.sheets if s.hidden}
    for sheet_def in definition.sheets:
        order = _sheet_order(sheet_def.name, names)
        for table_def in sheet_def.tables:
            parts, table_issues = _find_tables(table_def, sheet_def, order, book, hidden)
            tables[table_def.key] = parts[-1]
            if len(parts) > 1:
                several[table_def.key] = parts
            issues.extend(table_issues)
        newest = [t.sheet for t in (tables[d.key] for d in sheet_def.tables) if t.header_row]
        value_order = [*newest, *(n for n in order if n not in newest)]
        for value_field in sheet_def.values:
            values[value_field.key] = _find_value(value_field, value_order, book)
    issues.extend(_missing_values(definition, values))
    return ParsedWorkbook(
        definition.kind, version, values, tables, tuple(names), tuple(issues), several
    )


def _sheet_order(preferred: str, visible: list[str]) -> list[str]:
    """Look in the sheet of that name first, then every other sheet (staff rename sheets)."""
    return [preferred, *(n for n in visible if n != preferred)] if preferred in visible else visible


def _find_value(field: Field, order: list[str], book: Book) -> Cell | None:
    titles = _titles(field)
    for name in order:
        grid = book.grid(name)
        for r, row in enumerate(grid.rows[:HEADER_SCAN_ROWS]):
            for c, raw in enumerate(row):
                if isinstance(raw, str) and raw and _norm_title(raw) in titles:
                    col = grid.merge_end_col(r, c) + 1
                    value = row[col] if col < len(row) else None
                    return Cell(name, r + 1, col + 1, blank_to_none(value))
    return None


def _missing_values(definition: TemplateDef, values: dict[str, Cell | None]) -> list[Issue]:
    return [
        _missing_value(definition.kind, sheet.name, field)
        for sheet in definition.sheets
        for field in sheet.values
        if field.required and values.get(field.key) is None
    ]


def _missing_value(kind: str, sheet: str, field: Field) -> Issue:
    # The drop folder already says which branch it is, and a customer list names its 置业顾问 on
    # every row: a workbook made from scratch without our header block is still worth taking.
    lenient = {
        "branch": "已按文件所在的分中心文件夹登记",
        "reporter": "客户按每行的置业顾问登记" if kind == "customers" else "",
    }.get(field.key)
    if lenient:
        return Issue(
            "label.missing",
            f"没有找到“{field.title}”一栏：{lenient}；建议用空白模板填写，写上“{field.title}：”",
            sheet=sheet,
            field=field.title,
            severity="warning",
        )
    return Issue(
        "label.missing",
        f"没有找到“{field.title}”这一栏：请在标签“{field.title}：”右边的格子里填写"
        "（可从空白模板复制该标签）",
        sheet=sheet,
        field=field.title,
    )


def _find_tables(
    table: Table, sheet_def: Sheet, order: list[str], book: Book, hidden: set[str]
) -> tuple[tuple[ParsedTable, ...], list[Issue]]:
    """The table from the first sheet that has its header row; for a customer list or its
    follow-ups, from every such sheet (one per month, last month's list kept in front…),
    oldest first, so that nothing a workbook holds is silently skipped."""
    titles = {t: f.key for f in table.fields for t in _titles(f)}
    found: list[tuple[ParsedTable, list[Issue]]] = []
    for name in order:
        grid = book.grid(name)
        header = _header_row(grid, titles, table)
        if header is not None:
            found.append(_read_table(table, sheet_def, grid, header, titles))
            if name in hidden:
                found[-1][1].append(hidden_sheet_note(name, table))
            if table.key not in SEVERAL_TABLES:
                break
    if found:
        ordered = newest_last(found, book, sheet_def)
        parts = tuple(part for part, _ in ordered)
        issues = [issue for _, part_issues in ordered for issue in part_issues]
        if len(parts) > 1:
            issues.append(several_note(table, parts))
        return parts, issues
    empty = ParsedTable(table.key, order[0] if order else "", 0, {}, (), (), ())
    if table.optional:
        return (empty,), []
    expected = "、".join(f.title for f in table.fields if f.required)
    issue = Issue(
        "table.missing",
        f"没有找到“{table.title}”表的表头行（应含 {expected} 等列）：请用空白模板填写，"
        "表头行的列名不要改动",
        sheet=order[0] if order else "",
        field=table.title,
    )
    return (empty,), [issue]


def _header_row(grid: Grid, titles: dict[str, str], table: Table) -> int | None:
    """The 0-based row holding most of the table's column titles, including a key column."""
    needed = min(2, len(table.fields))
    best, best_score = None, 0
    keys = set(table.key_fields)
    for r, texts in enumerate(_row_texts(grid)):
        if texts.isdisjoint(titles):
            continue
        found = {titles[t] for t in texts if t in titles}
        if len(found) > best_score and found & keys:
            best, best_score = r, len(found)
    return best if best_score >= needed else None


def _row_texts(grid: Grid) -> list[frozenset[str]]:
    """The normalised texts of each of the sheet's top rows, made once per sheet: every table
    of every template looks for its header row in them."""
    if grid.row_texts is None:
        grid.row_texts = [
            frozenset(_norm_title(v) for v in row if isinstance(v, str) and v)
            for row in grid.rows[:HEADER_SCAN_ROWS]
        ]
    return grid.row_texts


def _read_table(
    table: Table, sheet_def: Sheet, grid: Grid, header: int, titles: dict[str, str]
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
    rows, hidden_rows = _table_rows(grid, columns, first, last)
    issues += grid.merge_notes(first, last, columns, table)
    issues += grid.formula_notes(first, last, columns, table)
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


def _table_rows(
    grid: Grid, columns: dict[str, int], first: int, last: int
) -> tuple[list[ParsedRow], list[int]]:
    """The rows of the data area with a value in any of the table's columns (1-based numbers of
    the hidden ones too). The hot loop of a 100k-row file: a row is one tuple of the grid's own
    value objects, and its Cells are only made if something asks (RowCells)."""
    if not columns:
        return [], []
    cols = list(columns.values())
    where = {key: (index, c + 1) for index, (key, c) in enumerate(columns.items())}
    take = _row_taker(cols, len(grid.rows[first]) if first < len(grid.rows) else 0)
    filled = grid.vertical_fill(first, last, set(cols))
    filled_rows = {r for r, _ in filled}
    blanks, empty, hidden = grid.blanks, (None,) * len(cols), grid.hidden
    rows: list[ParsedRow] = []
    hidden_rows: list[int] = []
    for r in range(first, last + 1):
        values = take(grid.rows[r])
        if r in filled_rows:
            values = tuple(filled.get((r, c), v) for c, v in zip(cols, values, strict=True))
        if r in filled_rows or (blanks and not blanks.isdisjoint(values)):
            values = tuple(map(blank_to_none, values))
        if values == empty:
            continue
        merged = _merged(columns, filled, r) if r in filled_rows else _NONE_MERGED
        if r in hidden:
            hidden_rows.append(r + 1)
        cells = RowCells(grid.name, r + 1, where, values)
        rows.append(ParsedRow(grid.name, r + 1, cells, r in hidden, merged, values))
    return rows, hidden_rows


_NONE_MERGED: frozenset[str] = frozenset()


def _merged(columns: dict[str, int], filled: dict[tuple[int, int], Any], r: int) -> frozenset[str]:
    return frozenset(k for k, c in columns.items() if (r, c) in filled)


def _row_taker(cols: list[int], width: int) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    """Those columns of a grid row as a tuple (None past the end of a short row); the row
    itself when the table is the whole row, as in a template nobody added columns to."""
    pick = itemgetter(*cols) if len(cols) > 1 else lambda row: (row[cols[0]],)
    need = max(cols) + 1

    def take(row: tuple[Any, ...]) -> tuple[Any, ...]:
        if len(row) >= need:
            return pick(row)
        return tuple(row[c] if c < len(row) else None for c in cols)

    if cols != list(range(width)):
        return take
    return lambda row: row if len(row) == width else take(row)


def _at(row: tuple[Any, ...], c: int, filled: dict[tuple[int, int], Any], r: int) -> Any:
    if filled and (r, c) in filled:
        return filled[(r, c)]
    return row[c] if c < len(row) else None


def _data_area(
    table: Table, sheet_def: Sheet, grid: Grid, header: int, columns: dict[str, int]
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
        if any(v is not None and v != "" for v in keys) or grid.has_formula(r, key_cols):
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
    return "".join(folded.split()).strip("*").rstrip(":").strip("*")  # split(): any whitespace


def _titles(field: Field) -> frozenset[str]:
    return frozenset(_norm_title(t) for t in (field.title, *field.aliases))


def _kind_from_structure(sheets: Book, visible: list[str]) -> str:
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
