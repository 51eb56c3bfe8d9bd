"""Answers to a branch in its 回执 folder: a receipt, an annotated rejection copy, a duplicate note.

Only the drop's file name and our own clock ever reach a path; workbook content never does.
Every string we put into a workbook is stored as text, so nothing staff typed becomes a formula.
"""

from __future__ import annotations

import io
import re
import secrets
import unicodedata
import warnings
import zipfile
from collections.abc import Callable, Iterable, Sequence
from copy import copy
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from branchflow import intake
from branchflow.archive.results import ArchiveResult, LedgerEntry
from branchflow.config import Limits
from branchflow.intake import IncomingFile
from branchflow.templates.definitions import KIND_NAMES, TEMPLATES
from branchflow.validate.batch import ValidatedBatch
from branchflow.validate.issues import Issue

ISSUE_SHEET = "错误清单"
AUTHOR = "branchflow"  # comments we write carry this author, so a re-dropped copy can be cleaned
ERROR_FILL = "FFF4B0B0"
WARNING_FILL = "FFFFD98A"
MAX_CELL_TEXT = 32_000
DEFAULT_LIMITS = Limits()
MAX_COPY_UNPACKED = 64 * 2**20  # ~80k rows saved by Excel; openpyxl would take ~1 GB and a minute
_UNSAFE_NAME = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_COORDINATE = re.compile(r"^[A-Z]{1,3}[1-9][0-9]{0,6}$")
_LEVELS = {"error": "错误", "warning": "提醒"}
_Anchor = tuple[str, str]  # (sheet, coordinate) of the cell that carries the mark
_CORRECTION = {
    "customers": "如需更正，直接修改原工作簿后重新放入本文件夹即可，不会重复入库。",
}
_STATUS = {"accepted": "已入库", "rejected": "已退回", "duplicate": "重复文件"}


def safe_file_part(text: str, limit: int = 60) -> str:
    """A piece of a file name: no separators, control or invisible characters, at most `limit`."""
    cleaned = "".join(" " if unicodedata.category(ch) == "Cf" else ch for ch in text)
    cleaned = _UNSAFE_NAME.sub("_", cleaned)
    cleaned = " ".join(cleaned.split()).strip(" .")[:limit].strip(" .")
    return cleaned or "文件"


def write_receipt(
    receipts_dir: Path,
    incoming: IncomingFile,
    batch: ValidatedBatch,
    result: ArchiveResult,
    now: datetime,
) -> Path:
    """The receipt for an accepted drop: what was counted, 撞单 notices and every warning."""
    lines = [
        "【branchflow 回执】文件已收到并入库，谢谢！",
        *_file_lines(incoming, batch.kind),
        f"报告期：{batch.period or '未填写'}",
        "",
        *_count_lines(batch, result),
        *_conflict_lines(result),
        *_warning_lines(i for i in (*batch.warnings, *result.issues) if not _told(i, result)),
        "",
        _CORRECTION.get(batch.kind, "如需更正，修改后重新放入本文件夹即可，以最后一次报送为准。"),
    ]
    return _write_text(receipts_dir, f"回执-{safe_file_part(incoming.path.stem)}", lines, now)


def write_duplicate(
    receipts_dir: Path, incoming: IncomingFile, first_seen: LedgerEntry, now: datetime
) -> Path:
    """A short note: these exact bytes were received before, so nothing changed."""
    first_name = PurePosixPath(first_seen.relative).name or first_seen.relative
    lines = [
        "【branchflow 回执】重复文件，未做任何更改。",
        *_file_lines(incoming, first_seen.kind),
        "",
        f"内容与 {_clock(first_seen.received_at)} 收到的《{first_name}》完全相同，"
        f"上次处理结果：{_STATUS.get(first_seen.status, first_seen.status)}。",
        "本次没有新增或修改任何数据，无需处理。",
    ]
    if first_seen.status == "rejected":
        lines.append("上次的文件被退回过：请按上次的退回说明修改后再放入。")
    return _write_text(receipts_dir, f"回执-{safe_file_part(incoming.path.stem)}", lines, now)


def write_rejection(
    receipts_dir: Path,
    incoming: IncomingFile,
    issues: Sequence[Issue],
    now: datetime,
    *,
    limits: Limits = DEFAULT_LIMITS,
) -> Path:
    """The staff's own workbook with bad cells marked and a first sheet 错误清单; a .txt when
    the bytes are not a workbook we can open."""
    # Intake's own rules decide what is never opened here (bombs, macros, .xls…).
    size = len(incoming.data)
    problem = incoming.problem or intake._vet(incoming.path.name, size, incoming.data, limits)
    if problem is None:
        problem = _too_big_to_copy(incoming.data)
    if problem is None:
        path = _free_path(receipts_dir, f"退回-{safe_file_part(incoming.path.stem)}", now, ".xlsx")
        if _save_annotated_copy(incoming.data, issues, path):
            return path
        problem = intake._damaged()
    return _write_unreadable(receipts_dir, incoming, issues, problem, now)


# --- text answers ---------------------------------------------------------------------------


def _file_lines(incoming: IncomingFile, kind: str) -> list[str]:
    return [
        f"文件：{incoming.path.name}",
        f"收到时间：{_clock(incoming.received_at)}",
        f"类型：{KIND_NAMES.get(kind, KIND_NAMES['unknown'])}",
    ]


