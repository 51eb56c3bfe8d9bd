"""A drop whose processing crashed goes to store/quarantine/ with a note for HQ; the branch is
told HQ will look at it. Nothing is lost, and the watcher does not try the file again."""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

from branchflow import feedback
from branchflow.config import RECEIPTS_DIR, Settings
from branchflow.nofollow import check_inside
from branchflow.printable import printable

QUARANTINE_DIR = "quarantine"  # under store/: drops that broke processing, kept for HQ
NOTE_SUFFIX = ".错误.txt"
# A name stays under 255 bytes with everything we add around it: "12-" from _free_name, the
# note's suffix, the ".tmp" and ".part" names written on the way.
NAME_BYTES = 255 - len(f"99-.{NOTE_SUFFIX}.tmp".encode())
FOLDER_BYTES = 60


def quarantine_file(path: Path, settings: Settings, detail: str) -> tuple[Path, Path]:
    """Move the drop to store/quarantine/ (never lost), note why for HQ, and tell the branch HQ
    will look at it. Returns (where it went, the branch's receipt)."""
    now = settings.now()
    relative = path.relative_to(settings.inbox).as_posix()
    folder = relative.split("/", 1)[0]
    stamp = f"{now:%Y%m%d-%H%M%S}"
    check_inside(settings.inbox, relative)  # a link put in its place is never moved
    head = f"{stamp}-{feedback.safe_file_part(folder, max_bytes=FOLDER_BYTES)}-"
    target = _free_name(
        settings.store_dir / QUARANTINE_DIR,
        head + feedback.fit_file_name(path.name, NAME_BYTES - len(head.encode())),
    )
    _move(path, target)
    _write_note(
        target.with_name(f"{target.name}{NOTE_SUFFIX}"),
        [f"文件：inbox/{printable(relative)}", f"时间：{now:%Y-%m-%d %H:%M:%S}",
         "处理时出现内部错误，原件即本目录同名文件；核查后可放回分中心文件夹重新处理。",
         "", detail],
    )  # fmt: skip
    receipt = _free_name(
        settings.inbox / folder / RECEIPTS_DIR,
        f"待核查-{feedback.safe_file_part(path.stem)}-{stamp}.txt",
    )
    _write_note(
        receipt,
        [f"【{settings.company}】文件已收到，暂未入库，已转总部核查。",
         f"文件：{printable(path.name)}", f"收到时间：{now:%Y-%m-%d %H:%M}", "",
         "处理这个文件时系统内部出错（不是你们填写的问题）。文件已原样转交总部核查，不会丢失；",
         "总部核查处理后会告知结果，暂时不需要重新报送。"],
    )  # fmt: skip
    return target, receipt


def _free_name(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path, number = folder / name, 2
    while path.exists():
        path, number = folder / f"{number}-{name}", number + 1
    return path


def _move(source: Path, target: Path) -> None:
    """Rename when we can; across filesystems (an inbox on a share) copy, sync, then remove."""
    try:
        source.replace(target)
        return
    except (PermissionError, FileNotFoundError):
        raise
    except OSError:
        pass
    temp = target.with_name(f".{target.name}.part")
    shutil.copy2(source, temp, follow_symlinks=False)
    with temp.open("rb+") as handle:
        os.fsync(handle.fileno())
    temp.replace(target)
    with contextlib.suppress(OSError):  # still held open: the watcher remembers it is handled
        source.unlink()


def _write_note(path: Path, lines: list[str]) -> None:
    """UTF-8 with BOM and CRLF (Notepad), written beside the target and renamed into place."""
    temp = path.with_name(f".{path.name}.tmp")
    text = "\n".join(lines).replace("\r\n", "\n") + "\n"
    temp.write_bytes(text.replace("\n", "\r\n").encode("utf-8-sig"))
    temp.replace(path)
