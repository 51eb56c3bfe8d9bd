"""报送情况: the month's submission matrix (calendar/), one row per drop folder, coloured cells
that open the drops behind them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from starlette.responses import RedirectResponse, Response

from branchflow.calendar import Submission, cell_text, submission_matrix
from branchflow.calendar.table import SHORT_NAMES, column_title
from branchflow.console import access
from branchflow.console.pages.months import chosen_month
from branchflow.console.web import Page

TOTALS = (("on_time", "按时"), ("late", "迟交"), ("missing", "未交"), ("rejected", "退回"))


@dataclass(frozen=True)
class Cell:
    submission: Submission
    text: str
    css: str  # on_time / late / missing / rejected / pending


@dataclass(frozen=True)
class Row:
    folder: str
    cells: tuple[Cell | None, ...]  # one per column; None where the folder owes nothing
    totals: tuple[int, ...]  # 按时 / 迟交 / 未交 / 退回


def home(page: Page) -> Response:
    """Each role's first page."""
    return RedirectResponse("/documents" if page.viewer.role == "department" else "/status", 303)


def page(page: Page) -> Response:
    month = chosen_month(page)
    matrix = submission_matrix(page.settings, month.key, archive=page.store.archive)
    allowed = access.folders(page.viewer, page.settings)
    if allowed is not None:
        matrix = [s for s in matrix if s.branch in allowed]
    columns = list(dict.fromkeys((s.deliverable, s.period) for s in matrix))
    heads = {key: next(s for s in matrix if (s.deliverable, s.period) == key) for key in columns}
    rows = _rows(matrix, columns)
    return page.render(
        "status.html",
        month=month,
        now=page.settings.now(),
        columns=[(key, _title(heads[key]), heads[key].due) for key in columns],
        rows=rows,
        totals=[sum(r.totals[i] for r in rows) for i in range(len(TOTALS))],
        total_names=[name for _, name in TOTALS],
        pending=[s for s in matrix if s.state == "missing" and not s.due_passed],
        cutoffs=sorted({s.cutoff for s in matrix if s.cutoff is not None}),
        active="/status",
    )


def _rows(matrix: Sequence[Submission], columns: list[tuple[str, str]]) -> list[Row]:
    by_cell = {(s.branch, s.deliverable, s.period): s for s in matrix}
    rows = []
    for folder in dict.fromkeys(s.branch for s in matrix):
        found = [by_cell.get((folder, *key)) for key in columns]
        cells = tuple(_cell(s) if s is not None else None for s in found)
        owed = [s for s in found if s is not None]
        totals = tuple(sum(_counted(s, state) for s in owed) for state, _ in TOTALS)
        rows.append(Row(folder, cells, totals))
    return rows


def _cell(s: Submission) -> Cell:
    css = "pending" if s.state == "missing" and not s.due_passed else s.state
    return Cell(s, cell_text(s), css)


def _counted(s: Submission, state: str) -> bool:
    return s.state == state and (state != "missing" or s.due_passed)


def _title(s: Submission) -> str:
    if s.deliverable == "weekly":
        return column_title(s)
    return SHORT_NAMES.get(s.deliverable, s.deliverable)
