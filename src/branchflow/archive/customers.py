"""Customer upserts by normalised phone, with field history and 撞单 (conflict) handling.

Rules (SPEC "Rules the data must meet"):
- a phone not in the archive is a new customer owned by the dropping branch;
- the owning branch's drop updates the fields that changed (a blank cell never erases) and
  writes one history row per changed field;
- another branch's drop is a 撞单. The claimant's 登记日期 is judged against the owner's 保护期至
  (archive/protection.py: from the owner's `owned_since`, extended by its valid follow-ups when
  configured), never against the processing time, so re-processing a drop always gives the same
  answer and a stale running workbook cannot win by waiting. Up to 保护期至 the owner keeps the
  customer and nothing of the claimant's row is merged; after it, ownership moves to the
  claimant, whose values are merged, and its protection starts at its own 登记日期 — unless
  销售管理部 ruled on a 撞单 between the two branches: its ruling stays in force;
- 客户等级 and 状态 follow archive/progress.py (the latest dated event; a stage step back warned).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, select

from branchflow.archive import progress
from branchflow.archive.bulk import insert_many, update_many
from branchflow.archive.phonebook import PhoneBook, Resolution, chunks
from branchflow.archive.protection import owner_visits, protection_end
from branchflow.archive.results import Conflict
from branchflow.archive.rulings import ruling_in_force
from branchflow.archive.schema import CUSTOMER_KEYS, conflicts, customer_history, customers
from branchflow.archive.values import BESIDE_KEYS, ROW_KEYS, as_text, beside_values, drop_values
from branchflow.config import Protection
from branchflow.validate.batch import Original, Record
from branchflow.validate.issues import Issue
from branchflow.validate.normalize import is_masked_phone, mask_phone

PHONE_TITLE = "手机号码"
INSERT_ROWS = 2_000  # new customers copied (with their grade bookkeeping) per INSERT
UPDATE_COLUMNS = (
    *CUSTOMER_KEYS,
    *BESIDE_KEYS,
    "phone_scope",
    "masked_phone",
    "owner_branch",
    "owned_since",
    "sheet_grade",
    "grade_on",
    "last_file_id",
    "updated_at",
)


@dataclass
class CustomerChanges:
    """What one drop did to the customers table, before and after it is written."""

    branch: str
    file_id: int
    now: datetime
    protection: Protection
    day: date  # the day the drop was received: what a changed registration row is dated by
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    created: list[dict[str, Any]] = field(default_factory=list)
    dirty: dict[int, dict[str, Any]] = field(default_factory=dict)  # id → row
    history: list[dict[str, Any]] = field(default_factory=list)
    conflict_rows: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)


def upsert_customers(
    conn: Connection, book: PhoneBook, records: Sequence[Record], changes: CustomerChanges
) -> None:
    """Apply a drop's customer rows to the archive (in memory first, then in bulk)."""
    touched: set[int] = set()
    for record in records:
        resolution = book.resolve(str(record.values["phone"]))
        _note_resolution(record, resolution, book, changes)
        values = drop_values(record.values, record.originals)
        values["phone"] = (
            resolution.key[0] if resolution.how == "masked_matched" else values["phone"]
        )
        row = book.rows.get(resolution.key)
        if row is None:
            book.rows[resolution.key] = _create(values, record.originals, changes)
            continue
        day = changes.day
        if row["owner_branch"] != changes.branch:
            if not _claim(conn, row, values, record, changes):
                continue
            day = row["owned_since"]
            progress.takeover_grade(row, values, day)
            dated = True
        else:
            dated = progress.registration_grade(row, values, day)
            if (warning := progress.stage_warning(row, values, record)) is not None:
                changes.issues.append(warning)
        beside = beside_values(row["originals"], values, record.originals)
        merged = _merge(row, values, beside, record, day, changes)
        if (merged or dated) and row["id"] is not None:
            changes.dirty[row["id"]] = row
        if row["id"] is not None:
            touched.add(row["id"])
    changes.updated = len(touched & changes.dirty.keys())
    changes.unchanged = len(touched) - changes.updated
    _write(conn, changes)


