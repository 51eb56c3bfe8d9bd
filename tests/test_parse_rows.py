"""Parsed rows carry their values as one tuple, in the table's column order; Cells on demand."""

from __future__ import annotations

from branchflow.parse import Cell, RowCells, read_workbook
from builders import customers_workbook

HEADER = (
    "我的编号",
    "客户姓名",
    "手机号码",
    "户籍县(市、区)",
    "户籍乡镇",
    "客户等级",
    "登记日期",
    "置业顾问",
)
ROWS = [
    ("7", "张三", "13812345678", "湄潭县", "永兴镇", "A", "2026-11-03", "罗明"),
    ("8", "李四", "13912345678", "湄潭县", "   ", "B", "2026-11-04", "罗明"),
    ("9", "王五", "13712345678", None, "永兴镇", "C", "2026-11-05", "罗明"),
]


def test_values_follow_the_table_columns_and_match_the_cells() -> None:
    data = customers_workbook(ROWS, header=HEADER, merges={"客户档案": ["D5:D7"]})
    table = read_workbook(data).tables["customers"]
    assert list(table.columns) == [
        "name", "phone", "county", "township", "grade", "registered_on", "consultant"
    ]  # fmt: skip
    first, second, third = table.rows
    assert first.values == ("张三", "13812345678", "湄潭县", "永兴镇", "A", "2026-11-03", "罗明")
    assert second.values[3] is None  # a whitespace-only cell is blank
    assert third.values[2] == "湄潭县" and third.merged == {"county"}  # from the merge above
    for row in table.rows:
        assert isinstance(row.cells, RowCells)
        assert [row.cells[k].value for k in table.columns] == list(row.values)
    assert first.cells["phone"] == Cell("客户档案", 5, 3, "13812345678")
    assert first.cells["phone"].address == "C5"
    assert dict(second.cells)["township"] == Cell("客户档案", 6, 5, None)
    assert "remark" not in first.cells and len(first.cells) == 7
