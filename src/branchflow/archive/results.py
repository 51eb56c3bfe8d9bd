"""What the archive reports back about one recorded file."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from branchflow.validate.issues import Issue


@dataclass(frozen=True)
class Conflict:
    """A 撞单: a phone already registered by another branch."""

    masked_phone: str  # 前三后四; all the claimant may learn
    owner_branch: str
    claimant_branch: str
    cell: str  # where the claimant's row is, "客户档案!C9"
    within_protection: bool  # False: protection expired, ownership moved to the claimant…
    ruled: bool = False  # …unless 销售管理部 ruled the customer the owner's: it stays there
    protection_ends: date | None = None  # the owner's last protected day

    @property
    def kept(self) -> bool:
        """The owner keeps the customer (protection, or a ruling in force)."""
        return self.within_protection or self.ruled


@dataclass(frozen=True)
class LedgerEntry:
    file_id: int
    sha256: str
    folder: str
    relative: str
    kind: str
    period: str | None
    status: str  # accepted / rejected / duplicate
    received_at: datetime
    original_path: str
    cleared: bool  # feedback written and the inbox file removed
    original_name: str = ""  # the file name as dropped
    size: int = 0
    rows: int = 0
    errors: int = 0
    warnings: int = 0
    receipt_path: str | None = None  # set by mark_cleared
    cleared_at: datetime | None = None
    duplicate_of: int | None = None  # the earlier file with the same bytes


@dataclass(frozen=True)
class ArchiveResult:
    file_id: int
    status: str  # accepted / rejected / duplicate
    new_customers: int = 0
    updated_customers: int = 0
    unchanged_customers: int = 0
    followups_added: int = 0
    followups_known: int = 0  # already in the archive from an earlier drop of the same workbook
    conflicts: tuple[Conflict, ...] = ()
    # warnings the archive adds (撞单, masked phones, follow-ups of unknown customers)
    issues: tuple[Issue, ...] = field(default=())


@dataclass(frozen=True)
class ExportData:
    """What the master archive workbooks show, read in one transaction (see Archive.customers)."""

    customers: list[dict[str, Any]]  # 客户总表
    township_counts: list[tuple[str | None, str | None, str | None, int]]  # 乡镇汇总
    followups: list[dict[str, Any]]  # 跟进记录
    conflicts: list[dict[str, Any]]  # 撞单记录 (first detections)
