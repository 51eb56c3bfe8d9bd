"""总部月度简报-<YYYY-MM>.docx: 销售管理部's monthly briefing as a document of its own, for the
branches (制度: 销售管理部定期将月销售工作简报和工作计划提供给各省外分中心) — the sales brief,
the month's key work, the projects' marketing milestones and what is on sale."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from branchflow.archive.reportdata import ReportData
from branchflow.config import Settings
from branchflow.reports import blocks, meeting
from branchflow.reports.periods import Month, long_day, meeting_day
from branchflow.reports.snapshot import MonthSnapshot
from branchflow.reports.word_style import TemplateBuilder

TEMPLATE = "总部月度简报.docx"


def file_name(month: Month) -> str:
    return f"总部月度简报-{month.key}.docx"


def context(
    settings: Settings,
    snapshot: MonthSnapshot,
    filed_at: datetime | None = None,
) -> dict[str, Any]:
    """The month's briefing as HQ filed it (`snapshot.hq_briefing`); `filed_at`: when it came."""
    report: ReportData | None = snapshot.hq_briefing
    month = snapshot.month
    reporter = blocks.text(report.values.get("reporter")) if report else blocks.DASH
    filed = f"报送：{reporter}" + (f"　{blocks.day(filed_at)}" if filed_at else "")
    return {
        **blocks.frame(settings, "总部月度简报", month.label, snapshot.now),
        "hq": meeting.hq_block(settings, report, snapshot),
        "filed": filed,
        "meeting_label": f"供{long_day(meeting_day(settings, month))}各分中心例会使用",
    }


def template() -> bytes:
    b = TemplateBuilder("总部月度简报")
    blocks.frame_title(b, "{{ period_label }}总部月度简报", "{{ company }}　销售管理部")
    b.tag("if hq.missing")
    b.notice("{{ hq.missing }}")
    b.tag("else")
    b.note("{{ filed }}　{{ meeting_label }}")
    b.heading("一、销售简报")
    b.text("{{ hq.sales_brief }}")
    b.heading("二、本月重点工作")
    b.text("{{ hq.key_work }}")
    b.heading("三、项目营销节点")
    b.tag("if hq.nodes")
    b.table(
        blocks.NODE_COLUMNS,
        "n in hq.nodes",
    )
    b.tag("else")
    b.text("本月没有列出项目营销节点。")
    b.tag("endif")
    b.heading("四、在售物业")
    b.tag("if hq.properties")
    b.table(
        blocks.PROPERTY_COLUMNS,
        "p in hq.properties",
    )
    b.tag("else")
    b.text("本月没有列出在售物业。")
    b.tag("endif")
    b.tag("endif")
    return b.save()
