"""The notification outbox: rows written with their event, read and marked by the sender.

An event's messages are inserted in the event's own transaction (`insert`, called by
Archive.record for a drop, or `Outbox.add` for events that have no other write), so a crash
never loses one and never writes one twice. A message with a `dedupe_key` is written once per
channel whatever calls it again (a reminder the watcher and `branchflow remind` both queue).

Sending happens outside any transaction: the sender claims the rows it is about to send (so a
second watcher sharing a PostgreSQL store leaves them alone), sends, then marks them sent, to
retry, or failed. A message is sent again only if the process dies between the robot's answer
and that mark (a few milliseconds): then it goes out twice rather than not at all.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Row, func, insert, or_, select, update
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError

from branchflow.archive.db import error_line, failure, reading
from branchflow.archive.phonebook import chunks
from branchflow.archive.results import ArchiveResult, Conflict
from branchflow.archive.schema import conflicts, files, outbox
from branchflow.validate.normalize import mask_phone


@dataclass(frozen=True)
class OutboxMessage:
    """One message to write: for one channel, about one event, concerning one scope."""

    channel: str
    event: str
    scope: str
    body: str
    subject: str = ""
    payload: Mapping[str, Any] | None = None
    attachments: tuple[str, ...] = ()  # workspace-relative paths, read when sending
    dedupe_key: str | None = None
    not_before: datetime | None = None  # not sent before this moment (reminders wait for 9:00)
    file_id: int | None = None


@dataclass(frozen=True)
class OutboxRow:
    """A stored message, as the sender and `notify pending` see it."""

    id: int
    channel: str
    event: str
    scope: str
    subject: str
    body: str
    payload: dict[str, Any]
    attachments: tuple[str, ...]
    file_id: int | None
    status: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    last_error: str | None
    receipt: str | None = None  # the drop's answer in 回执/, once written
    answered: bool = True  # False while the drop it tells of is not answered yet


# What Archive.record calls inside the drop's transaction: the drop's result and the 撞单 it
# found for the first time (not those a re-dropped running workbook repeats) → the messages.
Notices = Callable[[ArchiveResult, tuple[Conflict, ...]], Sequence[OutboxMessage]]


def insert_messages(conn: Connection, messages: Sequence[OutboxMessage], now: datetime) -> int:
    """Write messages in the caller's transaction; those whose (channel, dedupe_key) exists
    already are skipped. Returns how many were written."""
    keyed = {(m.channel, m.dedupe_key) for m in messages if m.dedupe_key}
    known: set[tuple[str, str]] = set()
    for part in chunks(sorted({key for _, key in keyed if key})):
        query = select(outbox.c.channel, outbox.c.dedupe_key).where(outbox.c.dedupe_key.in_(part))
        known.update((r.channel, r.dedupe_key) for r in conn.execute(query))
    rows = []
    for m in messages:
        if m.dedupe_key and (m.channel, m.dedupe_key) in known:
            continue
        if m.dedupe_key:
            known.add((m.channel, m.dedupe_key))
        rows.append(_values(m, now))
    if rows:
        conn.execute(insert(outbox), rows)
    return len(rows)


def fresh_conflicts(conn: Connection, file_id: int) -> tuple[Conflict, ...]:
    """The 撞单 a drop found that no earlier drop had recorded."""
    found = conn.execute(
        select(conflicts)
        .where(conflicts.c.file_id == file_id, conflicts.c.repeat.is_(False))
        .order_by(conflicts.c.id)
    ).all()
    return tuple(
        Conflict(
            mask_phone(c.phone), c.owner_branch, c.claimant_branch, c.cell, c.within_protection
        )
        for c in found
    )


def record_notices(conn: Connection, notices: Notices, result: ArchiveResult) -> None:
    """The messages of a drop being recorded, in its transaction (stamped with the wall clock,
    not BRANCHFLOW_NOW: retries and giving up run on real time)."""
    messages = notices(result, fresh_conflicts(conn, result.file_id))
    insert_messages(conn, [replace(m, file_id=result.file_id) for m in messages], _now())


class Outbox:
    """The archive's outbox, for the sender and the CLI."""

    def __init__(self, writer: Engine, reader: Engine, url: URL) -> None:
        self._writer = writer
        self._reader = reader
        self._url = url

    def add(self, messages: Sequence[OutboxMessage]) -> int:
        """Write messages of an event that has no transaction of its own."""
        if not messages:
            return 0
        with self._write("写入通知") as conn:
            return insert_messages(conn, messages, _now())

    def due(self, now: datetime, claimant: str, hold: timedelta) -> list[OutboxRow]:
        """Pending messages whose time has come and that no other live sender holds."""
        query = _rows_query().where(
            outbox.c.status == "pending",
            outbox.c.next_attempt_at <= now,
            or_(
                outbox.c.claimed_until.is_(None),
                outbox.c.claimed_until < now,
                outbox.c.claimed_by == claimant,
            ),
        )
        with reading(self._reader, self._url) as conn:
            rows = conn.execute(query.order_by(outbox.c.id)).all()
        return [_row(r, now, hold) for r in rows]

    def listing(self, statuses: Sequence[str] = ("pending", "failed")) -> list[OutboxRow]:
        query = _rows_query().where(outbox.c.status.in_(list(statuses))).order_by(outbox.c.id)
        with reading(self._reader, self._url) as conn:
            return [_row(r, None, None) for r in conn.execute(query).all()]

    def claim(self, ids: Sequence[int], claimant: str, now: datetime, lease: float) -> list[int]:
        """Take the rows this sender is about to send; returns those it got."""
        free = or_(
            outbox.c.claimed_until.is_(None),
            outbox.c.claimed_until < now,
            outbox.c.claimed_by == claimant,
        )
        with self._write("认领通知") as conn:
            got = [
                int(r.id)
                for r in conn.execute(
                    select(outbox.c.id).where(
                        outbox.c.id.in_(list(ids)), outbox.c.status == "pending", free
                    )
                )
            ]
            if got:
                until = now + timedelta(seconds=lease)
                conn.execute(
                    update(outbox)
                    .where(outbox.c.id.in_(got))
                    .values(claimed_by=claimant, claimed_until=until)
                )
        return got

    def release(self, claimant_prefix: str) -> int:
        """Free the claims of this machine's earlier senders (they are no longer running)."""
        with self._write("释放通知") as conn:
            result = conn.execute(
                update(outbox)
                .where(outbox.c.claimed_by.like(f"{claimant_prefix}%"))
                .values(claimed_by=None, claimed_until=None)
            )
        return int(result.rowcount or 0)

    def mark_sent(self, ids: Sequence[int], at: datetime) -> None:
        self._mark(ids, status="sent", sent_at=at, last_error=None)

    def mark_retry(
        self, ids: Sequence[int], next_at: datetime, error: str, *, count: bool = True
    ) -> None:
        """Try again at `next_at`; `count` = False for a robot that only asked us to wait."""
        extra = {"attempts": outbox.c.attempts + 1} if count else {}
        self._mark(ids, status="pending", next_attempt_at=next_at, last_error=error, **extra)

    def mark_failed(self, ids: Sequence[int], reason: str) -> None:
        self._mark(ids, status="failed", last_error=reason, attempts=outbox.c.attempts + 1)

    def counts(self) -> dict[str, int]:
        with reading(self._reader, self._url) as conn:
            found = conn.execute(
                select(outbox.c.status, func.count()).group_by(outbox.c.status)
            ).all()
        return {str(status): int(n) for status, n in found}

    def _mark(self, ids: Sequence[int], **values: Any) -> None:
        if not ids:
            return
        with self._write("记录通知发送结果") as conn:
            conn.execute(
                update(outbox)
                .where(outbox.c.id.in_(list(ids)))
                .values(claimed_by=None, claimed_until=None, **values)
            )

    def _write(self, what: str) -> AbstractContextManager[Connection]:
        return _writing(self._writer, self._url, what)


