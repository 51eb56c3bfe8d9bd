"""The master archive workbooks in outbox/archive/, written with XlsxWriter from plain data.

Every str goes through write_string with XlsxWriter's conversions off, so what staff typed
("=1+1", "@SUM(A1)", "http://…") stays text. Files appear atomically; a target that Excel holds
open on a Windows share is retried, then written beside it, and export carries on.
"""

from __future__ import annotations

import math
import secrets
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import xlsxwriter
from xlsxwriter.exceptions import XlsxWriterException

from branchflow.errors import WorkspaceError
from branchflow.feedback import safe_file_part
from branchflow.templates.definitions import (
    CUSTOMER_FIELDS,
    FOLLOW_UP_FIELDS,
    GRADES,
    Field,
    FieldType,
)

MASTER_NAME = "客户总档案"
BRANCH_PREFIX = "分中心档案-"
WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
    "constant_memory": True,
}
_EXCEL_EPOCH = date(1899, 12, 30).toordinal()
_FIRST_SAFE_SERIAL = 61  # Excel's day 60 is the fictitious 1900-02-29
_MAX_TEXT = 32_000


_Count = tuple[str | None, str | None, str | None, int]


@dataclass(frozen=True)
class ArchiveData:
    """Everything the archive workbooks show, as plain rows (see the column tables below)."""

    customers: Sequence[Mapping[str, Any]] = ()
    followups: Sequence[Mapping[str, Any]] = ()
    conflicts: Sequence[Mapping[str, Any]] = ()
    township_counts: Sequence[_Count] = ()  # county, township, grade, count


class ArchiveRows(Protocol):
    """ArchiveData, or anything shaped like it (the archive's ExportData)."""

    @property
    def customers(self) -> Sequence[Mapping[str, Any]]: ...
    @property
    def followups(self) -> Sequence[Mapping[str, Any]]: ...
    @property
    def conflicts(self) -> Sequence[Mapping[str, Any]]: ...
    @property
    def township_counts(self) -> Sequence[_Count]: ...


@dataclass(frozen=True)
class ExportFallback:
    """A target that stayed locked: where the workbook went instead (None: nowhere)."""

    target: Path
    written: Path | None
    note: str  # Chinese, for the log and the command line


@dataclass(frozen=True)
class ExportResult:
    written: tuple[Path, ...]
    fallbacks: tuple[ExportFallback, ...] = ()

    @property
    def notes(self) -> tuple[str, ...]:
        return tuple(f.note for f in self.fallbacks)

    def describe(self, base: Path | None = None) -> list[str]:
        """One Chinese line per file, paths relative to `base` when given."""
        instead = {f.written for f in self.fallbacks}
        lines = [f"已导出 {_shown(p, base)}" for p in self.written if p not in instead]
        return lines + list(self.notes)


def _shown(path: Path, base: Path | None) -> str:
    inside = base is not None and path.is_relative_to(base)
    return str(path.relative_to(base)) if inside and base is not None else str(path)


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    kind: str = "text"  # text / number / date / datetime / flag
    width: float = 12


def _column(field: Field) -> Column:
    kinds = {FieldType.DATE: "date", FieldType.NUMBER: "number", FieldType.INTEGER: "number"}
    title_width = sum(2 if ord(ch) > 0x2E7F else 1 for ch in field.title) + 2
    return Column(
        field.key, field.title, kinds.get(field.type, "text"), max(field.width, title_width)
    )


