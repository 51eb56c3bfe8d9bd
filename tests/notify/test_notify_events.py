"""Events without a drop: reminders from the calendar, 判客 decisions, distributed folders."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from robots import notify_workspace

from branchflow.archive.store import Archive
from branchflow.notify import events

CHANNELS = "".join(
    f'[[notify.channels]]\nname = "{name}"\nkind = "wecom"\nurl = "env:BF_URL"\nscopes = ["{scope}"]\n'
    for name, scope in (("东莞群", "东莞分中心"), ("宁波群", "宁波分中心"), ("总部群", "总部"))
)
ENV = {"BF_URL": "https://example.invalid/cgi-bin/webhook/send?key=k"}


def test_reminders_three_days_before_and_on_the_day_once_at_nine(tmp_path: Path) -> None:
    settings = notify_workspace(tmp_path, CHANNELS, ENV)
    tz = settings.timezone
    with Archive.open(settings) as archive:
        sunday = datetime(2026, 11, 22, 0, 5, tzinfo=tz)  # 月度工作总结 due on the 25th
        assert events.reminders(settings, archive, sunday) == 2  # 东莞群, 宁波群
        assert events.reminders(settings, archive, sunday.replace(hour=15)) == 0  # once a day
        rows = archive.outbox.listing()
        assert {r.scope for r in rows} == {"东莞分中心", "宁波分中心"}
        nine = datetime(2026, 11, 22, 9, 0, tzinfo=tz)  # not sent before 09:00 (wall clock)
        assert all(r.next_attempt_at == max(r.created_at, nine) for r in rows)
        lines = rows[0].body.splitlines()
        assert lines[0] == "【待报提醒】东莞分中心"
        assert lines[1].startswith(
            "· 月度工作总结及下月工作计划 2026-11：11月25日（星期三）23:59 前，还有 3 天"
        )
        assert len(lines) == 3  # the weekly news due tomorrow is neither 3 days off nor today
        monday = datetime(2026, 11, 23, 10, 0, tzinfo=tz)  # the week's news is due today
        assert events.reminders(settings, archive, monday) == 2
        assert "营销活动周报 2026-W47" in archive.outbox.listing()[-1].body
        tuesday = datetime(2026, 11, 24, 10, 0, tzinfo=tz)  # one day before: no group message
        assert events.reminders(settings, archive, tuesday) == 0
        wednesday = datetime(2026, 11, 25, 10, 0, tzinfo=tz)
        assert events.reminders(settings, archive, wednesday) == 2
        assert "今天截止" in archive.outbox.listing()[-1].body
        assert events.reminders(settings, archive, datetime(2026, 11, 29, 8, 0, tzinfo=tz)) == 1
        assert archive.outbox.listing()[-1].scope == "总部"  # 总部月度简报 due 12-02


def test_a_decision_from_the_console_goes_to_both_branches_and_hq(tmp_path: Path) -> None:
    settings = notify_workspace(tmp_path, CHANNELS, ENV)
    with Archive.open(settings) as archive:
        sent = events.conflict_decided(
            settings, archive, "13812345678", "宁波分中心", "东莞分中心", "归东莞分中心（带看在先）"
        )
        assert sent == 3
        rows = archive.outbox.listing()
    assert {r.channel for r in rows} == {"东莞群", "宁波群", "总部群"}
    assert rows[0].body == (
        "【判客】客户 138****5678（宁波分中心 / 东莞分中心 撞单）\n判定：归东莞分中心（带看在先）"
    )


def test_distributed_tells_each_branch_what_is_in_its_folder(tmp_path: Path) -> None:
    settings = notify_workspace(tmp_path, CHANNELS, ENV)
    folder = settings.inbox / "东莞分中心" / "下发" / "2026-11"
    folder.mkdir(parents=True)
    files = [folder / "例会资料-东莞分中心.docx", folder / "分中心档案-东莞分中心.xlsx"]
    with Archive.open(settings) as archive:
        assert events.distributed(settings, archive, "2026-11", {"东莞分中心": files}) == 1
        assert events.distributed(settings, archive, "2026-11", {"东莞分中心": files}) == 0
        [row] = archive.outbox.listing()
    assert row.body.splitlines() == [
        "【下发资料】2026-11 东莞分中心",
        "已放入 inbox/东莞分中心/下发/2026-11/：",
        "· 例会资料-东莞分中心.docx",
        "· 分中心档案-东莞分中心.xlsx",
    ]
