"""Fast bulk statements for the hot paths (100k-row drops, whole-archive reads).

SQLAlchemy's per-row parameter and result processing costs several microseconds per row, more
than SQLite's own work. Here the SQL is still compiled by SQLAlchemy for the connection's dialect
(so it stays portable), but rows go to the driver's executemany as plain tuples, and type
conversions (dates, UTC moments, booleans) run once per distinct value rather than once per row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from operator import itemgetter
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Boolean, Connection, Date, Table, bindparam, insert, type_coerce, update
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import Select
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.types import NullType

from branchflow.archive.schema import UtcDateTime

Converter = Callable[[Any], Any]
CHUNK_ROWS = 10_000  # rows per executemany


def insert_many(
    conn: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    keys: Sequence[str] | None = None,
) -> None:
    """INSERT every row: the given keys of each, or all the keys of the first row."""
    if not rows:
        return
    columns = tuple(keys if keys is not None else rows[0])
    _executemany(conn, _statement("insert", table, columns, conn.dialect), rows)


def update_many(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """UPDATE each row by its "id" key, setting its other keys."""
    if not rows:
        return
    keys = tuple(k for k in rows[0] if k != "id")
    statement = _statement("update", table, keys, conn.dialect)
    _executemany(conn, statement, [{**row, "b_id": row["id"]} for row in rows])


@dataclass(frozen=True)
class _Statement:
    sql: str
    names: tuple[str, ...]  # the parameters, in the order the SQL takes them
    processors: tuple[tuple[int, Converter], ...]  # position → the dialect's bind conversion
    positional: bool


@lru_cache(maxsize=128)
def _statement(kind: str, table: Table, keys: tuple[str, ...], dialect: Dialect) -> _Statement:
    """Compiled once per (table, keys): a drop makes a few statements, 200 drops the same few."""
    if kind == "insert":
        clause: Any = insert(table).inline()
    else:
        clause = update(table).where(table.c.id == bindparam("b_id"))
    compiled = cast(SQLCompiler, clause.compile(dialect=dialect, column_keys=list(keys)))
    names = tuple(compiled.positiontup or compiled.binds)
    processors = tuple(
        (i, proc)
        for i, name in enumerate(names)
        if (proc := compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect))
    )
    return _Statement(compiled.string, names, processors, bool(compiled.positional))


def _executemany(
    conn: Connection, statement: _Statement, rows: Sequence[Mapping[str, Any]]
) -> None:
    names = statement.names
    processors = [(i, _cached(proc)) for i, proc in statement.processors]
    getter = itemgetter(*names)
    for start in range(0, len(rows), CHUNK_ROWS):  # the parameters of 100k rows are 40 MB
        params: list[Any] = []
        for row in rows[start : start + CHUNK_ROWS]:
            values = getter(row) if len(names) > 1 else (getter(row),)
            if processors:
                values = list(values)
                for i, convert in processors:
                    values[i] = convert(values[i])
            params.append(tuple(values) if statement.positional else dict(zip(names, values)))  # noqa: B905
        conn.exec_driver_sql(statement.sql, params)


def _cached(convert: Converter) -> Converter:
    cache: dict[Any, Any] = {}

    def run(value: Any) -> Any:
        try:
            return cache[value]
        except KeyError:
            result = cache[value] = convert(value)
            return result

    return run


def fetch_dicts(
    conn: Connection, query: Select[Any], tz: ZoneInfo | None = None
) -> list[dict[str, Any]]:
    """Run a select and return plain dicts; dates become `date`, moments aware in `tz`."""
    keys, converters, statement = _prepared(query, tz)
    rows = [dict(zip(keys, row)) for row in conn.execute(statement).all()]  # noqa: B905
    _convert(rows, converters)
    return rows


def iter_dicts(
    conn: Connection, query: Select[Any], tz: ZoneInfo | None = None, chunk: int = 2_000
) -> Iterator[dict[str, Any]]:
    """fetch_dicts a chunk at a time, for reads too big to hold at once (the export's)."""
    keys, converters, statement = _prepared(query, tz)
    # yield_per: a server-side cursor where the driver has one (PostgreSQL), so rows arrive
    # as they are used rather than all at once; SQLite's cursor steps row by row anyway.
    for part in conn.execute(statement.execution_options(yield_per=chunk)).partitions():
        rows = [dict(zip(keys, row)) for row in part]  # noqa: B905
        _convert(rows, converters)
        yield from rows


def _prepared(
    query: Select[Any], tz: ZoneInfo | None
) -> tuple[list[str], list[tuple[str, Converter]], Select[Any]]:
    """The result keys, a cached converter per key that needs one, and the select to run (its
    converted columns untyped, so SQLAlchemy leaves them to us)."""
    columns = list(query.selected_columns)
    keys = [str(c.key) for c in columns]
    found = [_converter(c.type, tz) for c in columns]
    raw = [
        type_coerce(c, NullType()).label(key) if conv else c
        for c, key, conv in zip(columns, keys, found, strict=True)
    ]
    converters = [
        (key, _cached(conv)) for key, conv in zip(keys, found, strict=True) if conv is not None
    ]
    return keys, converters, query.with_only_columns(*raw)


def _convert(rows: list[dict[str, Any]], converters: list[tuple[str, Converter]]) -> None:
    for key, convert in converters:
        for row in rows:
            row[key] = convert(row[key])


def _converter(kind: Any, tz: ZoneInfo | None) -> Converter | None:
    if isinstance(kind, UtcDateTime):
        return lambda v: None if v is None else _moment(v, tz)
    if isinstance(kind, Date):
        return lambda v: date.fromisoformat(v) if isinstance(v, str) else v
    if isinstance(kind, Boolean):
        return lambda v: None if v is None else bool(v)
    return None


def _moment(value: Any, tz: ZoneInfo | None) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz or UTC)
