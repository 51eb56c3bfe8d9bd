"""下发说明.txt: what a branch's 下发/<YYYY-MM>/ folder holds and what changed, newest first.

For Notepad: UTF-8 with BOM, CRLF, like the receipts. The top says what is in the folder now;
below the marker line, one entry per update that changed something, newest first, kept from the
previous version of the file itself (so the history survives whichever HQ machine writes it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

GUIDE_NAME = "下发说明.txt"
HISTORY_MARK = "—— 更新记录（最新的在最前）——"
HISTORY_KEPT = 200  # lines of history kept
STATE_WORDS = {"new": "新增", "updated": "更新", "beside": "另存"}


@dataclass(frozen=True)
class Shelf:
    """One file of the folder as the guide describes it."""

    name: str
    summary: str  # what it holds, one line


@dataclass(frozen=True)
class Change:
    name: str  # file name as it was written (the copy's name when written beside)
    state: str  # new / updated / beside


def guide_text(
    *,
    company: str,
    branch: str,
    period_label: str,
    shelves: Sequence[Shelf],
    changes: Sequence[Change],
    absent: Sequence[str],
    now: datetime,
    previous: str | None,
) -> str:
    """The whole guide: the folder's contents now, then this update on top of the history."""
    lines = [
        f"下发说明（{branch} · {period_label}）",
        f"{company} 总部、各部门和各项目营销部发给{branch}的资料，放在本文件夹（{period_label}）。",
        "资料有变化时自动更新（文件名不变），每次更新记在本说明最后。请不要在本文件夹里放报表：",
        f"放在这里的文件不会被接收，报表请放入上一级的 {branch} 文件夹。",
        "",
        f"本文件夹现有（{now:%Y-%m-%d %H:%M} 更新）：",
    ]
    lines += [f"  · {s.name}：{s.summary}" for s in shelves]
    if absent:
        lines += ["", "尚未下发（收到后自动放入）：", *(f"  · {a}" for a in absent)]
    entry = f"{now:%Y-%m-%d %H:%M}  " + "；".join(
        f"{STATE_WORDS.get(c.state, c.state)} {c.name}" for c in changes
    )
    history = [entry, *_history(previous)][:HISTORY_KEPT]
    return "\n".join([*lines, "", HISTORY_MARK, *history, ""])


def _history(previous: str | None) -> list[str]:
    if not previous or HISTORY_MARK not in previous:
        return []
    tail = previous.split(HISTORY_MARK, 1)[1]
    return [line for line in tail.splitlines() if line.strip()]


def read_guide(folder: Path) -> str | None:
    """The guide as it is now, if there is one (any encoding problem: start afresh)."""
    try:
        return (folder / GUIDE_NAME).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
