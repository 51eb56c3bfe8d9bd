"""Made-up snapshots — one with every kind of input filled in, one with nothing — so that
`branchflow templates --check` can trial-render an edited template down every path."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, time, timedelta
from typing import Any

from branchflow.archive.documents import BranchMonth, MonthChanges
from branchflow.archive.reportdata import ReportData
from branchflow.config import Settings
from branchflow.reports.lists import Capped, DueLists, LeadList
from branchflow.reports.periods import Month, Week, weeks_overlapping
from branchflow.reports.snapshot import MonthConflicts, MonthSnapshot, WeekSnapshot
from branchflow.templates.definitions import KPIS

PHONES = ("13800000001", "13800000002")


def month_snapshot(settings: Settings, month: Month, filled: bool = True) -> MonthSnapshot:
    now = datetime.combine(month.last, time(12), tzinfo=settings.timezone)
    weeks = weeks_overlapping(month)
    if not filled:
        conflicts = MonthConflicts(Capped(settings.list_rows))
        nothing = MonthChanges({}, 0, ())
        return MonthSnapshot(month, now, {}, {}, nothing, conflicts, {}, {}, {}, {}, None, weeks)
    branch = settings.branch_names[0]
    project = settings.projects[0].name if settings.projects else "示例项目"
    people = [_standing(n, branch, project, month) for n in (1, 2)]
    moment = datetime.combine(month.day(10), time(9), tzinfo=settings.timezone)
    change = {
        "customer_id": 1,
        "field": "grade",
        "old_value": "C",
        "new_value": "A",
        "file_id": 1,
        "changed_at": moment,
        "branch": branch,
        "phone": PHONES[0],
        "name": "示例客户1",
        "owner_branch": branch,
    }
    conflicts = MonthConflicts(Capped(1))  # two, one shown: the note on the rest is tried too
    for n in (1, 2):
        conflicts.add(_conflict(settings, branch, month, moment, n))
    due = DueLists(Capped(1), Capped(1))
    for person in people:
        due.due.add(person)
        due.overdue.add({**person, "next_date": month.first - timedelta(days=3)})
    return MonthSnapshot(
        month=month,
        now=now,
        figures={month.key: {branch: _branch_month()}},
        mix={branch: _mix()},
        changes=MonthChanges({branch: (1, 1)}, 1, (change,)),
        conflicts=conflicts,
        due={branch: due},
        monthly={
            m.key: {branch: _monthly(branch, m)} for m in (month.shift(-2), month.shift(-1), month)
        },
        market={branch: _market(branch, month)},
        weekly={weeks[0].key: {branch: _weekly(branch, weeks[0], month)}},
        hq_briefing=_report(
            "hq_briefing",
            settings.hq_folder,
            month.key,
            {"reporter": "销售管理部", "sales_brief": "示例简报", "key_work": "示例重点工作"},
            {
                "nodes": [
                    {"project": project, "node": "开盘", "date": month.day(18), "note": "示例"}
                ],
                "properties": [
                    {
                        "project": project,
                        "unit_type": "三室",
                        "area": "110㎡",
                        "available": 10,
                        "price_range": "4000元/㎡",
                        "offers": "示例",
                    }
                ],
            },
        ),
        weeks=weeks,
    )


def week_snapshot(settings: Settings, week: Week, filled: bool = True) -> WeekSnapshot:
    now = datetime.combine(week.last + timedelta(days=2), time(12), tzinfo=settings.timezone)
    if not filled:
        return WeekSnapshot(week, now, {})
    branch = settings.branch_names[0]
    month = Month(week.first.year, week.first.month)
    return WeekSnapshot(week, now, {branch: _weekly(branch, week, month)})


def matrix(settings: Settings, month: Month) -> list[Any]:
    """Submissions of every state, shaped as the calendar returns them."""
    from branchflow.calendar import Submission

    due = datetime.combine(month.day(25), time(23, 59), tzinfo=settings.timezone)
    late = due + timedelta(hours=5)
    rows = []
    for branch, state in zip(settings.branch_names, ("on_time", "late", "missing"), strict=False):
        submitted = late if state != "missing" else None
        hours = 5.0 if state == "late" else None
        for kind, period in (("monthly", month.key), ("weekly", weeks_overlapping(month)[1].key)):
            rows.append(Submission(branch, kind, period, due, submitted, state, hours))
    rows.append(Submission(settings.hq_folder, "hq_briefing", month.key, due, due, "on_time", None))
    rows.append(
        Submission(settings.branch_names[0], "market", month.key, due, None, "rejected", None)
    )
    for planner in settings.planners[:1]:
        rows.append(Submission(planner, "dept_plan", month.key, due, late, "late", 5.0))
    return rows


def lead_list(settings: Settings, month: Month, filled: bool = True) -> LeadList:
    """A project's leads: two, one shown (so the note on the rest is tried too)."""
    project = settings.projects[0].name if settings.projects else "示例项目"
    found = LeadList(project, Capped(1))
    if filled:
        people = [_standing(n, settings.branch_names[0], project, month) for n in (1, 2)]
        for _ in found.through({**p, "urgency": n} for n, p in enumerate(people)):
            pass
    return found


