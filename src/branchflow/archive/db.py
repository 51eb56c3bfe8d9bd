"""Open the archive's database engine: resolve the store URL, tune SQLite or PostgreSQL.

Writers are serialised on both backends, so two processes (or two machines) writing the archive
behave as one would: SQLite takes its write lock at BEGIN (BEGIN IMMEDIATE); PostgreSQL takes a
transaction-scoped advisory lock as the first statement of every write transaction, which runs
at READ COMMITTED, so every statement after the lock sees what the previous writer committed.
Reads on PostgreSQL run at REPEATABLE READ: one snapshot per read, as a SQLite read transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    NoSuchModuleError,
    OperationalError,
    SQLAlchemyError,
)

from branchflow.config import Settings
from branchflow.errors import StoreError, StoreUnavailable

DB_NAME = "branchflow.sqlite3"
BUSY_TIMEOUT_MS = 15_000
WRITE_OPTION = "branchflow_write"
BACKENDS = ("sqlite", "postgresql")
PG_DRIVER = "postgresql+psycopg"
# pg_advisory_xact_lock key of the archive's writers ("bflowWR" as a number): one per database.
PG_WRITE_LOCK = 0x62666C6F775752
PG_SESSION_OPTIONS = {
    # A writer waiting this long for another machine's transaction gives up; the watcher retries.
    "lock_timeout": "120s",
    # A client that vanished inside a transaction (crash, cable pulled) frees the write lock.
    "idle_in_transaction_session_timeout": "300s",
    "tcp_keepalives_idle": "30",
    "tcp_keepalives_interval": "10",
    "tcp_keepalives_count": "3",
}
PG_CONNECT_ARGS = {"connect_timeout": 10, "application_name": "branchflow"}


def store_url(settings: Settings) -> URL:
    """settings.store_url, or the workspace's store/branchflow.sqlite3; relative SQLite paths are
    taken relative to the workspace; postgresql:// and postgres:// mean the psycopg driver."""
    text = settings.store_url.strip()
    if not text:
        return URL.create("sqlite", database=str(settings.store_dir / DB_NAME))
    url = parse_url(text)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        path = Path(url.database)
        if not path.is_absolute():
            url = url.set(database=str(settings.workspace / path))
    return url


def parse_url(text: str) -> URL:
    """A store URL as the user wrote it → the URL to connect to (StoreError if unusable)."""
    try:
        url = make_url(text.strip())
    except ArgumentError as exc:
        raise StoreError(
            f"档案数据库地址 {_hide_password(text)!r} 无法识别；请在 branchflow.toml 的 "
            f"[store] url 中填写如 sqlite:///store/branchflow.sqlite3 或 "
            f"postgresql://用户@主机/数据库 的地址，或留空使用默认位置"
        ) from exc
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername=PG_DRIVER)
    if url.get_backend_name() not in BACKENDS:
        raise StoreError(
            f"不支持的档案数据库地址 {display_url(url)}：只支持 sqlite:///… 和 postgresql://…"
        )
    return url


def display_url(url: URL) -> str:
    """The URL for messages: never with its password."""
    return url.render_as_string(hide_password=True)


def is_server(url: URL) -> bool:
    """A database server shared by machines (PostgreSQL), not a file on this one."""
    return url.get_backend_name() != "sqlite"


def create_store_engine(url: URL) -> Engine:
    """An engine for `url`: SQLite with WAL, foreign keys and BEGIN IMMEDIATE for writers;
    PostgreSQL with pre-ping (a dropped connection is replaced, not used), timeouts and the
    writers' advisory lock."""
    try:
        if url.get_backend_name() == "postgresql":
            engine = create_engine(url, pool_pre_ping=True, connect_args=_pg_connect_args(url))
        else:
            engine = create_engine(url)
    except (NoSuchModuleError, ImportError, ArgumentError) as exc:
        raise StoreError(
            f"不支持的档案数据库地址 {display_url(url)}（{exc}）；"
            f"请使用 sqlite:///… 或 postgresql://…"
        ) from exc
    if engine.dialect.name == "sqlite":
        _tune_sqlite(engine)
    else:
        _tune_postgresql(engine)
    return engine


