"""Process one dropped file end to end; the only place the stages are wired together."""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable
from pathlib import Path

from python_calamine import CalamineError

from branchflow import feedback, intake
from branchflow.archive.results import ArchiveResult, LedgerEntry
from branchflow.archive.store import Archive
from branchflow.config import RECEIPTS_DIR, RESERVED_DIRS, Settings
from branchflow.export import ExportResult, export_archive
from branchflow.exportstamps import Progress
from branchflow.inbox import LINK_NOTE, list_drops
from branchflow.nofollow import NotRegularFile, remove_drop
from branchflow.notify.events import file_notices
from branchflow.outcome import STATUS_WORDS, FileOutcome, IngestReport
from branchflow.parse import ParsedWorkbook, read_workbook
from branchflow.validate import validate
from branchflow.validate.batch import ValidatedBatch, ValidationContext
from branchflow.validate.choices import Aliases
from branchflow.validate.issues import Issue

__all__ = [
    "STATUS_WORDS",
    "FileOutcome",
    "IngestReport",
    "find_drops",
    "finish_answered",
    "ingest",
    "process_file",
]

BRANCH_KINDS = frozenset({"customers", "monthly", "market", "weekly"})
PLANNER_KINDS = frozenset({"dept_plan"})


def find_drops(settings: Settings) -> tuple[list[Path], list[FileOutcome]]:
    """Every file waiting in a known folder, and the things we leave alone (with why)."""
    ready, left = list_drops(settings.inbox, set(settings.drop_folders))
    return ready, [_ignored(settings, thing.path, thing.note) for thing in left]


def _ignored(settings: Settings, path: Path, note: str) -> FileOutcome:
    relative = path.relative_to(settings.inbox).as_posix()
    return FileOutcome(relative, relative.split("/", 1)[0], "unknown", None, "ignored", note=note)


def ingest(
    settings: Settings,
    archive: Archive,
    on_file: Callable[[FileOutcome], None] | None = None,
    drops: tuple[list[Path], list[FileOutcome]] | None = None,
    *,
    export: bool = True,
) -> IngestReport:
    """Process every ready file once, then rewrite the archive workbooks whose content changed
    (none when no customer drop was accepted).

    `drops` is find_drops()'s answer when the caller already listed the inbox. `export=False`
    leaves the workbooks to the caller (the command line answers first: export_now after)."""
    ready, ignored = drops if drops is not None else find_drops(settings)
    finish_answered(settings, archive)
    outcomes: list[FileOutcome] = list(ignored)
    for outcome in ignored:
        if on_file:
            on_file(outcome)
    touched: set[str] = set()
    for path in ready:
        try:
            outcome = _process_claimed(path, settings, archive)
        except (FileNotFoundError, NotRegularFile) as exc:
            outcome = _vanished(settings, path, exc)
        outcomes.append(outcome)
        if outcome.status == "accepted" and outcome.kind == "customers":
            touched.add(outcome.branch)
        if on_file:
            on_file(outcome)
    exported = export_now(settings, archive, only_changed=True) if touched and export else None
    return IngestReport(tuple(outcomes), exported, frozenset(touched))


def finish_answered(settings: Settings, archive: Archive) -> list[LedgerEntry]:
    """Drops answered and taken out of the inbox just before a stop (or a lost database
    connection), but not yet marked done in the ledger: mark them done now. (A drop still in
    the inbox is finished by processing it again: see _resume.)"""
    finished = []
    for entry in archive.unfinished():
        if entry.receipt_path and not os.path.lexists(settings.inbox / entry.relative):
            archive.mark_cleared(entry.file_id, entry.receipt_path, settings.now())
            finished.append(entry)
    return finished


def _vanished(settings: Settings, path: Path, exc: OSError) -> FileOutcome:
    """A file listed a moment ago that is gone, or became a link: skipped, as the watcher does."""
    if isinstance(exc, NotRegularFile):
        return _ignored(settings, path, LINK_NOTE)
    if os.path.lexists(path):
        raise exc  # something else is missing (a folder of ours): not the drop's doing
    return _ignored(settings, path, "在处理前被移走或删除，未处理")


def _process_claimed(path: Path, settings: Settings, archive: Archive) -> FileOutcome:
    """process_file under a claim in the archive: a file that a watcher on another machine
    (sharing the inbox and a PostgreSQL store) is processing is left to it."""
    with archive.claim(path.relative_to(settings.inbox).as_posix()) as mine:
        if mine:
            return process_file(path, settings, archive)
    return _ignored(settings, path, "另一台电脑上的 branchflow 正在处理此文件，本次未处理")


def export_now(
    settings: Settings,
    archive: Archive,
    branches: set[str] | None = None,
    *,
    force: bool = False,
    only_changed: bool = False,
    progress: Progress | None = None,
) -> ExportResult:
    """Rewrite 客户总档案.xlsx and the given branches' archives (all branches when None);
    `only_changed`: only those whose content changed since they were written."""
    with archive.export_rows() as rows:
        return export_archive(
            settings.archive_dir,
            rows,
            branches,
            now=settings.now(),
            force=force,
            only_changed=only_changed,
            progress=progress,
        )


