"""Workbooks built the way staff build them, for tests (openpyxl, like Excel writes them)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook

CUSTOMER_HEADER = (
    "客户姓名*",
    "手机号码*",
    "户籍县(市、区)*",
    "户籍乡镇*",
    "客户等级*",
    "登记日期*",
    "置业顾问*",
)


def make_workbook(
    sheets: dict[str, Sequence[Sequence[Any]]],
    merges: dict[str, Sequence[str]] | None = None,
    hidden_rows: dict[str, Sequence[int]] | None = None,
) -> bytes:
    """Rows written from A1 down, per sheet; merges like {"客户档案": ["D5:D7"]}."""
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    sheet.cell(r, c).value = value
        for ref in (merges or {}).get(name, ()):
            sheet.merge_cells(ref)
        for r in (hidden_rows or {}).get(name, ()):
            sheet.row_dimensions[r].hidden = True
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def customers_workbook(
    rows: Sequence[Sequence[Any]], header: Sequence[str] = CUSTOMER_HEADER, **kw: Any
) -> bytes:
    """A 客户档案 sheet with a header block, a blank row, the header row (row 4) and data."""
    sheet = [("分中心：", "东莞分中心", "填报人：", "罗明"), (), tuple(header), *rows]
    return make_workbook({"客户档案": [("客户档案",), *sheet]}, **kw)


def zip_bytes(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def filled_customers(
    inbox: Path, branch: str, phones: Sequence[str], registered_on: date = date(2026, 11, 2)
) -> bytes:
    """A 客户档案 filled from the branch's own pre-filled blank, one customer per phone."""
    from branchflow.config import BLANKS_DIR
    from branchflow.sample.fill import Filling, fill_template

    rows = [
        {
            "name": f"客户{i}",
            "phone": phone,
            "county": "凤冈县",
            "township": "琊川镇",
            "grade": "A",
            "registered_on": registered_on,
            "consultant": "罗明",
        }
        for i, phone in enumerate(phones)
    ]
    blank = inbox / branch / BLANKS_DIR / f"客户档案-{branch}.xlsx"
    filling = Filling("customers", {"branch": branch, "reporter": "罗明"}, {"customers": rows})
    return fill_template(blank, filling)
