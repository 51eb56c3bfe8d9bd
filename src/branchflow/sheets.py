"""A sheet as parse reads it: calamine's values as a grid, merged ranges, and what calamine does
not report (hidden rows, formulas without a cached value), found by readers/ before loading.
"""

from __future__ import annotations

from typing import Any

from branchflow.templates.definitions import Table
from branchflow.validate.issues import Issue, cell_address

FORMULA_NO_VALUE = "cell.formula_no_value"


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
        hidden: frozenset[int] = frozenset(),
        formulas: frozenset[tuple[int, int]] = frozenset(),
    ) -> None:
        self.name = name
        self.rows = rows  # empty cells are None
        self.merges = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in merges or ()]
        self.blanks = blanks  # the sheet's whitespace-only strings (blank to a reader)
        self.hidden = hidden  # 0-based rows
        self.formulas = formulas  # 0-based (row, col): a formula without a computed value
        self.row_texts: list[frozenset[str]] | None = None  # parse's header search, made once

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

    def has_formula(self, r: int, cols: list[int]) -> bool:
        return bool(self.formulas) and any((r, c) in self.formulas for c in cols)

    def formula_notes(
        self, first: int, last: int, columns: dict[str, int], table: Table
    ) -> list[Issue]:
        """A formula whose result the file does not hold (written by a program, never opened in
        Excel) reads as empty: say so at its cell, an error where the field is required."""
        by_col = {c: table.field(k) for k, c in columns.items()}
        return [
            _formula_note(self, r, c, by_col[c].title, by_col[c].required)
            for r, c in sorted(self.formulas)
            if c in by_col and first <= r <= last
        ]


def _formula_note(grid: Grid, r: int, c: int, title: str, required: bool) -> Issue:
    return Issue(
        FORMULA_NO_VALUE,
        f"这里是公式，但文件里没有保存公式的计算结果（常见于由软件导出的文件），读不到“{title}”的值："
        "请用 Excel 或 WPS 打开这个文件，保存后再放入",
        sheet=grid.name,
        cell=cell_address(r + 1, c + 1),
        field=title,
        severity="error" if required else "warning",
    )


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
