"""A drop that broke processing is moved aside whatever its name, and the branch is told."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from branchflow.config import Settings
from branchflow.watch.quarantine import QUARANTINE_DIR, quarantine_file
from branchflow.workspace import create_workspace

DG = "东莞分中心"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return create_workspace(tmp_path / "ws")


@pytest.mark.parametrize("stem", ["客" * 80, "客户" * 41 + "a", "a" * 240, "😀" * 60])
def test_a_long_name_is_shortened_by_bytes_keeping_its_suffix(
    settings: Settings, stem: str
) -> None:
    path = settings.inbox / DG / f"{stem}.xlsx"  # a valid name: at most 255 bytes
    assert len(path.name.encode()) <= 255
    path.write_bytes(b"PK")
    target, receipt = quarantine_file(path, settings, "Traceback …")
    assert target.parent == settings.store_dir / QUARANTINE_DIR
    assert target.read_bytes() == b"PK" and not path.exists()
    assert target.suffix == ".xlsx" and target.name.startswith(f"{settings.now():%Y%m%d}")
    assert len(target.name.encode()) <= 255 - len(".错误.txt.tmp".encode()) - 3
    assert target.with_name(f"{target.name}.错误.txt").is_file()
    assert receipt.parent == settings.inbox / DG / "回执" and len(receipt.name.encode()) <= 255


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX symbolic links")
def test_a_link_that_took_the_files_place_is_not_moved(settings: Settings, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("x", encoding="utf-8")
    path = settings.inbox / DG / "客户.xlsx"
    path.symlink_to(secret)
    with pytest.raises(OSError, match="符号链接"):
        quarantine_file(path, settings, "")
    assert path.is_symlink() and secret.exists()
    assert not (settings.store_dir / QUARANTINE_DIR).exists()
