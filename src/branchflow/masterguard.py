"""Never replace 客户总档案.xlsx by a near-empty one without being told to (`export --force`).

Customers are never deleted from the archive, so an export holding fewer than half the customers
of the master it would replace means the store is not the one that made it: deleted, emptied,
or pointed elsewhere. The existing master's count is read cheaply, from the `<dimension>` at the
head of its first sheet (we write it; rust_xlsxwriter puts it first), not by opening it.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

_SHEET = "xl/worksheets/sheet1.xml"  # 客户总表, the first sheet
_DIMENSION = re.compile(rb'<dimension ref="[A-Z]+\d+(?::[A-Z]+(\d+))?"')
_HEAD = 4096


class CountedRows:
    """Rows passed through, counted on the way (the export streams them)."""

    def __init__(self, rows: Iterable[Mapping[str, Any]]) -> None:
        self._rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[Mapping[str, Any]]:
        for row in self._rows:
            self.count += 1
            yield row


def customers_in(master: Path) -> int | None:
    """How many customers the master workbook at `master` lists; None when there is none or it
    cannot be told cheaply (then nothing is refused)."""
    try:
        with zipfile.ZipFile(master) as book, book.open(_SHEET) as sheet:
            head = sheet.read(_HEAD)
    except (OSError, KeyError, zipfile.BadZipFile, ValueError):
        return None
    found = _DIMENSION.search(head)
    if found is None:
        return None
    last_row = int(found.group(1) or 1)
    return max(0, last_row - 1)  # the header row


def shrink_note(target: Path, before: int, after: int) -> str | None:
    """Why `target` (holding `before` customers) is not replaced by one of `after`, or None."""
    if after * 2 >= before:
        return None
    return (
        f"未覆盖 {target.name}：现有的有 {before} 位客户，新导出的只有 {after} 位（不到一半），"
        "档案数据库可能被删除、清空或换成了别的库。请先核对（可运行 branchflow store rebuild "
        "用保存的原始文件重建）；确认无误后运行 branchflow export --force"
    )
