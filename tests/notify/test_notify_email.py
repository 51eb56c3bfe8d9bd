"""E-mail through a real SMTP server (aiosmtpd on 127.0.0.1), and the `notify` commands."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from robots import (
    fake_robots,
    free_port,
    notify_workspace,
    robot_channels,
    robot_environ,
    smtp_server,
)

from branchflow.archive.outbox import OutboxMessage
from branchflow.archive.store import Archive
from branchflow.notify import events
from branchflow.notify.formats import has_full_number
from branchflow.notify.sender import Sender

SRC = Path(__file__).resolve().parents[2] / "src"


def _mail_channel(port: int) -> str:
    return (
        f'[notify.smtp]\nhost = "127.0.0.1"\nport = {port}\nstarttls = false\nfrom = "branchflow@example.com"\n'
        '[[notify.channels]]\nname = "销售管理部邮箱"\nkind = "email"\nto = ["xs@example.com", "hq@example.com"]\n'
        'scopes = ["销售管理部", "总部"]\n'
    )


def test_documents_arrive_as_attachments_by_email(tmp_path: Path) -> None:
    with smtp_server() as (box, port):
        settings = notify_workspace(tmp_path, _mail_channel(port))
        folder = settings.reports_dir / "2026-11"
        folder.mkdir(parents=True)
        packet = folder / "部门资料包-销售管理部.docx"
        packet.write_bytes(b"PK\x03\x04 a department packet")
        with Archive.open(settings) as archive:
            assert events.documents(settings, archive, "2026-11", [packet]) == 1
            assert Sender(settings, archive.outbox).run_once().sent == 1
    (mail,) = box.mails
    assert mail["To"] == "xs@example.com, hq@example.com"
    assert mail["Subject"] == "月度文档：2026-11 销售管理部"
    (attachment,) = list(mail.iter_attachments())
    assert attachment.get_filename() == packet.name
    assert attachment.get_payload(decode=True) == packet.read_bytes()
    body = mail.get_body(("plain",))
    assert body is not None and "部门资料包-销售管理部.docx" in body.get_content()


def test_a_mail_server_that_is_down_is_retried_and_the_mail_arrives_once(tmp_path: Path) -> None:
    free = free_port()  # nobody listens there
    settings = notify_workspace(tmp_path, _mail_channel(free))
    now = datetime.now(UTC) + timedelta(seconds=1)
    with Archive.open(settings) as archive:
        archive.outbox.add(
            [OutboxMessage("销售管理部邮箱", "conflict", "总部", "【撞单】客户 13812345678")]
        )
        assert Sender(settings, archive.outbox, clock=lambda: now).run_once().retried == 1
        [row] = archive.outbox.listing()
        assert row.attempts == 1 and "邮件发送失败" in str(row.last_error)
        with smtp_server() as (box, port):
            moved = notify_workspace(tmp_path, _mail_channel(port), name="ws2")
            later = now + timedelta(minutes=2)
            sender = Sender(moved, archive.outbox, clock=lambda: later)
            assert sender.run_once().sent == 1
            assert sender.run_once().sent == 0
    (mail,) = box.mails
    body = mail.get_body(("plain",))
    assert body is not None and "138****5678" in body.get_content()
    assert not has_full_number(str(mail["Subject"])) and not has_full_number(body.get_content())


def _cli(ws: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, **env, "PYTHONPATH": str(SRC)}
    return subprocess.run([sys.executable, "-m", "branchflow", "-w", str(ws), *args],
                          capture_output=True, text=True, env=environ, timeout=120)  # fmt: skip


def test_notify_test_sends_at_once_and_says_so(tmp_path: Path) -> None:
    with fake_robots() as robots:
        env = robot_environ(robots)
        settings = notify_workspace(tmp_path, robot_channels(robots), env)
        done = _cli(settings.workspace, "notify", "test", "钉钉群", env=env)
        assert done.returncode == 0, done.stderr
        assert done.stdout.splitlines()[0] == "已发送测试消息到“钉钉群”（钉钉群机器人）"
        assert robots.texts("dingtalk")[0].startswith("【测试】渠道“钉钉群”已接通")
        robots.down = True
        failed = _cli(settings.workspace, "notify", "test", "东莞群", env=env)
        assert failed.returncode == 1
        assert (
            failed.stderr.splitlines()[0]
            == "错误：向“东莞群”发送测试消息失败：HTTP 503（服务器暂时出错或地址不对）"
        )
        unknown = _cli(settings.workspace, "notify", "test", "没有这个群", env=env)
        assert unknown.returncode == 2
        assert unknown.stderr.startswith(
            "错误：没有名为“没有这个群”的通知渠道；已配置：东莞群、钉钉群"
        )


def test_ingest_delivers_at_its_end_and_pending_lists_what_waits(tmp_path: Path) -> None:
    with fake_robots() as robots:
        env = robot_environ(robots)
        settings = notify_workspace(tmp_path, robot_channels(robots), env)
        (settings.inbox / "东莞分中心" / "坏.xlsx").write_bytes(b"not a workbook")
        robots.down = True  # 企业微信 and 钉钉 both: the pipeline must not wait on them
        done = _cli(settings.workspace, "ingest", env=env)
        assert done.returncode == 0, done.stderr
        assert (
            done.stdout.splitlines()[-1]
            == "通知：已发送 0 条，2 条待发，由 branchflow watch 继续发送（重试）。"
        )
        listed = _cli(settings.workspace, "notify", "pending", env=env)
        assert listed.returncode == 0
        lines = listed.stdout.splitlines()
        assert (
            len(lines) == 3
            and "第 1 次失败（HTTP 503" in lines[0]
            and "退回·东莞分中心" in lines[0]
        )
        assert lines[-1] == "共 2 条待发，0 条已放弃。"
        robots.down = False
        (settings.inbox / "东莞分中心" / "坏2.xlsx").write_bytes(b"not a workbook either")
        done = _cli(settings.workspace, "ingest", env=env)
        # the new rejection goes at once; the earlier two wait for their backoff (the watcher's)
        assert (
            done.stdout.splitlines()[-1]
            == "通知：已发送 2 条，2 条待发，由 branchflow watch 继续发送（重试）。"
        )
    assert [t.splitlines()[1] for t in robots.texts()] == [
        "文件：坏2.xlsx（无法识别）未入库，共 1 处错误："
    ] * 2


def test_a_secret_in_the_file_is_warned_about_once_per_command(tmp_path: Path) -> None:
    text = robot_channels_literal()
    settings = notify_workspace(tmp_path, text)
    done = _cli(settings.workspace, "notify", "pending", env={})
    assert done.returncode == 0
    assert done.stderr.count("提醒：") == 1
    assert "url 直接写在配置文件里" in done.stderr


def robot_channels_literal() -> str:
    return ('[[notify.channels]]\nname = "东莞群"\nkind = "wecom"\n'
            'url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"\nscopes = ["东莞分中心"]\n')  # fmt: skip