def _standing(n: int, branch: str, project: str, month: Month) -> dict[str, Any]:
    """A customer as the archive's lists give one: as at a moment, with the last follow-up."""
    return {
        "id": n,
        "name": f"示例客户{n}",
        "phone": PHONES[n - 1],
        "owner_branch": branch,
        "county": "湄潭县",
        "township": "永兴镇",
        "project": project,
        "unit_type": "三室两厅",
        "area": 120.0,
        "budget": 50.0,
        "registered_on": month.day(n),
        "consultant": "示例顾问",
        "grade_at": "AB"[n - 1],
        "status_at": "意向",
        "project_at": project,
        "last_date": month.day(2),
        "last_method": "电话",
        "last_content": "示例跟进",
        "last_staff": "示例顾问",
        "next_date": month.day(20),
    }


def _branch_month() -> BranchMonth:
    return BranchMonth(2, {("湄潭县", "永兴镇"): 2}, 2, {"A": 1, "B": 1})


def _mix() -> dict[str, Counter[Any]]:
    return {
        "payment": Counter({"商业贷款": 2}),
        "purpose": Counter({"自住": 1, "投靠子女": 1}),
        "channel": Counter({None: 2}),
        "income": Counter({(8000.0, 12000.0, 10000.0): 1, (None, None, None): 1}),
    }


def _conflict(
    settings: Settings, branch: str, month: Month, moment: datetime, n: int
) -> dict[str, Any]:
    return {
        "id": n,
        "customer_id": n,
        "customer_name": f"示例客户{n}",
        "phone": PHONES[n - 1],
        "owner_branch": branch,
        "claimant_branch": settings.branch_names[-1],
        "owner_registered_on": month.first,
        "claimant_registered_on": month.day(9),
        "file_id": 2,
        "cell": "客户档案!C5",
        "detected_at": moment,
        "within_protection": True,
        "resolution": "kept_by_owner",
        "repeat": False,
        "masked_phone": f"138****000{n}",
    }


def _report(
    kind: str, branch: str, period: str, values: dict[str, Any], tables: dict[str, Any]
) -> ReportData:
    return ReportData(kind, branch, period, 1, values, tables)


def _monthly(branch: str, month: Month) -> ReportData:
    texts = ("main_work", "problems", "causes", "support")
    return _report(
        "monthly",
        branch,
        month.key,
        {"reporter": "示例填报人", **dict.fromkeys(texts, "示例内容")},
        {
            "kpis": [{"kpi": k, "target": 10.0, "actual": 8.0, "note": None} for k in KPIS],
            "targets": [{"kpi": k, "target": 12.0} for k in KPIS],
            "plan": [
                {
                    "item": "示例事项",
                    "detail": "示例",
                    "owner": "示例",
                    "due": month.day(20),
                    "involves": "示例部门",
                }
            ],
            "merchants": [
                {
                    "name": "示例商家",
                    "business": "餐饮",
                    "contact": "示例",
                    "phone": "13900000000",
                    "project": None,
                    "area": 100.0,
                    "progress": "示例",
                }
            ],
        },
    )


def _market(branch: str, month: Month) -> ReportData:
    keys = (
        "worker_scale",
        "intent_ratio",
        "intent_places",
        "unit_types",
        "areas",
        "budgets",
        "payments",
        "timing",
        "competitors",
        "suggestions",
    )
    return _report(
        "market",
        branch,
        month.key,
        {"reporter": "示例填报人", **dict.fromkeys(keys, "示例内容")},
        {
            "sources": [{"county": "湄潭县", "township": "永兴镇", "estimate": 100, "note": None}],
            "employment": [
                {"industry": "电子", "estimate": 100, "income_range": "5000元", "note": None}
            ],
        },
    )


def _weekly(branch: str, week: Week, month: Month) -> ReportData:
    day = max(week.first, month.first) if week.first.month != month.month else week.first
    activity = {
        "date": min(day, week.last),
        "name": "示例活动",
        "type": "推介会",
        "place": "示例地点",
        "participants": 10,
        "new_registrations": 2,
        "news": "示例新闻稿",
    }
    return _report(
        "weekly", branch, week.key, {"reporter": "示例填报人"}, {"activities": [activity]}
    )
