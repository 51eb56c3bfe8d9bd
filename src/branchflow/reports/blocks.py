"""Pieces several documents share: how values are written, a monthly report's KPI table, text
sections, plan and merchants, and the notice for a report that was not filed. Each piece comes
twice: the context it fills (plain dicts) and the template fragment that shows it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from docxtpl import RichText

from branchflow.archive.reportdata import ReportData
from branchflow.config import Settings
from branchflow.reports.engine import alert
from branchflow.reports.periods import Month, Week, due_text, long_day
from branchflow.reports.word_style import Col, TemplateBuilder
from branchflow.templates.definitions import KIND_NAMES, KPIS, TEMPLATES
from branchflow.validate.normalize import Invalid, is_masked_phone, mask_phone, normalize_phone

DASH = "—"
UNFILLED = "（未填写）"
MONTHLY_TEXTS = ("main_work", "problems", "causes", "support")
REPORT_NAMES = {**KIND_NAMES, "monthly": "月度工作总结及下月工作计划"}
# HQ's briefing as the briefing and the 例会资料 show it
NODE_COLUMNS = (
    Col("项目", "{{ n.project }}", 40),
    Col("节点", "{{ n.node }}", 34),
    Col("日期", "{{ n.date }}", 26, "c"),
    Col("说明", "{{ n.note }}", 56),
)
PROPERTY_COLUMNS = (
    Col("项目", "{{ p.project }}", 32),
    Col("户型", "{{ p.unit_type }}", 18),
    Col("面积", "{{ p.area }}", 22, "c"),
    Col("可售套数", "{{ p.available }}", 18, "c"),
    Col("价格区间", "{{ p.price }}", 30, "c"),
    Col("优惠政策", "{{ p.offers }}", 36),
)

# ── values ──────────────────────────────────────────────────────────────────────────────────


def num(value: Any) -> str:
    """26.0 → "26", 10.5 → "10.5", None → "—"."""
    if value is None or value == "":
        return DASH
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.2f}".rstrip("0")
    return str(value)


def ratio(actual: Any, target: Any) -> float | None:
    """actual / target, or None when either is missing or the target is 0."""
    if not isinstance(actual, int | float) or not isinstance(target, int | float) or not target:
        return None
    return float(actual) / float(target)


def percent(value: float | None) -> str:
    """Every percentage in every document: one decimal (0.917 → "91.7%")."""
    return DASH if value is None else f"{value:.1%}"


def rate(actual: Any, target: Any) -> str:
    return percent(ratio(actual, target))


def rate_mark(actual: Any, target: Any) -> RichText:
    """The completion rate, in red when below target."""
    found = ratio(actual, target)
    return alert(percent(found), found is not None and found < 1)


def change(current: Any, previous: Any) -> str:
    """环比: "+12.5%", "-8.0%"; "—" without last month's figure (or when it was 0)."""
    found = ratio(current, previous)
    return DASH if found is None else f"{found - 1:+.1%}"


def day(value: date | datetime | None) -> str:
    if value is None:
        return DASH
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    return value.isoformat()


def short_date(value: date) -> str:
    return f"{value.month}月{value.day}日"


def text(value: Any, empty: str = DASH) -> str:
    return empty if value is None or str(value).strip() == "" else str(value)


def merchant_phone(settings: Settings, number: str | None) -> str:
    """A merchant's 联系电话: a business line is public, a personal mobile is masked
    ([reports] merchant_phone_display: landline / masked / full)."""
    if not number:
        return ""
    if settings.merchant_phone_display == "full":
        return number
    try:
        return mask_phone(normalize_phone(number))
    except Invalid:  # a landline or a 400 number: the business's own line
        if settings.merchant_phone_display == "landline" or len(number) < 8:
            return number
        return f"{number[:-8]}****{number[-4:]}"


def phone(settings: Settings, number: str | None) -> str:
    """A customer's phone as the config says documents show it: 前三后四 unless "full"."""
    if not number:
        return DASH
    if settings.phone_display == "full" or is_masked_phone(number):
        return number
    return mask_phone(number)


