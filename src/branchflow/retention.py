"""How long drops are kept: originals and quarantined files go after `[store] keep_originals_days`.

An original holds everything staff typed, full phone and ID numbers included, so it is not kept
for ever (default three years). Removed: an original whose every drop was received before the
cut-off and is final in the ledger (answered and cleared: never one still in progress), with
its manifest; a quarantined drop and its note once their quarantine time is that old. The
ledger rows stay (what came when, and what became of it); `store rebuild` can then no longer
replay those drops. The watcher purges once a day; `branchflow store purge` does it now.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from branchflow.archive.originals import remove_original
from branchflow.archive.store import Archive
from branchflow.config import Settings
from branchflow.watch.quarantine import NOTE_SUFFIX, QUARANTINE_DIR

_STAMP = re.compile(r"^(?:\d+-)?(\d{8}-\d{6})-")


@dataclass(frozen=True)
class PurgeReport:
    days: int  # 0: kept for ever, nothing was looked at
    originals: int = 0
    quarantined: int = 0
    held: int = 0  # old originals kept because a drop of theirs is not final

    def describe(self) -> list[str]:
        if not self.days:
            return ["[store] keep_originals_days = 0：原始文件永久保存，未清理。"]
        lines = [
            f"已清理超过 {self.days} 天的原始文件 {self.originals} 个、"
            f"隔离文件 {self.quarantined} 个。"
        ]
        if self.held:
            lines.append(f"另有 {self.held} 个过期原始文件的报送尚未处理完，暂不清理。")
        return lines


def purge_kept(settings: Settings, archive: Archive, now: datetime) -> PurgeReport:
    """Remove what is older than settings.keep_originals_days (see the module's docstring)."""
    days = settings.keep_originals_days
    if not days:
        return PurgeReport(0)
    cutoff = now - timedelta(days=days)
    expired, held = archive.expired_originals(cutoff)
    removed = sum(remove_original(settings.originals_dir, relative) for relative in expired)
    quarantined = _purge_quarantine(settings.store_dir / QUARANTINE_DIR, cutoff)
    return PurgeReport(days, removed, quarantined, held)


def _purge_quarantine(folder: Path, cutoff: datetime) -> int:
    """Quarantined drops (and their notes) whose name says they were quarantined before cutoff."""
    if not folder.is_dir():
        return 0
    removed = 0
    for path in sorted(folder.iterdir()):
        when = _quarantined_at(path.name, cutoff)
        if when is None or when >= cutoff or not path.is_file():
            continue
        path.unlink(missing_ok=True)
        removed += not path.name.endswith(NOTE_SUFFIX)
    return removed


def _quarantined_at(name: str, cutoff: datetime) -> datetime | None:
    found = _STAMP.match(name)
    if found is None:
        return None
    try:
        return datetime.strptime(found.group(1), "%Y%m%d-%H%M%S").replace(tzinfo=cutoff.tzinfo)
    except ValueError:
        return None
