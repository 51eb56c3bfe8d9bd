"""What staff wrote beside what is stored: originals (JSON text) and the bounds of ranges.

customers.originals and followups.originals hold, per corrected field, the text as written
(公积金 stored as 公积金贷款, 8000-12000 stored as 10000); customers.<key>_low / <key>_high hold
the bounds a number was read with (月收入, 意向面积, 预算总价; NULL = open that side). Text
columns are COLLATE "C" on PostgreSQL, as revision 0002 made every other one.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BOUNDS = tuple(
    f"{key}_{end}" for key in ("monthly_income", "area", "budget") for end in ("low", "high")
)


def upgrade() -> None:
    text = sa.Text(collation="C") if op.get_bind().dialect.name == "postgresql" else sa.Text()
    with op.batch_alter_table("customers") as batch:
        for name in BOUNDS:
            batch.add_column(sa.Column(name, sa.Float(), nullable=True))
        batch.add_column(sa.Column("originals", text, nullable=True))
    with op.batch_alter_table("followups") as batch:
        batch.add_column(sa.Column("originals", text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("followups") as batch:
        batch.drop_column("originals")
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("originals")
        for name in reversed(BOUNDS):
            batch.drop_column(name)
