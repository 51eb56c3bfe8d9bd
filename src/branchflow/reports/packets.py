"""部门资料包-<部门>.docx: exactly what branchflow.toml routes to each HQ department.

The routing is data: each [[departments]] entry lists what it `receives`, and the template holds
one section per kind, shown only for the departments that receive it. Nothing here names a
department.
"""

from __future__ import annotations

from typing import Any

from branchflow.config import CONFIG_NAME, Department, Settings
from branchflow.reports import blocks, packet_overview, packet_parts
from branchflow.reports.figures import ArchiveFigures
from branchflow.reports.periods import numeral
from branchflow.reports.snapshot import MonthSnapshot
from branchflow.reports.word_style import TemplateBuilder

TEMPLATE = "部门资料包.docx"
SECTIONS = {
    "monthly_summary": "各分中心月度工作总结",
    "monthly_plan": "各分中心下月工作计划",
    "market": "各分中心市场研究报告",
    "weekly": "营销活动新闻",
    "merchants": "招商商家",
    "archive_changes": "客户档案变动",
    "conflicts": "撞单记录",
}


def file_name(department: str) -> str:
    return f"部门资料包-{department}.docx"


def context(
    settings: Settings,
    snapshot: MonthSnapshot,
    figures: ArchiveFigures,
    department: Department,
) -> dict[str, Any]:
    month = snapshot.month
    wanted = [k for k in SECTIONS if k in department.receives]
    monthly = (
        [
            blocks.monthly_block(settings, b, month, snapshot.monthly_of(b, month))
            for b in settings.branch_names
        ]
        if {"monthly_summary", "monthly_plan"} & set(wanted)
        else []
    )
    parts: dict[str, Any] = {
        "market": lambda: packet_parts.markets(settings, snapshot),
        "weekly": lambda: packet_parts.news(settings, snapshot),
        "merchants": lambda: packet_parts.merchants(settings, snapshot),
        "archive_changes": lambda: packet_parts.changes(settings, snapshot, figures),
        "conflicts": lambda: packet_parts.conflicts(settings, snapshot),
    }
    sections = {k: (parts[k]() if k in wanted else {}) for k in parts}
    return {
        **blocks.frame(settings, f"{department.name}资料包", month.label, snapshot.now),
        "department": department.name,
        "receives": {k: k in wanted for k in SECTIONS},
        # the comparison page is 一; the detail sections follow in the order of SECTIONS
        "no": {k: numeral(wanted.index(k) + 1) if k in wanted else "" for k in SECTIONS},
        "receives_text": "、".join(SECTIONS[k] for k in wanted) or "（未设置）",
        "nothing": not wanted,
        "unknown": [],  # said to whoever runs the report (config_notes), not to the department
        "missing_notices": packet_overview.missing_notices(settings, snapshot, set(wanted)),
        "compare": packet_overview.compare(settings, snapshot, figures, set(wanted)),
        "monthly": monthly,
        "monthly_filed": [m for m in monthly if not m["missing"]],
        "market_filed": [m for m in sections["market"] or () if not m["missing"]],
        "next_label": month.shift(1).label,
        **sections,
    }


def config_notes(settings: Settings) -> list[str]:
    """Names in a department's `receives` that match no section: told when reports are made."""
    return [
        f"{CONFIG_NAME} 中“{d.name}”的 receives 含有无法识别的“{k}”，已忽略；"
        f"可选：{'、'.join(SECTIONS)}。"
        for d in settings.departments
        for k in d.receives
        if k not in SECTIONS
    ]


def template() -> bytes:
    b = TemplateBuilder("部门资料包")
    blocks.frame_title(b, "{{ department }}资料包", "{{ period_label }}")
    b.text("按公司报送制度，本部门接收：{{ receives_text }}。先列各分中心对比，后附各分中心明细。")
    b.tag("for u in unknown")
    b.notice("{{ u }}")
    b.tag("endfor")
    b.tag("if nothing")
    b.text("本部门尚未设置接收的资料。")
    b.tag("else")
    packet_overview.template(b)
    b.tag("endif")
    _summaries(b)
    _plans(b)
    packet_parts.markets_template(b)
    packet_parts.news_template(b)
    packet_parts.merchants_template(b)
    packet_parts.changes_template(b)
    packet_parts.conflicts_template(b)
    return b.save()


def _summaries(b: TemplateBuilder) -> None:
    b.tag("if receives.monthly_summary")
    b.heading("{{ no.monthly_summary }}、各分中心月度工作总结")
    b.tag("for br in monthly_filed")
    b.heading("{{ br.branch }}", 2)
    blocks.kpi_table(b, "br.kpis")
    blocks.sections(b, "br.sections")
    b.tag("else")
    b.text("本月尚无分中心报送月度工作总结。")
    b.tag("endfor")
    b.tag("endif")


def _plans(b: TemplateBuilder) -> None:
    b.tag("if receives.monthly_plan")
    b.heading("{{ no.monthly_plan }}、各分中心下月工作计划（{{ next_label }}）")
    b.tag("for br in monthly_filed")
    b.heading("{{ br.branch }}", 2)
    blocks.plan_tables(b, "br.")
    b.tag("else")
    b.text("本月尚无分中心报送下月工作计划。")
    b.tag("endfor")
    b.tag("endif")
