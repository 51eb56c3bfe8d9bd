"""An .xlsx worksheet's extent, hidden rows and formulas without a cached value, streamed a
megabyte at a time before calamine sees it; and a copy without far-away stray cells.

calamine places a cell by its own `r` reference (the row tag's `r` only for cells without one),
ignores self-closing `<c/>` cells and never allocates from `<dimension>`: so the extent is the
highest reference among the cells themselves. The scan is cheap where a sheet is ordinary (a
byte translation and a few literal searches per megabyte) and exact wherever the bound it gives
could exceed the budget.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterator
from typing import IO

from branchflow.readers.extent import Census, SheetScan

CHUNK = 1 << 20
MAX_ROW_BYTES = 64 * 2**20  # a piece is cut at a row end; a longer row is cut at any tag

# Upper-case letters → A and digits → 0: a cell reference becomes a literal (` r="AA000"`).
_SHAPE = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", b"A" * 26 + b"0" * 10)
_LOOSE_CELL = re.compile(rb'<c(?! r=")[\s>]')  # a cell whose first attribute is not its r
_MAIN_NS = b'spreadsheetml/2006/main"'  # bound to a prefix (xmlns:x="…main"): prefixed tags
_LAST_ROW = re.compile(rb'<row r="(\d+)"')
_WIDE_REF = re.compile(rb' r="([A-Z]{2,3})\d')
_ROW_TAG = re.compile(rb"<(?:\w+:)?row\b([^>]*)>")
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_HIDDEN = re.compile(rb'\bhidden="(?:1|true)"')
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
MAX_ROW, MAX_COL = 1 << 21, 1 << 15  # past Excel's own limits: far enough to count as far
_TYPE = re.compile(rb'\bt="(\w+)"')
_VALUE = re.compile(rb"<v>\s*[^<\s]")


def column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


class _Scan:
    """What one pass over a sheet's XML has found so far."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.rows = 0  # the highest row: exact, or bounded by its number of digits
        self.cols = 26  # an upper bound: exact once any reference past column Z is seen
        self.wide = False
        self.hidden: set[int] = set()
        self.formulas: set[tuple[int, int]] = set()
        self.has_formulas = False  # from the first formula on, every piece is looked at

    def take(self, piece: bytes) -> bool:
        """Scan one piece; False when the sheet needs calamine's own way of counting cells
        (a cell without its `r` first, namespace prefixes): the census does that."""
        if _LOOSE_CELL.search(piece) or _prefixed(piece):
            return False
        shape = piece.translate(_SHAPE)
        if shape.find(b' r="AAAA') >= 0 or _has_ref_with_digits(shape, 8, True):
            return False  # past Excel's limits: only the careful count places such a cell
        if shape.find(b' r="AA') >= 0:
            self.wide = True
            self.cols = max(self.cols if self.cols > 26 else 0, *_wide_columns(piece))
        last = _LAST_ROW.search(piece, max(0, piece.rfind(b"<row ")))
        digits = len(last[1]) if last else 1
        while _has_ref_with_digits(shape, digits + 1, self.wide):
            digits += 1
        bound = 10**digits - 1  # no reference in this piece has more digits
        if bound * self.cols > self.budget:  # not good enough: find the real highest row
            bound = max(_rows_with_digits(piece, digits))
        self.rows = max(self.rows, bound)
        if b'hidden="' in piece:
            self.hidden.update(_hidden_rows(piece))
        # A shared formula's followers (<f t="shared" si="0"/>) come after its first cell.
        self.has_formulas = self.has_formulas or b"</f>" in piece
        if self.has_formulas:
            self.formulas.update(_formulas_without_value(piece))
        return True

    def result(self) -> SheetScan:
        return SheetScan(self.rows, self.cols, frozenset(self.hidden), frozenset(self.formulas))


def _prefixed(piece: bytes) -> bool:
    """Whether the main namespace is bound to a prefix here (<x:c> cells would then escape the
    cheap checks); the default binding `xmlns="…main"` is the usual one."""
    at = piece.find(_MAIN_NS)
    while at >= 0:
        if (
            not piece[max(0, at - 80) : at]
            .rstrip()
            .endswith(b'xmlns="http://schemas.openxmlformats.org/')
        ):
            return True
        at = piece.find(_MAIN_NS, at + 1)
    return False


def _has_ref_with_digits(shape: bytes, digits: int, wide: bool) -> bool:
    zeros = b"0" * digits
    letters = (b"A", b"AA", b"AAA") if wide else (b"A",)
    return any(shape.find(b' r="' + a + zeros) >= 0 for a in letters)


def _wide_columns(piece: bytes) -> Iterator[int]:
    yield 26
    for letters in _WIDE_REF.findall(piece):
        yield column_number(letters)


def _rows_with_digits(piece: bytes, digits: int) -> Iterator[int]:
    yield 10 ** (digits - 1) - 1  # every reference with fewer digits is below this
    for number in re.findall(rb' r="[A-Z]{1,3}(\d{%d,7})"' % digits, piece):
        yield int(number)


def _hidden_rows(xml: bytes) -> Iterator[int]:
    for match in _ROW_TAG.finditer(xml):
        attrs = match.group(1)
        number = _ROW_NUMBER.search(attrs)
        if number and _HIDDEN.search(attrs):
            yield int(number.group(1)) - 1


