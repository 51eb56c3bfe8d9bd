"""What the console's pages read: drops with filters, customer search and detail, 撞单 lists,
township counts for a month. Each is a bounded query (a page of rows, or an aggregate), so a
page stays fast on a 200k-customer archive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Connection, Select, func, or_, select

from branchflow.archive.bulk import fetch_dicts
from branchflow.archive.reads import conflicts_query
from branchflow.archive.schema import (
    CUSTOMER_KEYS,
    conflict_rulings,
    conflicts,
    customer_history,
    customers,
    file_issues,
    files,
    followups,
)
from branchflow.validate.normalize import mask_phone

# Where a phone search's first three digits end: '1380…' < '138\uffff'; masked phones
# ('138****5678') fall in the same range.
_TOP = "\uffff"
MAX_ISSUES = 500  # a drop's issues shown on its page (a 100k-row drop may have thousands)


@dataclass(frozen=True)
class DropFilter:
    folders: tuple[str, ...] | None = None  # None: every folder
    status: str | None = None
    kind: str | None = None
    period: str | None = None
    since: datetime | None = None
    until: datetime | None = None  # exclusive


def drops(
    conn: Connection, tz: ZoneInfo, where: DropFilter, limit: int, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """A page of the ledger, newest first, and how many drops match."""
    conditions: list[ColumnElement[bool]] = []
    if where.folders is not None:
        conditions.append(files.c.folder.in_(where.folders))
    for column, value in (
        (files.c.status, where.status),
        (files.c.kind, where.kind),
        (files.c.period, where.period),
    ):
        if value:
            conditions.append(column == value)
    if where.since is not None:
        conditions.append(files.c.received_at >= where.since)
    if where.until is not None:
        conditions.append(files.c.received_at < where.until)
    query = (
        select(files)
        .where(*conditions)
        .order_by(files.c.received_at.desc(), files.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    total = conn.scalar(select(func.count()).select_from(files).where(*conditions))
    return fetch_dicts(conn, query, tz), int(total or 0)


def drop(conn: Connection, tz: ZoneInfo, file_id: int) -> dict[str, Any] | None:
    """One ledger row with its issues (key "issues", in order)."""
    found = fetch_dicts(conn, select(files).where(files.c.id == file_id), tz)
    if not found:
        return None
    issues = select(file_issues).where(file_issues.c.file_id == file_id)
    found[0]["issues"] = fetch_dicts(
        conn, issues.order_by(file_issues.c.position).limit(MAX_ISSUES)
    )
    found[0]["issue_count"] = conn.scalar(
        select(func.count()).select_from(file_issues).where(file_issues.c.file_id == file_id)
    )
    return found[0]


# ── customers ────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class CustomerQuery:
    phone: str = ""  # a full number, or 前三后四 (138****5678)
    name: str = ""  # the name, or its beginning
    county: str = ""
    township: str = ""
    owner: str | None = None  # only this branch's customers

    @property
    def empty(self) -> bool:
        return not (self.phone or self.name or self.county or self.township)


SEARCH_COLUMNS = (
    "id",
    "name",
    "phone",
    "masked_phone",
    "owner_branch",
    "county",
    "township",
    "grade",
    "status",
    "registered_on",
    "owned_since",
    "updated_at",
)


def search_customers(
    conn: Connection, tz: ZoneInfo, query: CustomerQuery, limit: int
) -> tuple[list[dict[str, Any]], int]:
    """Customers matching every given criterion, newest registration first, and their number."""
    conditions = _criteria(query)
    if conditions is None:
        return [], 0
    columns = [customers.c[k] for k in SEARCH_COLUMNS]
    found = select(*columns).where(*conditions)
    total = conn.scalar(select(func.count()).select_from(customers).where(*conditions))
    page = found.order_by(customers.c.registered_on.desc(), customers.c.id.desc()).limit(limit)
    return fetch_dicts(conn, page, tz), int(total or 0)


def _criteria(query: CustomerQuery) -> list[Any] | None:
    """The WHERE conditions; None when the phone given cannot match anything."""
    conditions: list[Any] = []
    phone = query.phone
    if phone:
        if len(phone) == 11 and phone.isdigit():
            # The full number, or a customer a branch could only register masked.
            conditions.append(
                or_(customers.c.phone == phone, customers.c.phone == mask_phone(phone))
            )
        elif len(phone) == 11 and phone[:3].isdigit() and phone[7:].isdigit():
            head, tail = phone[:3], phone[7:]
            conditions += [
                customers.c.phone >= head,
                customers.c.phone < head + _TOP,
                func.substr(customers.c.phone, 8, 4) == tail,
            ]
        else:
            return None
    if query.name:
        conditions += [customers.c.name >= query.name, customers.c.name < query.name + _TOP]
    if query.county:
        conditions.append(customers.c.county == query.county)
    if query.township:
        conditions.append(customers.c.township == query.township)
    if query.owner is not None:
        conditions.append(customers.c.owner_branch == query.owner)
    return conditions


def customer(conn: Connection, tz: ZoneInfo, customer_id: int) -> dict[str, Any] | None:
    """Everything the customer page shows: the record, its history, follow-ups, 撞单 with
    rulings, and the drops it came from (keys history, followups, conflicts, sources)."""
    columns = (
        customers.c.id,
        *(customers.c[k] for k in CUSTOMER_KEYS),
        customers.c.masked_phone,
        customers.c.owner_branch,
        customers.c.first_registered_on,
        customers.c.owned_since,
        customers.c.first_file_id,
        customers.c.last_file_id,
        customers.c.created_at,
        customers.c.updated_at,
    )
    found = fetch_dicts(conn, select(*columns).where(customers.c.id == customer_id), tz)
    if not found:
        return None
    row = found[0]
    row["history"] = fetch_dicts(
        conn,
        select(customer_history, files.c.original_name.label("source_file"))
        .join(files, files.c.id == customer_history.c.file_id)
        .where(customer_history.c.customer_id == customer_id)
        .order_by(customer_history.c.changed_at, customer_history.c.id),
        tz,
    )
    row["followups"] = fetch_dicts(
        conn,
        select(followups)
        .where(followups.c.customer_id == customer_id)
        .order_by(followups.c.date, followups.c.id),
        tz,
    )
    row["conflicts"] = fetch_dicts(
        conn, conflicts_query(repeats=True).where(conflicts.c.customer_id == customer_id), tz
    )
    row["rulings"] = fetch_dicts(
        conn,
        select(conflict_rulings)
        .where(conflict_rulings.c.customer_id == customer_id)
        .order_by(conflict_rulings.c.id),
        tz,
    )
    row["sources"] = _sources(conn, tz, row)
    return row


def _sources(conn: Connection, tz: ZoneInfo, row: dict[str, Any]) -> list[dict[str, Any]]:
    ids = {row["first_file_id"], row["last_file_id"]}
    ids |= {h["file_id"] for h in row["history"]} | {f["file_id"] for f in row["followups"]}
    query = select(
        files.c.id,
        files.c.folder,
        files.c.original_name,
        files.c.kind,
        files.c.status,
        files.c.received_at,
    ).where(files.c.id.in_(sorted(ids)))
    return fetch_dicts(conn, query.order_by(files.c.received_at, files.c.id), tz)


# ── 撞单 ─────────────────────────────────────────────────────────────────────────────────────


def conflict_page(
    conn: Connection,
    tz: ZoneInfo,
    branch: str | None,
    ruled: bool,
    limit: int,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """First detections of 撞单 (involving `branch`), unruled or ruled, newest first, with the
    customer's name; and how many there are."""
    base = conflicts_query(branch)
    winner = conflict_rulings.c.winner_branch  # the ruling in force, joined by conflicts_query
    base = base.where(winner.isnot(None) if ruled else winner.is_(None))
    total = conn.scalar(select(func.count()).select_from(base.order_by(None).subquery()))
    query = (
        _with_customer_name(base)
        .order_by(None)
        .order_by(conflicts.c.detected_at.desc(), conflicts.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    rows = fetch_dicts(conn, query, tz)
    for row in rows:
        row["masked_phone"] = mask_phone(row["phone"])
    return rows, int(total or 0)


def conflict(conn: Connection, tz: ZoneInfo, conflict_id: int) -> dict[str, Any] | None:
    query = _with_customer_name(conflicts_query(repeats=True)).where(conflicts.c.id == conflict_id)
    found = fetch_dicts(conn, query, tz)
    for row in found:
        row["masked_phone"] = mask_phone(row["phone"])
        row["rulings"] = fetch_dicts(
            conn,
            select(conflict_rulings)
            .where(conflict_rulings.c.conflict_id == conflict_id)
            .order_by(conflict_rulings.c.id),
            tz,
        )
    return found[0] if found else None


def _with_customer_name(query: Select[Any]) -> Select[Any]:
    return query.add_columns(
        customers.c.name.label("customer_name"),
        customers.c.owner_branch.label("current_owner"),
    ).join(customers, customers.c.id == conflicts.c.customer_id)


# ── 乡镇分布 ──────────────────────────────────────────────────────────────────────────────────


def township_month(
    conn: Connection, start: date, end: date, owner: str | None = None
) -> list[dict[str, Any]]:
    """Per (county, township): customers registered in [start, end) ("new"), registered before
    `end` ("total": the archive at the month's end), and how many of those are graded A or B.

    Counted per (township, grade, day) in the database, in the order of a covering index
    (ix_customers_places, or ix_customers_owner_places for one branch), then summed here.
    """
    c = customers.c
    # No WHERE on registered_on: the index scan is cheaper than the test; later days are
    # skipped below.
    query = select(c.county, c.township, c.grade, c.registered_on, func.count())
    if owner is not None:
        query = query.where(customers.c.owner_branch == owner)
    query = query.group_by(c.county, c.township, c.grade, c.registered_on)
    found: dict[tuple[Any, Any], dict[str, Any]] = {}
    for county, township, grade, registered, n in conn.execute(query):
        registered = date.fromisoformat(registered) if isinstance(registered, str) else registered
        if registered is None or registered >= end:
            continue
        row = found.setdefault(
            (county, township),
            {"county": county, "township": township, "new": 0, "total": 0, "ab": 0},
        )
        row["total"] += n
        row["new"] += n if registered >= start else 0
        row["ab"] += n if grade in ("A", "B") else 0
    rows = list(found.values())
    rows.sort(key=lambda r: (-r["total"], r["county"] or "", r["township"] or ""))
    return rows


def archive_version(conn: Connection) -> tuple[int, int]:
    """Changes whenever customers can have changed: a drop recorded, or a ruling."""
    newest_file = conn.scalar(select(func.max(files.c.id))) or 0
    newest_ruling = conn.scalar(select(func.max(conflict_rulings.c.id))) or 0
    return int(newest_file), int(newest_ruling)
