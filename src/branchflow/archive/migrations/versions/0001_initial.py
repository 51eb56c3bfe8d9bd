"""Initial schema: files ledger, issues, customers, history, follow-ups, conflicts, reports.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("folder", sa.String(length=200), nullable=False),
        sa.Column("relative", sa.Text(), nullable=False),
        sa.Column("original_name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("rows", sa.Integer(), server_default="0", nullable=False),
        sa.Column("errors", sa.Integer(), server_default="0", nullable=False),
        sa.Column("warnings", sa.Integer(), server_default="0", nullable=False),
        sa.Column("new_customers", sa.Integer(), server_default="0", nullable=False),
        sa.Column("updated_customers", sa.Integer(), server_default="0", nullable=False),
        sa.Column("unchanged_customers", sa.Integer(), server_default="0", nullable=False),
        sa.Column("followups_added", sa.Integer(), server_default="0", nullable=False),
        sa.Column("followups_known", sa.Integer(), server_default="0", nullable=False),
        sa.Column("original_path", sa.Text(), nullable=False),
        sa.Column("receipt_path", sa.Text(), nullable=True),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("duplicate_of", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('accepted', 'rejected', 'duplicate')", name=op.f("ck_files_status")
        ),
        sa.ForeignKeyConstraint(
            ["duplicate_of"], ["files.id"], name=op.f("fk_files_duplicate_of_files")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_files")),
    )
    op.create_index("ix_files_cleared_at", "files", ["cleared_at"], unique=False)
    op.create_index(op.f("ix_files_folder"), "files", ["folder"], unique=False)
    op.create_index("ix_files_kind_period", "files", ["kind", "period"], unique=False)
    op.create_index(op.f("ix_files_sha256"), "files", ["sha256"], unique=False)
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("phone_scope", sa.String(length=200), server_default="", nullable=False),
        sa.Column("masked_phone", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("gender", sa.String(length=64), nullable=True),
        sa.Column("id_number", sa.String(length=64), nullable=True),
        sa.Column("county", sa.String(length=64), nullable=True),
        sa.Column("township", sa.String(length=64), nullable=True),
        sa.Column("village", sa.Text(), nullable=True),
        sa.Column("work_city", sa.Text(), nullable=True),
        sa.Column("employer", sa.Text(), nullable=True),
        sa.Column("occupation", sa.Text(), nullable=True),
        sa.Column("monthly_income", sa.Float(), nullable=True),
        sa.Column("family_size", sa.Integer(), nullable=True),
        sa.Column("project", sa.String(length=64), nullable=True),
        sa.Column("unit_type", sa.Text(), nullable=True),
        sa.Column("area", sa.Float(), nullable=True),
        sa.Column("budget", sa.Float(), nullable=True),
        sa.Column("payment", sa.String(length=64), nullable=True),
        sa.Column("purpose", sa.String(length=64), nullable=True),
        sa.Column("channel", sa.String(length=64), nullable=True),
        sa.Column("grade", sa.String(length=64), nullable=True),
        sa.Column("customer_type", sa.String(length=64), nullable=True),
        sa.Column("registered_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=64), nullable=True),
        sa.Column("consultant", sa.Text(), nullable=True),
        sa.Column("remark", sa.Text(), nullable=True),
        sa.Column("owner_branch", sa.String(length=200), nullable=False),
        sa.Column("first_registered_on", sa.Date(), nullable=True),
        sa.Column("owned_since", sa.Date(), nullable=True),
        sa.Column("first_file_id", sa.Integer(), nullable=False),
        sa.Column("last_file_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["first_file_id"], ["files.id"], name=op.f("fk_customers_first_file_id_files")
        ),
        sa.ForeignKeyConstraint(
            ["last_file_id"], ["files.id"], name=op.f("fk_customers_last_file_id_files")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("phone", "phone_scope", name=op.f("uq_customers_phone_phone_scope")),
    )
    op.create_index("ix_customers_owner_branch", "customers", ["owner_branch"], unique=False)
    op.create_table(
        "file_issues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("sheet", sa.Text(), server_default="", nullable=False),
        sa.Column("cell", sa.String(length=20), server_default="", nullable=False),
        sa.Column("field", sa.Text(), server_default="", nullable=False),
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("origin", sa.String(length=10), server_default="validate", nullable=False),
        sa.CheckConstraint(
            "severity IN ('error', 'warning')", name=op.f("ck_file_issues_severity")
        ),
        sa.ForeignKeyConstraint(
            ["file_id"], ["files.id"], name=op.f("fk_file_issues_file_id_files")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_file_issues")),
    )
    op.create_index(op.f("ix_file_issues_file_id"), "file_issues", ["file_id"], unique=False)
    op.create_table(
        "hq_briefing_nodes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch", sa.String(length=200), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("project", sa.String(length=64), nullable=True),
        sa.Column("node", sa.Text(), nullable=True),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"], ["files.id"], name=op.f("fk_hq_briefing_nodes_file_id_files")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hq_briefing_nodes")),
    )
    op.create_index(
        "ix_hq_briefing_nodes_branch_period",
        "hq_briefing_nodes",
        ["branch", "period"],
        unique=False,
    )
    op.create_index(
        op.f("ix_hq_briefing_nodes_file_id"), "hq_briefing_nodes", ["file_id"], unique=False
    )
    op.create_table(
        "hq_briefing_properties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch", sa.String(length=200), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("project", sa.String(length=64), nullable=True),
        sa.Column("unit_type", sa.Text(), nullable=True),
        sa.Column("area", sa.Text(), nullable=True),
        sa.Column("available", sa.Integer(), nullable=True),
        sa.Column("price_range", sa.Text(), nullable=True),
        sa.Column("offers", sa.Text(), nullable=True),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"], ["files.id"], name=op.f("fk_hq_briefing_properties_file_id_files")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hq_briefing_properties")),
    )
    op.create_index(
        "ix_hq_briefing_properties_branch_period",
        "hq_briefing_properties",
        ["branch", "period"],
        unique=False,
    )
    op.create_index(
        op.f("ix_hq_briefing_properties_file_id"),
        "hq_briefing_properties",
        ["file_id"],
        unique=False,
    )
    op.create_table(
        "market_employment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch", sa.String(length=200), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("industry", sa.Text(), nullable=True),
        sa.Column("estimate", sa.Integer(), nullable=True),
        sa.Column("income_range", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"], ["files.id"], name=op.f("fk_market_employment_file_id_files")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_employment")),
    )
    op.create_index(
        "ix_market_employment_branch_period",
        "market_employment",
        ["branch", "period"],
        unique=False,
    )
    op.create_index(
        op.f("ix_market_employment_file_id"), "market_employment", ["file_id"], unique=False
    )
    op.create_table(
        "market_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch", sa.String(length=200), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("county", sa.String(length=64), nullable=True),
        sa.Column("township", sa.String(length=64), nullable=True),
        sa.Column("estimate", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"], ["files.id"], name=op.f("fk_market_sources_file_id_files")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_sources")),
    )
    op.create_index(
        "ix_market_sources_branch_period", "market_sources", ["branch", "period"], unique=False
    )
    op.create_index(op.f("ix_market_sources_file_id"), "market_sources", ["file_id"], unique=False)
    op.create_table(
        "monthly_kpis",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch", sa.String(length=200), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kpi", sa.String(length=64), nullable=True),
        sa.Column("target", sa.Float(), nullable=True),
        sa.Column("actual", sa.Float(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"], ["files.id"], name=op.f("fk_monthly_kpis_file_id_files")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monthly_kpis")),
    )
    op.create_index(
        "ix_monthly_kpis_branch_period", "monthly_kpis", ["branch", "period"], unique=False
    )
    op.create_index(op.f("ix_monthly_kpis_file_id"), "monthly_kpis", ["file_id"], unique=False)
    op.create_table(
        "monthly_merchants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch", sa.String(length=200), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("business", sa.Text(), nullable=True),
        sa.Column("contact", sa.Text(), nullable=True),
        sa.Column("phone", sa.String(length=64), nullable=True),
        sa.Column("project", sa.String(length=64), nullable=True),
        sa.Column("area", sa.Float(), nullable=True),
        sa.Column("progress", sa.Text(), nullable=True),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"], ["files.id"], name=op.f("fk_monthly_merchants_file_id_files")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monthly_merchants")),
    )
    op.create_index(
        "ix_monthly_merchants_branch_period",
        "monthly_merchants",
        ["branch", "period"],
        unique=False,
    )
    op.create_index(
        op.f("ix_monthly_merchants_file_id"), "monthly_merchants", ["file_id"], unique=False
    )
    op.create_table(
        "monthly_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch", sa.String(length=200), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("item", sa.Text(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("owner", sa.Text(), nullable=True),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("involves", sa.Text(), nullable=True),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"], ["files.id"], name=op.f("fk_monthly_plan_file_id_files")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monthly_plan")),
    )
    op.create_index(
        "ix_monthly_plan_branch_period", "monthly_plan", ["branch", "period"], unique=False
    )
    op.create_index(op.f("ix_monthly_plan_file_id"), "monthly_plan", ["file_id"], unique=False)
    op.create_table(
        "monthly_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch", sa.String(length=200), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kpi", sa.String(length=64), nullable=True),
        sa.Column("target", sa.Float(), nullable=True),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"], ["files.id"], name=op.f("fk_monthly_targets_file_id_files")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monthly_targets")),
    )
    op.create_index(
        "ix_monthly_targets_branch_period", "monthly_targets", ["branch", "period"], unique=False
    )
    op.create_index(
        op.f("ix_monthly_targets_file_id"), "monthly_targets", ["file_id"], unique=False
    )
    op.create_table(
        "report_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("branch", sa.String(length=200), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"], ["files.id"], name=op.f("fk_report_values_file_id_files")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_values")),
        sa.UniqueConstraint(
            "kind", "branch", "period", "key", name=op.f("uq_report_values_kind_branch_period_key")
        ),
    )
    op.create_index(op.f("ix_report_values_file_id"), "report_values", ["file_id"], unique=False)
    op.create_index(
        "ix_report_values_kind_period", "report_values", ["kind", "period"], unique=False
    )
    op.create_table(
        "weekly_activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch", sa.String(length=200), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("type", sa.String(length=64), nullable=True),
        sa.Column("place", sa.Text(), nullable=True),
        sa.Column("participants", sa.Integer(), nullable=True),
        sa.Column("new_registrations", sa.Integer(), nullable=True),
        sa.Column("news", sa.Text(), nullable=True),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"], ["files.id"], name=op.f("fk_weekly_activities_file_id_files")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_weekly_activities")),
    )
    op.create_index(
        "ix_weekly_activities_branch_period",
        "weekly_activities",
        ["branch", "period"],
        unique=False,
    )
    op.create_index(
        op.f("ix_weekly_activities_file_id"), "weekly_activities", ["file_id"], unique=False
    )
    op.create_table(
        "conflicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("owner_branch", sa.String(length=200), nullable=False),
        sa.Column("claimant_branch", sa.String(length=200), nullable=False),
        sa.Column("owner_registered_on", sa.Date(), nullable=True),
        sa.Column("claimant_registered_on", sa.Date(), nullable=True),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("cell", sa.String(length=60), server_default="", nullable=False),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("within_protection", sa.Boolean(), nullable=False),
        sa.Column("resolution", sa.String(length=20), nullable=False),
        sa.Column("repeat", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.CheckConstraint(
            "resolution IN ('kept_by_owner', 'transferred')", name=op.f("ck_conflicts_resolution")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_conflicts_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(["file_id"], ["files.id"], name=op.f("fk_conflicts_file_id_files")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conflicts")),
    )
    op.create_index(
        op.f("ix_conflicts_claimant_branch"), "conflicts", ["claimant_branch"], unique=False
    )
    op.create_index(op.f("ix_conflicts_customer_id"), "conflicts", ["customer_id"], unique=False)
    op.create_index(op.f("ix_conflicts_file_id"), "conflicts", ["file_id"], unique=False)
    op.create_index(op.f("ix_conflicts_owner_branch"), "conflicts", ["owner_branch"], unique=False)
    op.create_table(
        "customer_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("branch", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_history_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["file_id"], ["files.id"], name=op.f("fk_customer_history_file_id_files")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_history")),
    )
    op.create_index(
        op.f("ix_customer_history_customer_id"), "customer_history", ["customer_id"], unique=False
    )
    op.create_index(
        op.f("ix_customer_history_file_id"), "customer_history", ["file_id"], unique=False
    )
    op.create_table(
        "followups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("method", sa.String(length=64), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("grade_after", sa.String(length=64), nullable=True),
        sa.Column("next_date", sa.Date(), nullable=True),
        sa.Column("staff", sa.Text(), nullable=False),
        sa.Column("branch", sa.String(length=200), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("cell", sa.String(length=60), server_default="", nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_followups_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(["file_id"], ["files.id"], name=op.f("fk_followups_file_id_files")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followups")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_followups_fingerprint")),
    )
    op.create_index(op.f("ix_followups_branch"), "followups", ["branch"], unique=False)
    op.create_index(op.f("ix_followups_customer_id"), "followups", ["customer_id"], unique=False)
    op.create_index(op.f("ix_followups_file_id"), "followups", ["file_id"], unique=False)
    op.create_index(op.f("ix_followups_phone"), "followups", ["phone"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_followups_phone"), table_name="followups")
    op.drop_index(op.f("ix_followups_file_id"), table_name="followups")
    op.drop_index(op.f("ix_followups_customer_id"), table_name="followups")
    op.drop_index(op.f("ix_followups_branch"), table_name="followups")
    op.drop_table("followups")
    op.drop_index(op.f("ix_customer_history_file_id"), table_name="customer_history")
    op.drop_index(op.f("ix_customer_history_customer_id"), table_name="customer_history")
    op.drop_table("customer_history")
    op.drop_index(op.f("ix_conflicts_owner_branch"), table_name="conflicts")
    op.drop_index(op.f("ix_conflicts_file_id"), table_name="conflicts")
    op.drop_index(op.f("ix_conflicts_customer_id"), table_name="conflicts")
    op.drop_index(op.f("ix_conflicts_claimant_branch"), table_name="conflicts")
    op.drop_table("conflicts")
    op.drop_index(op.f("ix_weekly_activities_file_id"), table_name="weekly_activities")
    op.drop_index("ix_weekly_activities_branch_period", table_name="weekly_activities")
    op.drop_table("weekly_activities")
    op.drop_index("ix_report_values_kind_period", table_name="report_values")
    op.drop_index(op.f("ix_report_values_file_id"), table_name="report_values")
    op.drop_table("report_values")
    op.drop_index(op.f("ix_monthly_targets_file_id"), table_name="monthly_targets")
    op.drop_index("ix_monthly_targets_branch_period", table_name="monthly_targets")
    op.drop_table("monthly_targets")
    op.drop_index(op.f("ix_monthly_plan_file_id"), table_name="monthly_plan")
    op.drop_index("ix_monthly_plan_branch_period", table_name="monthly_plan")
    op.drop_table("monthly_plan")
    op.drop_index(op.f("ix_monthly_merchants_file_id"), table_name="monthly_merchants")
    op.drop_index("ix_monthly_merchants_branch_period", table_name="monthly_merchants")
    op.drop_table("monthly_merchants")
    op.drop_index(op.f("ix_monthly_kpis_file_id"), table_name="monthly_kpis")
    op.drop_index("ix_monthly_kpis_branch_period", table_name="monthly_kpis")
    op.drop_table("monthly_kpis")
    op.drop_index(op.f("ix_market_sources_file_id"), table_name="market_sources")
    op.drop_index("ix_market_sources_branch_period", table_name="market_sources")
    op.drop_table("market_sources")
    op.drop_index(op.f("ix_market_employment_file_id"), table_name="market_employment")
    op.drop_index("ix_market_employment_branch_period", table_name="market_employment")
    op.drop_table("market_employment")
    op.drop_index(op.f("ix_hq_briefing_properties_file_id"), table_name="hq_briefing_properties")
    op.drop_index("ix_hq_briefing_properties_branch_period", table_name="hq_briefing_properties")
    op.drop_table("hq_briefing_properties")
    op.drop_index(op.f("ix_hq_briefing_nodes_file_id"), table_name="hq_briefing_nodes")
    op.drop_index("ix_hq_briefing_nodes_branch_period", table_name="hq_briefing_nodes")
    op.drop_table("hq_briefing_nodes")
    op.drop_index(op.f("ix_file_issues_file_id"), table_name="file_issues")
    op.drop_table("file_issues")
    op.drop_index("ix_customers_owner_branch", table_name="customers")
    op.drop_table("customers")
    op.drop_index(op.f("ix_files_sha256"), table_name="files")
    op.drop_index("ix_files_kind_period", table_name="files")
    op.drop_index(op.f("ix_files_folder"), table_name="files")
    op.drop_index("ix_files_cleared_at", table_name="files")
    op.drop_table("files")
