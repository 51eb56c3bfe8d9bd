"""Every drop's original bytes, kept content-addressed under the originals folder."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from branchflow.errors import StoreError
from branchflow.intake import IncomingFile

_SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,8}$")


def original_relative(sha256: str, name: str) -> str:
    """`ab/abcdef….xlsx`: two hex digits of fan-out, the hash, the dropped file's suffix."""
    suffix = Path(name).suffix.lower()
    if not _SUFFIX.match(suffix):
        suffix = ""
    return f"{sha256[:2]}/{sha256}{suffix}"


def keep_original(originals_dir: Path, incoming: IncomingFile) -> str:
    """Write the bytes once (temp file, fsync, rename); returns the path relative to the folder."""
    relative = original_relative(incoming.sha256, incoming.path.name)
    target = originals_dir / relative
    if target.is_file() and target.stat().st_size == len(incoming.data):
        return relative
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".part-", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(incoming.data)
                handle.flush()
                os.fsync(handle.fileno())
            Path(temp).replace(target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        _fsync_dir(target.parent)
    except OSError as exc:
        raise StoreError(
            f"无法保存 {incoming.relative} 的原始文件到 {originals_dir}：{exc}；"
            f"请检查磁盘空间和该目录的写权限"
        ) from exc
    return relative


def _fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable on POSIX; Windows cannot open a directory for this.
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
