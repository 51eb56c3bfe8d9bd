"""The departments' and project 营销部' monthly work plans (部门月度工作计划): dept_plan_items.

One row per 工作事项, per (department or project folder, period), as the other report tables;
its single values (填报人) go in report_values like every report kind's. On PostgreSQL the text
columns are COLLATE "C", as revision 0002 made every other text column.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    code_points = op.get_bind().dialect.name == "postgresql"

    def text(length: int | None = None) -> sa.types.TypeEngine[str]:
        collation = "C" if code_points else None
        return sa.String(length, collation=collation) if length else sa.Text(collation=collation)

    op.create_table(
        "dept_plan_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch", text(200), nullable=False),
        sa.Column("period", text(10), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("item", text(), nullable=True),
        sa.Column("detail", text(), nullable=True),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("cooperation", text(), nullable=True),
        sa.Column("projects", text(), nullable=True),
        sa.Column("contact", text(), nullable=True),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"], ["files.id"], name=op.f("fk_dept_plan_items_file_id_files")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dept_plan_items")),
    )
    op.create_index(
        "ix_dept_plan_items_branch_period", "dept_plan_items", ["branch", "period"], unique=False
    )
    op.create_index(
        op.f("ix_dept_plan_items_file_id"), "dept_plan_items", ["file_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_dept_plan_items_file_id"), table_name="dept_plan_items")
    op.drop_index("ix_dept_plan_items_branch_period", table_name="dept_plan_items")
    op.drop_table("dept_plan_items")
