"""Bulk reads for the master archive export and the reports: plain dicts, one query each."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Select, func, or_, select

from branchflow.archive.bulk import fetch_dicts, iter_dicts
from branchflow.archive.protection import branch_visits, with_protection
from branchflow.archive.schema import (
    BOUND_KEYS,
    CUSTOMER_KEYS,
    conflict_rulings,
    conflicts,
    customer_history,
    customers,
    files,
    followups,
)
from branchflow.archive.versions import read_versions
from branchflow.config import Protection
from branchflow.templates.definitions import TEMPLATES
from branchflow.validate.normalize import mask_phone

FOLLOW_UP_KEYS = tuple(f.key for f in TEMPLATES["customers"].table("followups").fields)
CUSTOMER_META = (
    *BOUND_KEYS,
    "originals",
    "owner_branch",
    "first_registered_on",
    "owned_since",
    "masked_phone",
    "created_at",
    "updated_at",
)
# What 客户总表 shows beside the fields; a branch's own archive also its 保护期至.
EXPORT_META = ("originals", "owner_branch", "first_registered_on", "updated_at")
BRANCH_META = (*EXPORT_META, "owned_since")


def read_customers(
    conn: Connection, tz: ZoneInfo, branch: str | None = None
) -> list[dict[str, Any]]:
    """Every customer (of `branch`): all template fields, ownership, and the last source file."""
    return fetch_dicts(conn, customers_query(branch), tz)


def customers_query(branch: str | None = None, meta: Sequence[str] = CUSTOMER_META) -> Select[Any]:
    query = (
        select(
            customers.c.id,
            *(customers.c[k] for k in CUSTOMER_KEYS),
            *(customers.c[k] for k in meta),
            files.c.original_name.label("source_file"),
        )
        .select_from(customers.outerjoin(files, files.c.id == customers.c.last_file_id))
        .order_by(customers.c.owner_branch, customers.c.id)
    )
    if branch is not None:
        query = query.where(customers.c.owner_branch == branch)
    return query


def read_followups(
    conn: Connection, tz: ZoneInfo, branch: str | None = None
) -> list[dict[str, Any]]:
    """Follow-ups (done by `branch`), with the customer's name and owner when known."""
    return fetch_dicts(conn, followups_query(branch), tz)


def followups_query(branch: str | None = None) -> Select[Any]:
    query = (
        select(
            followups.c.id,
            followups.c.customer_id,
            *(followups.c[k] for k in FOLLOW_UP_KEYS),
            followups.c.branch,
            followups.c.cell,
            followups.c.originals,
            followups.c.created_at,
            customers.c.name.label("customer_name"),
            customers.c.owner_branch,
            files.c.original_name.label("source_file"),
        )
        .select_from(
            followups.outerjoin(customers, customers.c.id == followups.c.customer_id).outerjoin(
                files, files.c.id == followups.c.file_id
            )
        )
        .order_by(followups.c.branch, followups.c.date, followups.c.id)
    )
    if branch is not None:
        query = query.where(followups.c.branch == branch)
    return query


def read_conflicts(
    conn: Connection, tz: ZoneInfo, branch: str | None = None, repeats: bool = False
) -> list[dict[str, Any]]:
    """撞单 involving `branch` (as owner or claimant), first detections only unless `repeats`.

    `phone` is the full number for HQ; a branch that is only the claimant may see `masked_phone`
    alone (SPEC): the caller chooses which column to show.
    """
    rows = fetch_dicts(conn, conflicts_query(branch, repeats), tz)
    for row in rows:
        row["masked_phone"] = mask_phone(row["phone"])
    return rows


def conflicts_query(branch: str | None = None, repeats: bool = False) -> Select[Any]:
    """撞单 with their source file and 销售管理部's ruling in force (ruling_* None if none)."""
    rulings = conflict_rulings.alias("later_rulings")
    latest = (
        select(func.max(rulings.c.id))
        .where(rulings.c.conflict_id == conflicts.c.id)
        .correlate(conflicts)
        .scalar_subquery()
    )
    query = (
        select(
            conflicts,
            files.c.original_name.label("source_file"),
            conflict_rulings.c.winner_branch.label("ruling_winner"),
            conflict_rulings.c.reason.label("ruling_reason"),
            conflict_rulings.c.decided_by.label("ruled_by"),
            conflict_rulings.c.decided_at.label("ruled_at"),
        )
        .select_from(
            conflicts.outerjoin(files, files.c.id == conflicts.c.file_id).outerjoin(
                conflict_rulings, conflict_rulings.c.id == latest
            )
        )
        .order_by(conflicts.c.detected_at, conflicts.c.id)
    )
    if branch is not None:
        query = query.where(
            or_(conflicts.c.owner_branch == branch, conflicts.c.claimant_branch == branch)
        )
    if not repeats:
        query = query.where(conflicts.c.repeat.is_(False))
    return query


