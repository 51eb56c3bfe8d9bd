"""`branchflow store migrate` and `store copy`: bring a store to the newest schema; copy a whole
archive into another store (typically SQLite → PostgreSQL) without loss.

The copy runs in one transaction on the target: tables in dependency order, rows in primary-key
order and in batches, ids kept (PostgreSQL's id sequences are moved past them). Each table is
summarised as its row count and a sha256 over its rows in canonical form (ordered by primary
key, values as text that means the same on both backends: moments in UTC, dates ISO, floats by
repr), on the source before and on the target after; if any differs the target is rolled back.
The originals folder is not copied: it stays where [store] originals points.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, delete, exists, insert, select, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError

from branchflow.archive.db import display_url, error_line, parse_url, reader, store_url, writer
from branchflow.archive.migrate import head_revision
from branchflow.archive.schema import metadata
from branchflow.archive.store import open_engine
from branchflow.config import Settings
from branchflow.errors import StoreError

BATCH = 1_000
# What a copy moves: every table but the claims of files being processed right now and the
# console's sessions (everyone logs in again on the new store).
COPIED = tuple(t for t in metadata.sorted_tables if t.name not in {"claims", "console_sessions"})


@dataclass(frozen=True)
class TableSummary:
    name: str
    rows: int
    sha256: str


@dataclass(frozen=True)
class StoreSummary:
    """What a store holds, table by table, and one checksum over all of it."""

    url: str
    tables: tuple[TableSummary, ...]

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)

    @property
    def sha256(self) -> str:
        lines = "".join(f"{t.name}\t{t.rows}\t{t.sha256}\n" for t in self.tables)
        return hashlib.sha256(lines.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Migration:
    url: str
    before: str | None
    applied: tuple[str, ...]
    head: str | None

    def describe(self) -> list[str]:
        if not self.applied:
            return [f"档案数据库 {self.url} 已是最新版本 {self.head}，无需迁移"]
        start = f"版本 {self.before}" if self.before else "空库"
        return [
            f"档案数据库 {self.url}：已从{start}升级到版本 {self.head}"
            f"（应用了 {', '.join(self.applied)}）"
        ]


@dataclass(frozen=True)
class CopyReport:
    source: StoreSummary
    target: StoreSummary
    originals: Path

    def describe(self) -> list[str]:
        """The per-table counts and checksums before (source) and after (target)."""
        width = max(len(t.name) for t in self.source.tables)
        lines = [f"源：  {self.source.url}", f"目标：{self.target.url}"]
        for title, summary in (("复制前（源）", self.source), ("复制后（目标）", self.target)):
            lines.append(f"{title}：")
            lines += [
                f"  {t.name:<{width}}  {t.rows:>8} 行  sha256 {t.sha256}" for t in summary.tables
            ]
            lines.append(f"  {'合计':<{width - 2}}  {summary.rows:>8} 行  sha256 {summary.sha256}")
        lines.append("复制完成：两边各表行数与校验和一致。")
        lines.append(
            f"原始文件未复制，仍在 {self.originals}；"
            f"改用新档案库时请让 [store] originals 指向该文件夹"
        )
        return lines


def migrate_store(settings: Settings) -> Migration:
    """Apply the pending migrations to the configured store."""
    url = store_url(settings)
    engine, before, applied = open_engine(url)
    engine.dispose()
    return Migration(display_url(url), before, tuple(applied), head_revision())


def copy_store(
    settings: Settings, to: str, *, force: bool = False, batch: int = BATCH
) -> CopyReport:
    """Copy the configured store into the store at `to` (which must be empty unless `force`)."""
    source_url, target_url = store_url(settings), _target_url(settings, to)
    if _same(source_url, target_url):
        raise StoreError(f"目标 {display_url(target_url)} 就是当前使用的档案数据库，无需复制")
    source, _, _ = open_engine(source_url)
    try:
        target, _, _ = open_engine(target_url)
    except StoreError:
        source.dispose()
        raise
    try:
        with reader(source).connect() as src, writer(target).begin() as dst:
            _make_room(dst, display_url(target_url), force)
            before = summarize(src, display_url(source_url))
            for table in COPIED:
                _copy_table(src, dst, table, batch)
            _reset_sequences(dst)
            after = summarize(dst, display_url(target_url))
            _compare(before, after)
    except SQLAlchemyError as exc:
        raise StoreError(
            f"复制到 {display_url(target_url)} 失败（目标已全部撤销）："
            f"{error_line(exc, target_url)}"
        ) from exc
    finally:
        source.dispose()
        target.dispose()
    return CopyReport(before, after, settings.originals_dir)


def clear_store(settings: Settings, *, force: bool) -> None:
    """Empty the configured store for `store rebuild`; one that holds data only with `force`."""
    url = store_url(settings)
    engine, _, _ = open_engine(url)
    try:
        with writer(engine).begin() as conn:
            filled = _filled(conn)
            if filled and not force:
                raise StoreError(
                    f"档案数据库 {display_url(url)} 中已有数据（{'、'.join(filled)}）：重建会先"
                    "清空它。请确认已有备份，并停止所有电脑上的 watch，再加 --force 重建"
                )
            for table in reversed(COPIED):
                conn.execute(delete(table))
    except SQLAlchemyError as exc:
        raise StoreError(f"清空 {display_url(url)} 失败：{error_line(exc, url)}") from exc
    finally:
        engine.dispose()


def summarize(conn: Connection, url: str) -> StoreSummary:
    """Row count and canonical sha256 of every copied table, as `conn` sees them."""
    tables = []
    for table in COPIED:
        digest, count = hashlib.sha256(), 0
        for row in _rows(conn, table, BATCH):
            line = json.dumps(
                [_canonical(v) for v in row], ensure_ascii=False, separators=(",", ":")
            )
            digest.update(line.encode("utf-8") + b"\n")
            count += 1
        tables.append(TableSummary(table.name, count, digest.hexdigest()))
    return StoreSummary(url, tuple(tables))


def _target_url(settings: Settings, to: str) -> URL:
    url = parse_url(to)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        path = Path(url.database)
        if not path.is_absolute():
            url = url.set(database=str(settings.workspace / path))
    return url


def _same(a: URL, b: URL) -> bool:
    def key(url: URL) -> tuple[Any, ...]:
        if url.get_backend_name() == "sqlite":
            return ("sqlite", str(Path(url.database or "").resolve()))
        return (url.get_backend_name(), url.host or "", url.port or 5432, url.database)

    return key(a) == key(b)


def _filled(conn: Connection) -> list[str]:
    return [t.name for t in COPIED if conn.scalar(select(exists().select_from(t)))]


def _make_room(conn: Connection, where: str, force: bool) -> None:
    filled = _filled(conn)
    if not filled:
        return
    if not force:
        raise StoreError(
            f"目标档案数据库 {where} 已有数据（{'、'.join(filled)}），未复制；"
            f"确认要用当前档案覆盖它，请加 --force"
        )
    for table in reversed(COPIED):
        conn.execute(delete(table))


def _copy_table(src: Connection, dst: Connection, table: Table, batch: int) -> None:
    names = [c.name for c in table.columns]
    rows: list[dict[str, Any]] = []
    try:
        for row in _rows(src, table, batch):
            rows.append(dict(zip(names, row, strict=True)))
            if len(rows) >= batch:
                dst.execute(insert(table), rows)
                rows = []
        if rows:
            dst.execute(insert(table), rows)
    except SQLAlchemyError as exc:
        raise StoreError(
            f"复制表 {table.name} 时出错（目标已全部撤销）：{error_line(exc)}"
        ) from exc


def _rows(conn: Connection, table: Table, batch: int) -> Iterator[tuple[Any, ...]]:
    query = select(table).order_by(*table.primary_key.columns)
    result = conn.execution_options(yield_per=batch).execute(query)
    for part in result.partitions(batch):
        yield from (tuple(row) for row in part)


def _reset_sequences(conn: Connection) -> None:
    """PostgreSQL: the next id of each table follows the highest copied one."""
    if conn.dialect.name != "postgresql":
        return
    quote = conn.dialect.identifier_preparer.quote
    for table in COPIED:
        if list(table.primary_key.columns.keys()) != ["id"]:
            continue
        name = quote(table.name)
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence(:table, 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)"
            ),
            {"table": name},
        )


def _compare(before: StoreSummary, after: StoreSummary) -> None:
    differ = [
        f"{a.name}：{a.rows} 行 → {b.rows} 行" + ("" if a.sha256 == b.sha256 else "，校验和不同")
        for a, b in zip(before.tables, after.tables, strict=True)
        if (a.rows, a.sha256) != (b.rows, b.sha256)
    ]
    if differ:
        raise StoreError(
            f"复制后校验不一致（{'；'.join(differ)}），目标已全部撤销，未作任何改动；"
            f"请用 --debug 重试并把输出交给技术支持"
        )


def _canonical(value: Any) -> Any:
    """A value as the checksum sees it: the same on SQLite and PostgreSQL for the same datum."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value)
