"""销售管理部's 撞单 ruling, told to both branches in their 回执/ (through feedback.write_notice:
plain text for Windows Notepad, never overwriting an earlier notice). Like every answer to a
branch, a notice carries the masked phone only, and the claimant learns nothing of the owner's
record beyond who owns the customer.
"""

from __future__ import annotations

from pathlib import Path

from branchflow.archive.console import Ruling
from branchflow.config import RECEIPTS_DIR, Settings
from branchflow.feedback import write_notice


def ruling_notices(settings: Settings, ruling: Ruling) -> list[Path]:
    """The ruling, told to the first registrant and to the later branch, in their 回执/."""
    written = []
    for branch in dict.fromkeys((ruling.owner_branch, ruling.claimant_branch)):
        folder = settings.inbox / branch / RECEIPTS_DIR
        lines = ruling_lines(ruling, branch, settings.timezone)
        notice = write_notice(folder, "撞单裁定通知", lines, ruling.decided_at, settings.company)
        written.append(notice)
    return written


def ruling_lines(ruling: Ruling, branch: str, tz: object) -> list[str]:
    decided = ruling.decided_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")  # type: ignore[arg-type]
    if ruling.moved:
        outcome = f"客户改归{ruling.winner_branch}（原归属{ruling.previous_owner}）"
    else:
        outcome = f"客户继续归属{ruling.winner_branch}"
    role = "首次登记方" if branch == ruling.owner_branch else "后报方"
    return [
        f"致：{branch}（本撞单中的{role}）",
        "",
        f"手机号 {ruling.masked_phone} 的客户由{ruling.owner_branch}先登记、"
        f"{ruling.claimant_branch}后报，形成撞单。",
        f"销售管理部裁定：{outcome}。",
        f"裁定理由：{ruling.reason}",
        f"裁定人：{ruling.decided_by}　裁定时间：{decided}",
        "",
        _advice(ruling, branch),
        "本裁定已记入客户总档案，下次导出的总档案和月度文档按此归属。",
    ]


def _advice(ruling: Ruling, branch: str) -> str:
    if ruling.winner_branch == branch:
        return "此客户由本分中心跟进，请在客户档案中继续登记跟进记录。"
    if ruling.previous_owner == branch:
        return "此客户已不再归属本分中心，请停止跟进；如有异议请联系销售管理部。"
    return f"此客户归属{ruling.winner_branch}，请勿跟进；如有异议请联系销售管理部。"
