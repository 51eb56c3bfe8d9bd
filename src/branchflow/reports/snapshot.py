"""Everything a month's (or a week's) documents need, read from the archive once.

The documents are built from these plain values only, so one run sees one consistent archive
and the archive is queried a fixed number of times however many documents are rendered. What
is read about customers is counted in the archive (per branch and month) or capped (the
follow-ups due, the month's 撞单): memory does not grow with the archive.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from branchflow.archive.documents import BranchMonth, DocumentReads, MonthChanges, Span
from branchflow.archive.reportdata import ReportData
from branchflow.archive.store import Archive
from branchflow.config import Settings
from branchflow.reports.lists import Capped, DueLists, due_lists
from branchflow.reports.periods import Month, Week, meeting_day, weeks_overlapping

TREND_MONTHS = 6  # the month-on-month chart shows this many months
MAX_CHANGES = 300  # rows of field changes listed; the master archive workbook has them all
Row = dict[str, Any]


@dataclass
class MonthConflicts:
    """The month's 撞单: the first ones found (with the customer's name), and how many each
    branch had as owner and as claimant."""

    first: Capped
    owner: Counter[str] = field(default_factory=Counter)
    claimant: Counter[str] = field(default_factory=Counter)

    def add(self, row: Row) -> None:
        self.first.add(row)
        self.owner[row["owner_branch"]] += 1
        self.claimant[row["claimant_branch"]] += 1


@dataclass(frozen=True)
class MonthSnapshot:
    month: Month
    now: datetime
    # month key → branch → the archive's own figures, for the months of the trend window
    figures: dict[str, dict[str, BranchMonth]]
    mix: dict[str, dict[str, Counter[Any]]]  # branch → field → value → customers (mix.py)
    changes: MonthChanges  # the month's field changes: counts, and the latest MAX_CHANGES
    conflicts: MonthConflicts  # the month's first detections
    due: dict[str, DueLists]  # branch → follow-ups due for the meeting on the 3rd
    monthly: dict[str, dict[str, ReportData]]  # period key → branch → 月度工作总结及下月工作计划
    market: dict[str, ReportData]  # branch → this month's 市场研究报告
    weekly: dict[str, dict[str, ReportData]]  # week key → branch → 营销活动周报
    hq_briefing: ReportData | None  # this month's 总部月度简报
    weeks: list[Week] = field(default_factory=list)  # the ISO weeks overlapping the month

    def monthly_of(self, branch: str, month: Month) -> ReportData | None:
        return self.monthly.get(month.key, {}).get(branch)

    @property
    def end(self) -> datetime:
        """The first moment after the month."""
        assert self.now.tzinfo is not None
        return self.month.end(self.now.tzinfo)  # type: ignore[arg-type]

    @property
    def as_of(self) -> datetime:
        """The moment the documents judge by: the month's end, or now while the month lasts
        (so a document rendered again later says the same)."""
        return min(self.now, self.end)


@dataclass(frozen=True)
class WeekSnapshot:
    week: Week
    now: datetime
    weekly: dict[str, ReportData]  # branch → report


def read_month(archive: Archive, settings: Settings, month: Month) -> MonthSnapshot:
    """The archive as the month's documents see it."""
    monthly = {
        m.key: {r.branch: r for r in archive.reports("monthly", m.key)}
        for m in (month.shift(-2), month.shift(-1), month)
    }
    weeks = weeks_overlapping(month)
    weekly = {w.key: {r.branch: r for r in archive.reports("weekly", w.key)} for w in weeks}
    now = settings.now()
    with archive.documents() as reads:
        counted = _counted(reads, settings, month, now)
    return MonthSnapshot(
        month=month,
        now=now,
        **counted,
        monthly=monthly,
        market={r.branch: r for r in archive.reports("market", month.key)},
        weekly=weekly,
        hq_briefing=hq_briefing(archive, settings, month.key),
        weeks=weeks,
    )


def span(month: Month, settings: Settings) -> Span:
    return Span(month.key, month.first, month.last, month.end(settings.timezone))


def _counted(
    reads: DocumentReads, settings: Settings, month: Month, now: datetime
) -> dict[str, Any]:
    """What the archive counts for the month, in one read."""
    tz = settings.timezone
    start, end = month.start(tz), month.end(tz)
    conflicts = MonthConflicts(Capped(settings.list_rows))
    for row in reads.conflicts(start, end):
        conflicts.add(row)
    meeting = min(meeting_day(settings, month), now.date())
    return {
        "figures": reads.months([span(m, settings) for m in month.back(TREND_MONTHS)]),
        "mix": reads.mix(month.last),
        "changes": reads.changes(start, end, MAX_CHANGES),
        "conflicts": conflicts,
        "due": due_lists(settings, reads, month, meeting),
    }


def read_week(archive: Archive, settings: Settings, week: Week) -> WeekSnapshot:
    return WeekSnapshot(
        week=week,
        now=settings.now(),
        weekly={r.branch: r for r in archive.reports("weekly", week.key)},
    )


def hq_briefing(archive: Archive, settings: Settings, period: str) -> ReportData | None:
    """HQ's briefing for the month: the one filed from HQ's folder, else any filed."""
    found = archive.reports("hq_briefing", period)
    own = [r for r in found if r.branch == settings.hq_folder]
    return next(iter(own or found), None)
