"""The master archive workbooks in outbox/archive/, written with rustpy-xlsxwriter.

rustpy-xlsxwriter (rust_xlsxwriter underneath) writes a Python str as a string cell, always:
"=1+1", "@SUM(A1)" or "http://…" typed by staff stays text, and every character is escaped.
Rows are read from the archive and converted a few thousand at a time while the writer streams
them to disk, so the archive never has to fit in memory. Files appear atomically; a
target that Excel holds open on a Windows share is retried, then written beside it, and export
carries on; once the target is written again, the copies beside it are removed. An export
asked for `only_changed` leaves a workbook whose content versions are the ones it was last
written from (exportstamps.py), so a drop that changed one branch rewrites the master and that
branch's workbook only, and a drop that changed nothing rewrites nothing.
"""

from __future__ import annotations

import re
import secrets
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from rustpy_xlsxwriter import Format, write_worksheets

from branchflow.errors import OutputError
from branchflow.exportcells import Column, records
from branchflow.exportstamps import Progress, Stamps, tracked
from branchflow.feedback import safe_file_part
from branchflow.masterguard import CountedRows, customers_in, shrink_note
from branchflow.templates.definitions import (
    CUSTOMER_FIELDS,
    FOLLOW_UP_FIELDS,
    GRADES,
    Field,
    FieldType,
)

MASTER_NAME = "客户总档案"
BRANCH_PREFIX = "分中心档案-"
TOWNSHIP_SHEET = "乡镇汇总"
RESOLUTIONS = {"kept_by_owner": "归属不变", "transferred": "已转归"}

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


@runtime_checkable
class ArchiveSource(Protocol):
    """Rows read on demand, all branches (None) or one; the archive's ExportRows streams them
    from one read transaction."""

    def branches(self) -> set[str]: ...
    def customers(self, branch: str | None = None) -> Iterable[Mapping[str, Any]]: ...
    def followups(self, branch: str | None = None) -> Iterable[Mapping[str, Any]]: ...
    def conflicts(self, branch: str | None = None) -> Iterable[Mapping[str, Any]]: ...
    def township_counts(self, branch: str | None = None) -> Iterable[_Count]: ...


@dataclass(frozen=True)
class ExportFallback:
    """A target that stayed locked: where the workbook went instead (None: nowhere)."""

    target: Path
    written: Path | None
    note: str  # Chinese, for the log and the command line
    refused: bool = False  # not written on purpose: the master would have shrunk (masterguard)


@dataclass(frozen=True)
class ExportResult:
    written: tuple[Path, ...]
    fallbacks: tuple[ExportFallback, ...] = ()
    removed: tuple[Path, ...] = ()  # copies once written beside a locked target, now outdated
    unchanged: tuple[Path, ...] = ()  # left as they were: their content had not changed

    @property
    def refused(self) -> bool:
        """The master was not replaced because it would have shrunk (needs --force)."""
        return any(f.refused for f in self.fallbacks)

    @property
    def notes(self) -> tuple[str, ...]:
        return tuple(f.note for f in self.fallbacks)

    def describe(self, base: Path | None = None) -> list[str]:
        """One Chinese line per file, paths relative to `base` when given."""
        instead = {f.written for f in self.fallbacks}
        lines = [f"已导出 {_shown(p, base)}" for p in self.written if p not in instead]
        lines += [f"已删除过时的另存文件 {_shown(p, base)}" for p in self.removed]
        if self.unchanged:
            names = "、".join(p.name for p in self.unchanged)
            lines.append(f"内容未变，未重写：{names}")
        return lines + list(self.notes)


def _shown(path: Path, base: Path | None) -> str:
    inside = base is not None and path.is_relative_to(base)
    return str(path.relative_to(base)) if inside and base is not None else str(path)


def _column(field: Field) -> Column:
    kinds = {FieldType.DATE: "date", FieldType.NUMBER: "number", FieldType.INTEGER: "number"}
    title_width = sum(2 if ord(ch) > 0x2E7F else 1 for ch in field.title) + 2
    return Column(
        field.key, field.title, kinds.get(field.type, "text"), max(field.width, title_width)
    )


