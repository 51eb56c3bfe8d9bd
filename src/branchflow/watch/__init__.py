"""Watch the inbox: stability tracking, ignore rules, native events or polling, rescans.

`run_watch` is what `branchflow watch` calls: it takes the workspace's watch lock (a second
watcher says so and exits), logs to store/logs/watch.log and the console, opens the archive and
runs a `Watcher` until SIGINT/SIGTERM, finishing the file in hand first.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

from branchflow.archive.store import Archive
from branchflow.config import Settings
from branchflow.notify.delivery import delivering
from branchflow.watch.lock import LOCK_NAME, WatchLocked, WorkspaceLock, watch_lock
from branchflow.watch.logs import start_logging
from branchflow.watch.loop import Watcher, WatchTimings
from branchflow.watch.stability import StabilityTracker, Verdict

__all__ = [
    "LOCK_NAME",
    "LOG_FILE",
    "StabilityTracker",
    "Verdict",
    "WatchLocked",
    "WatchTimings",
    "Watcher",
    "WorkspaceLock",
    "run_watch",
    "watch_lock",
]

LOG_FILE = "logs/watch.log"  # under store/
log = logging.getLogger("branchflow.watch")


def run_watch(
    settings: Settings,
    *,
    polling: bool,
    interval: float,
    echo: Callable[[str], None],
    timings: WatchTimings | None = None,
) -> None:
    """Run until SIGINT/SIGTERM (a second signal stops at once; the next start catches up)."""
    with watch_lock(settings):
        stop_logging = start_logging(settings.store_dir / LOG_FILE, echo)
        try:
            with Archive.open(settings) as archive:
                watcher = Watcher(
                    settings, archive, polling=polling, interval=interval, timings=timings
                )
                log.info("日志：%s", settings.store_dir / LOG_FILE)
                with _stop_on_signals(watcher), delivering(settings, archive):
                    watcher.run()
        except KeyboardInterrupt:
            log.warning("再次收到停止信号，立即退出；未处理完的文件下次启动时处理，不会重复入库")
        finally:
            stop_logging()


@contextmanager
def _stop_on_signals(watcher: Watcher) -> Iterator[None]:
    """SIGINT/SIGTERM (and Ctrl+Break on Windows) ask the watcher to stop after the current file;
    a second one interrupts."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handle(signum: int, frame: FrameType | None) -> None:
        if watcher.stopping:
            raise KeyboardInterrupt
        watcher.stop()

    wanted = [signal.SIGINT, signal.SIGTERM]
    if hasattr(signal, "SIGBREAK"):
        wanted.append(signal.SIGBREAK)
    previous = {signum: signal.signal(signum, handle) for signum in wanted}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