def read_township_counts(
    conn: Connection, branch: str | None = None
) -> list[tuple[str | None, str | None, str | None, int]]:
    """(county, township, grade, customers), sorted."""
    query = (
        select(customers.c.county, customers.c.township, customers.c.grade, func.count())
        .group_by(customers.c.county, customers.c.township, customers.c.grade)
        .order_by(customers.c.county, customers.c.township, customers.c.grade)
    )
    if branch is not None:
        query = query.where(customers.c.owner_branch == branch)
    return [(county, township, grade, int(n)) for county, township, grade, n in conn.execute(query)]


def read_history(
    conn: Connection,
    tz: ZoneInfo,
    branch: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[dict[str, Any]]:
    """Field changes (made by `branch`, between start inclusive and end exclusive)."""
    query = (
        select(
            customer_history,
            customers.c.phone,
            customers.c.name,
            customers.c.owner_branch,
            files.c.original_name.label("source_file"),
        )
        .select_from(
            customer_history.join(
                customers, customers.c.id == customer_history.c.customer_id
            ).outerjoin(files, files.c.id == customer_history.c.file_id)
        )
        .order_by(customer_history.c.changed_at, customer_history.c.id)
    )
    if branch is not None:
        query = query.where(customer_history.c.branch == branch)
    if start is not None:
        query = query.where(customer_history.c.changed_at >= start)
    if end is not None:
        query = query.where(customer_history.c.changed_at < end)
    return fetch_dicts(conn, query, tz)


class ExportRows:
    """The archive as the export reads it: rows streamed, a chunk at a time, from one read
    transaction (so every workbook of one export shows the same moment)."""

    def __init__(self, conn: Connection, tz: ZoneInfo, rule: Protection | None = None) -> None:
        self._conn = conn
        self._tz = tz
        self._rule = rule or Protection()

    def branches(self) -> set[str]:
        """Every branch that owns a customer, did a follow-up or is party to a 撞单."""
        names = select(customers.c.owner_branch).union(
            select(followups.c.branch),
            select(conflicts.c.owner_branch),
            select(conflicts.c.claimant_branch),
        )
        return {name for name in self._conn.scalars(names) if name}

    def customers(self, branch: str | None = None) -> Iterator[dict[str, Any]]:
        """All customers; or a branch's own, each with its protected_until (保护期至)."""
        if branch is None:
            return iter_dicts(self._conn, customers_query(None, EXPORT_META), self._tz)
        rows = iter_dicts(self._conn, customers_query(branch, BRANCH_META), self._tz)
        visits = branch_visits(self._conn, self._rule, branch)
        return with_protection(rows, visits, self._rule)

    def followups(self, branch: str | None = None) -> Iterator[dict[str, Any]]:
        return iter_dicts(self._conn, followups_query(branch), self._tz)

    def conflicts(self, branch: str | None = None) -> Iterator[dict[str, Any]]:
        for row in iter_dicts(self._conn, conflicts_query(branch), self._tz):
            row["masked_phone"] = mask_phone(row["phone"])
            yield row

    def township_counts(
        self, branch: str | None = None
    ) -> list[tuple[str | None, str | None, str | None, int]]:
        return read_township_counts(self._conn, branch)

    def versions(self) -> dict[str, str]:
        """Each branch's content version and the store's identity (archive/versions.py)."""
        return read_versions(self._conn)

    def rules(self) -> str:
        """The rules every workbook's values follow beyond the stored data: the protection rule
        (every 保护期至), so that a change of [conflicts] or protection_days rewrites them all."""
        return repr(self._rule)

    def row_count(self, branch: str | None = None) -> int:
        """Customers and follow-ups a workbook of `branch` (None: the master) will list."""
        owned = select(func.count()).select_from(customers)
        done = select(func.count()).select_from(followups)
        if branch is not None:
            owned = owned.where(customers.c.owner_branch == branch)
            done = done.where(followups.c.branch == branch)
        return int(self._conn.scalar(owned) or 0) + int(self._conn.scalar(done) or 0)
