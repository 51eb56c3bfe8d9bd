"""Lists of customers in the documents, capped at a readable length ([reports] list_rows).

A list in a Word document is for someone who will pick up the phone: its first rows (the archive
streams them most urgent first) and how many more there are. The full list of a project's leads
goes beside its document as a workbook (leadbook.py), written from the same stream.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from itertools import groupby
from pathlib import Path
from typing import Any

from branchflow.archive.documents import DocumentReads
from branchflow.archive.leadlists import Standing
from branchflow.config import Settings
from branchflow.reports.periods import Month

Row = dict[str, Any]
WriteBook = Callable[[str, Iterator[Row]], Path]  # (project, every lead) → the workbook written


@dataclass
class Capped:
    """The first `limit` rows of a list and how many it holds in all."""

    limit: int
    rows: list[Row] = field(default_factory=list)
    total: int = 0

    def add(self, row: Row) -> None:
        self.total += 1
        if len(self.rows) < self.limit:
            self.rows.append(row)

    @property
    def rest(self) -> int:
        return self.total - len(self.rows)


@dataclass
class LeadList:
    """A project's open A/B leads: the first ones, counts by (branch, grade, urgency), and the
    workbook holding every one (when one was written)."""

    project: str
    first: Capped
    counts: Counter[tuple[str, str, int]] = field(default_factory=Counter)
    workbook: Path | None = None

    def through(self, rows: Iterable[Row]) -> Iterator[Row]:
        """Pass the rows on (to a workbook), keeping the first and counting all."""
        for row in rows:
            self.first.add(row)
            self.counts[(row["owner_branch"], row["grade_at"], row["urgency"])] += 1
            yield row


@dataclass(frozen=True)
class LeadMoment:
    """When a month's lead lists are judged: `standing` (grades, statuses, projects and last
    follow-ups) and `today` (a next follow-up before it is overdue)."""

    standing: Standing
    today: date

    @classmethod
    def of(cls, month: Month, as_of: datetime, end: datetime) -> LeadMoment:
        if as_of < end:
            return cls(Standing(as_of, as_of.date()), as_of.date())
        return cls(Standing(end, month.last), month.shift(1).first)


def lead_lists(
    settings: Settings,
    reads: DocumentReads,
    moment: LeadMoment,
    write: WriteBook | None = None,
) -> dict[str, LeadList]:
    """Every configured project's lead list, from one stream over the archive. `write(project,
    rows)` (leadbook.write_lead_book) writes the full list and returns where."""
    lists = {p.name: LeadList(p.name, Capped(settings.list_rows)) for p in settings.projects}
    rows = reads.project_leads(moment.standing, moment.today)
    for project, group in groupby(rows, key=lambda row: row["project_at"]):
        found = lists.get(project)
        if found is None:  # a project written as staff wrote it, not one configured
            continue
        passing = found.through(group)
        if write is None:
            for _ in passing:
                pass
        else:
            found.workbook = write(project, passing)
    if write is not None:
        for found in lists.values():
            if found.workbook is None:
                found.workbook = write(found.project, iter(()))
    return lists


@dataclass
class DueLists:
    """A branch's follow-ups for its meeting: due in the month, and overdue from before it."""

    due: Capped
    overdue: Capped


def due_lists(
    settings: Settings, reads: DocumentReads, month: Month, as_of: date
) -> dict[str, DueLists]:
    """Per branch, open customers whose next follow-up (as things stood at the end of `as_of`)
    falls in `month` or before it, earliest first."""
    moment = datetime.combine(as_of, time.max, tzinfo=settings.timezone)
    found: dict[str, DueLists] = {}
    limit = settings.list_rows
    for row in reads.due_followups(Standing(moment, as_of), month.last):
        lists = found.setdefault(row["owner_branch"], DueLists(Capped(limit), Capped(limit)))
        (lists.due if month.holds(row["next_date"]) else lists.overdue).add(row)
    return found
