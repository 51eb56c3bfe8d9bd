"""Lists of customers to call: the projects' open A/B leads, the branches' follow-ups falling due.

Each customer is taken as they stood at a moment (grade, status and 意向项目 with later changes
undone, see aggregates.AsAt) with their last follow-up on or before a day. Each list is one
query streamed in the order it is read in, so a caller keeps the first rows and counts the rest
(or writes them all to a workbook) without holding them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Connection, Select, case, literal, or_, select

from branchflow.archive.aggregates import AsAt
from branchflow.archive.bulk import iter_dicts
from branchflow.archive.schema import customers, followups

LEAD_GRADES = ("A", "B")
CLOSED_STATUSES = ("签约", "放弃")
SOON_DAYS = 7  # "this week": a next follow-up due within this many days comes second
OVERDUE, SOON, LATER = 0, 1, 2  # a lead's urgency, in the order leads are listed
CUSTOMER_COLUMNS = (
    "id",
    "name",
    "phone",
    "owner_branch",
    "county",
    "township",
    "project",
    "unit_type",
    "area",
    "budget",
    "registered_on",
    "consultant",
)


@dataclass(frozen=True)
class Standing:
    """Customers as they stood at `moment`, with their last follow-up on or before `day`."""

    moment: datetime
    day: date

    def select(self) -> tuple[Select[Any], AsAt]:
        at = AsAt(self.moment)
        visit = followups.alias("last_visit")
        last_id = (
            select(followups.c.id)
            .where(followups.c.customer_id == customers.c.id, followups.c.date <= self.day)
            .order_by(followups.c.date.desc(), followups.c.id.desc())
            .limit(1)
            .correlate(customers)
            .scalar_subquery()
        )
        query = select(
            *(customers.c[k] for k in CUSTOMER_COLUMNS),
            at.value("grade").label("grade_at"),
            at.value("status").label("status_at"),
            at.value("project").label("project_at"),
            visit.c.date.label("last_date"),
            visit.c.method.label("last_method"),
            visit.c.content.label("last_content"),
            visit.c.staff.label("last_staff"),
            visit.c.next_date,
        ).select_from(at.source.outerjoin(visit, visit.c.id == last_id))
        return query, at


def _open(at: AsAt) -> ColumnElement[bool]:
    status = at.value("status")
    return or_(status.is_(None), status.not_in(CLOSED_STATUSES))


def project_leads(
    conn: Connection, tz: ZoneInfo, standing: Standing, today: date
) -> Iterator[dict[str, Any]]:
    """Every open A/B lead registered by the standing's day, by project (`project_at`), then
    most urgent first: overdue follow-ups (next date before `today`), then those due within
    the week, then the rest; A before B; newest registrations first. `urgency` says which."""
    query, at = standing.select()
    next_date = query.selected_columns.next_date
    soon = today + timedelta(days=SOON_DAYS)
    urgency = case(
        (next_date < today, literal(OVERDUE)),
        (next_date < soon, literal(SOON)),
        else_=literal(LATER),
    ).label("urgency")
    query = (
        query.add_columns(urgency)
        .where(
            customers.c.registered_on <= standing.day,
            at.value("grade").in_(LEAD_GRADES),
            at.value("project").is_not(None),
            _open(at),
        )
        .order_by(
            at.value("project"),
            urgency,
            at.value("grade"),
            customers.c.registered_on.desc(),
            customers.c.id.desc(),
        )
    )
    return iter_dicts(conn, query, tz)


def due_followups(
    conn: Connection, tz: ZoneInfo, standing: Standing, last: date
) -> Iterator[dict[str, Any]]:
    """Open customers whose next follow-up (as of the standing's day) falls on or before
    `last`, by owner branch, earliest first."""
    query, at = standing.select()
    next_date = query.selected_columns.next_date
    query = query.where(next_date.is_not(None), next_date <= last, _open(at)).order_by(
        customers.c.owner_branch,
        next_date,
        at.value("grade"),
        customers.c.name,
        customers.c.id,
    )
    return iter_dicts(conn, query, tz)
