"""The console: accounts, server-side sessions, the audit log, 销售管理部's 撞单 rulings.

Text columns get COLLATE "C" on PostgreSQL, as revision 0002 gave every other text column.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    c = "C" if op.get_bind().dialect.name == "postgresql" else None

    def text() -> sa.Text:
        return sa.Text(collation=c)

    def string(length: int) -> sa.String:
        return sa.String(length=length, collation=c)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", string(100), nullable=False),
        sa.Column("role", string(20), nullable=False),
        sa.Column("scope", string(200), nullable=True),
        sa.Column("password_hash", text(), nullable=False),
        sa.Column("disabled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role IN ('admin', 'sales', 'department', 'branch')", name=op.f("ck_users_role")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("name", name=op.f("uq_users_name")),
    )
    op.create_table(
        "console_sessions",
        sa.Column("token_hash", string(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf", string(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_console_sessions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_console_sessions")),
    )
    op.create_index(
        op.f("ix_console_sessions_user_id"), "console_sessions", ["user_id"], unique=False
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_name", string(100), nullable=True),
        sa.Column("action", string(40), nullable=False),
        sa.Column("target", text(), server_default="", nullable=False),
        sa.Column("detail", text(), server_default="", nullable=False),
        sa.Column("ip", string(64), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"], unique=False)
    op.create_index("ix_audit_log_action_at", "audit_log", ["action", "at"], unique=False)
    op.create_table(
        "conflict_rulings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conflict_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("outcome", string(10), nullable=False),
        sa.Column("winner_branch", string(200), nullable=False),
        sa.Column("previous_owner", string(200), nullable=False),
        sa.Column("reason", text(), nullable=False),
        sa.Column("decided_by", string(100), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('owner', 'claimant')", name=op.f("ck_conflict_rulings_outcome")
        ),
        sa.ForeignKeyConstraint(
            ["conflict_id"],
            ["conflicts.id"],
            name=op.f("fk_conflict_rulings_conflict_id_conflicts"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_conflict_rulings_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conflict_rulings")),
    )
    op.create_index(
        op.f("ix_conflict_rulings_conflict_id"), "conflict_rulings", ["conflict_id"], unique=False
    )
    op.create_index(
        op.f("ix_conflict_rulings_customer_id"), "conflict_rulings", ["customer_id"], unique=False
    )

    _customer_indexes()


def _customer_indexes() -> None:
    """The console's searches and township counts on a 200k-customer archive (schema.py)."""
    op.drop_index("ix_customers_owner_branch", table_name="customers")
    op.create_index(
        "ix_customers_owner_places",
        "customers",
        ["owner_branch", "county", "township", "grade", "registered_on"],
        unique=False,
    )
    op.create_index(
        "ix_customers_places",
        "customers",
        ["county", "township", "grade", "registered_on"],
        unique=False,
    )
    op.create_index("ix_customers_name", "customers", ["name"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_customers_name", table_name="customers")
    op.drop_index("ix_customers_places", table_name="customers")
    op.drop_index("ix_customers_owner_places", table_name="customers")
    op.create_index("ix_customers_owner_branch", "customers", ["owner_branch"], unique=False)
    op.drop_index(op.f("ix_conflict_rulings_customer_id"), table_name="conflict_rulings")
    op.drop_index(op.f("ix_conflict_rulings_conflict_id"), table_name="conflict_rulings")
    op.drop_table("conflict_rulings")
    op.drop_index("ix_audit_log_action_at", table_name="audit_log")
    op.drop_index(op.f("ix_audit_log_at"), table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index(op.f("ix_console_sessions_user_id"), table_name="console_sessions")
    op.drop_table("console_sessions")
    op.drop_table("users")
