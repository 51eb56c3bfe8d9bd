"""项目客户清单-<项目>.docx: the open A/B customers who intend to buy in a project, for its
marketing department — who to call this week: overdue follow-ups first, then those due within the
week, A before B, newest registrations first; capped at [reports] list_rows with the count of the
rest. Every lead is in 项目客户清单-<项目>.xlsx beside it (leadbook.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from branchflow.archive.leadlists import OVERDUE, SOON
from branchflow.archive.store import Archive
from branchflow.config import Project, Settings
from branchflow.reports import blocks
from branchflow.reports.engine import Notes, alert
from branchflow.reports.leadbook import write_lead_book
from branchflow.reports.lists import LeadList, LeadMoment, Row, lead_lists
from branchflow.reports.snapshot import MonthSnapshot
from branchflow.reports.word_style import Col, TemplateBuilder

TEMPLATE = "项目客户清单.docx"
ONE_DAY = timedelta(days=1)
CONTENT_CHARS = 40  # of the last follow-up's notes shown in the list


def file_name(project: str) -> str:
    return f"项目客户清单-{project}.docx"


def read(
    settings: Settings,
    archive: Archive,
    snapshot: MonthSnapshot,
    folder: Path | None = None,
    notes: Notes | None = None,
) -> dict[str, LeadList]:
    """Every project's lead list as of the snapshot's moment, in one pass over the archive;
    with `folder`, each project's full list is written there as its workbook (leadbook.py)."""
    moment = LeadMoment.of(snapshot.month, snapshot.as_of, snapshot.end)
    write = None
    if folder is not None:
        say = notes or (lambda _: None)

        def write(project: str, rows: Iterator[Row]) -> Path:
            return write_lead_book(settings, folder, project, rows, say)

    with archive.documents() as reads:
        return lead_lists(settings, reads, moment, write)


def context(
    settings: Settings, snapshot: MonthSnapshot, found: LeadList, project: Project
) -> dict[str, Any]:
    month = snapshot.month
    grades: Counter[str] = Counter()
    urgency: Counter[int] = Counter()
    for (_branch, grade, urgent), count in found.counts.items():
        grades[grade] += count
        urgency[urgent] += count
    moment = LeadMoment.of(month, snapshot.as_of, snapshot.end)
    full = settings.phone_display == "full"
    as_of = blocks.as_of_text(snapshot.as_of, snapshot.end)
    first = found.first
    return {
        **blocks.frame(settings, f"{project.name}意向客户清单", month.label, snapshot.now),
        "project": project.name,
        "place": f"{project.county}{project.town}",
        "as_of": as_of.removeprefix("截至"),
        "as_of_note": (
            f"{as_of}：下次跟进日期在{blocks.short_date(moment.today - ONE_DAY)}或之前的标为"
            "“已逾期”。"
        ),
        "count_a": str(grades["A"]),
        "count_b": str(grades["B"]),
        "count": str(first.total),
        "count_overdue": str(urgency[OVERDUE]),
        "count_soon": str(urgency[SOON]),
        "by_branch": _by_branch(settings, found),
        "leads": [_row(settings, n, row) for n, row in enumerate(first.rows, start=1)],
        "shown": str(len(first.rows)),
        "rest": str(first.rest),
        "phone_note": "手机号码完整显示。"
        if full
        else "手机号码按前三后四显示（如 138****5678）。",
    }


def _by_branch(settings: Settings, found: LeadList) -> list[dict[str, str]]:
    counts: Counter[tuple[str, str]] = Counter()
    for (branch, grade, _urgent), count in found.counts.items():
        counts[(branch, grade)] += count
    branches = list(settings.branch_names)
    branches += sorted({branch for branch, _ in counts} - set(branches))
    return [
        {
            "branch": b,
            "a": str(counts[(b, "A")]),
            "b": str(counts[(b, "B")]),
            "total": str(counts[(b, "A")] + counts[(b, "B")]),
        }
        for b in branches
        if counts[(b, "A")] + counts[(b, "B")]
    ]


