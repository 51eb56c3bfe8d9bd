"""Links and odd things in a branch folder: never followed, never read, moved or removed."""

from __future__ import annotations

import dataclasses
import os
import shutil
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from branchflow import intake
from branchflow.archive.store import Archive
from branchflow.config import Settings
from branchflow.inbox import FOLDER_LINK_NOTE, LINK_NOTE, SPECIAL_NOTE
from branchflow.nofollow import NotRegularFile, read_drop, remove_drop
from branchflow.pipeline import find_drops, ingest
from branchflow.workspace import create_workspace
from builders import filled_customers

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX symbolic links")

DG, NB = "东莞分中心", "宁波分中心"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    base = create_workspace(tmp_path / "ws")
    return dataclasses.replace(
        base, now_override=datetime(2026, 11, 26, 9, 30, tzinfo=base.timezone)
    )


@pytest.fixture
def outside(tmp_path: Path, settings: Settings) -> Path:
    """A folder beside the workspace holding a customer workbook and a secret."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "客户.xlsx").write_bytes(filled_customers(settings.inbox, DG, ["13911110000"]))
    (folder / "secret.xlsx").write_bytes(b"STORE_URL=postgresql://u:hunter2@db/x")
    return folder


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*")}


def notes(outcomes: Any) -> dict[str, str]:
    return {o.path: o.note for o in outcomes if o.status == "ignored"}


def test_a_linked_folder_pointing_outside_is_not_imported_nor_emptied(
    settings: Settings, outside: Path
) -> None:
    before = snapshot(outside)
    (settings.inbox / DG / "共享").symlink_to(outside, target_is_directory=True)
    with Archive.open(settings) as archive:
        report = ingest(settings, archive)
        assert archive.customers() == [] and archive.ledger() == []
    assert notes(report.outcomes) == {f"{DG}/共享": LINK_NOTE}
    assert snapshot(outside) == before
    assert not list(settings.originals_dir.rglob("*.xlsx"))


def test_a_link_to_another_branch_never_makes_its_customers_ours(settings: Settings) -> None:
    (settings.inbox / NB / "客户.xlsx").write_bytes(
        filled_customers(settings.inbox, NB, ["13922220000"])
    )
    (settings.inbox / DG / "nb").symlink_to(Path("..") / NB, target_is_directory=True)
    with Archive.open(settings) as archive:
        report = ingest(settings, archive)
        [customer] = archive.customers()
    assert customer["owner_branch"] == NB
    done = [(o.path, o.status) for o in report.outcomes]
    assert done == [(f"{DG}/nb", "ignored"), (f"{NB}/客户.xlsx", "accepted")]
    assert not list((settings.inbox / DG / "回执").glob("*"))
    assert len(list((settings.inbox / NB / "回执").glob("回执-*"))) == 1


def test_a_loop_link_is_walked_once(settings: Settings) -> None:
    (settings.inbox / DG / "客户.xlsx").write_bytes(b"PK")
    (settings.inbox / DG / "loop").symlink_to("..", target_is_directory=True)
    ready, ignored = find_drops(settings)
    assert ready == [settings.inbox / DG / "客户.xlsx"]
    assert [(o.path, o.note) for o in ignored] == [(f"{DG}/loop", LINK_NOTE)]


def test_a_linked_file_is_never_read_into_the_store(settings: Settings, outside: Path) -> None:
    link = settings.inbox / DG / "env.xlsx"
    link.symlink_to(outside / "secret.xlsx")
    (settings.inbox / DG / "proc.xlsx").symlink_to("/proc/self/environ")
    with Archive.open(settings) as archive:
        report = ingest(settings, archive)
    assert notes(report.outcomes) == {f"{DG}/env.xlsx": LINK_NOTE, f"{DG}/proc.xlsx": LINK_NOTE}
    kept = b"".join(p.read_bytes() for p in settings.store_dir.rglob("*") if p.is_file())
    assert b"hunter2" not in kept
    assert link.is_symlink() and (outside / "secret.xlsx").exists()


def test_a_linked_branch_folder_is_refused_but_a_linked_inbox_works(
    settings: Settings, tmp_path: Path
) -> None:
    share = tmp_path / "share"
    settings.inbox.rename(share)
    settings.inbox.symlink_to(share, target_is_directory=True)  # mklink /D …\inbox \\server\share
    (share / DG / "客户.xlsx").write_bytes(filled_customers(share, DG, ["13933330000"]))
    elsewhere = tmp_path / "nb-real"
    (share / NB).rename(elsewhere)
    (share / NB).symlink_to(elsewhere, target_is_directory=True)
    (elsewhere / "客户.xlsx").write_bytes(filled_customers(share, DG, ["13933330001"]))
    with Archive.open(settings) as archive:
        report = ingest(settings, archive)
        assert [c["phone"] for c in archive.customers()] == ["13933330000"]
    assert notes(report.outcomes) == {NB: FOLDER_LINK_NOTE}
    assert (elsewhere / "客户.xlsx").exists()


def test_a_pipe_does_not_hang_the_run(settings: Settings) -> None:
    os.mkfifo(settings.inbox / DG / "管道.xlsx")
    with Archive.open(settings) as archive:
        report = ingest(settings, archive)
    assert notes(report.outcomes) == {f"{DG}/管道.xlsx": SPECIAL_NOTE}


def test_a_file_swapped_for_a_link_after_listing_is_not_followed(
    settings: Settings, outside: Path
) -> None:
    path = settings.inbox / DG / "客户.xlsx"
    path.write_bytes(filled_customers(settings.inbox, DG, ["13944440000"]))
    drops = find_drops(settings)
    path.unlink()
    path.symlink_to(outside / "客户.xlsx")
    with Archive.open(settings) as archive:
        report = ingest(settings, archive, drops=drops)
        assert archive.ledger() == []
    assert notes(report.outcomes) == {f"{DG}/客户.xlsx": LINK_NOTE}
    assert (outside / "客户.xlsx").exists()


def test_a_folder_swapped_for_a_link_is_neither_read_nor_emptied(
    settings: Settings, outside: Path
) -> None:
    folder = settings.inbox / DG / "十一月"
    folder.mkdir()
    (folder / "客户.xlsx").write_bytes(b"x")
    folder.rename(folder.with_name("旧"))
    folder.symlink_to(outside, target_is_directory=True)
    with pytest.raises(NotRegularFile):
        read_drop(settings.inbox, f"{DG}/十一月/客户.xlsx", 1 << 20)
    info = (outside / "客户.xlsx").stat()
    assert not remove_drop(settings.inbox, f"{DG}/十一月/客户.xlsx", info.st_size, info.st_mtime_ns)
    assert (outside / "客户.xlsx").exists()


def test_the_file_read_is_the_file_removed(settings: Settings) -> None:
    path = settings.inbox / DG / "客户.xlsx"
    path.write_bytes(b"PK\x03\x04 first")
    incoming = intake.examine(path, settings.inbox, settings.limits, settings.now())
    assert incoming.data == b"PK\x03\x04 first"
    path.write_bytes(b"PK\x03\x04 saved again, longer")  # staff saved a new version meanwhile
    assert not remove_drop(settings.inbox, incoming.relative, incoming.size, incoming.mtime_ns)
    assert path.exists()


def test_a_linked_answers_folder_is_replaced_not_written_through(
    settings: Settings, outside: Path
) -> None:
    before = snapshot(outside)
    answers = settings.inbox / DG / "回执"
    shutil.rmtree(answers, ignore_errors=True)
    answers.symlink_to(outside, target_is_directory=True)
    (settings.inbox / DG / "客户.xlsx").write_bytes(
        filled_customers(settings.inbox, DG, ["13955550000"])
    )
    with Archive.open(settings) as archive:
        [outcome] = ingest(settings, archive).outcomes
    assert outcome.status == "accepted"
    assert not answers.is_symlink() and len(list(answers.iterdir())) == 1
    assert snapshot(outside) == before
