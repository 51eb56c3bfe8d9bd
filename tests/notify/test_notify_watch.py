"""A real `branchflow watch` process delivering to a fake 企业微信 robot: exactly one message
per event across a kill -9, the robot being down meanwhile, and the restart."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from robots import Robots, fake_robots, notify_workspace

from branchflow.archive.store import Archive
from branchflow.config import BLANKS_DIR, Settings
from branchflow.sample.fill import Filling, fill_template
from watch_helpers import BRANCH, receipts, wait_for, watch_process

POLL = ("--polling", "--interval", "0.2")
CHANNEL = (
    "[notify]\nretry_seconds = 1\n"
    '[[notify.channels]]\nname = "东莞群"\nkind = "wecom"\nurl = "env:BF_WECOM"\n'
    f'scopes = ["{BRANCH}"]\nevents = ["rejected"]\n'
)


@pytest.fixture
def robots(monkeypatch: pytest.MonkeyPatch) -> Iterator[Robots]:
    with fake_robots() as found:
        monkeypatch.setenv("BF_WECOM", found.wecom_url)
        yield found


def bad_workbook(settings: Settings, n: int) -> bytes:
    """A 客户档案 with a phone number too short: rejected, the copy annotated."""
    rows: list[dict[str, Any]] = [
        {"name": f"客户{n}", "phone": "1380013", "county": "凤冈县", "township": "琊川镇",
         "grade": "A", "registered_on": date(2026, 11, 2), "consultant": "罗明"},
    ]  # fmt: skip
    blank = settings.inbox / BRANCH / BLANKS_DIR / f"客户档案-{BRANCH}.xlsx"
    return fill_template(
        blank, Filling("customers", {"branch": BRANCH, "reporter": "罗明"}, {"customers": rows})
    )


def _sent(settings: Settings) -> int:
    with Archive.open(settings) as archive:
        return archive.outbox.counts().get("sent", 0)


def test_exactly_one_message_per_rejection_across_a_kill_9(tmp_path: Path, robots: Robots) -> None:
    settings = notify_workspace(tmp_path, CHANNEL, {"BF_WECOM": robots.wecom_url})
    files = [bad_workbook(settings, n) for n in range(8)]
    with watch_process(settings, *POLL) as first:
        (settings.inbox / BRANCH / "坏00.xlsx").write_bytes(files[0])
        wait_for(lambda: _sent(settings) == 1, timeout=30, what="the first message sent")
        robots.down = True  # from now on the robot answers 503: nothing is half-sent at the kill
        for n, data in enumerate(files[1:], start=1):
            (settings.inbox / BRANCH / f"坏{n:02d}.xlsx").write_bytes(data)
        wait_for(lambda: len(receipts(settings, "退回")) >= 3, timeout=30, what="some answers")
        first.kill()
    assert len(receipts(settings, "退回")) < 8, "the kill came after everything was done"
    robots.down = False
    with watch_process(settings, *POLL) as second:
        wait_for(lambda: _sent(settings) == 8, timeout=60, what="every message sent")
        assert second.stop() == 0
    names = [line.split("：", 1)[1].split("（", 1)[0] for t in robots.texts("wecom")
             for line in t.splitlines() if line.startswith("文件：")]  # fmt: skip
    assert sorted(names) == [f"坏{n:02d}.xlsx" for n in range(8)]
    with Archive.open(settings) as archive:
        assert [e.status for e in archive.ledger()] == ["rejected"] * 8
        assert archive.outbox.counts() == {"sent": 8}
    # Whether the first watcher tried (and met a 503) before the kill depends on the machine's
    # speed; either way nothing it queued was lost or sent twice.