def frame(settings: Settings, title: str, period_label: str, now: datetime) -> dict[str, Any]:
    """What every template's title block, header and footer use."""
    return {
        "company": settings.company,
        "doc_title": title,
        "period_label": period_label,
        "header_right": f"{title}　{period_label}",
        "generated_at": day(now),
        "footer": f"{settings.company}　{long_day(now.date())} {now:%H:%M} 编制",
    }


def as_of_text(as_of: datetime, period_end: datetime) -> str:
    """How a document dates what it judges: the period's end, or the render time before it."""
    if as_of >= period_end:
        return f"截至{long_day((period_end - timedelta(seconds=1)).date())}"
    return f"截至{long_day(as_of.date())} {as_of:%H:%M}（本文档编制时，本期尚未结束）"


def missing_report(settings: Settings, branch: str, kind: str, period: Month | Week) -> str:
    """“东莞分中心未报送2026年11月市场研究报告（应于11月28日前报送）。”"""
    name = REPORT_NAMES[kind]
    due = due_text(settings, kind, period)
    when = "本周" if isinstance(period, Week) else period.label
    return f"{branch}未报送{when}{name}" + (f"（{due}）。" if due else "。")


# ── a monthly report's parts ────────────────────────────────────────────────────────────────


def kpi_rows(report: ReportData | None) -> list[dict[str, str]]:
    """All fourteen KPIs in the template's order: 本月目标, 本月完成, 完成率, 说明."""
    filed = {r["kpi"]: r for r in report.tables.get("kpis", ())} if report else {}
    rows = []
    for name in KPIS:
        row = filed.get(name, {})
        rows.append(
            {
                "name": name,
                "target": num(row.get("target")),
                "actual": num(row.get("actual")),
                "rate": rate(row.get("actual"), row.get("target")),
                "rate_mark": rate_mark(row.get("actual"), row.get("target")),
                "note": text(row.get("note"), ""),
            }
        )
    return rows


def reported(report: ReportData | None, kpi: str, column: str = "actual") -> float | None:
    if report is None:
        return None
    for row in report.tables.get("kpis", ()):
        if row["kpi"] == kpi:
            value = row.get(column)
            return float(value) if isinstance(value, int | float) else None
    return None


def text_sections(report: ReportData | None, keys: tuple[str, ...]) -> list[dict[str, str]]:
    definition = TEMPLATES[report.kind if report else "monthly"]
    titles = {f.key: f.title for f in definition.values}
    values: Mapping[str, Any] = report.values if report else {}
    return [{"title": titles[k], "text": text(values.get(k), UNFILLED)} for k in keys]


def plan_rows(report: ReportData | None) -> list[dict[str, str]]:
    rows = report.tables.get("plan", ()) if report else ()
    return [
        {
            "item": text(r.get("item")),
            "detail": text(r.get("detail"), ""),
            "owner": text(r.get("owner")),
            "due": day(r.get("due")),
            "involves": text(r.get("involves"), ""),
        }
        for r in rows
    ]


def target_rows(report: ReportData | None) -> list[dict[str, str]]:
    rows = report.tables.get("targets", ()) if report else ()
    return [{"name": r["kpi"], "target": num(r.get("target"))} for r in rows if r.get("target")]


def target_pairs(targets: list[dict[str, str]]) -> list[dict[str, str]]:
    """Targets two to a row (a table half as long): name, target, name, target."""
    half = (len(targets) + 1) // 2
    right = [*targets[half:], {"name": "", "target": ""}]
    return [
        {"name": a["name"], "target": a["target"], "name2": b["name"], "target2": b["target"]}
        for a, b in zip(targets[:half], right, strict=False)
    ]


