"""Workbooks of every format staff save (.xlsx, .xlsb, .xls, .ods, .csv) opened the same way for
parse: their sheets, and each sheet's grid, loaded only after its extent was found to fit.

intake decides what is opened and in which format; here each format's scanner measures a sheet
before calamine allocates it (see readers/extent.py), and what reading had to say (far-away
cells ignored, a sheet too big) is kept as Issues for the receipt.
"""

from __future__ import annotations

import io
import struct
import zipfile
from dataclasses import dataclass
from typing import Any
from xml.parsers import expat

from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from branchflow.readers import delimited, legacy, ods, xlsb, xlsx
from branchflow.readers.extent import MAX_STRAYS, SheetScan, cell_budget, far_cells_text
from branchflow.readers.marker import read_marker, sheet_parts
from branchflow.sheets import Grid, load_rows
from branchflow.validate.issues import Issue, cell_address

MAX_XLSB_SHEET = 64 * 2**20
# What a scanner meets in a damaged or hostile file; all of it means "cannot be read".
READ_ERRORS = (
    struct.error, expat.ExpatError, IndexError, EOFError, OSError, KeyError, ValueError,
    zipfile.BadZipFile, StopIteration,
)  # fmt: skip


class UnreadableWorkbook(ValueError):
    """The bytes are not a workbook we can read (damaged, or hostile in a way we refuse)."""


CSV_SHEET = "客户档案"  # a CSV is one sheet: Excel would name it after the file


@dataclass(frozen=True)
class SheetInfo:
    name: str
    hidden: bool = False


class Book:
    """A workbook's sheets, each sheet's grid on demand, and what reading had to say."""

    def __init__(self, fmt: str, sheets: tuple[SheetInfo, ...]) -> None:
        self.fmt = fmt
        self.sheets = sheets
        self.marker: tuple[str, int | None] | None = None
        self.notes: list[Issue] = []
        self._grids: dict[str, Grid] = {}
        self._budget = cell_budget(fmt)  # for all the sheets read from this workbook

    def grid(self, name: str) -> Grid:
        if name not in self._grids:
            try:
                self._grids[name] = self._load(name)
            except READ_ERRORS as error:
                raise UnreadableWorkbook(str(error)) from error
        return self._grids[name]

    def _load(self, name: str) -> Grid:
        raise NotImplementedError

    def _spend(self, name: str, cells: int) -> bool:
        """Take a sheet's cells from the workbook's budget; False (with a note) when too many."""
        if cells <= self._budget:
            self._budget -= cells
            return True
        self.notes.append(too_big(name))
        return False


class CalamineBook(Book):
    """.xlsx, .xlsb, .xls, .ods through calamine, each sheet measured by its format's scanner.

    calamine reads an .xls or .ods whole when it opens it (every sheet's rectangle at once), so
    those are measured all together first and not opened at all when they do not fit; an .xlsx
    or .xlsb is opened lazily and each sheet measured just before it is loaded."""

    def __init__(self, data: bytes, fmt: str) -> None:
        self._archive = zipfile.ZipFile(io.BytesIO(data)) if fmt != "xls" else None
        self._scans: dict[str, SheetScan] = {}
        self._parts: dict[str, str] = {}
        if fmt == "xls":
            self._scans = legacy.scan_xls(data)
        elif fmt == "ods" and self._archive is not None:
            self._scans = ods.scan_ods(self._archive)
        whole = sum(scan.area for scan in self._scans.values())
        if whole > cell_budget(fmt):  # opening it would allocate all of that: don't
            self._book = None
            super().__init__(fmt, tuple(SheetInfo(name) for name in self._scans))
            biggest = max(self._scans, key=lambda name: self._scans[name].area)
            self.notes.append(too_big(biggest))
            return
        self._book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = tuple(
            SheetInfo(m.name, m.visible != SheetVisibleEnum.Visible)
            for m in self._book.sheets_metadata
            if m.typ == SheetTypeEnum.WorkSheet
        )
        super().__init__(fmt, sheets)
        if self._archive is not None:
            self.marker = read_marker(self._archive)
            self._parts = xlsb.sheet_parts(self._archive) if fmt == "xlsb" else {}
            self._parts = sheet_parts(self._archive) if fmt == "xlsx" else self._parts

    def _scan(self, name: str) -> SheetScan | None:
        """None when the sheet cannot be measured: it is then not loaded at all."""
        if self.fmt in ("xls", "ods") or self._archive is None:
            return self._scans.get(name)
        part = self._parts.get(name)
        if part is None or part not in self._archive.namelist():
            return None
        archive = self._archive
        if self.fmt == "xlsb":
            if archive.getinfo(part).file_size > MAX_XLSB_SHEET:
                return None
            return xlsb.scan_sheet(archive.read(part))
        return xlsx.scan_sheet(lambda: archive.open(part), self._budget)

    def _load(self, name: str) -> Grid:
        if self._book is None:  # refused whole when it was opened
            return Grid(name, [], [])
        scan = self._scan(name)
        if scan is None:
            self.notes.append(too_big(name))
            return Grid(name, [], [])
        book = self._book
        if scan.area > self._budget:
            trimmed = self._without_strays(name, scan)
            if trimmed is None:
                return Grid(name, [], [])
            book, (height, width) = trimmed
            scan = SheetScan(height, width, scan.hidden, scan.formulas)
        if not self._spend(name, scan.area):
            return Grid(name, [], [])
        sheet = book.get_sheet_by_name(name)
        rows, blanks = load_rows(sheet)
        merges = sheet.merged_cell_ranges or [((a, b), (c, d)) for a, b, c, d in scan.merges]
        del sheet  # calamine's copy of the sheet, as big again as the Python one: free it now
        return Grid(name, rows, merges, blanks, scan.hidden, scan.formulas)

    def _without_strays(
        self, name: str, scan: SheetScan
    ) -> tuple[CalamineWorkbook, tuple[int, int]] | None:
        """A compact table with a few far-away cells (Ctrl+End typing, a program's stray write):
        read the workbook again without them, and say so. Otherwise the sheet is refused."""
        census, part = scan.census, self._parts.get(name)
        if census is None or part is None or self._archive is None:
            self.notes.append(too_big(name, scan))
            return None
        rows, cols = census.core()
        if rows * cols > self._budget or census.strays(rows, cols) > MAX_STRAYS:
            self.notes.append(too_big(name, scan))
            return None
        xml, removed = xlsx.without_strays(
            self._archive, part, lambda r, c: r <= rows and c <= cols
        )
        self.notes.append(strays_ignored(name, removed, census.far, rows, cols))
        copy = _replace_part(self._archive, part, xml)
        return CalamineWorkbook.from_filelike(io.BytesIO(copy)), (rows, cols)


