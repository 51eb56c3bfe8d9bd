"""The grade as a dated record; history rows that say where a change came from.

customers.sheet_grade is the 客户等级 the owner's registration row said when last read, and
customers.grade_on the date of the event the current grade comes from (archive/progress.py).
customer_history.cell / event_date / source say where a change came from: the drop's cell, the
date it is dated by, and whether a registration row, a follow-up or a ruling made it.

Existing customers are brought up to the rule: until now the grade came from registration rows
only, so sheet_grade is the grade; it is dated by the 登记日期, or by the day of the customer's
latest registration-row grade change (in Asia/Shanghai, the default zone); then the owner's
follow-ups with a 跟进后等级 dated on or after that day decide, the latest (by date, then as
recorded) last, with one history row per customer whose grade changes (dated and timed as the
follow-up that decided it was recorded). Text columns are COLLATE "C" on PostgreSQL.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GRADES = ("A", "B", "C", "D")
ZONE = ZoneInfo("Asia/Shanghai")
MOMENT = sa.DateTime(timezone=True)

customers = sa.table(
    "customers",
    sa.column("id", sa.Integer()),
    sa.column("grade", sa.String()),
    sa.column("registered_on", sa.Date()),
    sa.column("owner_branch", sa.String()),
    sa.column("sheet_grade", sa.String()),
    sa.column("grade_on", sa.Date()),
)
history = sa.table(
    "customer_history",
    sa.column("customer_id", sa.Integer()),
    sa.column("field", sa.String()),
    sa.column("old_value", sa.Text()),
    sa.column("new_value", sa.Text()),
    sa.column("file_id", sa.Integer()),
    sa.column("changed_at", MOMENT),
    sa.column("branch", sa.String()),
    sa.column("cell", sa.String()),
    sa.column("event_date", sa.Date()),
    sa.column("source", sa.String()),
)
followups = sa.table(
    "followups",
    sa.column("id", sa.Integer()),
    sa.column("customer_id", sa.Integer()),
    sa.column("date", sa.Date()),
    sa.column("grade_after", sa.String()),
    sa.column("branch", sa.String()),
    sa.column("file_id", sa.Integer()),
    sa.column("cell", sa.String()),
    sa.column("created_at", MOMENT),
)


def upgrade() -> None:
    c = "C" if op.get_bind().dialect.name == "postgresql" else None
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("sheet_grade", sa.String(64, collation=c), nullable=True))
        batch.add_column(sa.Column("grade_on", sa.Date(), nullable=True))
    with op.batch_alter_table("customer_history") as batch:
        batch.add_column(
            sa.Column("cell", sa.String(60, collation=c), server_default="", nullable=False)
        )
        batch.add_column(sa.Column("event_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("source", sa.String(20, collation=c), nullable=True))
    _date_the_grades(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("customer_history") as batch:
        batch.drop_column("source")
        batch.drop_column("event_date")
        batch.drop_column("cell")
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("grade_on")
        batch.drop_column("sheet_grade")


def _date_the_grades(conn: sa.Connection) -> None:
    conn.execute(
        customers.update().values(sheet_grade=customers.c.grade, grade_on=customers.c.registered_on)
    )
    changed: dict[int, date] = {}  # the day of the latest registration-row grade change
    for customer_id, moment in conn.execute(
        sa.select(history.c.customer_id, history.c.changed_at).where(history.c.field == "grade")
    ):
        day = _day(moment)
        changed[customer_id] = max(day, changed.get(customer_id, day))
    for customer_id, day in changed.items():
        conn.execute(
            customers.update()
            .where(customers.c.id == customer_id)
            .where(sa.or_(customers.c.grade_on.is_(None), customers.c.grade_on < day))
            .values(grade_on=day)
        )
    query = (
        sa.select(
            followups.c.customer_id,
            followups.c.date,
            followups.c.grade_after,
            followups.c.branch,
            followups.c.file_id,
            followups.c.cell,
            followups.c.created_at,
            customers.c.grade,
            customers.c.registered_on,
        )
        .join(customers, customers.c.id == followups.c.customer_id)
        .where(followups.c.grade_after.in_(GRADES), followups.c.branch == customers.c.owner_branch)
        .order_by(followups.c.customer_id, followups.c.date, followups.c.id)
    )
    decided: dict[int, Any] = {}  # customer → the last follow-up that decides its grade
    for row in conn.execute(query):
        dates = [d for d in (row.registered_on, changed.get(row.customer_id)) if d is not None]
        if not dates or row.date >= max(dates):
            decided[row.customer_id] = row
    for customer_id, row in decided.items():
        conn.execute(
            customers.update()
            .where(customers.c.id == customer_id)
            .values(grade=row.grade_after, grade_on=row.date)
        )
        if row.grade_after != row.grade:
            conn.execute(
                history.insert().values(
                    customer_id=customer_id,
                    field="grade",
                    old_value=row.grade,
                    new_value=row.grade_after,
                    file_id=row.file_id,
                    changed_at=row.created_at,
                    branch=row.branch,
                    cell=row.cell,
                    event_date=row.date,
                    source="followup",
                )
            )


def _day(moment: datetime | str) -> date:
    if isinstance(moment, str):  # SQLite without a type on the column read
        moment = datetime.fromisoformat(moment)
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(ZONE).date()
