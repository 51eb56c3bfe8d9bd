"""The department packet's sections beyond the monthly reports: market reports, activity news,
merchant leads, customer archive changes, 撞单 — each a context builder and its template part."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from branchflow.archive.reportdata import ReportData
from branchflow.config import Settings
from branchflow.reports import blocks
from branchflow.reports.figures import ArchiveFigures
from branchflow.reports.periods import Week, deadline, due_text, short_day
from branchflow.reports.snapshot import MonthSnapshot
from branchflow.reports.word_style import Col, TemplateBuilder
from branchflow.templates.definitions import CUSTOMER_FIELDS, TEMPLATES

INTENT_KEYS = (
    "intent_ratio",
    "intent_places",
    "unit_types",
    "areas",
    "budgets",
    "payments",
    "timing",
)
FIELD_TITLES = {f.key: f.title for f in CUSTOMER_FIELDS}

# ── 市场研究报告 ──────────────────────────────────────────────────────────────────────────────


def markets(settings: Settings, snapshot: MonthSnapshot) -> list[dict[str, Any]]:
    return [
        market_block(settings, snapshot, b, snapshot.market.get(b)) for b in settings.branch_names
    ]


def market_block(
    settings: Settings, snapshot: MonthSnapshot, branch: str, report: ReportData | None
) -> dict[str, Any]:
    if report is None:
        missing = blocks.missing_report(settings, branch, "market", snapshot.month)
        return {"branch": branch, "missing": missing}
    titles = {f.key: f.title for f in TEMPLATES["market"].values}
    values = report.values
    return {
        "branch": branch,
        "missing": "",
        "title": f"《{_city(settings, branch)}市场{snapshot.month.month}月份市场研究报告》",
        "reporter": blocks.text(values.get("reporter")),
        "worker_scale": blocks.text(values.get("worker_scale"), blocks.UNFILLED),
        "sources": [
            {
                "county": blocks.text(r.get("county")),
                "township": blocks.text(r.get("township"), ""),
                "estimate": blocks.num(r.get("estimate")),
                "note": blocks.text(r.get("note"), ""),
            }
            for r in report.tables.get("sources", ())
        ],
        "employment": [
            {
                "industry": blocks.text(r.get("industry")),
                "estimate": blocks.num(r.get("estimate")),
                "income_range": blocks.text(r.get("income_range"), ""),
                "note": blocks.text(r.get("note"), ""),
            }
            for r in report.tables.get("employment", ())
        ],
        "intent": [
            {"title": titles[k], "text": blocks.text(values.get(k), blocks.UNFILLED)}
            for k in INTENT_KEYS
        ],
        "competitors": blocks.text(values.get("competitors"), blocks.UNFILLED),
        "suggestions": blocks.text(values.get("suggestions"), blocks.UNFILLED),
    }


def _city(settings: Settings, branch: str) -> str:
    city = next((b.city for b in settings.branches if b.name == branch), branch)
    return city.removesuffix("市")


def markets_template(b: TemplateBuilder) -> None:
    b.tag("if receives.market")
    b.heading("{{ no.market }}、各分中心市场研究报告")
    b.tag("for mk in market_filed")
    b.heading("{{ mk.branch }}", 2)
    b.text("{{ mk.title }}　填报人：{{ mk.reporter }}")
    b.labelled("务工人员规模估计", "{{ mk.worker_scale }}")
    b.heading("主要来源县/乡镇", 3)
    b.table(
        [
            Col("来源县(市、区)", "{{ s.county }}", 36),
            Col("来源乡镇", "{{ s.township }}", 34),
            Col("人数估计", "{{ s.estimate }}", 24, "c"),
            Col("说明", "{{ s.note }}", 60),
        ],
        "s in mk.sources",
    )
    b.tag("if mk.employment")
    b.heading("就业与收入", 3)
    b.table(
        [
            Col("行业", "{{ e.industry }}", 36),
            Col("人数估计", "{{ e.estimate }}", 24, "c"),
            Col("月收入区间", "{{ e.income_range }}", 34, "c"),
            Col("说明", "{{ e.note }}", 60),
        ],
        "e in mk.employment",
    )
    b.tag("endif")
    b.heading("置业意向", 3)
    b.tag("for i in mk.intent")
    b.text("{{ i.title }}：{{ i.text }}")
    b.tag("endfor")
    b.heading("同行动态", 3)
    b.text("{{ mk.competitors }}")
    b.heading("对策建议", 3)
    b.text("{{ mk.suggestions }}")
    b.tag("else")
    b.text("本月尚无分中心报送市场研究报告。")
    b.tag("endfor")
    b.tag("endif")


# ── 营销活动新闻 ──────────────────────────────────────────────────────────────────────────────


def activity(branch: str, row: dict[str, Any]) -> dict[str, str]:
    """One activity as the news sections show it."""
    return {
        "branch": branch,
        "date": blocks.day(row.get("date")),
        "day": short_day(row["date"]) if row.get("date") else "",
        "name": blocks.text(row.get("name")),
        "type": blocks.text(row.get("type"), ""),
        "place": blocks.text(row.get("place")),
        "participants": blocks.num(row.get("participants")),
        "registrations": blocks.num(row.get("new_registrations")),
        "news": blocks.text(row.get("news"), blocks.UNFILLED),
    }


def news(settings: Settings, snapshot: MonthSnapshot) -> dict[str, Any]:
    """The month's activities from every weekly report, and the weekly reports not filed."""
    month = snapshot.month
    items = []
    for week in snapshot.weeks:
        for branch, report in snapshot.weekly.get(week.key, {}).items():
            items += [
                (row["date"], branch, activity(branch, row))
                for row in report.tables.get("activities", ())
                if month.holds(row.get("date"))
            ]
    items.sort(key=lambda item: (item[0], item[1]))
    missing = []
    for week, absent in missing_weeks(settings, snapshot).items():
        due = due_text(settings, "weekly", week)
        missing.append(
            f"{'、'.join(absent)}未报送{week.label}营销活动周报" + (f"（{due}）。" if due else "。")
        )
    return {"activities": [a for _, _, a in items], "missing": missing}


