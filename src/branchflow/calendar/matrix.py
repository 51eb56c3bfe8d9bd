"""The submission matrix: for each drop folder and deliverable, on time / late / missing / rejected.

A deliverable's submission time is when branchflow first saw the complete file (the ledger's
received_at). The first accepted drop counts: a later accepted version or the same bytes again
never make an accepted deliverable late, and a rejection before an accepted drop is forgotten.
State "missing" means nothing accepted and nothing rejected is on file; whether its due time has
passed yet is `due_passed` (the terminal shows 未到期 while it has not). The matrix is as of
`now` (BRANCHFLOW_NOW): drops received later are not counted, so a backfill sees the past.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from branchflow.archive.results import LedgerEntry
from branchflow.archive.store import Archive
from branchflow.calendar.deadlines import (
    BRANCH_DELIVERABLES,
    DELIVERABLES,
    GRACE,
    HQ_DELIVERABLES,
    PLANNER_DELIVERABLES,
    Deliverable,
    deliverables_due_in,
    nearest_period,
    parse_month,
)
from branchflow.config import Settings

STATES = ("on_time", "late", "missing", "rejected")
DropIndex = dict[tuple[str, str, str], list[LedgerEntry]]  # (folder, kind, period) → drops


@dataclass(frozen=True)
class Submission:
    """One cell of the matrix: what a drop folder filed for one deliverable."""

    branch: str  # drop folder: a branch, HQ's for hq_briefing, a department's or project's
    deliverable: str  # kind: monthly / market / weekly / hq_briefing / dept_plan
    period: str
    due: datetime
    submitted_at: datetime | None  # first accepted drop; else the last rejected one
    state: str  # on_time / late / missing / rejected
    late_hours: float | None  # only when late: hours after the due time, to 0.1 h
    cutoff: datetime | None = None  # 月报统计截止 (monthly)
    past_cutoff: bool = False  # accepted after the cutoff, or still not accepted at it
    due_passed: bool = True  # False: the due time is still ahead
    attempts: int = 0  # drops counted (accepted and rejected; duplicates are not attempts)

    @property
    def accepted(self) -> bool:
        return self.state in ("on_time", "late")

    def as_json(self) -> dict[str, Any]:
        return {
            "branch": self.branch,
            "deliverable": self.deliverable,
            "period": self.period,
            "due": _iso(self.due),
            "submitted_at": _iso(self.submitted_at) if self.submitted_at else None,
            "state": self.state,
            "late_hours": self.late_hours,
            "past_cutoff": self.past_cutoff,
            "due_passed": self.due_passed,
        }


def submission_matrix(
    settings: Settings,
    period: str,
    *,
    archive: Archive | None = None,
    now: datetime | None = None,
) -> list[Submission]:
    """Every deliverable due in the month `period` ("2026-11"), for every branch and HQ."""
    year, month = parse_month(period)
    items = deliverables_due_in(settings, year, month)
    if archive is None:
        with Archive.open(settings) as opened:
            entries = opened.ledger()
    else:
        entries = archive.ledger()
    return assess_all(settings, items, index_drops(settings, entries), now or settings.now())


def assess_all(
    settings: Settings, items: Sequence[Deliverable], drops: DropIndex, now: datetime
) -> list[Submission]:
    """Branches in configured order, each with its deliverables; then the departments' and
    projects' work plans; HQ's briefing last."""
    rows = []
    for owner in (*settings.branch_names, *settings.planners, settings.hq_folder):
        for item in items:
            if owner_of(settings, item.kind, owner):
                found = drops.get((owner, item.kind, item.period), [])
                rows.append(assess(item, owner, found, now))
    return rows


def owner_of(settings: Settings, kind: str, folder: str) -> bool:
    """Whether the drop folder owes deliverables of this kind."""
    if folder == settings.hq_folder:
        return kind in HQ_DELIVERABLES
    if folder in settings.planners:
        return kind in PLANNER_DELIVERABLES
    return kind in BRANCH_DELIVERABLES


def index_drops(settings: Settings, entries: Iterable[LedgerEntry]) -> DropIndex:
    """Accepted and rejected report drops by (folder, kind, period).

    Duplicates are left out: the same bytes again are never a new attempt. A rejected drop
    whose 报告期 could not be read counts for the period due nearest to when it came in.
    """
    index: DropIndex = defaultdict(list)
    for entry in entries:
        if entry.kind not in DELIVERABLES or entry.status not in ("accepted", "rejected"):
            continue
        period = entry.period
        if period is None and entry.status == "rejected":
            period = nearest_period(settings, entry.kind, entry.received_at)
        if period is not None:
            index[(entry.folder, entry.kind, period)].append(entry)
    return dict(index)


def assess(
    item: Deliverable, owner: str, drops: Sequence[LedgerEntry], now: datetime
) -> Submission:
    """The state of one deliverable for one drop folder, as of `now` (later drops unseen)."""
    seen = [d for d in drops if d.received_at <= now]
    accepted = [d.received_at for d in seen if d.status == "accepted"]
    rejected = [d.received_at for d in seen if d.status == "rejected"]
    submitted: datetime | None = None
    state, late_hours = "missing", None
    if accepted:
        submitted = min(accepted)  # the first accepted drop counts, whatever came after
        state = "late" if item.missed_by(submitted) else "on_time"
        late_hours = hours_after(item.due, submitted) if state == "late" else None
    elif rejected:
        submitted, state = max(rejected), "rejected"
    settled = min(accepted) if accepted else now
    return Submission(
        branch=owner,
        deliverable=item.kind,
        period=item.period,
        due=item.due,
        submitted_at=submitted,
        state=state,
        late_hours=late_hours,
        cutoff=item.cutoff,
        past_cutoff=item.cutoff is not None and settled >= item.cutoff + GRACE,
        due_passed=item.missed_by(now),
        attempts=len(accepted) + len(rejected),
    )


def hours_after(due: datetime, moment: datetime) -> float:
    """Lateness in hours, to 0.1 h; a late drop is never shown as 0.0 h late."""
    return max(0.1, round((moment - due) / timedelta(hours=1), 1))


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")
