"""The sender against fake 企业微信 / 钉钉 robots: errcodes, retries, the 20-a-minute limit,
the 钉钉 signature, the 企业微信 file upload, 接收汇总 per burst, giving up after a day."""

from __future__ import annotations

import base64
import hashlib
import hmac
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from robots import (
    Robots,
    dingtalk_expected_sign,
    fake_robots,
    notify_workspace,
    robot_channels,
    robot_environ,
)

from branchflow.archive.outbox import OutboxMessage
from branchflow.archive.store import Archive
from branchflow.config import Settings
from branchflow.notify import events
from branchflow.notify.channels import dingtalk_sign
from branchflow.notify.formats import has_full_number
from branchflow.notify.pending import pending_lines
from branchflow.notify.sender import Sender


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC) + timedelta(seconds=1)  # after the rows just queued

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def robots() -> Iterator[Robots]:
    with fake_robots() as found:
        yield found


@pytest.fixture
def settings(tmp_path: Path, robots: Robots) -> Settings:
    return notify_workspace(tmp_path, robot_channels(robots), robot_environ(robots))


@pytest.fixture
def archive(settings: Settings) -> Iterator[Archive]:
    with Archive.open(settings) as found:
        yield found


def _queue(archive: Archive, channel: str, n: int = 1, event: str = "rejected") -> None:
    archive.outbox.add(
        [OutboxMessage(channel, event, "东莞分中心", f"【退回】第 {i} 条") for i in range(n)]
    )


def _statuses(archive: Archive) -> list[tuple[str, int]]:
    return [(r.status, r.attempts) for r in archive.outbox.listing(("pending", "sent", "failed"))]


def test_the_dingtalk_signature_follows_the_documented_algorithm() -> None:
    stamp, sign = dingtalk_sign("this is secret", 1_700_000_000_000)
    digest = hmac.new(b"this is secret", b"1700000000000\nthis is secret", hashlib.sha256).digest()
    assert stamp == "1700000000000"
    assert sign == urllib.parse.quote(base64.b64encode(digest).decode(), safe="")
    assert urllib.parse.unquote(sign) == dingtalk_expected_sign(stamp, "this is secret")
    assert "+" not in sign and "/" not in sign and "=" not in sign


def test_each_robot_takes_the_message_and_dingtalk_checks_the_signature(
    robots: Robots, archive: Archive, settings: Settings
) -> None:
    _queue(archive, "东莞群")
    _queue(archive, "钉钉群")
    tally = Sender(settings, archive.outbox).run_once()
    assert tally.sent == 2
    assert robots.texts("wecom") == ["【退回】第 0 条"]
    assert robots.texts("dingtalk") == ["【退回】第 0 条"]
    assert _statuses(archive) == [("sent", 0), ("sent", 0)]


def test_a_500_a_timeout_and_an_errcode_are_retried_with_backoff(
    robots: Robots, archive: Archive, settings: Settings
) -> None:
    clock = Clock()
    sender = Sender(settings, archive.outbox, clock=clock, timeout=0.5)
    _queue(archive, "东莞群")
    errors = []
    for n, answer in enumerate(["500", "timeout", 93000], start=1):
        robots.plan.append(answer)
        assert sender.run_once().retried == 1
        row = archive.outbox.listing()[0]
        errors.append(str(row.last_error))
        assert (row.status, row.attempts) == ("pending", n)
        assert row.next_attempt_at == clock.now + timedelta(seconds=60 * 2 ** (n - 1))
        assert sender.run_once().sent == 0  # not due yet: nothing is sent again at once
        clock.advance(60 * 2 ** (n - 1) + 31)
    assert sender.run_once().sent == 1
    assert robots.texts("wecom") == ["【退回】第 0 条"]
    assert errors[0].startswith("HTTP 500") and errors[1].startswith("连接失败")
    assert errors[2] == "errcode 93000：api freq out of limit"  # HTTP 200, errcode ≠ 0: a failure


def test_rate_limited_by_the_robot_waits_without_counting_a_failure(
    robots: Robots, archive: Archive, settings: Settings
) -> None:
    clock = Clock()
    sender = Sender(settings, archive.outbox, clock=clock)
    _queue(archive, "东莞群", 2)
    robots.plan.append(45009)
    sender.run_once()
    assert next((r.attempts, r.last_error) for r in archive.outbox.listing()) == (
        0, "errcode 45009：api freq out of limit",
    )  # fmt: skip
    clock.advance(59)
    assert sender.run_once().sent == 0  # the robot said wait a minute: the channel is paused
    clock.advance(2)
    assert sender.run_once().sent == 2


