"""Migrations: applied on a fresh database, idempotent on reopen, matching the schema."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from archive_helpers import A, B, customer, customers_batch, drop, followup, make_settings
from sqlalchemy import Connection, Engine, inspect, text

from branchflow.archive.db import create_store_engine, parse_url
from branchflow.archive.migrate import current_revision, head_revision, upgrade
from branchflow.archive.schema import metadata
from branchflow.archive.store import Archive
from branchflow.errors import StoreError


@pytest.fixture
def empty_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A store with nothing in it yet, not even the schema."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'store' / 'branchflow.sqlite3'}"
    make: Callable[..., str] = request.getfixturevalue("pg_database")
    return make(migrated=False)


def _engine(url: str) -> Engine:
    return create_store_engine(parse_url(url))


def test_fresh_database_is_migrated_to_head(tmp_path: Path, empty_url: str) -> None:
    with Archive.open(make_settings(tmp_path, store_url=empty_url)):
        pass
    engine = _engine(empty_url)
    with engine.connect() as conn:
        assert current_revision(conn) == head_revision() is not None
        tables = set(inspect(conn).get_table_names())
    engine.dispose()
    assert {"files", "file_issues", "customers", "customer_history", "followups"} <= tables
    assert {"conflicts", "report_values", "monthly_kpis", "weekly_activities", "claims"} <= tables


def test_migrations_build_exactly_the_schema(tmp_path: Path, empty_url: str) -> None:
    with Archive.open(make_settings(tmp_path, store_url=empty_url)):
        pass
    engine = _engine(empty_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
    engine.dispose()


def test_reopening_applies_nothing_and_keeps_data(tmp_path: Path, empty_url: str) -> None:
    settings = make_settings(tmp_path, store_url=empty_url)
    with Archive.open(settings) as archive:
        drop(archive, customers_batch(A, [customer(1, "13800000001")]))
    with Archive.open(settings) as archive:
        assert [c["phone"] for c in archive.customers()] == ["13800000001"]
    engine = _engine(empty_url)
    with engine.begin() as conn:
        assert upgrade(conn) == []
    engine.dispose()


def test_database_from_a_newer_branchflow_is_refused(tmp_path: Path, empty_url: str) -> None:
    settings = make_settings(tmp_path, store_url=empty_url)
    with Archive.open(settings):
        pass
    engine = _engine(empty_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff9999'"))
    engine.dispose()
    with pytest.raises(StoreError, match="升级 branchflow"):
        Archive.open(settings)


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_every_text_column_sorts_by_code_point_on_postgresql(
    tmp_path: Path, empty_url: str
) -> None:
    with Archive.open(make_settings(tmp_path, store_url=empty_url)):
        pass
    engine = _engine(empty_url)
    with engine.connect() as conn:
        found = conn.execute(
            text(
                "SELECT table_name, column_name, collation_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name <> 'alembic_version' "
                "AND data_type IN ('text', 'character varying')"
            )
        ).all()
    engine.dispose()
    assert len(found) > 50
    assert [(t, c) for t, c, collation in found if collation != "C"] == []


def _back_to_0006(conn: Connection) -> None:
    """The store as branchflow before revision 0007 left it (SQLite >= 3.35 drops columns)."""
    for table, column in (
        ("customers", "sheet_grade"),
        ("customers", "grade_on"),
        ("customer_history", "cell"),
        ("customer_history", "event_date"),
        ("customer_history", "source"),
    ):
        conn.execute(text(f"ALTER TABLE {table} DROP COLUMN {column}"))
    conn.execute(text("DROP TABLE content_versions"))  # revision 0008, after 0007
    conn.execute(text("UPDATE alembic_version SET version_num = '0006'"))


def test_0007_dates_the_grades_of_an_existing_archive(tmp_path: Path, empty_url: str) -> None:
    """An archive from before 0007 kept the registration row's grade and ignored 跟进后等级;
    upgrading gives the customer the grade of its owner's latest graded follow-up."""
    settings = make_settings(tmp_path, store_url=empty_url)
    phone = "13800000001"
    visits = [
        followup(1, phone, date=date(2026, 11, 12), grade_after="A"),
        followup(2, phone, date=date(2026, 11, 8), grade_after="B", content="更早"),
    ]
    with Archive.open(settings) as archive:
        drop(archive, customers_batch(A, [customer(1, phone, grade="C")], visits))
        late = followup(1, phone, date=date(2026, 11, 20), grade_after="D", content="宁波")
        drop(archive, customers_batch(B, [], [late]), data=b"b")
    engine = _engine(empty_url)
    with engine.begin() as conn:
        _back_to_0006(conn)
        conn.execute(text("UPDATE customers SET grade = 'C'"))
        conn.execute(text("DELETE FROM customer_history"))
    engine.dispose()
    with Archive.open(settings) as archive:
        [row] = archive.customers()
        history = archive.history()
    assert row["grade"] == "A"  # 宁波's later follow-up is not the owner's
    assert [(h["old_value"], h["new_value"], h["source"], h["event_date"]) for h in history] == [
        ("C", "A", "followup", date(2026, 11, 12))
    ]
    engine = _engine(empty_url)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT sheet_grade, grade_on FROM customers")).one()
    engine.dispose()
    assert (stored[0], str(stored[1])) == ("C", "2026-11-12")
