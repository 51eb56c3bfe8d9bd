"""Events → outbox rows for the channels that take them. The functions other parts call:

- `file_notices` (pipeline): the messages of a drop, written by Archive.record in the drop's own
  transaction (rejected at once; accepted, gathered per burst; 撞单 to both branches and 总部).
- `reminders` (watcher, `remind`): 3 days before a deadline and on the day, for what is missing.
- `conflict_decided` (console): a 判客 decision, to both branches and 总部.
- `documents` (`report --period`): the month's documents to each department, 总部 and branch.
- `distributed` (`distribute`): what was put into each branch's 下发/<YYYY-MM>/ folder.

Without channels (or none taking the event for the scope) nothing is written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from branchflow.archive.outbox import Notices, OutboxMessage
from branchflow.archive.results import ArchiveResult, Conflict
from branchflow.archive.store import Archive
from branchflow.config import Settings
from branchflow.intake import IncomingFile
from branchflow.notify import messages
from branchflow.validate.batch import ValidatedBatch
from branchflow.validate.issues import Issue

REMIND_AT_DAYS = (3, 0)  # group reminders: three days before the deadline, and on the day
FILE_EVENTS = ("rejected", "accepted", "conflict")


def file_notices(
    settings: Settings,
    incoming: IncomingFile,
    batch: ValidatedBatch | None,
    issues: Sequence[Issue],
    kind: str,
) -> Notices | None:
    """What Archive.record writes with a drop; None when no channel takes any of it."""
    notify = settings.notify
    folder = incoming.folder
    if not any(set(c.events) & set(FILE_EVENTS) for c in notify.channels):
        return None
    name = incoming.path.name

    def notices(result: ArchiveResult, fresh: tuple[Conflict, ...]) -> list[OutboxMessage]:
        found: list[OutboxMessage] = []
        if result.status == "rejected":
            text = messages.rejected(folder, name, kind, issues)
            found += _to(settings, "rejected", folder, text)
        elif result.status == "accepted":
            line = messages.accepted_line(
                folder, name, kind, batch.period if batch else None, result
            )
            payload = messages.accepted_payload(result)
            found += _to(settings, "accepted", folder, line, payload=payload)
        if fresh:
            found += _conflicts(settings, folder, name, fresh)
        return found

    return notices


def _conflicts(
    settings: Settings, claimant: str, file_name: str, found: tuple[Conflict, ...]
) -> list[OutboxMessage]:
    """One message per channel: 总部's view, else the claimant's, else each owner's."""
    hq = settings.hq_folder
    out = _to(settings, "conflict", hq, messages.conflict_for_hq(claimant, file_name, found))
    out += _to(
        settings, "conflict", claimant, messages.conflict_for_claimant(claimant, file_name, found)
    )
    for owner in dict.fromkeys(c.owner_branch for c in found):
        theirs = [c for c in found if c.owner_branch == owner]
        out += _to(
            settings, "conflict", owner, messages.conflict_for_owner(owner, claimant, theirs)
        )
    return _first_per_channel(out)


def conflict_decided(
    settings: Settings,
    archive: Archive,
    masked_phone: str,
    owner: str,
    claimant: str,
    decision: str,
) -> int:
    """A 判客 decision made in the console: tell both branches and 总部 (in its own
    transaction; inside another, write `conflict_decision_messages` with outbox.insert_messages)."""
    return archive.outbox.add(
        conflict_decision_messages(settings, masked_phone, owner, claimant, decision)
    )


def conflict_decision_messages(
    settings: Settings, masked_phone: str, owner: str, claimant: str, decision: str
) -> list[OutboxMessage]:
    text = messages.conflict_decided(masked_phone, owner, claimant, decision)
    found = [
        m for s in (settings.hq_folder, owner, claimant) for m in _to(settings, "conflict", s, text)
    ]
    return _first_per_channel(found)


