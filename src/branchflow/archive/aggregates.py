"""The month's figures as aggregate queries: counts per branch, never the customers themselves.

The documents of a month need, per branch: new registrations and their townships, follow-ups,
the grade mix at each month's end, and the customer structure (月收入, 付款方式, 置业目的,
认知途径). Each is a GROUP BY over the archive, so memory stays the same however many customers
there are.

A value "at a moment" (a customer's grade at a month's end) is the current value with later
changes undone: the first change at or after the moment (customer_history, in order of
changed_at then id) holds the value as it was. For the grade mix that is the current counts
corrected by the few customers changed since (GradeHistory); for lists of customers `AsAt` joins
each customer to its first later change.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Connection, FromClause, and_, case, func, select

from branchflow.archive.bulk import fetch_dicts
from branchflow.archive.schema import customer_history, customers, followups

AT_MOMENT_FIELDS = ("grade", "status", "project")  # what lists of customers ask "at a moment"
MIX_FIELDS = ("payment", "purpose", "channel")
INCOME_KEYS = ("monthly_income_low", "monthly_income_high", "monthly_income")
Place = tuple[str | None, str | None]  # (户籍县, 户籍乡镇)


def first_changes_after(moment: datetime, fields: Sequence[str]) -> FromClause:
    """Per customer and field, the old value of the first change at or after `moment`."""
    h = customer_history
    order = func.row_number().over(
        partition_by=(h.c.customer_id, h.c.field), order_by=(h.c.changed_at, h.c.id)
    )
    ranked = (
        select(h.c.customer_id, h.c.field, h.c.old_value, order.label("n"))
        .where(h.c.changed_at >= moment, h.c.field.in_(fields))
        .subquery("ranked")
    )
    return (
        select(ranked.c.customer_id, ranked.c.field, ranked.c.old_value)
        .where(ranked.c.n == 1)
        .subquery("first_changes")
    )


class AsAt:
    """customers joined to what their fields were at a moment: `value(field)` is the column."""

    def __init__(self, moment: datetime, fields: Sequence[str] = AT_MOMENT_FIELDS) -> None:
        changes = first_changes_after(moment, fields)
        self.joins: dict[str, FromClause] = {f: changes.alias(f"was_{f}") for f in fields}
        source: Any = customers
        for field, was in self.joins.items():
            source = source.outerjoin(
                was, and_(was.c.customer_id == customers.c.id, was.c.field == field)
            )
        self.source: FromClause = source

    def value(self, field: str) -> ColumnElement[Any]:
        was = self.joins[field]
        return case((was.c.customer_id.is_not(None), was.c.old_value), else_=customers.c[field])


@dataclass(frozen=True)
class GradeHistory:
    """Customers counted by owner branch, grade and 登记日期 (today's grades), and every grade
    change since a moment: enough to count the grades at any later moment."""

    by_day: Counter[tuple[str, str | None, date]]
    # (customer, owner branch, 登记日期, current grade, changed_at, change id, old value)
    changes: tuple[tuple[int, str, date | None, str | None, datetime, int, str | None], ...]

    @classmethod
    def read(cls, conn: Connection, since: datetime) -> GradeHistory:
        c, h = customers, customer_history
        query = select(c.c.owner_branch, c.c.grade, c.c.registered_on, func.count()).group_by(
            c.c.owner_branch, c.c.grade, c.c.registered_on
        )
        by_day = Counter({(b, g, d): int(n) for b, g, d, n in conn.execute(query) if d is not None})
        changed = (
            select(c.c.id, c.c.owner_branch, c.c.registered_on, c.c.grade)
            .add_columns(h.c.changed_at, h.c.id.label("change_id"), h.c.old_value)
            .select_from(h.join(c, c.c.id == h.c.customer_id))
            .where(h.c.field == "grade", h.c.changed_at >= since)
            .order_by(h.c.changed_at, h.c.id)
        )
        return cls(by_day, tuple(tuple(row) for row in conn.execute(changed)))

    def at(self, moment: datetime, registered_by: date) -> dict[str, Counter[str | None]]:
        """Per owner branch, customers registered by `registered_by` by their grade at
        `moment` (which must not precede the changes' start)."""
        found: dict[str, Counter[str | None]] = defaultdict(Counter)
        for (branch, grade, day), count in self.by_day.items():
            if day <= registered_by:
                found[branch][grade] += count
        undone: set[int] = set()
        for customer, branch, registered, grade, changed_at, _id, old in self.changes:
            if changed_at < moment or customer in undone:
                continue
            undone.add(customer)  # the first change at or after the moment tells
            if registered is not None and registered <= registered_by:
                found[branch][grade] -= 1
                found[branch][old] += 1
        return {branch: +counts for branch, counts in found.items()}  # + drops the zeros


def new_by_township(conn: Connection, first: date, last: date) -> dict[str, Counter[Place]]:
    """Per owner branch, customers registered between `first` and `last` by (县, 乡镇)."""
    query = (
        select(customers.c.owner_branch, customers.c.county, customers.c.township, func.count())
        .where(customers.c.registered_on >= first, customers.c.registered_on <= last)
        .group_by(customers.c.owner_branch, customers.c.county, customers.c.township)
    )
    found: dict[str, Counter[Place]] = defaultdict(Counter)
    for branch, county, township, count in conn.execute(query):
        found[branch][(county, township)] += int(count)
    return dict(found)


def followups_by_branch(conn: Connection, first: date, last: date) -> Counter[str]:
    """Follow-ups each branch recorded with a 跟进日期 between `first` and `last`."""
    query = (
        select(followups.c.branch, func.count())
        .where(followups.c.date >= first, followups.c.date <= last)
        .group_by(followups.c.branch)
    )
    return Counter({branch: int(count) for branch, count in conn.execute(query)})


def customer_mix(conn: Connection, registered_by: date) -> dict[str, dict[str, Counter[Any]]]:
    """Per owner branch and field (payment, purpose, channel; income as (low, high, value)),
    the customers registered by `registered_by` counted by stored value: one pass."""
    columns = [customers.c[k] for k in (*MIX_FIELDS, *INCOME_KEYS)]
    query = (
        select(customers.c.owner_branch, *columns, func.count())
        .where(customers.c.registered_on <= registered_by)
        .group_by(customers.c.owner_branch, *columns)
    )
    found: dict[str, dict[str, Counter[Any]]] = defaultdict(lambda: defaultdict(Counter))
    for branch, *values, count in conn.execute(query):
        fields = found[branch]
        for field, value in zip(MIX_FIELDS, values, strict=False):
            fields[field][value] += int(count)
        fields["income"][tuple(values[len(MIX_FIELDS) :])] += int(count)
    return {branch: dict(fields) for branch, fields in found.items()}


def changes_by_branch(
    conn: Connection, start: datetime, end: datetime
) -> dict[str, tuple[int, int]]:
    """Per branch that made them, the field changes between `start` and `end`: (changes,
    customers changed)."""
    h = customer_history
    query = (
        select(h.c.branch, func.count(), func.count(h.c.customer_id.distinct()))
        .where(h.c.changed_at >= start, h.c.changed_at < end)
        .group_by(h.c.branch)
    )
    return {branch: (int(n), int(people)) for branch, n, people in conn.execute(query)}


def latest_changes(
    conn: Connection, tz: ZoneInfo, start: datetime, end: datetime, limit: int
) -> list[dict[str, Any]]:
    """The last `limit` field changes between `start` and `end`, oldest first, with the
    customer's name, phone and owner."""
    h = customer_history
    last = (
        select(h.c.id)
        .where(h.c.changed_at >= start, h.c.changed_at < end)
        .order_by(h.c.changed_at.desc(), h.c.id.desc())
        .limit(limit)
    )
    query = (
        select(h, customers.c.phone, customers.c.name, customers.c.owner_branch)
        .select_from(h.join(customers, customers.c.id == h.c.customer_id))
        .where(h.c.id.in_(last))
        .order_by(h.c.changed_at, h.c.id)
    )
    return fetch_dicts(conn, query, tz)