def _row(settings: Settings, number: int, c: Row) -> dict[str, Any]:
    intent = " / ".join(
        part
        for part in (
            blocks.text(c.get("unit_type"), ""),
            f"{blocks.num(c['area'])}㎡" if c.get("area") else "",
            f"{blocks.num(c['budget'])}万元" if c.get("budget") else "",
        )
        if part
    )
    if c.get("last_date") is None:
        last_text = "尚无跟进记录"
    else:
        content = blocks.text(c.get("last_content"), "")
        if len(content) > CONTENT_CHARS:
            content = content[:CONTENT_CHARS] + "…"
        method = blocks.text(c.get("last_method"), "")
        last_text = f"{blocks.day(c['last_date'])} {method}\n{content}"
    overdue = c["urgency"] == OVERDUE
    next_text = blocks.day(c.get("next_date")) + ("\n已逾期" if overdue else "")
    return {
        "no": str(number),
        "name": blocks.text(c.get("name")),
        "phone": blocks.phone(settings, c.get("phone")),
        "branch": c["owner_branch"],
        "home": f"{c.get('county') or ''}{c.get('township') or ''}" or blocks.DASH,
        "grade": c.get("grade_at") or blocks.DASH,
        "status": blocks.text(c.get("status_at")),
        "intent": intent or blocks.DASH,
        "last": last_text,
        "next": alert(next_text, overdue),
        "consultant": blocks.text(c.get("consultant")),
    }


def template() -> bytes:
    b = TemplateBuilder("项目客户清单", landscape=True)
    blocks.frame_title(b, "{{ project }}意向客户清单", "A/B 类客户　截至{{ as_of }}")
    b.text(
        "项目位于{{ place }}。截至{{ as_of }}，各分中心意向本项目的 A/B 类客户共 {{ count }} 人，"
        "其中 A 类 {{ count_a }} 人、B 类 {{ count_b }} 人（不含已签约、已放弃的客户）；"
        "下次跟进已逾期的 {{ count_overdue }} 人，7 天内到期的 {{ count_soon }} 人。"
    )
    b.tag("if leads")
    b.heading("一、按归属分中心")
    b.table(
        [
            Col("归属分中心", "{{ g.branch }}", 50),
            Col("A 类", "{{ g.a }}", 24, "c"),
            Col("B 类", "{{ g.b }}", 24, "c"),
            Col("合计", "{{ g.total }}", 24, "c"),
        ],
        "g in by_branch",
    )
    b.heading("二、本周要联系的客户")
    b.note(
        "{{ as_of_note }}{{ phone_note }}先列下次跟进已逾期的，再列 7 天内到期的，然后是其余客户；"
        "同一类中 A 类在前，新登记的在前。A 类：动机明确、资金到位，约 1 周内可成交。"
    )
    b.table(
        [
            Col("序号", "{{ l.no }}", 12, "c"),
            Col("客户", "{{ l.name }}", 16),
            Col("手机号码", "{{ l.phone }}", 26, "c"),
            Col("归属分中心", "{{ l.branch }}", 24),
            Col("户籍", "{{ l.home }}", 26),
            Col("等级", "{{ l.grade }}", 12, "c"),
            Col("状态", "{{ l.status }}", 12, "c"),
            Col("意向户型/面积/预算", "{{ l.intent }}", 30),
            Col("最近跟进", "{{ l.last }}", 44),
            Col("下次跟进", "{{r l.next }}", 24, "c"),
            Col("置业顾问", "{{ l.consultant }}", 19, "c"),
        ],
        "l in leads",
    )
    b.tag("if rest != '0'")
    b.text(
        "以上为最需要联系的前 {{ shown }} 位，其余 {{ rest }} 位未列出。全部 {{ count }} 位客户"
        "见与本文档同名、放在同一文件夹的 Excel 表格（可按分中心、等级、下次跟进日期等筛选）。"
    )
    b.tag("else")
    b.note("与本文档同名、放在同一文件夹的 Excel 表格列出同样的客户，可按分中心、等级等筛选。")
    b.tag("endif")
    b.tag("else")
    b.notice("截至{{ as_of }}，没有意向本项目的 A/B 类客户。")
    b.tag("endif")
    return b.save()
