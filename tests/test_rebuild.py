"""A lost store is refused, not recreated; `store rebuild` replays the kept originals in order."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from branchflow.archive.guard import LedgerLost
from branchflow.archive.originals import MANIFEST_SUFFIX
from branchflow.archive.store import Archive
from branchflow.config import Settings
from branchflow.export import ArchiveData, export_archive
from branchflow.masterguard import customers_in
from branchflow.pipeline import ingest
from branchflow.rebuild import rebuild_store
from branchflow.workspace import create_workspace
from builders import filled_customers

DG, NB = "东莞分中心", "宁波分中心"
SRC = Path(__file__).resolve().parents[1] / "src"


def at(settings: Settings, moment: str) -> Settings:
    return dataclasses.replace(
        settings, now_override=datetime.fromisoformat(moment).replace(tzinfo=settings.timezone)
    )


def drop(settings: Settings, branch: str, name: str, phones: list[str], on: date) -> None:
    data = filled_customers(settings.inbox, branch, phones, registered_on=on)
    (settings.inbox / branch / name).write_bytes(data)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return create_workspace(tmp_path / "ws")


@pytest.fixture
def history(settings: Settings) -> list[dict[str, Any]]:
    """Five drops over three days: a 撞单 whose owner depends on the order, a rejection, a
    duplicate; returns the customers as the archive had them."""
    with Archive.open(settings) as archive:
        drop(settings, NB, "登记.xlsx", ["13811112222", "13811113333"], date(2026, 11, 2))
        ingest(at(settings, "2026-11-02T18:00"), archive)
        drop(settings, DG, "登记.xlsx", ["13811112222", "13822224444"], date(2026, 11, 3))
        resent = (settings.inbox / DG / "登记.xlsx").read_bytes()
        drop(settings, DG, "坏的.xlsx", ["13822225555", "138"], date(2026, 11, 3))
        ingest(at(settings, "2026-11-03T18:00"), archive)
        (settings.inbox / DG / "登记.xlsx").write_bytes(resent)  # the same attachment again
        ingest(at(settings, "2026-11-04T09:00"), archive)
        return archive.customers()


def lose_the_store(settings: Settings) -> None:
    for path in settings.store_dir.glob("branchflow.sqlite3*"):
        path.unlink()


def run(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC), "BRANCHFLOW_NOW": "2026-11-26T09:30"}
    return subprocess.run(
        [sys.executable, "-m", "branchflow", "-w", str(settings.workspace), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def essentials(customers: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return sorted((c["phone"], c["owner_branch"], c["first_registered_on"]) for c in customers)


def test_a_deleted_store_is_refused_while_originals_remain(
    settings: Settings, history: list[dict[str, Any]]
) -> None:
    lose_the_store(settings)
    with pytest.raises(LedgerLost, match="store rebuild"):
        Archive.open(settings)
    assert not list(settings.store_dir.glob("branchflow.sqlite3*"))  # not recreated
    done = run(settings, "ingest")
    assert done.returncode == 1
    assert done.stderr.startswith("错误：档案数据库") and "store rebuild" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_an_emptied_store_is_refused_too(settings: Settings, history: list[dict[str, Any]]) -> None:
    lose_the_store(settings)
    Archive.open(dataclasses.replace(settings), rebuilding=True).close()  # an empty new store
    before = settings.master_path.read_bytes()
    done = run(settings, "export")
    assert done.returncode == 1 and "没有任何报送记录" in done.stderr
    assert settings.master_path.read_bytes() == before


def test_rebuild_replays_the_drops_in_received_order(
    settings: Settings, history: list[dict[str, Any]]
) -> None:
    lose_the_store(settings)
    report = rebuild_store(settings)
    assert report.counts == {"accepted": 2, "rejected": 1, "duplicate": 1}
    with Archive.open(settings) as archive:
        assert essentials(archive.customers()) == essentials(history)
        [conflict] = archive.conflicts()
        ledger = archive.ledger()
        assert archive.unfinished() == []
    assert (conflict["owner_branch"], conflict["claimant_branch"]) == (NB, DG)
    assert [(e.folder, e.status, f"{e.received_at:%d %H:%M}") for e in ledger] == [
        (NB, "accepted", "02 18:00"),
        (DG, "rejected", "03 18:00"),  # 坏的.xlsx was listed first, as then
        (DG, "accepted", "03 18:00"),
        (DG, "duplicate", "04 09:00"),
    ]
    assert customers_in(settings.master_path) == 3
    assert not list((settings.inbox / DG).glob("*.xlsx"))  # nothing dropped again
    assert len(list((settings.inbox / DG / "回执").iterdir())) == 3  # and nobody answered again


def test_rebuild_after_a_rule_change_keeps_the_old_store(
    settings: Settings, history: list[dict[str, Any]]
) -> None:
    report = rebuild_store(at(settings, "2026-11-26T09:30"))
    assert (
        report.previous == settings.store_dir / "branchflow-before-rebuild-20261126-093000.sqlite3"
    )
    assert report.previous.is_file()
    with Archive.open(settings) as archive:
        assert essentials(archive.customers()) == essentials(history)
        assert len(archive.ledger()) == 4


def test_rebuild_reads_the_manifests_kept_beside_the_originals(
    settings: Settings, history: list[dict[str, Any]]
) -> None:
    manifests = sorted(settings.originals_dir.glob(f"*/*{MANIFEST_SUFFIX}"))
    lines = [json.loads(line) for m in manifests for line in m.read_text("utf-8").splitlines()]
    assert sorted((d["folder"], d["relative"]) for d in lines) == [
        (DG, f"{DG}/坏的.xlsx"),
        (DG, f"{DG}/登记.xlsx"),
        (DG, f"{DG}/登记.xlsx"),
        (NB, f"{NB}/登记.xlsx"),
    ]
    assert all(datetime.fromisoformat(d["received_at"]).tzinfo is not None for d in lines)


def test_a_master_is_not_replaced_by_a_near_empty_one_without_force(tmp_path: Path) -> None:
    many = [{"phone": f"1381111000{i}", "owner_branch": DG, "name": "x"} for i in range(6)]
    export_archive(tmp_path, ArchiveData(customers=many))
    master = tmp_path / "客户总档案.xlsx"
    before = master.read_bytes()
    result = export_archive(tmp_path, ArchiveData(customers=many[:2]))
    assert result.refused and master.read_bytes() == before
    assert "现有的有 6 位客户，新导出的只有 2 位" in result.notes[0]
    assert not list(tmp_path.glob(".*.tmp"))
    assert export_archive(tmp_path, ArchiveData(customers=many[:3])).refused is False
    assert export_archive(tmp_path, ArchiveData(), force=True).refused is False
    assert customers_in(master) == 0


def test_export_refused_by_the_guard_exits_1_and_force_overrides(
    settings: Settings, history: list[dict[str, Any]]
) -> None:
    many = [{"phone": f"1381111000{i}", "owner_branch": DG, "name": "x"} for i in range(8)]
    export_archive(settings.archive_dir, ArchiveData(customers=many))  # made from another store
    done = run(settings, "export")
    assert done.returncode == 1
    assert "未覆盖 客户总档案.xlsx：现有的有 8 位客户，新导出的只有 3 位" in done.stdout
    assert done.stderr == "错误：客户总档案未覆盖（见上）\n"
    assert customers_in(settings.master_path) == 8
    assert run(settings, "export", "--force").returncode == 0
    assert customers_in(settings.master_path) == 3


def test_the_rebuild_command_says_what_it_replayed(
    settings: Settings, history: list[dict[str, Any]]
) -> None:
    lose_the_store(settings)
    done = run(settings, "store", "rebuild")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"已接收  {NB}/登记.xlsx（2026-11-02 18:00 收到）"
    assert "已按收到顺序重新入库 4 个文件：接收 2，退回 1，重复 1。" in lines
    assert run(settings, "ingest").returncode == 0