def reminders(settings: Settings, archive: Archive, now: datetime) -> int:
    """Queue today's group reminders (3 days before and on the day), once per folder per day,
    to go out at [notify] remind_at. Returns how many messages were written."""
    if not any("reminder" in c.events for c in settings.notify.channels):
        return 0
    from branchflow.calendar.reminders import due_soon

    local = now.astimezone(settings.timezone)
    today = local.date()
    at = datetime.combine(today, settings.notify.remind_at, tzinfo=settings.timezone)
    found: list[OutboxMessage] = []
    for owner, items in due_soon(settings, archive, now, max(REMIND_AT_DAYS)).items():
        chosen = [
            s
            for s in items
            if (s.due.astimezone(settings.timezone).date() - today).days in REMIND_AT_DAYS
        ]
        if chosen:
            text = messages.reminder(owner, chosen, today)
            key = f"reminder:{owner}:{today.isoformat()}"
            found += _to(settings, "reminder", owner, text, key=key, not_before=at)
    return archive.outbox.add(found)


def documents(settings: Settings, archive: Archive, period: str, written: Sequence[Path]) -> int:
    """The month's documents, each to whom it is for: 部门资料包-<部门> to that department,
    例会资料-<分中心> to that branch, the rest to 总部. At most once a day per scope."""
    by_scope: dict[str, list[Path]] = {}
    for path in written:
        if path.suffix.lower() == ".docx":
            by_scope.setdefault(_document_scope(settings, path), []).append(path)
    today = settings.now().date().isoformat()
    found: list[OutboxMessage] = []
    for scope, paths in by_scope.items():
        names = [p.name for p in paths]
        links = [_link(settings, period, n) for n in names] if settings.notify.link_base else []
        text = messages.documents(scope, period, names, links)
        attachments = tuple(_relative(settings, p) for p in paths)
        key = f"documents:{period}:{scope}:{today}"
        found += _to(settings, "documents", scope, text, key=key, attachments=attachments)
    return archive.outbox.add(found)


def documents_rendered(settings: Settings, period: str, written: Sequence[Path]) -> int:
    """`documents` for a caller without the archive open (`branchflow report --period`)."""
    if not any("documents" in c.events for c in settings.notify.channels):
        return 0
    with Archive.open(settings) as archive:
        return documents(settings, archive, period, written)


def distributed(
    settings: Settings, archive: Archive, period: str, delivered: Mapping[str, Sequence[Path]]
) -> int:
    """Tell each branch what was put into its 下发/<period>/ folder (`delivered`: branch →
    the files placed there)."""
    today = settings.now().date().isoformat()
    found: list[OutboxMessage] = []
    for scope, paths in delivered.items():
        if not paths:
            continue
        folder = _relative(settings, paths[0].parent) + "/"
        text = messages.distributed(scope, period, folder, [p.name for p in paths])
        key = f"distributed:{period}:{scope}:{today}"
        found += _to(settings, "distributed", scope, text, key=key)
    return archive.outbox.add(found)


def _to(
    settings: Settings,
    event: str,
    scope: str,
    body: str,
    *,
    payload: Mapping[str, int] | None = None,
    key: str | None = None,
    attachments: tuple[str, ...] = (),
    not_before: datetime | None = None,
) -> list[OutboxMessage]:
    return [
        OutboxMessage(
            channel=c.name,
            event=event,
            scope=scope,
            body=body,
            payload=payload,
            attachments=attachments,
            dedupe_key=key,
            not_before=not_before,
        )
        for c in settings.notify.routes(event, scope)
    ]


def _first_per_channel(found: list[OutboxMessage]) -> list[OutboxMessage]:
    seen: set[str] = set()
    out = []
    for m in found:
        if m.channel not in seen:
            seen.add(m.channel)
            out.append(m)
    return out


def _document_scope(settings: Settings, path: Path) -> str:
    stem = path.stem
    for department in settings.departments:
        if stem.endswith(f"-{department.name}") and stem.startswith("部门资料包"):
            return department.name
    for branch in settings.branch_names:
        if stem == f"例会资料-{branch}":
            return branch
    return settings.hq_folder


def _link(settings: Settings, period: str, name: str) -> str:
    from urllib.parse import quote

    return f"{settings.notify.link_base}/reports/{quote(period)}/{quote(name)}"


def _relative(settings: Settings, path: Path) -> str:
    try:
        return path.resolve().relative_to(settings.workspace).as_posix()
    except ValueError:
        return str(path)
