"""Deliver the outbox: retry with exponential backoff, each robot's 20-a-minute limit, give up
after a day. delivery.py runs it in a thread of the watcher (never in the file loop, so a robot
that is down or slow never holds up a drop), and `ingest` delivers what is due at its end.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from branchflow.archive.outbox import Outbox, OutboxRow
from branchflow.config import RECEIPTS_DIR, Settings
from branchflow.errors import StoreError
from branchflow.notify import messages
from branchflow.notify.channels import (
    DINGTALK_TEXT_BYTES,
    MAIL_ATTACHMENT_BYTES,
    PER_MINUTE,
    WECOM_FILE_BYTES,
    WECOM_TEXT_BYTES,
    DeliveryError,
    Mailer,
    Robot,
)
from branchflow.notify.formats import guard, split_text
from branchflow.notify.settings import Channel

log = logging.getLogger("branchflow.notify")

BACKOFF_MAX = 3600.0  # the first retry waits [notify] retry_seconds, each next one twice as long
PAUSE_AFTER_FAILURE = 30.0  # a channel that failed is left alone this long (at most the retry wait)
LEASE = 300.0  # a claim on rows being sent lasts this long (a sender that died frees them then)
HOLD = timedelta(minutes=10)  # a drop's message waits for its receipt at most this long
MAX_FILES = PER_MINUTE - 2  # files with one documents message: it must fit in a robot's minute
Clock = Callable[[], datetime]


def wall_clock() -> datetime:
    return datetime.now(UTC)


class RateWindow:
    """At most `per_minute` messages in any 60 seconds, and no message while the robot has
    asked us to wait (rate-limit errcode)."""

    def __init__(self, clock: Clock, per_minute: int = PER_MINUTE) -> None:
        self.clock = clock
        self.per_minute = per_minute
        self.sent: deque[float] = deque()
        self.paused_until = 0.0

    def room(self) -> int:
        now = self.clock().timestamp()
        while self.sent and self.sent[0] <= now - 60:
            self.sent.popleft()
        return 0 if now < self.paused_until else self.per_minute - len(self.sent)

    def take(self) -> None:
        self.sent.append(self.clock().timestamp())

    def pause(self, seconds: float) -> None:
        self.paused_until = max(self.paused_until, self.clock().timestamp() + seconds)


@dataclass
class Tally:
    """What one round of delivery did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    waiting: int = 0  # still pending after the round (deliver_pending fills it in)

    def describe(self) -> str:
        """One line for `ingest`."""
        line = f"通知：已发送 {self.sent} 条"
        if self.failed:
            line += f"，{self.failed} 条已放弃（见 branchflow notify pending）"
        if self.waiting:
            line += f"，{self.waiting} 条待发，由 branchflow watch 继续发送（重试）"
        return line + "。"


@dataclass(frozen=True)
class Job:
    """One message as the channel receives it: one row, or a burst's 接收汇总 of several."""

    channel: Channel
    rows: tuple[OutboxRow, ...]

    @property
    def ids(self) -> list[int]:
        return [r.id for r in self.rows]


