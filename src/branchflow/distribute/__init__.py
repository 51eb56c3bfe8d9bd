"""下发: what HQ, the departments and the project 营销部 send each branch, in its own folder
(and each project's 营销部 its 项目客户清单, in its folder).

`inbox/<分中心>/下发/<YYYY-MM>/` receives, as soon as its inputs exist and again whenever they
change: 总部月度简报 (docx, and a PDF where LibreOffice is installed), 例会资料-<分中心>.docx,
部门及项目工作计划-<YYYY-MM>.docx (what asks this branch's help first) and 分中心档案-<分中心>.xlsx
(its own customers only), with 下发说明.txt saying what is there and what changed. A file is
written only when what it says changed (see place.py), so running again changes nothing.

`branchflow distribute` and the watcher (after each burst of drops, and once a day) call
`distribute`; without a period it serves the current month, and the next one as soon as
something for it has come in (the plans filed on the 28th, HQ's next briefing).
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from branchflow.archive.store import Archive
from branchflow.config import DISTRIBUTION_DIR, Settings
from branchflow.distribute import place as files
from branchflow.distribute.notes import GUIDE_NAME, Change, Shelf, guide_text, read_guide
from branchflow.distribute.packet import Inputs, Item, items_for, project_items, read_inputs
from branchflow.reports.pdf import convert_to_pdf, find_office
from branchflow.reports.periods import Month

__all__ = ["DistributionReport", "Placement", "distribute", "open_months"]

_log = logging.getLogger(__name__)
CHANGED = frozenset({"new", "updated", "beside"})
WORDS = {"new": "新增", "updated": "更新", "beside": "另存", "failed": "未能写入"}


@dataclass(frozen=True)
class Placement:
    """One file of one branch's folder: what happened to it (or would, in a dry run)."""

    period: str
    branch: str
    name: str
    path: Path  # where its content is (or would be) — a copy beside a busy file included
    state: str  # new / updated / unchanged / beside / failed
    note: str = ""


@dataclass(frozen=True)
class DistributionReport:
    months: tuple[str, ...]
    placements: tuple[Placement, ...]
    dry_run: bool

    @property
    def written(self) -> tuple[Placement, ...]:
        return tuple(p for p in self.placements if p.state in CHANGED)

    @property
    def failed(self) -> tuple[Placement, ...]:
        return tuple(p for p in self.placements if p.state == "failed")

    def lines(self, base: Path) -> list[str]:
        """What `branchflow distribute` prints: each file written (or that would be)."""
        lead = "将" if self.dry_run else "已"
        lines = []
        for p in self.placements:
            shown = _shown(p.path, base)
            if p.state in CHANGED or p.state == "failed":
                lines.append(f"{lead}{WORDS[p.state]} {shown}" if p.state != "failed" else p.note)
                if p.note and p.state == "beside":
                    lines.append(f"  {p.note}")
        unchanged = sum(p.state == "unchanged" for p in self.placements)
        months = "、".join(self.months) or "（无）"
        if self.dry_run:
            lines.append(
                f"试运行：下发 {months} 将写入 {len(self.written)} 个文件，"
                f"{unchanged} 个没有变化；未写入任何文件。"
            )
        else:
            lines.append(
                f"下发 {months}：写入 {len(self.written)} 个文件，{unchanged} 个没有变化，"
                f"在各分中心（及项目营销部）文件夹的 {DISTRIBUTION_DIR}/<月份>/ 中。"
            )
        return lines


def distribute(
    settings: Settings,
    period: str | None = None,
    *,
    dry_run: bool = False,
    pdf: bool | None = None,
    archive: Archive | None = None,
    notes: Callable[[str], None] | None = None,
) -> DistributionReport:
    """Bring every branch's 下发 folder of `period` (default: the open months) up to date;
    `archive` is the caller's open one (the watcher's), else the store is opened here."""
    say = notes or _log.warning
    month = Month.parse(period) if period else None
    with_pdf = settings.distribution.pdf if pdf is None else pdf
    placements: list[Placement] = []
    with nullcontext(archive) if archive else Archive.open(settings) as store:
        months = [month] if month else open_months(settings, store)
        for each in months:  # a month at a time, the archive open: branches' books are read
            placements += _month(read_inputs(settings, store, each, say), dry_run, with_pdf, say)
    report = DistributionReport(tuple(m.key for m in months), tuple(placements), dry_run)
    if report.written and not dry_run:
        with nullcontext(archive) if archive else Archive.open(settings) as store:
            _tell_branches(settings, store, report)
    return report


def _tell_branches(settings: Settings, archive: Archive, report: DistributionReport) -> None:
    """The `distributed` notification: each branch hears what was put into its folder."""
    from branchflow.notify.events import distributed

    for month in report.months:
        delivered: dict[str, list[Path]] = {}
        for p in report.written:
            if p.period == month:
                delivered.setdefault(p.branch, []).append(p.path)
        distributed(settings, archive, month, delivered)


def open_months(settings: Settings, archive: Archive) -> list[Month]:
    """The current month, and the next as soon as anything for it is filed: the plans of this
    month (for the next) or HQ's next briefing."""
    now = settings.now()
    current = Month(now.year, now.month)
    upcoming = current.shift(1)
    early = archive.reports("dept_plan", current.key) or archive.reports(
        "hq_briefing", upcoming.key
    )
    return [current, upcoming] if early else [current]


