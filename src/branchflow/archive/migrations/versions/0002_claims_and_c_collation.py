"""Claims on inbox files (several watchers on one store); on PostgreSQL, text in code-point order.

The claims table lets watchers on several machines share one inbox and one PostgreSQL store.
On PostgreSQL every text column of the tables 0001 created gets COLLATE "C", so sorting and
comparing text gives what SQLite gives (code-point order) whatever locale the database was
created with. SQLite needs nothing: its BINARY collation is code-point order already.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "claims",
        sa.Column("relative", sa.Text(), nullable=False),
        sa.Column("claimant", sa.String(length=200), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("relative", name=op.f("pk_claims")),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        _collate_text_columns_c(bind)


def downgrade() -> None:
    op.drop_table("claims")


def _collate_text_columns_c(bind: sa.Connection) -> None:
    quote = bind.dialect.identifier_preparer.quote
    found = bind.execute(
        sa.text(
            "SELECT table_name, column_name, data_type, character_maximum_length "
            "FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name <> 'alembic_version' "
            "AND data_type IN ('text', 'character varying') "
            "ORDER BY table_name, ordinal_position"
        )
    ).all()
    by_table: dict[str, list[str]] = {}
    for table, column, data_type, length in found:
        kind = "text" if data_type == "text" else f"varchar({length})" if length else "varchar"
        by_table.setdefault(table, []).append(
            f'ALTER COLUMN {quote(column)} TYPE {kind} COLLATE "C"'
        )
    for table, changes in by_table.items():
        op.execute(f"ALTER TABLE {quote(table)} " + ", ".join(changes))