WRITTEN_TITLE = "原文(已更正的栏目)"  # what staff wrote where it is stored otherwise
CUSTOMER_COLUMNS = (
    *(_column(f) for f in CUSTOMER_FIELDS),
    Column("originals", WRITTEN_TITLE, "written", 30, {f.key: f.title for f in CUSTOMER_FIELDS}),
    Column("owner_branch", "归属分中心", width=14),
    Column("first_registered_on", "首次登记", "date", 12),
    Column("updated_at", "最近更新", "datetime", 17),
    Column("source_file", "来源文件", width=30),
)
# A branch's own archive also says until when the customer is protected (archive/protection.py).
BRANCH_CUSTOMER_COLUMNS = (
    *CUSTOMER_COLUMNS[:-2],
    Column("protected_until", "保护期至", "date", 12),
    *CUSTOMER_COLUMNS[-2:],
)
FOLLOWUP_COLUMNS = (
    _column(FOLLOW_UP_FIELDS[0]),
    Column("customer_name", "客户姓名", width=10),
    *(_column(f) for f in FOLLOW_UP_FIELDS[1:]),
    Column("branch", "分中心", width=14),
    Column("originals", WRITTEN_TITLE, "written", 24, {f.key: f.title for f in FOLLOW_UP_FIELDS}),
)
CONFLICT_COLUMNS = (
    Column("masked_phone", "手机号码(前三后四)", width=18),
    Column("owner_branch", "归属分中心", width=14),
    Column("claimant_branch", "提交分中心", width=14),
    Column("owner_registered_on", "归属方登记日期", "date", 15),
    Column("claimant_registered_on", "提交方登记日期", "date", 15),
    Column("detected_at", "发现时间", "datetime", 17),
    Column("within_protection", "在保护期内", "flag", 11),
    Column("resolution", "处理结果", width=30, labels=RESOLUTIONS),
    # 销售管理部's ruling in the console (判客), when there is one: it overrides 处理结果.
    Column("ruling_winner", "销售管理部裁定归属", width=16),
    Column("ruling_reason", "裁定理由", width=30),
    Column("ruled_at", "裁定时间", "datetime", 17),
)
TOWNSHIP_COLUMNS = (
    Column("county", "户籍县(市、区)", width=16),
    Column("township", "户籍乡镇", width=14),
    *(Column(grade, f"{grade}级", "number", 8) for grade in GRADES),
    Column("total", "合计", "number", 9),
)
# What a change of layout (a column added, renamed) changes: every workbook is written again.
LAYOUT = tuple(
    f"{sheet}:{column.title}"
    for sheet, columns in (
        ("客户总表", CUSTOMER_COLUMNS),
        ("跟进记录", FOLLOWUP_COLUMNS),
        ("撞单记录", CONFLICT_COLUMNS),
        (TOWNSHIP_SHEET, TOWNSHIP_COLUMNS),
    )
    for column in columns
)


@dataclass(frozen=True)
class _Sheet:
    name: str
    columns: tuple[Column, ...]
    rows: Iterable[Mapping[str, Any]]
    total: Mapping[str, Any] | None = None  # a bold last row (the sheet then has no filter)
    rows_before_total: int = 0
    long: bool = False  # one row per customer or follow-up (what progress counts)


def export_archive(
    archive_dir: Path,
    data: ArchiveRows | ArchiveSource,
    branches: Iterable[str] | None = None,
    retries: int = 3,
    retry_delay: float = 0.5,
    *,
    now: datetime | None = None,
    force: bool = False,
    only_changed: bool = False,
    progress: Progress | None = None,
) -> ExportResult:
    """Rewrite 客户总档案.xlsx and one 分中心档案-<分中心>.xlsx per branch (all in the data when
    `branches` is None). A locked target never raises: see ExportResult.fallbacks. A master
    that would shrink to less than half is not replaced unless `force` (see masterguard.py).
    With `only_changed`, a workbook whose content has not changed since it was written is left
    as it is (ExportResult.unchanged). `progress` hears how far each workbook has come.

    A file of 100k customers takes about 2.5 s: half of it the writer, the rest reading the
    archive and converting values; memory stays flat whatever the size.
    """
    try:
        archive_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"无法创建总档案文件夹 {archive_dir}：{exc}") from exc
    source = data if isinstance(data, ArchiveSource) else _InMemory(data)
    names = sorted(source.branches() if branches is None else set(branches))
    jobs: list[tuple[Path, str | None]] = [(archive_dir / f"{MASTER_NAME}.xlsx", None)]
    jobs += [(archive_dir / f"{BRANCH_PREFIX}{safe_file_part(n)}.xlsx", n) for n in names]
    stamps = Stamps(archive_dir, LAYOUT, source)
    written: list[Path] = []
    fallbacks: list[ExportFallback] = []
    removed: list[Path] = []
    unchanged: list[Path] = []
    for target, branch in jobs:
        if only_changed and stamps.current(target, branch):
            unchanged.append(target)
            continue
        sheets = tracked(_sheets(source, branch), target.name, source, branch, progress)
        counted = CountedRows(sheets[0].rows)
        temp = _write_temp(target, [replace(sheets[0], rows=counted), *sheets[1:]])
        before = customers_in(target) if branch is None and not force else None
        note = shrink_note(target, before, counted.count) if before is not None else None
        if note is not None:
            temp.unlink(missing_ok=True)
            fallbacks.append(ExportFallback(target, None, note, refused=True))
            continue
        placed, fallback = _place(temp, target, retries, retry_delay, now or datetime.now())
        stamps.written(target, branch, placed == target)
        written += [placed] if placed else []
        fallbacks += [fallback] if fallback else []
        removed += remove_fallbacks(target) if placed == target else []
    stamps.save()
    return ExportResult(tuple(written), tuple(fallbacks), tuple(removed), tuple(unchanged))