class TextBook(Book):
    """A CSV: one sheet of text, named as the template's customer sheet."""

    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        super().__init__("csv", (SheetInfo(CSV_SHEET),))
        self._rows = rows

    def _load(self, name: str) -> Grid:
        if name != CSV_SHEET:
            return Grid(name, [], [])
        return Grid(name, self._rows, [])


def open_book(data: bytes, fmt: str) -> Book:
    """The workbook in `data`, whose format intake has determined; UnreadableWorkbook when the
    bytes cannot be read."""
    try:
        return _open(data, fmt)
    except READ_ERRORS as error:
        raise UnreadableWorkbook(str(error)) from error


def _open(data: bytes, fmt: str) -> Book:
    if fmt == "csv":
        decoded = delimited.decode(data)
        if decoded is None:
            raise ValueError("not text")
        rows, whole = delimited.read_rows(decoded[0], cell_budget("csv"))
        book = TextBook(rows if whole else [])
        if not whole:
            book.notes.append(too_big(CSV_SHEET))
        return book
    return CalamineBook(data, fmt)


def cell_bound(data: bytes, fmt: str) -> int:
    """At most how many cells the workbook holds, measured without loading any sheet (for
    deciding whether a copy of it may be made while its parsed grids are still in memory)."""
    try:
        if fmt == "csv":  # ASCII separators: never inside a GBK or UTF-8 character
            return data.count(b",") + data.count(b"\t") + data.count(b"\n") + 1
        if fmt == "xls":
            return sum(scan.area for scan in legacy.scan_xls(data).values())
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if fmt == "ods":
                return sum(scan.area for scan in ods.scan_ods(archive).values())
            parts = xlsb.sheet_parts(archive).values()
            return sum(xlsb.scan_sheet(archive.read(part)).area for part in parts)
    except READ_ERRORS:
        return 0


def _replace_part(archive: zipfile.ZipFile, part: str, xml: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as copy:
        for info in archive.infolist():
            copy.writestr(info.filename, xml if info.filename == part else archive.read(info))
    return out.getvalue()


def too_big(sheet: str, scan: SheetScan | None = None) -> Issue:
    where = ""
    if scan is not None and scan.census is not None and scan.census.far:
        where = f"（最远的内容在 {far_cells_text(scan.census.far[::-1])}）"
    return Issue(
        "sheet.too_large",
        f"工作表“{sheet}”的内容范围太大（或无法确定）{where}，无法安全读取：请删除表格以外、右边和下面多余的"
        "行列（选中后右键“删除”），或把数据分成几个文件后再放入",
        sheet=sheet,
    )


def strays_ignored(
    sheet: str, removed: int, far: list[tuple[int, int]], rows: int, cols: int
) -> Issue:
    return Issue(
        "sheet.far_cells",
        f"工作表“{sheet}”在离表格很远的位置（{far_cells_text(far[::-1])}）有 {removed} 个零散的"
        f"格子，已忽略，只读取了 A1:{cell_address(rows, cols)}；如果其中有要报送的内容，"
        "请把它移到表格里",
        sheet=sheet,
        severity="warning",
    )


__all__ = ["Book", "SheetInfo", "open_book"]