def process_file(path: Path, settings: Settings, archive: Archive) -> FileOutcome:
    """Intake → parse → validate → archive (one transaction) → feedback → clear the inbox."""
    incoming = intake.examine(path, settings.inbox, settings.limits, settings.now())
    interrupted = archive.unfinished_drop(incoming.sha256, incoming.relative)
    if interrupted is not None:
        return _resume(incoming, interrupted, settings, archive)
    earlier = archive.find_by_sha(incoming.sha256)
    original = archive.keep_original(incoming)
    if earlier is not None:
        return _duplicate(incoming, earlier, original, settings, archive)
    batch, issues, kind = check_file(incoming, settings)
    status = "accepted" if batch is not None and batch.accepted else "rejected"
    result = archive.record(
        incoming,
        batch,
        status,
        issues,
        incoming.received_at,
        settings.protection_days,
        original,
        kind=kind,
        notices=file_notices(settings, incoming, batch, issues, kind),
    )
    issues = (*issues, *result.issues)
    receipts = settings.inbox / incoming.folder / RECEIPTS_DIR
    company = settings.company
    if status == "accepted" and batch is not None:
        receipt = feedback.write_receipt(
            receipts, incoming, batch, result, incoming.received_at, company=company
        )
        feedback.tell_owners(settings.inbox, result.conflicts, incoming.received_at, company)
    else:
        receipt = feedback.write_rejection(
            receipts, incoming, issues, incoming.received_at, limits=settings.limits,
            company=company,
        )  # fmt: skip
    _clear(incoming, settings, archive, result.file_id, receipt)
    return _outcome(incoming, kind, batch, status, issues, _rel(receipt, settings), result)


def check_file(
    incoming: intake.IncomingFile, settings: Settings
) -> tuple[ValidatedBatch | None, tuple[Issue, ...], str]:
    """Parse and validate (batch, issues, kind); a file that cannot be read yields its one
    problem instead. `store rebuild` replays kept originals through this too."""
    if incoming.problem is not None:
        return None, (incoming.problem,), "unknown"
    try:
        parsed = read_workbook(incoming.data, incoming.fmt)
    except (CalamineError, zipfile.BadZipFile, KeyError, ValueError, OSError, SyntaxError):
        return None, (intake.damaged(),), "unknown"
    misplaced = _misplaced(parsed, incoming.folder, settings)
    if misplaced is not None:
        return None, (misplaced,), parsed.kind
    context = ValidationContext(
        branch=incoming.folder,
        today=incoming.received_at.date(),
        projects=settings.project_names,
        home_province=settings.home_province,
        scope_counties=settings.scope_counties,
        hq_folder=incoming.folder == settings.hq_folder,
        aliases=Aliases(settings.aliases),
    )
    batch = validate(parsed, context)
    return batch, batch.issues, parsed.kind


def _misplaced(parsed: ParsedWorkbook, folder: str, settings: Settings) -> Issue | None:
    """A workbook of a kind this folder's owner does not file (each folder takes its own)."""
    if parsed.kind == "unknown":
        return parsed.issues[0] if parsed.issues else None
    hq = settings.hq_folder
    if folder == hq:
        if parsed.kind == "hq_briefing":
            return None
        return _wrong_folder(f"“{hq}”文件夹只接收总部月度简报：" + _home_of(parsed.kind, settings))
    if folder in settings.planners:
        if parsed.kind in PLANNER_KINDS:
            return None
        return _wrong_folder(
            f"“{folder}”文件夹只接收部门月度工作计划：" + _home_of(parsed.kind, settings)
        )
    if parsed.kind in BRANCH_KINDS:
        return None
    return _wrong_folder(_home_of(parsed.kind, settings) + "，不要放在分中心文件夹")


def _home_of(kind: str, settings: Settings) -> str:
    """Where a workbook of `kind` belongs, in words."""
    if kind == "hq_briefing":
        return f"总部月度简报请放入 inbox/{settings.hq_folder}/ 文件夹"
    if kind in PLANNER_KINDS:
        example = f"，如 inbox/{settings.planners[0]}/" if settings.planners else ""
        return f"部门月度工作计划请放入本部门（或本项目营销部）的报送文件夹{example}"
    return "分中心的报表请放入本分中心的文件夹"


def _wrong_folder(message: str) -> Issue:
    return Issue("kind.wrong_folder", message)