def _pg_connect_args(url: URL) -> dict[str, Any]:
    args: dict[str, Any] = {k: v for k, v in PG_CONNECT_ARGS.items() if k not in url.query}
    if "options" not in url.query:
        args["options"] = " ".join(f"-c {k}={v}" for k, v in PG_SESSION_OPTIONS.items())
    return args


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


def _tune_postgresql(engine: Engine) -> None:
    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # As SQLite's BEGIN IMMEDIATE: one writer at a time, whichever machine it runs on, so
        # two drops with the same customer never both insert it and never overwrite each other.
        if connection.get_execution_options().get(WRITE_OPTION, False):
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_WRITE_LOCK})")


def writer(engine: Engine) -> Engine:
    """The same engine, marked so its transactions take the write lock at BEGIN (and, on
    PostgreSQL, run at READ COMMITTED: each statement sees what was committed before it)."""
    if engine.dialect.name == "postgresql":
        return engine.execution_options(**{WRITE_OPTION: True}, isolation_level="READ COMMITTED")
    return engine.execution_options(**{WRITE_OPTION: True})


def reader(engine: Engine) -> Engine:
    """The same engine for reads; on PostgreSQL each read transaction is one snapshot."""
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="REPEATABLE READ")
    return engine


def _hide_password(text: str) -> str:
    """`scheme://user:secret@host` → `scheme://user:***@host` for a URL that did not parse."""
    head, sep, rest = text.partition("://")
    if not sep or "@" not in rest:
        return text
    credentials, _, host = rest.rpartition("@")
    user, colon, _password = credentials.partition(":")
    return f"{head}://{user}{':***' if colon else ''}@{host}"


def error_line(exc: BaseException, url: URL | None = None) -> str:
    """The driver's own words for a failure, first line only, never with the password."""
    text = str(getattr(exc, "orig", None) or exc).strip()
    line = text.splitlines()[0].strip() if text else type(exc).__name__
    if url is not None and url.password:
        line = line.replace(str(url.password), "***")
    return line


@contextmanager
def reading(engine: Engine, url: URL) -> Iterator[Connection]:
    """A read transaction; a database failure (server gone, connection lost) is a StoreError,
    which the watcher retries, not a crash."""
    try:
        with engine.connect() as conn:
            yield conn
    except SQLAlchemyError as exc:
        raise failure(
            f"读取档案数据库失败：{error_line(exc, url)}；请检查数据库连接，稍后会重试", exc
        ) from exc


def open_failure(url: URL, exc: BaseException) -> str:
    """One line saying why the store at `url` could not be opened (no password in it)."""
    where, why = display_url(url), error_line(exc, url)
    if is_server(url):
        return (
            f"无法打开档案数据库 {where}：{why}；请检查 branchflow.toml 的 [store] url"
            f"（或 BRANCHFLOW_STORE_URL）中的主机、端口、用户名、密码和数据库名，"
            f"并确认数据库服务器在运行、本机可以连上"
        )
    return (
        f"无法打开档案数据库 {where}：{why}；SQLite 数据库须在本机磁盘上"
        f"（不能放在网络共享上），并确认该目录可写"
    )


def failure(message: str, exc: SQLAlchemyError) -> StoreError:
    """The StoreError for a database failure: StoreUnavailable when the server could not be
    reached or the connection was lost (retry later), a plain StoreError otherwise."""
    return StoreUnavailable(message) if unavailable(exc) else StoreError(message)


def unavailable(exc: BaseException) -> bool:
    """Was this the database server being unreachable, rather than anything about the data?"""
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    if not isinstance(exc, OperationalError) or type(exc.orig).__module__.startswith("sqlite3"):
        return False
    # No SQLSTATE: the client could not connect or lost the socket; class 08: connection
    # exception; 57P01-03: the server shutting down, crashed or still starting.
    state = getattr(exc.orig, "sqlstate", None)
    return state is None or state.startswith("08") or state in {"57P01", "57P02", "57P03"}
