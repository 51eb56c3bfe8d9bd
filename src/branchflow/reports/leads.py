"""项目客户清单-<项目>.docx: the open A/B customers who intend to buy in a project, for its
marketing department — owner branch, grade, last and next follow-up."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from branchflow.config import Project, Settings
from branchflow.reports import blocks
from branchflow.reports.engine import alert
from branchflow.reports.figures import ArchiveFigures, Lead
from branchflow.reports.snapshot import MonthSnapshot
from branchflow.reports.word_style import Col, TemplateBuilder

TEMPLATE = "项目客户清单.docx"
ONE_DAY = timedelta(days=1)
CONTENT_CHARS = 40  # of the last follow-up's notes shown in the list


def file_name(project: str) -> str:
    return f"项目客户清单-{project}.docx"


def context(
    settings: Settings, snapshot: MonthSnapshot, figures: ArchiveFigures, project: Project
) -> dict[str, Any]:
    month = snapshot.month
    leads = figures.leads(project.name, snapshot.as_of)
    grades = Counter(lead.grade for lead in leads)
    today = snapshot.as_of.date() if snapshot.as_of < snapshot.end else month.last + ONE_DAY
    full = settings.phone_display == "full"
    as_of = blocks.as_of_text(snapshot.as_of, snapshot.end)
    return {
        **blocks.frame(settings, f"{project.name}意向客户清单", month.label, snapshot.now),
        "project": project.name,
        "place": f"{project.county}{project.town}",
        "as_of": as_of.removeprefix("截至"),
        "as_of_note": (
            f"{as_of}：下次跟进日期在{blocks.short_date(today - ONE_DAY)}或之前的标为“已逾期”。"
        ),
        "count_a": str(grades["A"]),
        "count_b": str(grades["B"]),
        "count": str(len(leads)),
        "by_branch": _by_branch(settings, leads),
        "leads": [_row(settings, n, lead, today) for n, lead in enumerate(leads, start=1)],
        "phone_note": "手机号码完整显示。"
        if full
        else "手机号码按前三后四显示（如 138****5678）。",
    }


def _by_branch(settings: Settings, leads: list[Lead]) -> list[dict[str, str]]:
    counts = Counter((lead.customer["owner_branch"], lead.grade) for lead in leads)
    branches = list(settings.branch_names)
    branches += sorted({lead.customer["owner_branch"] for lead in leads} - set(branches))
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


def _row(settings: Settings, number: int, lead: Lead, today: Any) -> dict[str, Any]:
    c = lead.customer
    intent = " / ".join(
        part
        for part in (
            blocks.text(c.get("unit_type"), ""),
            f"{blocks.num(c['area'])}㎡" if c.get("area") else "",
            f"{blocks.num(c['budget'])}万元" if c.get("budget") else "",
        )
        if part
    )
    last = lead.last
    if last is None:
        last_text = "尚无跟进记录"
    else:
        content = blocks.text(last.get("content"), "")
        if len(content) > CONTENT_CHARS:
            content = content[:CONTENT_CHARS] + "…"
        last_text = f"{blocks.day(last['date'])} {blocks.text(last.get('method'), '')}\n{content}"
    overdue = lead.next_date is not None and lead.next_date < today
    next_text = blocks.day(lead.next_date) + ("\n已逾期" if overdue else "")
    return {
        "no": str(number),
        "name": blocks.text(c.get("name")),
        "phone": blocks.phone(settings, c.get("phone")),
        "branch": c["owner_branch"],
        "home": f"{c.get('county') or ''}{c.get('township') or ''}" or blocks.DASH,
        "grade": lead.grade or blocks.DASH,
        "status": blocks.text(lead.status),
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
        "其中 A 类 {{ count_a }} 人、B 类 {{ count_b }} 人（不含已签约、已放弃的客户）。"
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
    b.heading("二、客户明细")
    b.note(
        "{{ as_of_note }}{{ phone_note }}按等级、下次跟进日期排列；"
        "A 类：动机明确、资金到位，约 1 周内可成交。"
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
    b.tag("else")
    b.notice("截至{{ as_of }}，没有意向本项目的 A/B 类客户。")
    b.tag("endif")
    return b.save()
