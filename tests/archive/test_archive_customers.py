"""Customer upserts: read-back, running workbooks, 撞单, masked phones, follow-ups."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

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
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from branchflow.archive.store import Archive
from branchflow.templates.definitions import CUSTOMER_FIELDS, FieldType
from branchflow.validate.batch import Original
from branchflow.validate.normalize import mask_id

# ── write, then read back ───────────────────────────────────────────────────────────────────

TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), min_size=1, max_size=12
)
PHONES = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)


def _value(field: Any) -> st.SearchStrategy[Any]:
    if field.type is FieldType.DATE:
        value: st.SearchStrategy[Any] = st.dates(date(2000, 1, 1), date(2026, 11, 26))
    elif field.type is FieldType.INTEGER:
        value = st.integers(0, 99)
    elif field.type is FieldType.NUMBER:
        value = st.floats(0, 1e7, allow_nan=False, allow_infinity=False)
    elif field.type is FieldType.ID_NUMBER:
        value = st.from_regex(r"[1-9][0-9]{16}[0-9X]", fullmatch=True)
    elif field.choices:
        value = st.sampled_from(field.choices)
    else:
        value = TEXT
    return value if field.required else st.none() | value


RECORD_VALUES = st.fixed_dictionaries(
    {f.key: _value(f) for f in CUSTOMER_FIELDS if f.key != "phone"}
)
DROPS = st.lists(
    st.tuples(PHONES, RECORD_VALUES), min_size=1, max_size=12, unique_by=lambda t: t[0]
)


def _expected(values: dict[str, Any]) -> dict[str, Any]:
    expected = dict(values)
    if expected.get("id_number"):
        expected["id_number"] = mask_id(expected["id_number"])
    return expected


def _by_phone(archive: Archive) -> dict[str, dict[str, Any]]:
    return {row["phone"]: row for row in archive.customers()}


@contextmanager
def _fresh(new_store: Callable[[Path], str]) -> Iterator[Archive]:
    """An archive of its own for one Hypothesis example."""
    with tempfile.TemporaryDirectory() as folder:
        workspace = Path(folder)
        with Archive.open(make_settings(workspace, store_url=new_store(workspace))) as archive:
            yield archive


# Each example opens a store of its own through the function-scoped `new_store` factory.
EXAMPLES = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@settings(EXAMPLES, max_examples=25)
@given(rows=DROPS)
def test_customers_read_back_as_written(
    new_store: Callable[[Path], str], rows: list[tuple[str, dict[str, Any]]]
) -> None:
    with _fresh(new_store) as ar:
        records = [customer(i, phone, **values) for i, (phone, values) in enumerate(rows, 1)]
        result = drop(ar, customers_batch(A, records))
        assert result.new_customers == len(rows)
        found = _by_phone(ar)
        for phone, values in rows:
            row = found[phone]
            assert {k: row[k] for k in values} == _expected(values)
            assert row["owner_branch"] == A
            assert row["first_registered_on"] == values["registered_on"]
            assert row["source_file"] == "客户档案.xlsx"


@settings(EXAMPLES, max_examples=20)
@given(first=RECORD_VALUES, second=RECORD_VALUES)
def test_a_later_drop_overwrites_filled_cells_only(
    new_store: Callable[[Path], str], first: dict[str, Any], second: dict[str, Any]
) -> None:
    with _fresh(new_store) as ar:
        drop(ar, customers_batch(A, [customer(1, "13800000001", **first)]), data=b"1")
        result = drop(ar, customers_batch(A, [customer(1, "13800000001", **second)]), data=b"2")
        filled = {k: v for k, v in _expected(second).items() if v is not None}
        merged = {**_expected(first), **filled}
        row = _by_phone(ar)["13800000001"]
        assert {k: row[k] for k in merged} == merged
        changed = {h["field"] for h in ar.history()}
        assert changed == {k for k in merged if merged[k] != _expected(first)[k]}
        assert (result.updated_customers, result.unchanged_customers) == (
            (1, 0) if changed else (0, 1)
        )


# ── a running workbook dropped again ────────────────────────────────────────────────────────


def test_grown_workbook_adds_new_updates_changed_duplicates_nothing(archive: Archive) -> None:
    first = customers_batch(
        A,
        [
            customer(1, "13800000001", name="王一"),
            customer(2, "13800000002", name="王二", remark="老客户"),
            customer(3, "13800000003", name="王三"),
        ],
        [followup(1, "13800000001"), followup(2, "13800000002")],
    )
    drop(archive, first, name="客户档案-11月.xlsx", data=b"1")
    grown = customers_batch(
        A,
        [
            customer(1, "13800000001", name="王一"),
            customer(2, "13800000002", name="王二", grade="A", remark=None),
            customer(3, "13800000003", name="王三"),
            customer(4, "13800000004", name="王四"),
            customer(5, "13800000005", name="王五"),
        ],
        [
            followup(1, "13800000001"),
            followup(2, "13800000002"),
            followup(3, "13800000002", date=date(2026, 11, 20), content="约好月底返乡看房"),
        ],
    )
    later = NOW + timedelta(days=2)
    result = drop(archive, grown, at=later, name="客户档案-12月.xlsx", data=b"2")
    assert (result.new_customers, result.updated_customers, result.unchanged_customers) == (
        2,
        1,
        2,
    )
    assert (result.followups_added, result.followups_known) == (1, 2)
    rows = _by_phone(archive)
    assert len(rows) == 5 and len(archive.followups()) == 3
    assert (rows["13800000002"]["grade"], rows["13800000002"]["remark"]) == ("A", "老客户")
    assert rows["13800000002"]["source_file"] == "客户档案-12月.xlsx"
    assert rows["13800000002"]["updated_at"] == later
    assert rows["13800000001"]["source_file"] == "客户档案-11月.xlsx"
    history = [(h["phone"], h["field"], h["old_value"], h["new_value"]) for h in archive.history()]
    assert history == [("13800000002", "grade", "B", "A")]


def test_same_follow_up_twice_in_one_file_is_added_once(archive: Archive) -> None:
    visits = [followup(1, "13800000001"), followup(2, "13800000001")]
    result = drop(archive, customers_batch(A, [customer(1, "13800000001")], visits))
    assert (result.followups_added, result.followups_known) == (1, 1)


def test_follow_up_of_unknown_customer_is_kept_and_linked_later(archive: Archive) -> None:
    result = drop(archive, customers_batch(A, [], [followup(1, "13700000000")]), data=b"1")
    assert [(i.code, i.cell) for i in result.issues] == [("followup.unknown_customer", "A2")]
    [visit] = archive.followups()
    assert visit["customer_id"] is None
    drop(archive, customers_batch(A, [customer(1, "13700000000", name="赵六")]), data=b"2")
    [visit] = archive.followups()
    assert (visit["customer_name"], visit["owner_branch"]) == ("赵六", A)


# ── 撞单 ────────────────────────────────────────────────────────────────────────────────────


def test_conflict_within_protection_keeps_owner_and_record(archive: Archive) -> None:
    owner_row = customer(1, "13812345678", name="张三", registered_on=date(2026, 10, 1))
    drop(archive, customers_batch(A, [owner_row]), data=b"a")
    claim = customer(7, "13812345678", name="张老三", grade="A", registered_on=date(2026, 11, 20))
    result = drop(archive, customers_batch(B, [claim]), data=b"b")
    [conflict] = result.conflicts
    assert (conflict.masked_phone, conflict.owner_branch, conflict.claimant_branch) == (
        "138****5678",
        A,
        B,
    )
    assert conflict.within_protection and conflict.cell == "客户档案!C11"
    [issue] = result.issues
    assert (issue.code, issue.cell, issue.severity) == (
        "conflict.owned_by_other_branch",
        "C11",
        "warning",
    )
    assert "138****5678" in issue.message and A in issue.message
    assert "13812345678" not in issue.message and "张三" not in issue.message
    assert result.new_customers == result.updated_customers == 0
    [row] = archive.customers()
    assert (row["owner_branch"], row["name"], row["grade"]) == (A, "张三", "B")
    assert archive.history() == []
    [recorded] = archive.conflicts(B)
    assert (recorded["resolution"], recorded["owner_registered_on"]) == (
        "kept_by_owner",
        date(2026, 10, 1),
    )
    assert recorded["claimant_registered_on"] == date(2026, 11, 20)


def test_repeated_conflict_is_reported_but_recorded_once(archive: Archive) -> None:
    drop(archive, customers_batch(A, [customer(1, "13812345678")]), data=b"a")
    claim = customers_batch(B, [customer(1, "13812345678")])
    drop(archive, claim, data=b"b1")
    again = drop(archive, claim, data=b"b2")
    assert len(again.conflicts) == 1
    assert len(archive.conflicts()) == 1
    assert len(archive.conflicts(repeats=True)) == 2
    assert archive.conflicts(A) == archive.conflicts(B)


def test_conflict_after_protection_transfers_ownership(archive: Archive) -> None:
    old = customer(1, "13812345678", name="张三", registered_on=date(2026, 5, 1))
    drop(archive, customers_batch(A, [old]), data=b"a")
    claim = customer(1, "13812345678", name="张三", grade="A", registered_on=date(2026, 11, 20))
    result = drop(archive, customers_batch(B, [claim]), data=b"b")
    [conflict] = result.conflicts
    assert not conflict.within_protection
    assert [i.code for i in result.issues] == ["conflict.transferred"]
    assert result.updated_customers == 1
    [row] = archive.customers()
    assert (row["owner_branch"], row["grade"]) == (B, "A")
    assert (row["first_registered_on"], row["owned_since"]) == (
        date(2026, 5, 1),
        date(2026, 11, 20),
    )
    changes = {(h["field"], h["old_value"], h["new_value"]) for h in archive.history()}
    assert ("owner_branch", A, B) in changes
    assert archive.conflicts()[0]["resolution"] == "transferred"

    # The old owner's running workbook still holds the customer: it does not take it back.
    again = drop(archive, customers_batch(A, [old]), data=b"a2")
    assert again.conflicts[0].within_protection
    assert archive.customers()[0]["owner_branch"] == B


def test_protection_period_is_configurable(archive: Archive) -> None:
    drop(archive, customers_batch(A, [customer(1, "13812345678")]), data=b"a")
    claim = customer(1, "13812345678", registered_on=date(2026, 11, 20))
    result = drop(archive, customers_batch(B, [claim]), data=b"b", protection_days=10)
    assert not result.conflicts[0].within_protection


# ── masked phones ───────────────────────────────────────────────────────────────────────────


def test_masked_phone_matches_the_one_full_number_of_the_branch(archive: Archive) -> None:
    drop(archive, customers_batch(A, [customer(1, "13812345678", name="张三")]), data=b"1")
    result = drop(archive, customers_batch(A, [customer(1, "138****5678", grade="A")]), data=b"2")
    assert [i.code for i in result.issues] == ["phone.masked_matched"]
    assert result.updated_customers == 1
    [row] = archive.customers()
    assert (row["phone"], row["grade"], row["masked_phone"]) == ("13812345678", "A", False)


def test_masked_and_full_rows_of_one_customer_in_one_drop(archive: Archive) -> None:
    drop(archive, customers_batch(A, [customer(1, "13812345678")]), data=b"1")
    rows = [customer(1, "13812345678"), customer(2, "138****5678", grade="A")]
    result = drop(archive, customers_batch(A, rows), data=b"2")
    assert (result.new_customers, result.updated_customers, result.unchanged_customers) == (0, 1, 0)
    assert [(r["phone"], r["grade"]) for r in archive.customers()] == [("13812345678", "A")]
    fresh = [customer(1, "13900001111"), customer(2, "139****1111", remark="同一人")]
    result = drop(archive, customers_batch(A, fresh), data=b"3")
    assert result.new_customers == 1
    assert _by_phone(archive)["13900001111"]["remark"] == "同一人"


def test_masked_phone_with_two_candidates_is_kept_apart(archive: Archive) -> None:
    both = [customer(1, "13812345678"), customer(2, "13899995678")]
    drop(archive, customers_batch(A, both), data=b"1")
    result = drop(archive, customers_batch(A, [customer(1, "138****5678")]), data=b"2")
    assert [i.code for i in result.issues] == ["phone.masked_ambiguous"]
    assert result.new_customers == 1
    masked = [r for r in archive.customers() if r["masked_phone"]]
    assert [r["phone"] for r in masked] == ["138****5678"]


def test_masked_phone_never_matches_another_branchs_customer(archive: Archive) -> None:
    drop(archive, customers_batch(A, [customer(1, "13812345678")]), data=b"1")
    result = drop(archive, customers_batch(B, [customer(1, "138****5678")]), data=b"2")
    assert (result.new_customers, result.conflicts, result.issues) == (1, (), ())
    assert {(r["phone"], r["owner_branch"]) for r in archive.customers()} == {
        ("13812345678", A),
        ("138****5678", B),
    }
    drop(archive, customers_batch(A, [customer(1, "138****5678")]), data=b"3")
    assert len(archive.customers()) == 2


def test_full_number_completes_a_masked_registration(archive: Archive) -> None:
    drop(archive, customers_batch(A, [customer(1, "139****1234", name="李四")]), data=b"1")
    result = drop(archive, customers_batch(A, [customer(1, "13900001234", name="李四")]), data=b"2")
    assert [i.code for i in result.issues] == ["phone.masked_completed"]
    assert (result.new_customers, result.updated_customers) == (0, 1)
    [row] = archive.customers()
    assert (row["phone"], row["masked_phone"]) == ("13900001234", False)
    assert [(h["field"], h["old_value"], h["new_value"]) for h in archive.history()] == [
        ("phone", "139****1234", "13900001234")
    ]


def test_masked_follow_up_finds_its_customer(archive: Archive) -> None:
    batch = customers_batch(A, [customer(1, "13812345678")], [followup(1, "138****5678")])
    result = drop(archive, batch)
    assert result.issues == ()
    [visit] = archive.followups()
    assert visit["customer_name"] == "张三"


def test_township_counts(archive: Archive) -> None:
    rows = [
        customer(1, "13800000001", grade="A"),
        customer(2, "13800000002", grade="A"),
        customer(3, "13800000003", county="凤冈县", township="龙泉街道", grade="C"),
    ]
    drop(archive, customers_batch(A, rows), data=b"1")
    drop(archive, customers_batch(B, [customer(1, "13800000009", grade="D")]), data=b"2")
    assert archive.township_counts(A) == [
        ("凤冈县", "龙泉街道", "C", 1),
        ("湄潭县", "永兴镇", "A", 2),
    ]
    assert len(archive.township_counts()) == 3
    assert [r["phone"] for r in archive.customers(B)] == ["13800000009"]


def test_what_staff_wrote_is_kept_beside_the_value_and_follows_it(archive: Archive) -> None:
    """Originals and a range's bounds: kept, replaced when the cell is rewritten, untouched by
    a blank cell, never a history row of their own; a re-drop changes nothing."""
    written = {
        "payment": Original("公积金"),
        "monthly_income": Original("8千-1.2万", 8000, 12000),
        "budget": Original("60万以内", None, 60),
    }
    first = customer(1, "13800000001", payment="公积金贷款", monthly_income=10000, budget=60,
                     area=110)  # fmt: skip
    drop(archive, customers_batch(A, [replace(first, originals=written)]), data=b"1")
    [row] = archive.customers()
    assert json.loads(row["originals"]) == {
        "budget": "60万以内", "monthly_income": "8千-1.2万", "payment": "公积金",
    }  # fmt: skip
    assert (row["monthly_income_low"], row["monthly_income_high"]) == (8000, 12000)
    assert (row["budget_low"], row["budget_high"]) == (None, 60)
    assert (row["area"], row["area_low"], row["area_high"]) == (110, 110, 110)
    again = drop(archive, customers_batch(A, [replace(first, originals=written)]), data=b"2")
    assert (again.updated_customers, again.unchanged_customers) == (0, 1)
    later = customer(1, "13800000001", payment="公积金贷款", monthly_income=None, budget=None)
    unreadable = {"monthly_income": Original("面议")}
    result = drop(archive, customers_batch(A, [replace(later, originals=unreadable)]), data=b"3")
    assert result.updated_customers == 1
    [row] = archive.customers()
    assert json.loads(row["originals"]) == {"budget": "60万以内", "monthly_income": "面议"}
    assert (row["monthly_income"], row["monthly_income_low"], row["monthly_income_high"]) == (
        None, None, None,
    )  # fmt: skip
    assert (row["budget"], row["budget_high"]) == (60, 60)  # a blank cell never erases
    assert [(h["field"], h["old_value"], h["new_value"]) for h in archive.history()] == [
        ("monthly_income", "10000", None)
    ]


def test_follow_ups_keep_what_was_written(archive: Archive) -> None:
    visit = replace(
        followup(1, "13800000001", method="其他"), originals={"method": Original("飞鸽")}
    )
    drop(archive, customers_batch(A, [customer(1, "13800000001")], [visit]))
    [kept] = archive.followups()
    assert kept["method"] == "其他" and json.loads(kept["originals"]) == {"method": "飞鸽"}
