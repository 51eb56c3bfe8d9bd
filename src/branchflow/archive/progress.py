"""How a customer's 客户等级 and 状态 move as registration rows and follow-ups come in.

Grade: the grade of the latest dated event. A registration row is an event dated by its 登记日期
when the customer is first registered (or taken over after protection), and a changed row by the
day its drop was received: staff rewrote the grade in the row some time before sending it. A
follow-up of the owner's with a 跟进后等级 is an event dated by its 跟进日期; on the same day it
wins over the registration row. A running workbook dropped again whose registration row says
what it said last time (customers.sheet_grade) is no new event, so it never undoes a later
follow-up's grade. A follow-up recorded before its customer was registered counts once it is
linked. Another branch's follow-up never changes the owner's record.

Stage: 登记 → 意向 → 到访 → 认筹 → 认购 → 签约, or 放弃 from any stage; only the registration
row's 状态 sets it (跟进方式 到访 may be a visit to the branch's office, while the stage 到访
counts visits to a project). A step back (签约 → 意向: a cancelled contract, or an old copy of
the workbook) is kept as written, with a warning in the receipt and the history row every change
gets; leaving 放弃 is a customer coming back, not a step back.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, select

from branchflow.archive.bulk import fetch_dicts, insert_many, update_many
from branchflow.archive.phonebook import chunks
from branchflow.archive.schema import customer_history, customers, followups
from branchflow.templates.definitions import GRADES, STATUSES
from branchflow.validate.batch import Record
from branchflow.validate.issues import Issue

FORWARD = STATUSES[:-1]  # 登记 … 签约, in order
GAVE_UP = STATUSES[-1]  # 放弃
STATUS_TITLE = "状态"


def registration_grade(row: dict[str, Any], values: dict[str, Any], day: date) -> bool:
    """Apply the registration row's 客户等级 (in `values`) as an event dated `day`: drop it from
    `values` when it is no event (the row says what it said last time) or an event dated later
    decided the grade. True when the row's bookkeeping (sheet_grade, grade_on) changed."""
    written = values.get("grade")
    if written is None or written == row.get("sheet_grade"):
        values.pop("grade", None)
        return False
    before = (row.get("sheet_grade"), row.get("grade_on"))
    row["sheet_grade"] = written
    if row.get("grade_on") is not None and day < row["grade_on"]:
        del values["grade"]
    else:
        row["grade_on"] = day
    return (row["sheet_grade"], row["grade_on"]) != before


def takeover_grade(row: dict[str, Any], values: dict[str, Any], day: date) -> None:
    """A customer taken over after protection: the new owner's row is its record from `day`."""
    row["sheet_grade"] = values.get("grade", row.get("sheet_grade"))
    row["grade_on"] = day


def step_back(old: Any, new: Any) -> bool:
    """True when `new` is an earlier stage than `old` (both on the forward path)."""
    return old in FORWARD and new in FORWARD and FORWARD.index(new) < FORWARD.index(old)


def stage_warning(row: dict[str, Any], values: dict[str, Any], record: Record) -> Issue | None:
    """The receipt's warning for a registration row that moves the stage back."""
    old, new = row.get("status"), values.get("status")
    if not step_back(old, new):
        return None
    return Issue(
        "status.step_back",
        f"状态由“{old}”改为“{new}”，退回到了前面的阶段（{' → '.join(FORWARD)}）；已按本表"
        f"登记并记入变更历史。如是退房、退订，请在备注中写明；如是填错或用了旧表，请改回“{old}”",
        record.sheet,
        record.cells.get("status", f"A{record.row}"),
        STATUS_TITLE,
        "warning",
    )


def apply_followup_grades(
    conn: Connection, file_id: int, linked: Sequence[int], now: datetime
) -> int:
    """Let the owners' follow-ups with a 跟进后等级 among this drop's, and those linked to their
    customer just now, move their customers' grades; returns how many grades changed."""
    visits = _graded_visits(conn, file_id, linked)
    if not visits:
        return 0
    ids = sorted({v["customer_id"] for v in visits})
    stored: dict[int, dict[str, Any]] = {}
    for part in chunks(ids):
        query = select(customers.c.id, customers.c.grade, customers.c.grade_on).where(
            customers.c.id.in_(part)
        )
        stored.update((row["id"], row) for row in fetch_dicts(conn, query))
    history: list[dict[str, Any]] = []
    dated: set[int] = set()
    for visit in visits:
        row = stored[visit["customer_id"]]
        if row["grade_on"] is not None and visit["date"] < row["grade_on"]:
            continue  # an event dated later decided the grade
        if visit["grade_after"] != row["grade"]:
            history.append(_history(row, visit, now))
            row["grade"] = visit["grade_after"]
        row["grade_on"] = visit["date"]
        dated.add(row["id"])
    regraded = {h["customer_id"] for h in history}
    update_many(
        conn,
        customers,
        [{**stored[i], "last_file_id": file_id, "updated_at": now} for i in sorted(regraded)],
    )
    update_many(
        conn,
        customers,
        [{"id": i, "grade_on": stored[i]["grade_on"]} for i in sorted(dated - regraded)],
    )
    insert_many(conn, customer_history, history)
    return len(history)


def _graded_visits(conn: Connection, file_id: int, linked: Sequence[int]) -> list[dict[str, Any]]:
    """The follow-ups that may move a grade, in the order they are applied (date, as recorded)."""
    owner = and_(
        customers.c.id == followups.c.customer_id,
        customers.c.owner_branch == followups.c.branch,
    )
    base = (
        select(
            followups.c.id,
            followups.c.customer_id,
            followups.c.date,
            followups.c.grade_after,
            followups.c.branch,
            followups.c.file_id,
            followups.c.cell,
        )
        .join(customers, owner)
        .where(followups.c.grade_after.in_(GRADES))
    )
    found = {v["id"]: v for v in fetch_dicts(conn, base.where(followups.c.file_id == file_id))}
    for part in chunks(sorted(set(linked))):
        query = base.where(followups.c.id.in_(part))
        found.update((v["id"], v) for v in fetch_dicts(conn, query))
    return sorted(found.values(), key=lambda v: (v["date"], v["id"]))


def _history(row: dict[str, Any], visit: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {
        "customer_id": row["id"],
        "field": "grade",
        "old_value": row["grade"],
        "new_value": visit["grade_after"],
        "file_id": visit["file_id"],
        "changed_at": now,
        "branch": visit["branch"],
        "cell": visit["cell"],
        "event_date": visit["date"],
        "source": "followup",
    }
