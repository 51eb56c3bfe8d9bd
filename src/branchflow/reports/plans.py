"""部门及项目工作计划-<YYYY-MM>.docx: what each department and project 营销部 plans for the month
and asks of the branches, one copy per branch with the items that ask for its help first.

The plans for a month are filed on the 28th of the month before (报告期 = that month, as the
branches' own 下月计划), so the document of 2026-12 is made from the plans of period 2026-11.
需分中心配合 names the branches asked ("全部" for all of them, "无" for none); it is free text, so
a branch counts as named when its name, its name without 分中心, or its city appears in it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from branchflow.archive.reportdata import ReportData
from branchflow.config import Branch, Settings
from branchflow.reports import blocks
from branchflow.reports.engine import alert
from branchflow.reports.periods import Month
from branchflow.reports.word_style import Col, TemplateBuilder

TEMPLATE = "部门及项目工作计划.docx"
EVERYONE = ("全部", "所有", "各分中心", "全体")
NOBODY = ("无", "不需要", "无需", "否", "不涉及")


def file_name(month: Month) -> str:
    return f"部门及项目工作计划-{month.key}.docx"


@dataclass(frozen=True)
class Ask:
    """Whom one plan item asks for help."""

    named: frozenset[str]  # branches named in 需分中心配合
    everyone: bool  # "全部" / "各分中心"

    def of(self, branch: str) -> int:
        """0: names `branch`; 1: asks every branch; 2: not this branch."""
        return 0 if branch in self.named else 1 if self.everyone else 2


def asks_of(text: Any, branches: Sequence[Branch]) -> Ask:
    """Read 需分中心配合 (“东莞、宁波”, “全部分中心”, “无”) against the configured branches."""
    folded = _fold(text)
    if not folded or folded in NOBODY:
        return Ask(frozenset(), everyone=False)
    named = frozenset(b.name for b in branches if any(k in folded for k in _keys(b)))
    return Ask(named, everyone=any(word in folded for word in EVERYONE))


def _keys(branch: Branch) -> tuple[str, ...]:
    name = _fold(branch.name)
    keys = {name, name.removesuffix("分中心"), _fold(branch.city).removesuffix("市")}
    return tuple(k for k in keys if len(k) >= 2)


def _fold(text: Any) -> str:
    return "".join(unicodedata.normalize("NFKC", str(text or "")).split())


def context(
    settings: Settings,
    month: Month,
    plans: Sequence[ReportData],
    branch: str,
    now: datetime,
    filed_at: Mapping[str, datetime] | None = None,
) -> dict[str, Any]:
    """`plans`: the 部门月度工作计划 of period month-1 (plans for `month`); `filed_at`: when each
    owner's plan came in, by folder name."""
    filed = {p.branch: p for p in plans}
    owners = [*settings.planners, *sorted(set(filed) - set(settings.planners))]
    rows = [
        _row(settings, owner, item, branch)
        for owner in owners
        if owner in filed
        for item in filed[owner].tables.get("items", ())
    ]
    mine = sorted((r for r in rows if r["_rank"] < 2), key=lambda r: (r["_rank"], r["_due"]))
    named = sum(r["_rank"] == 0 for r in mine)
    sections = [
        _section(settings, month, owner, filed.get(owner), rows, filed_at) for owner in owners
    ]
    return {
        **blocks.frame(settings, "部门及项目工作计划", month.label, now),
        "branch": branch,
        "summary": (
            f"{len(settings.planners)} 个部门和项目营销部中 {len(filed)} 个已报送"
            f"{month.label}工作计划，共 {len(rows)} 项；其中 {len(mine)} 项需要{branch}配合"
            f"（点名{branch} {named} 项，面向全部分中心 {len(mine) - named} 项），列在第一部分。"
        ),
        "mine": [_public(r) for r in mine],
        "owners": sections,
        "missing_count": str(sum(1 for s in sections if s["missing"])),
    }


