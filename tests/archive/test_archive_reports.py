"""Report data (monthly, market, weekly, HQ briefing): one set per (branch, period)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from archive_helpers import HQ, PROJECT, A, B, cells, customer, customers_batch, drop

from branchflow.archive.results import ExportData
from branchflow.archive.store import Archive
from branchflow.templates.definitions import TEMPLATES
from branchflow.validate.batch import Record, ValidatedBatch


def records(sheet: str, rows: list[dict[str, Any]]) -> tuple[Record, ...]:
    return tuple(
        Record(sheet, n + 5, values, cells(n + 5, list(values))) for n, values in enumerate(rows)
    )


def monthly(
    branch: str, main_work: str, plan: list[str], period: str = "2026-11"
) -> ValidatedBatch:
    return ValidatedBatch(
        kind="monthly",
        branch=branch,
        period=period,
        reporter="王经理",
        values={"branch": branch, "period": period, "reporter": "王经理", "main_work": main_work},
        tables={
            "kpis": records(
                "本月总结",
                [
                    {"kpi": "新增登记客户", "target": 100, "actual": 87.0, "note": None},
                    {"kpi": "签约金额(万元)", "target": 500.5, "actual": None, "note": "春节后"},
                ],
            ),
            "targets": records("下月计划", [{"kpi": "新增登记客户", "target": 120}]),
            "plan": records(
                "下月计划",
                [
                    {
                        "item": item,
                        "detail": None,
                        "owner": "王经理",
                        "due": date(2026, 12, 20),
                        "involves": "客户服务部",
                    }
                    for item in plan
                ],
            ),
            "merchants": (),
        },
        issues=(),
    )


def test_monthly_report_reads_back(archive: Archive) -> None:
    result = drop(archive, monthly(A, "走访三个工地", ["推介会", "老业主回访"]), data=b"m")
    assert result.status == "accepted"
    report = archive.report("monthly", A, "2026-11")
    assert report is not None
    assert (report.file_id, report.period) == (result.file_id, "2026-11")
    assert report.values == {"main_work": "走访三个工地", "reporter": "王经理"}
    assert report.tables["kpis"] == [
        {"kpi": "新增登记客户", "target": 100.0, "actual": 87.0, "note": None},
        {"kpi": "签约金额(万元)", "target": 500.5, "actual": None, "note": "春节后"},
    ]
    assert [p["item"] for p in report.tables["plan"]] == ["推介会", "老业主回访"]
    assert report.tables["plan"][0]["due"] == date(2026, 12, 20)
    assert report.tables["targets"] == [{"kpi": "新增登记客户", "target": 120.0}]
    assert report.tables["merchants"] == []
    assert set(report.tables) == {t.key for t in TEMPLATES["monthly"].tables}


def test_latest_drop_replaces_the_branch_period_set(archive: Archive) -> None:
    drop(archive, monthly(A, "初稿", ["推介会", "老业主回访"]), data=b"1")
    drop(archive, monthly(B, "宁波", ["外展"]), data=b"2")
    drop(archive, monthly(A, "终稿", ["推介会"], period="2026-10"), data=b"3")
    drop(archive, monthly(A, "改过的", ["返乡看房团"]), data=b"4")
    report = archive.report("monthly", A, "2026-11")
    assert report is not None
    assert report.values["main_work"] == "改过的"
    assert [p["item"] for p in report.tables["plan"]] == ["返乡看房团"]
    assert len(report.tables["kpis"]) == 2
    assert [r.branch for r in archive.reports("monthly", "2026-11")] == [A, B]
    assert archive.report_periods("monthly", A) == [(A, "2026-10"), (A, "2026-11")]
    assert archive.report("monthly", B, "2026-10") is None


def test_weekly_and_hq_briefing_are_kept_by_their_period(archive: Archive) -> None:
    weekly = ValidatedBatch(
        kind="weekly",
        branch=A,
        period="2026-W47",
        reporter="小李",
        values={"reporter": "小李"},
        tables={
            "activities": records(
                "营销活动周报",
                [
                    {
                        "date": date(2026, 11, 21),
                        "name": "湄潭老乡推介会",
                        "type": "推介会",
                        "place": "东莞长安",
                        "participants": 80,
                        "new_registrations": 12,
                        "news": "11月21日……",
                    }
                ],
            )
        },
        issues=(),
    )
    briefing = ValidatedBatch(
        kind="hq_briefing",
        branch=HQ,
        period="2026-12",
        reporter="销售管理部",
        values={"sales_brief": "11月签约 30 套", "key_work": "冲刺年底"},
        tables={
            "nodes": records(
                "项目营销节点",
                [{"project": PROJECT, "node": "开盘", "date": date(2026, 12, 18), "note": None}],
            ),
            "properties": (),
        },
        issues=(),
    )
    drop(archive, weekly, data=b"w")
    drop(archive, briefing, data=b"h")
    found = archive.report("weekly", A, "2026-W47")
    assert found is not None
    assert found.tables["activities"][0]["participants"] == 80
    hq = archive.report("hq_briefing", HQ, "2026-12")
    assert hq is not None
    assert hq.values["sales_brief"] == "11月签约 30 套"
    assert hq.tables["nodes"][0]["date"] == date(2026, 12, 18)
    [entry_w, entry_h] = archive.ledger()
    assert (entry_w.kind, entry_w.period, entry_h.period) == ("weekly", "2026-W47", "2026-12")


def test_report_getters_refuse_customer_kind(archive: Archive) -> None:
    with pytest.raises(ValueError):
        archive.report("customers", A, "2026-11")


def test_export_data_holds_every_sheet(archive: Archive) -> None:
    drop(archive, customers_batch(A, [customer(1, "13800000001")]), data=b"a")
    drop(archive, customers_batch(B, [customer(1, "13800000001")]), data=b"b")
    data = archive.export_data()
    assert isinstance(data, ExportData)
    assert [c["phone"] for c in data.customers] == ["13800000001"]
    assert data.township_counts == [("湄潭县", "永兴镇", "B", 1)]
    assert data.followups == []
    assert [c["masked_phone"] for c in data.conflicts] == ["138****0001"]
