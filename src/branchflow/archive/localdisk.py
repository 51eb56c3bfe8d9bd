"""Is a path on a network filesystem? SQLite must not live there; the watcher polls there.

Linux reads /proc/mounts, Windows asks GetDriveType; elsewhere (macOS) nothing is detected and
the answer is None, as it is whenever the question cannot be answered.
"""

from __future__ import annotations

import sys
from pathlib import Path, PurePosixPath

from branchflow.errors import StoreError

NETWORK_FS_TYPES = frozenset(
    {"cifs", "smb3", "smbfs", "nfs", "nfs4", "fuse.sshfs", "afs", "ncpfs", "davfs", "fuse.rclone"}
)
DRIVE_REMOTE = 4  # GetDriveTypeW's answer for a mapped drive or a UNC share
_MOUNTS = Path("/proc/mounts")


def network_fs_type(path: Path) -> str | None:
    """The network filesystem holding `path` (e.g. "cifs", "nfs4", "smb"), or None."""
    if sys.platform == "win32":
        return _windows_remote(path)
    if not sys.platform.startswith("linux"):
        return None
    try:
        table = _MOUNTS.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return fs_type_from_mounts(_nearest_existing(path), table)


def fs_type_from_mounts(path: Path, mounts: str) -> str | None:
    """The network fs type of the innermost mount holding `path`, from /proc/mounts text."""
    target = PurePosixPath(path)
    best: tuple[int, str] | None = None
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        point = PurePosixPath(_unescape(fields[1]))
        if point == target or point in target.parents:
            depth = len(point.parts)
            if best is None or depth >= best[0]:  # later mounts over the same point win
                best = (depth, fields[2])
    if best is None or best[1] not in NETWORK_FS_TYPES:
        return None
    return best[1]


def refuse_network_store(database: Path) -> None:
    """Raise StoreError when the SQLite database would live on a network filesystem."""
    kind = network_fs_type(database.parent)
    if kind is None:
        return
    raise StoreError(
        f"档案数据库 {database} 位于网络文件系统（{kind}）上，已拒绝打开：SQLite 放在网络共享上"
        f"加锁不可靠，会损坏档案。请把工作区的 store/ 目录（或 branchflow.toml [store] url "
        f"指向的位置）放在本机磁盘上；收件箱 inbox/ 可以在网络共享上，监视时用 "
        f"branchflow watch --polling"
    )


def _nearest_existing(path: Path) -> Path:
    """The path itself or its closest existing ancestor, symlinks resolved (a new store)."""
    absolute = path.absolute()
    for candidate in (absolute, *absolute.parents):
        if candidate.exists():
            return candidate.resolve()
    return absolute


def _unescape(field: str) -> str:
    r"""/proc/mounts writes space, tab, newline and backslash as \040, \011, \012, \134."""
    for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(code, char)
    return field


def _windows_remote(path: Path) -> str | None:
    if sys.platform != "win32":
        return None
    import ctypes

    anchor = _nearest_existing(path).anchor
    if not anchor:
        return None
    drive_type = ctypes.windll.kernel32.GetDriveTypeW(anchor)
    return "smb" if drive_type == DRIVE_REMOTE else None
