"""The customer record as the documents count it, end to end through staff's own workbooks: a C
customer followed up to A is an A in the archive, in 项目客户清单 and in 有效客户(A+B), and stays
one when the running workbook (still saying C in its registration row) is dropped again."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from report_helpers import (
    MEIJIANG,
    A,
    at,
    customer,
    drop,
    make_workspace,
    open_doc,
    rows_of,
    table_with,
    tables,
)

from branchflow.archive.store import Archive
from branchflow.config import Settings
from branchflow.pipeline import ingest
from branchflow.reports import month_jobs, render_jobs
from branchflow.reports.periods import Month
from branchflow.sample.fill import Filling

PHONE = "13800138011"
HEAD = {"branch": A, "reporter": "罗明", "period": "2026-11"}
REGISTERED = customer("周强", PHONE, "湄潭县", "永兴镇", "C", date(2026, 11, 3), MEIJIANG)
OTHER = customer("吴敏", "13800138012", "湄潭县", "复兴镇", "C", date(2026, 11, 4), MEIJIANG)
VISIT = {"phone": PHONE, "date": date(2026, 11, 10), "method": "到访", "content": "带看样板间",
         "grade_after": "A", "next_date": date(2026, 12, 2), "staff": "罗明"}  # fmt: skip


def _drop_and_ingest(settings: Settings, rows: list[dict[str, Any]], when: datetime) -> None:
    running = Filling("customers", HEAD, {"customers": rows, "followups": [VISIT]})
    drop(settings, A, "客户档案-东莞.xlsx", running)
    moment = at(settings, when)
    with Archive.open(moment) as archive:
        [outcome] = ingest(moment, archive).outcomes
    assert outcome.status == "accepted", outcome.as_json()


def _grade(settings: Settings) -> str:
    with Archive.open(settings) as archive:
        return next(c["grade"] for c in archive.customers() if c["phone"] == PHONE)


def _render(settings: Settings, folder: Path) -> dict[str, Path]:
    wanted = {f"项目客户清单-{MEIJIANG}.docx", f"月度工作总结-{A}.docx"}
    with Archive.open(settings) as archive:
        jobs = [
            j
            for j in month_jobs(settings, archive, Month.parse("2026-11"))
            if j.file_name in wanted
        ]
    return {p.name: p for p in render_jobs(settings, jobs, folder, lambda _note: None)}


def test_a_customer_followed_up_to_a_counts_as_a(tmp_path: Path) -> None:
    settings = make_workspace(tmp_path / "ws")
    _drop_and_ingest(settings, [REGISTERED], datetime(2026, 11, 12, 9, 0))
    assert _grade(settings) == "A"
    # The running workbook grows; its registration row still says C: the customer stays A.
    _drop_and_ingest(settings, [REGISTERED, OTHER], datetime(2026, 11, 20, 9, 0))
    assert _grade(settings) == "A"

    docs = _render(settings, tmp_path / "docs")
    leads = rows_of(table_with(open_doc(docs[f"项目客户清单-{MEIJIANG}.docx"]), "序号"))
    assert [(r[1], r[5]) for r in leads] == [("周强", "A")]  # 吴敏 is a C: not a lead
    summary = open_doc(docs[f"月度工作总结-{A}.docx"])
    check = next(t for t in tables(summary) if t[0] == ["指标", "分中心上报", "档案统计", "差异"])
    assert next(r for r in rows_of(check) if r[0] == "有效客户(A+B)")[2] == "1"


def test_a_stage_step_back_is_told_in_the_receipt(tmp_path: Path) -> None:
    settings = make_workspace(tmp_path / "ws")
    signed = {**REGISTERED, "status": "签约"}
    _drop_and_ingest(settings, [signed], datetime(2026, 11, 12, 9, 0))
    _drop_and_ingest(settings, [REGISTERED, OTHER], datetime(2026, 11, 20, 9, 0))  # 意向 again
    receipts = sorted((settings.inbox / A / "回执").glob("回执-*.txt"))
    text = receipts[-1].read_text(encoding="utf-8-sig")
    assert "状态由“签约”改为“意向”，退回到了前面的阶段" in text
    with Archive.open(settings) as archive:
        changes = [
            (h["old_value"], h["new_value"]) for h in archive.history() if h["field"] == "status"
        ]
        status = next(c["status"] for c in archive.customers() if c["phone"] == PHONE)
    assert (changes, status) == ([("签约", "意向")], "意向")
