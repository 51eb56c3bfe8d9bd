"""The staff's own workbook, annotated: bad cells highlighted and commented, and a first sheet
错误清单 listing every problem with a link to its cell (openpyxl; imported only for rejections).
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Sequence
from copy import copy
from datetime import date, datetime, time
from typing import Any

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from branchflow.validate.issues import Issue

ISSUE_SHEET = "错误清单"
AUTHOR = "branchflow"  # comments we write carry this author, so a re-dropped copy can be cleaned
ERROR_FILL = "FFF4B0B0"
WARNING_FILL = "FFFFD98A"
MAX_CELL_TEXT = 32_000

_COORDINATE = re.compile(r"^[A-Z]{1,3}[1-9][0-9]{0,6}$")
_LEVELS = {"error": "错误", "warning": "提醒"}
_Anchor = tuple[str, str]  # (sheet, coordinate) of the cell that carries the mark


def annotated_copy(data: bytes, issues: Sequence[Issue]) -> Workbook | None:
    """The staff's workbook with every issue marked; None when openpyxl cannot open it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about every extension it drops
            book = openpyxl.load_workbook(io.BytesIO(data), keep_vba=False, rich_text=False)
        _annotate(book, issues)
    # Hostile or merely odd files make openpyxl raise almost anything; staff still get an answer.
    except Exception:
        return None
    return book


def rewritten_copy(
    data: bytes, fmt: str, issues: Sequence[Issue], max_merged: int = 100_000
) -> Workbook | None:
    """A workbook we read but openpyxl cannot open (.xls, .xlsb, .ods, .csv): its values
    written into a new .xlsx, sheet by sheet, then marked like an .xlsx. Text stays text."""
    from branchflow.readers import open_book

    try:
        source = open_book(data, fmt)
        if any(note.is_error for note in source.notes):  # too big to read safely
            return None
        grids = [source.grid(info.name) for info in source.sheets]
        merged = sum((r1 - r0 + 1) * (c1 - c0 + 1) for g in grids for r0, c0, r1, c1 in g.merges)
        if merged > max_merged:  # openpyxl would make an object for each merged cell
            return None
        book = Workbook()
        book.remove(book.active)
        for info, grid in zip(source.sheets, grids, strict=True):
            _copy_sheet(book, grid, info.hidden)
        if not book.worksheets:
            book.create_sheet("Sheet1")
        _annotate(book, issues)
    except Exception:  # as for annotated_copy: staff get the text answer instead
        return None
    return book


