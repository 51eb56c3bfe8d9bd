"""Opening the store, originals, the ledger, and all-or-nothing recording."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from archive_helpers import (
    NOW,
    A,
    customer,
    customers_batch,
    drop,
    followup,
    incoming,
    make_settings,
)
from sqlalchemy.exc import OperationalError

from branchflow.archive import store as store_module
from branchflow.archive.store import Archive
from branchflow.errors import StoreError
from branchflow.validate.issues import Issue

ERROR = Issue("phone.invalid", "手机号码格式不对", "客户档案", "C5", "手机号码")


def test_open_creates_store_in_wal_mode(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    with Archive.open(settings):
        pass
    database = tmp_path / "store" / "branchflow.sqlite3"
    assert database.is_file()
    assert settings.originals_dir.is_dir()
    with sqlite3.connect(database) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_connections_enforce_foreign_keys(archive: Archive) -> None:
    with archive._engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL


def test_relative_sqlite_url_is_taken_from_the_workspace(tmp_path: Path) -> None:
    with Archive.open(make_settings(tmp_path, store_url="sqlite:///data/archive.db")):
        pass
    assert (tmp_path / "data" / "archive.db").is_file()


@pytest.mark.parametrize("url", ["not a database url", "nosuchdb://host/db"])
def test_unusable_store_url_is_refused(tmp_path: Path, url: str) -> None:
    with pytest.raises(StoreError, match="档案数据库地址"):
        Archive.open(make_settings(tmp_path, store_url=url))


def test_store_in_unwritable_place_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(StoreError):
        Archive.open(make_settings(tmp_path, store_url=f"sqlite:///{blocker}/sub/db.sqlite3"))


def test_keep_original_is_content_addressed_and_idempotent(archive: Archive) -> None:
    dropped = incoming(A, "十一月 客户.XLSX", b"workbook bytes")
    relative = archive.keep_original(dropped)
    assert relative == f"{dropped.sha256[:2]}/{dropped.sha256}.xlsx"
    kept = archive.settings.originals_dir / relative
    assert kept.read_bytes() == b"workbook bytes"
    assert archive.keep_original(dropped) == relative
    assert [p.name for p in kept.parent.iterdir()] == [kept.name]


def test_keep_original_drops_a_suffix_that_is_not_one(archive: Archive) -> None:
    dropped = incoming(A, "名单.第二版", b"bytes")
    assert archive.keep_original(dropped) == f"{dropped.sha256[:2]}/{dropped.sha256}"


def test_rejected_file_changes_nothing_but_the_ledger(archive: Archive) -> None:
    batch = customers_batch(A, [customer(1, "13800000001")], [followup(1, "13800000001")])
    result = drop(archive, batch, status="rejected", data=b"bad")
    assert (result.status, result.new_customers, result.issues) == ("rejected", 0, ())
    assert archive.customers() == []
    assert archive.followups() == []
    [entry] = archive.ledger()
    assert (entry.status, entry.kind, entry.rows, entry.original_name) == (
        "rejected",
        "customers",
        2,
        "客户档案.xlsx",
    )


def test_rejected_issues_are_kept_for_feedback(archive: Archive) -> None:
    dropped = incoming(A, data=b"bad")
    result = archive.record(dropped, None, "rejected", [ERROR], NOW, 90, "x", kind="customers")
    assert archive.issues_for(result.file_id) == (ERROR,)
    entry = archive.entry(result.file_id)
    assert entry is not None
    assert (entry.kind, entry.errors, entry.warnings) == ("customers", 1, 0)


def test_duplicate_takes_kind_and_period_from_the_first_drop(archive: Archive) -> None:
    first = drop(archive, customers_batch(A, [customer(1, "13800000001")]), data=b"same")
    again = incoming(A, "副本.xlsx", b"same", NOW + timedelta(hours=1))
    result = archive.record(again, None, "duplicate", (), NOW, 90, "p", duplicate_of=first.file_id)
    entry = archive.entry(result.file_id)
    assert entry is not None
    assert (entry.status, entry.kind, entry.duplicate_of) == ("duplicate", "customers", 1)
    found = archive.find_by_sha(again.sha256)
    assert found is not None and found.file_id == first.file_id
    assert archive.find_by_sha("0" * 64) is None


def test_unfinished_until_marked_cleared(archive: Archive) -> None:
    result = drop(archive, customers_batch(A, [customer(1, "13800000001")]))
    assert [e.file_id for e in archive.unfinished()] == [result.file_id]
    archive.mark_cleared(result.file_id, "inbox/东莞分中心/回执/回执.txt", NOW)
    assert archive.unfinished() == []
    entry = archive.entry(result.file_id)
    assert entry is not None
    assert entry.cleared and entry.receipt_path == "inbox/东莞分中心/回执/回执.txt"
    assert entry.cleared_at == NOW and entry.received_at == NOW
    with pytest.raises(StoreError):
        archive.mark_cleared(999, "x", NOW)


def test_ledger_lists_by_period_in_received_order(archive: Archive) -> None:
    later = customers_batch(A, [customer(1, "13800000001")])
    drop(archive, later, at=NOW + timedelta(days=1), data=b"2")
    drop(archive, customers_batch(A, [customer(1, "13800000002")]), data=b"1")
    assert [e.sha256 for e in archive.ledger()] == [
        incoming(A, data=b"1").sha256,
        incoming(A, data=b"2").sha256,
    ]
    assert archive.ledger(period="2026-11") == []


def test_failure_mid_record_rolls_back_everything(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    drop(archive, customers_batch(A, [customer(1, "13800000001", grade="C")]), data=b"1")

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(store_module, "add_followups", broken)
    grown = customers_batch(
        A,
        [customer(1, "13800000001", grade="A"), customer(2, "13800000002")],
        [followup(1, "13800000001")],
    )
    with pytest.raises(RuntimeError, match="disk on fire"):
        drop(archive, grown, data=b"2")
    assert len(archive.ledger()) == 1
    assert [(c["phone"], c["grade"]) for c in archive.customers()] == [("13800000001", "C")]
    assert archive.history() == []
    assert archive.followups() == []


def test_database_failure_is_a_store_error(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    def locked(*_args: object, **_kwargs: object) -> None:
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(store_module, "add_followups", locked)
    with pytest.raises(StoreError, match="已全部撤销"):
        drop(archive, customers_batch(A, [customer(1, "13800000001")]))
    assert archive.ledger() == []
    assert archive.customers() == []


def test_archive_warnings_follow_validation_issues(archive: Archive) -> None:
    warning = Issue("date.hidden_row", "隐藏行", "客户档案", "A9", "", "warning")
    batch = customers_batch(A, [], [followup(1, "13700000000")], issues=[warning])
    result = drop(archive, batch)
    codes = [i.code for i in archive.issues_for(result.file_id)]
    assert codes == ["date.hidden_row", "followup.unknown_customer"]
    entry = archive.entry(result.file_id)
    assert entry is not None and entry.warnings == 2
    assert archive.result_for(result.file_id) == result


def test_an_answered_drop_is_found_until_cleared(archive: Archive) -> None:
    result = drop(archive, customers_batch(A, [customer(1, "13800000001")]), data=b"x")
    sha = incoming(A, data=b"x").sha256
    found = archive.unfinished_drop(sha, f"{A}/客户档案.xlsx")
    assert found is not None and found.file_id == result.file_id and found.receipt_path is None
    archive.note_receipt(result.file_id, "inbox/东莞分中心/回执/回执.txt")
    found = archive.unfinished_drop(sha, f"{A}/客户档案.xlsx")
    assert found is not None and found.receipt_path == "inbox/东莞分中心/回执/回执.txt"
    assert archive.unfinished_drop(sha, f"{A}/别处.xlsx") is None
    archive.mark_cleared(result.file_id, "inbox/东莞分中心/回执/回执.txt", NOW)
    assert archive.unfinished_drop(sha, f"{A}/客户档案.xlsx") is None


def test_expired_originals_are_old_and_final(archive: Archive) -> None:
    old, older = NOW - timedelta(days=800), NOW - timedelta(days=900)
    batch = customers_batch(A, [customer(1, "13800000001")])
    done = drop(archive, batch, at=older, data=b"old")
    again = drop(archive, batch, at=old, data=b"old", status="duplicate")
    pending = drop(archive, batch, at=older, data=b"pending")
    fresh = drop(archive, batch, at=NOW, data=b"fresh")
    for result in (done, again, fresh):
        archive.mark_cleared(result.file_id, "回执", NOW)
    expired, held = archive.expired_originals(NOW - timedelta(days=700))
    assert expired == [archive.entry(done.file_id).original_path]  # type: ignore[union-attr]
    assert held == 1 and pending.file_id
    assert archive.expired_originals(NOW - timedelta(days=850)) == ([], 1)
