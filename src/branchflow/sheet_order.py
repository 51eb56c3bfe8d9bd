"""Which of several sheets holding the same table is the newest: staff keep one sheet per month
(客户档案(10月), 客户档案(11月)), or last month's list in front of the current one.

A sheet's month comes from its own 报告期 cell, else its name (客户档案(11月), 11月客户, 2026.11);
when every sheet has one they are ordered by it, otherwise by their place in the workbook (the
later sheet is the newer). Validation lets the newest sheet win for a customer in several.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import TYPE_CHECKING, Any

from branchflow.templates.definitions import FieldType, Sheet, Table
from branchflow.validate.issues import Issue

if TYPE_CHECKING:  # parse imports this module
    from branchflow.parse import ParsedTable
    from branchflow.readers import Book
    from branchflow.sheets import Grid

SEVERAL_TABLES = frozenset({"customers", "followups"})
SCAN_ROWS = 20  # the header block sits at the top of a sheet
_YEAR_MONTH = re.compile(r"(20\d\d)\s*(?:年|[-./_])\s*(\d{1,2})(?!\d)")
_MONTH = re.compile(r"(?<!\d)(\d{1,2})\s*月")


def month_of(text: str) -> tuple[int, int] | None:
    """(year, month) from `2026-11`, `2026年11月`, `2026.11`; (0, month) from `11月`."""
    folded = unicodedata.normalize("NFKC", text)
    found = _YEAR_MONTH.search(folded)
    if found and 1 <= int(found[2]) <= 12:
        return int(found[1]), int(found[2])
    found = _MONTH.search(folded)
    if found and 1 <= int(found[1]) <= 12:
        return 0, int(found[1])
    return None


def _cell_month(value: Any) -> tuple[int, int] | None:
    if isinstance(value, date):
        return value.year, value.month
    return month_of(value) if isinstance(value, str) else None


def sheet_month(grid: Grid, sheet_def: Sheet) -> tuple[int, int] | None:
    """The month of the sheet's own 报告期 cell, else the one in its name."""
    labels = {
        unicodedata.normalize("NFKC", t).strip("*：: ")
        for f in sheet_def.values
        if f.type is FieldType.PERIOD
        for t in (f.title, *f.aliases)
    }
    for row in grid.rows[:SCAN_ROWS]:
        for c, value in enumerate(row[:-1]):
            if (
                isinstance(value, str)
                and unicodedata.normalize("NFKC", value).strip("*：: ") in labels
            ):
                month = _cell_month(row[c + 1])
                if month:
                    return month
    return month_of(grid.name)


def newest_last(
    found: list[tuple[ParsedTable, list[Any]]], book: Book, sheet_def: Sheet
) -> list[tuple[ParsedTable, list[Any]]]:
    """The sheets' tables oldest first: by month where every sheet has one, else as they are
    placed in the workbook (hidden ones included)."""
    if len(found) < 2:
        return found
    place = {info.name: i for i, info in enumerate(book.sheets)}
    months = [sheet_month(book.grid(part.sheet), sheet_def) for part, _ in found]
    positions = [place.get(part.sheet, 0) for part, _ in found]
    if any(m is None for m in months):
        return [found[i] for _, i in sorted(zip(positions, range(len(found)), strict=True))]
    year = max(m[0] for m in months if m)  # "10月" beside "2026年11月" is the same year
    keyed = [
        ((m[0] or year, m[1]) if m else (0, 0), p, i)
        for i, (m, p) in enumerate(zip(months, positions, strict=True))
    ]
    return [found[i] for *_, i in sorted(keyed)]


def several_note(table: Table, parts: tuple[ParsedTable, ...]) -> Issue:
    names = "、".join(f"“{p.sheet}”（{len(p.rows)} 行）" for p in parts)
    newest = f"；同一手机号在几个工作表中都有时，以较新的“{parts[-1].sheet}”为准"
    return Issue(
        "sheet.several",
        f"“{table.title}”在 {len(parts)} 个工作表中都有：{names}，已全部读取"
        + (newest if table.key == "customers" else ""),
        sheet=parts[-1].sheet,
        field=table.title,
        severity="warning",
    )


def hidden_sheet_note(sheet: str, table: Table) -> Issue:
    return Issue(
        "sheet.hidden",
        f"工作表“{sheet}”是隐藏的工作表，其中的“{table.title}”已照常读取；"
        "如果这些内容不应报送，请删除该工作表",
        sheet=sheet,
        severity="warning",
    )
