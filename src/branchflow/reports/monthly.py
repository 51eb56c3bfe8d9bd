"""月度工作总结-<分中心>.docx: a branch's reported KPIs beside the archive's own figures, its text
sections, next month's plan, and charts."""

from __future__ import annotations

from typing import Any

from branchflow.config import Settings
from branchflow.reports import blocks, mix
from branchflow.reports.charts import NO_FONT, cjk_font, grade_chart, township_chart, trend_chart
from branchflow.reports.engine import alert
from branchflow.reports.figures import ARCHIVE_KPIS, BASIS, ArchiveFigures
from branchflow.reports.snapshot import TREND_MONTHS, MonthSnapshot
from branchflow.reports.word_style import Col, TemplateBuilder

TEMPLATE = "月度工作总结.docx"


def file_name(branch: str) -> str:
    return f"月度工作总结-{branch}.docx"


def context(
    settings: Settings, snapshot: MonthSnapshot, figures: ArchiveFigures, branch: str
) -> dict[str, Any]:
    month = snapshot.month
    report = snapshot.monthly_of(branch, month)
    block = blocks.monthly_block(settings, branch, month, report)
    checks, notes = compare(report, figures.kpis(branch, month))
    title = f"{branch}月度工作总结"
    return {
        **blocks.frame(settings, title, month.label, snapshot.now),
        **block,
        "subtitle": f"填报人：{block['reporter']}" if report else "月报未报送，以下为档案统计",
        "checks": checks,
        "check_notes": notes,
        "basis": BASIS,
        "next_label": month.shift(1).label,
        "mix": mix.counted_mix(figures.mix(branch)),
        "mix_basis": mix.BASIS,
        **charts(figures, branch, snapshot),
    }


def compare(report: Any, archive: dict[str, int]) -> tuple[list[dict[str, Any]], list[str]]:
    """The four KPIs the archive can count: reported vs counted, and what differs, in words."""
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    for name in ARCHIVE_KPIS:
        filed = blocks.reported(report, name)
        counted = archive[name]
        if filed is None:
            diff, flagged = ("未报" if report is None else "未填"), report is not None
        elif filed == counted:
            diff, flagged = "一致", False
        else:
            gap = filed - counted
            diff = f"上报{'多' if gap > 0 else '少'} {blocks.num(abs(gap))}"
            flagged = True
            notes.append(
                f"{name}：分中心上报 {blocks.num(filed)}，档案统计 {counted}，{diff}，请核实。"
            )
        rows.append(
            {
                "name": name,
                "reported": blocks.num(filed) if filed is not None else blocks.DASH,
                "archive": str(counted),
                "diff": alert(diff, flagged),
            }
        )
    if report is None:
        notes.append("本月未报送月度工作总结，无法核对上报数；上表为档案统计数。")
    elif not notes:
        notes.append("四项指标的上报数与档案统计一致。")
    return rows, notes


def charts(figures: ArchiveFigures, branch: str, snapshot: MonthSnapshot) -> dict[str, Any]:
    month = snapshot.month
    if cjk_font() is None:
        return dict.fromkeys(("chart_townships", "chart_grades", "chart_trend"), NO_FONT)
    townships = township_chart(figures.townships(branch, month))
    grades = grade_chart(dict(figures.grades_at_end(branch, month)))
    points = figures.trend(branch, month.back(TREND_MONTHS))
    while len(points) > 1 and not (points[0].new or points[0].followups or points[0].ab):
        points = points[1:]  # a trend starts with the branch's first month of data
    trend = trend_chart(points)
    return {
        "chart_townships": townships or f"{month.label}无新登记客户，无乡镇分布。",
        "chart_grades": grades or "档案中尚无本分中心客户，无等级结构。",
        "chart_trend": trend or "无趋势数据。",
    }


def template() -> bytes:
    b = TemplateBuilder("月度工作总结")
    blocks.frame_title(b, "{{ branch }}{{ period_label }}月度工作总结", "{{ subtitle }}")
    b.tag("if missing")
    b.notice("{{ missing }}")
    b.tag("endif")
    b.heading("一、本月指标完成情况")
    b.tag("if missing")
    b.text("未报送，无上报指标。档案统计数见第二部分。")
    b.tag("else")
    blocks.kpi_table(b, "kpis")
    b.tag("endif")
    b.heading("二、上报数与档案统计核对")
    b.table(
        [
            Col("指标", "{{ c.name }}", 50),
            Col("分中心上报", "{{ c.reported }}", 32, "c"),
            Col("档案统计", "{{ c.archive }}", 32, "c"),
            Col("差异", "{{r c.diff }}", 40, "c"),
        ],
        "c in checks",
    )
    b.tag("for n in check_notes")
    b.text("{{ n }}")
    b.tag("endfor")
    b.note("{{ basis }}")
    b.heading("三、本月工作总结")
    b.tag("if missing")
    b.text("未报送。")
    b.tag("else")
    blocks.sections(b, "sections")
    b.tag("endif")
    b.heading("四、下月工作计划（{{ next_label }}）")
    b.tag("if missing")
    b.text("未报送。")
    b.tag("else")
    blocks.plan_tables(b)
    b.tag("endif")
    b.heading("五、招商商家")
    b.tag("if merchants")
    blocks.merchants_table(b, "merchants")
    b.tag("else")
    b.text("本月未报送招商商家。")
    b.tag("endif")
    b.heading("六、图表")
    b.figure("chart_townships", "图1　本月新增登记客户户籍乡镇分布（档案统计）")
    b.figure("chart_grades", "图2　客户等级结构（截至月末，档案统计）")
    b.figure("chart_trend", "图3　逐月趋势（档案统计，自有数据的第一个月起，最多六个月）")
    b.heading("七、客户结构（档案统计）")
    b.table([Col("栏目", "{{ m.field }}", 30), Col("分布", "{{ m.parts }}", 124)], "m in mix")
    b.note("{{ mix_basis }}")
    return b.save()
