"""Word documents HQ reads, rendered from the docx templates in templates/word/.

`render_period` reads the archive once, builds every document of the month (or ISO week) from
that one snapshot, renders each through its template and writes it into outbox/reports/<period>/.
One document per family module: monthly, summary, packets, leads, meeting, submissions, weekly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from branchflow.archive.store import Archive
from branchflow.config import Settings
from branchflow.errors import BranchflowError, ConfigError
from branchflow.reports import leads, meeting, monthly, packets, submissions, summary, weekly
from branchflow.reports.engine import DocProperties, Notes, render_docx, write_document
from branchflow.reports.figures import ArchiveFigures
from branchflow.reports.lists import LeadList
from branchflow.reports.pdf import convert_to_pdf
from branchflow.reports.periods import Month, Week
from branchflow.reports.snapshot import MonthSnapshot, read_month, read_week
from branchflow.reports.word_templates import BUILDERS, WORD_DIR, install_word_templates

__all__ = ["Job", "install_word_templates", "month_jobs", "render_period", "week_jobs"]

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """One document to render: which template, which file, with what."""

    template: str
    file_name: str
    context: dict[str, Any]


def render_period(
    settings: Settings,
    *,
    period: str | None,
    week: str | None,
    pdf: bool = False,
    notes: Callable[[str], None] | None = None,
) -> list[Path]:
    """Render every document of a month or an ISO week; returns the files written.

    `notes` receives what the user should know beyond the file list (PDF skipped, a file open
    in Word written beside it, templates restored); by default they go to the log (stderr).
    """
    if bool(period) == bool(week):
        raise ConfigError("请给出 --period YYYY-MM 或 --week YYYY-Www 之一")
    say = notes or _log.warning
    books: list[Path] = []
    with Archive.open(settings) as archive:
        if period:
            for note in packets.config_notes(settings):
                say(note)
            month = Month.parse(period)
            folder = settings.reports_dir / month.key
            snapshot = read_month(archive, settings, month)
            # Each project's full lead list is written beside its document as it is read.
            found = leads.read(settings, archive, snapshot, folder, say)
            books = [f.workbook for f in found.values() if f.workbook is not None]
            jobs = list(month_jobs(settings, archive, month, snapshot, found))
        else:
            chosen = Week.parse(str(week))
            folder, jobs = settings.reports_dir / chosen.key, week_jobs(settings, archive, chosen)
    written = render_jobs(settings, jobs, folder, say)
    if pdf:
        written += convert_to_pdf(written, say)
    return written + books


def month_jobs(
    settings: Settings,
    archive: Archive,
    month: Month,
    snapshot: MonthSnapshot | None = None,
    lead_lists: dict[str, LeadList] | None = None,
) -> Iterator[Job]:
    """Every document of the month, in the order HQ reads them (from `snapshot` and
    `lead_lists` when the caller read them already)."""
    snapshot = snapshot or read_month(archive, settings, month)
    if lead_lists is None:
        lead_lists = leads.read(settings, archive, snapshot)
    figures = ArchiveFigures(snapshot, settings.timezone)
    for branch in settings.branch_names:
        yield Job(
            monthly.TEMPLATE,
            monthly.file_name(branch),
            monthly.context(settings, snapshot, figures, branch),
        )
    yield Job(summary.TEMPLATE, summary.FILE, summary.context(settings, snapshot, figures))
    for department in settings.departments:
        yield Job(
            packets.TEMPLATE,
            packets.file_name(department.name),
            packets.context(settings, snapshot, figures, department),
        )
    for project in settings.projects:
        yield Job(
            leads.TEMPLATE,
            leads.file_name(project.name),
            leads.context(settings, snapshot, lead_lists[project.name], project),
        )
    for branch in settings.branch_names:
        yield Job(
            meeting.TEMPLATE,
            meeting.file_name(branch),
            meeting.context(settings, snapshot, figures, branch),
        )
    matrix = submissions.read_matrix(settings, month)
    yield Job(
        submissions.TEMPLATE,
        submissions.file_name(month),
        submissions.context(settings, month, snapshot.now, matrix),
    )


def week_jobs(settings: Settings, archive: Archive, week: Week) -> list[Job]:
    snapshot = read_week(archive, settings, week)
    return [Job(weekly.TEMPLATE, weekly.file_name(week), weekly.context(settings, snapshot))]


def render_jobs(settings: Settings, jobs: list[Job], folder: Path, notes: Notes) -> list[Path]:
    """Render and write each job; a broken (HQ-edited) template stops only its own documents."""
    templates = load_templates(settings, notes)
    written: list[Path] = []
    broken: dict[str, str] = {}
    now = settings.now()
    for job in jobs:
        if job.template in broken:
            continue
        try:
            data = render_docx(
                templates[job.template], job.context, properties=properties(settings, job, now)
            )
        except Exception as exc:  # an HQ-edited template can fail in any way jinja2 can
            broken[job.template] = f"{type(exc).__name__}: {exc}"
            continue
        written.append(write_document(folder / job.file_name, data, now, notes))
    if broken:
        for path in written:
            notes(f"已生成 {path}")
        where = settings.templates_dir / WORD_DIR
        names = "；".join(f"{name}：{error}" for name, error in broken.items())
        raise BranchflowError(
            f"{where} 中的模板有错误，相应文档未生成（{names}）；"
            "运行 branchflow templates --check 查看详情，改正后重新生成"
        )
    return written


def properties(settings: Settings, job: Job, now: datetime) -> DocProperties:
    """Title as the document's own title line says it; the company as author."""
    title = str(job.context.get("doc_title") or job.file_name.removesuffix(".docx"))
    period = job.context.get("period_label")
    return DocProperties(f"{title}（{period}）" if period else title, settings.company, now)


def load_templates(settings: Settings, notes: Notes) -> dict[str, bytes]:
    """The workspace's Word templates; any missing one is restored from the built-in design."""
    folder = settings.templates_dir / WORD_DIR
    missing = {name for name in BUILDERS if not (folder / name).exists()}
    for path in install_word_templates(folder):
        if path.name in missing:
            notes(f"已补齐缺少的 Word 模板 {path}")
        else:
            notes(f"Word 模板 {path} 未经修改，已更新为新版内置样式")
    try:
        return {name: (folder / name).read_bytes() for name in BUILDERS}
    except OSError as exc:
        raise BranchflowError(f"无法读取 Word 模板 {folder}：{exc}") from exc
