"""Notices: the owning branch is told of a 撞单 too; nobody learns another branch's full phones."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from branchflow import feedback
from branchflow.archive.store import Archive
from branchflow.config import RECEIPTS_DIR, Settings
from branchflow.pipeline import ingest
from branchflow.workspace import create_workspace
from builders import filled_customers

DG, NB, SZ = "东莞分中心", "宁波分中心", "苏州分中心"
NOW = datetime(2026, 11, 26, 9, 30)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    base = create_workspace(tmp_path / "ws")
    return dataclasses.replace(base, now_override=NOW.replace(tzinfo=base.timezone))


def drop(settings: Settings, branch: str, phones: list[str], on: date = date(2026, 11, 2)) -> None:
    data = filled_customers(settings.inbox, branch, phones, registered_on=on)
    (settings.inbox / branch / "客户.xlsx").write_bytes(data)


def answers(settings: Settings, branch: str, pattern: str = "*") -> list[Path]:
    return sorted((settings.inbox / branch / RECEIPTS_DIR).glob(pattern))


def text_of(path: Path) -> str:
    """A text answer's text, or every cell value and comment of an annotated workbook."""
    if path.suffix != ".xlsx":
        return path.read_text(encoding="utf-8-sig")
    cells = [c for sheet in load_workbook(path) for row in sheet.iter_rows() for c in row]
    said = [str(c.value) for c in cells if c.value is not None]
    return "\n".join(said + [c.comment.text for c in cells if c.comment])


def test_the_owner_is_told_masked_who_what_and_until_when(settings: Settings) -> None:
    with Archive.open(settings) as archive:
        drop(settings, DG, ["13812345678", "13812345679"], on=date(2026, 11, 2))
        ingest(settings, archive)
        drop(settings, NB, ["13812345678", "13900001111"], on=date(2026, 11, 20))
        [outcome] = ingest(settings, archive).outcomes
    assert outcome.counts["conflicts"] == 1
    [notice] = answers(settings, DG, "撞单通知-*.txt")
    said = text_of(notice)
    assert said.splitlines()[0] == "【黔龙阳光地产营销中心】撞单通知"
    assert (
        "138****5678：宁波分中心也登记了该客户，仍在保护期内（至 2027-01-31），归属本分中心不变"
        in said
    )
    assert "13812345678" not in said and "13900001111" not in said and "客户0" not in said
    assert not answers(settings, NB, "撞单通知-*")  # the claimant learns it from its receipt
    assert not answers(settings, SZ)


def test_after_protection_the_owner_is_told_the_customer_moved(settings: Settings) -> None:
    with Archive.open(settings) as archive:
        drop(settings, DG, ["13812345678"], on=date(2026, 6, 1))
        ingest(settings, archive)
        drop(settings, NB, ["13812345678"], on=date(2026, 11, 20))
        ingest(settings, archive)
    [notice] = answers(settings, DG, "撞单通知-*.txt")
    assert "本分中心的保护期已于 2026-08-30 结束，已改归宁波分中心" in text_of(notice)


def test_a_wrong_phone_in_full_goes_only_to_the_branch_that_wrote_it(settings: Settings) -> None:
    with Archive.open(settings) as archive:
        drop(settings, DG, ["13812345678"])
        ingest(settings, archive)
        drop(settings, NB, ["13812345678", "1391234567"])  # 撞单 + a phone one digit short
        [outcome] = ingest(settings, archive).outcomes
    assert outcome.status == "rejected"
    assert any("1391234567" in e.message for e in outcome.errors)
    [rejection] = answers(settings, NB, "退回-*")
    assert "1391234567" in text_of(rejection)
    others = [p for b in (DG, SZ, "总部") for p in answers(settings, b)]
    assert others and all("1391234567" not in text_of(p) for p in others)
    assert not answers(settings, DG, "撞单通知-*")  # a rejected file changes nothing: no 撞单


def test_write_notice_is_a_plain_text_file_for_notepad(tmp_path: Path) -> None:
    path = feedback.write_notice(tmp_path / "回执", "判客结果", ["第一行", "第二行"], NOW)
    assert path.name == "判客结果-20261126-093000.txt"
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw and b"\n\n" not in raw
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines == [
        "【黔龙阳光地产营销中心】判客结果",
        "时间：2026-11-26 09:30",
        "",
        "第一行",
        "第二行",
    ]
