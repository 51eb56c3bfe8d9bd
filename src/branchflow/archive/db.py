"""Open the archive's database engine: resolve the store URL, tune SQLite, check it is usable."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from branchflow.config import Settings
from branchflow.errors import StoreError

DB_NAME = "branchflow.sqlite3"
BUSY_TIMEOUT_MS = 15_000
WRITE_OPTION = "branchflow_write"


def store_url(settings: Settings) -> URL:
    """settings.store_url, or the workspace's store/branchflow.sqlite3; relative SQLite paths are
    taken relative to the workspace."""
    text = settings.store_url.strip()
    if not text:
        return URL.create("sqlite", database=str(settings.store_dir / DB_NAME))
    try:
        url = make_url(text)
    except ArgumentError as exc:
        raise StoreError(
            f"档案数据库地址 {text!r} 无法识别；请在 branchflow.toml 的 [store] url 中填写"
            f"如 sqlite:///store/branchflow.sqlite3 的地址，或留空使用默认位置"
        ) from exc
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        path = Path(url.database)
        if not path.is_absolute():
            url = url.set(database=str(settings.workspace / path))
    return url


def create_store_engine(url: URL) -> Engine:
    """An engine for `url`; on SQLite with WAL, foreign keys, and BEGIN IMMEDIATE for writers."""
    try:
        engine = create_engine(url)
    except (NoSuchModuleError, ImportError, ArgumentError) as exc:
        raise StoreError(
            f"不支持的档案数据库地址 {url.render_as_string(hide_password=True)}（{exc}）；"
            f"请使用 sqlite:///… 或已安装驱动的数据库"
        ) from exc
    if engine.dialect.name == "sqlite":
        _tune_sqlite(engine)
    return engine


def _tune_sqlite(engine: Engine) -> None:
    if engine.url.database and engine.url.database != ":memory:":
        folder = Path(engine.url.database).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"无法创建档案数据库目录 {folder}：{exc}；请检查权限") from exc

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take BEGIN out of the driver's hands (see SQLAlchemy's SQLite transaction notes), so a
        # transaction covers reads as well as writes; pragmas must run outside any transaction.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # A writer takes the write lock up front: in WAL mode a read transaction that later
        # wants to write fails at once with "database is locked" instead of waiting.
        immediate = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def writer(engine: Engine) -> Engine:
    """The same engine, marked so its transactions take the write lock at BEGIN."""
    return engine.execution_options(**{WRITE_OPTION: True})
