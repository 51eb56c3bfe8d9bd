"""例会资料-<分中心>.docx for the meeting on the 3rd: HQ's briefing, last month's plan against its
results, this month's plan, and the customers whose next follow-up falls due this month."""

from __future__ import annotations

from datetime import date
from typing import Any

from branchflow.archive.reportdata import ReportData
from branchflow.config import Settings
from branchflow.reports import blocks, monthly
from branchflow.reports.figures import ArchiveFigures
from branchflow.reports.lists import Capped, DueLists, Row
from branchflow.reports.periods import long_day, meeting_day
from branchflow.reports.snapshot import MonthSnapshot
from branchflow.reports.word_style import Col, TemplateBuilder

TEMPLATE = "例会资料.docx"


def file_name(branch: str) -> str:
    return f"例会资料-{branch}.docx"


def context(
    settings: Settings, snapshot: MonthSnapshot, figures: ArchiveFigures, branch: str
) -> dict[str, Any]:
    month = snapshot.month
    previous, before = month.shift(-1), month.shift(-2)
    last_report = snapshot.monthly_of(branch, previous)
    planned = snapshot.monthly_of(branch, before)
    checks, notes = monthly.compare(last_report, figures.kpis(branch, previous))
    meeting = meeting_day(settings, month)
    as_of = min(meeting, snapshot.now.date())  # a document made before the meeting: until now
    lists = snapshot.due.get(branch) or DueLists(Capped(0), Capped(0))
    due, overdue = lists.due, lists.overdue
    return {
        **blocks.frame(settings, "例会资料", month.label, snapshot.now),
        "branch": branch,
        "meeting_label": f"{long_day(meeting)}例会",
        "hq": hq_block(settings, snapshot.hq_briefing, snapshot),
        "last_label": previous.label,
        "last": blocks.monthly_block(settings, branch, previous, last_report),
        "last_checks": checks,
        "last_notes": notes,
        "last_plan": blocks.plan_rows(planned),
        "last_plan_note": (
            f"{before.label}月报中没有{previous.label}的工作事项。"
            if planned
            else f"未找到{branch}{before.label}报送的月报，无法列出{previous.label}的计划事项。"
        ),
        "as_of": long_day(as_of),
        "due_count": str(due.total),
        "due": [_due_row(settings, row) for row in due.rows],
        "due_rest": _rest_note(due, "下次跟进日期在本月"),
        "overdue": [_due_row(settings, row, as_of) for row in overdue.rows],
        "overdue_rest": _rest_note(overdue, "逾期未跟进"),
        "overdue_note": (
            f"另有 {overdue.total} 位客户的下次跟进日期在本月之前、至今未再跟进，"
            "见“逾期未跟进客户”表，请一并安排。"
            if overdue.total
            else ""
        ),
    }


def _rest_note(found: Capped, what: str) -> str:
    """Where the customers a capped table leaves out are listed."""
    if not found.rest:
        return ""
    return (
        f"上表按日期列出前 {len(found.rows)} 位；其余 {found.rest} 位{what}的客户见本分中心"
        "下发文件夹中的分中心档案（“近期待跟进”表）。"
    )


def hq_block(
    settings: Settings, report: ReportData | None, snapshot: MonthSnapshot
) -> dict[str, Any]:
    if report is None:
        missing = blocks.missing_report(
            settings, "总部（销售管理部）", "hq_briefing", snapshot.month
        )
        return {"missing": missing}
    return {
        "missing": "",
        "sales_brief": blocks.text(report.values.get("sales_brief"), blocks.UNFILLED),
        "key_work": blocks.text(report.values.get("key_work"), blocks.UNFILLED),
        "nodes": [
            {
                "project": blocks.text(r.get("project")),
                "node": blocks.text(r.get("node")),
                "date": blocks.day(r.get("date")),
                "note": blocks.text(r.get("note"), ""),
            }
            for r in report.tables.get("nodes", ())
        ],
        "properties": [
            {
                "project": blocks.text(r.get("project")),
                "unit_type": blocks.text(r.get("unit_type"), ""),
                "area": blocks.text(r.get("area"), ""),
                "available": blocks.num(r.get("available")),
                "price": blocks.text(r.get("price_range"), ""),
                "offers": blocks.text(r.get("offers"), ""),
            }
            for r in report.tables.get("properties", ())
        ],
    }