def _create(
    values: dict[str, Any], originals: Mapping[str, Original], changes: CustomerChanges
) -> dict[str, Any]:
    phone = str(values["phone"])
    registered = values.get("registered_on")
    row: dict[str, Any] = dict.fromkeys(ROW_KEYS)
    row.update(values)
    row.update(beside_values(None, values, originals))
    row.update(
        id=None,
        phone_scope=changes.branch if is_masked_phone(phone) else "",
        masked_phone=is_masked_phone(phone),
        owner_branch=changes.branch,
        first_registered_on=registered,
        owned_since=registered,
        first_file_id=changes.file_id,
        last_file_id=changes.file_id,
        created_at=changes.now,
        updated_at=changes.now,
    )
    changes.created.append(row)
    changes.new += 1
    return row


def _merge(
    row: dict[str, Any],
    values: Mapping[str, Any],
    beside: Mapping[str, Any],
    record: Record,
    day: date,
    changes: CustomerChanges,
) -> bool:
    """Copy the drop's values into the row; history (dated `day`, with the cell) for an
    archived row. True if any changed."""
    changed = False
    for key, value in values.items():
        old = row.get(key)
        if old == value:
            continue
        changed = True
        row[key] = value
        if row["id"] is not None:
            where = (record.address(key), day)
            changes.history.append(_history(row["id"], key, old, value, changes, where))
    for key, value in beside.items():  # the text as written, a range's bounds: no history
        if row.get(key) != value:
            changed = True
            row[key] = value
    if changed:
        phone = str(row["phone"])
        row["masked_phone"] = is_masked_phone(phone)
        row["phone_scope"] = changes.branch if row["masked_phone"] else ""
        row["last_file_id"] = changes.file_id
        row["updated_at"] = changes.now
    return changed


def _history(
    customer_id: int,
    key: str,
    old: Any,
    new: Any,
    changes: CustomerChanges,
    where: tuple[str, date | None],
) -> dict[str, Any]:
    """A history row of a registration row: `where` is its cell and the date it is dated by."""
    return {
        "customer_id": customer_id,
        "field": key,
        "old_value": as_text(old),
        "new_value": as_text(new),
        "file_id": changes.file_id,
        "changed_at": changes.now,
        "branch": changes.branch,
        "cell": where[0],
        "event_date": where[1],
        "source": "registration",
    }


def _claim(
    conn: Connection,
    row: dict[str, Any],
    values: Mapping[str, Any],
    record: Record,
    changes: CustomerChanges,
) -> bool:
    """A 撞单: True when protection has run out and the claimant now owns the customer."""
    claimed_on = _as_date(values.get("registered_on")) or changes.day
    since = _as_date(row["owned_since"] or row["first_registered_on"]) or claimed_on
    rule = changes.protection
    end = protection_end(since, owner_visits(conn, rule, [row["id"]]).get(row["id"], ()), rule)
    within = end is None or claimed_on <= end
    owner = str(row["owner_branch"])
    ruled = not within and ruling_in_force(conn, row["id"], owner, changes.branch)
    extended = within and (claimed_on - since).days > rule.days
    masked = mask_phone(str(row["phone"]))
    cell = record.address("phone")
    changes.conflicts.append(Conflict(masked, owner, changes.branch, cell, within, ruled, end))
    changes.conflict_rows.append(
        {
            "customer_id": row["id"],
            "phone": row["phone"],
            "owner_branch": owner,
            "claimant_branch": changes.branch,
            "owner_registered_on": since,
            "claimant_registered_on": claimed_on,
            "file_id": changes.file_id,
            "cell": cell,
            "detected_at": changes.now,
            "within_protection": within,
            "resolution": "kept_by_owner" if within or ruled else "transferred",
            "repeat": ruled,  # 销售管理部 has ruled on it already: not a new 撞单 to rule on
        }
    )
    outcome = "ruled" if ruled else "extended" if extended else "within" if within else "lapsed"
    changes.issues.append(_conflict_issue(record, masked, owner, outcome, rule.days))
    if within or ruled:
        return False
    where = (record.address("phone"), claimed_on)
    changes.history.append(
        _history(row["id"], "owner_branch", owner, changes.branch, changes, where)
    )
    row.update(
        owner_branch=changes.branch,
        owned_since=claimed_on,
        last_file_id=changes.file_id,
        updated_at=changes.now,
    )
    changes.dirty[row["id"]] = row
    return True


