"""A workbook's sheets as parse reads them: calamine's values as a grid, merged ranges, and the
hidden rows (which calamine does not report) from the worksheet XML.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterator
from functools import partial
from typing import IO, Any

from defusedxml import ElementTree
from python_calamine import CalamineWorkbook

from branchflow.templates.definitions import Table
from branchflow.validate.issues import Issue, cell_address


def blank_to_none(value: Any) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value


class Grid:
    """One sheet's values (0-based rows and columns), merged ranges and hidden rows."""

    def __init__(
        self,
        name: str,
        rows: list[tuple[Any, ...]],
        merges: list[Any],
        blanks: frozenset[str] = frozenset(),
        find_hidden: Callable[[], frozenset[int]] = frozenset,
    ) -> None:
        self.name = name
        self.rows = rows  # empty cells are None
        self.merges = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in merges or ()]
        self.blanks = blanks  # the sheet's whitespace-only strings (blank to a reader)
        self._find_hidden = find_hidden
        self._hidden: frozenset[int] | None = None

    @property
    def hidden(self) -> frozenset[int]:
        if self._hidden is None:
            self._hidden = self._find_hidden()
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
            value = blank_to_none(self.rows[r0][c0] if c0 < len(self.rows[r0]) else None)
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


def hidden_rows(part: IO[bytes]) -> frozenset[int]:
    """0-based indexes of rows marked hidden in a worksheet part (calamine does not report them),
    read a megabyte at a time: a 100k-row sheet is over 50 MB of XML."""
    hidden: set[int] = set()
    tail = b""
    while chunk := part.read(1 << 20):
        data = tail + chunk
        cut = data.rfind(b"<")  # a tag cut in two is finished by the next chunk
        data, tail = (data[:cut], data[cut:]) if cut > 0 else (b"", data)
        hidden.update(_hidden_in(data))
    hidden.update(_hidden_in(tail))
    return frozenset(hidden)


def _hidden_in(xml: bytes) -> Iterator[int]:
    if b'hidden="' not in xml or not _HIDDEN.search(xml):  # find() first: a regex is slower
        return
    for match in _ROW_TAG.finditer(xml):
        attrs = match.group(1)
        number = _ROW_NUMBER.search(attrs)
        if number and _HIDDEN.search(attrs):
            yield int(number.group(1)) - 1


def load_rows(sheet: Any) -> tuple[list[tuple[Any, ...]], frozenset[str]]:
    """The sheet's values from A1, row by row. Equal values become one object and empty cells
    None: a 100k-row sheet repeats its counties, grades, dates and amounts millions of times."""
    same: dict[Any, Any] = {"": None}
    keep = same.setdefault
    typed: dict[tuple[type, Any], Any] = {}  # other values by type too: 1.0 and True stay apart
    other = typed.setdefault
    start = sheet.start
    pad = (None,) * start[1] if start else ()  # iter_rows starts at the first used column
    rows = [
        (*pad, *[keep(v, v) if v.__class__ is str else other((v.__class__, v), v) for v in row])
        for row in sheet.iter_rows()
    ]
    blanks = frozenset(s for s in same if s and not s.strip())
    return rows, blanks


class SheetReader:
    """Load a sheet's grid only when something looks in it."""

    def __init__(self, book: CalamineWorkbook, archive: zipfile.ZipFile, parts: dict[str, str]):
        self._book = book
        self._archive = archive
        self._parts = parts
        self._grids: dict[str, Grid] = {}

    def grid(self, name: str) -> Grid:
        if name not in self._grids:
            sheet = self._book.get_sheet_by_name(name)
            rows, blanks = load_rows(sheet)
            merges = sheet.merged_cell_ranges or []
            del sheet  # calamine's copy of the sheet, as big again as the Python one: free it now
            hidden = partial(self._hidden_rows, self._parts.get(name))
            self._grids[name] = Grid(name, rows, merges, blanks, hidden)
        return self._grids[name]

    def _hidden_rows(self, part: str | None) -> frozenset[int]:
        if not part or part not in self._archive.namelist():
            return frozenset()
        with self._archive.open(part) as stream:
            return hidden_rows(stream)


_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
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
