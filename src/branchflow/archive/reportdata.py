"""The report kinds' data (monthly, market, weekly, hq_briefing), one set per (branch, period).

An accepted drop replaces the whole set for its (kind, branch, period): the latest drop is what
the branch reports, and a row it no longer holds is gone from the report too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from branchflow.archive.schema import REPORT_KINDS, report_tables, report_values
from branchflow.archive.values import as_text
from branchflow.templates.definitions import TEMPLATES
from branchflow.validate.batch import ValidatedBatch

HEADER_KEYS = frozenset({"branch", "period"})


@dataclass(frozen=True)
class ReportData:
    """One report as the latest accepted drop filed it."""

    kind: str
    branch: str
    period: str
    file_id: int
    values: Mapping[str, str | None]  # field key → text (text sections, 填报人 as "reporter")
    tables: Mapping[str, list[dict[str, Any]]]  # table key → rows in sheet order


def replace_report(conn: Connection, batch: ValidatedBatch, file_id: int) -> None:
    """Store a report drop in place of the set it supersedes."""
    if batch.kind not in REPORT_KINDS:
        raise ValueError(f"not a report kind: {batch.kind}")
    if not batch.period:
        raise ValueError(f"a {batch.kind} drop without a period cannot be archived")
    kind, branch, period = batch.kind, batch.branch, batch.period
    conn.execute(
        delete(report_values).where(
            report_values.c.kind == kind,
            report_values.c.branch == branch,
            report_values.c.period == period,
        )
    )
    values = {k: v for k, v in batch.values.items() if k not in HEADER_KEYS}
    values["reporter"] = batch.reporter
    base = {"kind": kind, "branch": branch, "period": period, "file_id": file_id}
    conn.execute(
        insert(report_values),
        [{**base, "key": k, "value": as_text(v)} for k, v in values.items()],
    )
    for definition in TEMPLATES[kind].tables:
        table = report_tables[(kind, definition.key)]
        conn.execute(delete(table).where(table.c.branch == branch, table.c.period == period))
        keys = [f.key for f in definition.fields]
        rows = [
            {
                "branch": branch,
                "period": period,
                "position": position,
                "file_id": file_id,
                **{k: record.values.get(k) for k in keys},
            }
            for position, record in enumerate(batch.tables.get(definition.key, ()))
        ]
        if rows:
            conn.execute(insert(table), rows)


def read_report(conn: Connection, kind: str, branch: str, period: str) -> ReportData | None:
    """The report `branch` filed for `period`, or None."""
    rows = conn.execute(
        select(report_values.c.key, report_values.c.value, report_values.c.file_id)
        .where(
            report_values.c.kind == kind,
            report_values.c.branch == branch,
            report_values.c.period == period,
        )
        .order_by(report_values.c.id)
    ).all()
    if not rows:
        return None
    tables: dict[str, list[dict[str, Any]]] = {}
    for definition in TEMPLATES[kind].tables:
        table = report_tables[(kind, definition.key)]
        keys = [f.key for f in definition.fields]
        query = (
            select(*(table.c[k] for k in keys))
            .where(table.c.branch == branch, table.c.period == period)
            .order_by(table.c.position)
        )
        tables[definition.key] = [dict(r) for r in conn.execute(query).mappings()]
    return ReportData(
        kind=kind,
        branch=branch,
        period=period,
        file_id=rows[0].file_id,
        values={r.key: r.value for r in rows},
        tables=tables,
    )


def report_sets(
    conn: Connection, kind: str, period: str | None = None, branch: str | None = None
) -> list[tuple[str, str]]:
    """The (branch, period) pairs a report of `kind` is archived for."""
    query = (
        select(report_values.c.branch, report_values.c.period)
        .where(report_values.c.kind == kind)
        .distinct()
        .order_by(report_values.c.period, report_values.c.branch)
    )
    if period is not None:
        query = query.where(report_values.c.period == period)
    if branch is not None:
        query = query.where(report_values.c.branch == branch)
    return [(b, p) for b, p in conn.execute(query)]
