"""营销活动周报-<YYYY>-W<ww>.docx: the week's activity news from every branch, for 客户服务部."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from branchflow.config import Settings
from branchflow.reports import blocks
from branchflow.reports.engine import alert
from branchflow.reports.packet_parts import activity, news_items
from branchflow.reports.periods import Week, deadline
from branchflow.reports.snapshot import WeekSnapshot
from branchflow.reports.word_style import Col, TemplateBuilder

TEMPLATE = "营销活动周报.docx"


def file_name(week: Week) -> str:
    return f"营销活动周报-{week.key}.docx"


def context(settings: Settings, snapshot: WeekSnapshot) -> dict[str, Any]:
    week = snapshot.week
    branches: list[dict[str, Any]] = []
    for branch in settings.branch_names:
        report = snapshot.weekly.get(branch)
        rows = sorted(
            report.tables.get("activities", ()) if report else (),
            key=lambda r: (r.get("date") is None, r.get("date")),
        )
        branches.append(
            {
                "branch": branch,
                "missing": "" if report else _missing(settings, branch, snapshot),
                "reporter": blocks.text(report.values.get("reporter")) if report else "",
                "activities": [activity(branch, r) for r in rows],
                "_rows": rows,
            }
        )
    overview = [_overview(b) for b in branches]
    everything = [r for b in branches for r in b["_rows"]]
    return {
        **blocks.frame(settings, "营销活动周报", week.label, snapshot.now),
        "week_key": week.key,
        "filed": str(sum(not b["missing"] for b in branches)),
        "branch_count": str(len(branches)),
        "events": str(len(everything)),
        "participants": str(sum(r.get("participants") or 0 for r in everything)),
        "registrations": str(sum(r.get("new_registrations") or 0 for r in everything)),
        "overview": overview,
        "branches": branches,
    }


def _overview(branch: dict[str, Any]) -> dict[str, Any]:
    rows = branch["_rows"]
    return {
        "branch": branch["branch"],
        "state": alert("未报送") if branch["missing"] else alert("已报送", False),
        "events": str(len(rows)),
        "participants": str(sum(r.get("participants") or 0 for r in rows)),
        "registrations": str(sum(r.get("new_registrations") or 0 for r in rows)),
    }


def _missing(settings: Settings, branch: str, snapshot: WeekSnapshot) -> str:
    text = blocks.missing_report(settings, branch, "weekly", snapshot.week)
    rule = deadline(settings, "weekly")
    if rule is not None and rule.weekday is not None:
        due_day = snapshot.week.last + timedelta(days=rule.weekday)
        due = datetime.combine(due_day, rule.at, tzinfo=settings.timezone)
        if snapshot.now <= due:
            return text.replace("未报送", "尚未报送", 1)
    return text


def template() -> bytes:
    b = TemplateBuilder("营销活动周报")
    blocks.frame_title(b, "营销活动周报", "{{ period_label }}")
    b.text(
        "本周 {{ branch_count }} 个分中心中 {{ filed }} 个已报送，共开展营销活动 {{ events }} 场，"
        "参与 {{ participants }} 人次，现场新增登记 {{ registrations }} 人。"
    )
    b.heading("一、各分中心活动概况")
    b.table(
        [
            Col("分中心", "{{ o.branch }}", 44),
            Col("周报", "{{r o.state }}", 24, "c"),
            Col("活动场次", "{{ o.events }}", 26, "c"),
            Col("参与人数", "{{ o.participants }}", 26, "c"),
            Col("新增登记", "{{ o.registrations }}", 26, "c"),
        ],
        "o in overview",
        total=["合计", "", "{{ events }}", "{{ participants }}", "{{ registrations }}"],
    )
    b.heading("二、活动新闻")
    b.tag("for br in branches")
    b.heading("{{ br.branch }}", 2)
    b.tag("if br.missing")
    b.notice("{{ br.missing }}")
    b.tag("elif not br.activities")
    b.text("本周报送为空：没有营销活动。")
    b.tag("else")
    news_items(b, "br.activities", with_branch=False)
    b.tag("endif")
    b.tag("endfor")
    return b.save()
