"""What only PostgreSQL needs: URLs, refusing a server that does not answer, connection loss,
code-point text order on a Chinese-locale database, and the same answers as SQLite."""

from __future__ import annotations

import socket
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from archive_helpers import (
    NOW,
    A,
    B,
    customer,
    customers_batch,
    drop,
    followup,
    make_settings,
)
from sqlalchemy import text

from branchflow.archive import store as store_module
from branchflow.archive.db import parse_url, store_url
from branchflow.archive.store import Archive
from branchflow.errors import StoreError

pg_only = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        (
            "postgresql://bf:pw@db.example:5433/archive",
            "postgresql+psycopg://bf:pw@db.example:5433/archive",
        ),
        ("postgres://bf@db/archive", "postgresql+psycopg://bf@db/archive"),
        ("postgresql+psycopg://bf@db/archive", "postgresql+psycopg://bf@db/archive"),
    ],
)
def test_postgresql_urls_use_the_psycopg_driver(tmp_path: Path, written: str, meant: str) -> None:
    url = store_url(make_settings(tmp_path, store_url=written))
    assert url.render_as_string(hide_password=False) == meant


def test_other_databases_are_refused_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as caught:
        Archive.open(make_settings(tmp_path, store_url="mysql://bf:secret@db/archive"))
    message = str(caught.value)
    assert "不支持的档案数据库地址" in message and "secret" not in message
    assert "\n" not in message