def _due_row(settings: Settings, c: Row, as_of: date | None = None) -> dict[str, str]:
    """A customer to follow up (as the archive's due list gives it: grade at the moment, the
    last follow-up); with `as_of`, how long the follow-up is overdue by then."""
    late = (as_of - c["next_date"]).days if as_of and c["next_date"] else None
    visited = c.get("last_date") is not None
    return {
        "late": f"{late} 天" if late is not None else "",
        "name": blocks.text(c.get("name")),
        "phone": blocks.phone(settings, c.get("phone")),
        "grade": c.get("grade_at") or blocks.DASH,
        "home": f"{c.get('county') or ''}{c.get('township') or ''}" or blocks.DASH,
        "project": blocks.text(c.get("project")),
        "last": f"{blocks.day(c['last_date'])}\n{blocks.text(c.get('last_method'), '')}"
        if visited
        else blocks.DASH,
        "next": blocks.day(c["next_date"]),
        "staff": blocks.text(c.get("last_staff") if visited else c.get("consultant")),
    }


def template() -> bytes:
    b = TemplateBuilder("例会资料")
    blocks.frame_title(b, "{{ branch }}{{ meeting_label }}资料", "{{ company }}")
    _hq(b)
    b.heading("二、上月（{{ last_label }}）计划完成情况")
    b.tag("if last.missing")
    b.notice("{{ last.missing }}")
    b.tag("else")
    blocks.kpi_table(b, "last.kpis", month="上月")
    b.tag("endif")
    b.heading("上报数与档案统计核对", 3)
    b.table(
        [
            Col("指标", "{{ c.name }}", 50),
            Col("分中心上报", "{{ c.reported }}", 32, "c"),
            Col("档案统计", "{{ c.archive }}", 32, "c"),
            Col("差异", "{{r c.diff }}", 40, "c"),
        ],
        "c in last_checks",
    )
    b.tag("for n in last_notes")
    b.text("{{ n }}")
    b.tag("endfor")
    b.heading("上月计划的工作事项", 3)
    b.tag("if last_plan")
    b.table(
        [
            Col("工作事项", "{{ p.item }}", 34),
            Col("具体内容", "{{ p.detail }}", 60),
            Col("责任人", "{{ p.owner }}", 20, "c"),
            Col("完成时间", "{{ p.due }}", 26, "c"),
        ],
        "p in last_plan",
    )
    b.tag("else")
    b.text("{{ last_plan_note }}")
    b.tag("endif")
    b.heading("三、本月（{{ period_label }}）工作计划")
    b.tag("if last.missing")
    b.text("上月月报未报送，没有本月的工作计划和指标目标。")
    b.tag("else")
    blocks.plan_tables(b, "last.", month="本月")
    b.tag("endif")
    b.heading("四、本月到期跟进客户")
    b.text("截至{{ as_of }}，下次跟进日期在本月的客户共 {{ due_count }} 人。{{ overdue_note }}")
    b.tag("if due")
    b.table(
        [
            Col("客户", "{{ d.name }}", 17),
            Col("手机号码", "{{ d.phone }}", 27, "c"),
            Col("等级", "{{ d.grade }}", 12, "c"),
            Col("意向项目", "{{ d.project }}", 29),
            Col("最近跟进", "{{ d.last }}", 27, "c"),
            Col("下次跟进", "{{ d.next }}", 26, "c"),
            Col("跟进人", "{{ d.staff }}", 16, "c"),
        ],
        "d in due",
    )
    b.tag("if due_rest")
    b.note("{{ due_rest }}")
    b.tag("endif")
    b.tag("endif")
    b.tag("if overdue")
    b.heading("逾期未跟进客户", 3)
    b.table(
        [
            Col("客户", "{{ d.name }}", 17),
            Col("手机号码", "{{ d.phone }}", 27, "c"),
            Col("等级", "{{ d.grade }}", 12, "c"),
            Col("意向项目", "{{ d.project }}", 29),
            Col("最近跟进", "{{ d.last }}", 27, "c"),
            Col("应跟进日期", "{{ d.next }}", 26, "c"),
            Col("逾期", "{{ d.late }}", 14, "c"),
            Col("跟进人", "{{ d.staff }}", 16, "c"),
        ],
        "d in overdue",
    )
    b.tag("if overdue_rest")
    b.note("{{ overdue_rest }}")
    b.tag("endif")
    b.tag("endif")
    return b.save()


def _hq(b: TemplateBuilder) -> None:
    b.heading("一、总部月度简报（{{ period_label }}）")
    b.tag("if hq.missing")
    b.notice("{{ hq.missing }}")
    b.tag("else")
    b.heading("销售简报", 3)
    b.text("{{ hq.sales_brief }}")
    b.heading("本月重点工作", 3)
    b.text("{{ hq.key_work }}")
    b.heading("项目营销节点", 3)
    b.table(
        blocks.NODE_COLUMNS,
        "n in hq.nodes",
    )
    b.heading("在售物业", 3)
    b.table(
        blocks.PROPERTY_COLUMNS,
        "p in hq.properties",
    )
    b.tag("endif")