@dataclass
class _Folder:
    """One branch's folder for the month, as this run finds and leaves it."""

    branch: str
    path: Path
    items: list[Item]
    absent: list[str]
    placements: list[Placement]


def _month(
    inputs: Inputs, dry_run: bool, with_pdf: bool, say: Callable[[str], None]
) -> list[Placement]:
    settings, month = inputs.settings, inputs.month
    now = settings.now()
    folders: list[_Folder] = []
    pdfs: list[tuple[_Folder, Item, Placement]] = []
    receivers = [(b, lambda b=b: items_for(inputs, b, now.date())) for b in settings.branch_names]
    receivers += [
        (p.marketing, lambda p=p: project_items(inputs, p))
        for p in settings.projects
        if p.marketing
    ]
    for branch, find in receivers:
        if not (settings.inbox / branch).is_dir():
            say(f"{branch} 的文件夹 {settings.inbox / branch} 不存在，本次未下发")
            continue
        path = settings.inbox / branch / DISTRIBUTION_DIR / month.key
        items, absent = find()
        if not items and not absent:
            continue  # nothing for this folder this month (a project without leads)
        done = [_settle(item, path, branch, month, dry_run, now) for item in items]
        folder = _Folder(branch, path, items, absent, done)
        folders.append(folder)
        pdfs += [
            (folder, item, placement)
            for item, placement in zip(items, done, strict=True)
            if item.pdf and with_pdf and _pdf_due(placement, path / item.name)
        ]
    _place_pdfs(pdfs, dry_run, now, say)
    if not dry_run:
        for folder in folders:
            _write_guide(settings, month, folder, now)
    return [p for folder in folders for p in folder.placements]


def _settle(
    item: Item, folder: Path, branch: str, month: Month, dry_run: bool, now: datetime
) -> Placement:
    target = folder / item.name
    held = files.holder(target, item.content)
    if held == target:
        return Placement(month.key, branch, item.name, target, "unchanged")
    if held is not None:  # written beside a busy file earlier: move it in once it is free
        moved = not dry_run and files.adopt(held, target)
        return Placement(
            month.key,
            branch,
            item.name,
            target if moved else held,
            "updated" if moved else "unchanged",
        )
    if dry_run:
        state = "updated" if target.exists() else "new"
        return Placement(month.key, branch, item.name, target, state)
    try:
        placed = files.place(target, item.make, now)
    except Exception as exc:  # an HQ-edited Word template can fail in any way jinja2 can
        note = (
            f"{target.name} 未能生成（{type(exc).__name__}: {exc}）；"
            "运行 branchflow templates --check 检查 Word 模板"
        )
        return Placement(month.key, branch, item.name, target, "failed", note)
    return Placement(month.key, branch, item.name, placed.path or target, placed.state, placed.note)


def _pdf_due(placement: Placement, docx: Path) -> bool:
    return placement.state in CHANGED or not docx.with_suffix(".pdf").exists()


def _place_pdfs(
    due: Sequence[tuple[_Folder, Item, Placement]],
    dry_run: bool,
    now: datetime,
    say: Callable[[str], None],
) -> None:
    """A PDF beside each briefing that changed: converted once, however many branches."""
    if not due or find_office() is None:
        return
    converted: dict[str, bytes | None] = {}
    for folder, item, placement in due:
        pdf = (folder.path / item.name).with_suffix(".pdf")
        if dry_run:
            state = "updated" if pdf.exists() else "new"
            folder.placements.append(
                Placement(placement.period, folder.branch, pdf.name, pdf, state)
            )
            continue
        if item.content not in converted:
            converted[item.content] = _to_pdf(item, say)
        data = converted[item.content]
        if data is not None:
            placed = files.place(pdf, data, now)
            folder.placements.append(
                Placement(
                    placement.period,
                    folder.branch,
                    pdf.name,
                    placed.path or pdf,
                    placed.state,
                    placed.note,
                )
            )


def _to_pdf(item: Item, say: Callable[[str], None]) -> bytes | None:
    with tempfile.TemporaryDirectory(prefix="branchflow-pdf-") as folder:
        docx = Path(folder) / item.name
        docx.write_bytes(item.make())
        made = convert_to_pdf([docx], say)
        return made[0].read_bytes() if made else None


def _write_guide(settings: Settings, month: Month, folder: _Folder, now: datetime) -> None:
    """下发说明.txt, when something in the folder changed (or it is missing)."""
    changes = [Change(p.path.name, p.state) for p in folder.placements if p.state in CHANGED]
    previous = read_guide(folder.path)
    if (not changes and previous is not None) or not folder.path.is_dir():
        return
    shelves = [Shelf(i.name, i.summary) for i in folder.items]
    shelves += [
        Shelf(pdf.name, "上面这份简报的 PDF 版，手机上也能看")
        for i in folder.items
        if i.pdf and (pdf := (folder.path / i.name).with_suffix(".pdf")).exists()
    ]
    text = guide_text(
        company=settings.company,
        branch=folder.branch,
        period_label=month.label,
        shelves=shelves,
        changes=changes or [Change(GUIDE_NAME, "new")],
        absent=folder.absent,
        now=now,
        previous=previous,
    )
    files.write_text(folder.path / GUIDE_NAME, text, now)


def _shown(path: Path, base: Path) -> str:
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return str(path)
