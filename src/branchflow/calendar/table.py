"""The submission matrix as a terminal table: branches down, deliverables across, totals right."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence

from branchflow.calendar.deadlines import find_deadline
from branchflow.calendar.matrix import Submission
from branchflow.config import Settings

SHORT_NAMES = {
    "monthly": "月度总结",
    "market": "市场报告",
    "weekly": "周报",
    "hq_briefing": "总部简报",
    "dept_plan": "部门月度工作计划",
}
TOTALS = (("on_time", "按时"), ("late", "迟交"), ("missing", "未交"), ("rejected", "退回"))
TOTALS_HEAD = tuple((word, "") for _, word in TOTALS)
Cell = tuple[str, str]  # text, colour name ("" = plain)
_ANSI = {"green": "32", "yellow": "33", "red": "31", "magenta": "35", "dim": "2", "bold": "1"}


def print_matrix(
    matrix: Sequence[Submission], settings: Settings, echo: Callable[[str], None], color: bool
) -> None:
    """Print the matrix of one month; `color` adds ANSI colours (a terminal)."""
    for line in matrix_lines(matrix, settings, color=color):
        echo(line)


def matrix_lines(
    matrix: Sequence[Submission], settings: Settings, *, color: bool = False
) -> list[str]:
    planners = set(settings.planners)
    hq_rows = [s for s in matrix if s.branch == settings.hq_folder]
    plan_rows = [s for s in matrix if s.branch in planners]
    branch_rows = [s for s in matrix if s not in hq_rows and s not in plan_rows]
    period = _month_of(matrix)
    lines = [
        _paint(f"报送考核 {period}（截至 {settings.now():%Y-%m-%d %H:%M}）", "bold", color),
        "",
    ]
    lines += _table(branch_rows, color)
    lines += [_summary(branch_rows), ""] if branch_rows else []
    lines += _table(plan_rows, color, "部门/项目")
    lines += [_summary(plan_rows), ""] if plan_rows else []
    lines += [_hq_line(s, color) for s in hq_rows]
    lines += ["", *_legend(matrix, settings)]
    return lines


def cell_text(s: Submission) -> str:
    """A matrix cell in words: 按时 / 迟交 5.2h / 未交 / 退回 / 未到期; * = past the cutoff."""
    if s.state == "late":
        text = f"迟交 {s.late_hours:g}h"
    elif s.state == "missing":
        text = "未交" if s.due_passed else "未到期"
    else:
        text = {"on_time": "按时", "rejected": "退回"}[s.state]
    return text + ("*" if s.past_cutoff and s.due_passed else "")


def column_title(s: Submission) -> str:
    name = SHORT_NAMES.get(s.deliverable, s.deliverable)
    return f"{name}{s.period.split('-')[1]}" if s.deliverable == "weekly" else name


def _table(rows: Sequence[Submission], color: bool, owners: str = "分中心") -> list[str]:
    columns = list(dict.fromkeys((s.deliverable, s.period) for s in rows))
    if not columns:
        return []
    by_cell = {(s.branch, s.deliverable, s.period): s for s in rows}
    first = {key: next(s for s in rows if (s.deliverable, s.period) == key) for key in columns}
    grid: list[list[Cell]] = [
        [(owners, ""), *((column_title(first[k]), "") for k in columns), *TOTALS_HEAD],
        [("截止", "dim"), *((f"{first[k].due:%m-%d}", "dim") for k in columns)],
    ]
    for branch in dict.fromkeys(s.branch for s in rows):
        found = [by_cell[(branch, *k)] for k in columns]
        counts = [(str(sum(_counted(c, state) for c in found)), "") for state, _ in TOTALS]
        grid.append([(branch, ""), *((cell_text(c), _colour_of(c)) for c in found), *counts])
    return _render(grid, color)


def _render(grid: Sequence[Sequence[Cell]], color: bool) -> list[str]:
    """Columns padded to their widest cell (CJK counted double), two spaces apart."""
    count = max(len(row) for row in grid)
    widths = [max(_width(row[i][0]) for row in grid if i < len(row)) for i in range(count)]
    return [
        "  ".join(
            _paint(_pad(text, widths[i]), colour, color) for i, (text, colour) in enumerate(row)
        ).rstrip()
        for row in grid
    ]


def _summary(rows: Sequence[Submission]) -> str:
    counts = [f"{word} {sum(_counted(s, state) for s in rows)}" for state, word in TOTALS]
    pending = sum(s.state == "missing" and not s.due_passed for s in rows)
    return "合计：" + "，".join(counts) + (f"，未到期 {pending}" if pending else "")


def _counted(s: Submission, state: str) -> bool:
    """Totals: a missing deliverable counts as 未交 only once its due time has passed."""
    return s.state == state and (state != "missing" or s.due_passed)


def _hq_line(s: Submission, color: bool) -> str:
    what = f"{s.branch}  总部月度简报 {s.period}（截止 {s.due:%m-%d %H:%M}）："
    state = cell_text(s)
    if s.submitted_at is not None:
        state += f"（{s.submitted_at:%m-%d %H:%M} 报送）"
    return what + _paint(state, _colour_of(s), color)


def _legend(matrix: Sequence[Submission], settings: Settings) -> list[str]:
    lines = [
        "说明：迟交后为超过截止时间的小时数；未到期 = 还没到截止时间、也还没收到；",
        "      退回 = 报送的文件都被退回、尚无通过的版本；未交只计已过截止时间的。",
    ]
    plans = [s for s in matrix if s.deliverable == "dept_plan"]
    if plans:
        due = f"{plans[0].due:%m-%d %H:%M}"
        lines.append(f"      部门月度工作计划：各部门、各项目营销部 {due} 前报下月的工作计划。")
    cutoffs = sorted({s.cutoff for s in matrix if s.cutoff is not None})
    if cutoffs:
        when = "、".join(f"{c:%m-%d %H:%M}" for c in cutoffs)
        lines.append(f"      * 月度总结在月报统计截止（{when}）时仍未收到，或在此之后才收到。")
    weekly = find_deadline(settings, "weekly")
    lines.append(
        f"      周报按截止日所在月份列出：每周{'一二三四五六日'[(weekly.weekday or 1) - 1]}"
        f" {weekly.at:%H:%M} 前报上一周（如 {_example_week(matrix)}）。"
    )
    return lines


def _example_week(matrix: Sequence[Submission]) -> str:
    weeks = [s for s in matrix if s.deliverable == "weekly"]
    if not weeks:
        return "W47 于下周一截止"
    s = weeks[0]
    return f"{s.period} 于 {s.due:%m-%d} 截止"


def _month_of(matrix: Sequence[Submission]) -> str:
    months = [s.period for s in matrix if "W" not in s.period]
    return months[0] if months else ""


def _colour_of(s: Submission) -> str:
    if s.state == "missing":
        return "red" if s.due_passed else "dim"
    return {"on_time": "green", "late": "yellow", "rejected": "magenta"}[s.state]


def _paint(text: str, colour: str, color: bool) -> str:
    if not color or not colour:
        return text
    return f"\x1b[{_ANSI[colour]}m{text}\x1b[0m"


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _width(text: str) -> int:
    """Columns a string takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
