"""The files ledger and each file's issues: one row per drop, whatever became of it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Row, func, insert, select, update

from branchflow.archive.bulk import insert_many
from branchflow.archive.results import LedgerEntry
from branchflow.archive.schema import file_issues, files
from branchflow.intake import IncomingFile
from branchflow.validate.issues import Issue

COUNT_COLUMNS = (
    "new_customers",
    "updated_customers",
    "unchanged_customers",
    "followups_added",
    "followups_known",
)


def insert_file(
    conn: Connection,
    incoming: IncomingFile,
    *,
    kind: str,
    period: str | None,
    status: str,
    rows: int,
    original_path: str,
    duplicate_of: int | None,
    now: datetime,
) -> int:
    """Add the ledger row for a drop; returns its id."""
    result = conn.execute(
        insert(files).values(
            sha256=incoming.sha256,
            folder=incoming.folder,
            relative=incoming.relative,
            original_name=incoming.path.name,
            kind=kind,
            period=period,
            status=status,
            received_at=incoming.received_at,
            recorded_at=now,
            size=incoming.size,
            rows=rows,
            original_path=original_path,
            duplicate_of=duplicate_of,
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def insert_issues(
    conn: Connection, file_id: int, issues: Sequence[Issue], origin: str = "validate"
) -> None:
    """Keep a file's issues, in order, so its feedback can be written again after a crash."""
    if not issues:
        return
    last = conn.scalar(
        select(func.max(file_issues.c.position)).where(file_issues.c.file_id == file_id)
    )
    start = -1 if last is None else int(last)
    insert_many(
        conn,
        file_issues,
        [
            {
                "file_id": file_id,
                "position": start + 1 + i,
                "severity": issue.severity,
                "sheet": issue.sheet,
                "cell": issue.cell,
                "field": issue.field,
                "code": issue.code,
                "message": issue.message,
                "origin": origin,
            }
            for i, issue in enumerate(issues)
        ],
    )


def finish_file(conn: Connection, file_id: int, counts: Mapping[str, int]) -> None:
    """Store the issue totals and what the drop changed in the archive."""
    totals = conn.execute(
        select(file_issues.c.severity, func.count())
        .where(file_issues.c.file_id == file_id)
        .group_by(file_issues.c.severity)
    ).all()
    by_severity = {severity: int(n) for severity, n in totals}
    conn.execute(
        update(files)
        .where(files.c.id == file_id)
        .values(
            errors=by_severity.get("error", 0),
            warnings=by_severity.get("warning", 0),
            **{key: counts.get(key, 0) for key in COUNT_COLUMNS},
        )
    )


def issues_for(conn: Connection, file_id: int, origin: str | None = None) -> tuple[Issue, ...]:
    query = select(file_issues).where(file_issues.c.file_id == file_id)
    if origin is not None:
        query = query.where(file_issues.c.origin == origin)
    rows = conn.execute(query.order_by(file_issues.c.position)).all()
    return tuple(
        Issue(
            code=r.code,
            message=r.message,
            sheet=r.sheet,
            cell=r.cell,
            field=r.field,
            severity="error" if r.severity == "error" else "warning",
        )
        for r in rows
    )


def entry(row: Row[Any], tz: ZoneInfo) -> LedgerEntry:
    """A ledger row as the pipeline sees it; moments in the configured zone."""
    return LedgerEntry(
        file_id=row.id,
        sha256=row.sha256,
        folder=row.folder,
        relative=row.relative,
        kind=row.kind,
        period=row.period,
        status=row.status,
        received_at=row.received_at.astimezone(tz),
        original_path=row.original_path,
        cleared=row.cleared_at is not None,
        original_name=row.original_name,
        size=row.size,
        rows=row.rows,
        errors=row.errors,
        warnings=row.warnings,
        receipt_path=row.receipt_path,
        cleared_at=row.cleared_at.astimezone(tz) if row.cleared_at is not None else None,
        duplicate_of=row.duplicate_of,
    )


def find_by_sha(conn: Connection, sha256: str) -> Row[Any] | None:
    """The earliest drop with these bytes that was not itself a duplicate."""
    return conn.execute(
        select(files)
        .where(files.c.sha256 == sha256, files.c.status != "duplicate")
        .order_by(files.c.id)
        .limit(1)
    ).first()


def get(conn: Connection, file_id: int) -> Row[Any] | None:
    return conn.execute(select(files).where(files.c.id == file_id)).first()


def unfinished(conn: Connection) -> list[Row[Any]]:
    """Drops recorded but not yet answered (a crash between record and mark_cleared)."""
    return list(
        conn.execute(select(files).where(files.c.cleared_at.is_(None)).order_by(files.c.id)).all()
    )


def listing(conn: Connection, period: str | None = None) -> list[Row[Any]]:
    query = select(files).order_by(files.c.received_at, files.c.id)
    if period is not None:
        query = query.where(files.c.period == period)
    return list(conn.execute(query).all())


def mark_cleared(conn: Connection, file_id: int, receipt_path: str, at: datetime) -> bool:
    """Record that feedback was written and the inbox file removed; False for an unknown id."""
    result = conn.execute(
        update(files).where(files.c.id == file_id).values(receipt_path=receipt_path, cleared_at=at)
    )
    return bool(result.rowcount)


def note_receipt(conn: Connection, file_id: int, receipt_path: str) -> bool:
    """Record that the drop's answer is written (before the inbox file is removed)."""
    result = conn.execute(
        update(files).where(files.c.id == file_id).values(receipt_path=receipt_path)
    )
    return bool(result.rowcount)


def unfinished_drop(conn: Connection, sha256: str, relative: str) -> Row[Any] | None:
    """The latest drop of these bytes at this place whose processing was interrupted."""
    return conn.execute(
        select(files)
        .where(files.c.sha256 == sha256, files.c.relative == relative, files.c.cleared_at.is_(None))
        .order_by(files.c.id.desc())
        .limit(1)
    ).first()


def expired_originals(conn: Connection, cutoff: datetime) -> tuple[list[str], int]:
    """Originals whose every drop was received before `cutoff` and is final (answered and
    cleared), and how many old originals are held back because a drop of theirs is not."""
    rows = conn.execute(
        select(
            files.c.original_path,
            func.count().label("drops"),
            func.count(files.c.cleared_at).label("cleared"),
        )
        .group_by(files.c.original_path)
        .having(func.max(files.c.received_at) < cutoff)
        .order_by(files.c.original_path)
    ).all()
    expired = [r.original_path for r in rows if r.cleared == r.drops]
    return expired, len(rows) - len(expired)
