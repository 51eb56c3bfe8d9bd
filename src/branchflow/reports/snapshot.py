"""Everything a month's (or a week's) documents need, read from the archive once.

The documents are built from these plain values only, so one run sees one consistent archive
and the archive is queried a fixed number of times however many documents are rendered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from branchflow.archive.reportdata import ReportData
from branchflow.archive.store import Archive
from branchflow.config import Settings
from branchflow.reports.periods import Month, Week, weeks_overlapping

TREND_MONTHS = 6  # the month-on-month chart shows this many months
Row = dict[str, Any]


@dataclass(frozen=True)
class MonthSnapshot:
    month: Month
    now: datetime
    customers: list[Row]
    followups: list[Row]
    conflicts: list[Row]  # first detections, every month
    history: list[Row]  # field changes since the start of the trend window
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
    tz = settings.timezone
    monthly = {
        m.key: {r.branch: r for r in archive.reports("monthly", m.key)}
        for m in (month.shift(-2), month.shift(-1), month)
    }
    weeks = weeks_overlapping(month)
    weekly = {w.key: {r.branch: r for r in archive.reports("weekly", w.key)} for w in weeks}
    return MonthSnapshot(
        month=month,
        now=settings.now(),
        customers=archive.customers(),
        followups=archive.followups(),
        conflicts=archive.conflicts(),
        history=archive.history(start=month.shift(1 - TREND_MONTHS).start(tz)),
        monthly=monthly,
        market={r.branch: r for r in archive.reports("market", month.key)},
        weekly=weekly,
        hq_briefing=hq_briefing(archive, settings, month.key),
        weeks=weeks,
    )


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
