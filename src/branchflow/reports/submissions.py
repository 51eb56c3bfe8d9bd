"""报送考核-<YYYY-MM>.docx: the submission matrix and lateness, for the 考核制度.

The matrix itself comes from the calendar (`branchflow.calendar.submission_matrix`); this module
only lays it out: one row per branch, one column per deliverable, the weeks of the weekly news
listed inside their cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from docxtpl import RichText

from branchflow import calendar as deadlines
from branchflow.config import Settings
from branchflow.errors import BranchflowError
from branchflow.reports import blocks
from branchflow.reports.periods import Month, Week, deadline, period_label
from branchflow.reports.word_style import Col, TemplateBuilder
from branchflow.templates.definitions import KIND_NAMES

TEMPLATE = "报送考核.docx"
COLUMNS = ("monthly", "market", "weekly")
STATE_WORDS = {"on_time": "按时", "late": "迟交", "missing": "未交", "rejected": "退回"}
RED, ORANGE = "C00000", "C55A11"


def file_name(month: Month) -> str:
    return f"报送考核-{month.key}.docx"


def read_matrix(settings: Settings, month: Month) -> list[Any] | str:
    """The calendar's matrix for the month, or why it cannot be had."""
    try:
        return list(deadlines.submission_matrix(settings, month.key))
    except BranchflowError as exc:
        return f"报送矩阵暂时无法生成：{exc}"


def context(settings: Settings, month: Month, now: Any, matrix: list[Any] | str) -> dict[str, Any]:
    """`matrix`: the calendar's Submissions, or the reason it is unavailable."""
    base = {
        **blocks.frame(settings, "报送考核", month.label, now),
        "unavailable": matrix if isinstance(matrix, str) else "",
        "rows": [],
        "details": [],
        "hq": [],
        "plans": [],
        "plans_summary": "",
        "summary": "",
        "cutoff_note": _cutoff_note(settings),
    }
    if isinstance(matrix, str):
        return base
    branch_items = [s for s in matrix if s.deliverable in COLUMNS]
    names = list(settings.branch_names)
    names += sorted({s.branch for s in branch_items} - set(names))
    rows = [_row(b, [s for s in branch_items if s.branch == b]) for b in names]
    counted = [s for s in branch_items if _counts(s)]
    tally = {state: sum(s.state == state for s in counted) for state in STATE_WORDS}
    return {
        **base,
        "rows": rows,
        "details": [_detail(s) for s in matrix if _due_passed(s) and s.state != "on_time"],
        "hq": [_hq_line(s) for s in matrix if s.deliverable == "hq_briefing"],
        **_plans(matrix),
        "summary": f"各分中心本月已到截止时间或已报送的 {len(counted)} 项中："
        + "，".join(f"{STATE_WORDS[k]} {v}" for k, v in tally.items())
        + "。",
    }


def _plans(matrix: Sequence[Any]) -> dict[str, Any]:
    """The departments' and project 营销部' work plans: one row per drop folder."""
    items = [s for s in matrix if s.deliverable == "dept_plan"]
    rows = []
    for s in items:
        text, colour = _state(s)
        rows.append(
            {
                "owner": s.branch,
                "period": s.period,
                "due": blocks.day(s.due),
                "submitted": blocks.day(s.submitted_at),
                "state": RichText(text, color=colour, bold=colour == RED),
            }
        )
    counted = [s for s in items if _counts(s)]
    tally = "，".join(f"{w} {sum(s.state == k for s in counted)}" for k, w in STATE_WORDS.items())
    summary = f"各部门、项目营销部已到截止时间或已报送的 {len(counted)} 项中：{tally}。"
    return {"plans": rows, "plans_summary": summary if items else ""}


def _cutoff_note(settings: Settings) -> str:
    rule = deadline(settings, "monthly")
    text = "迟交按首次收到完整文件的时间计，自截止时间起算"
    if rule is not None and rule.final_day and rule.final_time:
        text += f"；月报另以每月 {rule.final_day} 日 {rule.final_time:%H:%M} 为统计截止"
    return text + "。"


