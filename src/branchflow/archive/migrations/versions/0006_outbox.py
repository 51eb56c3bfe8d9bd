"""The notification outbox: messages for group robots and e-mail, written with their event.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT_COLUMNS = {
    "channel": "varchar(200)",
    "event": "varchar(20)",
    "scope": "varchar(200)",
    "subject": "text",
    "body": "text",
    "payload": "text",
    "attachments": "text",
    "dedupe_key": "varchar(200)",
    "status": "varchar(10)",
    "last_error": "text",
    "claimed_by": "varchar(200)",
}


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=200), nullable=False),
        sa.Column("event", sa.String(length=20), nullable=False),
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.Text(), server_default="", nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=True),
        sa.Column("attachments", sa.Text(), nullable=True),
        sa.Column("file_id", sa.Integer(), nullable=True),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=10), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("claimed_by", sa.String(length=200), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'failed')", name=op.f("ck_outbox_status")
        ),
        sa.ForeignKeyConstraint(["file_id"], ["files.id"], name=op.f("fk_outbox_file_id_files")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("channel", "dedupe_key", name=op.f("uq_outbox_channel_dedupe_key")),
    )
    op.create_index(op.f("ix_outbox_file_id"), "outbox", ["file_id"], unique=False)
    op.create_index(
        "ix_outbox_status_next_attempt_at", "outbox", ["status", "next_attempt_at"], unique=False
    )
    if op.get_bind().dialect.name == "postgresql":  # code-point order, as revision 0002
        changes = ", ".join(
            f'ALTER COLUMN {name} TYPE {kind} COLLATE "C"' for name, kind in TEXT_COLUMNS.items()
        )
        op.execute(f"ALTER TABLE outbox {changes}")


def downgrade() -> None:
    op.drop_index("ix_outbox_status_next_attempt_at", table_name="outbox")
    op.drop_index(op.f("ix_outbox_file_id"), table_name="outbox")
    op.drop_table("outbox")
