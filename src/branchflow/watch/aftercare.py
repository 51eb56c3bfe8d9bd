"""What follows a burst of drops: one master-archive export, the touched periods' reports, the
branches' 下发 folders, and once a day the reminders (and 下发 again, for a new month or the
follow-ups now due). Debounced, so fifty files dropped together cost one export.

What still has to be done is kept in store/watch-state.json, so work owed when the watcher was
stopped (or killed) is done after the next start.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from branchflow.archive.store import Archive
from branchflow.config import Settings
from branchflow.errors import BranchflowError
from branchflow.pipeline import FileOutcome, export_now

log = logging.getLogger("branchflow.watch")

STATE_NAME = "watch-state.json"
EXPORT_RETRY = 60.0  # seconds between tries when the export fails
_WEEK = re.compile(r"^\d{4}-W\d{2}$")
_MONTH = re.compile(r"^\d{4}-\d{2}$")


class Aftercare:
    """Collects what accepted drops touched; `run_if_due` does the work once things are quiet."""

    def __init__(
        self,
        settings: Settings,
        archive: Archive,
        *,
        debounce: float,
        max_wait: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.archive = archive
        self.debounce = debounce
        self.max_wait = max_wait
        self._clock = clock
        self._state_file = settings.store_dir / STATE_NAME
        self._branches: set[str] = set()
        self._periods: set[str] = set()
        self._last_drop = 0.0
        self._first_pending: float | None = None
        self._not_before = 0.0  # after a failed export: not again before this
        self._reminded_on = ""
        # 下发 is owed after each burst, each day, and at start (a run stopped before it ended).
        self._distribution_owed = True
        self._load()

    @property
    def pending(self) -> bool:
        return bool(self._branches or self._periods)

    def note(self, outcome: FileOutcome) -> None:
        """A file was answered; remember what an accepted one changed."""
        self._last_drop = self._clock()
        if outcome.status != "accepted":
            return
        before = (len(self._branches), len(self._periods))
        if outcome.kind == "customers":
            self._branches.add(outcome.branch)
            self._periods.add(f"{self.settings.now():%Y-%m}")
        if outcome.period:
            self._periods.add(outcome.period)
        if self._first_pending is None:
            self._first_pending = self._last_drop
        if (len(self._branches), len(self._periods)) != before:
            self._save()

    def run_if_due(self, busy: bool) -> None:
        """Export and re-render once no drop came for `debounce` seconds and none is on its way
        (`busy`), or when work has been owed for `max_wait` whatever is still arriving."""
        if self._distribution_owed and not busy and not self.pending:
            self._distribution_owed = False
            _distribute(self.settings, self.archive)
        if not self.pending:
            return
        now = self._clock()
        if now < self._not_before:
            return
        first = self._first_pending if self._first_pending is not None else now
        quiet = not busy and now - self._last_drop >= self.debounce
        if quiet or now - first >= self.max_wait:
            self.run()

    def run(self) -> None:
        branches, periods = set(self._branches), set(self._periods)
        exported = self._export(branches)
        for period in sorted(periods):
            _render(self.settings, period)
        # The branches' 下发 folders follow on the next quiet tick: owed work is done first.
        self._distribution_owed = self._distribution_owed or bool(periods)
        self._periods -= periods
        if exported:
            self._branches -= branches
            self._first_pending = None
        else:  # e.g. 客户总档案.xlsx open in Excel on Windows: try again in a while
            self._not_before = self._clock() + EXPORT_RETRY
        self._save()

    def daily_due(self) -> bool:
        return self.settings.now().date().isoformat() != self._reminded_on

    def daily(self) -> None:
        """The first time each day: remove what is kept too long, write the reminders."""
        now = self.settings.now()
        today = now.date().isoformat()
        if today == self._reminded_on:
            return
        self._reminded_on = today
        self._save()
        self._purge(now)
        self._remind(now)
        self._distribution_owed = True  # a new month's folder, the follow-ups due from today

    def _purge(self, now: datetime) -> None:
        from branchflow.retention import purge_kept  # imports the watch package's quarantine

        try:
            report = purge_kept(self.settings, self.archive, now)
        except Exception as exc:
            log.exception(
                "清理过期原始文件失败（明天再试；也可运行 branchflow store purge）：%s", exc
            )
            return
        if report.originals or report.quarantined:
            for line in report.describe():
                log.info(line)

    def _remind(self, now: datetime) -> None:
        try:
            from branchflow.calendar import write_reminders
        except ImportError:
            return
        try:
            written = write_reminders(self.settings, self.archive, now)
        except Exception as exc:
            log.exception("生成今日报送提醒失败：%s", exc)
            written = []
        if written:
            log.info("已生成今日报送提醒 %d 份", len(written))
        _queue_reminders(self.settings, self.archive, now)

    def _export(self, branches: set[str]) -> bool:
        if not branches:
            return True
        try:
            # Every workbook whose content changed: a 撞单 changes the owner's too.
            result = export_now(self.settings, self.archive, only_changed=True)
        except Exception as exc:
            log.exception("更新客户总档案失败（稍后重试；也可运行 branchflow export）：%s", exc)
            return False
        for line in result.describe():
            log.info(line)
        return True

    def _load(self) -> None:
        try:
            raw = json.loads(self._state_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if not isinstance(raw, dict):
            return
        self._branches = {b for b in raw.get("branches", ()) if b in self.settings.branch_names}
        self._periods = {str(p) for p in raw.get("periods", ())}
        self._reminded_on = str(raw.get("reminded_on", ""))
        if self.pending:
            self._first_pending = self._clock()
            log.info("上次停止前的总档案/报表更新尚未完成，稍后补做")

    def _save(self) -> None:
        state = {
            "branches": sorted(self._branches),
            "periods": sorted(self._periods),
            "reminded_on": self._reminded_on,
        }
        temp = self._state_file.with_name(f".{STATE_NAME}.tmp")
        try:
            temp.write_text(json.dumps(state, ensure_ascii=False, indent=1), encoding="utf-8")
            temp.replace(self._state_file)
        except OSError as exc:
            log.warning("无法写入 %s：%s", self._state_file, exc)


def _queue_reminders(settings: Settings, archive: Archive, now: datetime) -> None:
    """Today's reminders for the group robots and e-mail (notify/), sent at [notify] remind_at."""
    from branchflow.notify.events import reminders

    try:
        queued = reminders(settings, archive, now)
    except Exception as exc:
        log.exception("生成今日群提醒失败：%s", exc)
        return
    if queued:
        log.info("今日待报提醒将发到群 / 邮箱：%d 条", queued)


