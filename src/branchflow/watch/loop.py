"""The watcher's loop: notice drops, wait until each is complete, process it, look after the rest.

Everything that touches the archive happens in this one thread, one file at a time, so a file is
never processed twice by one watcher; the workspace lock keeps out a second watcher; a claim in
the archive keeps out watchers on other machines sharing the inbox (PostgreSQL store); the
archive's crash recovery answers (without re-importing) a file whose transaction committed before
a kill. A database failure (connection lost) rolls the file's transaction back; the file stays
in the inbox and is retried with backoff.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from watchdog.observers.api import BaseObserver

from branchflow.archive.localdisk import network_fs_type
from branchflow.archive.store import Archive
from branchflow.config import Settings
from branchflow.errors import StoreError, StoreUnavailable
from branchflow.inbox import LINK_NOTE, walk_folder
from branchflow.nofollow import NotRegularFile
from branchflow.pipeline import find_drops, finish_answered, is_drop, process_file
from branchflow.watch.aftercare import Aftercare
from branchflow.watch.observe import (
    WAKE,
    Notice,
    folder_identity,
    observer_healthy,
    start_observer,
    stop_observer,
)
from branchflow.watch.quarantine import quarantine_file
from branchflow.watch.stability import StabilityTracker, Verdict

log = logging.getLogger("branchflow.watch")


@dataclass(frozen=True)
class WatchTimings:
    """Every delay of the watcher, in seconds; tests pass short ones."""

    stability: float = 1.0  # no events and no change this long before a file is examined
    rescan: float = 30.0  # full rescan of the inbox, for whatever events missed
    debounce: float = 2.0  # quiet time after the last drop before export and reports
    max_batch_wait: float = 120.0  # export anyway when drops keep coming this long
    health: float = 1.0  # how often the inbox folder's presence is checked
    incomplete_grace: float = 120.0  # a zip without its end record waits this long to finish
    max_backoff: float = 60.0  # longest wait between tries of a locked file
    tick: float = 0.25  # longest sleep between looks at the stop flag
    give_up_after: int = 10  # failures in a row (disk, database) before a file is quarantined

    @classmethod
    def for_mode(cls, *, polling: bool, interval: float) -> WatchTimings:
        # On a share the size and mtime we read may lag by up to a poll (and SMB's attribute
        # cache, 1 s): there the quiet period must span at least two polls.
        return cls(stability=max(1.0, 2 * interval)) if polling else cls()


class Watcher:
    """Watch one workspace's inbox until `stop()`; needs the archive open and the lock held."""

    def __init__(
        self,
        settings: Settings,
        archive: Archive,
        *,
        polling: bool = False,
        interval: float = 2.0,
        timings: WatchTimings | None = None,
    ) -> None:
        self.settings = settings
        self.archive = archive
        self.polling = polling
        self.interval = interval
        self._fixed_timings = timings is not None
        self.timings = timings or WatchTimings.for_mode(polling=polling, interval=interval)
        t = self.timings
        self.tracker = StabilityTracker(
            t.stability, max_backoff=t.max_backoff, incomplete_grace=t.incomplete_grace
        )
        self.aftercare = Aftercare(
            settings, archive, debounce=t.debounce, max_wait=t.max_batch_wait
        )
        self._notices: queue.SimpleQueue[Notice] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._observer: BaseObserver | None = None
        self._inbox_id: tuple[int, int] | None = None
        self._inbox_lost = False
        self._next_health = self._next_rescan = 0.0
        self._handled: dict[Path, tuple[int, int]] = {}  # quarantined but still in the inbox
        self._told: set[Path] = set()  # files we said we leave alone
        self._finish_owed = False  # a database failure may have left an answered drop unmarked

    def stop(self) -> None:
        """Ask the loop to finish the file in hand and return (safe from a signal handler)."""
        self._stop.set()
        self._notices.put(WAKE)

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def run(self) -> None:
        """Watch until stop(); the observer is stopped on the way out, whatever happens."""
        self._start()
        try:
            while not self._stop.is_set():
                self._tick()
        finally:
            stop_observer(self._observer)
            self._observer = None
            if self.aftercare.pending:
                log.info("总档案/Word 文档的更新留到下次启动时完成（也可运行 branchflow export）")
        log.info("已停止监视")

    # ── the loop ────────────────────────────────────────────────────────────────────────────

    def _start(self) -> None:
        if not self.polling:
            folders = [self.settings.inbox, *(self.settings.inbox / b for b in self._folders())]
            kinds = {k for k in map(network_fs_type, folders) if k is not None}
            if kinds:
                log.info("收件箱位于网络文件系统（%s）上，收不到系统文件事件：改用轮询",
                         "、".join(sorted(kinds)))  # fmt: skip
                self._use_polling(True)
        self._recover()
        if folder_identity(self.settings.inbox) is not None:
            self.aftercare.daily()
        self._check_inbox(force=True)

    def _tick(self) -> None:
        now = time.monotonic()
        if now >= self._next_health:
            self._check_inbox()
        if self._inbox_id is not None and now >= self._next_rescan:
            self._rescan()
        self._drain()
        for path in self.tracker.due():
            if self._stop.is_set():
                return
            self._examine(path)
            self._drain()
        self.aftercare.run_if_due(busy=self.tracker.waiting() > 0)
        # The reminders go into the inbox folders: never recreate an inbox that has gone.
        if self.aftercare.daily_due() and folder_identity(self.settings.inbox) == self._inbox_id:
            self.aftercare.daily()
        self._sleep()

    def _sleep(self) -> None:
        wait = self.timings.tick
        due = self.tracker.next_due()
        if due is not None:
            wait = min(wait, due)
        try:
            self._take(self._notices.get(timeout=max(wait, 0.01)))
        except queue.Empty:
            return

    def _drain(self) -> None:
        while True:
            try:
                self._take(self._notices.get_nowait())
            except queue.Empty:
                return

    def _take(self, notice: Notice) -> None:
        if notice is WAKE:
            return
        path, is_dir = notice
        if is_dir:
            for found in walk_folder(path)[0]:
                self._track(found, event=True)
        else:
            self._track(path, event=True)

    def _track(self, path: Path, *, event: bool) -> None:
        if not is_drop(self.settings, path) or self._already_handled(path):
            return
        if event:
            self.tracker.touch(path)
        else:
            self.tracker.notice(path)

    def _already_handled(self, path: Path) -> bool:
        """A quarantined file we could not move out (held open): leave it until it changes."""
        if path not in self._handled:
            return False
        try:
            info = path.stat()
        except OSError:
            del self._handled[path]
            return True
        if (info.st_size, info.st_mtime_ns) == self._handled[path]:
            return True
        del self._handled[path]
        return False

    # ── rescans and the inbox folder itself ────────────────────────────────────────────────

    def _rescan(self) -> None:
        self._next_rescan = time.monotonic() + self.timings.rescan
        self._finish_answered()
        try:
            ready, ignored = find_drops(self.settings)
        except OSError as exc:
            log.warning("扫描收件箱失败（稍后重试）：%s", exc)
            return
        for path in ready:
            self._track(path, event=False)
        left_alone = {self.settings.inbox / o.path for o in ignored}
        for outcome in ignored:
            if self.settings.inbox / outcome.path not in self._told:
                log.warning("未处理 inbox/%s：%s", outcome.path, outcome.note)
        self._told = left_alone

    def _check_inbox(self, *, force: bool = False) -> None:
        """Notice the inbox vanishing (share unmounted, folder moved) and coming back."""
        self._next_health = time.monotonic() + self.timings.health
        found = folder_identity(self.settings.inbox)
        if found is None:
            if not self._inbox_lost:
                log.warning("收件箱 %s 不可用（网络共享断开或文件夹被移走？），等待恢复……",
                            self.settings.inbox)  # fmt: skip
                self._inbox_lost = True
            stop_observer(self._observer)
            self._observer, self._inbox_id = None, None
            return
        healthy = self._observer is not None and observer_healthy(self._observer)
        if not force and found == self._inbox_id and healthy:
            return
        if self._inbox_lost:
            log.info("收件箱 %s 已恢复，继续监视", self.settings.inbox)
            self._inbox_lost = False
        self._restart_observer()
        self._inbox_id = found
        self._rescan()

    def _restart_observer(self) -> None:
        stop_observer(self._observer)
        self._observer = None
        try:
            self._observer, polling = start_observer(
                self.settings.inbox, self._notices, polling=self.polling, interval=self.interval
            )
        except OSError as exc:
            log.warning("无法监视收件箱 %s（稍后重试）：%s", self.settings.inbox, exc)
            return
        self._use_polling(polling)
        how = f"轮询，间隔 {self.interval:g} 秒" if self.polling else "系统文件事件"
        log.info("开始监视 %s（%s）", self.settings.inbox, how)

    def _folders(self) -> tuple[str, ...]:
        return self.settings.drop_folders

    def _use_polling(self, polling: bool) -> None:
        if polling != self.polling and not self._fixed_timings:
            self.timings = WatchTimings.for_mode(polling=polling, interval=self.interval)
            self.tracker.delay = self.timings.stability
        self.polling = polling

    def _finish_answered(self) -> None:
        """Drops answered and cleared from the inbox whose ledger row the database could not
        take just then (killed, or the connection lost): marked done once it can."""
        try:
            finished = finish_answered(self.settings, self.archive)
        except StoreError as exc:
            log.warning("档案数据库暂时不可用，稍后再补记已回执的文件：%s", exc)
            return
        for entry in finished:
            log.info("inbox/%s 上次已回执并移出收件箱，现已在档案中补记完成", entry.relative)

    def _recover(self) -> None:
        """Say what a crash left behind; files still in the inbox are answered by processing."""
        self._finish_answered()
        for entry in self.archive.unfinished():
            where = self.settings.inbox / entry.relative
            if where.is_file():
                log.info("上次中断时 inbox/%s 已入库、未回执：将补发回执，不会重复入库",
                         entry.relative)  # fmt: skip
            else:
                log.warning("上次中断时 inbox/%s 已入库（编号 %d），但未确认回执；文件已不在收件箱",
                            entry.relative, entry.file_id)  # fmt: skip

    # ── one file ────────────────────────────────────────────────────────────────────────────

    def _examine(self, path: Path) -> None:
        verdict = self.tracker.check(path)
        if verdict is Verdict.READY:
            self._process(path)
        elif verdict is Verdict.LOCKED:
            self._tell_locked(path, "正被其他程序占用（可能在 Excel 中打开或仍在复制）")

    def _process(self, path: Path) -> None:
        """Claim the file in the archive (another watcher may share the inbox), then process."""
        try:
            with self.archive.claim(path.relative_to(self.settings.inbox).as_posix()) as mine:
                if mine:
                    self._process_claimed(path)
                else:
                    self._tell_locked(path, "正由另一台电脑上的 branchflow 处理")
        except StoreError as exc:  # the claim could not be made: the database is unreachable
            self._failed(path, exc)

    def _process_claimed(self, path: Path) -> None:
        name = self._rel(path)
        try:
            outcome = process_file(path, self.settings, self.archive)
        except NotRegularFile:
            self.tracker.forget(path)
            log.warning("未处理 %s：%s", name, LINK_NOTE)
        except FileNotFoundError as exc:
            if os.path.lexists(path):
                self._failed(path, exc)
            else:
                self.tracker.forget(path)
                log.info("%s 在处理前被移走，未处理", name)
        except PermissionError:
            self._tell_locked(path, "正被其他程序占用，未能处理")
        except (StoreError, OSError) as exc:
            self._failed(path, exc)
        except Exception as exc:
            log.exception("处理 %s 时出错：%s", name, exc)
            self._quarantine(path, exc)
        else:
            self.tracker.forget(path)
            log.info(outcome.summary_line())
            self.aftercare.note(outcome)
            if self._finish_owed:  # the database is back: mark what it missed
                self._finish_owed = False
                self._finish_answered()

    def _tell_locked(self, path: Path, why: str) -> None:
        failures = self.tracker.back_off(path) if path in self.tracker else 0
        if failures in {1, 2} or failures % 10 == 0:
            wait = self.tracker.backoff(max(failures, 1))
            log.info("%s %s，%.0f 秒后重试", self._rel(path), why, wait)

    def _failed(self, path: Path, exc: Exception) -> None:
        """Disk or database trouble: not the file's fault, so retry; quarantine if it persists
        (never for a database server that is down: the file waits for it to come back)."""
        failures = self.tracker.back_off(path)
        self._finish_owed = self._finish_owed or isinstance(exc, StoreError)
        if isinstance(exc, StoreUnavailable):
            if failures in {1, 2} or failures % 10 == 0:
                log.warning("档案数据库暂时连不上，%s 留在收件箱，%.0f 秒后重试：%s",
                            self._rel(path), self.tracker.backoff(failures), exc)  # fmt: skip
            return
        if failures >= self.timings.give_up_after:
            log.error("处理 %s 连续失败 %d 次：%s", self._rel(path), failures, exc)
            self._quarantine(path, exc)
            return
        wait = self.tracker.backoff(failures)
        log.warning("处理 %s 失败（%.0f 秒后重试）：%s", self._rel(path), wait, exc)

    def _quarantine(self, path: Path, exc: BaseException) -> None:
        """Move the file to store/quarantine/ and tell the branch HQ will look at it."""
        self.tracker.forget(path)
        detail = "".join(traceback.format_exception(exc))
        try:
            target, receipt = quarantine_file(path, self.settings, detail)
        except Exception as failure:
            log.exception("无法隔离 %s（文件留在原处，待总部处理）：%s", self._rel(path), failure)
            self._remember_handled(path)
            return
        self._remember_handled(path)
        log.error("已隔离 %s → %s，并回执分中心待总部核查（%s）",
                  self._rel(path), self._rel(target), self._rel(receipt))  # fmt: skip

    def _remember_handled(self, path: Path) -> None:
        try:
            info = path.stat()
        except OSError:
            return
        self._handled[path] = (info.st_size, info.st_mtime_ns)

    def _rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.settings.workspace).as_posix()
        except ValueError:
            return str(path)
