"""Follow-ups: added once each, however often the running workbook that holds them is dropped.

The natural key is (branch, phone as written, 跟进日期, 跟进方式, 跟进人, 跟进内容), kept as a
sha256 fingerprint. The phone as written (not the customer it resolves to) goes into the key, so a
masked number that later matches a full one does not make old follow-ups look new; the phone
column holds the customer's own number once the follow-up is matched to a customer. A follow-up
whose phone is no known customer is kept anyway (staff did the work; the registration may come
in a later drop) with customer_id NULL and a warning; registering that phone later links it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, or_, select, update

from branchflow.archive.bulk import insert_many
from branchflow.archive.phonebook import PhoneBook, chunks
from branchflow.archive.schema import customers, followups
from branchflow.archive.values import as_text, originals_text
from branchflow.templates.definitions import TEMPLATES
from branchflow.validate.batch import Record
from branchflow.validate.issues import Issue

FOLLOW_UP_KEYS = tuple(f.key for f in TEMPLATES["customers"].table("followups").fields)


@dataclass
class FollowUpChanges:
    added: int = 0
    known: int = 0
    issues: list[Issue] = field(default_factory=list)


def fingerprint(branch: str, values: dict[str, Any]) -> str:
    parts = [branch, *(as_text(values.get(k)) or "" for k in ("phone", "date", "method", "staff"))]
    parts.append(as_text(values.get("content")) or "")
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def add_followups(
    conn: Connection,
    book: PhoneBook,
    records: Sequence[Record],
    *,
    branch: str,
    file_id: int,
    now: datetime,
) -> FollowUpChanges:
    """Insert the follow-ups not yet in the archive; count the ones already there."""
    changes = FollowUpChanges()
    prints = [fingerprint(branch, dict(r.values)) for r in records]
    known = _known(conn, prints)
    rows: list[dict[str, Any]] = []
    for record, print_ in zip(records, prints, strict=True):
        if print_ in known:
            changes.known += 1
            continue
        known.add(print_)
        phone = str(record.values["phone"])
        # A customer registered by this very drop has no id yet: link_orphans() links it by
        # phone, so the row keeps the customer's own number (a masked one may have matched).
        customer = book.rows.get(book.resolve(phone).key)
        if customer is None:
            changes.issues.append(_unknown_customer(record, phone))
        row = {key: record.values.get(key) for key in FOLLOW_UP_KEYS}
        row.update(
            originals=originals_text({k: o.text for k, o in record.originals.items()}),
            phone=customer["phone"] if customer is not None else phone,
            customer_id=customer["id"] if customer is not None else None,
            branch=branch,
            file_id=file_id,
            cell=record.address("phone"),
            fingerprint=print_,
            created_at=now,
        )
        rows.append(row)
    insert_many(conn, followups, rows)
    changes.added = len(rows)
    return changes


def link_orphans(conn: Connection) -> dict[int, str]:
    """Give follow-ups recorded before their customer was registered that customer's id;
    returns the ids of those linked, each with its branch."""
    match = (
        select(customers.c.id)
        .where(
            customers.c.phone == followups.c.phone,
            or_(customers.c.phone_scope == "", customers.c.phone_scope == followups.c.branch),
        )
        .limit(1)
        .scalar_subquery()
    )
    orphans = followups.c.customer_id.is_(None)
    linkable = select(followups.c.id, followups.c.branch).where(orphans, match.is_not(None))
    linked: dict[int, str] = {row.id: row.branch for row in conn.execute(linkable)}
    if linked:
        conn.execute(update(followups).where(orphans).values(customer_id=match))
    return linked


def _known(conn: Connection, prints: list[str]) -> set[str]:
    known: set[str] = set()
    for part in chunks(sorted(set(prints))):
        query = select(followups.c.fingerprint).where(followups.c.fingerprint.in_(part))
        known.update(conn.scalars(query))
    return known


def _unknown_customer(record: Record, phone: str) -> Issue:
    return Issue(
        "followup.unknown_customer",
        f"跟进记录中的手机号 {phone} 在客户档案中找不到对应客户；跟进已保存，"
        f"请在“客户档案”表中登记该客户",
        record.sheet,
        record.cells.get("phone", f"A{record.row}"),
        "手机号码",
        "warning",
    )