def _count_lines(batch: ValidatedBatch, result: ArchiveResult) -> list[str]:
    if batch.kind == "customers":
        return [
            "本次统计：",
            f"  客户：新增 {result.new_customers} 位，更新 {result.updated_customers} 位，"
            f"未变 {result.unchanged_customers} 位",
            f"  跟进记录：新增 {result.followups_added} 条，此前已收到 {result.followups_known} 条",
        ]
    lines = ["本次统计："]
    definition = TEMPLATES.get(batch.kind)
    tables = definition.tables if definition else ()
    for table in tables:
        lines.append(f"  {table.title}：{len(batch.tables.get(table.key, ()))} 行")
    return lines if tables else [f"本次统计：共 {batch.rows} 行"]


def _conflict_lines(result: ArchiveResult) -> list[str]:
    if not result.conflicts:
        return []
    explained = {i.address: i.message for i in result.issues if _told(i, result)}
    lines = ["", f"撞单提醒（共 {len(result.conflicts)} 位，此前已由其他分中心登记）："]
    for conflict in result.conflicts:
        outcome = (
            "仍在保护期内，归属不变" if conflict.within_protection else "已过保护期，改归本分中心"
        )
        said = f"手机号 {conflict.masked_phone} 已由{conflict.owner_branch}登记，{outcome}。"
        where = f"{conflict.cell}：" if conflict.cell else ""
        lines.append(f"  {where}{explained.get(conflict.cell, said)}")
    return lines


def _told(issue: Issue, result: ArchiveResult) -> bool:
    """The archive's own 撞单 warning for a row the 撞单 section already covers."""
    cells = {conflict.cell for conflict in result.conflicts}
    return issue.code.startswith("conflict.") and issue.address in cells


def _warning_lines(found: Iterable[Issue]) -> list[str]:
    unique = list(dict.fromkeys(found))
    if not unique:
        return ["", "没有需要注意的地方。"]
    lines = ["", f"提醒（共 {len(unique)} 条，不影响入库，方便时请核对）："]
    for number, issue in enumerate(unique, start=1):
        lines.append(f"  {number}. {_where(issue)}{issue.message}")
    return lines


def _where(issue: Issue) -> str:
    place = issue.address
    if issue.field:
        place = f"{place} {issue.field}" if place else issue.field
    return f"{place}：" if place else ""


def _write_unreadable(
    receipts_dir: Path, incoming: IncomingFile, issues: Sequence[Issue], why: Issue, now: datetime
) -> Path:
    found = [issue for issue in dict.fromkeys(issues) if issue != why]
    lines = [
        "【branchflow 退回】文件未入库。",
        f"文件：{incoming.path.name}",
        f"收到时间：{_clock(incoming.received_at)}",
        "",
        f"原因：{why.message}",
    ]
    if found:
        lines += ["", "问题明细："]
        lines += [f"  {n}. {_where(i)}{i.message}" for n, i in enumerate(found, start=1)]
    name = f"退回-{safe_file_part(incoming.path.name)}"
    return _write_text(receipts_dir, name, lines, now)


def _write_text(receipts_dir: Path, name: str, lines: Sequence[str], now: datetime) -> Path:
    """UTF-8 with BOM and CRLF, so Windows Notepad shows it right."""
    text = "\n".join(lines) + "\n"
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = ILLEGAL_CHARACTERS_RE.sub("", text).replace("\n", "\r\n")
    path = _free_path(receipts_dir, name, now, ".txt")
    _atomic_write(path, lambda tmp: tmp.write_bytes(text.encode("utf-8-sig")))
    return path


# --- files ----------------------------------------------------------------------------------


def _stamp(now: datetime) -> str:
    return now.strftime("%Y%m%d-%H%M%S")


def _clock(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def _free_path(folder: Path, name: str, now: datetime, suffix: str) -> Path:
    """`folder/name-<time><suffix>`, with -2, -3… when two answers land in the same second."""
    folder.mkdir(parents=True, exist_ok=True)
    base = f"{name}-{_stamp(now)}"
    path = folder / f"{base}{suffix}"
    number = 2
    while path.exists():
        path = folder / f"{base}-{number}{suffix}"
        number += 1
    return path


def _atomic_write(path: Path, write: Callable[[Path], Any]) -> None:
    """Write beside the target, then rename, so a half-written answer is never visible."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # Not mkstemp: its 0600 mode would survive the rename and hide the answer from colleagues.
    temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        write(temp)
        temp.replace(path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


# --- the annotated copy ---------------------------------------------------------------------


def _too_big_to_copy(data: bytes) -> Issue | None:
    """openpyxl needs ~10x a sheet's XML in memory; a huge workbook gets a text list instead."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked <= MAX_COPY_UNPACKED:
        return None
    return Issue(
        "file.too_big_to_annotate",
        f"文件较大（解压后约 {unpacked // 2**20} MB），没有生成标注副本：请按下面的清单逐项修改",
    )


def _save_annotated_copy(data: bytes, issues: Sequence[Issue], path: Path) -> bool:
    """False when openpyxl cannot open or re-save this workbook."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about every extension it drops
            book = openpyxl.load_workbook(io.BytesIO(data), keep_vba=False, rich_text=False)
        _annotate(book, issues)
        _atomic_write(path, book.save)
    except OSError:
        raise
    # Hostile or merely odd files make openpyxl raise almost anything; staff still get an answer.
    except Exception:
        return False
    return True


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
