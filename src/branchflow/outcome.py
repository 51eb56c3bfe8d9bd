"""What became of one dropped file (and of one ingest run), as the CLI, the log and JSON show it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from branchflow.export import ExportResult
from branchflow.printable import printable
from branchflow.templates.definitions import KIND_NAMES
from branchflow.validate.issues import Issue

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
        """One line per file: what happened to it, what was counted, where the answer is.
        The file name is the dropper's choice: its control characters are shown escaped."""
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
        return printable("  ".join(parts))

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