CUSTOMER_COLUMNS = (
    *(_column(f) for f in CUSTOMER_FIELDS),
    Column("owner_branch", "归属分中心", width=14),
    Column("first_registered_on", "首次登记", "date", 12),
    Column("updated_at", "最近更新", "datetime", 17),
    Column("source_file", "来源文件", width=30),
)
FOLLOWUP_COLUMNS = (
    _column(FOLLOW_UP_FIELDS[0]),
    Column("customer_name", "客户姓名", width=10),
    *(_column(f) for f in FOLLOW_UP_FIELDS[1:]),
    Column("branch", "分中心", width=14),
)
CONFLICT_COLUMNS = (
    Column("masked_phone", "手机号码(前三后四)", width=18),
    Column("owner_branch", "归属分中心", width=14),
    Column("claimant_branch", "提交分中心", width=14),
    Column("owner_registered_on", "归属方登记日期", "date", 15),
    Column("claimant_registered_on", "提交方登记日期", "date", 15),
    Column("detected_at", "发现时间", "datetime", 17),
    Column("within_protection", "在保护期内", "flag", 11),
    Column("resolution", "处理结果", width=30),
)
TOWNSHIP_COLUMNS = (
    Column("county", "户籍县(市、区)", width=16),
    Column("township", "户籍乡镇", width=14),
    *(Column(grade, f"{grade}级", "number", 8) for grade in GRADES),
    Column("total", "合计", "number", 9),
)


@dataclass(frozen=True)
class _Sheet:
    name: str
    columns: tuple[Column, ...]
    rows: Iterable[Mapping[str, Any]]
    total: Mapping[str, Any] | None = None  # a bold last row outside the autofilter


def export_archive(
    archive_dir: Path,
    data: ArchiveRows,
    branches: Iterable[str] | None = None,
    retries: int = 3,
    retry_delay: float = 0.5,
    *,
    now: datetime | None = None,
) -> ExportResult:
    """Rewrite 客户总档案.xlsx and one 分中心档案-<分中心>.xlsx per branch (all in the data when
    `branches` is None). A locked target never raises: see ExportResult.fallbacks.

    XlsxWriter bounds the speed: ~12 s for the master with 100k customers, as much again for
    all the branch files together.
    """
    try:
        archive_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WorkspaceError(f"无法创建总档案文件夹 {archive_dir}：{exc}") from exc
    names = sorted(_branches_in(data) if branches is None else set(branches))
    parts = _split_by_branch(data, names)
    jobs = [(archive_dir / f"{MASTER_NAME}.xlsx", _master_sheets(data))]
    for name in names:
        target = archive_dir / f"{BRANCH_PREFIX}{safe_file_part(name)}.xlsx"
        jobs.append((target, _branch_sheets(name, parts[name])))
    written: list[Path] = []
    fallbacks: list[ExportFallback] = []
    for target, sheets in jobs:
        temp = _write_temp(target, sheets)
        placed, fallback = _place(temp, target, retries, retry_delay, now or datetime.now())
        written += [placed] if placed else []
        fallbacks += [fallback] if fallback else []
    return ExportResult(tuple(written), tuple(fallbacks))


# --- what goes where ------------------------------------------------------------------------


def _master_sheets(data: ArchiveRows) -> list[_Sheet]:
    rows, total = _township_rows(data.township_counts)
    return [
        _Sheet("客户总表", CUSTOMER_COLUMNS, data.customers),
        _Sheet("乡镇汇总", TOWNSHIP_COLUMNS, rows, total),
        _Sheet("跟进记录", FOLLOWUP_COLUMNS, data.followups),
        _Sheet("撞单记录", CONFLICT_COLUMNS, data.conflicts),
    ]


def _branch_sheets(branch: str, part: ArchiveData) -> list[_Sheet]:
    counts = Counter(
        (c.get("county") or "", c.get("township") or "", c.get("grade") or "")
        for c in part.customers
    )
    rows, total = _township_rows((*key, n) for key, n in counts.items())
    return [
        _Sheet("客户总表", CUSTOMER_COLUMNS, part.customers),
        _Sheet("乡镇汇总", TOWNSHIP_COLUMNS, rows, total),
        _Sheet("跟进记录", FOLLOWUP_COLUMNS, part.followups),
        _Sheet("撞单记录", CONFLICT_COLUMNS, [_as_seen_by(branch, c) for c in part.conflicts]),
    ]