def _row(settings: Settings, owner: str, item: Mapping[str, Any], branch: str) -> dict[str, Any]:
    ask = asks_of(item.get("cooperation"), settings.branches)
    due = item.get("due")
    return {
        "owner": owner,
        "item": blocks.text(item.get("item")),
        "detail": blocks.text(item.get("detail"), ""),
        "due": blocks.day(due),
        "cooperation": alert(blocks.text(item.get("cooperation")), ask.of(branch) == 0),
        "projects": blocks.text(item.get("projects"), ""),
        "contact": blocks.text(item.get("contact"), ""),
        "_rank": ask.of(branch),
        "_due": due if isinstance(due, date) else date.max,
    }


def _public(row: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if not k.startswith("_")}


def _section(
    settings: Settings,
    month: Month,
    owner: str,
    report: ReportData | None,
    rows: list[dict[str, Any]],
    filed_at: Mapping[str, datetime] | None,
) -> dict[str, Any]:
    if report is None:
        missing = blocks.missing_report(settings, owner, "dept_plan", month.shift(-1))
        return {"name": owner, "missing": missing, "filed": "", "rows": []}
    when = (filed_at or {}).get(owner)
    reporter = blocks.text(report.values.get("reporter"))
    return {
        "name": owner,
        "missing": "",
        "filed": f"填报人：{reporter}" + (f"　报送时间：{blocks.day(when)}" if when else ""),
        "rows": [_public(r) for r in rows if r["owner"] == owner],
    }


def template() -> bytes:
    b = TemplateBuilder("部门及项目工作计划", landscape=True)
    blocks.frame_title(b, "{{ period_label }}部门及项目工作计划", "下发{{ branch }}")
    b.text("{{ summary }}")
    b.heading("一、需要{{ branch }}配合的事项")
    b.tag("if mine")
    b.table(
        [
            Col("部门/项目", "{{ m.owner }}", 32),
            Col("工作事项", "{{ m.item }}", 36),
            Col("具体内容", "{{ m.detail }}", 78),
            Col("完成时间", "{{ m.due }}", 26, "c"),
            Col("需分中心配合", "{{r m.cooperation }}", 30, "c"),
            Col("联系人/电话", "{{ m.contact }}", 40),
        ],
        "m in mine",
    )
    b.tag("else")
    b.text("本月各部门、项目营销部的计划中没有需要{{ branch }}配合的事项。")
    b.tag("endif")
    b.note("需分中心配合写明本分中心的（红色粗体）排在前面，其次是写“全部”的。")
    b.heading("二、各部门、项目营销部的工作计划")
    b.tag("for o in owners")
    b.heading("{{ o.name }}", 2)
    b.tag("if o.missing")
    b.notice("{{ o.missing }}")
    b.tag("elif not o.rows")
    b.text("报送的计划中没有工作事项。")
    b.tag("else")
    b.note("{{ o.filed }}")
    b.table(
        [
            Col("工作事项", "{{ p.item }}", 36),
            Col("具体内容", "{{ p.detail }}", 78),
            Col("完成时间", "{{ p.due }}", 26, "c"),
            Col("需分中心配合", "{{r p.cooperation }}", 30, "c"),
            Col("涉及项目", "{{ p.projects }}", 36),
            Col("联系人/电话", "{{ p.contact }}", 40),
        ],
        "p in o.rows",
    )
    b.tag("endif")
    b.tag("endfor")
    return b.save()


def sample_plans(settings: Settings, month: Month) -> list[ReportData]:
    """Made-up plans for `month` (filed in the month before), for `templates --check`."""
    owner = settings.planners[0] if settings.planners else "示例部门"
    item = {
        "item": "二期开盘",
        "detail": "请各分中心邀约 A/B 类客户返乡看房",
        "due": month.day(18),
        "cooperation": settings.branch_names[0],
        "projects": settings.projects[0].name if settings.projects else "示例项目",
        "contact": "张伟 13900001111",
    }
    values = {"reporter": "张伟"}
    return [ReportData("dept_plan", owner, month.shift(-1).key, 1, values, {"items": [item]})]


def sample_filed(settings: Settings, month: Month) -> dict[str, datetime]:
    moment = datetime.combine(month.shift(-1).day(27), time(10), tzinfo=settings.timezone)
    return dict.fromkeys(settings.planners[:1], moment)
