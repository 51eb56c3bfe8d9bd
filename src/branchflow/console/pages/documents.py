"""文档: the month's Word documents, PDFs and lead-list workbooks (and the weeks due in it) to
download; an admin may re-render the month. A download is looked up by name in the folder's own
listing, so a request never names a path."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.responses import Response

from branchflow.console import access
from branchflow.console.pages.months import Month, chosen_month
from branchflow.console.web import Page, redirect
from branchflow.errors import BranchflowError
from branchflow.reports import render_period

SUFFIXES = (".docx", ".pdf", ".xlsx")  # .xlsx: each project's full lead list
PURPOSES = (  # file-name prefix → who reads it (README "Word documents")
    ("月度工作总结-汇总", "营销中心领导：各分中心对比、排名、未报送"),
    ("月度工作总结-", "销售管理部：该分中心的指标、总结与计划"),
    ("部门资料包-", "该部门按制度应收的资料"),
    ("项目客户清单-", "项目营销部：意向该项目的 A/B 类客户"),
    ("例会资料-", "3 日例会：总部简报、上月结果、本月跟进"),
    ("报送考核-", "考核：报送按时、迟交、未交、退回"),
    ("营销活动周报-", "客户服务部：各分中心本周活动与新闻"),
)
_FOLDER = re.compile(r"^\d{4}-(?:\d{2}|W\d{2})$")


def listing(page: Page) -> Response:
    month = chosen_month(page)
    groups = []
    for folder in _folders(month):
        found = [
            {"name": p.name, "size": p.stat().st_size, "purpose": purpose(p.name)}
            for p in _files(page, folder)
        ]
        if found or folder == month.key:
            groups.append({"folder": folder, "files": found})
    return page.render(
        "documents.html",
        month=month,
        groups=groups,
        may_render=access.may_render(page.viewer),
        message=page.arg("message"),
        active="/documents",
    )


def download(page: Page) -> Response:
    folder = page.request.path_params["folder"]
    name = page.request.path_params["name"]
    if not _FOLDER.match(folder):
        raise HTTPException(404, "没有这个文档")
    found = {p.name: p for p in _files(page, folder)}
    if name not in found:
        raise HTTPException(404, "没有这个文档")
    return page.download(found[name], name, f"文档 {folder}")


def rerender(page: Page) -> Response:
    if not access.may_render(page.viewer):
        raise access.deny()
    text = page.form.get("month", "")
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        raise HTTPException(404, f"“{text}”不是月份")
    month = Month(int(text[:4]), int(text[5:]))
    notes: list[str] = []
    try:
        written = render_period(page.settings, period=month.key, week=None, notes=notes.append)
    except BranchflowError as exc:
        return redirect("/documents", month=month.key, message=f"生成失败：{exc}")
    page.audit("render", f"文档 {month.key}", f"{len(written)} 份")
    said = f"已重新生成 {month.title}的 {len(written)} 份文档。" + "".join(notes)
    return redirect("/documents", month=month.key, message=said)


def purpose(name: str) -> str:
    return next((text for prefix, text in PURPOSES if name.startswith(prefix)), "")


def _folders(month: Month) -> list[str]:
    """The month's folder, then each ISO week whose Monday falls in the month."""
    weeks = []
    day = month.start
    while day < month.end:
        if day.isoweekday() == 1:
            iso = day.isocalendar()
            weeks.append(f"{iso.year}-W{iso.week:02d}")
        day = date.fromordinal(day.toordinal() + 1)
    return [month.key, *weeks]


def _files(page: Page, folder: str) -> list[Path]:
    where = page.settings.reports_dir / folder
    if not where.is_dir():
        return []
    return sorted(
        p
        for p in where.iterdir()
        if p.is_file()
        and p.suffix.lower() in SUFFIXES
        and not p.name.startswith(("~$", "."))
        and access.document_visible(page.viewer, page.settings, p.name)
    )
