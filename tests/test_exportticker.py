"""Progress of an export after the answer: per workbook, counted as rows stream to the writer."""

from __future__ import annotations

import io
from pathlib import Path

from branchflow.export import ArchiveData, export_archive
from branchflow.exportstamps import ExportProgress
from branchflow.exportticker import ExportTicker


def test_the_writer_reports_rows_as_they_stream(tmp_path: Path) -> None:
    customers = [
        {"phone": f"138{n:08d}", "name": f"客户{n}", "owner_branch": "东莞分中心"}
        for n in range(4_500)
    ]
    events: list[ExportProgress] = []
    export_archive(tmp_path, ArchiveData(customers=customers), progress=events.append)
    master = [e.rows for e in events if e.file == "客户总档案.xlsx"]
    branch = [e.rows for e in events if e.file == "分中心档案-东莞分中心.xlsx"]
    assert master == branch == [2_000, 4_000]


def test_a_terminal_sees_one_line_counting_up_a_log_one_line_per_workbook() -> None:
    live, log = io.StringIO(), io.StringIO()
    for stream, is_terminal in ((live, True), (log, False)):
        ticker = ExportTicker(stream, is_terminal)
        for rows in (2_000, 4_000):
            ticker(ExportProgress("客户总档案.xlsx", rows, 250_000))
        ticker(ExportProgress("分中心档案-东莞分中心.xlsx", 2_000, None))
        ticker.close()
    assert log.getvalue().splitlines() == [
        "回执已写好；正在更新 客户总档案.xlsx（250,000 行），完成前请勿打开……",
        "回执已写好；正在更新 分中心档案-东莞分中心.xlsx，完成前请勿打开……",
    ]
    shown = live.getvalue()
    assert "\r正在更新 客户总档案.xlsx：4,000 行 2%" in shown
    assert shown.endswith("\n")