def _conflict_issue(record: Record, masked: str, owner: str, outcome: str, days: int) -> Issue:
    if outcome == "ruled":
        code = "conflict.ruled"
        message = (
            f"撞单：手机号 {masked} 的客户经销售管理部裁定归属{owner}；本行内容未并入客户总档案。"
            f"如有异议请联系销售管理部"
        )
    elif outcome in ("within", "extended"):
        period = f" {days} 天保护期" if outcome == "within" else "保护期（已因有效跟进顺延）"
        code = "conflict.owned_by_other_branch"
        message = (
            f"撞单：手机号 {masked} 的客户已由{owner}登记，仍在{period}内，归属{owner}；"
            f"本行内容未并入客户总档案。如有异议请联系销售管理部"
        )
    else:
        code = "conflict.transferred"
        message = (
            f"撞单：手机号 {masked} 的客户原由{owner}登记，已超过 {days} 天保护期，"
            f"现归属本分中心，本行内容已并入客户总档案"
        )
    cell = record.cells.get("phone", f"A{record.row}")
    return Issue(code, message, record.sheet, cell, PHONE_TITLE, "warning")


def _note_resolution(
    record: Record, resolution: Resolution, book: PhoneBook, changes: CustomerChanges
) -> None:
    if resolution.how == "exact":
        return
    phone = str(record.values["phone"])
    if resolution.how == "masked_matched":
        row = book.rows.get(resolution.key)
        who = f"（{row['name']}）" if row and row.get("name") else ""
        code = "phone.masked_matched"
        message = f"手机号 {phone} 只有前三后四，已对应到本分中心档案中唯一相符的客户{who}"
    elif resolution.how == "masked_ambiguous":
        code = "phone.masked_ambiguous"
        message = (
            f"手机号 {phone} 只有前三后四，本分中心档案中有 {resolution.candidates} 位客户相符，"
            f"无法确定是哪一位，已单独保存；请填写完整的 11 位号码"
        )
    else:
        code = "phone.masked_completed"
        message = f"手机号已补全：档案中只有前三后四的 {mask_phone(phone)} 已更新为完整号码"
    cell = record.cells.get("phone", f"A{record.row}")
    changes.issues.append(Issue(code, message, record.sheet, cell, PHONE_TITLE, "warning"))


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def _write(conn: Connection, changes: CustomerChanges) -> None:
    if changes.created:
        columns = [c.name for c in customers.columns if c.name != "id"]
        created = changes.created
        for start in range(0, len(created), INSERT_ROWS):
            part = [_as_inserted(row) for row in created[start : start + INSERT_ROWS]]
            insert_many(conn, customers, part, columns)
    update_many(
        conn,
        customers,
        [
            {"id": cid, **{key: row[key] for key in UPDATE_COLUMNS}}
            for cid, row in changes.dirty.items()
        ],
    )
    insert_many(conn, customer_history, changes.history)
    if changes.conflict_rows:
        _mark_repeats(conn, changes.conflict_rows)
        insert_many(conn, conflicts, changes.conflict_rows)


def _as_inserted(row: dict[str, Any]) -> dict[str, Any]:
    """A new customer's row as inserted: its grade is its registration row's, dated by it.
    (Kept off the rows until now: they have 42 keys, and two more would double each row's dict,
    75 MB on a drop of 100k new customers.)"""
    return {**row, "sheet_grade": row["grade"], "grade_on": row["registered_on"]}


def _mark_repeats(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Flag conflicts an earlier drop already recorded, so reports tell each one once."""
    ids = sorted({row["customer_id"] for row in rows})
    seen: set[tuple[Any, ...]] = set()
    for part in chunks(ids):
        query = select(
            conflicts.c.customer_id,
            conflicts.c.owner_branch,
            conflicts.c.claimant_branch,
            conflicts.c.resolution,
        ).where(conflicts.c.customer_id.in_(part))
        seen.update(tuple(r) for r in conn.execute(query))
    for row in rows:
        key = (row["customer_id"], row["owner_branch"], row["claimant_branch"], row["resolution"])
        row["repeat"] = row["repeat"] or key in seen
        seen.add(key)
