"""What a month's documents read from the archive, in bounded memory: counts per branch and
month (aggregates.py), the month's field changes and 撞单, and lists of customers to call
streamed in order (leadlists.py). Nothing here holds the archive's customers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from branchflow.archive import aggregates, leadlists
from branchflow.archive.bulk import iter_dicts
from branchflow.archive.reads import conflicts_query
from branchflow.archive.schema import conflicts, customers
from branchflow.validate.normalize import mask_phone


@dataclass(frozen=True)
class Span:
    """A month as the archive is asked about it."""

    key: str
    first: date
    last: date
    end: datetime  # the first moment after it


@dataclass(frozen=True)
class BranchMonth:
    """One branch's month in the archive's own figures."""

    new: int = 0  # customers it owns registered in the month
    townships: Mapping[aggregates.Place, int] = field(default_factory=dict)  # of the new ones
    followups: int = 0  # follow-ups it recorded with a 跟进日期 in the month
    grades: Mapping[str | None, int] = field(default_factory=dict)  # at the month's end


@dataclass(frozen=True)
class MonthChanges:
    """The month's field changes: per branch (changes, customers changed), and the latest."""

    by_branch: Mapping[str, tuple[int, int]]
    total: int
    latest: tuple[dict[str, Any], ...]


class DocumentReads:
    """The reads of one period's documents, on one read connection."""

    def __init__(self, conn: Connection, tz: ZoneInfo) -> None:
        self._conn = conn
        self._tz = tz

    def months(self, spans: Sequence[Span]) -> dict[str, dict[str, BranchMonth]]:
        """Month key → branch → its figures, for each span."""
        if not spans:
            return {}
        grades = aggregates.GradeHistory.read(self._conn, min(s.end for s in spans))
        found: dict[str, dict[str, BranchMonth]] = {}
        for span in spans:
            places = aggregates.new_by_township(self._conn, span.first, span.last)
            visits = aggregates.followups_by_branch(self._conn, span.first, span.last)
            graded = grades.at(span.end, span.last)
            found[span.key] = {
                branch: BranchMonth(
                    sum(places.get(branch, Counter()).values()),
                    dict(places.get(branch, {})),
                    visits.get(branch, 0),
                    dict(graded.get(branch, {})),
                )
                for branch in {*places, *visits, *graded}
            }
        return found

    def mix(self, registered_by: date) -> dict[str, dict[str, Counter[Any]]]:
        """Branch → field → stored value → customers registered by then (aggregates)."""
        return aggregates.customer_mix(self._conn, registered_by)

    def changes(self, start: datetime, end: datetime, latest: int) -> MonthChanges:
        by_branch = aggregates.changes_by_branch(self._conn, start, end)
        rows = aggregates.latest_changes(self._conn, self._tz, start, end, latest)
        return MonthChanges(by_branch, sum(n for n, _ in by_branch.values()), tuple(rows))

    def conflicts(self, start: datetime, end: datetime) -> Iterator[dict[str, Any]]:
        """撞单 first detected between `start` and `end`, with the customer's name, in the
        order they were found."""
        query = (
            conflicts_query()
            .add_columns(customers.c.name.label("customer_name"))
            .join(customers, customers.c.id == conflicts.c.customer_id)
            .where(conflicts.c.detected_at >= start, conflicts.c.detected_at < end)
        )
        for row in iter_dicts(self._conn, query, self._tz):
            row["masked_phone"] = mask_phone(row["phone"])
            yield row

    def project_leads(self, standing: leadlists.Standing, today: date) -> Iterator[dict[str, Any]]:
        """Every project's open A/B leads, by project, most urgent first (leadlists.py)."""
        return leadlists.project_leads(self._conn, self._tz, standing, today)

    def due_followups(self, standing: leadlists.Standing, last: date) -> Iterator[dict[str, Any]]:
        """Follow-ups due on or before `last`, by owner branch, earliest first."""
        return leadlists.due_followups(self._conn, self._tz, standing, last)