def _formulas_without_value(xml: bytes) -> Iterator[tuple[int, int]]:
    """0-based cells with a formula and no cached result (a program wrote the file and nothing
    calculated it). A computed empty text is `t="str"` with an empty `<v>`: that is a value."""
    for match in _CELL.finditer(xml):
        attrs, inner = match.group(1), match.group(2) or b""
        if b"<f" not in inner or _VALUE.search(inner):
            continue
        kind = _TYPE.search(attrs)
        ref = _REF.search(attrs)
        if (
            ref
            and len(ref[1]) <= 3
            and len(ref[2]) <= 7
            and not (kind and kind[1] in (b"str", b"inlineStr") and b"<v" in inner)
        ):
            yield int(ref[2]) - 1, column_number(ref[1]) - 1


def pieces(stream: IO[bytes]) -> Iterator[bytes]:
    """The XML a megabyte at a time, each piece ending after a row (or, in an endless row, a
    tag), so no cell is cut in two."""
    tail = b""
    while chunk := stream.read(CHUNK):
        data = tail + chunk
        cut = data.rfind(b"row>")  # </row>, </x:row>
        cut = cut + 4 if cut >= 0 else (data.rfind(b"<") if len(data) > MAX_ROW_BYTES else -1)
        if cut <= 0:
            tail = data
            continue
        tail = data[cut:]
        yield data[:cut]
    if tail:
        yield tail


def scan_sheet(open_part: Callable[[], IO[bytes]], budget: int) -> SheetScan:
    """The sheet's extent (exact wherever it matters for the budget) and what calamine misses;
    with a census of its cells when calamine's rectangle would not fit."""
    scan = _Scan(budget)
    with open_part() as stream:
        ordinary = all(scan.take(piece) for piece in pieces(stream))
    if ordinary:
        found = scan.result()
        if found.area <= budget:
            return found
    census = Census()
    with open_part() as stream:
        for piece in pieces(stream):
            count_cells(piece, census)
    rows, cols = len(census.row_counts) - 1, len(census.col_counts) - 1
    if rows >= MAX_ROW or cols >= MAX_COL:  # a reference no Excel writes: never loaded as is
        rows, cols = MAX_ROW, MAX_COL
    hidden, formulas = frozenset(scan.hidden), frozenset(scan.formulas)
    return SheetScan(max(rows, 0), max(cols, 0), hidden, formulas, census=census)


_ANY_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(/?)>")
_ANY_ROW = re.compile(rb"<(?:\w+:)?row\b([^>]*?)(/?)>|</(?:\w+:)?row>")


def count_cells(piece: bytes, census: Census) -> None:
    """Every cell calamine would place, counted where it would place it (slowly: this runs only
    for sheets over the budget or written in an unusual way)."""
    row, col = 0, 0
    for match in re.finditer(rb"<(?:\w+:)?(c|row)\b([^>]*?)(/?)>|</(?:\w+:)?row>", piece):
        tag, attrs, empty = match.group(1), match.group(2) or b"", match.group(3)
        if tag is None:  # </row>
            row, col = row + 1, 0
            continue
        ref = _REF.search(attrs) if b"r=" in attrs else None
        if tag == b"row":
            number = _ROW_NUMBER.search(attrs)
            row = int(number[1]) - 1 if number else row
            if empty:
                row += 1
            continue
        if ref:
            cell_row, col = (n - 1 for n in _position(ref))
        else:
            cell_row = row
        if not empty:
            census.add(cell_row + 1, col + 1)
        col += 1


def _position(ref: re.Match[bytes]) -> tuple[int, int]:
    """1-based (row, col) of a reference; one past Excel's limits is placed very far away."""
    letters, digits = ref[1], ref[2]
    row = MAX_ROW if len(digits) > 7 else min(int(digits), MAX_ROW)
    col = MAX_COL if len(letters) > 3 else min(column_number(letters), MAX_COL)
    return row, col


def without_strays(
    archive: zipfile.ZipFile, part: str, keep: Callable[[int, int], bool]
) -> tuple[bytes, int]:
    """The whole workbook again with the sheet's cells outside `keep(row, col)` (1-based)
    removed, and how many were removed. Only used for sheets whose every cell carries `r`."""
    removed = 0

    def drop(match: re.Match[bytes]) -> bytes:
        nonlocal removed
        ref = _REF.search(match.group(1))
        if ref is None or keep(*_position(ref)):
            return match.group(0)
        removed += 1
        return b""

    with archive.open(part) as stream:
        xml = b"".join(_CELL.sub(drop, piece) for piece in pieces(stream))
    return xml, removed


_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]{1,3})(\d+):([A-Z]{1,3})(\d+)"')


def copy_census(archive: zipfile.ZipFile) -> tuple[int, int]:
    """(cells, cells inside merged ranges) over every worksheet: what openpyxl would make an
    object for when it opens the workbook (a merged range costs one object per cell it covers)."""
    cells = merged = 0
    for info in archive.infolist():
        if not info.filename.lower().startswith("xl/worksheets/"):
            continue
        with archive.open(info) as stream:
            for piece in pieces(stream):
                cells += piece.count(b"<c ") + piece.count(b"<c>")
                for c0, r0, c1, r1 in _MERGE_REF.findall(piece):
                    height = abs(int(r1) - int(r0)) + 1
                    merged += height * (abs(column_number(c1) - column_number(c0)) + 1)
    return cells, merged