def test_a_server_that_does_not_answer_is_refused_in_one_line_without_the_password(
    tmp_path: Path,
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql://branchflow:s3cret-pw@127.0.0.1:{port}/archive"
    with pytest.raises(StoreError) as caught:
        Archive.open(make_settings(tmp_path, store_url=url))
    message = str(caught.value)
    assert message.startswith(
        f"无法打开档案数据库 postgresql+psycopg://branchflow:***@127.0.0.1:{port}/"
    )
    assert "s3cret-pw" not in message and "\n" not in message
    assert "[store] url" in message


def test_a_database_that_does_not_exist_is_refused_in_one_line(
    tmp_path: Path, pg_database: Callable[..., str]
) -> None:
    url = pg_database(migrated=False).rsplit("/", 1)[0] + "/no_such_database"
    with pytest.raises(StoreError) as caught:
        Archive.open(make_settings(tmp_path, store_url=url))
    message = str(caught.value)
    assert "no_such_database" in message and "\n" not in message


@pg_only
def test_sessions_are_tuned_and_reads_are_snapshots(archive: Archive) -> None:
    with archive._reader.connect() as conn:
        assert conn.exec_driver_sql("SHOW transaction_isolation").scalar() == "repeatable read"
        assert conn.exec_driver_sql("SHOW lock_timeout").scalar() == "2min"
        assert conn.exec_driver_sql("SHOW idle_in_transaction_session_timeout").scalar() == "5min"
    with archive._writer.begin() as conn:
        assert conn.exec_driver_sql("SHOW transaction_isolation").scalar() == "read committed"
        locks = conn.exec_driver_sql(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
        ).scalar()
        assert locks == 1  # the writers' lock, taken at BEGIN


@pg_only
def test_text_sorts_by_code_point_whatever_the_database_locale(archive: Archive) -> None:
    """The test databases collate zh-Hans (pinyin: 成 before 宁); the archive still sorts as
    SQLite does (code point: 宁 U+5B81 before 成 U+6210)."""
    chengdu = "成都分中心"
    drop(
        archive,
        customers_batch(chengdu, [customer(1, "13800000001", township="湄江街道")]),
        data=b"1",
    )
    drop(archive, customers_batch(B, [customer(1, "13800000002")]), data=b"2")
    with archive._engine.connect() as conn:
        pinyin = (
            conn.execute(text("SELECT x FROM (VALUES ('宁'), ('成')) AS t(x) ORDER BY x"))
            .scalars()
            .all()
        )
    owners = [c["owner_branch"] for c in archive.customers()]
    assert owners == sorted(owners) == [B, chengdu]
    townships = [t[1] for t in archive.township_counts()]
    assert townships == sorted(townships)
    if pinyin == ["成", "宁"]:  # the server has ICU: the test means something
        assert owners != sorted(owners, key=lambda name: 0 if name == chengdu else 1)


@pg_only
def test_connection_lost_mid_drop_rolls_everything_back_and_a_retry_writes_it_once(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = store_module.add_followups
    calls = {"n": 0}

    def cut_connection(conn: Any, *args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:  # the server ends this session, as a restart or a cut cable would
            conn.exec_driver_sql("SELECT pg_terminate_backend(pg_backend_pid())")
        return real(conn, *args, **kwargs)

    monkeypatch.setattr(store_module, "add_followups", cut_connection)
    batch = customers_batch(A, [customer(1, "13800000001")], [followup(1, "13800000001")])
    with pytest.raises(StoreError, match="已全部撤销"):
        drop(archive, batch)
    assert archive.ledger() == [] and archive.customers() == [] and archive.followups() == []
    result = drop(archive, batch)  # the pool hands out a fresh connection: pre-ping
    assert (result.new_customers, result.followups_added) == (1, 1)
    assert len(archive.ledger()) == 1 and len(archive.customers()) == 1


@pg_only
def test_pooled_connections_killed_between_drops_are_replaced(archive: Archive) -> None:
    drop(archive, customers_batch(A, [customer(1, "13800000001")]), data=b"1")
    with archive._engine.connect() as conn:  # a pooled connection the server then drops
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    other = Archive.open(archive.settings)
    with other._engine.connect() as conn:
        conn.exec_driver_sql(f"SELECT pg_terminate_backend({pid})")
    other.close()
    drop(archive, customers_batch(A, [customer(1, "13800000002")]), data=b"2")
    assert len(archive.customers()) == 2


def test_both_backends_give_the_same_answers(
    tmp_path: Path, pg_database: Callable[..., str]
) -> None:
    """The same drops into SQLite and into PostgreSQL read back identically."""
    found = []
    for name, url in (("sqlite", ""), ("postgresql", pg_database())):
        with Archive.open(make_settings(tmp_path / name, store_url=url)) as archive:
            _busy_history(archive)
            found.append(_everything(archive))
    assert found[0] == found[1]


def _busy_history(archive: Archive) -> None:
    drop(archive, customers_batch(A, [
        customer(1, "13800000001", name="王一", area=89.5, budget=45.0, family_size=4),
        customer(2, "13800000002", name="王二", remark="老客户 ①"),
        customer(3, "138****0003", name="王三"),
    ], [followup(1, "13800000001"), followup(2, "13900000009")]), data=b"1")  # fmt: skip
    drop(archive, customers_batch(B, [
        customer(1, "13800000001", registered_on=date(2026, 11, 20)),
        customer(2, "13900000009", name="赵九"),
    ]), at=NOW + timedelta(hours=3), data=b"2")  # fmt: skip
    drop(archive, customers_batch(A, [
        customer(1, "13800000001", name="王一", grade="A"),
        customer(2, "13800000003", name="王三"),
    ]), at=NOW + timedelta(days=1), data=b"3")  # fmt: skip


def _everything(archive: Archive) -> dict[str, Any]:
    return {
        "customers": archive.customers(),
        "followups": archive.followups(),
        "conflicts": archive.conflicts(repeats=True),
        "townships": archive.township_counts(),
        "history": archive.history(),
        "ledger": [
            (e.file_id, e.status, e.received_at, e.rows, e.errors, e.warnings)
            for e in archive.ledger()
        ],
        "issues": [archive.issues_for(e.file_id) for e in archive.ledger()],
    }


def test_parse_url_keeps_an_explicit_driver() -> None:
    assert parse_url("postgresql+psycopg2://u@h/d").drivername == "postgresql+psycopg2"
