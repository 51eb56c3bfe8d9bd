"""Content versions: a token per branch, renewed by every write that changes what the branch's
archive workbook (and so the master archive) shows; the export rewrites only what changed.

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "content_versions",
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_content_versions")),
    )
    if op.get_bind().dialect.name == "postgresql":  # code-point order, as revision 0002
        op.execute(
            'ALTER TABLE content_versions ALTER COLUMN scope TYPE varchar(200) COLLATE "C", '
            'ALTER COLUMN version TYPE varchar(32) COLLATE "C"'
        )


def downgrade() -> None:
    op.drop_table("content_versions")
