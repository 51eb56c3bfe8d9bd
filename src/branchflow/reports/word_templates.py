"""The Word templates (templates/word/*.docx): generated from code, then HQ's to restyle in Word.

`install_word_templates` writes the ones a workspace lacks and never overwrites one that exists,
so HQ's edits survive; `python -m branchflow.reports DIR` regenerates them all
(the repository's committed copies).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

from branchflow.errors import WorkspaceError
from branchflow.reports import (
    briefing,
    leads,
    meeting,
    monthly,
    packets,
    plans,
    submissions,
    summary,
    weekly,
)

WORD_DIR = "word"  # under the workspace's templates/
BUILDERS: dict[str, Callable[[], bytes]] = {
    monthly.TEMPLATE: monthly.template,
    summary.TEMPLATE: summary.template,
    packets.TEMPLATE: packets.template,
    leads.TEMPLATE: leads.template,
    meeting.TEMPLATE: meeting.template,
    submissions.TEMPLATE: submissions.template,
    weekly.TEMPLATE: weekly.template,
    # sent to the branches (distribute/): HQ's briefing and the departments' and projects' plans
    briefing.TEMPLATE: briefing.template,
    plans.TEMPLATE: plans.template,
}
_FIXED_TIME = (2026, 1, 1, 0, 0, 0)


def build_template(name: str) -> bytes:
    """A template as the code builds it, byte-for-byte the same on every run."""
    return _stable(BUILDERS[name]())


def install_word_templates(target_dir: Path, overwrite: bool = False) -> list[Path]:
    """Write every missing template into `target_dir` (templates/word/); returns those written."""
    try:
        target_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WorkspaceError(f"无法创建文件夹 {target_dir}：{exc}；请检查路径和写入权限") from exc
    written = []
    for name in BUILDERS:
        path = target_dir / name
        if path.exists() and not overwrite:
            continue
        temp = path.with_name(f".{path.stem}.tmp.docx")
        try:
            temp.write_bytes(build_template(name))
            temp.replace(path)
        except OSError as exc:
            temp.unlink(missing_ok=True)
            raise WorkspaceError(
                f"无法写入 {path}：{exc}；如果它正在 Word 中打开，请关闭后重试"
            ) from exc
        written.append(path)
    return written


def _stable(data: bytes) -> bytes:
    """Re-pack with fixed member times, so regenerating an unchanged template changes nothing."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as packed:
        for member in source.infolist():
            info = zipfile.ZipInfo(member.filename, _FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            packed.writestr(info, source.read(member))
    return out.getvalue()
