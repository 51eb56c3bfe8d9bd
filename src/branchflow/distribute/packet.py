"""What one branch's 下发/<YYYY-MM>/ folder holds: each file with the fingerprint of its content
and how to make it, computed from one read of the archive for the month.

A document's fingerprint covers its template and everything its context says except the time it
was made, so it is rendered only when a branch would see something different.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from branchflow.archive.reportdata import ReportData
from branchflow.archive.results import LedgerEntry
from branchflow.archive.store import Archive
from branchflow.config import Project, Settings
from branchflow.distribute import workbook
from branchflow.distribute.place import fingerprint, stamp_docx
from branchflow.reports import briefing, leads, load_templates, meeting, plans
from branchflow.reports.blocks import missing_report
from branchflow.reports.engine import Notes, render_docx
from branchflow.reports.figures import ArchiveFigures
from branchflow.reports.lists import LeadList
from branchflow.reports.periods import Month, long_day, meeting_day
from branchflow.reports.snapshot import MonthSnapshot, read_month

FORMAT = 1  # bump when what the documents are given changes shape
MOMENT_KEYS = frozenset({"generated_at", "footer"})  # when it was made: not its content


@dataclass(frozen=True)
class Item:
    """One file for one branch."""

    name: str
    content: str  # fingerprint of what it says
    make: Callable[[], bytes]
    summary: str  # one line for 下发说明.txt
    pdf: bool = False  # a PDF goes beside it


@dataclass
class Inputs:
    """The month as the 下发 folders see it: read once, shared by every branch."""

    settings: Settings
    archive: Archive  # open while the month's folders are brought up to date
    month: Month
    snapshot: MonthSnapshot
    figures: ArchiveFigures
    plans: list[ReportData]  # filed for the month before: the plans for `month`
    received: Mapping[int, datetime]  # ledger file id → when it came in
    ledger: list[LedgerEntry]
    templates: Mapping[str, bytes]
    _rendered: dict[str, bytes] = field(default_factory=dict)
    _leads: dict[str, LeadList] | None = None

    def lead_lists(self) -> dict[str, LeadList]:
        """Every project's lead list for the month, read once (as the month's documents do)."""
        if self._leads is None:
            self._leads = leads.read(self.settings, self.archive, self.snapshot)
        return self._leads

    def render(self, template: str, context: Mapping[str, Any], content: str) -> bytes:
        """Render once per content: HQ's briefing is the same document for every branch."""
        if content not in self._rendered:
            data = render_docx(self.templates[template], context)
            self._rendered[content] = stamp_docx(data, content)
        return self._rendered[content]


def read_inputs(settings: Settings, archive: Archive, month: Month, notes: Notes) -> Inputs:
    snapshot = read_month(archive, settings, month)
    ledger = archive.ledger()
    return Inputs(
        settings=settings,
        archive=archive,
        month=month,
        snapshot=snapshot,
        figures=ArchiveFigures(snapshot, settings.timezone),
        plans=archive.reports("dept_plan", month.shift(-1).key),
        received={e.file_id: e.received_at for e in ledger},
        ledger=ledger,
        templates=load_templates(settings, notes),
    )


def items_for(inputs: Inputs, branch: str, today: date) -> tuple[list[Item], list[str]]:
    """The files `branch` receives for the month, and what is not there yet (in words)."""
    wanted = inputs.settings.distribution.items
    items: list[Item] = []
    absent: list[str] = []
    if "briefing" in wanted:
        found = _briefing(inputs)
        items += [found] if found else []
        absent += [] if found else [_briefing_absent(inputs)]
    if "meeting" in wanted:
        found = _meeting(inputs, branch)
        items += [found] if found else []
    if "plans" in wanted:
        if inputs.plans:
            items.append(_plans(inputs, branch))
        else:
            absent.append(_plans_absent(inputs))
    if "archive" in wanted:
        book = _archive(inputs, branch, today)
        items += [book] if book else []
    return items, absent


def project_items(inputs: Inputs, project: Project) -> tuple[list[Item], list[str]]:
    """What a project's 营销部 receives for the month: its 项目客户清单, the same document HQ
    reads (who to call this week, phones masked as there; the full list is in the console)."""
    if "leads" not in inputs.settings.distribution.items:
        return [], []
    found = inputs.lead_lists().get(project.name)
    if found is None:
        return [], []
    context = leads.context(inputs.settings, inputs.snapshot, found, project)
    summary = (
        f"{inputs.month.label}{project.name}意向客户清单：本周要联系的 A/B 类客户"
        f"（已逾期的在前），共 {context['count']} 人"
    )
    name = leads.file_name(project.name)
    return [_document(inputs, leads.TEMPLATE, name, context, summary)], []


