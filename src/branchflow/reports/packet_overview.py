"""The first page of a department packet: the branches side by side on what that department
receives, and — once per branch — what the branch has not filed. The sections after it give
the details of the branches that did file."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from branchflow.archive.reportdata import ReportData
from branchflow.config import Settings
from branchflow.reports import blocks
from branchflow.reports.engine import alert
from branchflow.reports.figures import NEW, ArchiveFigures
from branchflow.reports.packet_parts import missing_weeks
from branchflow.reports.periods import Week, due_text
from branchflow.reports.snapshot import MonthSnapshot
from branchflow.reports.summary import BranchMonth
from branchflow.reports.word_style import Col, TemplateBuilder

AMOUNT, UNITS = "签约金额(万元)", "签约套数"
_THURSDAY = timedelta(days=3)  # a week belongs to the month holding its Thursday (ISO)
NEEDS_MONTHLY = frozenset({"monthly_summary", "monthly_plan", "merchants"})
PLAN_ITEMS = 3  # work items named in the plan comparison; the details list them all


def missing_notices(settings: Settings, snapshot: MonthSnapshot, wanted: set[str]) -> list[str]:
    """One sentence per branch naming everything it owes this department this month."""
    month = snapshot.month
    weeks = missing_weeks(settings, snapshot) if "weekly" in wanted else {}
    notices = []
    for branch in settings.branch_names:
        owed: list[tuple[str, Any]] = []
        if wanted & NEEDS_MONTHLY and snapshot.monthly_of(branch, month) is None:
            owed.append(("monthly", month))
        if "market" in wanted and branch not in snapshot.market:
            owed.append(("market", month))
        owed += [("weekly", week) for week, absent in weeks.items() if branch in absent]
        if owed:
            notices.append(f"{branch}未报送{'、'.join(_owed(settings, *o) for o in owed)}。")
    return notices


def _owed(settings: Settings, kind: str, period: Any) -> str:
    label = period.short_label if isinstance(period, Week) else period.label
    due = due_text(settings, kind, period)
    return f"{label}{blocks.REPORT_NAMES[kind]}" + (f"（{due}）" if due else "")


def compare(
    settings: Settings, snapshot: MonthSnapshot, figures: ArchiveFigures, wanted: set[str]
) -> dict[str, list[dict[str, Any]]]:
    """For each received kind, one row per branch."""
    builders = {
        "monthly_summary": _summary_row,
        "monthly_plan": _plan_row,
        "market": _market_row,
        "weekly": _weekly_row,
        "merchants": _merchant_row,
        "archive_changes": _archive_row,
        "conflicts": _conflict_row,
    }
    return {
        kind: [build(settings, snapshot, figures, b) for b in settings.branch_names]
        for kind, build in builders.items()
        if kind in wanted
    }


def _filed(report: ReportData | None) -> Any:
    return alert("已报送", False) if report is not None else alert("未报送")


def _summary_row(
    settings: Settings, snapshot: MonthSnapshot, figures: ArchiveFigures, branch: str
) -> dict[str, Any]:
    month = snapshot.month
    b = BranchMonth(branch, snapshot.monthly_of(branch, month), None, {})
    overall = b.overall
    return {
        "branch": branch,
        "state": _filed(b.report),
        "new": blocks.rate_mark(b.value(NEW), b.value(NEW, "target")),
        "units": blocks.num(b.value(UNITS)),
        "amount": blocks.num(b.value(AMOUNT)),
        "amount_rate": blocks.rate_mark(b.value(AMOUNT), b.value(AMOUNT, "target")),
        "overall": alert(blocks.percent(overall), overall is not None and overall < 1),
    }


def _plan_row(
    settings: Settings, snapshot: MonthSnapshot, figures: ArchiveFigures, branch: str
) -> dict[str, Any]:
    report = snapshot.monthly_of(branch, snapshot.month)
    targets = (
        {r["kpi"]: r.get("target") for r in report.tables.get("targets", ())} if report else {}
    )
    plan = report.tables.get("plan", ()) if report else ()
    items = [blocks.text(p.get("item")) for p in plan[:PLAN_ITEMS]]
    more = f"等 {len(plan)} 项" if len(plan) > PLAN_ITEMS else ""
    return {
        "branch": branch,
        "state": _filed(report),
        "plan_items": "、".join(items) + more if items else blocks.DASH,
        "new": blocks.num(targets.get(NEW)),
        "units": blocks.num(targets.get(UNITS)),
        "amount": blocks.num(targets.get(AMOUNT)),
    }


def _market_row(
    settings: Settings, snapshot: MonthSnapshot, figures: ArchiveFigures, branch: str
) -> dict[str, Any]:
    report = snapshot.market.get(branch)
    values = report.values if report else {}
    sources = sorted(
        report.tables.get("sources", ()) if report else (),
        key=lambda r: -(r.get("estimate") or 0),
    )
    top = "、".join(
        f"{blocks.text(r.get('county'), '')}{r.get('township') or ''}" for r in sources[:2]
    )
    return {
        "branch": branch,
        "state": _filed(report),
        "scale": blocks.text(values.get("worker_scale")),
        "intent": blocks.text(values.get("intent_ratio")),
        "sources": top or blocks.DASH,
        "budget": blocks.text(values.get("budgets")),
    }


def _weekly_row(
    settings: Settings, snapshot: MonthSnapshot, figures: ArchiveFigures, branch: str
) -> dict[str, Any]:
    month = snapshot.month
    weeks = [w for w in snapshot.weeks if month.holds(w.first + _THURSDAY)]
    filed = [snapshot.weekly.get(w.key, {}).get(branch) for w in weeks]
    rows = [
        r
        for report in filed
        if report is not None
        for r in report.tables.get("activities", ())
        if month.holds(r.get("date"))
    ]
    count = sum(r is not None for r in filed)
    return {
        "branch": branch,
        "weeks": alert(f"{count} / {len(weeks)}", count < len(weeks)),
        "events": str(len(rows)),
        "participants": str(sum(r.get("participants") or 0 for r in rows)),
        "registrations": str(sum(r.get("new_registrations") or 0 for r in rows)),
    }


def _merchant_row(
    settings: Settings, snapshot: MonthSnapshot, figures: ArchiveFigures, branch: str
) -> dict[str, Any]:
    report = snapshot.monthly_of(branch, snapshot.month)
    rows = report.tables.get("merchants", ()) if report else ()
    kinds = Counter(blocks.text(r.get("business"), "未填") for r in rows)
    return {
        "branch": branch,
        "state": _filed(report),
        "count": str(len(rows)) if report else blocks.DASH,
        "kinds": "、".join(f"{k} {n}" for k, n in kinds.most_common()) or blocks.DASH,
    }


def _archive_row(
    settings: Settings, snapshot: MonthSnapshot, figures: ArchiveFigures, branch: str
) -> dict[str, Any]:
    month = snapshot.month
    fields, changed = snapshot.changes.by_branch.get(branch, (0, 0))
    return {
        "branch": branch,
        "new": str(figures.new_count(branch, month)),
        "changed": str(changed),
        "fields": str(fields),
        "visits": str(figures.followups_count(branch, month)),
    }


def _conflict_row(
    settings: Settings, snapshot: MonthSnapshot, figures: ArchiveFigures, branch: str
) -> dict[str, Any]:
    return {
        "branch": branch,
        "owner": str(snapshot.conflicts.owner[branch]),
        "claimant": str(snapshot.conflicts.claimant[branch]),
    }


def template(b: TemplateBuilder) -> None:
    """The comparison page: one small table per kind the department receives."""
    b.heading("一、各分中心对比")
    b.tag("for n in missing_notices")
    b.notice("{{ n }}")
    b.tag("endfor")
    for kind, title, columns in _TABLES:
        b.tag(f"if receives.{kind}")
        b.heading(title, 2)
        b.table([Col("分中心", "{{ c.branch }}", 26), *columns], f"c in compare.{kind}")
        b.tag("endif")


_TABLES = (
    (
        "monthly_summary",
        "月度工作总结：目标完成",
        [
            Col("月报", "{{r c.state }}", 14, "c"),
            Col("新增登记客户\n完成率", "{{r c.new }}", 22, "c"),
            Col("签约套数", "{{ c.units }}", 16, "c"),
            Col("签约金额\n(万元)", "{{ c.amount }}", 20, "c"),
            Col("签约金额\n完成率", "{{r c.amount_rate }}", 20, "c"),
            Col("综合\n完成率", "{{r c.overall }}", 20, "c"),
        ],
    ),
    (
        "monthly_plan",
        "下月工作计划：目标与主要事项",
        [
            Col("月报", "{{r c.state }}", 14, "c"),
            Col("新增登记\n客户目标", "{{ c.new }}", 20, "c"),
            Col("签约套数\n目标", "{{ c.units }}", 18, "c"),
            Col("签约金额\n目标(万元)", "{{ c.amount }}", 22, "c"),
            Col("主要工作事项", "{{ c.plan_items }}", 60),
        ],
    ),
    (
        "market",
        "市场研究报告：市场要点",
        [
            Col("报告", "{{r c.state }}", 14, "c"),
            Col("务工人员规模估计", "{{ c.scale }}", 40),
            Col("置业意向", "{{ c.intent }}", 34),
            Col("主要来源乡镇", "{{ c.sources }}", 30),
            Col("预算", "{{ c.budget }}", 24),
        ],
    ),
    (
        "weekly",
        "营销活动：本月各周",
        [
            Col("周报\n已报/应报", "{{r c.weeks }}", 24, "c"),
            Col("活动场次", "{{ c.events }}", 18, "c"),
            Col("参与人次", "{{ c.participants }}", 18, "c"),
            Col("现场新增登记", "{{ c.registrations }}", 22, "c"),
        ],
    ),
    (
        "merchants",
        "招商商家：本月洽谈",
        [
            Col("月报", "{{r c.state }}", 14, "c"),
            Col("商家数", "{{ c.count }}", 16, "c"),
            Col("业态", "{{ c.kinds }}", 60),
        ],
    ),
    (
        "archive_changes",
        "客户档案：本月变动",
        [
            Col("本月新登记\n客户", "{{ c.new }}", 24, "c"),
            Col("资料有变动\n的客户", "{{ c.changed }}", 26, "c"),
            Col("变动项数", "{{ c.fields }}", 18, "c"),
            Col("本月跟进人次", "{{ c.visits }}", 22, "c"),
        ],
    ),
    (
        "conflicts",
        "撞单：本月发现",
        [
            Col("作为首次登记方", "{{ c.owner }}", 30, "c"),
            Col("作为后报方", "{{ c.claimant }}", 30, "c"),
        ],
    ),
)