def _copy_sheet(book: Workbook, grid: Any, hidden: bool) -> None:
    sheet = book.create_sheet(grid.name[:31])
    for r, row in enumerate(grid.rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is None:
                continue
            cell = sheet.cell(r, c)
            if isinstance(value, str):
                _put_text(cell, value)
            elif isinstance(value, (int, float, bool, datetime, date, time)):
                cell.value = value
            else:  # a duration or anything else: as the text a person would read
                _put_text(cell, str(value))
    for r0, c0, r1, c1 in grid.merges:
        sheet.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
    for r in grid.hidden:
        sheet.row_dimensions[r + 1].hidden = True
    if hidden:
        sheet.sheet_state = "hidden"


def _annotate(book: Workbook, issues: Sequence[Issue]) -> None:
    if ISSUE_SHEET in book.sheetnames:  # a returned copy dropped again: replace our old list
        book.remove(book[ISSUE_SHEET])
    order = {name: index for index, name in enumerate(book.sheetnames)}
    for sheet in book.worksheets:
        _clear_old_marks(sheet)
    anchors = {issue: _anchor(book, issue) for issue in dict.fromkeys(issues)}
    grouped: dict[_Anchor, list[Issue]] = {}
    for issue, anchor in anchors.items():
        if anchor is not None:
            grouped.setdefault(anchor, []).append(issue)
    for (sheet, coordinate), found in grouped.items():
        cell = book[sheet][coordinate]
        error = any(issue.is_error for issue in found)
        cell.fill = PatternFill("solid", fgColor=ERROR_FILL if error else WARNING_FILL)
        cell.comment = _comment(found, cell.comment)
    ranked = sorted(anchors, key=lambda issue: _rank(issue, order))
    _add_issue_sheet(book, [(issue, anchors[issue]) for issue in ranked])


def _rank(issue: Issue, order: dict[str, int]) -> tuple[int, int, int, int]:
    """Errors before warnings; within each, file-level first, then sheet order, row, column."""
    row = col = 0
    if _COORDINATE.match(issue.cell.upper()):
        row, col = coordinate_to_tuple(issue.cell.upper())
    return (0 if issue.is_error else 1, order.get(issue.sheet, -1), row, col)


def _anchor(book: Workbook, issue: Issue) -> _Anchor | None:
    """(sheet, coordinate) of the cell to mark: the issue's cell, or its merged range's first."""
    coordinate = issue.cell.strip().replace("$", "").upper()
    if issue.sheet not in book.sheetnames or not _COORDINATE.match(coordinate):
        return None
    sheet = book[issue.sheet]
    row, col = coordinate_to_tuple(coordinate)
    if not isinstance(sheet, Worksheet) or row > 1_048_576 or col > 16_384:
        return None
    for merged in sheet.merged_cells.ranges:
        if merged.min_row <= row <= merged.max_row and merged.min_col <= col <= merged.max_col:
            return issue.sheet, merged.start_cell.coordinate
    return issue.sheet, coordinate


def _clear_old_marks(sheet: Worksheet) -> None:
    """Undo the marks of an earlier rejection, so fixed cells stop looking wrong."""
    # Only cells that exist: iter_rows() would create every empty cell of the used range.
    for cell in list(sheet._cells.values()):
        if cell.comment is not None and cell.comment.author == AUTHOR:
            cell.comment = None
            if cell.fill.fgColor.rgb in (ERROR_FILL, WARNING_FILL):
                cell.fill = PatternFill()


def _comment(found: Sequence[Issue], old: Comment | None) -> Comment:
    lines = [f"【{_LEVELS[issue.severity]}】{issue.message}" for issue in found]
    if old is not None and old.author != AUTHOR and old.text:
        lines += ["—— 原批注 ——", old.text]
    text = _clean("\n".join(lines))
    comment = Comment(text, AUTHOR)
    comment.width = 320
    comment.height = min(480, 30 + 20 * sum(1 + len(line) // 18 for line in text.split("\n")))
    return comment


ISSUE_COLUMNS = (
    ("序号", 6),
    ("工作表", 14),
    ("单元格", 9),
    ("栏目", 16),
    ("问题及修改方法", 70),
    ("级别", 7),
)


def _add_issue_sheet(book: Workbook, ranked: Sequence[tuple[Issue, _Anchor | None]]) -> None:
    sheet = book.create_sheet(ISSUE_SHEET, 0)
    header_fill = PatternFill("solid", fgColor="FFD9E1F2")
    for col, (title, width) in enumerate(ISSUE_COLUMNS, start=1):
        cell = sheet.cell(1, col)
        _put_text(cell, title)
        cell.font = _font(cell, bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[cell.column_letter].width = width
    for number, (issue, anchor) in enumerate(ranked, start=1):
        _issue_row(sheet, number + 1, number, issue, anchor)
    last = len(ranked) + 1
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:F{last}"
    _put_text(
        sheet.cell(last + 2, 1),
        "标红的格子是错误（必须改），标黄的是提醒（请核对）；把鼠标移到格子上可看批注，"
        "点“单元格”一栏可跳到该格。改好后把工作簿重新放入本文件夹即可，本工作表不用删除。",
    )
    sheet.cell(last + 2, 1).font = _font(sheet.cell(last + 2, 1), italic=True, color="FF595959")
    _activate(book)


def _issue_row(
    sheet: Worksheet, row: int, number: int, issue: Issue, anchor: _Anchor | None
) -> None:
    texts = (issue.sheet or "（整个文件）", issue.cell, issue.field, issue.message)
    sheet.cell(row, 1, number)
    for col, text in enumerate(texts, start=2):
        _put_text(sheet.cell(row, col), text)
    level = sheet.cell(row, 6)
    _put_text(level, _LEVELS[issue.severity])
    level.fill = PatternFill("solid", fgColor=ERROR_FILL if issue.is_error else WARNING_FILL)
    for col in range(1, 7):
        sheet.cell(row, col).alignment = Alignment(vertical="top", wrap_text=True)
    if anchor is not None:
        target_sheet, coordinate = anchor
        link = sheet.cell(row, 3)
        quoted = target_sheet.replace("'", "''")
        link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{quoted}'!{coordinate}")
        link.font = _font(link, color="FF0563C1", underline="single")


def _activate(book: Workbook) -> None:
    """Show 错误清单 on opening, with no other tab selected (grouped tabs edit together)."""
    for sheet in book.worksheets:
        sheet.sheet_view.tabSelected = False
    for chart in book.chartsheets:
        for view in chart.sheetViews.sheetView:
            view.tabSelected = False
    book.active = 0
    book.worksheets[0].sheet_view.tabSelected = True
    for view in book.views:
        view.firstSheet = 0
        view.activeTab = 0


def _font(cell: Any, **changes: Any) -> Font:
    """The cell's own font (the workbook's default) with some changes, so the face stays."""
    font = copy(cell.font)
    for name, value in changes.items():
        setattr(font, name, value)
    return font


def _put_text(cell: Any, text: str) -> None:
    cleaned = _clean(text)
    if cleaned:  # an empty one would be an inline string with no text, which Excel may reject
        cell.value = cleaned
        # openpyxl stores any str starting with "=" as a formula; ours are always plain text.
        cell.data_type = "s"


def _clean(text: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", text)[:MAX_CELL_TEXT]