class Sender:
    """Delivers due outbox rows; `run_once` is one round (the thread calls it every tick)."""

    def __init__(
        self,
        settings: Settings,
        outbox: Outbox,
        *,
        clock: Clock = wall_clock,
        timeout: float = 10.0,
        quiet: float = 20.0,
        max_wait: float = 300.0,
        claimant: str | None = None,
    ) -> None:
        self.settings = settings
        self.outbox = outbox
        self.clock = clock
        self.timeout = timeout
        self.quiet = timedelta(seconds=quiet)  # an 接收汇总 waits until drops stop this long
        self.max_wait = timedelta(seconds=max_wait)  # …or until its first drop waited this long
        self.host = socket.gethostname()
        self.claimant = claimant or f"{self.host}:{threading.get_native_id()}:{id(self):x}"
        self.windows: dict[str, RateWindow] = {}
        self._unsettled: list[Callable[[], None]] = []  # marks the database refused, to redo

    def release_stale(self) -> None:
        """This machine's earlier senders are gone (we hold its watch lock): free their rows."""
        self.outbox.release(f"{self.host}:")

    def run_once(self, *, flush: bool = False, deadline: float | None = None) -> Tally:
        """Send what is due now; `flush` sends 接收汇总 without waiting for the burst to end."""
        tally = Tally()
        if not self._settle():
            return tally
        now = self.clock()
        rows = [r for r in self.outbox.due(now, self.claimant, HOLD) if r.answered]
        for job in self._jobs(rows, now, flush, tally):
            if deadline is not None and time.monotonic() >= deadline:
                break
            self._deliver(job, tally, deadline)
        return tally

    def window(self, channel: str) -> RateWindow:
        if channel not in self.windows:
            self.windows[channel] = RateWindow(self.clock)
        return self.windows[channel]

    # ── choosing what to send ──────────────────────────────────────────────────────────────

    def _jobs(
        self, rows: Sequence[OutboxRow], now: datetime, flush: bool, tally: Tally
    ) -> list[Job]:
        jobs: list[Job] = []
        bursts: dict[str, list[OutboxRow]] = {}
        for row in rows:
            channel = self.settings.notify.channel(row.channel)
            if channel is None:
                self._finish(partial(self.outbox.mark_failed, [row.id], _gone(row.channel)))
                tally.failed += 1
            elif row.event == "accepted":
                bursts.setdefault(row.channel, []).append(row)
            else:
                jobs.append(Job(channel, (row,)))
        for name, burst in bursts.items():
            newest, oldest = max(r.created_at for r in burst), min(r.created_at for r in burst)
            if flush or newest <= now - self.quiet or oldest <= now - self.max_wait:
                channel = self.settings.notify.channel(name)
                assert channel is not None
                jobs.append(Job(channel, tuple(burst)))
        return sorted(jobs, key=lambda j: j.rows[0].id)

    def _deliver(self, job: Job, tally: Tally, deadline: float | None) -> None:
        window = self.window(job.channel.name)
        text, files, subject = self._render(job)
        parts = _parts(job.channel, text)
        if job.channel.kind != "email" and window.room() < len(parts) + len(files):
            return  # the robot's minute is full (or it asked us to wait): next round
        wanted = job.ids
        got = set(self.outbox.claim(wanted, self.claimant, self.clock(), LEASE))
        if len(got) < len(wanted):  # another sender took some of them: send only ours
            job = Job(job.channel, tuple(r for r in job.rows if r.id in got))
            if not job.rows:
                return
            text, files, subject = self._render(job)
            parts = _parts(job.channel, text)
        timeout = (
            self.timeout
            if deadline is None
            else max(1.0, min(self.timeout, deadline - time.monotonic()))
        )
        try:
            transmit(self.settings, job.channel, parts, files, subject, window, timeout)
        except DeliveryError as exc:
            self._failed(job, exc, tally)
            return
        at = self.clock()
        self._finish(lambda: self.outbox.mark_sent(job.ids, at))
        tally.sent += len(job.rows)

    def _failed(self, job: Job, exc: DeliveryError, tally: Tally) -> None:
        now, ids, channel = self.clock(), job.ids, job.channel.name
        if exc.wait:
            self.window(channel).pause(exc.wait)
            log.warning("通知渠道“%s”要求放慢（%s），%.0f 秒后再发", channel, exc.reason, exc.wait)
            self._finish(
                lambda: self.outbox.mark_retry(
                    ids, now + timedelta(seconds=exc.wait), exc.reason, count=False
                )
            )
            tally.retried += len(ids)
            return
        self.window(channel).pause(min(PAUSE_AFTER_FAILURE, self.settings.notify.retry_seconds))
        oldest = min(r.created_at for r in job.rows)
        if now - oldest >= timedelta(hours=self.settings.notify.give_up_hours):
            log.error(
                "通知发送失败，已放弃（超过 %g 小时）：渠道“%s” %s 编号 %s：%s",
                self.settings.notify.give_up_hours,
                channel,
                job.rows[0].event,
                ",".join(map(str, ids)),
                exc.reason,
            )
            self._finish(lambda: self.outbox.mark_failed(ids, exc.reason))
            tally.failed += len(ids)
            return
        attempts = max(r.attempts for r in job.rows) + 1
        wait = min(self.settings.notify.retry_seconds * 2 ** (attempts - 1), BACKOFF_MAX)
        log.warning(
            "通知发送失败（渠道“%s”，第 %d 次），%.0f 秒后重试：%s",
            channel,
            attempts,
            wait,
            exc.reason,
        )
        self._finish(lambda: self.outbox.mark_retry(ids, now + timedelta(seconds=wait), exc.reason))
        tally.retried += len(ids)

    # ── the text, the files ────────────────────────────────────────────────────────────────

    def _render(self, job: Job) -> tuple[str, list[Path], str]:
        """(text, files to send with it, e-mail subject) for the channel's kind."""
        first = job.rows[0]
        if first.event == "accepted":
            text = messages.accepted_summary(
                [r.body for r in job.rows], [r.payload for r in job.rows]
            )
        else:
            text = first.body.replace(messages.RECEIPT_TOKEN, self._receipt(first))
        files, notes = self._files(job.channel, first)
        text = "\n".join([text, *notes])
        return guard(text), files, first.subject or messages.subject_of(text)

    def _files(self, channel: Channel, row: OutboxRow) -> tuple[list[Path], list[str]]:
        """The attachments this channel receives as files, and a line for each it cannot."""
        paths = [self.settings.workspace / a for a in row.attachments]
        if not paths or self.settings.notify.link_base:
            return [], []
        if channel.kind == "dingtalk":
            folders = sorted(
                {p.parent.relative_to(self.settings.workspace).as_posix() for p in paths}
            )
            return [], [f"文件在 branchflow 工作区的 {'、'.join(folders)}/ 中。"]
        limit = WECOM_FILE_BYTES if channel.kind == "wecom" else MAIL_ATTACHMENT_BYTES
        files: list[Path] = []
        notes: list[str] = []
        total = 0
        for path in paths:
            size = path.stat().st_size if path.is_file() else -1
            if size < 5:  # 企业微信 refuses files under 5 bytes
                notes.append(f"{path.name} 已不在原处或是空文件，未能随消息发送。")
            elif channel.kind == "wecom" and len(files) >= MAX_FILES:
                notes.append(
                    f"{path.name} 未随消息发送（一次最多 {MAX_FILES} 个文件），请到 "
                    f"{path.parent.relative_to(self.settings.workspace).as_posix()}/ 取。"
                )
            elif (size if channel.kind == "wecom" else total + size) > limit:
                notes.append(
                    f"{path.name} 过大（{size / 2**20:.1f} MB），未随消息发送，请到 "
                    f"{path.parent.relative_to(self.settings.workspace).as_posix()}/ 取。"
                )
            else:
                files.append(path)
                total += size
        return files, notes

    def _receipt(self, row: OutboxRow) -> str:
        folder = f"inbox/{row.scope}/{RECEIPTS_DIR}/"
        if not row.receipt:
            return folder
        try:
            return Path(row.receipt).relative_to(self.settings.workspace).as_posix()
        except ValueError:
            return folder + Path(row.receipt).name

    # ── marks the database could not take just now ────────────────────────────────────────

    def _finish(self, mark: Callable[[], None]) -> None:
        """Record a result; if the database is busy, remember it and redo before sending more
        (a sent message must never be left looking unsent)."""
        self._unsettled.append(mark)
        self._settle()

    def _settle(self) -> bool:
        while self._unsettled:
            try:
                self._unsettled[0]()
            except StoreError as exc:
                log.warning("通知的发送结果暂时写不进档案数据库（稍后重试）：%s", exc)
                return False
            self._unsettled.pop(0)
        return True


def _gone(channel: str) -> str:
    return f"渠道“{channel}”已不在 branchflow.toml 中"


def _parts(channel: Channel, text: str) -> list[str]:
    """A robot's message split to its limit; an e-mail is one message whatever its length."""
    if channel.kind == "email":
        return [text]
    return split_text(text, WECOM_TEXT_BYTES if channel.kind == "wecom" else DINGTALK_TEXT_BYTES)


def transmit(
    settings: Settings,
    channel: Channel,
    parts: Sequence[str],
    files: Sequence[Path],
    subject: str,
    window: RateWindow,
    timeout: float,
) -> None:
    """Send one message (its text in `parts`, then its files) on one channel; raises
    DeliveryError. Every piece of text passes the number guard on the way out."""
    if channel.kind == "email":
        if settings.notify.smtp is None:
            raise DeliveryError("没有配置 [notify.smtp]")
        mailer = Mailer(settings.notify.smtp, timeout)
        mailer.send(channel.to, guard(subject), guard("\n".join(parts)), files)
        return
    robot = Robot(channel, timeout)
    for part in parts:
        window.take()
        robot.send_text(guard(part))
    for path in files:
        window.take()
        robot.send_file(path)
