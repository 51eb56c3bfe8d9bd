"""Content versions: every write that changes what a branch's archive workbook shows renews
that branch's token; nothing else does (both backends)."""

from __future__ import annotations

from datetime import date, timedelta

from archive_helpers import NOW, A, B, customer, customers_batch, drop, followup

from branchflow.archive.accounts import AuditEntry
from branchflow.archive.console import ConsoleStore
from branchflow.archive.store import Archive


def versions(archive: Archive) -> dict[str, str]:
    with archive.export_rows() as rows:
        return rows.versions()


def renewed(before: dict[str, str], archive: Archive) -> set[str]:
    after = versions(archive)
    return {scope for scope in after if before.get(scope) != after[scope]}


def test_a_drop_renews_its_branch_and_a_drop_changing_nothing_does_not(archive: Archive) -> None:
    before = versions(archive)
    assert before == {"": ""}  # no drop yet: no identity, no branch
    drop(archive, customers_batch(A, [customer(1, "13800000001")]), data=b"1")
    first = versions(archive)
    assert renewed(before, archive) == {"", A}  # the store's identity is its first drop
    drop(archive, customers_batch(A, [customer(1, "13800000001")]), data=b"2")
    assert renewed(first, archive) == set()
    drop(archive, customers_batch(A, [customer(1, "13800000001")]), data=b"3", status="rejected")
    assert renewed(first, archive) == set()
    drop(archive, customers_batch(A, [customer(1, "13800000001", name="张大")]), data=b"4")
    assert renewed(first, archive) == {A}


def test_a_conflict_renews_both_branches_a_repeat_neither(archive: Archive) -> None:
    drop(archive, customers_batch(A, [customer(1, "13800000001")]), data=b"a")
    before = versions(archive)
    later = customer(1, "13800000001", registered_on=date(2026, 11, 20))
    drop(archive, customers_batch(B, [later]), at=NOW + timedelta(hours=1), data=b"b")
    assert renewed(before, archive) == {A, B}
    again = versions(archive)
    drop(archive, customers_batch(B, [later]), at=NOW + timedelta(hours=2), data=b"c")
    assert renewed(again, archive) == set()  # the same 撞单 found again: shown once


def test_follow_ups_of_another_branch_follow_the_customer(archive: Archive) -> None:
    """宁波 followed up a phone nobody had registered; 东莞 registers it: 宁波's follow-up now
    names the customer. 东莞 renames the customer: 宁波's follow-up shows the new name."""
    drop(archive, customers_batch(B, [], [followup(1, "13800000009")]), data=b"b")
    before = versions(archive)
    drop(archive, customers_batch(A, [customer(1, "13800000009", name="王五")]), data=b"a")
    assert renewed(before, archive) == {A, B}
    again = versions(archive)
    drop(archive, customers_batch(A, [customer(1, "13800000009", name="王五一")]), data=b"c")
    assert renewed(again, archive) == {A, B}


def test_a_ruling_renews_both_branches(archive: Archive) -> None:
    drop(archive, customers_batch(A, [customer(1, "13812345678")]), data=b"a")
    later = customer(1, "13812345678", registered_on=date(2026, 11, 20))
    drop(archive, customers_batch(B, [later]), at=NOW + timedelta(hours=1), data=b"b")
    before = versions(archive)
    conflict = archive.conflicts()[0]
    entry = AuditEntry(NOW + timedelta(hours=2), "张敏", "ruling", "撞单", "")
    ConsoleStore(archive).rule(int(conflict["id"]), "owner", "首次登记有效", entry)
    assert renewed(before, archive) == {A, B}
