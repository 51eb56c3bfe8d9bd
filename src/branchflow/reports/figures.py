"""Figures computed from the archive itself, to set beside what the branches report.

口径 (what each figure counts), as the documents state it:
- 新增登记客户: customers the branch owns whose 登记日期 falls in the month;
- 有效客户(A+B): customers the branch owns, registered by the month's end, graded A or B at
  the month's end (later grade changes are undone through the archive's change history);
- 覆盖乡镇数: distinct home townships (县 + 乡镇) of the month's new registrations;
- 跟进人次: follow-ups the branch recorded with a 跟进日期 in the month.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from branchflow.reports.periods import Month
from branchflow.reports.snapshot import MonthSnapshot, Row

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


@dataclass(frozen=True)
class Lead:
    """A customer with the follow-up state as of a moment."""

    customer: Row
    grade: str | None
    status: str | None
    last: Row | None  # the latest follow-up on or before the moment
    next_date: date | None


class ArchiveFigures:
    """Indexes over one snapshot; every figure is computed from the snapshot alone."""

    def __init__(self, snapshot: MonthSnapshot, tz: ZoneInfo) -> None:
        self.tz = tz
        self.by_branch: dict[str, list[Row]] = defaultdict(list)
        for customer in snapshot.customers:
            self.by_branch[customer["owner_branch"]].append(customer)
        self.followups_by_branch: dict[str, list[Row]] = defaultdict(list)
        self.followups_of: dict[int, list[Row]] = defaultdict(list)
        for visit in sorted(snapshot.followups, key=lambda f: (f["date"], f["id"])):
            self.followups_by_branch[visit["branch"]].append(visit)
            if visit["customer_id"] is not None:
                self.followups_of[visit["customer_id"]].append(visit)
        self.changes: dict[tuple[int, str], list[Row]] = defaultdict(list)
        for change in snapshot.history:
            self.changes[(change["customer_id"], change["field"])].append(change)
        self.customers = snapshot.customers

    # ── one customer ───────────────────────────────────────────────────────────────────────

    def value_at(self, customer: Row, field: str, moment: datetime) -> Any:
        """A field's value at `moment`: the current value with later changes undone."""
        for change in self.changes.get((customer["id"], field), ()):
            if change["changed_at"] >= moment:
                return change["old_value"]
        return customer[field]

    def last_followup(self, customer: Row, on_or_before: date) -> Row | None:
        visits = [v for v in self.followups_of.get(customer["id"], ()) if v["date"] <= on_or_before]
        return visits[-1] if visits else None

    def lead(self, customer: Row, day: date) -> Lead:
        """The customer as they stood at the end of `day`."""
        moment = datetime.combine(day, time.max, tzinfo=self.tz)
        last = self.last_followup(customer, day)
        return Lead(
            customer,
            self.value_at(customer, "grade", moment),
            self.value_at(customer, "status", moment),
            last,
            last["next_date"] if last is not None else None,
        )

    # ── a branch's month ───────────────────────────────────────────────────────────────────

    def new_customers(self, branch: str, month: Month) -> list[Row]:
        return [c for c in self.by_branch.get(branch, ()) if month.holds(c["registered_on"])]

    def followups_in(self, branch: str, month: Month) -> list[Row]:
        return [f for f in self.followups_by_branch.get(branch, ()) if month.holds(f["date"])]

    def grades_at_end(self, branch: str, month: Month) -> Counter[str]:
        end = month.end(self.tz)
        return Counter(
            self.value_at(c, "grade", end) or "未定"
            for c in self.by_branch.get(branch, ())
            if c["registered_on"] is not None and c["registered_on"] <= month.last
        )

    def kpis(self, branch: str, month: Month) -> dict[str, int]:
        new = self.new_customers(branch, month)
        grades = self.grades_at_end(branch, month)
        return {
            NEW: len(new),
            AB: grades["A"] + grades["B"],
            TOWNSHIPS: len({(c["county"], c["township"]) for c in new}),
            FOLLOWUPS: len(self.followups_in(branch, month)),
        }

    def townships(self, branch: str, month: Month) -> list[tuple[str, int]]:
        """New registrations per home township, most first."""
        counts = Counter(
            f"{c['county'] or ''}{c['township'] or ''}" or "未填"
            for c in self.new_customers(branch, month)
        )
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))

    def trend(self, branch: str, months: Iterable[Month]) -> list[TrendPoint]:
        points = []
        for month in months:
            grades = self.grades_at_end(branch, month)
            points.append(
                TrendPoint(
                    month,
                    len(self.new_customers(branch, month)),
                    len(self.followups_in(branch, month)),
                    grades["A"] + grades["B"],
                )
            )
        return points

    # ── lists of customers ─────────────────────────────────────────────────────────────────

    def due_followups(
        self, branch: str, month: Month, as_of: date
    ) -> tuple[list[Lead], list[Lead]]:
        """The branch's open customers whose next follow-up falls in `month`, as things stood
        on `as_of`; and those whose next follow-up was due before the month and never came."""
        due, overdue = [], []
        for customer in self.by_branch.get(branch, ()):
            lead = self.lead(customer, as_of)
            if lead.next_date is None or lead.status in CLOSED_STATUSES:
                continue
            if month.holds(lead.next_date):
                due.append(lead)
            elif lead.next_date < month.first and lead.last is not None:
                overdue.append(lead)
        for found in (due, overdue):
            found.sort(key=lambda d: (d.next_date or date.max, d.grade or "Z", d.customer["name"]))
        return due, overdue

    def leads(self, project: str, as_of: datetime) -> list[Lead]:
        """Open A/B customers intending to buy in `project`, as things stood at `as_of`."""
        found = []
        day = as_of.date()
        for customer in self.customers:
            if customer["registered_on"] is None or customer["registered_on"] > day:
                continue
            if self.value_at(customer, "project", as_of) != project:
                continue
            lead = self.lead(customer, day)
            if lead.grade in LEAD_GRADES and lead.status not in CLOSED_STATUSES:
                found.append(lead)
        found.sort(
            key=lambda d: (d.grade or "Z", d.next_date or date.max, d.customer["owner_branch"])
        )
        return found
