"""Originals and quarantined drops are removed after [store] keep_originals_days, never earlier,
and never while their drop is still being processed."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from branchflow import feedback
from branchflow.archive.originals import MANIFEST_SUFFIX
from branchflow.archive.store import Archive
from branchflow.config import Settings
from branchflow.pipeline import ingest
from branchflow.retention import purge_kept
from branchflow.watch.aftercare import Aftercare
from branchflow.watch.quarantine import QUARANTINE_DIR
from branchflow.workspace import create_workspace
from builders import filled_customers

DG = "东莞分中心"


def at(settings: Settings, moment: str) -> Settings:
    when = datetime.fromisoformat(moment).replace(tzinfo=settings.timezone)
    return dataclasses.replace(settings, now_override=when)


def drop(settings: Settings, name: str, phone: str, on: date) -> None:
    data = filled_customers(settings.inbox, DG, [phone], registered_on=on)
    (settings.inbox / DG / name).write_bytes(data)


def kept(settings: Settings) -> list[str]:
    return sorted(p.name for p in settings.originals_dir.rglob("*") if p.is_file())


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Drops from 2023-01 (one of them interrupted before its answer) and from 2026-11, and
    quarantined drops from both times."""
    settings = create_workspace(tmp_path / "ws")
    with Archive.open(settings) as archive:
        drop(settings, "旧.xlsx", "13811110001", date(2023, 1, 2))
        ingest(at(settings, "2023-01-03T10:00"), archive)

        def die(*args: Any, **kwargs: Any) -> Path:
            raise RuntimeError("stopped before answering")

        monkeypatch.setattr(feedback, "write_receipt", die)
        drop(settings, "中断.xlsx", "13811110002", date(2023, 1, 2))
        with pytest.raises(RuntimeError):
            ingest(at(settings, "2023-01-03T11:00"), archive)
        monkeypatch.undo()
        (settings.inbox / DG / "中断.xlsx").rename(settings.workspace / "中断.xlsx")
        drop(settings, "新.xlsx", "13811110003", date(2026, 11, 2))
        ingest(at(settings, "2026-11-03T10:00"), archive)
    quarantine = settings.store_dir / QUARANTINE_DIR
    quarantine.mkdir()
    for name in ("20230105-101010-东莞分中心-坏.xlsx", "20261105-101010-东莞分中心-坏.xlsx"):
        (quarantine / name).write_bytes(b"PK")
        (quarantine / f"{name}.错误.txt").write_text("note", encoding="utf-8")
    return settings


def test_purge_removes_only_what_is_old_and_final(settings: Settings) -> None:
    assert len(kept(settings)) == 6  # three originals, each with its manifest
    with Archive.open(settings) as archive:
        report = purge_kept(settings, archive, at(settings, "2026-11-26T09:30").now())
        ledger = archive.ledger()
    assert (report.originals, report.quarantined, report.held) == (1, 1, 1)
    by_name = {e.relative.split("/")[-1]: e for e in ledger}
    for name, stays in (("旧.xlsx", False), ("中断.xlsx", True), ("新.xlsx", True)):
        original = settings.originals_dir / by_name[name].original_path
        assert original.exists() is stays, name
        assert Path(f"{original}{MANIFEST_SUFFIX}").exists() is stays, name
    assert len(ledger) == 3  # the ledger still says what came when
    assert sorted(p.name for p in (settings.store_dir / QUARANTINE_DIR).iterdir()) == [
        "20261105-101010-东莞分中心-坏.xlsx",
        "20261105-101010-东莞分中心-坏.xlsx.错误.txt",
    ]


def test_zero_days_keeps_everything(settings: Settings) -> None:
    forever = dataclasses.replace(settings, keep_originals_days=0)
    with Archive.open(forever) as archive:
        report = purge_kept(forever, archive, at(settings, "2036-01-01T00:00").now())
    assert report.describe() == ["[store] keep_originals_days = 0：原始文件永久保存，未清理。"]
    assert len(kept(settings)) == 6


def test_the_watcher_purges_once_a_day(settings: Settings) -> None:
    later = at(settings, "2026-11-26T09:30")
    with Archive.open(later) as archive:
        Aftercare(later, archive, debounce=1, max_wait=1).daily()
    assert len(kept(settings)) == 4


def test_the_purge_command(settings: Settings) -> None:
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "BRANCHFLOW_NOW": "2026-11-26T09:30",
        "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "branchflow", "-w", str(settings.workspace), "store", "purge"],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "已清理超过 1095 天的原始文件 1 个、隔离文件 1 个。",
        "另有 1 个过期原始文件的报送尚未处理完，暂不清理。",
    ]