# --- what goes where ------------------------------------------------------------------------


def _sheets(source: ArchiveSource, branch: str | None) -> list[_Sheet]:
    """The four sheets of the master (branch None) or of one branch's archive."""
    rows, total = _township_rows(source.township_counts(branch))
    conflicts = source.conflicts(branch)
    if branch is not None:
        conflicts = (_as_seen_by(branch, c) for c in conflicts)
    return [
        _Sheet(
            "客户总表",
            CUSTOMER_COLUMNS if branch is None else BRANCH_CUSTOMER_COLUMNS,
            source.customers(branch),
            long=True,
        ),
        _Sheet(TOWNSHIP_SHEET, TOWNSHIP_COLUMNS, rows, total, len(rows)),
        _Sheet("跟进记录", FOLLOWUP_COLUMNS, source.followups(branch), long=True),
        _Sheet("撞单记录", CONFLICT_COLUMNS, conflicts),
    ]


def _as_seen_by(branch: str, conflict: Mapping[str, Any]) -> Mapping[str, Any]:
    """The claimant learns the masked phone and the owning branch, not the owner's record."""
    if conflict.get("owner_branch") == branch:
        return conflict
    return {**conflict, "owner_registered_on": None}


class _InMemory:
    """An ArchiveSource over plain lists (ArchiveData, or the archive's ExportData)."""

    def __init__(self, data: ArchiveRows) -> None:
        self.data = data

    def branches(self) -> set[str]:
        data = self.data
        found = {c.get("owner_branch") for c in data.customers}
        found |= {f.get("branch") for f in data.followups}
        found |= {c.get(k) for c in data.conflicts for k in ("owner_branch", "claimant_branch")}
        return {name for name in found if isinstance(name, str) and name}

    def customers(self, branch: str | None = None) -> Iterable[Mapping[str, Any]]:
        rows = self.data.customers
        return rows if branch is None else [c for c in rows if c.get("owner_branch") == branch]

    def followups(self, branch: str | None = None) -> Iterable[Mapping[str, Any]]:
        rows = self.data.followups
        return rows if branch is None else [f for f in rows if f.get("branch") == branch]

    def conflicts(self, branch: str | None = None) -> Iterable[Mapping[str, Any]]:
        rows = self.data.conflicts
        if branch is None:
            return rows
        return [c for c in rows if branch in (c.get("owner_branch"), c.get("claimant_branch"))]

    def township_counts(self, branch: str | None = None) -> Iterable[_Count]:
        if branch is None:
            return self.data.township_counts
        counts = Counter(
            (c.get("county") or "", c.get("township") or "", c.get("grade") or "")
            for c in self.customers(branch)
        )
        return [(*key, n) for key, n in counts.items()]


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


def _write_temp(target: Path, sheets: Sequence[_Sheet]) -> Path:
    """The whole workbook in a temp file beside the target (same folder, so rename is atomic)."""
    # Not mkstemp: its 0600 mode would survive the rename and hide the archive from colleagues.
    temp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    try:
        write_worksheets(
            [(s.name, _sheet_records(s)) for s in sheets], str(temp), **_layout(sheets)
        )
    except (OSError, RuntimeError) as exc:  # the writer reports its own failures as RuntimeError
        temp.unlink(missing_ok=True)
        raise OutputError(f"写入 {target.name} 失败：{exc}；请检查磁盘空间和文件夹权限") from exc
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return temp


