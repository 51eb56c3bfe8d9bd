"""A customer list written the way branch staff write it (not our dropdown values), saved as
.xlsx, through LibreOffice as .ods and .xls, and as Chinese Excel's GBK CSV: every format is
accepted with the same canonical values, and what staff wrote is kept beside them.

The fixtures are made by tests/data/staff_wording/make_fixtures.py (LibreOffice, by hand)."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime
from pathlib import Path

import pytest

from branchflow.archive.store import Archive
from branchflow.config import Settings
from branchflow.pipeline import ingest
from branchflow.workspace import create_workspace

DATA = Path(__file__).parent / "data" / "staff_wording"
NAME = "客户登记-员工写法"
FIELDS = ("gender", "county", "township", "monthly_income", "family_size", "project", "area",
          "budget", "payment", "purpose", "channel", "grade", "customer_type", "registered_on",
          "status")  # fmt: skip
EXPECTED = {
    "13812340001": ("男", "凤冈县", "龙泉街道", 10000, 3, "黔龙阳光·凤冈城", 100, 50, "商业贷款",
                    "自住", "微信/抖音", "A", "新客户", date(2026, 11, 3), "意向"),
    "13812340002": ("女", "播州区", "南白街道", 5000, 4, "黔龙阳光·湄江府", 100, 45, "公积金贷款",
                    "改善", "微信/抖音", "B", "老业主", date(2026, 11, 5), "到访"),
    "13812340003": ("男", "湄潭县", "永兴镇", 10000, 4, "黔龙阳光·习水温泉小镇", 120, 60,
                    "一次性付款", "养老", "亲友介绍", "C", "新客户", date(2026, 11, 6), "登记"),
    "13812340004": ("女", "余庆县", "白泥镇", 3000, 5, "黔龙阳光·余庆名苑", 85, 30, "组合贷款",
                    "子女教育", "推介会", "D", None, date(2026, 11, 7), "无意向"),
    "13812340005": ("男", "绥阳县", "洋川街道", 15000, 2, "黔龙阳光·绥阳尚城", 140, 90, "未定",
                    "投资", "外展派单", "A", None, date(2026, 11, 8), "认筹"),
    "13812340006": ("女", "正安县", "凤仪街道", 6000, 3, "黔龙阳光·正安花园", None, None,
                    "商业贷款", "返乡创业", "微信/抖音", "B", None, date(2026, 11, 9), "认购"),
}  # fmt: skip


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    base = create_workspace(tmp_path / "ws")
    return dataclasses.replace(
        base, now_override=datetime(2026, 11, 20, 10, 0, tzinfo=base.timezone)
    )


@pytest.mark.parametrize("suffix", [".xlsx", ".ods", ".xls", "-gbk.csv"])
def test_staff_wording_in_every_format_is_accepted_with_canonical_values(
    settings: Settings, suffix: str
) -> None:
    (settings.inbox / "东莞分中心" / f"客户 登记（副本）{suffix}").write_bytes(
        (DATA / f"{NAME}{suffix}").read_bytes()
    )
    with Archive.open(settings) as archive:
        [outcome] = [o for o in ingest(settings, archive).outcomes if o.status != "ignored"]
        stored = {c["phone"]: c for c in archive.customers()}
    assert (outcome.status, outcome.errors) == ("accepted", ())
    assert {p: tuple(c[f] for f in FIELDS) for p, c in stored.items()} == EXPECTED
    assert isinstance(stored["13812340001"]["family_size"], int)
    originals = json.loads(stored["13812340002"]["originals"])
    assert originals["payment"] == "公积金" and originals["township"] == "南白镇"
    receipt = (settings.workspace / str(outcome.receipt)).read_text("utf-8-sig")
    assert "“公积金”已按“公积金贷款”登记（1 处" in receipt
    assert "“龙泉镇”现名“龙泉街道”" in receipt
    assert "“无意向”不是状态的可选值，已按原文保存" in receipt
    assert "没有需要注意的地方" not in receipt
