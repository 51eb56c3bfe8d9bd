"""Running the sender: a thread beside the watcher's loop, one round at the end of `ingest`,
and `branchflow notify test`."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from branchflow.archive.store import Archive
from branchflow.config import Settings
from branchflow.errors import ConfigError, StoreError
from branchflow.notify import messages
from branchflow.notify.channels import DeliveryError
from branchflow.notify.sender import RateWindow, Sender, Tally, transmit, wall_clock
from branchflow.notify.settings import KIND_NAMES

log = logging.getLogger("branchflow.notify")


class DeliveryThread:
    """The watcher's sender: a round every `interval` seconds until stopped."""

    def __init__(self, sender: Sender, interval: float = 2.0) -> None:
        self.sender = sender
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="branchflow-notify", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        try:
            self.sender.release_stale()
        except StoreError as exc:
            log.warning("无法整理通知发件箱（稍后重试）：%s", exc)
        while not self._stop.wait(self.interval):
            try:
                self.sender.run_once()
            except StoreError as exc:
                log.warning("读取通知发件箱失败（稍后重试）：%s", exc)
            except Exception as exc:  # one bad round must never end delivery
                log.exception("发送通知时出错：%s", exc)


@contextmanager
def delivering(settings: Settings, archive: Archive, interval: float = 2.0) -> Iterator[None]:
    """While the block runs, deliver the outbox in a thread of its own (nothing without
    channels)."""
    if not settings.notify.channels:
        yield
        return
    thread = DeliveryThread(Sender(settings, archive.outbox), interval)
    thread.start()
    log.info(
        "通知：%d 个渠道（%s）",
        len(settings.notify.channels),
        "、".join(c.name for c in settings.notify.channels),
    )
    for channel in settings.notify.channels:
        if channel.missing:  # the service's environment lacks it: say so in the watcher's log
            log.warning("通知渠道“%s”暂不能发送：%s", channel.name, channel.missing)
    try:
        yield
    finally:
        thread.stop()


def deliver_pending(settings: Settings, archive: Archive, budget: float = 15.0) -> Tally | None:
    """`ingest`'s last step: send what is due now (接收汇总 at once), for at most `budget`
    seconds; what cannot go now stays for the watcher. None without channels."""
    if not settings.notify.channels:
        return None
    sender = Sender(settings, archive.outbox, timeout=min(10.0, budget))
    sender.release_stale()
    deadline = time.monotonic() + budget
    total = Tally()
    while time.monotonic() < deadline:
        round_ = sender.run_once(flush=True, deadline=deadline)
        total.sent, total.retried, total.failed = (
            total.sent + round_.sent,
            total.retried + round_.retried,
            total.failed + round_.failed,
        )
        if not round_.sent:
            break
    total.waiting = archive.outbox.counts().get("pending", 0)
    return total


def send_test(settings: Settings, name: str, timeout: float = 10.0) -> str:
    """`branchflow notify test CHANNEL`: one message now, not through the outbox."""
    channel = settings.notify.channel(name)
    if channel is None:
        known = "、".join(c.name for c in settings.notify.channels) or "（没有配置任何渠道）"
        raise ConfigError(f"没有名为“{name}”的通知渠道；已配置：{known}")
    text = messages.test_message(name, f"{settings.now():%Y-%m-%d %H:%M}")
    subject = messages.subject_of(text)
    try:
        transmit(settings, channel, [text], [], subject, RateWindow(wall_clock), timeout)
    except DeliveryError as exc:
        raise DeliveryError(f"向“{name}”发送测试消息失败：{exc.reason}") from None
    return f"已发送测试消息到“{name}”（{KIND_NAMES[channel.kind]}）"
