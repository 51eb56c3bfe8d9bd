"""Notices written into a drop folder's 回执/: plain text for Windows Notepad (UTF-8 with BOM,
CRLF), written beside the target and renamed into place, never overwriting an earlier one.

`write_notice` is the reusable part; `ruling_notices` words 销售管理部's 撞单 ruling for both
branches. Like every answer to a branch, a notice carries the masked phone only, and the
claimant learns nothing of the owner's record beyond who owns the customer.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from branchflow.archive.console import Ruling
from branchflow.config import RECEIPTS_DIR, Settings
from branchflow.feedback import ILLEGAL_CHARACTERS, safe_file_part


def write_notice(folder: Path, name: str, lines: Sequence[str], now: datetime) -> Path:
    """`folder/<name>-<YYYYmmdd-HHMMSS>.txt` (-2, -3… if taken); returns the path written."""
    folder.mkdir(parents=True, exist_ok=True)
    base = f"{safe_file_part(name)}-{now:%Y%m%d-%H%M%S}"
    text = ILLEGAL_CHARACTERS.sub("", "\n".join(lines) + "\n").replace("\n", "\r\n")
    number = 1
    while True:
        path = folder / (f"{base}.txt" if number == 1 else f"{base}-{number}.txt")
        temp = folder / f".{path.name}.{secrets.token_hex(6)}.tmp"
        temp.write_bytes(text.encode("utf-8-sig"))
        try:
            # A hard link fails if the name exists: two notices in one second never clash.
            temp.hardlink_to(path)
            return path
        except FileExistsError:
            number += 1
        except OSError:
            if path.exists():
                number += 1
                continue
            temp.replace(path)  # a filesystem without hard links (some shares)
            return path
        finally:
            temp.unlink(missing_ok=True)


def ruling_notices(settings: Settings, ruling: Ruling) -> list[Path]:
    """The ruling, told to the first registrant and to the later branch, in their 回执/."""
    written = []
    for branch in dict.fromkeys((ruling.owner_branch, ruling.claimant_branch)):
        folder = settings.inbox / branch / RECEIPTS_DIR
        lines = ruling_lines(ruling, branch, settings.timezone, settings.company)
        written.append(write_notice(folder, "撞单裁定通知", lines, ruling.decided_at))
    return written


def ruling_lines(ruling: Ruling, branch: str, tz: object, company: str) -> list[str]:
    decided = ruling.decided_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")  # type: ignore[arg-type]
    if ruling.moved:
        outcome = f"客户改归{ruling.winner_branch}（原归属{ruling.previous_owner}）"
    else:
        outcome = f"客户继续归属{ruling.winner_branch}"
    role = "首次登记方" if branch == ruling.owner_branch else "后报方"
    return [
        f"【{company}】撞单裁定通知",
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