def test_the_21st_message_in_a_minute_waits(
    robots: Robots, archive: Archive, settings: Settings
) -> None:
    clock = Clock()
    sender = Sender(settings, archive.outbox, clock=clock)
    _queue(archive, "东莞群", 25)
    assert sender.run_once().sent == 20
    clock.advance(30)
    assert sender.run_once().sent == 0
    assert len(robots.texts("wecom")) == 20
    clock.advance(31)
    assert sender.run_once().sent == 5
    assert robots.texts("wecom") == [f"【退回】第 {i} 条" for i in range(25)]
    assert [p for p, _ in robots.requests].count("/cgi-bin/webhook/send") == 25  # never over


def test_after_a_day_a_message_is_given_up_with_a_log_line_and_a_mark(
    robots: Robots, archive: Archive, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    sender = Sender(settings, archive.outbox, clock=clock)
    _queue(archive, "东莞群")
    robots.down = True
    sender.run_once()
    clock.advance(25 * 3600)
    with caplog.at_level("ERROR", logger="branchflow.notify"):
        assert sender.run_once().failed == 1
    assert "已放弃" in caplog.text and "HTTP 503" in caplog.text
    assert _statuses(archive) == [("failed", 2)]
    lines = pending_lines(settings, archive)
    assert "已放弃：HTTP 503" in lines[0] and lines[-1] == "共 0 条待发，1 条已放弃。"
    robots.down = False
    clock.advance(3600)
    assert sender.run_once().sent == 0  # failed stays failed


def test_accepted_drops_are_summarised_once_the_burst_is_over(
    robots: Robots, archive: Archive, settings: Settings
) -> None:
    clock = Clock()
    sender = Sender(settings, archive.outbox, clock=clock, quiet=20)
    archive.outbox.add([
        OutboxMessage("东莞群", "accepted", "东莞分中心", f"· 东莞分中心：登记{i}.xlsx（客户档案）新增 3，更新 1",
                      payload={"files": 1, "new": 3, "updated": 1, "conflicts": i % 2})
        for i in range(3)
    ])  # fmt: skip
    assert sender.run_once().sent == 0
    clock.advance(21)
    assert sender.run_once().sent == 3
    (text,) = robots.texts("wecom")
    assert text.splitlines()[0] == "【已接收】3 个文件已入库：新增客户 9 位，更新 3 位，撞单 1 起"
    assert "登记2.xlsx" in text


def test_documents_go_as_a_file_on_wecom_and_as_a_note_on_dingtalk(
    tmp_path: Path, robots: Robots
) -> None:
    scopes = '["销售管理部", "总部"]'
    settings = notify_workspace(
        tmp_path, robot_channels(robots, scopes, '["documents"]'), robot_environ(robots)
    )
    folder = settings.reports_dir / "2026-11"
    folder.mkdir(parents=True)
    packet = folder / "部门资料包-销售管理部.docx"
    packet.write_bytes(b"PK\x03\x04 fake docx bytes " * 100)
    summary = folder / "月度工作总结-汇总.docx"
    summary.write_bytes(b"PK\x03\x04 summary " * 50)
    with Archive.open(settings) as archive:
        assert events.documents(settings, archive, "2026-11", [packet, summary]) == 4
        assert events.documents(settings, archive, "2026-11", [packet, summary]) == 0  # once a day
        assert Sender(settings, archive.outbox).run_once().sent == 4
    assert sorted(robots.uploads) == sorted(
        [(packet.name, packet.read_bytes()), (summary.name, summary.read_bytes())]
    )
    files = [m for m in robots.messages if m["msgtype"] == "file"]
    assert sorted(m["file"]["media_id"] for m in files) == ["media-0", "media-1"]
    ding = robots.texts("dingtalk")
    assert any("部门资料包-销售管理部.docx" in t and "outbox/reports/2026-11/" in t for t in ding)


def test_no_message_body_carries_a_full_number(
    robots: Robots, archive: Archive, settings: Settings
) -> None:
    archive.outbox.add([OutboxMessage("东莞群", "rejected", "东莞分中心",
                                      "手机号码 13812345678 重复；身份证 520328199001011234 有误")])  # fmt: skip
    Sender(settings, archive.outbox).run_once()
    (text,) = robots.texts("wecom")
    assert "138****5678" in text and "520328********1234" in text
    assert not has_full_number(text)