def _document(
    inputs: Inputs, template: str, name: str, context: dict[str, Any], summary: str
) -> Item:
    shown = {k: v for k, v in context.items() if k not in MOMENT_KEYS}
    content = fingerprint(FORMAT, inputs.templates[template], shown)
    return Item(name, content, lambda: inputs.render(template, context, content), summary)


def _briefing(inputs: Inputs) -> Item | None:
    report = inputs.snapshot.hq_briefing
    if report is None:
        return None
    filed = inputs.received.get(report.file_id)
    context = briefing.context(inputs.settings, inputs.snapshot, filed)
    hq = context["hq"]
    summary = (
        f"{inputs.month.label}总部月度简报（销售管理部"
        + (f" {filed:%m-%d %H:%M} 报送" if filed else "")
        + f"）：销售简报、本月重点工作、项目营销节点 {len(hq['nodes'])} 个、"
        f"在售物业 {len(hq['properties'])} 项"
    )
    name = briefing.file_name(inputs.month)
    item = _document(inputs, briefing.TEMPLATE, name, context, summary)
    return Item(item.name, item.content, item.make, item.summary, pdf=True)


def _briefing_absent(inputs: Inputs) -> str:
    settings, month = inputs.settings, inputs.month
    text = missing_report(settings, "总部（销售管理部）", "hq_briefing", month)
    return f"{briefing.file_name(inputs.month)}：{text}"


def _meeting(inputs: Inputs, branch: str) -> Item | None:
    """例会资料, once any of its inputs exists: HQ's briefing, last month's report, a follow-up
    falling due this month."""
    settings, snapshot = inputs.settings, inputs.snapshot
    context = meeting.context(settings, snapshot, inputs.figures, branch)
    if context["hq"]["missing"] and context["last"]["missing"] and not context["due"]:
        return None
    day = long_day(meeting_day(settings, inputs.month))
    hq = "总部简报未到" if context["hq"]["missing"] else "总部简报"
    summary = (
        f"{day}例会资料：{hq}、上月计划完成情况、本月工作计划、"
        f"本月到期跟进客户 {len(context['due'])} 人"
    )
    return _document(inputs, meeting.TEMPLATE, meeting.file_name(branch), context, summary)


def _plans(inputs: Inputs, branch: str) -> Item:
    settings = inputs.settings
    filed = {
        p.branch: inputs.received[p.file_id] for p in inputs.plans if p.file_id in inputs.received
    }
    context = plans.context(
        settings, inputs.month, inputs.plans, branch, inputs.snapshot.now, filed
    )
    missing = [o["name"] for o in context["owners"] if o["missing"]]
    summary = (
        f"{len(inputs.plans)} 个部门和项目营销部的{inputs.month.label}工作计划，"
        f"需要{branch}配合的 {len(context['mine'])} 项排在最前"
        + (f"；尚未报送：{'、'.join(missing)}" if missing else "")
    )
    name = plans.file_name(inputs.month)
    return _document(inputs, plans.TEMPLATE, name, context, summary)


def _plans_absent(inputs: Inputs) -> str:
    before = inputs.month.shift(-1)
    return (
        f"{plans.file_name(inputs.month)}：各部门、项目营销部的{inputs.month.label}工作计划"
        f"（应于{before.label}{_due_day(inputs)}日前报送）还没有收到"
    )


def _due_day(inputs: Inputs) -> int:
    rule = next((d for d in inputs.settings.calendar if d.kind == "dept_plan"), None)
    return rule.day if rule is not None and rule.day else 28


def _archive(inputs: Inputs, branch: str, today: date) -> Item | None:
    """The branch's own archive, once it has a customer, a 撞单 or a drop this month. Only its
    fingerprint is kept: the workbook is read again when it has to be written, so one branch's
    customers are held at a time."""
    settings = inputs.settings

    def book() -> workbook.BranchBook:
        return workbook.branch_book(
            settings, inputs.archive, inputs.ledger, branch, inputs.month, today
        )

    found = book()
    if not found.holds_anything:
        return None
    return Item(
        workbook.file_name(branch),
        found.content,
        lambda: workbook.write_book(book(), settings.company, settings.now()),
        found.summary(),
    )
