"""月度工作总结-汇总.docx: every branch side by side for the 营销中心 leadership — reported and
counted figures, ranking, totals, who has not filed, and what the branches ask of HQ."""

from __future__ import annotations

from typing import Any

from branchflow.archive.reportdata import ReportData
from branchflow.config import Settings
from branchflow.reports import blocks
from branchflow.reports.charts import NO_FONT, branch_chart, cjk_font
from branchflow.reports.engine import alert
from branchflow.reports.figures import AB, BASIS, FOLLOWUPS, NEW, TOWNSHIPS, ArchiveFigures
from branchflow.reports.snapshot import MonthSnapshot
from branchflow.reports.word_style import Col, TemplateBuilder

TEMPLATE = FILE = "月度工作总结-汇总.docx"
PAIRED = (("new", NEW), ("ab", AB), ("towns", TOWNSHIPS), ("visits", FOLLOWUPS))
REPORTED_ONLY = (("events", "推介会场次"), ("units", "签约套数"), ("amount", "签约金额(万元)"))


def context(settings: Settings, snapshot: MonthSnapshot, figures: ArchiveFigures) -> dict[str, Any]:
    month = snapshot.month
    rows = [
        _branch_row(branch, snapshot.monthly_of(branch, month), figures.kpis(branch, month))
        for branch in settings.branch_names
    ]
    rows.sort(key=lambda r: (-r["_pairs"]["new"][1], -(r["_filed"]["amount"] or 0), r["branch"]))
    for rank, row in enumerate(rows, start=1):
        row["rank"] = str(rank)
    filed = [r for b in settings.branch_names if (r := snapshot.monthly_of(b, month))]
    return {
        **blocks.frame(settings, "月度工作总结汇总", month.label, snapshot.now),
        "branch_count": str(len(rows)),
        "filed_count": str(len(filed)),
        "rows": rows,
        "total": _totals(rows),
        "signing": _signing_rank(rows),
        "missing": [
            blocks.missing_report(settings, r["branch"], "monthly", month)
            for r in rows
            if r["_report"] is None
        ],
        "asks": [_asks(r) for r in filed],
        "basis": BASIS,
        "chart_branches": _chart(rows) if cjk_font() else NO_FONT,
    }


def _branch_row(branch: str, report: ReportData | None, archive: dict[str, int]) -> dict[str, Any]:
    row: dict[str, Any] = {
        "branch": branch,
        "state": alert("已报送", False) if report else alert("未报送"),
        "_report": report,
        "_pairs": {},
        "_filed": {},
    }
    for key, kpi in PAIRED:
        filed = blocks.reported(report, kpi)
        shown = f"{blocks.num(filed)} / {archive[kpi]}"
        row[key] = alert(shown, filed is not None and filed != archive[kpi])
        row["_pairs"][key] = (filed, archive[kpi])
    for key, kpi in REPORTED_ONLY:
        row["_filed"][key] = blocks.reported(report, kpi)
        row[key] = blocks.num(row["_filed"][key])
    target = blocks.reported(report, "签约金额(万元)", "target")
    row["_filed"]["amount_target"] = target
    row["amount_rate"] = blocks.rate(row["_filed"]["amount"], target)
    return row


def _totals(rows: list[dict[str, Any]]) -> dict[str, str]:
    total: dict[str, str] = {}
    for key, _ in PAIRED:
        filed = [r["_pairs"][key][0] for r in rows if r["_pairs"][key][0] is not None]
        counted = sum(r["_pairs"][key][1] for r in rows)
        total[key] = f"{blocks.num(sum(filed)) if filed else blocks.DASH} / {counted}"
    for key, _ in REPORTED_ONLY:
        values = [r["_filed"][key] for r in rows if r["_filed"][key] is not None]
        total[key] = blocks.num(sum(values)) if values else blocks.DASH
    pairs = [
        (r["_filed"]["amount"] or 0.0, r["_filed"]["amount_target"])
        for r in rows
        if r["_filed"]["amount_target"]
    ]
    total["amount_rate"] = (
        blocks.rate(sum(a for a, _ in pairs), sum(t for _, t in pairs)) if pairs else blocks.DASH
    )
    return total


