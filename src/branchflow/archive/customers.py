"""Customer upserts by normalised phone, with field history and 撞单 (conflict) handling.

Rules (SPEC "Rules the data must meet"):
- a phone not in the archive is a new customer owned by the dropping branch;
- the owning branch's drop updates the fields that changed (a blank cell never erases) and
  writes one history row per changed field;
- another branch's drop is a 撞单. Protection is measured from the owner's `owned_since` (its
  first registration) to the claimant's 登记日期, not to the processing time, so re-processing a
  drop always gives the same answer and a stale running workbook cannot win by waiting.
  Within protection_days the owner keeps the customer and nothing of the claimant's row is
  merged; after it, ownership moves to the claimant, whose values are merged, and its protection
  starts at its own 登记日期.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from branchflow.archive.bulk import insert_many, update_many
from branchflow.archive.phonebook import PhoneBook, Resolution, chunks
from branchflow.archive.results import Conflict
from branchflow.archive.schema import (
    BOUND_KEYS,
    CUSTOMER_KEYS,
    RANGED_KEYS,
    conflicts,
    customer_history,
    customers,
)
from branchflow.validate.batch import Original, Record
from branchflow.validate.issues import Issue
from branchflow.validate.normalize import is_masked_phone, mask_id, mask_phone

PHONE_TITLE = "手机号码"
# Stored beside the fields, following them: no history of their own (the field's history tells).
BESIDE_KEYS = (*BOUND_KEYS, "originals")
ROW_KEYS = (*CUSTOMER_KEYS, *BESIDE_KEYS)
_BOUNDS = tuple((key, f"{key}_low", f"{key}_high") for key in RANGED_KEYS)
UPDATE_COLUMNS = (
    *CUSTOMER_KEYS,
    *BESIDE_KEYS,
    "phone_scope",
    "masked_phone",
    "owner_branch",
    "owned_since",
    "last_file_id",
    "updated_at",
)


@dataclass
class CustomerChanges:
    """What one drop did to the customers table, before and after it is written."""

    branch: str
    file_id: int
    now: datetime
    protection_days: int
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    created: list[dict[str, Any]] = field(default_factory=list)
    dirty: dict[int, dict[str, Any]] = field(default_factory=dict)  # id → row
    history: list[dict[str, Any]] = field(default_factory=list)
    conflict_rows: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)


def drop_values(
    values: Mapping[str, Any], originals: Mapping[str, Original] | None = None
) -> dict[str, Any]:
    """The customer fields a drop fills (validation trims text, so a blank is None or ""); the
    身份证号 is masked. A cell written but not readable (月收入 "面议", kept as written) fills its
    field too: with None, the text going beside it."""
    if tuple(values) == CUSTOMER_KEYS:  # a validated record: just its filled values, in order
        kept = {key: value for key, value in values.items() if value is not None and value != ""}
    else:
        kept = {
            key: value
            for key in CUSTOMER_KEYS
            if (value := values.get(key)) is not None and value != ""
        }
    for key in originals or ():
        if key in values and key not in kept:
            kept[key] = None
    if "id_number" in kept:
        kept["id_number"] = mask_id(str(kept["id_number"]))
    return kept


def beside_values(
    stored: str | None, values: Mapping[str, Any], originals: Mapping[str, Original]
) -> dict[str, Any]:
    """The columns beside the fields after a drop: each field it filled drops its old original
    and takes the new one (if any); numbers it filled take their bounds (a plain number is its
    own bounds). `stored` is the row's originals column so far."""
    if stored is None and not originals:  # the common case: nothing ever corrected
        beside: dict[str, Any] = {"originals": None}
        for key, low, high in _BOUNDS:
            if key in values:
                beside[low] = beside[high] = values[key]
        return beside
    written = json.loads(stored) if stored else {}
    for key in values:
        written.pop(key, None)
    written.update((key, o.text) for key, o in originals.items() if key in values)
    beside = {"originals": originals_text(written)}
    for key, low, high in _BOUNDS:
        if key in values:
            found = originals.get(key)
            ranged = found is not None and found.ranged
            bounds = (found.low, found.high) if ranged and found else (values[key],) * 2
            beside[low], beside[high] = bounds
    return beside


def originals_text(written: Mapping[str, str]) -> str | None:
    """The originals column: a JSON object in field order, or NULL when there is nothing."""
    if not written:
        return None
    return json.dumps(dict(sorted(written.items())), ensure_ascii=False)


def as_text(value: Any) -> str | None:
    """A field value as history keeps it."""
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


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
        if row["owner_branch"] != changes.branch and not _claim(row, values, record, changes):
            continue
        beside = beside_values(row["originals"], values, record.originals)
        if _merge(row, values, beside, changes) and row["id"] is not None:
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
    changes: CustomerChanges,
) -> bool:
    """Copy the drop's values into the row; history for an archived row. True if any changed."""
    changed = False
    for key, value in values.items():
        old = row.get(key)
        if old == value:
            continue
        changed = True
        row[key] = value
        if row["id"] is not None:
            changes.history.append(_history(row["id"], key, old, value, changes))
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
    customer_id: int, key: str, old: Any, new: Any, changes: CustomerChanges
) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "field": key,
        "old_value": as_text(old),
        "new_value": as_text(new),
        "file_id": changes.file_id,
        "changed_at": changes.now,
        "branch": changes.branch,
    }


def _claim(
    row: dict[str, Any], values: Mapping[str, Any], record: Record, changes: CustomerChanges
) -> bool:
    """A 撞单: True when protection has run out and the claimant now owns the customer."""
    claimed_on = _as_date(values.get("registered_on")) or changes.now.date()
    since = _as_date(row["owned_since"] or row["first_registered_on"]) or claimed_on
    within = (claimed_on - since).days <= changes.protection_days
    owner = str(row["owner_branch"])
    masked = mask_phone(str(row["phone"]))
    cell = record.address("phone")
    ends = since + timedelta(days=changes.protection_days)
    changes.conflicts.append(Conflict(masked, owner, changes.branch, cell, within, ends))
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
            "resolution": "kept_by_owner" if within else "transferred",
            "repeat": False,
        }
    )
    changes.issues.append(_conflict_issue(record, masked, owner, within, changes.protection_days))
    if within:
        return False
    changes.history.append(_history(row["id"], "owner_branch", owner, changes.branch, changes))
    row.update(
        owner_branch=changes.branch,
        owned_since=claimed_on,
        last_file_id=changes.file_id,
        updated_at=changes.now,
    )
    changes.dirty[row["id"]] = row
    return True


def _conflict_issue(record: Record, masked: str, owner: str, within: bool, days: int) -> Issue:
    if within:
        code = "conflict.owned_by_other_branch"
        message = (
            f"撞单：手机号 {masked} 的客户已由{owner}登记，仍在 {days} 天保护期内，归属{owner}；"
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
        insert_many(conn, customers, changes.created, columns)
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
        row["repeat"] = key in seen
        seen.add(key)