def _as_seen_by(branch: str, conflict: Mapping[str, Any]) -> Mapping[str, Any]:
    """The claimant learns the masked phone and the owning branch, not the owner's record."""
    if conflict.get("owner_branch") == branch:
        return conflict
    return {**conflict, "owner_registered_on": None}


def _branches_in(data: ArchiveRows) -> set[str]:
    found = {c.get("owner_branch") for c in data.customers}
    found |= {f.get("branch") for f in data.followups}
    found |= {c.get(k) for c in data.conflicts for k in ("owner_branch", "claimant_branch")}
    return {name for name in found if isinstance(name, str) and name}


def _split_by_branch(data: ArchiveRows, names: Sequence[str]) -> dict[str, ArchiveData]:
    customers: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    followups: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    conflicts: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for customer in data.customers:
        customers[customer.get("owner_branch") or ""].append(customer)
    for followup in data.followups:
        followups[followup.get("branch") or ""].append(followup)
    for conflict in data.conflicts:
        for side in {conflict.get("owner_branch"), conflict.get("claimant_branch")}:
            conflicts[side or ""].append(conflict)
    return {n: ArchiveData(customers[n], followups[n], conflicts[n]) for n in names}


def _township_rows(counts: Iterable[_Count]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """County × township rows with a count per grade and a total, sorted, plus the total row."""
    table: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for county, township, grade, count in counts:
        table[(county or "", township or "")][grade if grade in GRADES else ""] += count or 0
    rows = []
    for (county, township), by_grade in sorted(table.items()):
        row: dict[str, Any] = {"county": county, "township": township}
        row.update({grade: by_grade[grade] for grade in GRADES})
        row["total"] = sum(by_grade.values())
        rows.append(row)
    total: dict[str, Any] = {"county": "合计", "township": f"{len(rows)} 个乡镇"}
    for key in (*GRADES, "total"):
        total[key] = sum(row[key] for row in rows)
    return rows, total


# --- writing --------------------------------------------------------------------------------


class _Styles:
    def __init__(self, workbook: Any) -> None:
        self.header = workbook.add_format(
            {"bold": True, "bg_color": "#D9E1F2", "border": 1, "valign": "vcenter"}
        )
        self.total = workbook.add_format({"bold": True, "top": 1})
        self.text = workbook.add_format({"num_format": "@"})
        self.date = workbook.add_format({"num_format": "yyyy-mm-dd"})
        self.datetime = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})


def _write_temp(target: Path, sheets: Sequence[_Sheet]) -> Path:
    """The whole workbook in a temp file beside the target (same folder, so rename is atomic)."""
    # Not mkstemp: its 0600 mode would survive the rename and hide the archive from colleagues.
    temp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    try:
        workbook = xlsxwriter.Workbook(str(temp), WORKBOOK_OPTIONS)
        styles = _Styles(workbook)
        for sheet in sheets:
            _write_sheet(workbook.add_worksheet(sheet.name), sheet, styles)
        workbook.close()
    except (OSError, XlsxWriterException) as exc:
        temp.unlink(missing_ok=True)
        raise WorkspaceError(f"写入 {target.name} 失败：{exc}；请检查磁盘空间和文件夹权限") from exc
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return temp


def _write_sheet(sheet: Any, spec: _Sheet, styles: _Styles) -> None:
    for index, column in enumerate(spec.columns):
        # Typed-in phone numbers and IDs stay text when someone edits the sheet in Excel.
        text = column.key in ("phone", "id_number", "masked_phone")
        sheet.set_column(index, index, column.width, styles.text if text else None)
        sheet.write_string(0, index, column.title, styles.header)
    sheet.freeze_panes(1, 0)
    last = _write_rows(sheet, spec.columns, spec.rows, styles)
    sheet.autofilter(0, 0, last, len(spec.columns) - 1)
    if spec.total is not None:
        for index, column in enumerate(spec.columns):
            value = spec.total.get(column.key)
            if isinstance(value, str):
                sheet.write_string(last + 1, index, value, styles.total)
            elif isinstance(value, int):
                sheet.write_number(last + 1, index, value, styles.total)
            else:
                sheet.write_blank(last + 1, index, None, styles.total)


