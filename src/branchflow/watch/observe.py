"""Where change notices come from: native events or polling (watchdog), and the inbox's health.

The observer threads only put paths on a queue; everything else happens in the watcher's own
thread. Created, modified, closed-after-write and moved-into events count (Excel saves through
a temp name and a rename); a folder created or moved in is walked, since its files may never
get events of their own. Deletions are not needed: a gone file is noticed when it is checked.
"""

from __future__ import annotations

import logging
import os
import queue
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserverVFS

from branchflow.config import RESERVED_DIRS

log = logging.getLogger("branchflow.watch")

WAKE = None  # put on the queue to wake the watcher (a stop was asked for)
Notice = tuple[Path, bool] | None  # (path, is a directory), or WAKE
_COUNTED = frozenset({"created", "modified", "moved", "closed"})


class InboxEvents(FileSystemEventHandler):
    """Turns watchdog events into (path, is_dir) notices on the watcher's queue."""

    def __init__(self, notices: queue.SimpleQueue[Notice]) -> None:
        super().__init__()
        self._notices = notices

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in _COUNTED:
            return
        if event.is_directory and event.event_type not in {"created", "moved"}:
            return  # a folder is "modified" whenever a file in it changes: nothing to walk
        target = event.dest_path if event.event_type == "moved" else event.src_path
        self._notices.put((Path(os.fsdecode(target)), event.is_directory))


def start_observer(
    inbox: Path, notices: queue.SimpleQueue[Notice], *, polling: bool, interval: float
) -> tuple[BaseObserver, bool]:
    """Watch `inbox` recursively; returns the running observer and whether it polls.

    Native events fall back to polling, with a log line, when the OS refuses (e.g. Linux's
    inotify watch limit)."""
    if not polling:
        observer = Observer()
        try:
            observer.schedule(InboxEvents(notices), str(inbox), recursive=True)
            observer.start()
            return observer, False
        except OSError as exc:
            observer.stop()
            log.warning("系统文件事件不可用（%s），改用轮询，间隔 %.1f 秒", exc, interval)
    observer = PollingObserverVFS(stat_below(inbox), _list_inputs, polling_interval=interval)
    observer.schedule(InboxEvents(notices), str(inbox), recursive=True)
    observer.start()
    return observer, True


def stop_observer(observer: BaseObserver | None) -> None:
    if observer is None:
        return
    observer.stop()
    if observer.is_alive():
        observer.join(timeout=3)


def observer_healthy(observer: BaseObserver) -> bool:
    """False once the observer or one of its emitters has died (e.g. the watched folder went)."""
    return observer.is_alive() and all(e.is_alive() for e in list(observer.emitters))


def folder_identity(folder: Path) -> tuple[int, int] | None:
    """(device, inode) of a folder, None when it is missing or unreachable; a remount or a
    folder deleted and made again gets a new identity."""
    try:
        info = folder.stat()
    except OSError:
        return None
    return (info.st_dev, info.st_ino) if stat.S_ISDIR(info.st_mode) else None


def stat_below(inbox: Path) -> Callable[[str], os.stat_result]:
    """The polling snapshot's stat: links below the inbox are not followed (a `ln -s .. loop`
    would be walked forty levels deep on every poll), the inbox itself may be one (a share)."""
    root = os.fspath(inbox)

    def stat_of(path: str) -> os.stat_result:
        return Path(path).stat() if path == root else Path(path).lstat()

    return stat_of


def _list_inputs(folder: str | None) -> Iterator[os.DirEntry[str]]:
    """os.scandir for the polling snapshot, leaving out our answers and blank templates, which
    only grow and would cost a stat each per poll over the network."""
    with os.scandir(folder) as entries:
        kept = [e for e in entries if e.name not in RESERVED_DIRS and not e.name.startswith(".")]
    return iter(kept)
