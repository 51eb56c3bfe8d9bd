"""Archive values → workbook cells: what the writer is handed for each kind of column."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from branchflow.exportcells import CHUNK, MAX_TEXT, Column, cell_value, records

TEXT = Column("remark", "备注")
NUMBER = Column("area", "面积", "number")
DATE = Column("registered_on", "登记日期", "date")
MOMENT = Column("updated_at", "最近更新", "datetime")
FLAG = Column("within", "在保护期内", "flag")
CODES = Column("resolution", "处理结果", labels={"kept_by_owner": "归属不变"})
EAST8 = timezone(timedelta(hours=8))


@pytest.mark.parametrize(
    ("column", "value", "cell"),
    [
        (TEXT, "=1+1", "=1+1"),
        (TEXT, 13812345678.0, "13812345678"),
        (TEXT, date(2026, 11, 3), "2026-11-03"),
        (TEXT, "", None),
        (TEXT, "长" * 40_000, "长" * MAX_TEXT),
        (NUMBER, Decimal("55.5"), 55.5),
        (NUMBER, float("nan"), None),
        (NUMBER, 7, 7),
        (NUMBER, "约100", "约100"),
        (NUMBER, True, "是"),
        (DATE, date(2026, 11, 3), date(2026, 11, 3)),
        (DATE, date(1900, 2, 28), "1900-02-28"),
        (MOMENT, datetime(2026, 11, 20, 14, 5, tzinfo=EAST8), datetime(2026, 11, 20, 14, 5)),
        (FLAG, False, "否"),
        (CODES, "kept_by_owner", "归属不变"),
        (CODES, "其他", "其他"),
    ],
)
def test_cell_value(column: Column, value: object, cell: object) -> None:
    assert cell_value(column, value) == cell
    assert type(cell_value(column, value)) is type(cell)


def test_records_in_column_order_over_chunks_with_missing_keys() -> None:
    rows = [{"area": i, "remark": f"第{i}行"} for i in range(CHUNK + 5)]
    rows[3] = {"remark": True}  # no area at all; a flag where text belongs
    found = list(records(rows, [NUMBER, TEXT, FLAG]))
    assert len(found) == CHUNK + 5
    assert list(found[0]) == ["面积", "备注", "在保护期内"]
    assert found[2] == {"面积": 2, "备注": "第2行", "在保护期内": None}
    assert found[3] == {"面积": None, "备注": "是", "在保护期内": None}
    assert found[-1]["面积"] == CHUNK + 4


def test_equal_values_of_different_kinds_stay_apart() -> None:
    rows = [{"remark": v} for v in (1, True, 1.0, "1")]
    assert [r["备注"] for r in records(rows, [TEXT])] == ["1", "是", "1", "1"]
    moments = [datetime(2026, 1, 1, 8, tzinfo=EAST8), datetime(2026, 1, 1, tzinfo=UTC)]
    shown = [r["最近更新"] for r in records([{"updated_at": m} for m in moments], [MOMENT])]
    assert shown == [datetime(2026, 1, 1, 8), datetime(2026, 1, 1)]  # the same instant
