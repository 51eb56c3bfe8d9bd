"""Exports in proportion to the change: an archive workbook is rewritten only when what it shows
changed (content versions in the store, stamps beside the workbooks)."""

from __future__ import annotations

import dataclasses
import json
import os
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from branchflow.archive.store import Archive
from branchflow.config import BLANKS_DIR, Settings
from branchflow.exportstamps import STAMPS_NAME
from branchflow.pipeline import export_now, ingest
from branchflow.sample.fill import Filling, fill_template
from branchflow.workspace import create_workspace

A, B = "东莞分中心", "宁波分中心"
MASTER = "客户总档案.xlsx"


def book(branch: str) -> str:
    return f"分中心档案-{branch}.xlsx"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    base = create_workspace(tmp_path / "ws")
    return dataclasses.replace(
        base, now_override=datetime(2026, 11, 26, 9, 30, tzinfo=base.timezone)
    )


def drop(
    settings: Settings,
    branch: str,
    name: str,
    people: list[tuple[str, str]],
    *,
    reporter: str = "罗明",
    grade: str = "A",
) -> Path:
    """A 客户档案 filled by staff: (name, phone) per customer."""
    rows: list[dict[str, Any]] = [
        {
            "name": person,
            "phone": phone,
            "county": "凤冈县",
            "township": "琊川镇",
            "grade": grade,
            "registered_on": date(2026, 11, 2),
            "consultant": "罗明",
        }
        for person, phone in people
    ]
    blank = settings.inbox / branch / BLANKS_DIR / f"客户档案-{branch}.xlsx"
    filling = Filling("customers", {"branch": branch, "reporter": reporter}, {"customers": rows})
    path = settings.inbox / branch / name
    path.write_bytes(fill_template(blank, filling))
    return path


def files(settings: Settings) -> dict[str, tuple[int, int]]:
    """Each archive workbook's (inode, mtime_ns): a rewrite (temp file renamed) changes both."""
    return {
        p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in settings.archive_dir.glob("*.xlsx")
    }


def rewritten(before: dict[str, tuple[int, int]], settings: Settings) -> set[str]:
    after = files(settings)
    return {name for name in after if before.get(name) != after[name]}


def run(settings: Settings) -> list[str]:
    with Archive.open(settings) as archive:
        return [o.status for o in ingest(settings, archive).outcomes]


FIRST: dict[str, bytes] = {}  # the first drop's bytes, to drop again


@pytest.fixture
def exported(settings: Settings) -> Settings:
    """Both branches have customers; every workbook written once."""
    first = drop(settings, A, "东莞.xlsx", [("张一", "13800138001"), ("张二", "13800138002")])
    FIRST["东莞"] = first.read_bytes()
    drop(settings, B, "宁波.xlsx", [("李一", "13900139001")])
    assert run(settings) == ["accepted", "accepted"]
    assert set(files(settings)) == {MASTER, book(A), book(B)}
    return settings


def test_a_drop_that_changes_nothing_rewrites_nothing(exported: Settings) -> None:
    settings = exported
    before = files(settings)
    (settings.inbox / A / "东莞(2).xlsx").write_bytes(FIRST["东莞"])  # a duplicate
    # the same customers saved again by someone else (new bytes, nothing new in them)
    drop(settings, A, "东莞-再存.xlsx", [("张一", "13800138001")], reporter="田秀英")
    # and a rejected one
    (settings.inbox / B / "坏文件.xlsx").write_bytes(b"not a workbook")
    assert sorted(run(settings)) == ["accepted", "duplicate", "rejected"]
    assert rewritten(before, settings) == set()


def test_a_change_in_one_branch_rewrites_the_master_and_that_branch_only(
    exported: Settings,
) -> None:
    settings = exported
    before = files(settings)
    drop(settings, A, "东莞-新.xlsx", [("张三", "13800138003")])
    assert run(settings) == ["accepted"]
    assert rewritten(before, settings) == {MASTER, book(A)}
    master = openpyxl.load_workbook(settings.archive_dir / MASTER, read_only=True)
    phones = [row[2] for row in master["客户总表"].iter_rows(min_row=2, values_only=True)]
    assert "13800138003" in phones  # what was rewritten is the new content


def test_a_conflict_rewrites_both_branches(exported: Settings) -> None:
    """宁波 files 东莞's customer: 东莞's workbook shows the 撞单 too."""
    settings = exported
    before = files(settings)
    drop(settings, B, "宁波-新.xlsx", [("张一", "13800138001")])
    assert run(settings) == ["accepted"]
    assert rewritten(before, settings) == {MASTER, book(A), book(B)}


def test_a_workbook_deleted_or_saved_over_is_written_again(exported: Settings) -> None:
    settings = exported
    (settings.archive_dir / book(B)).unlink()
    edited = settings.archive_dir / book(A)
    os.utime(edited, ns=(edited.stat().st_atime_ns, edited.stat().st_mtime_ns + 10**9))
    before = files(settings)
    with Archive.open(settings) as archive:
        result = export_now(settings, archive, only_changed=True)
    assert {p.name for p in result.written} == {book(A), book(B)}
    assert [p.name for p in result.unchanged] == [MASTER]
    assert rewritten(before, settings) == {book(A), book(B)}
    assert "内容未变，未重写：客户总档案.xlsx" in result.describe()


def test_the_export_command_rewrites_every_workbook(exported: Settings) -> None:
    settings = exported
    before = files(settings)
    with Archive.open(settings) as archive:
        export_now(settings, archive)
    assert rewritten(before, settings) == {MASTER, book(A), book(B)}


def test_another_store_never_matches_the_stamps(exported: Settings, tmp_path: Path) -> None:
    """A store replaced by another (a backup restored, one built elsewhere) that happens to hold
    the same drops: its versions and its identity are its own, so the workbooks are written
    from it."""
    settings = exported
    stamps = json.loads((settings.archive_dir / STAMPS_NAME).read_text(encoding="utf-8"))
    assert set(stamps) == {MASTER, book(A), book(B)}
    other = dataclasses.replace(
        create_workspace(tmp_path / "other"), now_override=settings.now_override
    )
    (other.inbox / A / "东莞.xlsx").write_bytes(FIRST["东莞"])
    assert run(other) == ["accepted"]
    store = settings.store_dir / "branchflow.sqlite3"
    for name in ("branchflow.sqlite3-wal", "branchflow.sqlite3-shm"):
        (settings.store_dir / name).unlink(missing_ok=True)
    store.write_bytes((other.store_dir / "branchflow.sqlite3").read_bytes())
    before = files(settings)
    with Archive.open(settings) as archive:
        export_now(settings, archive, only_changed=True)
    assert rewritten(before, settings) == {MASTER, book(A)}
    # 宁波 has nothing in the new store: its old workbook is left as it is (not written)


def test_a_new_protection_rule_rewrites_every_workbook(exported: Settings) -> None:
    """Every 保护期至 follows [company] protection_days and [conflicts]: a change of the rule is
    a change of every workbook, though no drop came."""
    before = files(exported)
    shorter = dataclasses.replace(exported, protection_days=60)
    with Archive.open(shorter) as archive:
        export_now(shorter, archive, only_changed=True)
    assert rewritten(before, exported) == {MASTER, book(A), book(B)}
    before = files(exported)
    with Archive.open(shorter) as archive:
        result = export_now(shorter, archive, only_changed=True)
    assert rewritten(before, exported) == set() and len(result.unchanged) == 3
