"""Content versions: which branches a write changed, so the export rewrites only those.

Every write transaction that changes what a branch's archive workbook shows — the customers it
owns, the follow-ups it made, the 撞单 it is party to, a ruling on one — gives that branch a new
version token; the master archive shows every branch, so any new token changes it too. Tokens
are random, not counters: a store replaced by another (restored, rebuilt, emptied) never shows
the tokens an export recorded from the first, and the identity of the store (its first drop) is
part of what the export compares as well.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection, insert, select, update

from branchflow.archive.phonebook import chunks
from branchflow.archive.schema import content_versions, files, followups

if TYPE_CHECKING:  # customers.py → rulings.py → bump() here: the type only
    from branchflow.archive.customers import CustomerChanges


def bump(conn: Connection, branches: Iterable[str], now: datetime) -> None:
    """Give each branch a new version token (inside the write that changed it)."""
    for branch in sorted(set(branches)):
        token = secrets.token_hex(16)
        done = conn.execute(
            update(content_versions)
            .where(content_versions.c.scope == branch)
            .values(version=token, changed_at=now)
        )
        if not done.rowcount:
            conn.execute(
                insert(content_versions).values(scope=branch, version=token, changed_at=now)
            )


def read_versions(conn: Connection) -> dict[str, str]:
    """Every branch's version token, plus the store's identity under the key ""."""
    query = select(content_versions.c.scope, content_versions.c.version)
    found = {str(scope): str(version) for scope, version in conn.execute(query)}
    found[""] = store_identity(conn)
    return found


def store_identity(conn: Connection) -> str:
    """The store's first drop (its bytes' sha256 and when it was recorded): another store —
    a fresh one, a rebuilt one — has another first drop. "" while there is none."""
    first = conn.execute(
        select(files.c.sha256, files.c.recorded_at).order_by(files.c.id).limit(1)
    ).first()
    return "" if first is None else f"{first.sha256}@{first.recorded_at.isoformat()}"


def changed_by_drop(
    conn: Connection, changes: CustomerChanges, followups_added: int, linked: set[str]
) -> set[str]:
    """The branches whose archive workbook a customer drop changed: its own when it added or
    changed anything; both sides of each new 撞单 (a transfer moves a customer between them);
    the branches whose follow-ups it linked to a new customer or whose follow-ups name a
    customer it changed."""
    touched = set(linked)
    if changes.new or changes.dirty or followups_added:
        touched.add(changes.branch)
    for row in changes.conflict_rows:
        if not row["repeat"]:
            touched.update((row["owner_branch"], row["claimant_branch"]))
    if changes.dirty:
        touched |= following_branches(conn, list(changes.dirty), changes.branch)
    return touched


def following_branches(conn: Connection, customer_ids: Sequence[int], but: str) -> set[str]:
    """Branches other than `but` whose follow-ups name one of these customers (their archive
    shows the customer's name beside each follow-up)."""
    found: set[str] = set()
    for part in chunks(sorted(customer_ids)):
        query = (
            select(followups.c.branch)
            .distinct()
            .where(followups.c.customer_id.in_(part), followups.c.branch != but)
        )
        found.update(conn.scalars(query))
    return found
