"""When each deliverable is due: reporting periods, due moments, the deliverables of a month.

Periods are those the templates carry: a month report ("2026-11") is due on a day of that same
month (the 25th, the 28th; HQ's briefing on the 2nd, before the 例会 on the 3rd; the departments'
and project 营销部' work plans for the month after on the 28th, as the branches' own); weekly news
("2026-W47") is due on a weekday of the following ISO week. A day the month does not have (the
30th in February) means the month's last day.

A month's matrix holds every deliverable *due* in that month, so each deliverable belongs to
exactly one month and a month's 考核 is final once the month is over. For weekly news that is
the ISO week before each due Monday of the month: 2026-11 holds 2026-W44 (due Mon 2 Nov) to
2026-W48 (due Mon 30 Nov); 2027-01 holds 2026-W53 (due Mon 4 Jan 2027).
"""

from __future__ import annotations

import calendar as stdcalendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from branchflow.config import Deadline, Settings
from branchflow.errors import ConfigError
from branchflow.validate.normalize import Invalid, normalize_period

BRANCH_DELIVERABLES = ("monthly", "market", "weekly")
HQ_DELIVERABLES = ("hq_briefing",)
PLANNER_DELIVERABLES = ("dept_plan",)  # each department's and project 营销部's work plan
DELIVERABLES = (*BRANCH_DELIVERABLES, *HQ_DELIVERABLES, *PLANNER_DELIVERABLES)
# The due minute itself still counts: "23:59" means the end of the day, 17:00:40 is 17:00.
GRACE = timedelta(minutes=1)


class PeriodError(ConfigError):
    """A period argument that is not a month; bad usage, so the CLI exits 2 as for bad config."""


@dataclass(frozen=True)
class Deliverable:
    """One report a drop folder owes: its kind, the period it covers and when it is due."""

    kind: str
    period: str  # "2026-11" or "2026-W47"
    due: datetime
    cutoff: datetime | None = None  # 月报统计截止 (monthly: the 28th 17:00)

    def missed_by(self, moment: datetime) -> bool:
        """Whether `moment` is after the due time (the due minute itself is on time)."""
        return moment >= self.due + GRACE


def parse_month(text: str) -> tuple[int, int]:
    """A --period argument ("2026-11", "2026年11月") → (year, month)."""
    try:
        period = normalize_period(text)
    except Invalid:
        period = ""
    if not period or "W" in period:
        raise PeriodError(f"--period “{text}”不是月份，应如 2026-11（周报列在其截止日所在的月份）")
    year, month = period.split("-")
    return int(year), int(month)


def week_label(day: date) -> str:
    """The ISO week holding `day`, as templates write it: "2026-W47"."""
    iso = day.isocalendar()
    return f"{iso.year:04d}-W{iso.week:02d}"


def month_label(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def due_date(deadline: Deadline, period: str) -> date:
    """The day `period`'s deliverable of this kind is due."""
    year, _, rest = period.partition("-")
    if deadline.weekday is not None:
        monday = date.fromisocalendar(int(year), int(rest.removeprefix("W")), 1)
        return monday + timedelta(days=7 + deadline.weekday - 1)
    return _clamped(int(year), int(rest), deadline.day or 1)


def deliverable(deadline: Deadline, period: str, tz: ZoneInfo) -> Deliverable:
    """`period`'s deliverable of the deadline's kind, with its due moment and cutoff."""
    due = _moment(due_date(deadline, period), deadline.at, tz)
    cutoff = None
    if deadline.final_day is not None and deadline.weekday is None:
        year, month = (int(x) for x in period.split("-"))
        day = _clamped(year, month, deadline.final_day)
        cutoff = _moment(day, deadline.final_time or deadline.at, tz)
    return Deliverable(deadline.kind, period, due, cutoff)


def deliverables_due_in(settings: Settings, year: int, month: int) -> list[Deliverable]:
    """Every deliverable due in the month, by kind (monthly, market, weekly…, hq_briefing)."""
    found: list[Deliverable] = []
    for kind in DELIVERABLES:
        deadline = find_deadline(settings, kind)
        if deadline.weekday is None:
            found.append(deliverable(deadline, f"{year:04d}-{month:02d}", settings.timezone))
            continue
        days = stdcalendar.monthrange(year, month)[1]
        for number in range(1, days + 1):
            day = date(year, month, number)
            if day.isoweekday() == deadline.weekday:
                period = week_label(day - timedelta(days=7))
                found.append(deliverable(deadline, period, settings.timezone))
    return found


def deliverables_due_between(settings: Settings, first: date, last: date) -> list[Deliverable]:
    """Every deliverable due on a day from `first` to `last` (inclusive)."""
    found = [
        d for y, m in _months_between(first, last) for d in deliverables_due_in(settings, y, m)
    ]
    return [d for d in found if first <= d.due.date() <= last]


def nearest_period(settings: Settings, kind: str, moment: datetime) -> str:
    """The period whose due time is nearest `moment`: what a drop without a readable 报告期
    was most likely meant for (a monthly drop on the 26th is a late one for this month)."""
    deadline = find_deadline(settings, kind)
    day = moment.astimezone(settings.timezone).date()
    if deadline.weekday is not None:
        candidates = [week_label(day + timedelta(days=7 * n)) for n in (-1, 0, 1)]
    else:
        first = day.replace(day=1)
        candidates = [
            month_label(first - timedelta(days=1)),
            month_label(first),
            month_label(first + timedelta(days=32)),
        ]
    return min(
        candidates,
        key=lambda p: abs(deliverable(deadline, p, settings.timezone).due - moment),
    )


def find_deadline(settings: Settings, kind: str) -> Deadline:
    for deadline in settings.calendar:
        if deadline.kind == kind:
            return deadline
    raise ConfigError(f"报送日历中没有 {kind}")


def _clamped(year: int, month: int, day: int) -> date:
    """Day `day` of the month, or its last day when the month is shorter (30 Feb → 28/29 Feb)."""
    return date(year, month, min(day, stdcalendar.monthrange(year, month)[1]))


def _moment(day: date, at: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=tz)


def _months_between(first: date, last: date) -> list[tuple[int, int]]:
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months