def _sheet_records(sheet: _Sheet) -> Iterator[dict[str, Any]]:
    rows: Iterable[Mapping[str, Any]] = sheet.rows
    if sheet.total is not None:
        rows = [*rows, sheet.total]
    empty = True
    for record in records(rows, sheet.columns):
        empty = False
        yield record
    if empty:  # the writer takes the header row from the first record
        yield dict.fromkeys(c.title for c in sheet.columns)


def _layout(sheets: Sequence[_Sheet]) -> dict[str, Any]:
    """write_worksheets' per-sheet options: header style, widths, number formats, filters."""
    header = Format().set_bold().set_background_color("#D9E1F2").set_border("thin")
    header.set_align("vcenter")
    options: dict[str, Any] = {
        "autofit": False,
        "freeze_panes": {"general": {"row": 1, "col": 0}},
        "header_format": {s.name: header for s in sheets},
        "column_widths": {s.name: [c.width for c in s.columns] for s in sheets},
        "column_formats": {s.name: _column_formats(s.columns) for s in sheets},
        # A total row would be sorted into the data, so a sheet with one has no filter.
        "autofilter": {s.name: s.total is None for s in sheets},
        # The streaming writer emits a formatted data row twice; the small totals sheet is
        # written in the library's buffered mode (dedupe_strings), where row formats work.
        "dedupe_strings": {s.name: True for s in sheets if s.total is not None},
        "row_formats": {
            s.name: {s.rows_before_total + 1: Format().set_bold().set_border_top("thin")}
            for s in sheets
            if s.total is not None
        },
    }
    return options


def _column_formats(columns: Sequence[Column]) -> dict[str, Format]:
    formats = {}
    for column in columns:
        # Typed-in phone numbers and IDs stay text when someone edits the sheet in Excel.
        if column.key in ("phone", "id_number", "masked_phone"):
            formats[column.title] = Format().set_num_format("@")
        elif column.kind == "date":
            formats[column.title] = Format().set_num_format("yyyy-mm-dd")
        elif column.kind == "datetime":
            formats[column.title] = Format().set_num_format("yyyy-mm-dd hh:mm")
    return formats


# --- placing the file -----------------------------------------------------------------------


_STAMP = re.compile(r"-\d{8}-\d{6}(?:-\d+)?")  # what _place() adds to a fallback's name


def remove_fallbacks(target: Path) -> list[Path]:
    """Delete the copies _place() wrote beside `target` while it was locked (客户总档案-
    20261129-103000.xlsx): `target` is current again. One still open stays for the next time."""
    stem, suffix = target.stem, target.suffix
    removed = []
    try:
        found = [p for p in target.parent.iterdir() if p.name.startswith(f"{stem}-")]
    except OSError:
        return []
    for path in sorted(found):
        if path.suffix != suffix or not _STAMP.fullmatch(path.name[len(stem) : -len(suffix)]):
            continue
        try:
            path.unlink()
        except OSError:
            continue
        removed.append(path)
    return removed


def _place(
    temp: Path, target: Path, retries: int, delay: float, now: datetime
) -> tuple[Path | None, ExportFallback | None]:
    for attempt in range(retries + 1):
        try:
            temp.replace(target)
        except PermissionError:  # Excel holds it open on a Windows share
            if attempt < retries:
                time.sleep(delay)
        except OSError as exc:  # a folder by that name, the disk gone: not worth a retry
            temp.unlink(missing_ok=True)
            raise OutputError(_place_failure(target, exc)) from exc
        else:
            return target, None
    beside = target.with_name(f"{target.stem}-{now:%Y%m%d-%H%M%S}{target.suffix}")
    number = 2
    while beside.exists():
        beside = target.with_name(f"{target.stem}-{now:%Y%m%d-%H%M%S}-{number}{target.suffix}")
        number += 1
    try:
        temp.replace(beside)
    except OSError:
        temp.unlink(missing_ok=True)
        note = f"{target.name} 正被占用，本次未能写出；请关闭该文件后运行 branchflow export。"
        return None, ExportFallback(target, None, note)
    note = (
        f"{target.name} 正被占用（可能有人在 Excel 中打开），本次已另存为 {beside.name}；"
        "关闭后再次导出即写回原文件。"
    )
    return beside, ExportFallback(target, beside, note)


def _place_failure(target: Path, exc: OSError) -> str:
    if target.is_dir():
        return (
            f"无法写出 {target}：同名的文件夹占着这个位置；请把该文件夹改名或移走后运行 "
            "branchflow export"
        )
    return f"无法写出 {target}：{exc.strerror or exc}；请检查磁盘空间和文件夹权限"