def _duplicate(
    incoming: intake.IncomingFile,
    earlier: LedgerEntry,
    original: str,
    settings: Settings,
    archive: Archive,
) -> FileOutcome:
    result = archive.record(
        incoming,
        None,
        "duplicate",
        (),
        incoming.received_at,
        settings.protection_days,
        original,
        duplicate_of=earlier.file_id,
    )
    receipts = settings.inbox / incoming.folder / RECEIPTS_DIR
    receipt = feedback.write_duplicate(
        receipts, incoming, earlier, incoming.received_at, company=settings.company
    )
    _clear(incoming, settings, archive, result.file_id, receipt)
    note = f"与 {earlier.received_at:%Y-%m-%d %H:%M} 收到的文件内容相同，未重复入库"
    return FileOutcome(
        incoming.relative,
        incoming.folder,
        earlier.kind,
        earlier.period,
        "duplicate",
        receipt=_rel(receipt, settings),
        note=note,
    )


def _resume(
    incoming: intake.IncomingFile, entry: LedgerEntry, settings: Settings, archive: Archive
) -> FileOutcome:
    """The archive committed this file but we stopped before clearing it: answer now, once
    (an answer already written before the stop is not written again)."""
    issues = archive.issues_for(entry.file_id)
    answered = Path(entry.receipt_path) if entry.receipt_path else None
    if answered is not None and answered.is_file():
        receipt, note = answered, "上次处理中断，回执此前已发出"
    else:
        receipt, note = _answer_again(incoming, entry, issues, settings, archive), ""
    _clear(incoming, settings, archive, entry.file_id, receipt)
    return FileOutcome(
        incoming.relative,
        incoming.folder,
        entry.kind,
        entry.period,
        entry.status,
        errors=tuple(i for i in issues if i.is_error),
        warnings=tuple(i for i in issues if not i.is_error),
        receipt=_rel(receipt, settings),
        note=note or "上次处理中断，已补发回执",
    )


def _answer_again(
    incoming: intake.IncomingFile,
    entry: LedgerEntry,
    issues: tuple[Issue, ...],
    settings: Settings,
    archive: Archive,
) -> Path:
    receipts = settings.inbox / incoming.folder / RECEIPTS_DIR
    company = settings.company
    first = archive.entry(entry.duplicate_of) if entry.duplicate_of is not None else None
    if entry.status == "duplicate" and first is not None:
        return feedback.write_duplicate(
            receipts, incoming, first, entry.received_at, company=company
        )
    batch = check_file(incoming, settings)[0] if entry.status == "accepted" else None
    result = archive.result_for(entry.file_id) or ArchiveResult(entry.file_id, entry.status)
    if entry.status == "accepted" and batch is not None:
        receipt = feedback.write_receipt(
            receipts, incoming, batch, result, entry.received_at, company=company
        )
        feedback.tell_owners(settings.inbox, result.conflicts, entry.received_at, company)
        return receipt
    return feedback.write_rejection(
        receipts, incoming, issues, entry.received_at, limits=settings.limits, company=company
    )


def _clear(
    incoming: intake.IncomingFile,
    settings: Settings,
    archive: Archive,
    file_id: int,
    receipt: Path,
) -> None:
    """The answer is written: say so in the ledger first (a stop after this never answers
    twice), then take the drop out of the inbox (its original is safe in store/), then mark
    the file done. A file saved again under the same name while we worked stays: a new drop."""
    archive.note_receipt(file_id, str(receipt))
    remove_drop(settings.inbox, incoming.relative, incoming.size, incoming.mtime_ns)
    archive.mark_cleared(file_id, str(receipt), incoming.received_at)


def _outcome(
    incoming: intake.IncomingFile,
    kind: str,
    batch: ValidatedBatch | None,
    status: str,
    issues: tuple[Issue, ...],
    receipt: str,
    result: ArchiveResult,
) -> FileOutcome:
    counts = {
        "new_customers": result.new_customers,
        "updated_customers": result.updated_customers,
        "unchanged_customers": result.unchanged_customers,
        "followups_added": result.followups_added,
        "followups_known": result.followups_known,
        "conflicts": len(result.conflicts),
    }
    return FileOutcome(
        incoming.relative,
        incoming.folder,
        kind,
        batch.period if batch is not None else None,
        status,
        rows=batch.rows if batch is not None else 0,
        errors=tuple(i for i in issues if i.is_error),
        warnings=tuple(i for i in issues if not i.is_error),
        receipt=receipt,
        counts=counts if kind == "customers" and status == "accepted" else {},
    )


def _rel(path: Path, settings: Settings) -> str:
    """Workspace-relative, for JSON and summary lines."""
    try:
        return path.relative_to(settings.workspace).as_posix()
    except ValueError:
        return str(path)


# ── for the watcher ──────────────────────────────────────────────────────────────────────────


def is_drop(settings: Settings, path: Path) -> bool:
    """Would find_drops pick this path up: in a branch or HQ folder, not an answer, not litter?"""
    try:
        parts = path.relative_to(settings.inbox).parts
    except ValueError:
        return False
    if len(parts) < 2 or parts[0] not in settings.drop_folders:
        return False
    if any(p in RESERVED_DIRS or p.startswith(".") for p in parts[1:-1]):
        return False
    return not intake.is_litter(parts[-1])
