"""Every document is one a department head forwards without editing: no technical words, no
phone, date or number broken over two lines, and Word's 文件 → 信息 says what it is and who
made it."""

from __future__ import annotations

import dataclasses
import io
import zipfile
from datetime import UTC, timedelta

import docx
import pytest
from report_helpers import (
    COMPANY,
    MEIJIANG,
    NOW,
    A,
    Rendered,
    open_doc,
    paragraphs,
    rows_of,
    table_with,
    tables,
    technical_words,
    wrapped_cells,
)

from branchflow.archive.store import Archive
from branchflow.reports import month_jobs
from branchflow.reports.engine import render_docx
from branchflow.reports.periods import Month
from branchflow.reports.word_templates import build_template


@pytest.fixture(scope="module", params=["rendered", "empty"])
def documents(request: pytest.FixtureRequest) -> Rendered:
    found: Rendered = request.getfixturevalue(request.param)
    return found


def test_no_technical_words(documents: Rendered) -> None:
    for path in (*documents.month, *documents.week):
        assert technical_words(open_doc(path)) == [], path.name


def test_no_phone_date_or_number_wraps(documents: Rendered) -> None:
    for path in (*documents.month, *documents.week):
        assert wrapped_cells(open_doc(path)) == [], path.name


def test_document_properties_name_the_document_and_the_company(rendered: Rendered) -> None:
    made = NOW.replace(tzinfo=rendered.settings.timezone).astimezone(UTC)
    for path in (*rendered.month, *rendered.week):
        core = open_doc(path).core_properties
        assert core.author == COMPANY and core.last_modified_by == COMPANY, path.name
        assert core.title.endswith("（2026年11月）") or "第46周" in core.title, core.title
        assert core.created is not None
        assert core.created.replace(tzinfo=UTC) == made, path.name
        with zipfile.ZipFile(path) as package:
            meta = b"".join(
                package.read(n) for n in package.namelist() if n.startswith("docProps/")
            )
        assert b"python-docx" not in meta and b"branchflow" not in meta, path.name
    titles = {open_doc(p).core_properties.title for p in rendered.month}
    assert f"{A}月度工作总结（2026年11月）" in titles
    assert f"{MEIJIANG}意向客户清单（2026年11月）" in titles


def test_the_lead_list_judges_overdue_as_of_the_month_end(rendered: Rendered) -> None:
    """Rendered on 1 December or a year later, the list of November says the same."""
    name = f"项目客户清单-{MEIJIANG}.docx"
    first = open_doc(rendered.doc(name))
    later = dataclasses.replace(
        rendered.settings, now_override=rendered.settings.now() + timedelta(days=400)
    )
    with Archive.open(later) as archive:
        job = next(j for j in month_jobs(later, archive, Month(2026, 11)) if j.file_name == name)
    again = docx.Document(io.BytesIO(render_docx(build_template(job.template), job.context)))
    assert rows_of(table_with(again, "序号")) == rows_of(table_with(first, "序号"))
    assert any(p.startswith("截至2026年11月30日：") for p in paragraphs(again))


def test_the_meeting_lists_every_overdue_follow_up(rendered: Rendered) -> None:
    doc = open_doc(rendered.doc(f"例会资料-{A}.docx"))
    overdue = rows_of(next(t for t in tables(doc) if "逾期" in t[0]))
    # 张六's next follow-up was due 10-20 and never came; as of the 例会 on 11-03: 14 days
    assert [(r[0], r[5], r[6]) for r in overdue] == [("张六", "2026-10-20", "14 天")]
    assert any("另有 1 位客户" in p for p in paragraphs(doc))
