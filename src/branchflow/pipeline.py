"""Process one dropped file end to end; the only place the stages are wired together."""

from __future__ import annotations

import contextlib
import os
import shutil
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from python_calamine import CalamineError

from branchflow import feedback, intake
from branchflow.archive.results import ArchiveResult, LedgerEntry
from branchflow.archive.store import Archive
from branchflow.config import RECEIPTS_DIR, RESERVED_DIRS, Settings
from branchflow.export import ExportResult, export_archive
from branchflow.exportstamps import Progress
from branchflow.notify.events import file_notices
from branchflow.parse import ParsedWorkbook, read_workbook
from branchflow.templates.definitions import KIND_NAMES
from branchflow.validate import validate
from branchflow.validate.batch import ValidatedBatch, ValidationContext
from branchflow.validate.choices import Aliases
from branchflow.validate.issues import Issue

BRANCH_KINDS = frozenset({"customers", "monthly", "market", "weekly"})
PLANNER_KINDS = frozenset({"dept_plan"})
STATUS_WORDS = {
    "accepted": "已接收",
    "rejected": "已退回",
    "duplicate": "重复件",
    "ignored": "未处理",
}


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one file, as `ingest --json` reports it."""

    path: str  # relative to the inbox
    branch: str
    kind: str
    period: str | None
    status: str  # accepted / rejected / duplicate / ignored
    rows: int = 0
    errors: tuple[Issue, ...] = ()
    warnings: tuple[Issue, ...] = ()
    receipt: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    note: str = ""

    def summary_line(self) -> str:
        """One line per file: what happened to it, what was counted, where the answer is."""
        parts = [f"{STATUS_WORDS.get(self.status, self.status)}  {self.path}"]
        if self.kind != "unknown" or self.status == "rejected":
            name = KIND_NAMES.get(self.kind, self.kind)
            parts.append(name + (f" {self.period}" if self.period else ""))
        counts = self.counts
        if counts:
            parts.append(
                f"新增 {counts['new_customers']} 更新 {counts['updated_customers']} "
                f"跟进 {counts['followups_added']}"
                + (f" 撞单 {counts['conflicts']}" if counts.get("conflicts") else "")
            )
        elif self.status == "accepted":
            parts.append(f"{self.rows} 行")
        parts += [f"错误 {len(self.errors)}"] if self.errors else []
        parts += [f"提醒 {len(self.warnings)}"] if self.warnings else []
        parts += [self.note] if self.note else []
        parts += [f"回执 {self.receipt}"] if self.receipt else []
        return "  ".join(parts)

    def as_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "branch": self.branch,
            "kind": self.kind,
            "period": self.period,
            "status": self.status,
            "rows": self.rows,
            "errors": [i.as_dict() for i in self.errors],
            "warnings": [i.as_dict() for i in self.warnings],
            "receipt": self.receipt,
            "counts": self.counts,
            "note": self.note,
        }


@dataclass(frozen=True)
class IngestReport:
    outcomes: tuple[FileOutcome, ...]
    export: ExportResult | None
    touched: frozenset[str] = frozenset()  # branches whose customer drops were accepted


def find_drops(settings: Settings) -> tuple[list[Path], list[FileOutcome]]:
    """Every file waiting in a known folder, and the files we leave alone (with why)."""
    known = set(settings.drop_folders)
    ready: list[Path] = []
    ignored: list[FileOutcome] = []
    if not settings.inbox.is_dir():
        return ready, ignored
    for entry in sorted(settings.inbox.iterdir()):
        if entry.is_file() and not intake.is_litter(entry.name):
            ignored.append(
                _ignored(settings, entry, "inbox 根目录下的文件不处理：请放入本分中心文件夹")
            )
        elif entry.is_dir() and entry.name in known:
            ready.extend(_walk(entry))
        elif entry.is_dir() and not entry.name.startswith("."):
            ignored.extend(
                _ignored(settings, p, f"“{entry.name}”不是配置的分中心文件夹，未处理")
                for p in _walk(entry)
            )
    return ready, ignored


def _walk(folder: Path) -> Iterator[Path]:
    for entry in sorted(folder.iterdir()):
        if entry.is_dir():
            if entry.name not in RESERVED_DIRS and not entry.name.startswith("."):
                yield from _walk(entry)
        elif entry.is_file() and not intake.is_litter(entry.name):
            yield entry


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
    outcomes: list[FileOutcome] = list(ignored)
    for outcome in ignored:
        if on_file:
            on_file(outcome)
    touched: set[str] = set()
    for path in ready:
        outcome = _process_claimed(path, settings, archive)
        outcomes.append(outcome)
        if outcome.status == "accepted" and outcome.kind == "customers":
            touched.add(outcome.branch)
        if on_file:
            on_file(outcome)
    exported = export_now(settings, archive, only_changed=True) if touched and export else None
    return IngestReport(tuple(outcomes), exported, frozenset(touched))


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
    only_changed: bool = False,
    progress: Progress | None = None,
) -> ExportResult:
    """Rewrite 客户总档案.xlsx and the given branches' archives (all branches when None);
    `only_changed`: only those whose content changed since they were written."""
    with archive.export_rows() as rows:
        return export_archive(
            settings.archive_dir, rows, branches, only_changed=only_changed, progress=progress
        )


def process_file(path: Path, settings: Settings, archive: Archive) -> FileOutcome:
    """Intake → parse → validate → archive (one transaction) → feedback → clear the inbox."""
    incoming = intake.examine(path, settings.inbox, settings.limits, settings.now())
    earlier = archive.find_by_sha(incoming.sha256)
    if earlier is not None and not earlier.cleared and earlier.relative == incoming.relative:
        return _resume(incoming, earlier, settings, archive)
    original = archive.keep_original(incoming)
    if earlier is not None:
        return _duplicate(incoming, earlier, original, settings, archive)
    batch, issues, kind = _check(incoming, settings)
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
    else:
        receipt = feedback.write_rejection(
            receipts, incoming, issues, incoming.received_at, limits=settings.limits,
            company=company,
        )  # fmt: skip
    _clear(incoming, archive, result.file_id, receipt)
    return _outcome(incoming, kind, batch, status, issues, _rel(receipt, settings), result)


def _check(
    incoming: intake.IncomingFile, settings: Settings
) -> tuple[ValidatedBatch | None, tuple[Issue, ...], str]:
    """Parse and validate; a file that cannot be read yields its one problem instead."""
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
    _clear(incoming, archive, result.file_id, receipt)
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
    """The archive committed this file but we stopped before answering: answer now, once."""
    issues = archive.issues_for(entry.file_id)
    receipts = settings.inbox / incoming.folder / RECEIPTS_DIR
    batch = _check(incoming, settings)[0] if entry.status == "accepted" else None
    result = archive.result_for(entry.file_id) or ArchiveResult(entry.file_id, entry.status)
    company = settings.company
    if entry.status == "accepted" and batch is not None:
        receipt = feedback.write_receipt(
            receipts, incoming, batch, result, entry.received_at, company=company
        )
    else:
        receipt = feedback.write_rejection(
            receipts, incoming, issues, entry.received_at, limits=settings.limits,
            company=company,
        )  # fmt: skip
    _clear(incoming, archive, entry.file_id, receipt)
    return FileOutcome(
        incoming.relative,
        incoming.folder,
        entry.kind,
        entry.period,
        entry.status,
        errors=tuple(i for i in issues if i.is_error),
        warnings=tuple(i for i in issues if not i.is_error),
        receipt=_rel(receipt, settings),
        note="上次处理中断，已补发回执",
    )


def _clear(incoming: intake.IncomingFile, archive: Archive, file_id: int, receipt: Path) -> None:
    """The original is safe in store/: take the drop out of the inbox, then say so.

    A file saved again under the same name while we worked stays: it is a new drop."""
    if incoming.unchanged_on_disk():
        with contextlib.suppress(FileNotFoundError):
            incoming.path.unlink()
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

QUARANTINE_DIR = "quarantine"  # under store/: drops that broke processing, kept for HQ


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


def quarantine_file(path: Path, settings: Settings, detail: str) -> tuple[Path, Path]:
    """A drop whose processing crashed: move it to store/quarantine/ (never lost), note why for
    HQ, and tell the branch HQ will look at it. Returns (where it went, the branch's receipt)."""
    now = settings.now()
    folder = path.relative_to(settings.inbox).parts[0]
    stamp = f"{now:%Y%m%d-%H%M%S}"
    target = _free_name(
        settings.store_dir / QUARANTINE_DIR,
        f"{stamp}-{feedback.safe_file_part(folder)}-{feedback.safe_file_part(path.name, 80)}",
    )
    _move(path, target)
    relative = path.relative_to(settings.inbox).as_posix()
    _write_note(
        target.with_name(f"{target.name}.错误.txt"),
        [f"文件：inbox/{relative}", f"时间：{now:%Y-%m-%d %H:%M:%S}",
         "处理时出现内部错误，原件即本目录同名文件；核查后可放回分中心文件夹重新处理。",
         "", detail],
    )  # fmt: skip
    receipt = _free_name(
        settings.inbox / folder / RECEIPTS_DIR,
        f"待核查-{feedback.safe_file_part(path.stem)}-{stamp}.txt",
    )
    _write_note(
        receipt,
        [f"【{settings.company}】文件已收到，暂未入库，已转总部核查。", f"文件：{path.name}",
         f"收到时间：{now:%Y-%m-%d %H:%M}", "",
         "处理这个文件时系统内部出错（不是你们填写的问题）。文件已原样转交总部核查，不会丢失；",
         "总部核查处理后会告知结果，暂时不需要重新报送。"],
    )  # fmt: skip
    return target, receipt


def _free_name(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path, number = folder / name, 2
    while path.exists():
        path, number = folder / f"{number}-{name}", number + 1
    return path


def _move(source: Path, target: Path) -> None:
    """Rename when we can; across filesystems (an inbox on a share) copy, sync, then remove."""
    try:
        source.replace(target)
        return
    except (PermissionError, FileNotFoundError):
        raise
    except OSError:
        pass
    temp = target.with_name(f".{target.name}.part")
    shutil.copy2(source, temp)
    with temp.open("rb+") as handle:
        os.fsync(handle.fileno())
    temp.replace(target)
    with contextlib.suppress(OSError):  # still held open: the watcher remembers it is handled
        source.unlink()


def _write_note(path: Path, lines: list[str]) -> None:
    """UTF-8 with BOM and CRLF (Notepad), written beside the target and renamed into place."""
    temp = path.with_name(f".{path.name}.tmp")
    text = "\n".join(lines).replace("\r\n", "\n") + "\n"
    temp.write_bytes(text.replace("\n", "\r\n").encode("utf-8-sig"))
    temp.replace(path)
