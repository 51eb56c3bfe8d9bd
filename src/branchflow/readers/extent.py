"""What a sheet holds before any parser loads it: how far its cells reach, and what calamine
does not report (hidden rows, formulas without a cached value, ODS merges).

calamine turns a sheet into a dense rectangle from its first to its last cell (32–64 bytes a
cell): one stray cell at XFD1048576 asks for 512 GB and aborts the process. Every reader scans a
sheet's extent first and lets calamine load it only when the rectangle fits the budget below.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field

from branchflow.validate.issues import cell_address

# The grid's share of the 400 MB a drop may cost: calamine's rectangle plus the Python grid
# (8 bytes a cell) of every sheet read from one workbook; a CSV field is a str of its own.
GRID_BUDGET_BYTES = 160 * 2**20
CELL_BYTES = {"xlsx": 32 + 8, "xlsb": 32 + 8, "xls": 64 + 8, "ods": 64 + 8, "csv": 72 + 8}
ROW_GAP = 1000  # more blank rows than this between a table and a cell: the cell is a stray
COL_GAP = 100
MAX_STRAYS = 50  # more far-away cells than this are not strays but data: the file is refused


def cell_budget(fmt: str) -> int:
    """How many cells (of the rectangle calamine allocates) a workbook of this format may load."""
    return GRID_BUDGET_BYTES // CELL_BYTES.get(fmt, 72)


@dataclass(frozen=True)
class SheetScan:
    """One sheet as scanned: rows/cols are the highest 1-based row and column with content."""

    rows: int = 0
    cols: int = 0
    hidden: frozenset[int] = frozenset()  # 0-based rows
    formulas: frozenset[tuple[int, int]] = frozenset()  # 0-based cells: formula, no value
    merges: tuple[tuple[int, int, int, int], ...] = ()  # 0-based (r0, c0, r1, c1), ODS only
    census: Census | None = None  # where the cells are, when the rectangle is over budget

    @property
    def area(self) -> int:
        return self.rows * self.cols


@dataclass
class Census:
    """How many content cells each row and each column holds (arrays: a hostile sheet may have a
    million rows), to tell a compact table with a few stray cells from a sheet that is too big."""

    row_counts: array[int] = field(default_factory=lambda: array("I"))
    col_counts: array[int] = field(default_factory=lambda: array("I"))
    far: list[tuple[int, int]] = field(default_factory=list)  # the farthest cells, for the message

    def add(self, row: int, col: int) -> None:
        """Count one content cell (1-based)."""
        if row >= len(self.row_counts) or col >= len(self.col_counts):
            self.far = [*self.far[-2:], (row, col)]
        for counts, index in ((self.row_counts, row), (self.col_counts, col)):
            if index >= len(counts):
                counts.frombytes(bytes(4 * (index + 1 - len(counts))))
            counts[index] += 1

    def core(self) -> tuple[int, int]:
        """The compact table: the rows and columns up to the first wide gap (1-based bounds)."""
        return _before_gap(self.row_counts, ROW_GAP), _before_gap(self.col_counts, COL_GAP)

    def strays(self, rows: int, cols: int) -> int:
        """At most this many content cells lie outside rows × cols (a cell far right and far
        down is counted twice, which only errs towards refusing)."""
        return sum(self.row_counts[rows + 1 :]) + sum(self.col_counts[cols + 1 :])


def _before_gap(counts: Iterable[int], gap: int) -> int:
    last = 0
    for index, count in enumerate(counts):
        if not count:
            continue
        if last and index - last > gap:
            break
        last = index
    return last


def far_cells_text(cells: Iterable[tuple[int, int]]) -> str:
    """`XFD1048576、Y70000` from 1-based (row, col) pairs, at most three."""
    shown = [cell_address(r, c) for r, c in list(cells)[:3]]
    return "、".join(shown)
