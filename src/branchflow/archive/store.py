"""The Archive: the one object the rest of branchflow uses to write and read the store."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError

from branchflow.archive import ledger, reads, versions
from branchflow.archive.claims import FileClaims
from branchflow.archive.customers import CustomerChanges, upsert_customers
from branchflow.archive.db import (
    create_store_engine,
    error_line,
    failure,
    open_failure,
    reader,
    reading,
    store_url,
    writer,
)
from branchflow.archive.documents import DocumentReads
from branchflow.archive.followups import add_followups, link_orphans
from branchflow.archive.guard import refuse_empty_ledger, refuse_missing_file
from branchflow.archive.localdisk import refuse_network_store
from branchflow.archive.migrate import bring_to_head
from branchflow.archive.originals import KeptDrop, keep_original, note_drop
from branchflow.archive.outbox import Notices, Outbox, record_notices
from branchflow.archive.phonebook import PhoneBook
from branchflow.archive.progress import apply_followup_grades
from branchflow.archive.protection import owner_visits, protect, protection_end
from branchflow.archive.reportdata import ReportData, read_report, replace_report, report_sets
from branchflow.archive.results import ArchiveResult, Conflict, ExportData, LedgerEntry
from branchflow.archive.schema import FILE_STATUSES, REPORT_KINDS, conflicts
from branchflow.config import Protection, Settings
from branchflow.errors import StoreError
from branchflow.intake import IncomingFile
from branchflow.validate.batch import ValidatedBatch
from branchflow.validate.issues import Issue
from branchflow.validate.normalize import mask_phone


class Archive:
    """The system of record: files ledger, customers, follow-ups, 撞单, report data, originals."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.settings = settings
        self._engine = engine
        self._writer = writer(engine)
        self._reader = reader(engine)
        self._tz = settings.timezone
        self._claims = FileClaims(engine, settings.claim_timeout)
        # Messages for group robots and e-mail (notify/): the sender's reads and marks.
        self.outbox = Outbox(self._writer, self._reader, engine.url)

    @classmethod
    def open(cls, settings: Settings, *, rebuilding: bool = False) -> Archive:
        """Open (creating and migrating as needed) the store the settings name. A store whose
        ledger is gone while originals or the master remain is refused (guard.py), except for
        `store rebuild`, which fills it again."""
        for folder in (settings.store_dir, settings.originals_dir):
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"无法创建目录 {folder}：{exc}；请检查路径和写权限") from exc
        url = store_url(settings)
        if not rebuilding:
            refuse_missing_file(settings, url)
        engine, _before, _applied = open_engine(url)
        try:
            if not rebuilding:
                refuse_empty_ledger(settings, engine, url)
        except BaseException:
            engine.dispose()
            raise
        return cls(settings, engine)

    def close(self) -> None:
        self._claims.close()
        self._engine.dispose()

    def __enter__(self) -> Archive:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ── writing ──────────────────────────────────────────────────────────────────────────────

    def claim(self, relative: str) -> AbstractContextManager[bool]:
        """Claim inbox/`relative` for processing while the block runs: False when another
        watcher (on this or another machine) is processing it. record() refuses to write a
        file whose claim was taken over meanwhile."""
        return self._claims.hold(relative)

    def keep_original(self, incoming: IncomingFile) -> str:
        """Keep the drop's bytes under the originals folder; returns their relative path."""
        return keep_original(self.settings.originals_dir, incoming)

    def record(
        self,
        incoming: IncomingFile,
        batch: ValidatedBatch | None,
        status: str,
        issues: Sequence[Issue],
        now: datetime,
        protection_days: int,
        original_path: str,
        duplicate_of: int | None = None,
        *,
        kind: str | None = None,
        notices: Notices | None = None,
    ) -> ArchiveResult:
        """Record one drop in one transaction: ledger row, issues and, if accepted, its data.

        `kind` names the file's kind when there is no batch (rejected before validation); a
        duplicate without a batch takes kind and period from the file it duplicates.
        `notices` gives the messages telling of it (notify/), written in the same transaction.
        """
        if status not in FILE_STATUSES:
            raise ValueError(f"unknown status {status!r}")
        if status == "accepted" and batch is None:
            raise ValueError("an accepted file needs its ValidatedBatch")
        try:
            with self._writer.begin() as conn:
                result = self._record(
                    conn,
                    incoming,
                    batch,
                    status,
                    issues,
                    now,
                    protection_days,
                    original_path,
                    duplicate_of,
                    kind,
                    notices,
                )
                note_drop(self.settings.originals_dir, _kept(incoming, original_path, result))
                return result
        except SQLAlchemyError as exc:
            raise failure(
                f"无法把 {incoming.relative} 写入档案数据库（已全部撤销）："
                f"{error_line(exc, self._engine.url)}；文件留在收件箱，稍后会重新处理",
                exc,
            ) from exc

    def mark_cleared(self, file_id: int, receipt_path: str, at: datetime) -> None:
        """Feedback for the file is written and the inbox file removed."""
        try:
            with self._writer.begin() as conn:
                found = ledger.mark_cleared(conn, file_id, receipt_path, at)
        except SQLAlchemyError as exc:
            raise failure(
                f"无法在档案数据库中记下文件 {file_id} 已回执："
                f"{error_line(exc, self._engine.url)}；稍后会重试",
                exc,
            ) from exc
        if not found:
            raise StoreError(f"档案中没有编号为 {file_id} 的文件记录")

    def note_receipt(self, file_id: int, receipt_path: str) -> None:
        """The drop's answer is written: a restart clears the drop without answering again."""
        try:
            with self._writer.begin() as conn:
                ledger.note_receipt(conn, file_id, receipt_path)
        except SQLAlchemyError as exc:
            raise failure(
                f"无法在档案数据库中记下文件 {file_id} 的回执："
                f"{error_line(exc, self._engine.url)}；稍后会重试",
                exc,
            ) from exc

    def _record(
        self,
        conn: Connection,
        incoming: IncomingFile,
        batch: ValidatedBatch | None,
        status: str,
        issues: Sequence[Issue],
        now: datetime,
        protection_days: int,
        original_path: str,
        duplicate_of: int | None,
        kind: str | None,
        notices: Notices | None = None,
    ) -> ArchiveResult:
        period = batch.period if batch is not None else None
        kind = batch.kind if batch is not None else kind
        if batch is None and duplicate_of is not None:
            original = ledger.get(conn, duplicate_of)
            if original is not None:
                kind, period = kind or original.kind, original.period
        file_id = ledger.insert_file(
            conn,
            incoming,
            kind=kind or "unknown",
            period=period,
            status=status,
            rows=batch.rows if batch is not None else 0,
            original_path=original_path,
            duplicate_of=duplicate_of,
            now=now,
        )
        ledger.insert_issues(conn, file_id, issues)
        result = ArchiveResult(file_id, status)
        if status == "accepted" and batch is not None:
            # The period may come from the caller; the extension is the configuration's.
            rule = replace(self.settings.protection, days=protection_days)
            result = _apply(conn, batch, file_id, now.astimezone(self._tz), rule)
            ledger.insert_issues(conn, file_id, result.issues, origin="archive")
        ledger.finish_file(conn, file_id, _counts(result))
        if notices is not None:
            record_notices(conn, notices, result)
        self._claims.check(conn, incoming.relative)
        return result

    def _read(self) -> AbstractContextManager[Connection]:
        return reading(self._reader, self._engine.url)

    # ── for the archive's own modules (archive/console.py) ───────────────────────────────────

    def read_transaction(self) -> AbstractContextManager[Connection]:
        """A read transaction (one snapshot); a lost server is a StoreError."""
        return self._read()

    @contextmanager
    def write_transaction(self, what: str) -> Iterator[Connection]:
        """A write transaction holding the writers' lock; `what` names it in the error."""
        try:
            with self._writer.begin() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise failure(
                f"无法{what}（已全部撤销）：{error_line(exc, self._engine.url)}；请稍后重试", exc
            ) from exc

    # ── the ledger ───────────────────────────────────────────────────────────────────────────

    def find_by_sha(self, sha256: str) -> LedgerEntry | None:
        """The earliest non-duplicate drop with these bytes, if any."""
        with self._read() as conn:
            row = ledger.find_by_sha(conn, sha256)
        return ledger.entry(row, self._tz) if row is not None else None

    def unfinished_drop(self, sha256: str, relative: str) -> LedgerEntry | None:
        """The drop of these bytes at inbox/`relative` recorded but not cleared (a stop between
        the transaction and the inbox being cleared), if any."""
        with self._read() as conn:
            row = ledger.unfinished_drop(conn, sha256, relative)
        return ledger.entry(row, self._tz) if row is not None else None

    def entry(self, file_id: int) -> LedgerEntry | None:
        with self._read() as conn:
            row = ledger.get(conn, file_id)
        return ledger.entry(row, self._tz) if row is not None else None

    def unfinished(self) -> list[LedgerEntry]:
        """Drops recorded whose feedback was not confirmed written (crash recovery)."""
        with self._read() as conn:
            return [ledger.entry(row, self._tz) for row in ledger.unfinished(conn)]

    def issues_for(self, file_id: int) -> tuple[Issue, ...]:
        """Every issue of a drop: validation's, then the archive's (撞单, masked phones)."""
        with self._read() as conn:
            return ledger.issues_for(conn, file_id)

    def result_for(self, file_id: int) -> ArchiveResult | None:
        """The ArchiveResult record() returned for a drop, rebuilt from the store."""
        with self._read() as conn:
            row = ledger.get(conn, file_id)
            if row is None:
                return None
            found = conn.execute(
                select(conflicts).where(conflicts.c.file_id == file_id).order_by(conflicts.c.id)
            ).all()
            archive_issues = ledger.issues_for(conn, file_id, origin="archive")
            visits = owner_visits(conn, self.settings.protection, [c.customer_id for c in found])
        return ArchiveResult(
            file_id=file_id,
            status=row.status,
            new_customers=row.new_customers,
            updated_customers=row.updated_customers,
            unchanged_customers=row.unchanged_customers,
            followups_added=row.followups_added,
            followups_known=row.followups_known,
            conflicts=tuple(
                Conflict(
                    mask_phone(c.phone),
                    c.owner_branch,
                    c.claimant_branch,
                    c.cell,
                    bool(c.within_protection),
                    # kept although protection had lapsed: only a ruling in force does that
                    not c.within_protection and c.resolution == "kept_by_owner",
                    protection_end(
                        c.owner_registered_on,
                        visits.get(c.customer_id, ()),
                        self.settings.protection,
                    ),
                )
                for c in found
            ),
            issues=archive_issues,
        )

    def expired_originals(self, cutoff: datetime) -> tuple[list[str], int]:
        """Kept originals (relative paths) whose every drop came before `cutoff` and is final,
        and how many old ones a drop still in progress holds back (see retention.py)."""
        with self._read() as conn:
            return ledger.expired_originals(conn, cutoff)

    def ledger(self, period: str | None = None) -> list[LedgerEntry]:
        """Every drop (for `period`), in the order received."""
        with self._read() as conn:
            return [ledger.entry(row, self._tz) for row in ledger.listing(conn, period)]

    # ── reading ──────────────────────────────────────────────────────────────────────────────

    def customers(self, branch: str | None = None) -> list[dict[str, Any]]:
        """Customers (owned by `branch`): template fields by key, owner_branch,
        first_registered_on, owned_since, masked_phone, created_at, updated_at, source_file."""
        with self._read() as conn:
            return reads.read_customers(conn, self._tz, branch)

    def followups(self, branch: str | None = None) -> list[dict[str, Any]]:
        """Follow-ups (done by `branch`), with customer_name and owner_branch when known."""
        with self._read() as conn:
            return reads.read_followups(conn, self._tz, branch)

    def conflicts(self, branch: str | None = None, repeats: bool = False) -> list[dict[str, Any]]:
        """撞单 where `branch` is owner or claimant; each first detection only unless `repeats`."""
        with self._read() as conn:
            return reads.read_conflicts(conn, self._tz, branch, repeats)

    def township_counts(
        self, branch: str | None = None
    ) -> list[tuple[str | None, str | None, str | None, int]]:
        """(county, township, grade, number of customers)."""
        with self._read() as conn:
            return reads.read_township_counts(conn, branch)

    def history(
        self, branch: str | None = None, start: datetime | None = None, end: datetime | None = None
    ) -> list[dict[str, Any]]:
        """Customer field changes (made by `branch`) with changed_at in [start, end)."""
        with self._read() as conn:
            return reads.read_history(conn, self._tz, branch, start, end)

    def export_data(self) -> ExportData:
        """Customers (each with its protected_until), township counts, follow-ups and 撞单 of
        all branches, one consistent read."""
        with self._read() as conn:
            customers = reads.read_customers(conn, self._tz)
            return ExportData(
                customers=protect(conn, self.settings.protection, customers),
                township_counts=reads.read_township_counts(conn),
                followups=reads.read_followups(conn, self._tz),
                conflicts=reads.read_conflicts(conn, self._tz),
            )

    @contextmanager
    def export_rows(self) -> Iterator[reads.ExportRows]:
        """What export_data() holds, streamed instead: for writing workbooks of any size."""
        with self._read() as conn:
            yield reads.ExportRows(conn, self._tz, self.settings.protection)

    @contextmanager
    def documents(self) -> Iterator[DocumentReads]:
        """The reads of a period's documents, aggregated and streamed (documents.py)."""
        with self._read() as conn:
            yield DocumentReads(conn, self._tz)

    def report(self, kind: str, branch: str, period: str) -> ReportData | None:
        """A monthly / market / weekly / hq_briefing report as last filed (HQ: its folder)."""
        _check_report_kind(kind)
        with self._read() as conn:
            return read_report(conn, kind, branch, period)

    def reports(self, kind: str, period: str) -> list[ReportData]:
        """Every branch's report of `kind` for `period`, by branch name."""
        _check_report_kind(kind)
        with self._read() as conn:
            found = [
                read_report(conn, kind, b, p) for b, p in report_sets(conn, kind, period=period)
            ]
        return [r for r in found if r is not None]

    def report_periods(self, kind: str, branch: str | None = None) -> list[tuple[str, str]]:
        """(branch, period) pairs for which a report of `kind` is archived."""
        _check_report_kind(kind)
        with self._read() as conn:
            return report_sets(conn, kind, branch=branch)


