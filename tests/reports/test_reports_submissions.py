"""报送考核: the calendar's submission matrix, laid out; and what it says when there is none."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from pathlib import Path

import docx
import pytest
from report_helpers import A, B, make_workspace, paragraphs, rows_of, table_with, tables

from branchflow import calendar
from branchflow.calendar import Submission
from branchflow.config import Settings
from branchflow.errors import BranchflowError
from branchflow.reports import submissions
from branchflow.reports.engine import render_docx
from branchflow.reports.periods import Month
from branchflow.reports.word_templates import build_template

MONTH = Month(2026, 11)
W46 = "第46周（11月9日—11月15日）"  # never "2026-W46": HQ does not read ISO week codes


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_workspace(tmp_path / "ws")


def render(settings: Settings) -> docx.document.Document:
    matrix = submissions.read_matrix(settings, MONTH)
    context = submissions.context(settings, MONTH, settings.now(), matrix)
    return docx.Document(io.BytesIO(render_docx(build_template(submissions.TEMPLATE), context)))


def test_matrix_cells_and_details(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    tz = settings.timezone
    due = datetime(2026, 11, 25, 23, 59, tzinfo=tz)
    week_due = datetime(2026, 11, 16, 23, 59, tzinfo=tz)
    later = datetime(2026, 11, 30, 23, 59, tzinfo=tz)
    matrix = [
        Submission(A, "monthly", "2026-11", due, due - timedelta(hours=3), "on_time", None),
        Submission(A, "weekly", "2026-W46", week_due, week_due + timedelta(hours=5.5), "late", 5.5),
        Submission(A, "weekly", "2026-W47", later, None, "missing", None),
        Submission(B, "monthly", "2026-11", due, due + timedelta(days=3), "late", 72.0),
        Submission(B, "market", "2026-11", due, due, "rejected", None),
        Submission(B, "weekly", "2026-W46", week_due, None, "missing", None),
        Submission("总部", "hq_briefing", "2026-11", due, due, "on_time", None),
    ]
    matrix[2] = Submission(**{**matrix[2].__dict__, "due_passed": False})
    monkeypatch.setattr(calendar, "submission_matrix", lambda s, period: matrix)
    doc = render(settings)
    rows = {r[0]: r for r in rows_of(table_with(doc, "分中心"))}
    assert rows[A][1:] == ["按时", "—", "第46周 迟交 5.5 小时\n第47周 未到期", "1/2", "50.0%"]
    assert rows[B][1:] == ["迟交 3.0 天", "退回未改", "第46周 未交", "0/3", "0.0%"]
    details = rows_of(next(t for t in tables(doc) if t[0][1] == "报送项"))
    assert [(d[0], d[1], d[2], d[5]) for d in details] == [
        (A, "营销活动周报", W46, "迟交 5.5 小时"),
        (B, "月度工作总结及下月工作计划", "2026年11月", "迟交 3.0 天"),
        (B, "市场研究报告", "2026年11月", "退回未改"),
        (B, "营销活动周报", W46, "未交"),
    ]
    text = paragraphs(doc)
    assert text[2] == "各分中心本月已到截止时间或已报送的 5 项中：按时 1，迟交 2，未交 1，退回 1。"
    assert text[-1].startswith("总部月度简报（2026年11月，截止 2026-11-25 23:59）：按时")


def test_matrix_unavailable_is_said_plainly(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(settings: Settings, period: str) -> list[Submission]:
        raise BranchflowError("档案库无法打开")

    monkeypatch.setattr(calendar, "submission_matrix", broken)
    assert "报送矩阵暂时无法生成：档案库无法打开" in paragraphs(render(settings))


def test_departments_and_projects_have_their_own_table(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    tz = settings.timezone
    due = datetime(2026, 11, 28, 23, 59, tzinfo=tz)
    matrix = [
        Submission("市场策划部", "dept_plan", "2026-11", due, due - timedelta(hours=2), "on_time",
                   None),
        Submission("招商管理部", "dept_plan", "2026-11", due, due + timedelta(hours=10.5), "late",
                   10.5),
        Submission("正安花园营销部", "dept_plan", "2026-11", due, None, "missing", None),
        Submission("总部", "hq_briefing", "2026-11", due, due, "on_time", None),
    ]  # fmt: skip
    monkeypatch.setattr(calendar, "submission_matrix", lambda s, period: matrix)
    doc = render(settings)
    plans = rows_of(table_with(doc, "部门/项目"))
    assert [(r[0], r[4]) for r in plans] == [
        ("市场策划部", "按时"),
        ("招商管理部", "迟交 10.5 小时"),
        ("正安花园营销部", "未交"),
    ]
    text = "\n".join(paragraphs(doc))
    assert (
        "各部门、项目营销部已到截止时间或已报送的 3 项中：按时 1，迟交 1，未交 1，退回 0。" in text
    )
    details = rows_of(next(t for t in tables(doc) if t[0][1] == "报送项"))
    assert ("正安花园营销部", "部门月度工作计划") in [(d[0], d[1]) for d in details]
