"""Watch the inbox: stability tracking, ignore rules, polling, rescans (see issue: watcher)."""

from __future__ import annotations

from collections.abc import Callable

from branchflow.config import Settings
from branchflow.errors import BranchflowError


def run_watch(
    settings: Settings, *, polling: bool, interval: float, echo: Callable[[str], None]
) -> None:
    """Run until SIGINT/SIGTERM."""
    raise BranchflowError("watch 尚未完成：请先用 branchflow ingest 定时处理")
