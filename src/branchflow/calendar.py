"""Deadlines and the submission matrix (see issue: reporting calendar)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from branchflow.config import Settings
from branchflow.errors import BranchflowError


@dataclass(frozen=True)
class Submission:
    branch: str
    deliverable: str
    period: str
    due: datetime
    submitted_at: datetime | None
    state: str  # on_time / late / missing / rejected
    late_hours: float | None

    def as_json(self) -> dict[str, Any]:
        return {
            "branch": self.branch,
            "deliverable": self.deliverable,
            "period": self.period,
            "due": self.due.isoformat(),
            "submitted_at": self.submitted_at.isoformat() if self.submitted_at else None,
            "state": self.state,
            "late_hours": self.late_hours,
        }


def submission_matrix(settings: Settings, period: str) -> list[Submission]:
    raise BranchflowError("status 尚未完成")


def print_matrix(
    matrix: list[Submission], settings: Settings, echo: Callable[[str], None], color: bool
) -> None:
    raise BranchflowError("status 尚未完成")