def _render(settings: Settings, period: str) -> None:
    """Re-render one month's or week's Word documents; a failure is logged, never raised."""
    if _WEEK.match(period):
        month, week = None, period
    elif _MONTH.match(period):
        month, week = period, None
    else:
        return
    try:
        from branchflow.reports import render_period
    except ImportError:
        return
    try:
        written = render_period(settings, period=month, week=week)
    except BranchflowError as exc:
        log.warning("未能更新 %s 的 Word 文档：%s", period, exc)
        return
    except Exception as exc:
        log.exception("更新 %s 的 Word 文档时出错：%s", period, exc)
        return
    log.info("已更新 %s 的 Word 文档 %d 份（%s）", period, len(written), _where(settings, period))


def _distribute(settings: Settings, archive: Archive) -> None:
    """Bring the branches' 下发 folders up to date; only what changed is written. A failure is
    logged, never raised."""
    try:
        from branchflow.distribute import distribute
    except ImportError:
        return
    try:
        report = distribute(settings, archive=archive, notes=log.warning)
    except BranchflowError as exc:
        log.warning("未能更新各分中心的下发资料：%s", exc)
        return
    except Exception as exc:
        log.exception("更新各分中心的下发资料时出错：%s", exc)
        return
    if report.written:
        for line in report.lines(settings.workspace):
            log.info(line)


def _where(settings: Settings, period: str) -> Path:
    try:
        return (settings.reports_dir / period).relative_to(settings.workspace)
    except ValueError:
        return settings.reports_dir / period
