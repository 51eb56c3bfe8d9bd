"""Figures computed from the archive itself, to set beside what the branches report.

口径 (what each figure counts), as the documents state it:
- 新增登记客户: customers the branch owns whose 登记日期 falls in the month;
- 有效客户(A+B): customers the branch owns, registered by the month's end, graded A or B at
  the month's end (later grade changes are undone through the archive's change history);
- 覆盖乡镇数: distinct home townships (县 + 乡镇) of the month's new registrations;
- 跟进人次: follow-ups the branch recorded with a 跟进日期 in the month.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from branchflow.archive.documents import BranchMonth
from branchflow.reports.periods import Month
from branchflow.reports.snapshot import MonthSnapshot

GRADES = ("A", "B", "C", "D")
LEAD_GRADES = frozenset({"A", "B"})
CLOSED_STATUSES = frozenset({"签约", "放弃"})
NEW, AB, TOWNSHIPS, FOLLOWUPS = "新增登记客户", "有效客户(A+B)", "覆盖乡镇数", "跟进人次"
ARCHIVE_KPIS = (NEW, AB, TOWNSHIPS, FOLLOWUPS)
BASIS = (
    "档案口径：新增登记客户按登记日期在本月统计；有效客户(A+B)为截至月末本分中心名下等级为 A、B 的"
    "客户；覆盖乡镇数为本月新登记客户的户籍乡镇数；跟进人次为跟进日期在本月的跟进记录数。"
)


@dataclass(frozen=True)
class TrendPoint:
    month: Month
    new: int
    followups: int
    ab: int


class ArchiveFigures:
    """The snapshot's counts, by branch and month; every figure comes from them alone."""

    def __init__(self, snapshot: MonthSnapshot, tz: ZoneInfo) -> None:
        self.tz = tz
        self.months = snapshot.figures
        self.mixes = snapshot.mix

    def of(self, branch: str, month: Month) -> BranchMonth:
        """The branch's month (nothing for a month outside the snapshot's trend window)."""
        return self.months.get(month.key, {}).get(branch) or BranchMonth()

    def new_count(self, branch: str, month: Month) -> int:
        return self.of(branch, month).new

    def followups_count(self, branch: str, month: Month) -> int:
        return self.of(branch, month).followups

    def grades_at_end(self, branch: str, month: Month) -> Counter[str]:
        counts: Counter[str] = Counter()
        for grade, count in self.of(branch, month).grades.items():
            if count:
                counts[grade or "未定"] += count
        return counts

    def kpis(self, branch: str, month: Month) -> dict[str, int]:
        found = self.of(branch, month)
        grades = self.grades_at_end(branch, month)
        return {
            NEW: found.new,
            AB: grades["A"] + grades["B"],
            TOWNSHIPS: sum(1 for n in found.townships.values() if n),
            FOLLOWUPS: found.followups,
        }

    def townships(self, branch: str, month: Month) -> list[tuple[str, int]]:
        """New registrations per home township, most first."""
        counts: Counter[str] = Counter()
        for (county, township), count in self.of(branch, month).townships.items():
            counts[f"{county or ''}{township or ''}" or "未填"] += count
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))

    def trend(self, branch: str, months: Iterable[Month]) -> list[TrendPoint]:
        points = []
        for month in months:
            kpis = self.kpis(branch, month)
            points.append(TrendPoint(month, kpis[NEW], kpis[FOLLOWUPS], kpis[AB]))
        return points

    def mix(self, branch: str) -> dict[str, Counter[Any]]:
        """The branch's customers registered by the month's end, per field and stored value."""
        return self.mixes.get(branch, {})