def _write_rows(
    sheet: Any, columns: Sequence[Column], rows: Iterable[Mapping[str, Any]], styles: _Styles
) -> int:
    """Write data from row 1 down; return the last row written (0 when there was none)."""
    plan = [(index, column.key, column.kind) for index, column in enumerate(columns)]
    put_text = sheet.write_string
    last = 0
    for last, record in enumerate(rows, start=1):
        get = record.get
        for index, key, kind in plan:
            value = get(key)
            if value is None or value == "":
                continue
            # The hot path, inlined: 100k rows × 30 columns go through here.
            if type(value) is str and kind == "text" and not value.startswith("<r>"):
                put_text(last, index, value)
            else:
                _write_value(sheet, last, index, kind, value, styles)
    return last


def _write_value(sheet: Any, row: int, col: int, kind: str, value: Any, styles: _Styles) -> None:
    if value is None or value == "":
        return
    if isinstance(value, bool):
        _write_text(sheet, row, col, "是" if value else "否")
    elif kind == "number" and isinstance(value, int | float | Decimal):
        if math.isfinite(value):
            sheet.write_number(row, col, float(value) if isinstance(value, Decimal) else value)
    elif kind in ("date", "datetime") and isinstance(value, date):
        serial = _serial(value)
        if serial < _FIRST_SAFE_SERIAL:
            _write_text(sheet, row, col, value.isoformat())
        else:
            fmt = styles.datetime if kind == "datetime" else styles.date
            sheet.write_number(row, col, serial, fmt)
    else:
        _write_text(sheet, row, col, _as_text(value))


def _write_text(sheet: Any, row: int, col: int, text: str) -> None:
    text = text[:_MAX_TEXT]
    if text.startswith("<r>") and text.endswith("</r>"):
        # XlsxWriter's constant_memory writer copies such a string into the sheet XML unescaped,
        # taking it for its own rich-text markup: "<r>…</r></is></c><c><f>…" would become a
        # formula. Written as three plain runs, every character is escaped.
        sheet.write_rich_string(row, col, text[:1], text[1:2], text[2:])
    else:
        sheet.write_string(row, col, text)


def _as_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a phone number that arrived as 13812345678.0
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _serial(value: date) -> float:
    """Excel's day number (1900 system); a datetime keeps its wall-clock time of day."""
    days = value.toordinal() - _EXCEL_EPOCH
    if isinstance(value, datetime):
        seconds = value.hour * 3600 + value.minute * 60 + value.second
        return days + seconds / 86_400
    return days


# --- placing the file -----------------------------------------------------------------------


def _place(
    temp: Path, target: Path, retries: int, delay: float, now: datetime
) -> tuple[Path | None, ExportFallback | None]:
    for attempt in range(retries + 1):
        try:
            temp.replace(target)
        except PermissionError:  # Excel holds it open on a Windows share
            if attempt < retries:
                time.sleep(delay)
        else:
            return target, None
    beside = target.with_name(f"{target.stem}-{now:%Y%m%d-%H%M%S}{target.suffix}")
    number = 2
    while beside.exists():
        beside = target.with_name(f"{target.stem}-{now:%Y%m%d-%H%M%S}-{number}{target.suffix}")
        number += 1
    try:
        temp.replace(beside)
    except PermissionError:
        temp.unlink(missing_ok=True)
        note = f"{target.name} 正被占用，本次未能写出；请关闭该文件后运行 branchflow export。"
        return None, ExportFallback(target, None, note)
    note = (
        f"{target.name} 正被占用（可能有人在 Excel 中打开），本次已另存为 {beside.name}；"
        "关闭后再次导出即写回原文件。"
    )
    return beside, ExportFallback(target, beside, note)