def open_engine(url: URL) -> tuple[Engine, str | None, list[str]]:
    """An engine on the store at `url`, brought to the newest schema: (engine, the revision it
    was at, the revisions applied). SQLite on a network share is refused."""
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        refuse_network_store(Path(str(url.database)))
    engine = create_store_engine(url)
    try:
        before, applied = bring_to_head(engine)
    except StoreError:
        engine.dispose()
        raise
    except (SQLAlchemyError, OSError) as exc:
        engine.dispose()
        raise StoreError(open_failure(url, exc)) from exc
    return engine, before, applied


def _apply(
    conn: Connection, batch: ValidatedBatch, file_id: int, now: datetime, rule: Protection
) -> ArchiveResult:
    """Write an accepted batch's data; returns counts and the archive's own warnings."""
    if batch.kind in REPORT_KINDS:
        replace_report(conn, batch, file_id)
        return ArchiveResult(file_id, "accepted")
    if batch.kind != "customers":
        raise ValueError(f"cannot archive a {batch.kind!r} file")
    registrations = batch.tables.get("customers", ())
    visits = batch.tables.get("followups", ())
    book = PhoneBook(conn, batch.branch)
    book.prepare(
        [str(r.values["phone"]) for r in registrations], [str(r.values["phone"]) for r in visits]
    )
    changes = CustomerChanges(batch.branch, file_id, now, rule, now.date())
    upsert_customers(conn, book, registrations, changes)
    added = add_followups(conn, book, visits, branch=batch.branch, file_id=file_id, now=now)
    linked = link_orphans(conn)
    apply_followup_grades(conn, file_id, list(linked), now)
    touched = versions.changed_by_drop(conn, changes, added.added, set(linked.values()))
    versions.bump(conn, touched, now)
    return ArchiveResult(
        file_id=file_id,
        status="accepted",
        new_customers=changes.new,
        updated_customers=changes.updated,
        unchanged_customers=changes.unchanged,
        followups_added=added.added,
        followups_known=added.known,
        conflicts=tuple(changes.conflicts),
        issues=(*changes.issues, *added.issues),
    )


def _kept(incoming: IncomingFile, original: str, result: ArchiveResult) -> KeptDrop:
    return KeptDrop(
        original,
        incoming.sha256,
        incoming.folder,
        incoming.relative,
        incoming.received_at,
        result.file_id,
        incoming.size,
    )


def _counts(result: ArchiveResult) -> dict[str, int]:
    return {key: getattr(result, key) for key in ledger.COUNT_COLUMNS}


def _check_report_kind(kind: str) -> None:
    if kind not in REPORT_KINDS:
        raise ValueError(f"not a report kind: {kind!r}")
