"""`branchflow store rebuild`: the archive made again from the kept originals, in received order.

For a store that was lost (deleted, emptied: every command refuses to run on it) and after a rule
change (a township list, a new alias: files once rejected may now pass). Which drops to replay,
and when and where each came, is read from the ledger when there still is one and from the
manifests kept beside the originals (archive/originals.py) when there is not. Each drop is
replayed as it was received: same folder, same inbox path, same time ("today" for date checks),
through the same parse and validate stages; duplicates again become duplicates. Nothing is
written to the branches' folders and nothing leaves the inbox: it is the archive that is rebuilt,
not the answers.

SQLite: the new store is built beside the old one, which is then kept as
`branchflow-before-rebuild-<time>.sqlite3`. PostgreSQL: rebuilt in place, in a database that is
empty or (with --force) emptied first. Then the master workbooks are exported; the master is not
replaced by a smaller one unless --force (see masterguard.py).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath

from branchflow import intake
from branchflow.archive.db import DB_NAME, is_server, store_url
from branchflow.archive.originals import KeptDrop, count_originals, kept_drops
from branchflow.archive.results import LedgerEntry
from branchflow.archive.store import Archive
from branchflow.archive.transfer import clear_store
from branchflow.config import Settings
from branchflow.errors import StoreError
from branchflow.export import ExportResult
from branchflow.pipeline import check_file, export_now
from branchflow.printable import printable

REPLAYED = "（store rebuild 重建，未重发回执）"
_SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


@dataclass(frozen=True)
class Replayed:
    drop: KeptDrop
    status: str | None  # accepted / rejected / duplicate; None: its original is no longer kept

    def line(self) -> str:
        words = {"accepted": "已接收", "rejected": "已退回", "duplicate": "重复件"}
        shown = words.get(self.status or "", "原件已清理，跳过")
        return printable(
            f"{shown}  {self.drop.relative}（{self.drop.received_at:%Y-%m-%d %H:%M} 收到）"
        )


@dataclass(frozen=True)
class RebuildReport:
    counts: dict[str, int] = field(default_factory=dict)
    missing: int = 0  # drops whose original was purged or lost
    undescribed: int = 0  # kept originals no ledger row or manifest tells of
    previous: Path | None = None  # the SQLite store before the rebuild
    export: ExportResult | None = None

    def describe(self, base: Path) -> list[str]:
        c = self.counts
        lines = [
            f"已按收到顺序重新入库 {sum(c.values())} 个文件：接收 {c.get('accepted', 0)}，"
            f"退回 {c.get('rejected', 0)}，重复 {c.get('duplicate', 0)}。"
        ]
        if self.missing:
            lines.append(f"{self.missing} 个文件的原件已不在（已过保存期清理或丢失），未能重建。")
        if self.undescribed:
            lines.append(
                f"{self.undescribed} 个原始文件没有收件记录（早于本功能保存），"
                "无法得知分中心，未重建。"
            )
        if self.previous is not None:
            lines.append(f"重建前的档案库已另存为 {_shown(self.previous, base)}")
        if self.export is not None:
            lines += self.export.describe(base)
        return lines


def rebuild_store(
    settings: Settings,
    *,
    force: bool = False,
    on_file: Callable[[Replayed], None] | None = None,
) -> RebuildReport:
    """Replay every kept drop into a fresh store, put it in place, export (the caller holds the
    workspace lock: no watcher or ingest runs meanwhile)."""
    drops, receipts = _drops(settings)
    counts: dict[str, int] = {}
    missing = 0
    with _fresh_store(settings, force) as (fresh, swap):
        with Archive.open(fresh, rebuilding=True) as archive:
            for drop in drops:
                status = _replay(drop, receipts.get(drop.key, ""), fresh, archive)
                if status is None:
                    missing += 1
                else:
                    counts[status] = counts.get(status, 0) + 1
                if on_file is not None:
                    on_file(Replayed(drop, status))
        previous = swap()
    # Not refused even when nothing could be replayed: the master guard still keeps the master.
    with Archive.open(settings, rebuilding=True) as archive:
        exported = export_now(settings, archive, force=force)
    described = {d.original for d in drops}
    undescribed = max(0, count_originals(settings.originals_dir) - len(described))
    return RebuildReport(counts, missing, undescribed, previous, exported)


def _drops(settings: Settings) -> tuple[list[KeptDrop], dict[tuple[str, str, str], str]]:
    """Every drop the ledger (if any is left) or the manifests tell of, in received order;
    and the receipts the ledger knows, to keep them on the rebuilt rows."""
    found = {d.key: d for d in kept_drops(settings.originals_dir)}
    receipts: dict[tuple[str, str, str], str] = {}
    for entry in _old_ledger(settings):
        drop = KeptDrop(
            entry.original_path,
            entry.sha256,
            entry.folder,
            entry.relative,
            entry.received_at,
            entry.file_id,
            entry.size,
        )
        found.setdefault(drop.key, drop)
        receipts[drop.key] = entry.receipt_path or ""
    ordered = sorted(found.values(), key=lambda d: (d.key[0], d.file_id, d.relative))
    return ordered, receipts


def _old_ledger(settings: Settings) -> list[LedgerEntry]:
    url = store_url(settings)
    if not is_server(url) and not Path(str(url.database)).is_file():
        return []  # gone: opening it would create it
    with Archive.open(settings, rebuilding=True) as archive:
        return archive.ledger()


def _replay(drop: KeptDrop, receipt: str, settings: Settings, archive: Archive) -> str | None:
    """Record one kept drop as it was received; None when its original is no longer kept."""
    try:
        data = (settings.originals_dir / drop.original).read_bytes()
    except FileNotFoundError:
        return None
    name = PurePosixPath(drop.relative).name
    size = drop.size if drop.size >= 0 else len(data)
    incoming = intake.IncomingFile(
        path=settings.inbox / drop.relative,
        folder=drop.folder,
        relative=drop.relative,
        size=size,
        sha256=hashlib.sha256(data).hexdigest(),
        received_at=drop.received_at,
        data=data,
        problem=intake.vet(name, size, data, settings.limits),
    )
    then = dataclasses.replace(settings, now_override=drop.received_at)
    earlier = archive.find_by_sha(incoming.sha256)
    if earlier is not None:
        result = archive.record(
            incoming, None, "duplicate", (), drop.received_at, settings.protection_days,
            drop.original, duplicate_of=earlier.file_id,
        )  # fmt: skip
    else:
        batch, issues, kind = check_file(incoming, then)
        status = "accepted" if batch is not None and batch.accepted else "rejected"
        result = archive.record(
            incoming, batch, status, issues, drop.received_at, settings.protection_days,
            drop.original, kind=kind,
        )  # fmt: skip
    archive.mark_cleared(result.file_id, receipt or REPLAYED, drop.received_at)
    return result.status


@contextmanager
def _fresh_store(
    settings: Settings, force: bool
) -> Iterator[tuple[Settings, Callable[[], Path | None]]]:
    """(settings naming an empty store to fill, the function that puts it in place)."""
    url = store_url(settings)
    if is_server(url):
        clear_store(settings, force=force)
        yield settings, lambda: None
        return
    current = Path(str(url.database or settings.store_dir / DB_NAME))
    building = current.with_name(f"{current.name}.rebuild")
    _remove_sqlite(building)
    fresh = dataclasses.replace(settings, store_url=f"sqlite:///{building}")
    try:
        yield fresh, lambda: _swap(current, building, settings.now())
    finally:
        _remove_sqlite(building)  # what is left when the rebuild failed half-way


def _swap(current: Path, building: Path, now: datetime) -> Path | None:
    previous = None
    if current.exists():
        previous = current.with_name(f"{current.stem}-before-rebuild-{now:%Y%m%d-%H%M%S}.sqlite3")
        for suffix in ("", *_SQLITE_SIDE_FILES):
            side = Path(f"{current}{suffix}")
            if side.exists():
                side.replace(Path(f"{previous}{suffix}"))
    building.replace(current)
    return previous


def _remove_sqlite(path: Path) -> None:
    try:
        for suffix in ("", *_SQLITE_SIDE_FILES):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    except OSError as exc:
        raise StoreError(f"无法删除 {path}：{exc}；请检查 store 目录的写权限") from exc


def _shown(path: Path, base: Path) -> str:
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return str(path)
