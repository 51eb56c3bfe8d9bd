"""保护期至: the day a customer's owner stops being protected from another branch's 撞单.

One rule, used wherever the date is judged or shown (a 撞单 in customers.py, 分中心档案, the
console, the branch workbook in 下发/): protection runs `days` from the owner's `owned_since`
(its registration, or the day the customer became its own); with [conflicts] extend_on set, each
follow-up of the owner's with such a 跟进方式, dated while the customer is still protected, keeps
it protected at least `extend_days` beyond that follow-up. A follow-up after protection lapsed
revives nothing. Only dated events count, never when a drop was processed, so processing the
same drops again always gives the same dates and the same owners.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, and_, select

from branchflow.archive.phonebook import chunks
from branchflow.archive.schema import customers, followups
from branchflow.config import Protection


def protection_end(since: date | None, visits: Iterable[date], rule: Protection) -> date | None:
    """The last protected day for an owner protected since `since`, given the dates of its
    follow-ups (any order; only those whose 跟进方式 extends count: see extending())."""
    if since is None:
        return None
    end = since + timedelta(days=rule.days)
    if not rule.extends:
        return end
    for day in sorted(visits):
        if day < since:
            continue
        if day > end:
            break  # lapsed before this follow-up: nothing later revives it
        end = max(end, day + timedelta(days=rule.extend_days))
    return end


def rule_text(rule: Protection) -> str:
    """The rule in words: “90 天” or “90 天，期内到访、上门拜访跟进顺延 30 天”."""
    if not rule.extends:
        return f"{rule.days} 天"
    return f"{rule.days} 天，期内{'、'.join(rule.extend_on)}跟进顺延 {rule.extend_days} 天"


def protected_since(customer: Mapping[str, Any]) -> date | None:
    """Where the current owner's protection starts."""
    since = customer.get("owned_since") or customer.get("first_registered_on")
    return since if isinstance(since, date) else None


def extending(visit: Mapping[str, Any], owner: str | None, rule: Protection) -> bool:
    """A follow-up that may extend the owner's protection: the owner's, of a listed 跟进方式."""
    return rule.extends and visit.get("branch") == owner and visit.get("method") in rule.extend_on


def owner_visits(
    conn: Connection, rule: Protection, customer_ids: Sequence[int]
) -> dict[int, list[date]]:
    """Dates of the follow-ups that may extend each customer's protection: its owner's, with a
    listed 跟进方式 (empty when the rule extends nothing)."""
    found: dict[int, list[date]] = defaultdict(list)
    if not rule.extends:
        return found
    for part in chunks(sorted(set(customer_ids))):
        query = (
            select(followups.c.customer_id, followups.c.date)
            .join(
                customers,
                and_(
                    customers.c.id == followups.c.customer_id,
                    customers.c.owner_branch == followups.c.branch,
                ),
            )
            .where(followups.c.customer_id.in_(part), followups.c.method.in_(rule.extend_on))
        )
        for customer_id, day in conn.execute(query):
            found[customer_id].append(_day(day))
    return found


def branch_visits(conn: Connection, rule: Protection, branch: str) -> dict[int, list[date]]:
    """owner_visits() for every customer `branch` owns, in one query."""
    found: dict[int, list[date]] = defaultdict(list)
    if not rule.extends:
        return found
    query = select(followups.c.customer_id, followups.c.date).where(
        followups.c.branch == branch,
        followups.c.method.in_(rule.extend_on),
        followups.c.customer_id.in_(
            select(customers.c.id).where(customers.c.owner_branch == branch)
        ),
    )
    for customer_id, day in conn.execute(query):
        found[customer_id].append(_day(day))
    return found


def with_protection(
    rows: Iterable[dict[str, Any]], visits: Mapping[int, list[date]], rule: Protection
) -> Iterator[dict[str, Any]]:
    """Each customer row with its protected_until."""
    for row in rows:
        row["protected_until"] = protection_end(
            protected_since(row), visits.get(row["id"], ()), rule
        )
        yield row


def protect(conn: Connection, rule: Protection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A few customer rows (a console page) with their protected_until."""
    visits = owner_visits(conn, rule, [row["id"] for row in rows])
    return list(with_protection(rows, visits, rule))


def _day(value: Any) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value
