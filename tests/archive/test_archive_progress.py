"""客户等级 from the latest dated event, and 状态 that moves forward (a step back warned)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from archive_helpers import NOW, A, B, customer, customers_batch, drop, followup

from branchflow.archive.store import Archive

PHONE = "13812345678"
LATER = NOW + timedelta(days=1)


def _grade(archive: Archive) -> tuple[str, str | None]:
    [row] = [c for c in archive.customers() if c["phone"] == PHONE]
    return row["name"], row["grade"]


def _changes(archive: Archive, field: str) -> list[tuple[Any, ...]]:
    return [
        (h["old_value"], h["new_value"], h["source"], h["cell"], h["event_date"], h["file_id"])
        for h in archive.history()
        if h["field"] == field
    ]


def test_a_follow_up_grade_is_the_customer_grade_with_its_source(archive: Archive) -> None:
    registered = customer(1, PHONE, name="张三", grade="C", registered_on=date(2026, 11, 3))
    drop(archive, customers_batch(A, [registered]), data=b"1")
    visit = followup(3, PHONE, date=date(2026, 11, 12), method="到访", grade_after="A")
    second = drop(archive, customers_batch(A, [registered], [visit]), at=LATER, data=b"2")
    assert _grade(archive) == ("张三", "A")
    assert _changes(archive, "grade") == [
        ("C", "A", "followup", "跟进记录!A4", date(2026, 11, 12), second.file_id)
    ]
    assert second.updated_customers == 0  # the registration row itself did not change


def test_registration_and_follow_up_in_one_drop(archive: Archive) -> None:
    registered = customer(1, PHONE, grade="C", registered_on=date(2026, 11, 3))
    visits = [
        followup(1, PHONE, date=date(2026, 11, 8), grade_after="B", content="第一次"),
        followup(2, PHONE, date=date(2026, 11, 5), grade_after="D", content="补录更早的一次"),
    ]
    drop(archive, customers_batch(A, [registered], visits))
    assert _grade(archive)[1] == "B"  # the latest by 跟进日期, not the last row


def test_an_unchanged_running_workbook_keeps_the_follow_up_grade(archive: Archive) -> None:
    registered = customer(1, PHONE, grade="C", registered_on=date(2026, 11, 3))
    visit = followup(1, PHONE, date=date(2026, 11, 12), grade_after="A")
    drop(archive, customers_batch(A, [registered], [visit]), data=b"1")
    assert _grade(archive)[1] == "A"
    grown = [registered, customer(2, "13900000002", name="李四")]
    again = drop(archive, customers_batch(A, grown, [visit]), at=LATER, data=b"2")
    assert _grade(archive)[1] == "A"
    assert (again.new_customers, again.updated_customers, again.followups_known) == (1, 0, 1)
    # Staff rewrite the registration row: that is an event of its own, dated the day received.
    rewritten = customer(1, PHONE, grade="B", registered_on=date(2026, 11, 3))
    third = drop(archive, customers_batch(A, [rewritten]), at=LATER + timedelta(days=1), data=b"3")
    assert _grade(archive)[1] == "B"
    assert _changes(archive, "grade")[-1] == (
        "A",
        "B",
        "registration",
        "客户档案!T5",
        (LATER + timedelta(days=1)).date(),
        third.file_id,
    )
    assert third.updated_customers == 1


def test_an_older_follow_up_recorded_late_does_not_undo_a_newer_grade(archive: Archive) -> None:
    registered = customer(1, PHONE, grade="C", registered_on=date(2026, 11, 3))
    newer = followup(1, PHONE, date=date(2026, 11, 20), grade_after="A")
    drop(archive, customers_batch(A, [registered], [newer]), data=b"1")
    older = followup(2, PHONE, date=date(2026, 11, 10), grade_after="D", content="补录")
    drop(archive, customers_batch(A, [registered], [newer, older]), at=LATER, data=b"2")
    assert _grade(archive)[1] == "A"
    same_day = followup(3, PHONE, date=date(2026, 11, 20), grade_after="B", content="当天下午")
    drop(archive, customers_batch(A, [], [same_day]), at=LATER, data=b"3")
    assert _grade(archive)[1] == "B"  # same day: the one recorded last


def test_an_orphan_follow_up_counts_once_its_customer_is_registered(archive: Archive) -> None:
    visit = followup(1, PHONE, date=date(2026, 11, 12), grade_after="A")
    drop(archive, customers_batch(A, [], [visit]), data=b"1")
    registered = customer(1, PHONE, grade="C", registered_on=date(2026, 11, 3))
    drop(archive, customers_batch(A, [registered]), at=LATER, data=b"2")
    assert _grade(archive)[1] == "A"
    [(_, _, source, cell, day, _)] = _changes(archive, "grade")
    assert (source, cell, day) == ("followup", "跟进记录!A2", date(2026, 11, 12))


def test_a_registration_dated_after_the_orphan_follow_up_decides(archive: Archive) -> None:
    visit = followup(1, PHONE, date=date(2026, 11, 2), grade_after="A")
    drop(archive, customers_batch(A, [], [visit]), data=b"1")
    registered = customer(1, PHONE, grade="C", registered_on=date(2026, 11, 3))
    drop(archive, customers_batch(A, [registered]), at=LATER, data=b"2")
    assert _grade(archive)[1] == "C"


def test_another_branch_follow_up_does_not_grade_the_owners_customer(archive: Archive) -> None:
    drop(archive, customers_batch(A, [customer(1, PHONE, grade="C")]), data=b"1")
    visit = followup(1, PHONE, date=date(2026, 11, 20), grade_after="A")
    drop(archive, customers_batch(B, [], [visit]), at=LATER, data=b"2")
    assert _grade(archive)[1] == "C"


# ── 状态 ────────────────────────────────────────────────────────────────────────────────────


def test_a_stage_step_back_is_kept_warned_and_recorded(archive: Archive) -> None:
    drop(archive, customers_batch(A, [customer(1, PHONE, status="签约")]), data=b"1")
    back = drop(
        archive, customers_batch(A, [customer(1, PHONE, status="意向")]), at=LATER, data=b"2"
    )
    assert [(i.code, i.cell, i.field, i.severity) for i in back.issues] == [
        ("status.step_back", "W5", "状态", "warning")
    ]
    assert "“签约”改为“意向”" in back.issues[0].message
    [row] = archive.customers()
    assert row["status"] == "意向"
    assert _changes(archive, "status") == [
        ("签约", "意向", "registration", "客户档案!W5", LATER.date(), back.file_id)
    ]


def test_moving_forward_giving_up_and_coming_back_are_not_warned(archive: Archive) -> None:
    stages = ("登记", "到访", "认购", "放弃", "意向")
    for n, stage in enumerate(stages):
        batch = customers_batch(A, [customer(1, PHONE, status=stage)])
        result = drop(archive, batch, at=NOW + timedelta(hours=n), data=stage.encode())
        assert result.issues == (), stage
    assert [(old, new) for old, new, *_ in _changes(archive, "status")] == [
        ("登记", "到访"),
        ("到访", "认购"),
        ("认购", "放弃"),
        ("放弃", "意向"),
    ]