def missing_weeks(settings: Settings, snapshot: MonthSnapshot) -> dict[Week, list[str]]:
    """The month's weeks whose news was due by the documents' moment, and who did not file."""
    found: dict[Week, list[str]] = {}
    for week in snapshot.weeks:
        if not snapshot.month.holds(week.first + timedelta(days=3)):
            continue  # a week belongs to the month holding its Thursday (ISO)
        if not _due_passed(settings, week, snapshot):
            continue
        filed = snapshot.weekly.get(week.key, {})
        absent = [b for b in settings.branch_names if b not in filed]
        if absent:
            found[week] = absent
    return found


def _due_passed(settings: Settings, week: Week, snapshot: MonthSnapshot) -> bool:
    rule = deadline(settings, "weekly")
    days, at = (rule.weekday, rule.at) if rule and rule.weekday else (1, time(23, 59))
    due = datetime.combine(week.last + timedelta(days=days), at, tzinfo=settings.timezone)
    return snapshot.as_of > due


def news_template(b: TemplateBuilder) -> None:
    b.tag("if receives.weekly")
    b.heading("{{ no.weekly }}、营销活动新闻")
    news_items(b, "weekly.activities")
    b.tag("if not weekly.activities")
    b.text("本月各分中心未报送营销活动。")
    b.tag("endif")
    b.tag("endif")


def news_items(b: TemplateBuilder, loop: str, with_branch: bool = True) -> None:
    b.tag(f"for a in {loop}")
    b.heading("{{ a.day }}　" + ("{{ a.branch }}　" if with_branch else "") + "{{ a.name }}", 3)
    b.note(
        "{{ a.type }}　地点：{{ a.place }}　"
        "参与 {{ a.participants }} 人　新增登记 {{ a.registrations }} 人"
    )
    b.text("{{ a.news }}")
    b.tag("endfor")


# ── 招商商家 ─────────────────────────────────────────────────────────────────────────────────


def merchants(settings: Settings, snapshot: MonthSnapshot) -> dict[str, Any]:
    month = snapshot.month
    rows, missing = [], []
    for branch in settings.branch_names:
        report = snapshot.monthly_of(branch, month)
        if report is None:
            missing.append(blocks.missing_report(settings, branch, "monthly", month))
        rows += blocks.merchant_rows(settings, report)
    return {"rows": rows, "missing": missing}


def merchants_template(b: TemplateBuilder) -> None:
    b.tag("if receives.merchants")
    b.heading("{{ no.merchants }}、招商商家")
    b.tag("if merchants.rows")
    blocks.merchants_table(b, "merchants.rows", with_branch=True)
    b.tag("else")
    b.text("本月各分中心未报送招商商家。")
    b.tag("endif")
    b.tag("endif")


# ── 客户档案变动 ─────────────────────────────────────────────────────────────────────────────


