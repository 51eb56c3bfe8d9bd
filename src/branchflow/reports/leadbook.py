"""项目客户清单-<项目>.xlsx: every open A/B lead of a project, beside its Word document, for the
project's 营销部 to sort and filter (a filter on every column, the header row frozen).

Rows arrive from the archive most urgent first and are streamed to the file as they come
(rustpy-xlsxwriter), so a list of any length costs the same memory. Every Python str is written
as a string cell: staff text that looks like a formula stays text. Phones are shown as in the
Word document ([reports] phone_display).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from rustpy_xlsxwriter import Format, write_worksheets

from branchflow.archive.leadlists import OVERDUE, SOON
from branchflow.config import Settings
from branchflow.errors import BranchflowError, OutputError
from branchflow.exportcells import Column, records
from branchflow.reports import blocks
from branchflow.reports.engine import Notes, move_into_place

SHEET = "意向客户"
URGENCY = {OVERDUE: "已逾期", SOON: "7天内到期"}
COLUMNS = (
    Column("rank", "序号", "number", 7),
    Column("urgency", "跟进提示", width=11),
    Column("name", "客户姓名", width=10),
    Column("phone", "手机号码", width=14),
    Column("owner_branch", "归属分中心", width=13),
    Column("grade_at", "客户等级", width=9),
    Column("status_at", "状态", width=8),
    Column("county", "户籍县(市、区)", width=14),
    Column("township", "户籍乡镇", width=12),
    Column("unit_type", "意向户型", width=10),
    Column("area", "意向面积(㎡)", "number", 12),
    Column("budget", "预算总价(万元)", "number", 13),
    Column("registered_on", "登记日期", "date", 11),
    Column("last_date", "最近跟进日期", "date", 13),
    Column("last_method", "最近跟进方式", width=12),
    Column("last_content", "最近跟进内容", width=40),
    Column("next_date", "下次跟进日期", "date", 13),
    Column("last_staff", "跟进人", width=9),
    Column("consultant", "置业顾问", width=9),
)


def write_lead_book(
    settings: Settings, folder: Path, project: str, leads: Iterable[dict[str, Any]], notes: Notes
) -> Path:
    """Write the project's full lead list into `folder`; returns where it went (beside the
    target when the target is open in Excel)."""
    target = folder / f"项目客户清单-{project}.xlsx"
    temp = target.with_name(f".{target.stem}.tmp.xlsx")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"无法写入 {folder}：{exc.strerror or exc}；请检查磁盘空间和写入权限"
        ) from exc
    try:
        write_worksheets([(SHEET, _records(settings, leads))], str(temp), **_layout())
    except (OSError, RuntimeError) as exc:
        temp.unlink(missing_ok=True)
        raise BranchflowError(f"无法写入 {target}：{exc}；请检查磁盘空间和写入权限") from exc
    return move_into_place(temp, target, settings.now(), notes, "Excel")


def _records(settings: Settings, leads: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    shown = (_shown(settings, rank, lead) for rank, lead in enumerate(leads, start=1))
    empty = True
    for record in records(shown, COLUMNS):
        empty = False
        yield record
    if empty:  # the writer takes the header row from the first record
        yield dict.fromkeys(c.title for c in COLUMNS)


def _shown(settings: Settings, rank: int, lead: dict[str, Any]) -> dict[str, Any]:
    """The row as the workbook shows it (a copy: the document keeps the first rows as read)."""
    return {
        **lead,
        "rank": rank,
        "urgency": URGENCY.get(lead["urgency"], ""),
        "phone": blocks.phone(settings, lead.get("phone")),
    }


def _layout() -> dict[str, Any]:
    header = Format().set_bold().set_background_color("#D9E1F2").set_border("thin")
    formats = {c.title: Format().set_num_format("yyyy-mm-dd") for c in COLUMNS if c.kind == "date"}
    formats["手机号码"] = Format().set_num_format("@")
    return {
        "autofit": False,
        "freeze_panes": {SHEET: {"row": 1, "col": 0}},
        "header_format": {SHEET: header},
        "column_widths": {SHEET: [c.width for c in COLUMNS]},
        "column_formats": {SHEET: formats},
        "autofilter": {SHEET: True},
    }