@contextmanager
def _writing(engine: Engine, url: URL, what: str) -> Iterator[Connection]:
    """A write transaction whose database failure is a StoreError naming what was done."""
    try:
        with engine.begin() as conn:
            yield conn
    except SQLAlchemyError as exc:
        raise failure(f"{what}失败：{error_line(exc, url)}；稍后会重试", exc) from exc


def _now() -> datetime:
    return datetime.now(UTC)


def _values(m: OutboxMessage, now: datetime) -> dict[str, Any]:
    return {
        "channel": m.channel,
        "event": m.event,
        "scope": m.scope,
        "subject": m.subject,
        "body": m.body,
        "payload": json.dumps(dict(m.payload), ensure_ascii=False) if m.payload else None,
        "attachments": json.dumps(list(m.attachments), ensure_ascii=False)
        if m.attachments
        else None,
        "file_id": m.file_id,
        "dedupe_key": m.dedupe_key,
        "status": "pending",
        "attempts": 0,
        "created_at": now,
        "next_attempt_at": max(now, m.not_before) if m.not_before else now,
    }


def _rows_query() -> Any:
    return select(
        outbox, files.c.receipt_path.label("receipt"), files.c.cleared_at.label("cleared")
    ).select_from(outbox.outerjoin(files, files.c.id == outbox.c.file_id))


def _row(r: Row[Any], now: datetime | None, hold: timedelta | None) -> OutboxRow:
    answered = r.file_id is None or r.cleared is not None
    if not answered and now is not None and hold is not None:
        answered = r.created_at <= now - hold  # never answered (file gone): send anyway
    return OutboxRow(
        id=r.id,
        channel=r.channel,
        event=r.event,
        scope=r.scope,
        subject=r.subject,
        body=r.body,
        payload=json.loads(r.payload) if r.payload else {},
        attachments=tuple(json.loads(r.attachments)) if r.attachments else (),
        file_id=r.file_id,
        status=r.status,
        attempts=r.attempts,
        created_at=r.created_at,
        next_attempt_at=r.next_attempt_at,
        last_error=r.last_error,
        receipt=r.receipt,
        answered=answered,
    )
