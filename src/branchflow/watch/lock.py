"""One watcher per workspace: an OS lock on store/watch.lock, held for the watcher's lifetime.

The operating system drops the lock when the process ends, however it ends (kill -9 included),
so a stale lock cannot exist and there is nothing to clean up by hand. The file itself only
carries who holds it, for the message the second watcher prints before it exits.

With a PostgreSQL store several machines may each run a watcher on one shared inbox: the lock
is then one per machine (store/watch-<host>.lock), so it still keeps a second watcher off this
machine but never another machine's, even when the workspace folder itself is shared. Between
machines the claims in the database (archive/claims.py) make sure each file is processed once.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from types import TracebackType

from branchflow.archive.db import is_server, store_url
from branchflow.config import Settings
from branchflow.errors import BranchflowError

LOCK_NAME = "watch.lock"
HOST_LOCK_NAME = "watch-{host}.lock"  # with a database-server store: one lock per machine
COMMANDS = ("watch", "ingest", "store rebuild", "store purge")
_LOCK_OFFSET = 1 << 20  # Windows locks a byte range: lock one far past the holder's note


class WatchLocked(BranchflowError):
    """Another process holds the workspace's watch lock."""


class WorkspaceLock:
    """An exclusive, non-blocking OS lock on a file (fcntl.flock; msvcrt.locking on Windows)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self, holder: str) -> None:
        """Take the lock or raise WatchLocked naming who holds it; `holder` describes us
        ("ingest，进程 123，…": the command first)."""
        fd = self._open()
        try:
            _lock(fd)
        except OSError:
            other = _read_note(fd)
            os.close(fd)
            command = other.split("，", 1)[0] if other else ""
            running = f"branchflow {command if command in COMMANDS else '进程'}"
            ours = holder.split("，", 1)[0]
            raise WatchLocked(
                f"此工作区已有一个 {running} 在运行（{other or '另一个进程'}）："
                f"同一工作区同时只能运行一个 watch 或 ingest，本次 {ours} 未运行。"
                + ("需要重启时请先停止正在运行的那个" if command == "watch" else "请等它结束后再试")
            ) from None
        try:
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, holder.encode("utf-8"))
        except OSError as exc:
            _unlock(fd)
            os.close(fd)
            raise BranchflowError(
                f"无法写入 {self.path}：{exc.strerror or exc}；请检查磁盘空间和 store 目录的写权限"
            ) from exc
        self._fd = fd

    def _open(self) -> int:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise BranchflowError(
                f"无法打开 {self.path}：{exc.strerror or exc}；请检查磁盘空间和 store 目录的写权限"
            ) from exc

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        _unlock(fd)
        os.close(fd)

    def __enter__(self) -> WorkspaceLock:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


@contextmanager
def watch_lock(settings: Settings, what: str = "watch") -> Iterator[WorkspaceLock]:
    """Hold the workspace's watch lock for the block (`ingest` may take it too)."""
    lock = WorkspaceLock(lock_path(settings))
    lock.acquire(f"{what}，进程 {os.getpid()}，{datetime.now():%Y-%m-%d %H:%M} 启动")
    try:
        yield lock
    finally:
        lock.release()


def lock_path(settings: Settings) -> Path:
    """store/watch.lock; with a PostgreSQL store, this machine's store/watch-<host>.lock."""
    if not is_server(store_url(settings)):
        return settings.store_dir / LOCK_NAME
    host = re.sub(r"[^A-Za-z0-9._-]", "_", socket.gethostname()) or "host"
    return settings.store_dir / HOST_LOCK_NAME.format(host=host)


def _read_note(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return os.read(fd, 400).decode("utf-8", errors="replace").strip()
    except OSError:
        return ""


def _lock(fd: int) -> None:
    if sys.platform == "win32":
        import msvcrt

        os.lseek(fd, _LOCK_OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _unlock(fd: int) -> None:
    with contextlib.suppress(OSError):
        if sys.platform == "win32":
            import msvcrt

            os.lseek(fd, _LOCK_OFFSET, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_UN)