def merchant_rows(settings: Settings, report: ReportData | None) -> list[dict[str, str]]:
    rows = report.tables.get("merchants", ()) if report else ()
    return [
        {
            "branch": report.branch if report else "",
            "name": text(r.get("name")),
            "business": text(r.get("business"), ""),
            "contact": text(r.get("contact"), ""),
            "phone": merchant_phone(settings, r.get("phone")),
            "project": text(r.get("project"), ""),
            "area": num(r.get("area")) if r.get("area") is not None else "",
            "progress": text(r.get("progress"), ""),
        }
        for r in rows
    ]


def monthly_block(
    settings: Settings, branch: str, month: Month, report: ReportData | None
) -> dict[str, Any]:
    """One branch's monthly report as the packets and meeting documents show it."""
    return {
        "branch": branch,
        "missing": "" if report else missing_report(settings, branch, "monthly", month),
        "reporter": text(report.values.get("reporter")) if report else DASH,
        "kpis": kpi_rows(report),
        "sections": text_sections(report, MONTHLY_TEXTS),
        "targets": target_rows(report),
        "target_pairs": target_pairs(target_rows(report)),
        "plan": plan_rows(report),
        "merchants": merchant_rows(settings, report),
    }


# ── template fragments ──────────────────────────────────────────────────────────────────────


def frame_title(b: TemplateBuilder, title: str, subtitle: str) -> None:
    b.title(title)
    b.subtitle(subtitle)


def kpi_table(b: TemplateBuilder, loop: str, month: str = "本月") -> None:
    """Targets against results; a 说明 column no row fills in is dropped when rendered."""
    b.table(
        [
            Col("指标", "{{ k.name }}", 38),
            Col(f"{month}目标", "{{ k.target }}", 22, "c"),
            Col(f"{month}完成", "{{ k.actual }}", 22, "c"),
            Col("完成率", "{{r k.rate_mark }}", 22, "c"),
            Col("说明", "{{ k.note }}", 50),
        ],
        f"k in {loop}",
    )


def sections(b: TemplateBuilder, loop: str) -> None:
    """Text sections: a small heading, then the staff's own words."""
    b.tag(f"for s in {loop}")
    b.heading("{{ s.title }}", 3)
    b.text("{{ s.text }}")
    b.tag("endfor")


def plan_tables(b: TemplateBuilder, prefix: str = "", month: str = "下月") -> None:
    """The targets and work plan a `monthly_block` sets for the month after it (its fields
    under `prefix`); `month` is what the reader calls that month (下月, or 本月 at its 例会)."""
    b.tag(f"if {prefix}targets")
    b.table(
        [
            Col("指标", "{{ t.name }}", 45),
            Col(f"{month}目标", "{{ t.target }}", 25, "c"),
            Col("指标", "{{ t.name2 }}", 45),
            Col(f"{month}目标", "{{ t.target2 }}", 25, "c"),
        ],
        f"t in {prefix}target_pairs",
    )
    b.tag("endif")
    b.tag(f"if {prefix}plan")
    b.table(
        [
            Col("工作事项", "{{ p.item }}", 30),
            Col("具体内容", "{{ p.detail }}", 52),
            Col("责任人", "{{ p.owner }}", 18, "c"),
            Col("完成时间", "{{ p.due }}", 24, "c"),
            Col("涉及部门/项目", "{{ p.involves }}", 30),
        ],
        f"p in {prefix}plan",
    )
    b.tag("else")
    b.text(f"未填写{month}工作计划。")
    b.tag("endif")


def merchants_table(b: TemplateBuilder, loop: str, with_branch: bool = False) -> None:
    columns = [
        Col("商家名称", "{{ m.name }}", 34),
        Col("业态", "{{ m.business }}", 14, "c"),
        Col("联系人", "{{ m.contact }}", 16, "c"),
        Col("联系电话", "{{ m.phone }}", 26, "c"),
        Col("意向项目", "{{ m.project }}", 28),
        Col("面积(㎡)", "{{ m.area }}", 14, "c"),
        Col("洽谈进展", "{{ m.progress }}", 34),
    ]
    if with_branch:
        columns = [Col("分中心", "{{ m.branch }}", 22), *columns]
    b.table(columns, f"m in {loop}")
