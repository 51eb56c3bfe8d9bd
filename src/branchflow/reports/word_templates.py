"""The Word templates (templates/word/*.docx): generated from code, then HQ's to restyle in Word.

`install_word_templates` writes the ones a workspace lacks, and replaces one still exactly as an
earlier version built it; it never overwrites one HQ edited, so HQ's edits survive.
`python -m branchflow.reports DIR` regenerates them all (the repository's committed copies).
"""

from __future__ import annotations

import hashlib
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
# sha256 of each template as earlier versions built it: a workspace file still byte-for-byte one
# of these was never edited, so it is replaced by the current design (an edited one never is)
SUPERSEDED: dict[str, frozenset[str]] = {
    "例会资料.docx": frozenset(
        {
            "6ae392e75b1d6cf3157946293b699ab69e9d49011fff8ec6bc7851d0c61b974c",
            "ab4302e6a6e011fb8b206e446b34371685173d7466f669e054fcacb56ceb6961",
        }
    ),
    "报送考核.docx": frozenset(
        {
            "6ca7cf2a66588b45ec1c764d437a6eb6d15795ed477760230738af57e456eccb",
        }
    ),
    "月度工作总结-汇总.docx": frozenset(
        {
            "cd8619b106b996843f0f1a47490f5165e3cf13fb33e4a58b682bc28f9f918570",
        }
    ),
    "月度工作总结.docx": frozenset(
        {
            "550ca4152c1f31a71202bd12013d46deac9d445705e6b369ea36c0b150c754b1",
        }
    ),
    "营销活动周报.docx": frozenset(
        {
            "d8c1e6b921dd510b1658c333c086768a87352eec0726f4d5331dc91e0e53b8c9",
        }
    ),
    "部门资料包.docx": frozenset(
        {
            "33a77d9d57ed7f49678f940097179419eb52b5d9e2b8f19955739df12563c57c",
            "1aaed278573b7ac4e0d8d74d2c8bffcb74cc986f51271105328a980b6a90b3ac",
        }
    ),
    "项目客户清单.docx": frozenset(
        {
            "4ed716e4dda289558fff52ea885444368da380fddbfba431acfc41772323f541",
            "4765ae53b49831a4a0847f5df2211ce27b3b59e34608f0fb483385b0a5acdf48",
        }
    ),
}


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
        if path.exists() and not overwrite and not _superseded(path):
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


def _superseded(path: Path) -> bool:
    """An earlier built-in design nobody has edited (not one HQ restyled)."""
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return False
    return digest in SUPERSEDED.get(path.name, frozenset())


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
