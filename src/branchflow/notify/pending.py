"""`branchflow notify pending`: what waits in the outbox, and what was given up."""

from __future__ import annotations

from datetime import datetime

from branchflow.archive.outbox import OutboxRow
from branchflow.archive.store import Archive
from branchflow.config import Settings
from branchflow.notify import messages
from branchflow.notify.settings import EVENT_NAMES

PREVIEW = 40  # characters of a message's first lines shown per row


def pending_lines(settings: Settings, archive: Archive) -> list[str]:
    """One line per waiting or failed message, newest last, then a count."""
    rows = archive.outbox.listing()
    if not settings.notify.channels and not rows:
        return ["没有配置通知渠道（branchflow.toml 的 [[notify.channels]]），也没有待发的通知。"]
    if not rows:
        return ["没有待发送或发送失败的通知。"]
    waiting = [r for r in rows if r.status == "pending"]
    failed = [r for r in rows if r.status == "failed"]
    lines = [_line(settings, r) for r in rows]
    lines.append(f"共 {len(waiting)} 条待发，{len(failed)} 条已放弃。")
    return lines


def _line(settings: Settings, row: OutboxRow) -> str:
    when = _local(settings, row.created_at)
    event = EVENT_NAMES.get(row.event, row.event)
    text = row.body.replace(messages.RECEIPT_TOKEN, "回执/").replace("\n", " ")
    preview = text if len(text) <= PREVIEW else text[:PREVIEW] + "…"
    if row.status == "failed":
        state = f"已放弃：{row.last_error or '未知原因'}"
    elif row.attempts or row.last_error:
        retry = _local(settings, row.next_attempt_at)
        state = f"第 {row.attempts} 次失败（{row.last_error}），{retry} 重试"
    elif row.next_attempt_at > row.created_at:
        state = f"{_local(settings, row.next_attempt_at)} 发送"
    else:
        state = "待发"
    return f"#{row.id}  {when}  {row.channel}  {event}·{row.scope}  {state}  {preview}"


def _local(settings: Settings, moment: datetime) -> str:
    return f"{moment.astimezone(settings.timezone):%m-%d %H:%M}"
