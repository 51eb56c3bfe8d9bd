"""An OpenDocument spreadsheet's sheets (content.xml) walked with expat before calamine loads
them: each sheet's extent, counting repeated rows and columns as calamine expands them (one
tiny element can say "this cell, a million times"), its hidden rows and its merged cells.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from xml.parsers import expat

from branchflow.readers.extent import SheetScan

TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
CHUNK = 1 << 20
MAX_REPEAT = 1 << 20  # ODS sheets have at most 1,048,576 rows and 16,384 columns


class UnsafeXml(ValueError):
    """A DOCTYPE or entity declaration: never in a spreadsheet, always refused."""


@dataclass
class _Table:
    name: str
    row: int = 0  # 0-based index of the current row
    col: int = 0
    row_repeat: int = 1
    row_has_content: bool = False
    row_cols: int = 0
    rows: int = 0
    cols: int = 0
    hidden: set[int] = field(default_factory=set)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)


class _Walker:
    def __init__(self) -> None:
        self.tables: list[_Table] = []
        self.table: _Table | None = None
        self.cell: tuple[int, int] | None = None  # (first column, repeat) of an open cell
        self.cell_content = False

    def start(self, name: str, attrs: dict[str, str]) -> None:
        t = self.table
        if name == f"{TABLE} table":
            self.table = _Table(attrs.get(f"{TABLE} name", ""))
            self.tables.append(self.table)
        elif t is None:
            return
        elif name == f"{TABLE} table-row":
            t.col, t.row_has_content, t.row_cols = 0, False, 0
            t.row_repeat = _repeat(attrs.get(f"{TABLE} number-rows-repeated"))
            if attrs.get(f"{TABLE} visibility", "visible") != "visible":
                t.hidden.update(range(t.row, min(t.row + t.row_repeat, t.row + 1000)))
        elif name in (f"{TABLE} table-cell", f"{TABLE} covered-table-cell"):
            repeat = _repeat(attrs.get(f"{TABLE} number-columns-repeated"))
            self.cell = (t.col, repeat)
            self.cell_content = f"{OFFICE} value-type" in attrs
            _merge(t, attrs)
        elif name == f"{TEXT} p" and self.cell is not None:
            self.cell_content = True

    def end(self, name: str) -> None:
        t = self.table
        if t is None:
            return
        if name in (f"{TABLE} table-cell", f"{TABLE} covered-table-cell") and self.cell:
            first, repeat = self.cell
            if self.cell_content:
                t.row_has_content, t.row_cols = True, first + repeat
            t.col, self.cell = first + repeat, None
        elif name == f"{TABLE} table-row":
            if t.row_has_content:
                t.rows = t.row + t.row_repeat
                t.cols = max(t.cols, t.row_cols)
            t.row += t.row_repeat
        elif name == f"{TABLE} table":
            self.table = None


def _repeat(text: str | None) -> int:
    try:
        return max(1, min(int(text or "1"), MAX_REPEAT))
    except ValueError:
        return 1


def _merge(t: _Table, attrs: dict[str, str]) -> None:
    rows = _repeat(attrs.get(f"{TABLE} number-rows-spanned"))
    cols = _repeat(attrs.get(f"{TABLE} number-columns-spanned"))
    if rows > 1 or cols > 1:
        t.merges.append((t.row, t.col, t.row + rows - 1, t.col + cols - 1))


def _forbid(*_: object) -> None:
    raise UnsafeXml("DTD in content.xml")


def scan_ods(archive: zipfile.ZipFile) -> dict[str, SheetScan]:
    """Each sheet's extent, hidden rows and merges, by name."""
    walker = _Walker()
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = walker.start
    parser.EndElementHandler = walker.end
    parser.StartDoctypeDeclHandler = _forbid
    parser.EntityDeclHandler = _forbid
    with archive.open("content.xml") as stream:
        while chunk := stream.read(CHUNK):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    return {t.name: _result(t) for t in walker.tables}


def _result(t: _Table) -> SheetScan:
    return SheetScan(t.rows, t.cols, frozenset(t.hidden), merges=tuple(t.merges))
