"""The pipeline's promises under failure: all or nothing, and exactly once after a crash."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from branchflow import feedback, pipeline
from branchflow.archive.store import Archive
from branchflow.config import BLANKS_DIR, Settings
from branchflow.pipeline import find_drops, ingest
from branchflow.sample.fill import Filling, fill_template
from branchflow.workspace import create_workspace


class Crash(Exception):
    """Stands for the process dying at that line."""


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    base = create_workspace(tmp_path / "ws")
    return dataclasses.replace(
        base, now_override=datetime(2026, 11, 26, 9, 30, tzinfo=base.timezone)
    )


def drop(settings: Settings, name: str, phones: list[str], branch: str = "东莞分中心") -> Path:
    rows: list[dict[str, Any]] = [
        {
            "name": f"客户{i}",
            "phone": phone,
            "county": "凤冈县",
            "township": "琊川镇",
            "grade": "A",
            "registered_on": date(2026, 11, 2),
            "consultant": "罗明",
        }
        for i, phone in enumerate(phones)
    ]
    blank = settings.inbox / branch / BLANKS_DIR / f"客户档案-{branch}.xlsx"
    filling = Filling("customers", {"branch": branch, "reporter": "罗明"}, {"customers": rows})
    path = settings.inbox / branch / name
    path.write_bytes(fill_template(blank, filling))
    return path


def test_crash_after_commit_is_answered_once_not_reimported(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = drop(settings, "客户.xlsx", ["13812345678", "13812345679"])

    def die(*args: Any, **kwargs: Any) -> Path:
        raise Crash

    with Archive.open(settings) as archive:
        monkeypatch.setattr(feedback, "write_receipt", die)
        with pytest.raises(Crash):
            ingest(settings, archive)
        assert path.exists()  # still in the inbox: nothing told the staff yet
        assert len(archive.customers()) == 2
    monkeypatch.undo()
    with Archive.open(settings) as archive:  # "restart"
        report = ingest(settings, archive)
        [outcome] = report.outcomes
        assert outcome.status == "accepted" and "中断" in outcome.note
        assert len(archive.customers()) == 2
        assert len(archive.ledger()) == 1
        assert archive.unfinished() == []
    assert not path.exists()
    receipt = (settings.workspace / outcome.receipt).read_text(encoding="utf-8-sig")
    assert "新增 2 位" in receipt


def test_crash_inside_the_transaction_leaves_nothing(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = drop(settings, "客户.xlsx", ["13812345678"])
    with Archive.open(settings) as archive:
        original = Archive.record

        def half(self: Archive, *args: Any, **kwargs: Any) -> Any:
            original(self, *args, **kwargs)
            raise Crash

        monkeypatch.setattr(Archive, "record", half)
        with pytest.raises(Crash):
            ingest(settings, archive)
    monkeypatch.undo()
    with Archive.open(settings) as archive:
        # record() committed before our stand-in crashed, so this is the "after commit" case;
        # a crash *inside* record() is covered by the archive's own rollback tests.
        [outcome] = ingest(settings, archive).outcomes
        assert outcome.status == "accepted"
        assert len(archive.customers()) == 1
    assert not path.exists()


def test_rejected_file_changes_nothing_but_the_ledger(settings: Settings) -> None:
    drop(settings, "好的.xlsx", ["13812345678"])
    with Archive.open(settings) as archive:
        ingest(settings, archive)
        before = archive.customers()
        drop(settings, "坏的.xlsx", ["13900000001", "139"])  # one good row, one bad: all out
        [outcome] = ingest(settings, archive).outcomes
        assert outcome.status == "rejected"
        assert archive.customers() == before
        assert [e.status for e in archive.ledger()] == ["accepted", "rejected"]
        kept = settings.originals_dir
        assert len(list(kept.rglob("*.xlsx"))) == 2


def test_files_in_unknown_folders_are_reported_not_touched(settings: Settings) -> None:
    stray = settings.inbox / "广州分中心"
    stray.mkdir()
    (stray / "客户.xlsx").write_bytes(b"PK")
    with Archive.open(settings) as archive:
        [outcome] = ingest(settings, archive).outcomes
    assert outcome.status == "ignored" and "广州分中心" in outcome.note
    assert (stray / "客户.xlsx").exists()


def test_hq_briefing_only_from_the_hq_folder(settings: Settings) -> None:
    blank = settings.inbox / "总部" / BLANKS_DIR / "总部月度简报-总部.xlsx"
    data = fill_template(
        blank,
        Filling(
            "hq_briefing",
            {"reporter": "销售管理部", "period": "2026-12", "sales_brief": "x", "key_work": "y"},
        ),
    )
    (settings.inbox / "东莞分中心" / "简报.xlsx").write_bytes(data)
    with Archive.open(settings) as archive:
        [outcome] = ingest(settings, archive).outcomes
    assert outcome.status == "rejected"
    assert [e.code for e in outcome.errors] == ["kind.wrong_folder"]


def test_a_file_saved_again_while_we_worked_is_kept_as_a_new_drop(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = drop(settings, "客户.xlsx", ["13812345678"])
    newer = drop(settings, "新版.xlsx", ["13812345678", "13812345679"]).read_bytes()
    (settings.inbox / "东莞分中心" / "新版.xlsx").unlink()
    write_receipt = feedback.write_receipt

    def resaved(*args: Any, **kwargs: Any) -> Path:
        path.write_bytes(newer)  # staff press Ctrl+S at this very moment
        return write_receipt(*args, **kwargs)

    monkeypatch.setattr(feedback, "write_receipt", resaved)
    with Archive.open(settings) as archive:
        ingest(settings, archive)
        assert path.read_bytes() == newer
        monkeypatch.undo()
        [second] = ingest(settings, archive).outcomes
        assert second.status == "accepted" and second.counts["new_customers"] == 1
    assert not path.exists()


def test_a_file_gone_between_listing_and_processing_is_skipped_and_the_run_finishes(
    settings: Settings,
) -> None:
    drop(settings, "甲.xlsx", ["13812345678"])
    gone = drop(settings, "乙.xlsx", ["13812345679"])
    drops = find_drops(settings)
    gone.rename(settings.workspace / "乙.xlsx")  # moved away by staff a moment after the listing
    with Archive.open(settings) as archive:
        report = ingest(settings, archive, drops=drops)
    outcomes = {o.path: o for o in report.outcomes}
    assert {path: o.status for path, o in outcomes.items()} == {
        "东莞分中心/甲.xlsx": "accepted",
        "东莞分中心/乙.xlsx": "ignored",
    }
    assert "移走" in outcomes["东莞分中心/乙.xlsx"].note
    assert report.export is not None and settings.master_path.exists()


@pytest.mark.parametrize("second_bytes_again", [False, True], ids=["new", "duplicate"])
def test_crash_between_the_answer_and_the_move_never_answers_twice(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, second_bytes_again: bool
) -> None:
    path = drop(settings, "客户.xlsx", ["13812345678"])
    receipts = settings.inbox / "东莞分中心" / "回执"
    with Archive.open(settings) as archive:
        if second_bytes_again:  # the same bytes once more: the crash hits a duplicate's answer
            data = path.read_bytes()
            ingest(settings, archive)
            path.write_bytes(data)
        before = set(receipts.iterdir())

        def die(*args: Any, **kwargs: Any) -> bool:
            raise Crash

        monkeypatch.setattr(pipeline, "remove_drop", die)
        with pytest.raises(Crash):
            ingest(settings, archive)
        monkeypatch.undo()
        [answer] = set(receipts.iterdir()) - before
        [outcome] = ingest(settings, archive).outcomes  # "restart"
        assert "此前已发出" in outcome.note
        assert outcome.receipt == answer.relative_to(settings.workspace).as_posix()
        assert archive.unfinished() == []
    assert set(receipts.iterdir()) - before == {answer}
    assert not path.exists()


def test_a_stop_after_the_drop_left_the_inbox_is_finished_without_a_second_answer(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = drop(settings, "客户.xlsx", ["13812345678"])
    receipts = settings.inbox / "东莞分中心" / "回执"
    with Archive.open(settings) as archive:

        def die(self: Archive, *args: Any, **kwargs: Any) -> None:
            raise Crash  # killed, or the database connection lost, right after the move

        monkeypatch.setattr(Archive, "mark_cleared", die)
        with pytest.raises(Crash):
            ingest(settings, archive)
        monkeypatch.undo()
        assert not path.exists() and len(archive.unfinished()) == 1
        answers = set(receipts.iterdir())
        assert ingest(settings, archive).outcomes == ()  # "restart": nothing left to process
        assert archive.unfinished() == []
        assert len(archive.customers()) == 1
    assert set(receipts.iterdir()) == answers
