"""Operational failures are one Chinese line and exit 1 (2 is for usage and config only)."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from branchflow.errors import BranchflowError
from branchflow.watch import lock
from branchflow.watch.lock import WorkspaceLock
from builders import filled_customers

SRC = Path(__file__).resolve().parents[1] / "src"
DG = "东莞分中心"


def run(ws: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC), "BRANCHFLOW_NOW": "2026-11-26T09:30"}
    return subprocess.run(
        [sys.executable, "-m", "branchflow", "-w", str(ws), *args],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in done.stderr
    [line] = done.stderr.strip().splitlines()
    return line


@pytest.fixture(scope="module")
def blank_ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ws = tmp_path_factory.mktemp("blank") / "ws"
    assert run(ws, "init", str(ws)).returncode == 0
    return ws


@pytest.fixture
def ws(blank_ws: Path, tmp_path: Path) -> Path:
    shutil.copytree(blank_ws, tmp_path / "ws")
    return tmp_path / "ws"


def test_a_full_disk_while_taking_the_lock_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(fd: int, data: bytes) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(lock.os, "write", full)
    with pytest.raises(BranchflowError, match=r"^无法写入 .*watch\.lock：No space left on device"):
        WorkspaceLock(tmp_path / "store" / "watch.lock").acquire("ingest，进程 1")
    monkeypatch.undo()
    with WorkspaceLock(tmp_path / "store" / "watch.lock") as again:  # and the lock was let go
        again.acquire("ingest，进程 2")


def test_a_second_ingest_is_refused_naming_ingest(ws: Path) -> None:
    with WorkspaceLock(ws / "store" / "watch.lock") as first:
        first.acquire("ingest，进程 4242，2026-11-26 09:30 启动")
        done = run(ws, "ingest")
    assert done.returncode == 1
    assert one_line(done).startswith(
        "错误：此工作区已有一个 branchflow ingest 在运行（ingest，进程 4242，"
    )


def test_a_report_into_an_unwritable_outbox_is_one_line(ws: Path) -> None:
    shutil.rmtree(ws / "outbox")
    (ws / "outbox").write_text("not a folder", encoding="utf-8")
    done = run(ws, "report", "--period", "2026-11")
    assert done.returncode == 1
    assert one_line(done).startswith("错误：无法写入 ")


def test_a_folder_named_like_the_master_is_one_line_and_leaves_no_temp(ws: Path) -> None:
    (ws / "outbox" / "archive" / "客户总档案.xlsx").mkdir(parents=True)
    done = run(ws, "export")
    assert done.returncode == 1
    assert one_line(done) == (
        f"错误：无法写出 {ws / 'outbox' / 'archive' / '客户总档案.xlsx'}：同名的文件夹占着这个位置；"
        "请把该文件夹改名或移走后运行 branchflow export"
    )
    assert sorted(p.name for p in (ws / "outbox" / "archive").iterdir()) == ["客户总档案.xlsx"]


def test_ingest_into_an_unwritable_outbox_exits_1_after_answering(ws: Path) -> None:
    (ws / "inbox" / DG / "客户.xlsx").write_bytes(
        filled_customers(ws / "inbox", DG, ["13812345678"])
    )
    shutil.rmtree(ws / "outbox")
    (ws / "outbox").write_text("not a folder", encoding="utf-8")
    done = run(ws, "ingest")
    assert done.returncode == 1
    assert one_line(done).startswith("错误：无法创建总档案文件夹 ")
    assert done.stdout.startswith(f"已接收  {DG}/客户.xlsx")
    assert not (ws / "inbox" / DG / "客户.xlsx").exists()
