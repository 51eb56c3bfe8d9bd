"""Word documents HQ reads (rendered from templates/word/)."""

from __future__ import annotations

from pathlib import Path

from branchflow.config import Settings
from branchflow.errors import BranchflowError


def render_period(
    settings: Settings, *, period: str | None, week: str | None, pdf: bool = False
) -> list[Path]:
    """Render every document of a month or an ISO week; returns the files written."""
    raise BranchflowError("report 尚未完成")
