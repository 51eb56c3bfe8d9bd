"""待报提醒: a short note in a drop folder's 回执/ about what falls due in the next few days.

One file per folder per day (待报提醒-2026-11-22.txt), written only when something due in the
window has no accepted drop yet, and never written twice on one day, so `branchflow remind` and
the watcher's daily call can both run without sending the same reminder again.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from branchflow.archive.store import Archive
from branchflow.calendar.deadlines import deliverables_due_between
from branchflow.calendar.matrix import Submission, assess_all, index_drops
from branchflow.config import BLANKS_DIR, RECEIPTS_DIR, Settings
from branchflow.errors import BranchflowError
from branchflow.templates.definitions import KIND_NAMES

REMIND_DAYS = 3
REMINDER_NAME = "待报提醒"
WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True)
class Reminder:
    """What one drop folder is reminded of today, and where the note is."""

    owner: str
    items: tuple[Submission, ...]
    path: Path
    written: bool  # False: today's note was already there (nothing written this time)

    def as_json(self) -> dict[str, Any]:
        return {
            "branch": self.owner,
            "path": str(self.path),
            "written": self.written,
            "items": [s.as_json() for s in self.items],
        }


def write_reminders(settings: Settings, archive: Archive, now: datetime) -> list[Path]:
    """Write today's reminders that are not written yet; returns the files written (the
    watcher calls this once a day; calling it again the same day writes nothing)."""
    return [r.path for r in send_reminders(settings, archive, now) if r.written]


def send_reminders(
    settings: Settings, archive: Archive, now: datetime, days: int = REMIND_DAYS
) -> list[Reminder]:
    """Every folder with something due within `days` days and not accepted, its note written
    unless it already was today. Folders with nothing outstanding get nothing."""
    reminders = []
    for owner, items in due_soon(settings, archive, now, days).items():
        path = reminder_path(settings, owner, now)
        written = _write_once(path, reminder_text(settings, owner, items, now, days))
        reminders.append(Reminder(owner, tuple(items), path, written))
    return reminders


def due_soon(
    settings: Settings, archive: Archive, now: datetime, days: int = REMIND_DAYS
) -> dict[str, list[Submission]]:
    """Deliverables due from now to the end of the day `days` days ahead that have no accepted
    drop, by drop folder (configured order, HQ last), soonest first."""
    today = now.astimezone(settings.timezone).date()
    window = deliverables_due_between(settings, today, today + timedelta(days=days))
    open_items = [d for d in window if not d.missed_by(now)]
    drops = index_drops(settings, archive.ledger())
    pending: dict[str, list[Submission]] = {}
    for s in assess_all(settings, open_items, drops, now):
        if not s.accepted:
            pending.setdefault(s.branch, []).append(s)
    return {owner: sorted(items, key=lambda s: s.due) for owner, items in pending.items()}


def reminder_path(settings: Settings, owner: str, now: datetime) -> Path:
    day = now.astimezone(settings.timezone).date()
    return settings.inbox / owner / RECEIPTS_DIR / f"{REMINDER_NAME}-{day.isoformat()}.txt"


def reminder_text(
    settings: Settings, owner: str, items: Sequence[Submission], now: datetime, days: int
) -> str:
    """The note itself, in plain Chinese."""
    today = now.astimezone(settings.timezone).date()
    lines = [
        f"{REMINDER_NAME}（{owner}，{today:%Y-%m-%d}）",
        "",
        f"以下报表 {days} 天内截止，目前还没有收到通过的版本：",
        "",
    ]
    for number, s in enumerate(items, start=1):
        lines.append(f"  {number}. {describe_item(s, today)}")
        if s.cutoff is not None:
            lines.append(f"     另：{_day(s.cutoff)}{s.cutoff:%H:%M} 为月报统计截止。")
        if s.state == "rejected":
            lines.append(
                "     上次报送的文件已退回，请按“回执”中退回文件第一页的“错误清单”改正后重新放入。"
            )
    lines += [
        "",
        f"从“{BLANKS_DIR}”文件夹复制对应模板填写，填好后放入“{owner}”文件夹，"
        f"几秒钟后到“{RECEIPTS_DIR}”文件夹查看结果。",
        "已经报送并收到回执的，请忽略本提醒。",
        "",
        f"—— {settings.company} branchflow，{now:%Y-%m-%d %H:%M}",
    ]
    return "\n".join(lines) + "\n"


def describe_item(s: Submission, today: date) -> str:
    """「月度工作总结及下月工作计划 2026-11：11月25日（星期三）23:59 前，还有 3 天」."""
    left = (s.due.date() - today).days
    when = {0: "今天截止", 1: "明天截止"}.get(left, f"还有 {left} 天")
    name = KIND_NAMES.get(s.deliverable, s.deliverable)
    return f"{name} {s.period}：{_day(s.due)}{s.due:%H:%M} 前，{when}"


def reminder_lines(reminders: Sequence[Reminder], settings: Settings, days: int) -> list[str]:
    """What `branchflow remind` prints."""
    if not reminders:
        return [f"{days} 天内截止的报表都已收到（或没有报表截止），无需提醒。"]
    lines = []
    for r in reminders:
        where = r.path.relative_to(settings.workspace).as_posix()
        note = f"已写入 {where}" if r.written else f"今天已提醒过（{where}），未重复写入"
        lines.append(f"{r.owner}：{note}")
        today = r.path.stem.removeprefix(f"{REMINDER_NAME}-")
        lines += [f"  · {describe_item(s, date.fromisoformat(today))}" for s in r.items]
    return lines


def _day(moment: datetime) -> str:
    return f"{moment.month}月{moment.day}日（星期{WEEKDAYS[moment.weekday()]}）"


def _write_once(path: Path, text: str) -> bool:
    """Create `path` (UTF-8 with BOM, CRLF, for Notepad) unless it exists; True if we did."""
    if path.exists():
        return False
    data = text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8-sig")
    temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp.write_bytes(data)
        return _publish(temp, path)
    except OSError as exc:
        raise BranchflowError(f"无法写入待报提醒 {path}：{exc}；请检查该文件夹的写入权限") from exc
    finally:
        temp.unlink(missing_ok=True)


def _publish(temp: Path, path: Path) -> bool:
    """Move the finished note into place without ever replacing one already there."""
    try:
        path.hardlink_to(temp)  # atomic and exclusive: of two writers, one wins
    except FileExistsError:
        return False
    except OSError:  # no hard links on this share: a rename, checked just before
        if path.exists():
            return False
        temp.replace(path)
    return True
