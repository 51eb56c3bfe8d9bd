"""`branchflow watch` end to end: real files written slowly, real watcher processes, kill -9.

Subprocess tests run `python -m branchflow -w WS watch --polling --interval 0.2`; the in-thread
tests build a Watcher with short delays through its constructor (watch_helpers.FAST).
"""

from __future__ import annotations

import logging
import os
import signal
import time
from pathlib import Path

import pytest

import branchflow.watch.aftercare as aftercare_module
import branchflow.watch.loop as loop_module
from branchflow.archive.store import Archive
from branchflow.config import Settings
from branchflow.pipeline import process_file
from branchflow.watch.quarantine import QUARANTINE_DIR
from watch_helpers import (
    BRANCH,
    WatchProcess,
    customer_drops,
    ledger,
    new_workspace,
    receipts,
    slow_copy,
    wait_for,
    waiting_drops,
    watch_process,
    watcher_thread,
)

POLL = ("--polling", "--interval", "0.2")
pytestmark = pytest.mark.skipif(os.name != "posix", reason="signals and kill -9 as on Linux")


@pytest.fixture(scope="module")
def drops(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    """Fifty distinct customer workbooks (3 new customers each), made once for the module."""
    return customer_drops(new_workspace(tmp_path_factory.mktemp("drops")), 50)


@pytest.fixture
def ws(tmp_path: Path) -> Settings:
    return new_workspace(tmp_path)


# ── a real watcher process ─────────────────────────────────────────────────────────────────


def test_slow_chunked_copy_is_processed_once_after_it_ends(
    ws: Settings, drops: list[bytes]
) -> None:
    target = ws.inbox / BRANCH / "客户登记.xlsx"
    with watch_process(ws, *POLL) as watcher:

        def nothing_yet() -> None:
            assert receipts(ws) == [], "processed before the copy ended"

        slow_copy(drops[0], target, chunk=2048, seconds=2.0, watch=nothing_yet)
        done = wait_for(lambda: receipts(ws), what="receipt")
        time.sleep(0.5)  # a second answer would come within this
        assert watcher.stop() == 0
    assert [p.name.split("-")[0] for p in receipts(ws)] == ["回执"]
    assert len(done) == 1
    assert [(e.status, e.rows) for e in ledger(ws)] == [("accepted", 3)]
    assert not target.exists()


def test_temp_then_rename_save_and_litter(ws: Settings, drops: list[bytes]) -> None:
    folder = ws.inbox / BRANCH
    litter = ["~$客户登记.xlsx", "Thumbs.db", "desktop.ini", ".DS_Store", "草稿.tmp", "3F2A1C30"]
    with watch_process(ws, *POLL) as watcher:
        for name in litter:
            (folder / name).write_bytes(b"owner lock / OS dropping")
        # Excel's save: the new content goes to an extension-less temp name, then is renamed.
        slow_copy(drops[1], folder / "8F2A1C30", seconds=0.5)
        (folder / "8F2A1C30").replace(folder / "客户登记.xlsx")
        wait_for(lambda: receipts(ws), what="receipt")
        time.sleep(1.5)  # stability + a poll or two: litter would have been answered by now
        assert watcher.stop() == 0
    assert [e.original_name for e in ledger(ws)] == ["客户登记.xlsx"]
    assert len(receipts(ws)) == 1
    assert sorted(
        p.name for p in folder.iterdir() if p.is_file() and p.name != "使用说明.txt"
    ) == sorted(litter)


def test_kill_9_mid_batch_then_restart_imports_every_row_once(
    ws: Settings, drops: list[bytes]
) -> None:
    batch = drops[:20]
    with watch_process(ws, *POLL) as first:
        for n, data in enumerate(batch):
            (ws.inbox / BRANCH / f"登记{n:02d}.xlsx").write_bytes(data)
            time.sleep(0.08)  # staff drop one after another: processing spreads out
        wait_for(lambda: len(receipts(ws)) >= 3, what="first receipts")
        first.kill()
    answered_before_kill = len(receipts(ws))
    assert answered_before_kill < 20, "the kill came too late to test anything"
    with watch_process(ws, *POLL) as second:
        wait_for(
            lambda: not waiting_drops(ws) and len(ledger(ws)) == 20, timeout=20, what="drained"
        )
        time.sleep(0.3)
        assert second.stop() == 0
    entries = ledger(ws)
    assert sorted(e.original_name for e in entries) == [f"登记{n:02d}.xlsx" for n in range(20)]
    assert {e.status for e in entries} == {"accepted"}
    assert len({e.sha256 for e in entries}) == 20
    with Archive.open(ws) as archive:
        customers = archive.customers()
        assert archive.unfinished() == []
    assert len(customers) == 60
    assert len({c["phone"] for c in customers}) == 60
    assert waiting_drops(ws) == []


def test_sigterm_and_sigint_stop_promptly(ws: Settings, drops: list[bytes]) -> None:
    for n, sig in enumerate((signal.SIGTERM, signal.SIGINT)):
        with watch_process(ws, *POLL) as watcher:
            (ws.inbox / BRANCH / f"登记{n}.xlsx").write_bytes(drops[2 + n])
            time.sleep(0.9)  # mid-stability: the file is in hand or about to be
            assert watcher.stop(sig, timeout=5) == 0
        assert "已停止监视" in watcher.log
    # Whatever was still waiting is processed by the next start, once.
    with watch_process(ws, *POLL) as watcher:
        wait_for(lambda: not waiting_drops(ws) and len(ledger(ws)) == 2, what="drained")
        assert watcher.stop() == 0
    assert len(ledger(ws)) == 2


def test_a_second_watcher_on_the_same_workspace_refuses(ws: Settings, drops: list[bytes]) -> None:
    with watch_process(ws, *POLL) as first:
        second = WatchProcess(ws, *POLL, name="second")
        assert second.proc.wait(timeout=15) == 1
        message = second.err.read_text(encoding="utf-8").splitlines()
        assert message[0].startswith("错误：此工作区已有一个 branchflow watch 在运行（watch，进程 ")
        assert f"进程 {first.proc.pid}，" in message[0]
        (ws.inbox / BRANCH / "登记.xlsx").write_bytes(drops[7])
        wait_for(lambda: receipts(ws), what="receipt from the first watcher")
        assert first.stop() == 0
    assert len(ledger(ws)) == 1


@pytest.mark.parametrize("mode", [POLL, ()], ids=["polling", "native"])
def test_inbox_that_vanishes_and_comes_back_is_watched_again(
    ws: Settings, drops: list[bytes], mode: tuple[str, ...]
) -> None:
    away = ws.workspace / "inbox-away"
    with watch_process(ws, *mode) as watcher:
        ws.inbox.rename(away)
        wait_for(lambda: "不可用" in watcher.log, what="outage noticed")
        (away / BRANCH / "断网时放入.xlsx").write_bytes(drops[8])
        away.rename(ws.inbox)
        wait_for(lambda: "已恢复" in watcher.log, what="recovery noticed")
        (ws.inbox / BRANCH / "恢复后放入.xlsx").write_bytes(drops[9])
        wait_for(lambda: len(receipts(ws)) == 2, what="both answered")
        assert watcher.stop() == 0
    assert sorted(e.original_name for e in ledger(ws)) == ["恢复后放入.xlsx", "断网时放入.xlsx"]


# ── a Watcher in a thread, with short delays ───────────────────────────────────────────────


def test_a_burst_of_fifty_drops_costs_one_export(
    ws: Settings, drops: list[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    exports: list[dict[str, object]] = []
    real_export = aftercare_module.export_now

    def counting_export(settings, archive, branches=None, **options):  # type: ignore[no-untyped-def]
        exports.append({"branches": branches, **options})
        return real_export(settings, archive, branches, **options)

    monkeypatch.setattr(aftercare_module, "export_now", counting_export)
    with watcher_thread(ws) as watcher:
        for n, data in enumerate(drops):
            (ws.inbox / BRANCH / f"登记{n:02d}.xlsx").write_bytes(data)
        wait_for(lambda: len(receipts(ws)) == 50, what="fifty receipts")
        wait_for(lambda: not watcher.aftercare.pending, what="export")
        time.sleep(0.5)
    assert exports == [{"branches": None, "only_changed": True}]  # once, what changed
    assert (ws.archive_dir / "客户总档案.xlsx").is_file()


def test_a_locked_file_is_retried_not_rejected(
    ws: Settings,
    drops: list[bytes],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls: list[str] = []

    def locked_twice(path: Path, settings: Settings, archive: Archive):  # type: ignore[no-untyped-def]
        calls.append(path.name)
        if len(calls) <= 2:
            raise PermissionError(13, "The process cannot access the file (sharing violation)")
        return process_file(path, settings, archive)

    monkeypatch.setattr(loop_module, "process_file", locked_twice)
    with caplog.at_level(logging.INFO, logger="branchflow.watch"), watcher_thread(ws):
        (ws.inbox / BRANCH / "正在Excel中打开.xlsx").write_bytes(drops[10])
        wait_for(lambda: receipts(ws), what="receipt")
    assert calls == ["正在Excel中打开.xlsx"] * 3
    assert [p.name.split("-")[0] for p in receipts(ws)] == ["回执"]
    assert "占用" in caplog.text


def test_a_crash_in_one_file_quarantines_it_and_the_loop_goes_on(
    ws: Settings,
    drops: list[bytes],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def crash_on_bad(path: Path, settings: Settings, archive: Archive):  # type: ignore[no-untyped-def]
        if path.name == "坏.xlsx":
            raise RuntimeError("unexpected bug")
        return process_file(path, settings, archive)

    monkeypatch.setattr(loop_module, "process_file", crash_on_bad)
    with caplog.at_level(logging.INFO, logger="branchflow.watch"), watcher_thread(ws):
        (ws.inbox / BRANCH / "坏.xlsx").write_bytes(drops[11])
        (ws.inbox / BRANCH / "好.xlsx").write_bytes(drops[12])
        wait_for(lambda: len(receipts(ws)) == 2, what="two answers")
    kept = sorted((ws.store_dir / QUARANTINE_DIR).iterdir())
    assert [
        p.name.endswith(("-东莞分中心-坏.xlsx", "-东莞分中心-坏.xlsx.错误.txt")) for p in kept
    ] == [True, True]
    assert kept[0].read_bytes() == drops[11]
    assert "unexpected bug" in kept[1].read_text(encoding="utf-8-sig")
    note = receipts(ws, "待核查-坏-")[0].read_text(encoding="utf-8-sig")
    assert "已转总部核查" in note and "不会丢失" in note
    assert [e.original_name for e in ledger(ws)] == ["好.xlsx"]
    assert "处理 inbox/东莞分中心/坏.xlsx 时出错：unexpected bug" in caplog.text
    assert waiting_drops(ws) == []


def test_committed_but_unanswered_file_is_answered_not_reimported(
    ws: Settings, drops: list[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The window kill -9 can hit: the archive committed, the receipt was not written."""
    import branchflow.pipeline as pipeline

    path = ws.inbox / BRANCH / "登记.xlsx"
    path.write_bytes(drops[13])
    with monkeypatch.context() as patch, Archive.open(ws) as archive:
        patch.setattr(pipeline.feedback, "write_receipt", _killed)
        with pytest.raises(SystemExit):
            process_file(path, ws, archive)
        assert [e.relative for e in archive.unfinished()] == [f"{BRANCH}/登记.xlsx"]
    with watcher_thread(ws):
        wait_for(lambda: receipts(ws), what="receipt")
    with Archive.open(ws) as archive:
        assert archive.unfinished() == []
        assert len(archive.ledger()) == 1
        assert len(archive.customers()) == 3
    assert not path.exists()


def test_a_partial_copy_that_stalls_is_waited_for(ws: Settings, drops: list[bytes]) -> None:
    """A copy that pauses longer than the quiet period (a network hiccup) is not rejected as
    damaged: a workbook without its zip end record is waited for."""
    target = ws.inbox / BRANCH / "停顿的复制.xlsx"
    data = drops[14]
    with watcher_thread(ws):
        with target.open("wb") as handle:
            handle.write(data[: len(data) // 2])
            handle.flush()
            time.sleep(1.0)  # five quiet periods
            assert receipts(ws) == []
            handle.write(data[len(data) // 2 :])
        wait_for(lambda: receipts(ws), what="receipt")
    assert [p.name.split("-")[0] for p in receipts(ws)] == ["回执"]


def _killed(*args: object, **kwargs: object) -> None:
    raise SystemExit("killed between commit and receipt")


def test_links_dropped_while_watching_are_logged_and_never_followed(
    ws: Settings, drops: list[bytes], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "他处.xlsx").write_bytes(drops[13])
    (outside / "secret.xlsx").write_bytes(b"PASSWORD=hunter2")
    with caplog.at_level(logging.INFO, logger="branchflow.watch"), watcher_thread(ws):
        (ws.inbox / BRANCH / "共享").symlink_to(outside, target_is_directory=True)
        (ws.inbox / BRANCH / "env.xlsx").symlink_to(outside / "secret.xlsx")
        (ws.inbox / BRANCH / "loop").symlink_to("..", target_is_directory=True)
        (ws.inbox / BRANCH / "好.xlsx").write_bytes(drops[14])
        wait_for(lambda: receipts(ws), what="the good file's receipt")
        wait_for(lambda: "inbox/东莞分中心/loop" in caplog.text, what="the rescan's note")
    assert sorted(p.name for p in outside.iterdir()) == ["secret.xlsx", "他处.xlsx"]
    assert [e.original_name for e in ledger(ws)] == ["好.xlsx"]
    for name in ("共享", "env.xlsx", "loop"):
        assert f"未处理 inbox/东莞分中心/{name}：是快捷方式（符号链接）" in caplog.text
    kept = b"".join(p.read_bytes() for p in ws.store_dir.rglob("*") if p.is_file())
    assert b"hunter2" not in kept
