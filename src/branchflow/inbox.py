"""List the drops waiting in the inbox: regular files in real folders, never through a link.

A branch folder is walked without following anything: a symbolic link (to a file or a folder,
`ln -s .. loop` included) is left alone and reported, as is anything that is not a regular
file (a pipe, a device). So a drop can only be a file that lies inside inbox/<folder>/, and
the inbox is walked once however its folders point at each other. The inbox folder itself may
be a link or a mount (the README's network share); a branch folder may not: a link there could
point at another branch's folder or anywhere on the machine.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from branchflow import intake
from branchflow.config import RESERVED_DIRS
from branchflow.nofollow import is_link

LINK_NOTE = "是快捷方式（符号链接），出于安全原因不处理：请把文件本身放入本分中心文件夹"
FOLDER_LINK_NOTE = (
    "分中心文件夹是快捷方式（符号链接），出于安全原因不处理：请使用真实的文件夹"
    "（网络共享请挂载到 inbox 文件夹本身）"
)
SPECIAL_NOTE = "不是普通文件（管道、设备等），未处理"
ROOT_FILE_NOTE = "inbox 根目录下的文件不处理：请放入本分中心文件夹"


@dataclass(frozen=True)
class LeftAlone:
    """Something in the inbox we do not process, and the plain reason why."""

    path: Path
    note: str


def list_drops(inbox: Path, folders: set[str]) -> tuple[list[Path], list[LeftAlone]]:
    """Every regular file waiting in one of `folders` (sorted), and what we leave alone."""
    ready: list[Path] = []
    left: list[LeftAlone] = []
    if not inbox.is_dir():
        return ready, left
    for entry in _entries(inbox):
        path = Path(entry.path)
        if _real_folder(entry):
            if entry.name in folders:
                _walk(path, ready, left)
            elif not entry.name.startswith("."):
                found: list[Path] = []
                _walk(path, found, left)
                note = f"“{entry.name}”不是配置的分中心文件夹，未处理"
                left.extend(LeftAlone(p, note) for p in found)
        elif _is_link_entry(entry):
            if entry.name in folders:
                left.append(LeftAlone(path, FOLDER_LINK_NOTE))
            elif not entry.name.startswith("."):
                left.append(LeftAlone(path, LINK_NOTE))
        elif entry.is_file(follow_symlinks=False) and not intake.is_litter(entry.name):
            left.append(LeftAlone(path, ROOT_FILE_NOTE))
    return ready, left


def walk_folder(folder: Path) -> tuple[list[Path], list[LeftAlone]]:
    """The regular files under one folder (a folder moved into a branch folder, say)."""
    ready: list[Path] = []
    left: list[LeftAlone] = []
    _walk(folder, ready, left)
    return ready, left


def _walk(top: Path, ready: list[Path], left: list[LeftAlone]) -> None:
    """Depth first in name order, as a listing reads; with a stack of our own, since a hostile
    nest of folders has no depth limit."""
    stack = [iter(_entries(top))]
    while stack:
        entry = next(stack[-1], None)
        if entry is None:
            stack.pop()
        elif _real_folder(entry):
            if entry.name not in RESERVED_DIRS and not entry.name.startswith("."):
                stack.append(iter(_entries(Path(entry.path))))
        elif _is_link_entry(entry):
            # A link to a folder has no suffix: it is not litter. One named 回执 is ours to
            # replace when we answer (feedback.py), not the branch's drop.
            if entry.name not in RESERVED_DIRS and not entry.name.startswith("."):
                left.append(LeftAlone(Path(entry.path), LINK_NOTE))
        elif not intake.is_litter(entry.name):
            _file(entry, ready, left)


def _is_link_entry(entry: os.DirEntry[str]) -> bool:
    try:
        return is_link(entry.stat(follow_symlinks=False))
    except FileNotFoundError:
        return False


def _real_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False) and not is_link(
            entry.stat(follow_symlinks=False)
        )
    except FileNotFoundError:
        return False


def _file(entry: os.DirEntry[str], ready: list[Path], left: list[LeftAlone]) -> None:
    path = Path(entry.path)
    try:
        info = entry.stat(follow_symlinks=False)
    except FileNotFoundError:
        return
    if is_link(info):
        left.append(LeftAlone(path, LINK_NOTE))
    elif entry.is_file(follow_symlinks=False):
        ready.append(path)
    else:
        left.append(LeftAlone(path, SPECIAL_NOTE))


def _entries(folder: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as found:
            return sorted(found, key=lambda e: e.name)
    except (FileNotFoundError, NotADirectoryError):  # moved away while we looked
        return []