def changes(settings: Settings, snapshot: MonthSnapshot, figures: ArchiveFigures) -> dict[str, Any]:
    month, changes = snapshot.month, snapshot.changes
    per_branch = [
        {
            "branch": branch,
            "new": str(figures.new_count(branch, month)),
            "changed": str(changes.by_branch.get(branch, (0, 0))[1]),
            "fields": str(changes.by_branch.get(branch, (0, 0))[0]),
            "visits": str(figures.followups_count(branch, month)),
        }
        for branch in settings.branch_names
    ]
    shown = changes.latest
    note = (
        f"本月共 {changes.total} 项变动，仅列出最近 {len(shown)} 项；全部记录见客户总档案。"
        if changes.total > len(shown)
        else f"本月共 {changes.total} 项资料变动。"
    )
    rows = [
        {
            "at": blocks.day(h["changed_at"]),
            "branch": h["branch"],
            "customer": blocks.text(h.get("name")),
            "phone": blocks.phone(settings, h.get("phone")),
            "field": FIELD_TITLES.get(h["field"], h["field"]),
            "old": blocks.text(h.get("old_value"), "（空）"),
            "new": blocks.text(h.get("new_value"), "（空）"),
        }
        for h in shown
    ]
    return {"branches": per_branch, "rows": rows, "note": note}


def changes_template(b: TemplateBuilder) -> None:
    b.tag("if receives.archive_changes")
    b.heading("{{ no.archive_changes }}、客户档案变动")
    b.text("{{ archive_changes.note }}")
    b.tag("if archive_changes.rows")
    b.table(
        [
            Col("变动时间", "{{ h.at }}", 35, "c"),
            Col("分中心", "{{ h.branch }}", 24),
            Col("客户", "{{ h.customer }}", 16),
            Col("手机号码", "{{ h.phone }}", 26, "c"),
            Col("项目", "{{ h.field }}", 19),
            Col("原值", "{{ h.old }}", 18),
            Col("新值", "{{ h.new }}", 18),
        ],
        "h in archive_changes.rows",
    )
    b.tag("endif")
    b.tag("endif")


# ── 撞单 ────────────────────────────────────────────────────────────────────────────────────


def conflicts(settings: Settings, snapshot: MonthSnapshot) -> dict[str, Any]:
    found = snapshot.conflicts.first
    rows = [
        {
            "at": blocks.day(c["detected_at"].date()),
            "phone": blocks.phone(settings, c["phone"]),
            "customer": blocks.text(c.get("customer_name")),
            "owner": f"{c['owner_branch']}\n{blocks.day(c['owner_registered_on'])}",
            "claimant": f"{c['claimant_branch']}\n{blocks.day(c['claimant_registered_on'])}",
            "result": _conflict_result(c),
            "source": source_text(c["claimant_branch"], c["detected_at"], c.get("cell")),
        }
        for c in found.rows
    ]
    rest = (
        f"以下列出最早发现的 {len(rows)} 起，其余 {found.rest} 起见客户总档案“撞单记录”。"
        if found.rest
        else ""
    )
    return {
        "rows": rows,
        "count": str(found.total),
        "rest_note": rest,
        "protection_days": str(settings.protection_days),
    }


def _conflict_result(c: dict[str, Any]) -> str:
    """The protection-period rule's outcome, or 销售管理部's ruling when it ruled (console)."""
    if c.get("ruling_winner"):
        return f"销售管理部裁定归{c['ruling_winner']}：{c.get('ruling_reason') or ''}".rstrip("：")
    if c["resolution"] == "kept_by_owner":
        return "保护期内，归属不变"
    return "已过保护期，转归后报分中心"


def source_text(branch: str, received: datetime, cell: str | None) -> str:
    """Where a row came from, in the reader's words: “深圳分中心 11月21日报送的客户档案第 8 行”
    (never a file name or a cell reference)."""
    sheet, _, address = (cell or "").partition("!")
    row = "".join(ch for ch in address if ch.isdigit())
    where = f"{sheet or '客户档案'}第 {row} 行" if row else sheet or "客户档案"
    return f"{branch} {short_day(received.date())}报送的{where}"


def conflicts_template(b: TemplateBuilder) -> None:
    b.tag("if receives.conflicts")
    b.heading("{{ no.conflicts }}、撞单记录")
    b.tag("if conflicts.rows")
    b.text(
        "本月发现撞单 {{ conflicts.count }} 起（保护期 {{ conflicts.protection_days }} 天）。"
        "{{ conflicts.rest_note }}"
    )
    b.table(
        [
            Col("发现日期", "{{ c.at }}", 22, "c"),
            Col("手机号码", "{{ c.phone }}", 26, "c"),
            Col("客户", "{{ c.customer }}", 16),
            Col("首次登记", "{{ c.owner }}", 24, "c"),
            Col("后报", "{{ c.claimant }}", 24, "c"),
            Col("处理", "{{ c.result }}", 22),
            Col("后报来源", "{{ c.source }}", 40),
        ],
        "c in conflicts.rows",
    )
    b.tag("else")
    b.text("本月未发现撞单。")
    b.tag("endif")
    b.tag("endif")
