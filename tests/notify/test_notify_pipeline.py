"""Messages of a drop are written with it, in its transaction; none without channels."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from robots import fake_robots, notify_workspace

from branchflow.archive import outbox as outbox_module
from branchflow.archive.store import Archive
from branchflow.config import BLANKS_DIR, Settings
from branchflow.errors import StoreError
from branchflow.notify.formats import has_full_number
from branchflow.notify.sender import Sender
from branchflow.pipeline import ingest
from branchflow.sample.fill import Filling, fill_template

A, B = "东莞分中心", "宁波分中心"


def _channels(url: str = "env:BF_URL") -> str:
    return "".join(
        f'[[notify.channels]]\nname = "{name}"\nkind = "wecom"\nurl = "{url}"\nscopes = ["{scope}"]\n'
        for name, scope in (("东莞群", A), ("宁波群", B), ("总部群", "总部"))
    )


def _settings(
    tmp_path: Path, text: str, url: str = "https://example.invalid/send?key=k"
) -> Settings:
    base = notify_workspace(tmp_path, text, {"BF_URL": url})
    return dataclasses.replace(
        base, now_override=datetime(2026, 11, 26, 9, 30, tzinfo=base.timezone)
    )


def drop(settings: Settings, name: str, phones: list[str], branch: str = A) -> Path:
    rows: list[dict[str, Any]] = [
        {"name": f"客户{i}", "phone": phone, "county": "凤冈县", "township": "琊川镇", "grade": "A",
         "registered_on": date(2026, 11, 2), "consultant": "罗明"}
        for i, phone in enumerate(phones)
    ]  # fmt: skip
    blank = settings.inbox / branch / BLANKS_DIR / f"客户档案-{branch}.xlsx"
    filling = Filling("customers", {"branch": branch, "reporter": "罗明"}, {"customers": rows})
    path = settings.inbox / branch / name
    path.write_bytes(fill_template(blank, filling))
    return path


def _rows(archive: Archive) -> list[tuple[str, str, str]]:
    return [
        (r.channel, r.event, r.scope) for r in archive.outbox.listing(("pending", "sent", "failed"))
    ]


def test_a_rejection_names_the_first_three_errors_and_where_the_marked_copy_is(
    tmp_path: Path,
) -> None:
    with fake_robots() as robots:
        settings = _settings(tmp_path, _channels(), robots.wecom_url)
        drop(settings, "客户档案-11月.xlsx", ["139", "1380013800", "12345", "1", "13812345678"])
        with Archive.open(settings) as archive:
            [outcome] = ingest(settings, archive).outcomes
            assert outcome.status == "rejected"
            [row] = archive.outbox.listing()
            assert (row.channel, row.event, row.scope, row.file_id) == ("东莞群", "rejected", A, 1)
            assert Sender(settings, archive.outbox).run_once().sent == 1
    (text,) = robots.texts("wecom")
    lines = text.splitlines()
    assert lines[0] == f"【退回】{A}"
    assert lines[1] == "文件：客户档案-11月.xlsx（客户档案）未入库，共 4 处错误，前 3 处："
    assert [line.split(" ", 1)[1].split("：", 1)[0] for line in lines[2:5]] == [
        "客户档案!C8 手机号码", "客户档案!C9 手机号码", "客户档案!C10 手机号码",
    ]  # fmt: skip
    assert lines[5] == f"每处错误已在退回的工作簿中标出：{outcome.receipt}"
    assert outcome.receipt is not None and outcome.receipt.startswith(f"inbox/{A}/回执/退回-")
    assert not has_full_number(text)


def test_accepted_and_conflicts_go_to_both_branches_and_hq_masked(tmp_path: Path) -> None:
    settings = _settings(tmp_path, _channels())
    with Archive.open(settings) as archive:
        drop(settings, "宁波.xlsx", ["13812345678"], branch=B)
        ingest(settings, archive)
        drop(settings, "东莞.xlsx", ["13812345678", "13900000002"])
        ingest(settings, archive)
        found = archive.outbox.listing()
        assert sorted(_rows(archive)) == sorted([
            ("宁波群", "accepted", B), ("东莞群", "accepted", A),
            ("总部群", "conflict", "总部"), ("东莞群", "conflict", A), ("宁波群", "conflict", B),
        ])  # fmt: skip
        bodies = {(r.channel, r.event): r.body for r in found}
        assert (
            "138****5678：宁波分中心登记，仍在保护期内，归属宁波分中心不变"
            in bodies["东莞群", "conflict"]
        )
        assert "东莞分中心报送的客户中有 1 位是你们已登记的" in bodies["宁波群", "conflict"]
        assert (
            bodies["东莞群", "accepted"]
            == "· 东莞分中心：东莞.xlsx（客户档案 2026-11）新增 1，更新 0，撞单 1"
        )
        assert found[1].payload == {"files": 1, "new": 1, "updated": 0, "conflicts": 1}
        assert not any(has_full_number(r.body) for r in found)
        # The running workbook dropped again with one more row: the 撞单 is not news any more.
        drop(settings, "东莞2.xlsx", ["13812345678", "13900000002", "13900000003"])
        ingest(settings, archive)
        assert [e for _, e, _ in _rows(archive)].count("conflict") == 3


def test_without_channels_nothing_is_written(tmp_path: Path) -> None:
    settings = _settings(tmp_path, "")
    with Archive.open(settings) as archive:
        drop(settings, "宁波.xlsx", ["13812345678"], branch=B)
        drop(settings, "坏.xlsx", ["139"])
        assert {o.status for o in ingest(settings, archive).outcomes} == {"accepted", "rejected"}
        assert archive.outbox.counts() == {}


def test_a_channel_without_the_event_or_scope_gets_nothing(tmp_path: Path) -> None:
    text = _channels().replace(
        'scopes = ["东莞分中心"]', 'scopes = ["东莞分中心"]\nevents = ["reminder"]'
    )
    settings = _settings(tmp_path, text)
    with Archive.open(settings) as archive:
        drop(settings, "坏.xlsx", ["139"])
        ingest(settings, archive)
        assert archive.outbox.counts() == {}


def test_messages_and_the_drop_commit_together_or_not_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(tmp_path, _channels())
    path = drop(settings, "坏.xlsx", ["139"])
    original = outbox_module.insert_messages

    def fail_after_insert(*args: Any, **kwargs: Any) -> int:
        original(*args, **kwargs)
        raise StoreError("disk full")

    monkeypatch.setattr(outbox_module, "insert_messages", fail_after_insert)
    with Archive.open(settings) as archive:
        with pytest.raises(StoreError):
            ingest(settings, archive)
        assert archive.ledger() == [] and archive.outbox.counts() == {}
    monkeypatch.undo()
    assert path.exists()
    with Archive.open(settings) as archive:
        [outcome] = ingest(settings, archive).outcomes
        assert outcome.status == "rejected"
        assert _rows(archive) == [("东莞群", "rejected", A)]
