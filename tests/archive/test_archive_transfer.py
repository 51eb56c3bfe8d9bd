"""`store migrate` and `store copy`: an SQLite archive moved into PostgreSQL without loss."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from archive_helpers import (
    NOW,
    A,
    B,
    customer,
    customers_batch,
    drop,
    followup,
    make_settings,
)
from sqlalchemy import text

from branchflow.archive.migrate import head_revision
from branchflow.archive.store import Archive
from branchflow.archive.transfer import copy_store, migrate_store
from branchflow.config import Settings
from branchflow.errors import StoreError
from branchflow.workspace import create_workspace

SRC = Path(__file__).resolve().parents[2] / "src"


def _fill(archive: Archive) -> None:
    first = customers_batch(A, [customer(1, "13800000001", area=88.5), customer(2, "138****0002")],
                            [followup(1, "13800000001")])  # fmt: skip
    drop(archive, first, data=b"1")
    drop(
        archive,
        customers_batch(B, [customer(1, "13800000001")]),
        NOW + timedelta(hours=1),
        data=b"2",
    )
    drop(archive, first, NOW + timedelta(hours=2), name="副本.xlsx", status="rejected", data=b"3")


@pytest.fixture
def sqlite_archive(tmp_path: Path) -> Settings:
    settings = make_settings(tmp_path)
    with Archive.open(settings) as archive:
        _fill(archive)
    return settings


def test_copy_to_postgresql_keeps_every_row_and_id(
    sqlite_archive: Settings, pg_database: Callable[..., str]
) -> None:
    target = pg_database(migrated=False)
    report = copy_store(sqlite_archive, target, batch=2)
    assert report.source.tables == report.target.tables
    assert report.source.sha256 == report.target.sha256
    counts = {t.name: t.rows for t in report.target.tables}
    assert (counts["files"], counts["customers"], counts["conflicts"], counts["followups"]) == (
        3, 2, 1, 1,
    )  # fmt: skip
    copied = make_settings(sqlite_archive.workspace / "pg", store_url=target)
    with Archive.open(sqlite_archive) as before, Archive.open(copied) as after:
        assert after.customers() == before.customers()
        assert after.conflicts() == before.conflicts()
        assert [e.file_id for e in after.ledger()] == [e.file_id for e in before.ledger()]
        # The id sequences continue after the copied rows.
        result = drop(after, customers_batch(A, [customer(1, "13900000004")]), data=b"4")
        assert result.file_id == 4
        assert max(c["id"] for c in after.customers()) == 3


def test_copy_refuses_a_target_with_data_unless_forced(
    sqlite_archive: Settings, pg_database: Callable[..., str]
) -> None:
    target = pg_database()
    with Archive.open(make_settings(sqlite_archive.workspace / "pg", store_url=target)) as other:
        drop(other, customers_batch(A, [customer(1, "13700000000")]), data=b"other")
    with pytest.raises(StoreError, match=r"已有数据.*--force"):
        copy_store(sqlite_archive, target)
    report = copy_store(sqlite_archive, target, force=True)
    assert report.source.sha256 == report.target.sha256


def test_copy_to_itself_is_refused(sqlite_archive: Settings) -> None:
    url = f"sqlite:///{sqlite_archive.store_dir / 'branchflow.sqlite3'}"
    with pytest.raises(StoreError, match="无需复制"):
        copy_store(sqlite_archive, url)


def test_copy_back_from_postgresql_to_sqlite_round_trips(
    sqlite_archive: Settings, pg_database: Callable[..., str], tmp_path: Path
) -> None:
    target = pg_database()
    there = copy_store(sqlite_archive, target)
    back = copy_store(
        make_settings(tmp_path / "pg", store_url=target), f"sqlite:///{tmp_path / 'back.sqlite3'}"
    )
    assert back.target.sha256 == there.source.sha256


def test_a_mismatch_rolls_the_target_back(
    sqlite_archive: Settings, pg_database: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from branchflow.archive import transfer

    target = pg_database()
    real = transfer._copy_table

    def lossy(src, dst, table, batch):  # type: ignore[no-untyped-def]
        real(src, dst, table, batch)
        if table.name == "followups":
            dst.execute(text("DELETE FROM followups"))

    monkeypatch.setattr(transfer, "_copy_table", lossy)
    with pytest.raises(StoreError, match="复制后校验不一致（followups：1 行 → 0 行"):
        copy_store(sqlite_archive, target)
    with Archive.open(make_settings(sqlite_archive.workspace / "pg", store_url=target)) as after:
        assert after.ledger() == []


def test_migrate_reports_the_version(tmp_path: Path, pg_database: Callable[..., str]) -> None:
    settings = make_settings(tmp_path, store_url=pg_database(migrated=False))
    first = migrate_store(settings)
    head = head_revision()
    assert (first.before, first.applied[:2], first.applied[-1], first.head) == (
        None, ("0001", "0002"), head, head,
    )  # fmt: skip
    assert f"已从空库升级到版本 {head}" in first.describe()[0]
    again = migrate_store(settings)
    assert again.applied == () and f"已是最新版本 {head}" in again.describe()[0]


def test_store_commands(tmp_path: Path, pg_database: Callable[..., str]) -> None:
    """`branchflow store migrate` and `store copy --to URL` as a user runs them."""
    workspace = create_workspace(tmp_path / "ws").workspace
    with Archive.open(make_settings(workspace)) as archive:
        _fill(archive)
    target = pg_database(migrated=False)
    copied = _run(workspace, "store", "copy", "--to", target)
    assert copied.returncode == 0, copied.stderr
    lines = copied.stdout.splitlines()
    assert lines[0].startswith("源：  sqlite:///") and lines[1].startswith(
        "目标：postgresql+psycopg://"
    )
    assert "复制完成：两边各表行数与校验和一致。" in lines
    before, after = lines.index("复制前（源）："), lines.index("复制后（目标）：")
    assert lines[before + 1 : after] == lines[after + 1 : after + 1 + after - before - 1]
    again = _run(workspace, "store", "copy", "--to", target)
    assert again.returncode == 1
    assert again.stderr.startswith("错误：目标档案数据库") and "--force" in again.stderr
    migrated = _run(workspace, "store", "migrate", env={"BRANCHFLOW_STORE_URL": target})
    assert migrated.returncode == 0, migrated.stderr
    assert f"已是最新版本 {head_revision()}" in migrated.stdout
    down = _run(
        workspace,
        "store",
        "migrate",
        env={"BRANCHFLOW_STORE_URL": "postgresql://x:pw@127.0.0.1:1/db"},
    )
    assert down.returncode == 1 and len(down.stderr.strip().splitlines()) == 1
    assert down.stderr.startswith(
        "错误：无法打开档案数据库 postgresql+psycopg://x:***@127.0.0.1:1/db："
    )


def _run(
    workspace: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "branchflow", "-w", str(workspace), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(SRC), **(env or {})},
        check=False,
    )
