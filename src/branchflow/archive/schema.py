"""The archive's tables, in SQLAlchemy Core; portable SQL only (SQLite and PostgreSQL).

Customer columns and the report tables follow the template definitions, so a field described in
templates/definitions.py is one column here. Changing a definition changes this metadata; the
migrations test then fails until a new revision under migrations/versions/ catches up.

On PostgreSQL every text column is created COLLATE "C" (revision 0002), so text sorts and
compares by code point as SQLite's BINARY does, whatever the database's locale: the same store
gives the same outputs on either backend. A later revision adding a text column must do the same.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from branchflow.templates.definitions import CUSTOMER_FIELDS, TEMPLATES, FieldType
from branchflow.templates.definitions import Table as TableDef

# Stable constraint names, so later migrations (batch mode on SQLite) can find them.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

FILE_STATUSES = ("accepted", "rejected", "duplicate")
RESOLUTIONS = ("kept_by_owner", "transferred")
# customer_history.source: a registration row (客户档案), a follow-up (跟进记录), a 撞单 ruling
HISTORY_SOURCES = ("registration", "followup", "ruling")
REPORT_KINDS = ("monthly", "market", "weekly", "hq_briefing", "dept_plan")


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware moment, stored in UTC (SQLite: ISO text; PostgreSQL: timestamptz)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the archive stores aware moments only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def column_type(kind: FieldType) -> TypeEngine[Any]:
    """The SQL type a template field is stored as."""
    if kind is FieldType.DATE:
        return Date()
    if kind is FieldType.INTEGER:
        return Integer()
    if kind is FieldType.NUMBER:
        return Float()
    if kind in (FieldType.TEXT, FieldType.LONG_TEXT):
        return Text()
    return String(64)


metadata = MetaData(naming_convention=NAMING)

files = Table(
    "files",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sha256", String(64), nullable=False, index=True),
    Column("folder", String(200), nullable=False, index=True),
    Column("relative", Text, nullable=False),
    Column("original_name", Text, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("period", String(10)),
    Column("status", String(10), nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("size", Integer, nullable=False),
    Column("rows", Integer, nullable=False, server_default="0"),
    Column("errors", Integer, nullable=False, server_default="0"),
    Column("warnings", Integer, nullable=False, server_default="0"),
    Column("new_customers", Integer, nullable=False, server_default="0"),
    Column("updated_customers", Integer, nullable=False, server_default="0"),
    Column("unchanged_customers", Integer, nullable=False, server_default="0"),
    Column("followups_added", Integer, nullable=False, server_default="0"),
    Column("followups_known", Integer, nullable=False, server_default="0"),
    Column("original_path", Text, nullable=False),
    Column("receipt_path", Text),
    Column("cleared_at", UtcDateTime()),
    Column("duplicate_of", Integer, ForeignKey("files.id")),
    CheckConstraint("status IN ('accepted', 'rejected', 'duplicate')", name="status"),
    Index("ix_files_kind_period", "kind", "period"),
    Index("ix_files_cleared_at", "cleared_at"),
)

file_issues = Table(
    "file_issues",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("file_id", Integer, ForeignKey("files.id"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("severity", String(10), nullable=False),
    Column("sheet", Text, nullable=False, server_default=""),
    Column("cell", String(20), nullable=False, server_default=""),
    Column("field", Text, nullable=False, server_default=""),
    Column("code", String(80), nullable=False),
    Column("message", Text, nullable=False),
    Column("origin", String(10), nullable=False, server_default="validate"),
    CheckConstraint("severity IN ('error', 'warning')", name="severity"),
)

_customer_field_columns = [
    Column(f.key, column_type(f.type), nullable=f.key != "phone")
    for f in CUSTOMER_FIELDS
    if f.key != "phone"
]

# A number read as a range or an approximation (月收入 8000-12000) keeps its bounds beside the
# value it counts as (the midpoint; an open range's bound): <key>_low / <key>_high, NULL = open.
RANGED_KEYS = tuple(f.key for f in CUSTOMER_FIELDS if f.type is FieldType.NUMBER)
BOUND_KEYS = tuple(f"{key}_{end}" for key in RANGED_KEYS for end in ("low", "high"))

customers = Table(
    "customers",
    metadata,
    Column("id", Integer, primary_key=True),
    # The identity: a normalised mobile number. A masked number (138****5678) is only unique
    # within the branch that wrote it, so phone_scope is "" for full numbers and that branch's
    # name for masked ones.
    Column("phone", String(20), nullable=False),
    Column("phone_scope", String(200), nullable=False, server_default=""),
    Column("masked_phone", Boolean, nullable=False, server_default=false()),
    *_customer_field_columns,
    *(Column(key, Float()) for key in BOUND_KEYS),
    # What staff wrote where it is stored otherwise (公积金 → 公积金贷款, 8000-12000, 湄潭):
    # a JSON object, field key → text as written (revision 0003). NULL when nothing was corrected.
    Column("originals", Text),
    Column("owner_branch", String(200), nullable=False),
    Column("first_registered_on", Date),
    # Start of the current owner's protection: the first registration, or the claimant's
    # 登记日期 when ownership was transferred after the protection period.
    Column("owned_since", Date),
    # The grade as a dated record (revision 0007, archive/progress.py): the 客户等级 the owner's
    # registration row said when last read (a re-dropped row saying the same is no new event),
    # and the date of the event the current grade comes from (登记日期, 跟进日期 of a follow-up
    # with 跟进后等级, or the day a changed registration row was received).
    Column("sheet_grade", String(64)),
    Column("grade_on", Date),
    Column("first_file_id", Integer, ForeignKey("files.id"), nullable=False),
    Column("last_file_id", Integer, ForeignKey("files.id"), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("phone", "phone_scope"),
    # Each index costs ingest time, so only what the console and 乡镇汇总 need (revision 0005):
    # covering indexes for the township counts (all branches, or one: a full scan of 200k wide
    # rows takes seconds, these take a fraction) and the console's name search. The
    # owner_branch index (0001) became the first column of the branch one.
    Index(
        "ix_customers_owner_places", "owner_branch", "county", "township", "grade", "registered_on"
    ),
    Index("ix_customers_places", "county", "township", "grade", "registered_on"),
    Index("ix_customers_name", "name"),
)

customer_history = Table(
    "customer_history",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("customer_id", Integer, ForeignKey("customers.id"), nullable=False, index=True),
    Column("field", String(40), nullable=False),
    Column("old_value", Text),
    Column("new_value", Text),
    Column("file_id", Integer, ForeignKey("files.id"), nullable=False, index=True),
    Column("changed_at", UtcDateTime(), nullable=False),
    Column("branch", String(200), nullable=False),
    # Where the change came from (revision 0007): the cell of the drop's row (客户档案!T7,
    # 跟进记录!E12), the date the change is dated by, and which kind of row it was
    # (HISTORY_SOURCES; NULL before 0007).
    Column("cell", String(60), nullable=False, server_default=""),
    Column("event_date", Date),
    Column("source", String(20)),
)

followups = Table(
    "followups",
    metadata,
    Column("id", Integer, primary_key=True),
    # NULL while no customer with this phone is known; linked when one is registered.
    Column("customer_id", Integer, ForeignKey("customers.id"), index=True),
    Column("phone", String(20), nullable=False, index=True),
    *[
        Column(f.key, column_type(f.type), nullable=not f.required)
        for f in TEMPLATES["customers"].table("followups").fields
        if f.key != "phone"
    ],
    Column("branch", String(200), nullable=False, index=True),
    Column("file_id", Integer, ForeignKey("files.id"), nullable=False, index=True),
    Column("cell", String(60), nullable=False, server_default=""),
    Column("originals", Text),  # as customers.originals (跟进方式 飞鸽 → 其他)
    # sha256 of (branch, phone as written, date, method, staff, content): the natural key that
    # keeps a re-dropped running workbook from adding the same follow-up twice.
    Column("fingerprint", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime(), nullable=False),
)

conflicts = Table(
    "conflicts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("customer_id", Integer, ForeignKey("customers.id"), nullable=False, index=True),
    Column("phone", String(20), nullable=False),
    Column("owner_branch", String(200), nullable=False, index=True),
    Column("claimant_branch", String(200), nullable=False, index=True),
    Column("owner_registered_on", Date),
    Column("claimant_registered_on", Date),
    Column("file_id", Integer, ForeignKey("files.id"), nullable=False, index=True),
    Column("cell", String(60), nullable=False, server_default=""),
    Column("detected_at", UtcDateTime(), nullable=False),
    Column("within_protection", Boolean, nullable=False),
    Column("resolution", String(20), nullable=False),
    # True when the same (customer, owner, claimant, resolution) was already recorded by an
    # earlier drop (a running workbook dropped again); reads hide repeats by default.
    Column("repeat", Boolean, nullable=False, server_default=false()),
    CheckConstraint("resolution IN ('kept_by_owner', 'transferred')", name="resolution"),
)

# Single values of the report kinds (text sections, the header's 填报人), per (branch, period).
report_values = Table(
    "report_values",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("branch", String(200), nullable=False),
    Column("period", String(10), nullable=False),
    Column("key", String(40), nullable=False),
    Column("value", Text),
    Column("file_id", Integer, ForeignKey("files.id"), nullable=False, index=True),
    UniqueConstraint("kind", "branch", "period", "key"),
    Index("ix_report_values_kind_period", "kind", "period"),
)


def _report_table(kind: str, definition: TableDef) -> Table:
    name = f"{kind}_{definition.key}"
    return Table(
        name,
        metadata,
        Column("id", Integer, primary_key=True),
        Column("branch", String(200), nullable=False),
        Column("period", String(10), nullable=False),
        Column("position", Integer, nullable=False),
        *[Column(f.key, column_type(f.type)) for f in definition.fields],
        Column("file_id", Integer, ForeignKey("files.id"), nullable=False, index=True),
        Index(f"ix_{name}_branch_period", "branch", "period"),
    )


# One table per template table of the report kinds: monthly_kpis, monthly_targets (next month's
# targets, filed with the report month), monthly_plan, monthly_merchants, market_sources,
# market_employment, weekly_activities, hq_briefing_nodes, hq_briefing_properties, and
# dept_plan_items (a department's or project 营销部's work plan; `branch` is its folder).
report_tables: dict[tuple[str, str], Table] = {
    (kind, t.key): _report_table(kind, t) for kind in REPORT_KINDS for t in TEMPLATES[kind].tables
}

# The inbox files being processed right now, one row each: a watcher inserts its claim before it
# processes a file and deletes it after, so two watchers sharing an inbox (two machines on one
# PostgreSQL store) never both process one file. A claim whose heartbeat stopped (its process
# died) is taken over after the claim timeout.
claims = Table(
    "claims",
    metadata,
    Column("relative", Text, primary_key=True),  # the file's path inside inbox/, as in files
    Column("claimant", String(200), nullable=False),  # host:pid
    Column("claimed_at", UtcDateTime(), nullable=False),
    Column("heartbeat_at", UtcDateTime(), nullable=False),
)

# Messages for the group robots and e-mail (notify/), written in the same transaction as the
# event they tell of, so a crash never loses one; the sender marks each sent, retried (with
# backoff) or failed. A sender claims rows before sending (claimed_by / claimed_until), so two
# watchers sharing a PostgreSQL store never both send one.
OUTBOX_STATUSES = ("pending", "sent", "failed")
outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("channel", String(200), nullable=False),
    Column("event", String(20), nullable=False),
    Column("scope", String(200), nullable=False),
    Column("subject", Text, nullable=False, server_default=""),
    Column("body", Text, nullable=False),
    Column("payload", Text),  # JSON: counts an 接收汇总 adds up
    Column("attachments", Text),  # JSON list of workspace-relative paths
    Column("file_id", Integer, ForeignKey("files.id"), index=True),
    Column("dedupe_key", String(200)),
    Column("status", String(10), nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("sent_at", UtcDateTime()),
    Column("last_error", Text),
    Column("claimed_by", String(200)),
    Column("claimed_until", UtcDateTime()),
    CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status"),
    UniqueConstraint("channel", "dedupe_key"),
    Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
)

CUSTOMER_KEYS = tuple(f.key for f in CUSTOMER_FIELDS)

# What each branch's archive workbook shows, as a version (revision 0008): a random token renewed
# by every write that changes the branch's customers, follow-ups, 撞单 or rulings (versions.py).
# The export keeps the tokens it last wrote from and rewrites only what changed.
content_versions = Table(
    "content_versions",
    metadata,
    Column("scope", String(200), primary_key=True),  # a branch's name
    Column("version", String(32), nullable=False),
    Column("changed_at", UtcDateTime(), nullable=False),
)

# ── the console (`branchflow serve`) ─────────────────────────────────────────────────────────

ROLES = ("admin", "sales", "department", "branch")
RULING_OUTCOMES = ("owner", "claimant")

# Console accounts. scope names the department or branch a department / branch account sees.
users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("role", String(20), nullable=False),
    Column("scope", String(200)),
    Column("password_hash", Text, nullable=False),
    Column("disabled", Boolean, nullable=False, server_default=false()),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("password_changed_at", UtcDateTime(), nullable=False),
    CheckConstraint("role IN ('admin', 'sales', 'department', 'branch')", name="role"),
)

# Server-side sessions: the cookie holds a random token, the table only its sha256, so a copy
# of the database lets nobody log in; disabling a user or changing a password ends its sessions.
console_sessions = Table(
    "console_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("csrf", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
)

# Who did what in the console: logins (and failed attempts, which the login rate limit
# counts), downloads, full-phone views, 撞单 rulings, re-renders, account changes.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UtcDateTime(), nullable=False, index=True),
    Column("user_name", String(100)),
    Column("action", String(40), nullable=False),
    Column("target", Text, nullable=False, server_default=""),
    Column("detail", Text, nullable=False, server_default=""),
    Column("ip", String(64), nullable=False, server_default=""),
    Index("ix_audit_log_action_at", "action", "at"),
)

# 销售管理部's rulings on 撞单 (判客): the customer goes to the conflict's owner or claimant.
# A conflict may be ruled again; the latest ruling is the one in force.
conflict_rulings = Table(
    "conflict_rulings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("conflict_id", Integer, ForeignKey("conflicts.id"), nullable=False, index=True),
    Column("customer_id", Integer, ForeignKey("customers.id"), nullable=False, index=True),
    Column("outcome", String(10), nullable=False),
    Column("winner_branch", String(200), nullable=False),
    Column("previous_owner", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("decided_by", String(100), nullable=False),
    Column("decided_at", UtcDateTime(), nullable=False),
    CheckConstraint("outcome IN ('owner', 'claimant')", name="outcome"),
)