def _signing_rank(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    filed = [r for r in rows if r["_filed"]["amount"] is not None]
    filed.sort(key=lambda r: (-r["_filed"]["amount"], -(r["_filed"]["units"] or 0), r["branch"]))
    return [
        {
            "rank": str(n),
            "branch": r["branch"],
            "units": r["units"],
            "amount": r["amount"],
            "rate": r["amount_rate"],
        }
        for n, r in enumerate(filed, start=1)
    ]


def _asks(report: ReportData) -> dict[str, str]:
    return {
        "branch": report.branch,
        "problems": blocks.text(report.values.get("problems"), blocks.UNFILLED),
        "support": blocks.text(report.values.get("support"), blocks.UNFILLED),
    }


def _chart(rows: list[dict[str, Any]]) -> Any:
    data = []
    for r in rows:
        filed, counted = r["_pairs"]["new"]
        data.append((r["branch"].removesuffix("分中心"), counted, _whole(filed)))
    return branch_chart(data) or "无数据。"


def _whole(value: float | None) -> int | None:
    return round(value) if value is not None else None


def template() -> bytes:
    b = TemplateBuilder("月度工作总结汇总", landscape=True)
    blocks.frame_title(b, "{{ period_label }}各分中心月度工作总结汇总", "{{ company }}")
    b.text("本月应报 {{ branch_count }} 个分中心，已报送 {{ filed_count }} 个。")
    b.tag("for m in missing")
    b.notice("{{ m }}")
    b.tag("endfor")
    b.heading("一、主要指标对比（按档案新增登记客户排名）")
    b.note("“上报 / 档案”：左为分中心上报数，右为档案统计数，不一致的以红色标出。")
    b.table(
        [
            Col("排名", "{{ r.rank }}", 12, "c"),
            Col("分中心", "{{ r.branch }}", 26),
            Col("月报", "{{r r.state }}", 16, "c"),
            Col("新增登记客户\n上报 / 档案", "{{r r.new }}", 24, "c"),
            Col("有效客户(A+B)\n上报 / 档案", "{{r r.ab }}", 24, "c"),
            Col("覆盖乡镇数\n上报 / 档案", "{{r r.towns }}", 22, "c"),
            Col("跟进人次\n上报 / 档案", "{{r r.visits }}", 22, "c"),
            Col("推介会场次", "{{ r.events }}", 18, "c"),
            Col("签约套数", "{{ r.units }}", 16, "c"),
            Col("签约金额(万元)", "{{ r.amount }}", 22, "c"),
            Col("签约金额完成率", "{{ r.amount_rate }}", 22, "c"),
        ],
        "r in rows",
        total=[
            "",
            "合计",
            "",
            "{{ total.new }}",
            "{{ total.ab }}",
            "{{ total.towns }}",
            "{{ total.visits }}",
            "{{ total.events }}",
            "{{ total.units }}",
            "{{ total.amount }}",
            "{{ total.amount_rate }}",
        ],
    )
    b.note("{{ basis }}")
    b.figure("chart_branches", "图1　各分中心新增登记客户：档案统计与上报")
    b.heading("二、签约排名（分中心上报）")
    b.tag("if signing")
    b.table(
        [
            Col("名次", "{{ s.rank }}", 14, "c"),
            Col("分中心", "{{ s.branch }}", 40),
            Col("签约套数", "{{ s.units }}", 26, "c"),
            Col("签约金额(万元)", "{{ s.amount }}", 30, "c"),
            Col("签约金额完成率", "{{ s.rate }}", 30, "c"),
        ],
        "s in signing",
    )
    b.tag("else")
    b.text("本月尚无分中心报送签约数据。")
    b.tag("endif")
    b.heading("三、存在问题与需公司支持事项")
    b.tag("if asks")
    b.table(
        [
            Col("分中心", "{{ a.branch }}", 30),
            Col("存在问题", "{{ a.problems }}", 100),
            Col("需公司支持", "{{ a.support }}", 100),
        ],
        "a in asks",
    )
    b.tag("else")
    b.text("本月尚无分中心报送月度工作总结。")
    b.tag("endif")
    return b.save()