def _row(branch: str, items: Sequence[Any]) -> dict[str, Any]:
    row: dict[str, Any] = {"branch": branch}
    for kind in COLUMNS:
        mine = sorted((s for s in items if s.deliverable == kind), key=lambda s: s.period)
        cell = RichText()
        for n, s in enumerate(mine):
            prefix = f"第{Week.parse(s.period).week}周 " if kind == "weekly" else ""
            text, colour = _state(s)
            cell.add(("\n" if n else "") + prefix + text, color=colour, bold=colour == RED)
        row[kind] = cell if mine else RichText(blocks.DASH)
    due = [s for s in items if _counts(s)]
    on_time = sum(s.state == "on_time" for s in due)
    row["on_time"] = f"{on_time}/{len(due)}" if due else blocks.DASH
    row["rate"] = blocks.percent(on_time / len(due)) if due else blocks.DASH
    return row


def _state(s: Any) -> tuple[str, str | None]:
    if s.state == "on_time":
        text, colour = "按时", None
    elif s.state == "late":
        text, colour = f"迟交 {_lateness(s.late_hours)}", ORANGE
    elif s.state == "missing":
        text, colour = ("未交", RED) if _due_passed(s) else ("未到期", None)
    else:
        text, colour = "退回未改", RED
    if getattr(s, "past_cutoff", False) and s.state == "late":
        text += "（过统计截止）"
    return text, colour


def _lateness(hours: float | None) -> str:
    if hours is None:
        return ""
    return f"{hours:.1f} 小时" if hours < 48 else f"{hours / 24:.1f} 天"


def _due_passed(s: Any) -> bool:
    return bool(getattr(s, "due_passed", True))


def _counts(s: Any) -> bool:
    """Assessed: its due time has passed, or it is already in (early drops count)."""
    return _due_passed(s) or s.state in ("on_time", "late")


def _detail(s: Any) -> dict[str, str]:
    text, _ = _state(s)
    return {
        "branch": s.branch,
        "item": KIND_NAMES.get(s.deliverable, s.deliverable),
        "period": period_label(s.period),
        "due": blocks.day(s.due),
        "submitted": blocks.day(s.submitted_at),
        "state": text,
    }


def _hq_line(s: Any) -> str:
    text, _ = _state(s)
    when = f"，{blocks.day(s.submitted_at)} 报送" if s.submitted_at else ""
    name = KIND_NAMES.get(s.deliverable, s.deliverable)
    return f"{name}（{period_label(s.period)}，截止 {blocks.day(s.due)}）：{text}{when}。"


def template() -> bytes:
    b = TemplateBuilder("报送考核", landscape=True)
    blocks.frame_title(b, "{{ period_label }}报送考核", "{{ company }}")
    b.tag("if unavailable")
    b.notice("{{ unavailable }}")
    b.tag("else")
    b.text("{{ summary }}")
    b.heading("一、报送矩阵")
    b.table(
        [
            Col("分中心", "{{ r.branch }}", 36),
            Col("月度工作总结及下月工作计划", "{{r r.monthly }}", 46, "c"),
            Col("市场研究报告", "{{r r.market }}", 40, "c"),
            Col("营销活动周报（按周）", "{{r r.weekly }}", 60, "c"),
            Col("按时/应报", "{{ r.on_time }}", 26, "c"),
            Col("按时率", "{{ r.rate }}", 22, "c"),
        ],
        "r in rows",
    )
    b.note("{{ cutoff_note }}")
    b.heading("二、迟交、未交与退回明细")
    b.tag("if details")
    b.table(
        [
            Col("报送方", "{{ d.branch }}", 36),
            Col("报送项", "{{ d.item }}", 56),
            Col("报告期", "{{ d.period }}", 24, "c"),
            Col("截止时间", "{{ d.due }}", 36, "c"),
            Col("报送时间", "{{ d.submitted }}", 36, "c"),
            Col("情况", "{{ d.state }}", 40, "c"),
        ],
        "d in details",
    )
    b.tag("else")
    b.text("本月各项均按时报送。")
    b.tag("endif")
    b.heading("三、部门及项目营销部工作计划")
    b.tag("if plans")
    b.text("{{ plans_summary }}")
    b.table(
        [
            Col("部门/项目", "{{ p.owner }}", 50),
            Col("报告期", "{{ p.period }}", 24, "c"),
            Col("截止时间", "{{ p.due }}", 36, "c"),
            Col("报送时间", "{{ p.submitted }}", 36, "c"),
            Col("情况", "{{r p.state }}", 40, "c"),
        ],
        "p in plans",
    )
    b.tag("else")
    b.text("本月没有部门工作计划到期。")
    b.tag("endif")
    b.heading("四、总部报送")
    b.tag("for h in hq")
    b.text("{{ h }}")
    b.tag("else")
    b.text("本月没有总部报送项。")
    b.tag("endfor")
    b.tag("endif")
    return b.save()
