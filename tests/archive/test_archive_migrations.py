"""Migrations: applied on a fresh database, idempotent on reopen, matching the schema."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from archive_helpers import A, customer, customers_batch, drop, make_settings
from sqlalchemy import create_engine, inspect

from branchflow.archive.migrate import current_revision, head_revision, upgrade
from branchflow.archive.schema import metadata
from branchflow.archive.store import Archive
from branchflow.errors import StoreError


def _url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store' / 'branchflow.sqlite3'}"


def test_fresh_database_is_migrated_to_head(tmp_path: Path) -> None:
    with Archive.open(make_settings(tmp_path)):
        pass
    engine = create_engine(_url(tmp_path))
    with engine.connect() as conn:
        assert current_revision(conn) == head_revision() is not None
        tables = set(inspect(conn).get_table_names())
    assert {"files", "file_issues", "customers", "customer_history", "followups"} <= tables
    assert {"conflicts", "report_values", "monthly_kpis", "weekly_activities"} <= tables


def test_migrations_build_exactly_the_schema(tmp_path: Path) -> None:
    with Archive.open(make_settings(tmp_path)):
        pass
    engine = create_engine(_url(tmp_path))
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_reopening_applies_nothing_and_keeps_data(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    with Archive.open(settings) as archive:
        drop(archive, customers_batch(A, [customer(1, "13800000001")]))
    with Archive.open(settings) as archive:
        assert [c["phone"] for c in archive.customers()] == ["13800000001"]
    engine = create_engine(_url(tmp_path))
    with engine.begin() as conn:
        assert upgrade(conn) == []


def test_database_from_a_newer_branchflow_is_refused(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    with Archive.open(settings):
        pass
    with sqlite3.connect(tmp_path / "store" / "branchflow.sqlite3") as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'ffff9999'")
    with pytest.raises(StoreError, match="升级 branchflow"):
        Archive.open(settings)
