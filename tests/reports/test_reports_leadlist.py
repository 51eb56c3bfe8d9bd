"""项目客户清单 as people use it: the Word list capped at [reports] list_rows, most urgent first,
naming how many more there are; every lead in the workbook beside it, ready to filter."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest
from report_helpers import (
    MEIJIANG,
    NOW,
    A,
    at,
    customer,
    drop,
    make_workspace,
    open_doc,
    paragraphs,
    rows_of,
    table_with,
)

from branchflow.archive.store import Archive
from branchflow.config import CONFIG_NAME, Settings, load_settings
from branchflow.pipeline import ingest
from branchflow.reports import render_period
from branchflow.sample.fill import Filling
from branchflow.validate.normalize import mask_phone

FORMULA = '=HYPERLINK("http://example.com","点我")'
# (name, phone, grade, registered, next follow-up or None). Judged as of the month's end:
# before 12-01 is overdue, before 12-08 due within the week.
LEADS = [
    ("甲", "13800000001", "B", date(2026, 11, 20), date(2026, 11, 25)),  # overdue, B
    ("乙", "13800000002", "A", date(2026, 11, 2), date(2026, 11, 28)),  # overdue, A, older
    ("丙", "13800000003", "A", date(2026, 11, 18), date(2026, 11, 29)),  # overdue, A, newer
    ("丁", "13800000004", "A", date(2026, 11, 3), date(2026, 12, 3)),  # this week
    ("戊", "13800000005", "B", date(2026, 11, 25), None),  # no follow-up yet
    (FORMULA, "13800000006", "A", date(2026, 11, 24), date(2026, 12, 20)),  # later, A
    ("己", "13800000007", "A", date(2026, 11, 1), None),  # later, A, oldest
]
# overdue first, then due within the week, then the rest; A before B; newest registered first
ORDER = ["丙", "乙", "甲", "丁", FORMULA, "己", "戊"]


@pytest.fixture(scope="module")
def capped(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, list[Path]]:
    root = tmp_path_factory.mktemp("leads") / "ws"
    make_workspace(root)
    config = root / CONFIG_NAME
    text = config.read_text(encoding="utf-8")
    assert "\nlist_rows = 200\n" in text  # the sample configuration documents the key
    config.write_text(text.replace("\nlist_rows = 200\n", "\nlist_rows = 3\n"), encoding="utf-8")
    settings = at(load_settings(root), NOW)
    people = [customer(n, p, "湄潭县", "永兴镇", g, day, MEIJIANG) for n, p, g, day, _ in LEADS]
    visits = [
        {"phone": p, "date": date(2026, 11, 24), "method": "电话", "content": "回访",
         "next_date": nxt, "staff": "罗明"}
        for _, p, _, _, nxt in LEADS
        if nxt is not None
    ]  # fmt: skip
    head = {"branch": A, "reporter": "罗明", "period": "2026-11"}
    drop(settings, A, "客户.xlsx", Filling("customers", head, {"customers": people,
                                                             "followups": visits}))  # fmt: skip
    filed = at(settings, NOW.replace(month=11, day=26))
    with Archive.open(filed) as archive:
        assert [o.status for o in ingest(filed, archive).outcomes] == ["accepted"]
    written = render_period(settings, period="2026-11", week=None, notes=lambda _: None)
    return settings, written


def test_the_document_lists_the_most_urgent_and_counts_the_rest(
    capped: tuple[Settings, list[Path]],
) -> None:
    _settings, written = capped
    [path] = [p for p in written if p.name == f"项目客户清单-{MEIJIANG}.docx"]
    doc = open_doc(path)
    rows = rows_of(table_with(doc, "序号"))
    assert [r[1] for r in rows] == ORDER[:3]
    assert all(r[9].endswith("已逾期") for r in rows)
    text = "\n".join(paragraphs(doc))
    assert "共 7 人，其中 A 类 5 人、B 类 2 人" in text
    assert "下次跟进已逾期的 3 人，7 天内到期的 1 人" in text
    assert "以上为最需要联系的前 3 位，其余 4 位未列出。全部 7 位客户见与本文档同名" in text


def test_the_workbook_beside_it_holds_every_lead_ready_to_filter(
    capped: tuple[Settings, list[Path]],
) -> None:
    settings, written = capped
    [path] = [p for p in written if p.name == f"项目客户清单-{MEIJIANG}.xlsx"]
    assert path.parent == settings.reports_dir / "2026-11"
    book = openpyxl.load_workbook(path)
    sheet = book["意向客户"]
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert header[:4] == ["序号", "跟进提示", "客户姓名", "手机号码"]
    assert [r[2] for r in rows] == ORDER  # every lead, in the document's order
    assert [r[0] for r in rows] == list(range(1, 8))
    assert [r[1] for r in rows][:4] == ["已逾期", "已逾期", "已逾期", "7天内到期"]
    phones = {name: phone for name, phone, *_ in LEADS}
    assert [r[3] for r in rows] == [mask_phone(phones[r[2]]) for r in rows]  # as in Word
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(header)).column_letter}8"
    assert sheet.freeze_panes == "A2"
    formula_cell = sheet.cell(row=ORDER.index(FORMULA) + 2, column=3)
    assert formula_cell.data_type == "s" and formula_cell.value == FORMULA  # text, not a formula
    due = rows[ORDER.index("丁")][header.index("下次跟进日期")]
    assert due.date() == date(2026, 12, 3)  # a real date, to sort and filter by


def test_a_project_without_leads_still_gets_its_workbook(
    capped: tuple[Settings, list[Path]],
) -> None:
    settings, written = capped
    other = next(p.name for p in settings.projects if p.name != MEIJIANG)
    [path] = [p for p in written if p.name == f"项目客户清单-{other}.xlsx"]
    rows = list(openpyxl.load_workbook(path)["意向客户"].iter_rows(values_only=True))
    assert len(rows) == 1 and rows[0][0] == "序号"  # the header only
