"""Reach a dropped file without following symbolic links: regular files inside the inbox only.

Anyone who can write to a branch's share can leave a link there. Followed, it would import (and
then delete) files from wherever the service account reaches, or copy /proc/self/environ into the
store. So every path component below the inbox is opened relative to its parent with O_NOFOLLOW
(openat), and the file must be a regular file when opened: a link swapped in after the listing is
refused as well. Where the platform has neither (Windows), each component is checked with lstat
just before use. The inbox folder itself may be a link or a mount point (a share mounted at
<workspace>/inbox is how the README sets it up): it is the administrator's, not the branches'.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

HEAD_BYTES = 1 << 20  # what is read of a file too large to read whole
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_AT = bool(_NOFOLLOW) and os.open in os.supports_dir_fd and os.unlink in os.supports_dir_fd
_READ = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
# A FIFO would block open() until someone writes to it; O_NONBLOCK opens it at once, and is
# then refused for not being a regular file. It changes nothing for regular files.
_READ_FILE = _READ | getattr(os, "O_NONBLOCK", 0)
_READ_DIR = _READ | getattr(os, "O_DIRECTORY", 0)
_LINK_ERRNOS = {errno.ELOOP, errno.ENOTDIR, getattr(errno, "EMLINK", errno.ELOOP)}


class NotRegularFile(OSError):
    """A link, a folder, a device or a pipe where a dropped file was expected."""


def is_link(info: os.stat_result) -> bool:
    """A symbolic link, or on Windows any reparse point (a junction, a mount)."""
    if stat.S_ISLNK(info.st_mode):
        return True
    reparse = getattr(stat, "FILE_ATTRIBUTE_REPARSE_POINT", 0)
    return bool(getattr(info, "st_file_attributes", 0) & reparse)


def read_drop(inbox: Path, relative: str, limit: int) -> tuple[os.stat_result, bytes]:
    """inbox/`relative` (a "/"-separated path): its stat and its bytes, whole when it holds at
    most `limit` bytes, else its first MiB. NotRegularFile when a component is a link or the
    file is not a regular file; FileNotFoundError when it has gone."""
    parts = _parts(relative)
    with _folder(inbox, parts[:-1]) as folder:
        fd = _open_file(folder, parts[-1], Path(inbox, *parts))
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFile(errno.EINVAL, "不是普通文件", str(Path(inbox, *parts)))
        data = handle.read() if info.st_size <= limit else handle.read(HEAD_BYTES)
    return info, data


def remove_drop(inbox: Path, relative: str, size: int, mtime_ns: int) -> bool:
    """Remove inbox/`relative` if it is still the regular file we read (same size and mtime);
    False when it changed (saved again: a new drop), went, or a link took its place."""
    parts = _parts(relative)
    try:
        with _folder(inbox, parts[:-1]) as folder:
            info = _lstat(folder, parts[-1])
            if not stat.S_ISREG(info.st_mode) or (info.st_size, info.st_mtime_ns) != (
                size,
                mtime_ns,
            ):
                return False
            _unlink(folder, parts[-1])
    except (FileNotFoundError, NotRegularFile):
        return False
    return True


def check_inside(inbox: Path, relative: str) -> None:
    """NotRegularFile unless every component of inbox/`relative` below the inbox is a real
    folder and the last one a regular file (checked with lstat, before a move)."""
    parts = _parts(relative)
    path = Path(inbox)
    for index, part in enumerate(parts):
        path = path / part
        info = path.lstat()
        last = index == len(parts) - 1
        if is_link(info) or not (stat.S_ISREG if last else stat.S_ISDIR)(info.st_mode):
            raise NotRegularFile(errno.ELOOP, "是快捷方式（符号链接）或不是普通文件", str(path))


# --- one component at a time ----------------------------------------------------------------


def _parts(relative: str) -> tuple[str, ...]:
    parts = PurePosixPath(relative).parts
    if not parts or any(p in ("", ".", "..") or "/" in p or "\\" in p for p in parts):
        raise NotRegularFile(errno.EINVAL, "不在收件箱内", relative)
    return parts


@contextmanager
def _folder(inbox: Path, parts: tuple[str, ...]) -> Iterator[int | Path]:
    """The folder holding the file: an open descriptor (openat platforms) or a checked path."""
    if not _AT:
        path = Path(inbox)
        for part in parts:
            path = path / part
            info = path.lstat()
            if is_link(info) or not stat.S_ISDIR(info.st_mode):
                raise NotRegularFile(errno.ELOOP, "是快捷方式（符号链接）", str(path))
        yield path
        return
    fd = os.open(inbox, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))  # the inbox may be a link
    try:
        for index, part in enumerate(parts):
            try:
                inner = os.open(part, _READ_DIR, dir_fd=fd)
            except OSError as exc:
                _refuse_link(exc, fd, part, Path(inbox, *parts[: index + 1]))
                raise
            os.close(fd)
            fd = inner
        yield fd
    finally:
        os.close(fd)


def _open_file(folder: int | Path, name: str, shown: Path) -> int:
    if isinstance(folder, Path):
        if is_link((folder / name).lstat()):
            raise NotRegularFile(errno.ELOOP, "是快捷方式（符号链接）", str(shown))
        return os.open(folder / name, _READ_FILE)
    try:
        return os.open(name, _READ_FILE, dir_fd=folder)
    except OSError as exc:
        _refuse_link(exc, folder, name, shown)
        raise


def _refuse_link(exc: OSError, folder: int, name: str, shown: Path) -> None:
    """Turn the errors O_NOFOLLOW gives for a link (ELOOP; EMLINK on FreeBSD) into ours."""
    if isinstance(exc, FileNotFoundError) or exc.errno not in _LINK_ERRNOS:
        return
    try:
        info = os.stat(name, dir_fd=folder, follow_symlinks=False)
    except OSError:
        return
    if is_link(info) or exc.errno == errno.ENOTDIR:
        raise NotRegularFile(errno.ELOOP, "是快捷方式（符号链接）", str(shown)) from exc


def _lstat(folder: int | Path, name: str) -> os.stat_result:
    if isinstance(folder, Path):
        return (folder / name).lstat()
    return os.stat(name, dir_fd=folder, follow_symlinks=False)


def _unlink(folder: int | Path, name: str) -> None:
    if isinstance(folder, Path):
        (folder / name).unlink()
    else:
        os.unlink(name, dir_fd=folder)
